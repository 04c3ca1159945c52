//! `--format github` for `lint`: GitHub Actions workflow commands, one annotation per finding:
//!
//! ```text
//! ::error file=app/Dockerfile,line=3,col=1,title=WF003 build-mismatch::message%0AHost: ws2022%0AHelp: …
//! ```
//!
//! error → `::error`, warning → `::warning`, info → `::notice`. A last line, not a command, sums up.

use super::LintResult;
use crate::model::{Finding, Severity};
use std::fmt::Write;

pub fn lint(result: &LintResult) -> String {
    let mut out = String::new();
    for f in &result.findings {
        out.push_str(&annotation(f));
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "winfit: {}{}",
        if result.findings.is_empty() {
            "no findings: "
        } else {
            ""
        },
        super::tally(result)
    );
    out
}

/// One workflow command for one finding.
pub fn annotation(f: &Finding) -> String {
    let command = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    format!(
        "::{command} file={},line={},col={},title={}::{}",
        escape_property(&super::repo_path(&f.file)),
        f.line.max(1),
        f.column.max(1),
        escape_property(&format!("{} {}", f.rule, f.name)),
        escape_data(&super::message_text(f)),
    )
}

/// Escape a command's message (GitHub's `escapeData`): `%`, CR and LF.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a command property value (GitHub's `escapeProperty`): as data, plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileKind, SourceFile};

    fn finding(severity: Severity, file: &str, line: usize, host: Option<&str>) -> Finding {
        Finding {
            rule: "WF003",
            name: "build-mismatch",
            severity,
            file: file.into(),
            line,
            column: 4,
            image: Some("mcr.microsoft.com/windows/servercore:ltsc2019".into()),
            host: host.map(String::from),
            message: "100% sure: it fails\r\nwith 0xc0370101".into(),
            help: String::new(),
        }
    }

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(
            escape_property("50% a\r\nb: c, d"),
            "50%25 a%0D%0Ab%3A c%2C d"
        );
        // `%` first, so escapes are not escaped twice.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn one_command_per_finding() {
        let mut f = finding(
            Severity::Error,
            "./dir,x/app:1.Dockerfile",
            0,
            Some("ws2022"),
        );
        f.help = "pin it".into();
        assert_eq!(
            annotation(&f),
            "::error file=dir%2Cx/app%3A1.Dockerfile,line=1,col=4,title=WF003 build-mismatch::\
             100%25 sure: it fails%0D%0Awith 0xc0370101%0AHost: ws2022%0AHelp: pin it"
        );
        assert!(
            annotation(&finding(Severity::Warning, "a", 2, None))
                .starts_with("::warning file=a,line=2,")
        );
        assert!(
            annotation(&finding(Severity::Info, "a", 2, None))
                .starts_with("::notice file=a,line=2,")
        );
    }

    #[test]
    fn every_line_but_the_last_is_a_command_and_none_breaks() {
        let result = LintResult {
            files: vec![SourceFile {
                path: "a".into(),
                kind: FileKind::Dockerfile,
                error: None,
            }],
            findings: vec![
                finding(Severity::Error, "a", 1, None),
                finding(Severity::Info, "a", 2, Some("h")),
            ],
            ..Default::default()
        };
        let out = lint(&result);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("::error "));
        assert!(lines[1].starts_with("::notice "));
        assert!(!lines[2].starts_with("::"));
        assert_eq!(
            lines[2],
            "winfit: 1 error, 0 warnings, 1 info in 1 file (0 image references)"
        );
        let empty = lint(&LintResult::default());
        assert_eq!(
            empty,
            "winfit: no findings: 0 errors, 0 warnings, 0 info in 0 files (0 image references)\n"
        );
    }
}
