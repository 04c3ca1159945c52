//! `--format table` for `lint`: findings grouped by file, each with the offending source line
//! and a marker under the reference, the way rustc and ruff show them.

use super::LintResult;
use crate::model::{Finding, Severity};
use std::fmt::Write;

/// ANSI styling that is a no-op when colour is off.
#[derive(Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn severity(self, s: Severity) -> String {
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.paint(code, s.as_str())
    }
}

pub fn lint(result: &LintResult, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    let mut current_file: Option<&str> = None;
    for f in &result.findings {
        if current_file != Some(f.file.as_str()) {
            if current_file.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", style.paint("1;4", &f.file));
            current_file = Some(&f.file);
        }
        finding(&mut out, result, f, style);
    }
    if !result.findings.is_empty() {
        out.push('\n');
    }
    let count = |s: Severity| result.findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let scope = format!(
        "{} and {} checked",
        plural(result.files.len(), "file"),
        plural(result.references.len(), "image reference")
    );
    if result.findings.is_empty() {
        let _ = writeln!(out, "{}: {scope}.", style.paint("1;32", "No findings"));
    } else {
        let _ = writeln!(
            out,
            "Found {}, {}, {} info; {scope}.",
            plural(count(Severity::Error), "error"),
            plural(count(Severity::Warning), "warning"),
            count(Severity::Info),
        );
    }
    out
}

fn finding(out: &mut String, result: &LintResult, f: &Finding, style: Style) {
    let _ = writeln!(
        out,
        "{}{} {}",
        style.severity(f.severity),
        style.paint("1", &format!("[{}] {}:", f.rule, f.name)),
        f.message
    );
    let _ = writeln!(
        out,
        "  {} {}:{}:{}",
        style.paint("34", "-->"),
        f.file,
        f.line,
        f.column
    );
    let source_line = result
        .texts
        .get(&f.file)
        .and_then(|t| t.lines().nth(f.line.saturating_sub(1)))
        .map(|l| l.trim_end_matches('\r'));
    if let Some(line) = source_line.filter(|l| !l.trim().is_empty()) {
        let shown: String = line
            .chars()
            .take(160)
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect();
        let gutter = f.line.to_string();
        let pad = " ".repeat(gutter.len());
        let (start, width) = marker(result, f, &shown);
        let _ = writeln!(out, "{pad} {}", style.paint("34", "|"));
        let _ = writeln!(
            out,
            "{} {} {shown}",
            style.paint("34", &gutter),
            style.paint("34", "|")
        );
        let _ = writeln!(
            out,
            "{pad} {} {}{}",
            style.paint("34", "|"),
            " ".repeat(start),
            style.paint(marker_code(f.severity), &"^".repeat(width.max(1)))
        );
    }
    if let Some(host) = &f.host {
        let _ = writeln!(out, "  {} host: {host}", style.paint("34", "="));
    }
    if !f.help.is_empty() {
        let _ = writeln!(out, "  {} help: {}", style.paint("34", "="), f.help);
    }
}

fn marker_code(s: Severity) -> &'static str {
    match s {
        Severity::Error => "31",
        Severity::Warning => "33",
        Severity::Info => "36",
    }
}

/// Where to put the `^^^` under a finding: under the reference's raw text when it is on the
/// shown line, else under the rest of the line from the finding's column. Character offsets.
fn marker(result: &LintResult, f: &Finding, line: &str) -> (usize, usize) {
    let raw = result
        .references
        .iter()
        .find(|r| r.file == f.file && r.line == f.line && (f.image.is_none() || r.image == f.image))
        .map(|r| r.raw.as_str())
        .filter(|raw| !raw.is_empty());
    if let Some(raw) = raw
        && let Some(byte) = line.find(raw)
    {
        return (line[..byte].chars().count(), raw.chars().count());
    }
    let start = f.column.saturating_sub(1).min(line.chars().count());
    let width = line.chars().skip(start).count();
    let trimmed = line
        .chars()
        .skip(start)
        .collect::<String>()
        .trim_end()
        .chars()
        .count();
    (start, trimmed.min(width))
}
