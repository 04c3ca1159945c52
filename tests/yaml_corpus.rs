//! Runs the YAML front ends over the shared corpus of real files (when it is there) and prints
//! what each file yields. Files are read in place, never copied into the repository.
//! `WINFIT_CORPUS` overrides the location; `cargo test --test yaml_corpus -- --nocapture`
//! shows the per-file report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use winfit::extract::{compose, interpolate, kubernetes, text, yaml};
use winfit::model::FileKind;

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("WINFIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    dir.is_dir().then_some(dir)
}

/// The corpus flattens paths with `__`; the `.env` of `a__b__compose.yml` is `a__b__.env`.
fn dotenv_for(path: &Path) -> BTreeMap<String, String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let Some(prefix) = name.rfind("__").map(|i| &name[..i + 2]) else {
        return BTreeMap::new();
    };
    let env_path = path.with_file_name(format!("{prefix}.env"));
    std::fs::read(env_path)
        .ok()
        .and_then(|b| text::decode(&b).ok())
        .map(|t| interpolate::parse_dotenv(&t))
        .unwrap_or_default()
}

#[test]
fn corpus_files_extract_without_panic() {
    let Some(root) = corpus() else {
        eprintln!("corpus not found: skipped");
        return;
    };
    let mut totals: BTreeMap<String, usize> = BTreeMap::new();
    for sub in ["compose", "swarm", "k8s"] {
        let Ok(entries) = std::fs::read_dir(root.join(sub)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            if name.ends_with(".env") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read corpus file");
            let shown = format!("{sub}/{name}");
            let text = match text::decode(&bytes) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("{shown}: undecodable: {e}");
                    *totals.entry("undecodable".into()).or_default() += 1;
                    continue;
                }
            };
            let kind = yaml::classify(&text);
            let x = match kind {
                Ok(FileKind::Compose) => compose::extract(&shown, &text, &dotenv_for(&path)),
                Ok(FileKind::Kubernetes) => kubernetes::extract(&shown, &text),
                Ok(FileKind::Dockerfile) => unreachable!("classify never says Dockerfile"),
                Err(reason) => {
                    eprintln!("{shown}: skipped: {reason}");
                    *totals.entry("skipped".into()).or_default() += 1;
                    continue;
                }
            };
            let kind = format!("{:?}", kind.unwrap()).to_lowercase();
            *totals.entry(kind.clone()).or_default() += 1;
            *totals.entry("references".into()).or_default() += x.references.len();
            *totals.entry("findings".into()).or_default() += x.findings.len();
            *totals.entry("dockerfiles".into()).or_default() += x.dockerfiles.len();
            eprintln!(
                "{shown}: {kind}: {} references, {} findings, {} dockerfiles",
                x.references.len(),
                x.findings.len(),
                x.dockerfiles.len()
            );
            for r in &x.references {
                eprintln!(
                    "    {}:{} {} -> {} [{}]",
                    r.line,
                    r.column,
                    r.raw,
                    r.image.as_deref().unwrap_or("-"),
                    serde_json::to_string(&r.placement).unwrap_or_default()
                );
            }
            for f in &x.findings {
                eprintln!("    {} {}:{} {}", f.rule, f.line, f.column, f.message);
            }
            for (p, line) in &x.dockerfiles {
                eprintln!("    build {} (line {line})", p.display());
            }
        }
    }
    eprintln!("totals: {totals:?}");
    assert!(totals.get("references").copied().unwrap_or(0) > 0);
}
