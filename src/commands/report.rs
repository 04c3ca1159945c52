//! `winfit report`: every image found × every host of the fleet → process / hyperv / none / unknown.

use crate::cli::{EXIT_FAILURE, EXIT_OK, ReportArgs, ReportFormat, Settings};
use crate::commands::{collect, lint};
use crate::model::RefContext;
use crate::render::report::{self, ReportCell, ReportData, ReportHost, ReportImage};
use crate::resolve::knowledge;
use std::collections::BTreeMap;
use std::io::IsTerminal;

pub fn run(args: &ReportArgs) -> u8 {
    let stdout_tty = std::io::stdout().is_terminal();
    let settings = match Settings::from_args(&args.common, stdout_tty) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("winfit: {e}");
            return EXIT_FAILURE;
        }
    };
    let Some(fleet) = settings.fleet.as_ref() else {
        eprintln!("winfit: report needs a fleet: pass --fleet FILE or set `fleet` in .winfit.toml");
        return EXIT_FAILURE;
    };
    let collected = collect::collect(&settings, false);
    if !settings.quiet {
        for f in collected.findings.iter().filter(|f| f.rule == "WF000") {
            eprintln!("winfit: {}:{}: {}", f.file, f.line, f.message);
        }
        if settings.verbose {
            for note in &collected.notes {
                eprintln!("winfit: note: {note}");
            }
        }
    }
    let resolutions = lint::resolve(&collected.references, &settings);

    let mut images: BTreeMap<String, ReportImage> = BTreeMap::new();
    for r in &collected.references {
        if !matches!(
            r.context,
            RefContext::From | RefContext::Compose | RefContext::Kubernetes
        ) {
            continue;
        }
        let Some(image) = &r.image else { continue };
        let res = resolutions.get(image);
        let version = res.and_then(|x| x.version);
        let entry = images.entry(image.clone()).or_insert_with(|| ReportImage {
            image: image.clone(),
            os_version: version.map(|v| v.to_string()),
            source: version.and(res.and_then(|x| x.source)),
            release: version
                .and_then(|v| knowledge::release_for_build(v.build))
                .map(|r| r.name.clone()),
            used_at: Vec::new(),
        });
        entry.used_at.push(format!("{}:{}", r.file, r.line));
    }

    let hosts: Vec<ReportHost> = fleet
        .hosts
        .iter()
        .map(|h| ReportHost {
            name: h.name.clone(),
            os_version: h.os_version.to_string(),
            isolation: h.isolation.iter().map(|i| i.as_str().to_string()).collect(),
            release: knowledge::release_for_build(h.os_version.build).map(|r| r.name.clone()),
            count: h.count.and_then(|c| u32::try_from(c).ok()),
        })
        .collect();

    let mut matrix = Vec::new();
    for img in images.values() {
        let res = resolutions.get(&img.image);
        let entries = res.map(|r| r.windows_entries()).unwrap_or_default();
        let version = res.and_then(|r| r.version);
        for h in &fleet.hosts {
            let j = crate::judge::judge_on_host(&entries, version, h.os_version, h.runtime);
            matrix.push(ReportCell {
                image: img.image.clone(),
                host: h.name.clone(),
                verdict: j.verdict.as_str(),
                reason: j.reason,
            });
        }
    }
    let data = ReportData {
        version: 1,
        hosts,
        images: images.into_values().collect(),
        matrix,
    };
    let text = match args.format {
        ReportFormat::Table => report::table(&data, settings.color),
        ReportFormat::Json => report::json(&data),
        ReportFormat::Markdown => report::markdown(&data),
        ReportFormat::Csv => report::csv(&data),
        ReportFormat::Html => report::html(&data),
    };
    if !super::print(&text) {
        return EXIT_FAILURE;
    }
    for f in &collected.fatal {
        eprintln!("winfit: {f}");
    }
    if collected.fatal.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILURE
    }
}
