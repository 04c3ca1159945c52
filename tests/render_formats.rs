//! `lint --format sarif|github|markdown` as CI meets them: the real binary on the CLI fixtures.
//! The format never changes the exit code; each format says what the JSON says.

mod common;

use common::{fixtures, winfit, winfit_json};
use serde_json::Value;
use std::path::PathBuf;

const FORMATS: [&str; 5] = ["json", "table", "sarif", "github", "markdown"];

fn cli_dir() -> PathBuf {
    fixtures().join("cli")
}

/// Run `winfit lint --offline --format FORMAT EXTRA…` in the CLI fixtures; stdout and exit code.
fn lint(format: &str, extra: &[&str]) -> (String, i32) {
    let mut args = vec!["lint", "--offline", "--format", format];
    args.extend_from_slice(extra);
    let out = winfit(&cli_dir(), &args);
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    assert!(
        out.stderr.is_empty(),
        "{format} {extra:?}: stderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (stdout, out.status.code().unwrap_or(-1))
}

/// The findings as the JSON format reports them.
fn json_findings(extra: &[&str]) -> (Vec<Value>, i32) {
    let mut args = vec!["lint", "--offline", "--format", "json"];
    args.extend_from_slice(extra);
    let (json, code) = winfit_json(&cli_dir(), &args);
    (json["findings"].as_array().expect("findings").clone(), code)
}

#[test]
fn the_format_never_changes_the_exit_code() {
    let cases: [(&[&str], i32); 6] = [
        (&["pinned.Dockerfile"], 0),
        (&["floating.Dockerfile"], 0),
        (&["--fail-on", "warning", "floating.Dockerfile"], 1),
        (&["latest.Dockerfile"], 1),
        (&["--fail-on", "never", "latest.Dockerfile"], 0),
        (&["--fleet", "fleet.toml", "deploy.yaml"], 1),
    ];
    for (extra, expected) in cases {
        for format in FORMATS {
            let (_, code) = lint(format, extra);
            assert_eq!(code, expected, "--format {format} {extra:?}");
        }
    }
}

#[test]
fn sarif_deserializes_and_matches_the_findings() {
    let (findings, _) = json_findings(&["latest.Dockerfile", "floating.Dockerfile"]);
    let (text, code) = lint("sarif", &["latest.Dockerfile", "floating.Dockerfile"]);
    assert_eq!(code, 1);
    let sarif: serde_sarif::sarif::Sarif =
        serde_json::from_str(&text).expect("output is a serde-sarif Sarif");

    // Nothing winfit writes is unknown to the SARIF model: a misspelt property would be dropped here.
    let ours: Value = serde_json::from_str(&text).unwrap();
    let theirs = serde_json::to_value(&sarif).unwrap();
    assert_eq!(ours, theirs, "round trip through serde-sarif loses nothing");

    assert_eq!(sarif.version, Value::from("2.1.0"));
    assert!(sarif.schema.as_deref().unwrap().contains("sarif-2.1.0"));
    assert_eq!(sarif.runs.len(), 1);
    let run = &sarif.runs[0];
    let driver = &run.tool.driver;
    assert_eq!(driver.name, "winfit");
    assert_eq!(driver.version.as_deref(), Some(env!("CARGO_PKG_VERSION")));
    assert!(driver.information_uri.is_some());

    let rules = driver.rules.as_ref().expect("rules");
    assert_eq!(rules.len(), 20, "every rule of the catalogue");
    for (i, rule) in rules.iter().enumerate() {
        assert_eq!(rule.id, format!("WF{i:03}"));
        let help = rule.help.as_ref().expect("help");
        assert!(
            help.markdown
                .as_deref()
                .unwrap()
                .starts_with(&format!("# {}", rule.id)),
            "help is the rule's doc page"
        );
        assert!(!help.text.is_empty());
        assert!(rule.short_description.is_some() && rule.full_description.is_some());
        assert!(rule.help_uri.as_deref().unwrap().ends_with(&format!(
            "{}-{}.md",
            rule.id,
            rule.name.as_deref().unwrap()
        )));
        let level = rule.default_configuration.as_ref().unwrap().level.as_ref();
        assert!(
            matches!(
                level.and_then(Value::as_str),
                Some("error" | "warning" | "note")
            ),
            "{}: {level:?}",
            rule.id
        );
    }
    let wf008 = &rules[8];
    assert_eq!(
        wf008.default_configuration.as_ref().unwrap().level,
        Some(Value::from("warning"))
    );

    let results = run.results.as_ref().expect("results");
    assert_eq!(results.len(), findings.len());
    assert_eq!(
        results.len(),
        7,
        "6 in latest.Dockerfile, 1 in floating.Dockerfile"
    );
    for (r, f) in results.iter().zip(&findings) {
        let rule_id = r.rule_id.as_deref().unwrap();
        assert_eq!(rule_id, f["rule"]);
        assert_eq!(
            rules[r.rule_index.unwrap() as usize].id,
            rule_id,
            "ruleIndex points at the rule"
        );
        let level = serde_json::to_value(r.level.as_ref().unwrap()).unwrap();
        let expected = match f["severity"].as_str().unwrap() {
            "info" => "note",
            other => other,
        };
        assert_eq!(level, Value::from(expected), "{rule_id}");
        assert!(
            r.message
                .text
                .as_deref()
                .unwrap()
                .starts_with(f["message"].as_str().unwrap())
        );
        assert!(
            r.message
                .text
                .as_deref()
                .unwrap()
                .contains(f["help"].as_str().unwrap())
        );
        let loc = r.locations.as_ref().unwrap()[0]
            .physical_location
            .as_ref()
            .unwrap();
        assert_eq!(
            loc.artifact_location.as_ref().unwrap().uri.as_deref(),
            f["file"].as_str()
        );
        let region = loc.region.as_ref().unwrap();
        assert_eq!(region.start_line, f["line"].as_i64());
        assert!(region.start_line.unwrap() >= 1 && region.start_column.unwrap() >= 1);
        let fp = r.partial_fingerprints.as_ref().unwrap();
        assert_eq!(fp.len(), 1);
    }
    // WF001 on a non-Microsoft repo is a warning although the rule's default is error.
    let contoso = results
        .iter()
        .find(|r| {
            r.rule_id.as_deref() == Some("WF001")
                && r.message
                    .text
                    .as_deref()
                    .unwrap()
                    .contains("contoso.azurecr.io")
        })
        .expect("WF001 on contoso");
    assert_eq!(
        serde_json::to_value(contoso.level.as_ref().unwrap()).unwrap(),
        Value::from("warning")
    );
    let fps: std::collections::BTreeSet<_> = results
        .iter()
        .map(|r| {
            r.partial_fingerprints
                .as_ref()
                .unwrap()
                .values()
                .next()
                .cloned()
        })
        .collect();
    assert_eq!(fps.len(), results.len(), "fingerprints are distinct");
}

#[test]
fn sarif_fingerprints_do_not_depend_on_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let fingerprints = |body: &str| {
        std::fs::write(dir.path().join("Dockerfile"), body).unwrap();
        let out = winfit(
            dir.path(),
            &["lint", "--offline", "--format", "sarif", "Dockerfile"],
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let results = v["runs"][0]["results"].as_array().unwrap().clone();
        results
            .iter()
            .map(|r| {
                (
                    r["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
                    r["partialFingerprints"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let before = fingerprints("FROM mcr.microsoft.com/windows/servercore:ltsc2022\n");
    let after = fingerprints(
        "# a comment\n\n# another\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\n",
    );
    assert_eq!(before.len(), 1);
    assert_eq!(after.len(), 1);
    assert_eq!(before[0].0, 1);
    assert_eq!(after[0].0, 4);
    assert_eq!(before[0].1, after[0].1);
}

#[test]
fn github_annotations_one_per_finding_and_a_summary() {
    let (findings, _) =
        json_findings(&["--fleet", "fleet.toml", "deploy.yaml", "latest.Dockerfile"]);
    let (text, code) = lint(
        "github",
        &["--fleet", "fleet.toml", "deploy.yaml", "latest.Dockerfile"],
    );
    assert_eq!(code, 1);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), findings.len() + 1);
    for (line, f) in lines.iter().zip(&findings) {
        let command = match f["severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        let prefix = format!(
            "::{command} file={},line={},col={},title={} {}::",
            f["file"].as_str().unwrap(),
            f["line"],
            f["column"],
            f["rule"].as_str().unwrap(),
            f["name"].as_str().unwrap()
        );
        assert!(line.starts_with(&prefix), "{line}\nwanted {prefix}");
        assert!(!line.contains('\r'));
    }
    // The build mismatch names its host; help and host follow the message on escaped new lines.
    let wf003 = lines
        .iter()
        .find(|l| l.contains("title=WF003 build-mismatch"))
        .expect("WF003");
    assert!(wf003.starts_with("::error file=deploy.yaml,line=12,col="));
    assert!(wf003.contains("%0AHost: ws2022"), "{wf003}");
    assert!(wf003.contains("%0AHelp: "), "{wf003}");
    let contoso = lines
        .iter()
        .find(|l| l.contains("contoso.azurecr.io/app:latest") && l.contains("WF001"))
        .unwrap();
    assert!(contoso.starts_with("::warning "), "{contoso}");
    let last = lines.last().unwrap();
    assert!(!last.starts_with("::"));
    assert_eq!(
        *last,
        "winfit: 3 errors, 6 warnings, 0 info in 2 files (5 image references)"
    );

    let (clean, code) = lint("github", &["pinned.Dockerfile"]);
    assert_eq!(code, 0);
    assert_eq!(
        clean,
        "winfit: no findings: 0 errors, 0 warnings, 0 info in 1 file (1 image reference)\n"
    );
}

#[test]
fn markdown_for_a_pull_request_comment() {
    let (text, code) = lint(
        "markdown",
        &["--fleet", "fleet.toml", "deploy.yaml", "latest.Dockerfile"],
    );
    assert_eq!(code, 1);
    assert!(
        text.starts_with("## ❌ winfit: 3 errors, 6 warnings, 0 info\n"),
        "{text}"
    );
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| ")).collect();
    assert_eq!(rows.len(), 1 + 9, "header and one row per finding:\n{text}");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("| ❌ | WF003 build-mismatch | deploy.yaml:12 | ws2022 | `mcr.")),
        "{text}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("| ⚠️ | WF008 floating-tag | deploy.yaml:12 | — | "))
    );
    // One details block per rule that fired: WF001 WF002 WF003 WF008 WF010 WF013.
    assert_eq!(text.matches("<details>").count(), 6, "{text}");
    assert_eq!(text.matches("</details>").count(), 6);
    assert!(text.contains("<summary><b>WF010 unresolved-reference</b> (3)"));
    assert!(text.contains("rules/WF003-build-mismatch.md"));

    let (clean, code) = lint("markdown", &["pinned.Dockerfile"]);
    assert_eq!(code, 0);
    assert!(clean.starts_with("## ✅ winfit: no findings"));
    assert!(clean.contains("No findings in 1 file (1 image reference)."));
}
