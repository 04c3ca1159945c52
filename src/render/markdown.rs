//! `--format markdown` for `lint`: a pull-request comment. A heading with the counts, one table row per
//! finding, and per rule a `<details>` block with the fix for each finding and a link to the rule's page.

use super::LintResult;
use crate::lint::catalogue;
use crate::model::{Finding, Severity};
use std::fmt::Write;

/// Rows shown at most: GitHub refuses comments over 65 536 characters.
pub const MAX_ROWS: usize = 200;

pub fn lint(result: &LintResult) -> String {
    let mut out = String::new();
    let count = |s: Severity| result.findings.iter().filter(|f| f.severity == s).count();
    if result.findings.is_empty() {
        let _ = writeln!(out, "## ✅ winfit: no findings\n");
        let _ = writeln!(
            out,
            "No findings in {} ({}).",
            super::plural(result.files.len(), "file"),
            super::plural(result.references.len(), "image reference")
        );
        return out;
    }
    let icon = if count(Severity::Error) > 0 {
        emoji(Severity::Error)
    } else if count(Severity::Warning) > 0 {
        emoji(Severity::Warning)
    } else {
        emoji(Severity::Info)
    };
    let _ = writeln!(
        out,
        "## {icon} winfit: {}, {}, {} info\n",
        super::plural(count(Severity::Error), "error"),
        super::plural(count(Severity::Warning), "warning"),
        count(Severity::Info),
    );
    let _ = writeln!(
        out,
        "{} and {} checked.\n",
        super::plural(result.files.len(), "file"),
        super::plural(result.references.len(), "image reference")
    );
    let _ = writeln!(out, "| | Rule | Location | Host | Message |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for f in result.findings.iter().take(MAX_ROWS) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            emoji(f.severity),
            cell(&format!("{} {}", f.rule, f.name)),
            cell(&format!("{}:{}", super::repo_path(&f.file), f.line.max(1))),
            f.host.as_deref().map(cell).unwrap_or_else(|| "—".into()),
            cell(&f.message),
        );
    }
    if result.findings.len() > MAX_ROWS {
        let _ = writeln!(
            out,
            "\n… and {} more; run `winfit lint` locally for all of them.",
            result.findings.len() - MAX_ROWS
        );
    }

    // Help, grouped by rule in catalogue order.
    out.push('\n');
    for rule in catalogue::ALL.iter() {
        let of_rule: Vec<&Finding> = result
            .findings
            .iter()
            .take(MAX_ROWS)
            .filter(|f| f.rule == rule.id)
            .collect();
        if of_rule.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<details>\n<summary><b>{} {}</b> ({}): {}</summary>\n",
            rule.id,
            rule.name,
            of_rule.len(),
            html(rule.summary)
        );
        let mut helps: Vec<(String, &str)> = Vec::new();
        for f in &of_rule {
            if f.help.is_empty() {
                continue;
            }
            let loc = format!("{}:{}", super::repo_path(&f.file), f.line.max(1));
            helps.push((loc, &f.help));
        }
        for (loc, help) in &helps {
            let _ = writeln!(out, "- `{}`: {}", loc.replace('`', "'"), line(&html(help)));
        }
        if !helps.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "See [{} {}]({}).\n\n</details>\n",
            rule.id,
            rule.name,
            rule.help_uri()
        );
    }
    out
}

pub fn emoji(s: Severity) -> &'static str {
    match s {
        Severity::Error => "❌",
        Severity::Warning => "⚠️",
        Severity::Info => "ℹ️",
    }
}

/// Text made safe for one table cell: no line breaks, no `|`, no raw HTML.
pub fn cell(s: &str) -> String {
    line(&html(s)).replace('|', "\\|")
}

/// Line breaks as `<br>`, so a text stays on one Markdown line.
fn line(s: &str) -> String {
    s.replace("\r\n", "\n").replace(['\r', '\n'], "<br>")
}

/// `<`, `>` and `&` as entities outside code spans, so file content cannot inject HTML into the
/// comment (inside a code span they are shown as written anyway).
fn html(s: &str) -> String {
    s.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                part.to_string()
            } else {
                part.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileKind, SourceFile};

    fn finding(rule: &'static catalogue::Rule, line: usize, host: Option<&str>) -> Finding {
        Finding {
            rule: rule.id,
            name: rule.name,
            severity: rule.default_severity,
            file: "./k8s/app.yaml".into(),
            line,
            column: 1,
            image: None,
            host: host.map(String::from),
            message: "a | b\nc <script>".into(),
            help: "use `x:ltsc2022`".into(),
        }
    }

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a | b\nc"), "a \\| b<br>c");
        assert_eq!(cell("<img src=x>&"), "&lt;img src=x&gt;&amp;");
        assert_eq!(cell("<b> `a<b>|c`"), "&lt;b&gt; `a<b>\\|c`");
    }

    #[test]
    fn no_findings() {
        let out = lint(&LintResult {
            files: vec![SourceFile {
                path: "Dockerfile".into(),
                kind: FileKind::Dockerfile,
                error: None,
            }],
            ..Default::default()
        });
        assert!(out.starts_with("## ✅ winfit: no findings"));
        assert!(out.contains("No findings in 1 file (0 image references)."));
        assert!(!out.contains('|'));
    }

    #[test]
    fn heading_table_and_help() {
        let out = lint(&LintResult {
            findings: vec![
                finding(&catalogue::WF003, 0, Some("ws2022")),
                finding(&catalogue::WF008, 5, None),
                finding(&catalogue::WF003, 9, Some("ws2019")),
            ],
            ..Default::default()
        });
        assert!(
            out.starts_with("## ❌ winfit: 2 errors, 1 warning, 0 info\n"),
            "{out}"
        );
        let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("| ")).collect();
        assert_eq!(rows.len(), 4, "header + 3 rows: {out}");
        assert_eq!(
            rows[1],
            "| ❌ | WF003 build-mismatch | k8s/app.yaml:1 | ws2022 | a \\| b<br>c &lt;script&gt; |"
        );
        assert!(rows[2].starts_with("| ⚠️ | WF008 floating-tag | k8s/app.yaml:5 | — |"));
        // One details block per rule, in catalogue order, with each finding's help and the rule link.
        assert_eq!(out.matches("<details>").count(), 2);
        assert_eq!(out.matches("</details>").count(), 2);
        let wf003 = out
            .find("<b>WF003 build-mismatch</b> (2)")
            .expect("WF003 block");
        let wf008 = out
            .find("<b>WF008 floating-tag</b> (1)")
            .expect("WF008 block");
        assert!(wf003 < wf008);
        assert!(out.contains("- `k8s/app.yaml:9`: use `x:ltsc2022`"));
        assert!(out.contains(&catalogue::WF003.help_uri()));
    }

    #[test]
    fn long_lists_are_cut() {
        let findings = (1..=MAX_ROWS + 5)
            .map(|i| finding(&catalogue::WF008, i, None))
            .collect();
        let out = lint(&LintResult {
            findings,
            ..Default::default()
        });
        assert!(out.contains("… and 5 more"));
        assert_eq!(
            out.lines().filter(|l| l.starts_with("| ⚠️")).count(),
            MAX_ROWS
        );
    }
}
