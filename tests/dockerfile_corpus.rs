//! Robustness: every Dockerfile of the shared corpus goes through the extractor without a
//! panic. Skipped when the corpus is not on this machine. Run with `--nocapture` for counts.

use std::collections::BTreeMap;
use winfit::extract::{dockerfile, text};
use winfit::model::RefContext;

/// The corpus beside the project (`../shared/corpus`), or `WINFIT_CORPUS`.
fn corpus_dirs() -> [std::path::PathBuf; 2] {
    let root = std::env::var_os("WINFIT_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
        });
    [root.join("dockerfiles"), root.join("dockerfiles-linux")]
}

#[test]
fn corpus_extracts_without_panic() {
    let mut files = 0;
    let (mut undecodable, mut parse_errors, mut wf010, mut refs, mut froms, mut finals) =
        (0, 0, 0, 0, 0, 0);
    for dir in corpus_dirs() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("corpus dir {} missing: skipped", dir.display());
            continue;
        };
        let mut paths: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        for path in paths {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            files += 1;
            let Ok(text) = text::decode(&bytes) else {
                undecodable += 1;
                continue;
            };
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("?")
                .to_string();
            let x = dockerfile::extract(&name, &text, &BTreeMap::new());
            let errs = x.findings.iter().filter(|f| f.rule == "WF000").count();
            parse_errors += usize::from(errs > 0);
            wf010 += x.findings.iter().filter(|f| f.rule == "WF010").count();
            refs += x.references.len();
            froms += x
                .references
                .iter()
                .filter(|r| r.context == RefContext::From)
                .count();
            finals += x.references.iter().filter(|r| r.is_final_stage).count();
            assert!(
                x.references.iter().filter(|r| r.is_final_stage).count() <= 1,
                "{name}: several final stages"
            );
            for r in &x.references {
                assert!(r.line >= 1 && r.column >= 1, "{name}: bad position {r:?}");
            }
            if errs > 0 {
                eprintln!("WF000 {}: {}", name, x.findings[0].message);
            }
        }
    }
    eprintln!(
        "corpus: {files} files, {undecodable} undecodable, {parse_errors} WF000, {wf010} WF010, {refs} references ({froms} FROM, {finals} final)"
    );
}
