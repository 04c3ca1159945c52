//! Render: findings and reports as table, JSON, SARIF, GitHub, Markdown, CSV, HTML.
//! Renderers are pure: they turn results into a string.

pub mod json;
pub mod report;
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
