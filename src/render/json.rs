//! `--format json` for `lint` (DESIGN.md, "JSON output of lint").

use super::LintResult;
use crate::model::Severity;
use serde_json::json;

pub fn lint(result: &LintResult) -> String {
    let count = |s: Severity| result.findings.iter().filter(|f| f.severity == s).count();
    let doc = json!({
        "version": 1,
        "tool": { "name": "winfit", "version": env!("CARGO_PKG_VERSION") },
        "files": result.files,
        "references": result.references,
        "findings": result.findings,
        "summary": {
            "files": result.files.len(),
            "references": result.references.len(),
            "error": count(Severity::Error),
            "warning": count(Severity::Warning),
            "info": count(Severity::Info),
        }
    });
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
