//! What the user asked to hear: `--ignore` / config `ignore`, inline suppressions and
//! severity overrides, applied after the rules have run.

use crate::model::{Finding, Severity, Suppressions};
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone)]
pub struct Policy {
    /// Rule ids never reported.
    pub ignore: Vec<String>,
    /// Severity overrides by rule id.
    pub severity: BTreeMap<String, Severity>,
}

/// Drop suppressed findings, apply severity overrides and sort by file, line, column, rule.
pub fn apply(
    findings: Vec<Finding>,
    policy: &Policy,
    suppressions: &BTreeMap<String, Suppressions>,
) -> Vec<Finding> {
    let mut kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| !policy.ignore.iter().any(|r| r == f.rule))
        .filter(|f| {
            let Some(s) = suppressions.get(&f.file) else {
                return true;
            };
            let global = s.global.iter().any(|r| r == f.rule);
            let on_line = s
                .by_line
                .get(&f.line)
                .is_some_and(|rs| rs.iter().any(|r| r == f.rule));
            !(global || on_line)
        })
        .map(|mut f| {
            if let Some(sev) = policy.severity.get(f.rule) {
                f.severity = *sev;
            }
            f
        })
        .collect();
    kept.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.rule, &a.host)
            .cmp(&(&b.file, b.line, b.column, b.rule, &b.host))
    });
    kept.dedup();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::catalogue::{WF001, WF008, WF009};
    use crate::model::Position;

    fn at(rule: &'static crate::lint::catalogue::Rule, file: &str, line: usize) -> Finding {
        rule.finding(file, Position { line, column: 1 }, None, "m", "h")
    }

    #[test]
    fn ignores_suppresses_and_overrides() {
        let findings = vec![
            at(&WF008, "a", 3),
            at(&WF001, "a", 3),
            at(&WF009, "a", 5),
            at(&WF008, "b", 1),
            at(&WF001, "b", 2),
        ];
        let mut sup = BTreeMap::new();
        sup.insert(
            "a".to_string(),
            Suppressions {
                global: vec!["WF009".into()],
                by_line: [(3, vec!["WF008".to_string()])].into_iter().collect(),
            },
        );
        let policy = Policy {
            ignore: vec!["WF001".into()],
            severity: [("WF008".to_string(), Severity::Error)]
                .into_iter()
                .collect(),
        };
        let out = apply(findings, &policy, &sup);
        let got: Vec<_> = out
            .iter()
            .map(|f| (f.rule, f.file.as_str(), f.line, f.severity))
            .collect();
        assert_eq!(got, vec![("WF008", "b", 1, Severity::Error)]);
    }
}
