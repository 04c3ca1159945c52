//! Render: findings and reports as table, JSON, SARIF, GitHub, Markdown, CSV, HTML.
//! Renderers are pure: they turn results into a string.

pub mod github;
pub mod json;
pub mod markdown;
pub mod report;
pub mod sarif;
pub mod table;

use crate::model::{Finding, Reference, SourceFile};
use std::collections::BTreeMap;

/// What `lint` found, ready to print.
#[derive(Debug, Default)]
pub struct LintResult {
    pub files: Vec<SourceFile>,
    pub references: Vec<Reference>,
    pub findings: Vec<Finding>,
    /// File texts by display path, to quote source lines.
    pub texts: BTreeMap<String, String>,
}

/// A finding's whole text on one or more lines: the message, the host it is about, how to fix it.
/// Shared by the SARIF and GitHub renderers.
pub fn message_text(f: &Finding) -> String {
    let mut text = f.message.clone();
    if let Some(host) = &f.host {
        text.push_str("\nHost: ");
        text.push_str(host);
    }
    if !f.help.is_empty() {
        text.push_str("\nHelp: ");
        text.push_str(&f.help);
    }
    text
}

/// A display path as CI tools want it: forward slashes, no leading `./`.
pub fn repo_path(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    p
}

/// `1 error`, `2 warnings`: a count and its noun.
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The one-line tally shared by the CI renderers: `2 errors, 1 warning, 0 info in 3 files (4 image references)`.
pub fn tally(result: &LintResult) -> String {
    use crate::model::Severity;
    let count = |s: Severity| result.findings.iter().filter(|f| f.severity == s).count();
    format!(
        "{}, {}, {} info in {} ({})",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        count(Severity::Info),
        plural(result.files.len(), "file"),
        plural(result.references.len(), "image reference"),
    )
}
