//! Robustness: every Dockerfile of the shared corpus goes through the extractor without a
//! panic. Skipped when the corpus is not on this machine. Run with `--nocapture` for counts.

use std::collections::BTreeMap;
use winfit::extract::{dockerfile, text};
use winfit::model::RefContext;

const DIRS: [&str; 2] = [
    "/work/shared/corpus/dockerfiles",
    "/work/shared/corpus/dockerfiles-linux",
];

#[test]
fn corpus_extracts_without_panic() {
    let mut files = 0;
    let (mut undecodable, mut parse_errors, mut wf010, mut refs, mut froms, mut finals) =
        (0, 0, 0, 0, 0, 0);
    for dir in DIRS {
        let Ok(entries) = std::fs::read_dir(dir) else {
            eprintln!("corpus dir {dir} missing: skipped");
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

/// Development aid (the oracle script itself uses the CLI): print the extractor's output in
/// the shape of `winfit lint --format json` for the files named in `WINFIT_DUMP_FILES`
/// (newline-separated), or for the whole corpus.
/// `cargo test --test dockerfile_corpus -- --ignored --nocapture dump_json`
#[test]
#[ignore]
fn dump_json() {
    let paths: Vec<std::path::PathBuf> = match std::env::var("WINFIT_DUMP_FILES") {
        Ok(list) => list
            .lines()
            .filter(|l| !l.is_empty())
            .map(Into::into)
            .collect(),
        Err(_) => DIRS
            .iter()
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flat_map(|e| e.flatten().map(|e| e.path()))
            .collect(),
    };
    let (mut references, mut findings) = (Vec::new(), Vec::new());
    for path in paths {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(text) = text::decode(&bytes) else {
            continue;
        };
        let x = dockerfile::extract(&path.display().to_string(), &text, &BTreeMap::new());
        references.extend(x.references);
        findings.extend(x.findings);
    }
    let doc = serde_json::json!({ "references": references, "findings": findings });
    println!("JSON:{doc}");
}
