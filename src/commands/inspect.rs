//! `winfit inspect IMAGE...`: what the registry says about each image — digest, media type,
//! every platform entry — with the Windows release, KB and pinned tags winfit knows for it.

use crate::cli::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK, InspectArgs, InspectFormat};
use crate::extract::reference::{self, ImageRef};
use crate::resolve::knowledge;
use crate::resolve::registry::{self, InspectImage};
use serde::Serialize;

/// One platform entry with what the knowledge tables add.
#[derive(Debug, Serialize)]
struct Entry<'a> {
    #[serde(flatten)]
    platform: &'a registry::InspectPlatform,
    release: Option<String>,
    kb: Vec<String>,
    /// Tags that name exactly this revision (KB tags, full-version tag) for Microsoft base images.
    pinned_tags: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Item<'a> {
    image: &'a str,
    digest: Option<&'a str>,
    media_type: Option<&'a str>,
    source: Option<registry::Source>,
    platforms: Vec<Entry<'a>>,
    error: Option<&'a str>,
    rule: Option<&'a str>,
}

pub fn run(args: &InspectArgs) -> u8 {
    let mut images: Vec<ImageRef> = Vec::new();
    for text in &args.images {
        match reference::parse(text) {
            Ok(i) => images.push(i),
            Err(e) => {
                eprintln!("winfit: {e}");
                return EXIT_FAILURE;
            }
        }
    }
    let opts = match args.registry.options(args.offline, &Default::default()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("winfit: {e}");
            return EXIT_FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("winfit: cannot start the resolver: {e}");
            return EXIT_FAILURE;
        }
    };
    let results = runtime.block_on(registry::inspect(&images, &opts));
    let items: Vec<Item<'_>> = results.iter().map(|r| enrich(r, &images)).collect();
    let text = match args.format {
        InspectFormat::Json => {
            let mut s = serde_json::to_string_pretty(&items)
                .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
            s.push('\n');
            s
        }
        InspectFormat::Table => table(&items),
    };
    if !super::print(&text) {
        return EXIT_FAILURE;
    }
    if items.iter().any(|i| i.error.is_some()) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn enrich<'a>(r: &'a InspectImage, images: &[ImageRef]) -> Item<'a> {
    let image_ref = images.iter().find(|i| i.normalized() == r.image);
    let base = image_ref.is_some_and(crate::resolve::tags::is_microsoft_base_repo);
    Item {
        image: &r.image,
        digest: r.digest.as_deref(),
        media_type: r.media_type.as_deref(),
        source: r.source,
        platforms: r
            .platforms
            .iter()
            .map(|p| {
                let version = p.platform.version();
                let (release, kbs) = version
                    .map(knowledge::describe_version)
                    .unwrap_or((None, Vec::new()));
                let mut pinned = Vec::new();
                if let (true, Some(v), Some(rel)) = (base, version, release) {
                    let rel_tag = rel
                        .tags
                        .first()
                        .cloned()
                        .unwrap_or_else(|| rel.version_name.clone());
                    pinned.extend(kbs.iter().map(|k| format!("{rel_tag}-{}", k.kb)));
                    if v.revision.is_some() {
                        pinned.push(v.to_string());
                    }
                }
                Entry {
                    platform: p,
                    release: release.map(|r| r.name.clone()),
                    kb: kbs.iter().map(|k| k.kb.clone()).collect(),
                    pinned_tags: pinned,
                }
            })
            .collect(),
        error: r.error.as_deref(),
        rule: r.rule.as_deref(),
    }
}

fn table(items: &[Item<'_>]) -> String {
    let mut out = String::new();
    for item in items {
        out.push_str(item.image);
        out.push('\n');
        if let Some(e) = item.error {
            out.push_str(&format!(
                "  error ({}): {e}\n\n",
                item.rule.unwrap_or("WF010")
            ));
            continue;
        }
        out.push_str(&format!(
            "  digest      {}\n  media type  {}\n  from        {}\n",
            item.digest.unwrap_or("-"),
            item.media_type.unwrap_or("-"),
            match item.source {
                Some(registry::Source::Cache) => "cache",
                _ => "registry",
            }
        ));
        let mut t = comfy_table::Table::new();
        t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
        t.set_header(vec![
            "platform",
            "os.version",
            "release",
            "KB",
            "pinned tags",
            "os.features",
            "digest",
        ]);
        for e in &item.platforms {
            let p = &e.platform.platform;
            let platform = match &p.variant {
                Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
                None => format!("{}/{}", p.os, p.architecture),
            };
            t.add_row(vec![
                platform,
                p.os_version.clone().unwrap_or_else(|| "-".into()),
                e.release.clone().unwrap_or_else(|| "-".into()),
                if e.kb.is_empty() {
                    "-".into()
                } else {
                    e.kb.join(", ")
                },
                if e.pinned_tags.is_empty() {
                    "-".into()
                } else {
                    e.pinned_tags.join(", ")
                },
                if p.os_features.is_empty() {
                    "-".into()
                } else {
                    p.os_features.join(", ")
                },
                p.digest.clone(),
            ]);
        }
        out.push_str(&t.to_string());
        out.push_str("\n\n");
    }
    out
}
