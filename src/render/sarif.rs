//! `--format sarif` for `lint`: SARIF 2.1.0, shaped for GitHub code scanning.
//!
//! Every rule of the catalogue goes into `tool.driver.rules[]` with its doc page as `help`, so GitHub shows the
//! rule's rationale and fix next to each alert (hadolint's SARIF carries bare ids only). Each result carries a
//! `partialFingerprints` entry that hashes rule, file, image and host but not the line, so an alert survives
//! edits above it.

use super::LintResult;
use crate::lint::catalogue::{self, Rule};
use crate::model::{Finding, Severity};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const INFORMATION_URI: &str = "https://github.com/winfit/winfit";
/// The key of winfit's own entry in `partialFingerprints`. GitHub reserves and recomputes
/// `primaryLocationLineHash`, so winfit does not use that one.
pub const FINGERPRINT_KEY: &str = "winfit/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    artifacts: Vec<Artifact>,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help: Help<'a>,
    help_uri: String,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Artifact {
    location: ArtifactLocation,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

/// The SARIF level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn lint(result: &LintResult) -> String {
    let rules = catalogue::ALL.iter().map(|r| descriptor(r)).collect();

    let mut artifact_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut artifacts = Vec::new();
    for file in &result.files {
        let uri = to_uri(&file.path);
        if !artifact_index.contains_key(&uri) {
            artifact_index.insert(uri.clone(), artifacts.len());
            artifacts.push(Artifact {
                location: ArtifactLocation { uri, index: None },
            });
        }
    }

    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let results = result
        .findings
        .iter()
        .map(|f| {
            let hash = fingerprint(f);
            let n = seen.entry(hash.clone()).or_insert(0);
            *n += 1;
            let uri = to_uri(&f.file);
            SarifResult {
                rule_id: f.rule,
                rule_index: catalogue::ALL
                    .iter()
                    .position(|r| r.id == f.rule)
                    .unwrap_or(0),
                level: level(f.severity),
                message: Message {
                    text: super::message_text(f),
                },
                locations: vec![Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            index: artifact_index.get(&uri).copied(),
                            uri,
                        },
                        region: Region {
                            start_line: f.line.max(1),
                            start_column: f.column.max(1),
                        },
                    },
                }],
                partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, format!("{hash}:{n}"))]),
            }
        })
        .collect();

    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "winfit",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            artifacts,
            results,
        }],
    };
    let mut s =
        serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

fn descriptor(rule: &'static Rule) -> ReportingDescriptor<'static> {
    ReportingDescriptor {
        id: rule.id,
        name: rule.name,
        short_description: Text { text: rule.summary },
        full_description: Text {
            text: first_paragraph(rule.doc).unwrap_or(rule.summary),
        },
        help: Help {
            text: rule.doc,
            markdown: rule.doc,
        },
        help_uri: rule.help_uri(),
        default_configuration: Configuration {
            level: level(rule.default_severity),
        },
    }
}

/// The first paragraph after the doc page's `# title` (line breaks kept; viewers reflow them).
fn first_paragraph(doc: &str) -> Option<&str> {
    let body = doc.split_once('\n').map(|(_, rest)| rest)?;
    let start = body.len() - body.trim_start().len();
    let body = &body[start..];
    let end = body.find("\n\n").unwrap_or(body.len());
    let para = body[..end].trim_end();
    (!para.is_empty() && !para.starts_with('#')).then_some(para)
}

/// A stable hash of what makes a finding the same finding across commits: rule, file, image and host,
/// never the line (an edit above it must not turn it into a new alert). Hex, 32 digits.
pub fn fingerprint(f: &Finding) -> String {
    let mut h = Sha256::new();
    for part in [
        f.rule,
        &to_uri(&f.file),
        f.image.as_deref().unwrap_or(""),
        f.host.as_deref().unwrap_or(""),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    hex::encode(&digest[..16])
}

/// A display path as a SARIF `uri`: forward slashes, no leading `./`, percent-encoded where a URI needs it.
/// Relative paths stay relative (GitHub resolves them against the repository root); absolute ones become
/// `file://` URIs.
pub fn to_uri(path: &str) -> String {
    let p = super::repo_path(path);
    let bytes = p.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    let mut out = String::with_capacity(p.len() + 8);
    if drive {
        out.push_str("file:///");
    } else if p.starts_with('/') {
        out.push_str("file://");
    }
    for &b in p.as_bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileKind, SourceFile};
    use serde_json::Value;

    fn finding(rule: &'static Rule, file: &str, line: usize, host: Option<&str>) -> Finding {
        Finding {
            rule: rule.id,
            name: rule.name,
            severity: rule.default_severity,
            file: file.to_string(),
            line,
            column: 0,
            image: Some("mcr.microsoft.com/windows/servercore:ltsc2019".into()),
            host: host.map(String::from),
            message: "the image does not match".into(),
            help: "pin ltsc2022".into(),
        }
    }

    fn render(findings: Vec<Finding>) -> Value {
        let result = LintResult {
            files: vec![SourceFile {
                path: "./app/Dockerfile".into(),
                kind: FileKind::Dockerfile,
                error: None,
            }],
            findings,
            ..Default::default()
        };
        serde_json::from_str(&lint(&result)).expect("valid JSON")
    }

    #[test]
    fn every_rule_is_described_with_help() {
        let v = render(vec![]);
        assert_eq!(v["version"], "2.1.0");
        assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
        let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), catalogue::ALL.len());
        for (i, r) in rules.iter().enumerate() {
            let rule = catalogue::ALL[i];
            assert_eq!(r["id"], rule.id);
            assert_eq!(r["name"], rule.name);
            assert_eq!(r["shortDescription"]["text"], rule.summary);
            assert_eq!(r["help"]["markdown"], rule.doc);
            assert_eq!(r["helpUri"], rule.help_uri());
            let full = r["fullDescription"]["text"].as_str().unwrap();
            assert!(!full.is_empty() && !full.starts_with('#'), "{}", rule.id);
        }
        assert_eq!(rules[3]["defaultConfiguration"]["level"], "error");
        assert_eq!(rules[8]["defaultConfiguration"]["level"], "warning");
        assert_eq!(v["runs"][0]["results"], Value::Array(vec![]));
    }

    #[test]
    fn result_fields_levels_and_clamped_positions() {
        let mut info = finding(&catalogue::WF009, "app\\Dockerfile", 0, None);
        info.severity = Severity::Info;
        let v = render(vec![
            finding(&catalogue::WF003, "./app/Dockerfile", 7, Some("ws2022")),
            info,
        ]);
        let results = v["runs"][0]["results"].as_array().unwrap();
        let r = &results[0];
        assert_eq!(r["ruleId"], "WF003");
        assert_eq!(r["ruleIndex"], 3);
        assert_eq!(r["level"], "error");
        let text = r["message"]["text"].as_str().unwrap();
        assert!(text.starts_with("the image does not match"));
        assert!(text.contains("Host: ws2022"));
        assert!(text.contains("Help: pin ltsc2022"));
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "app/Dockerfile");
        assert_eq!(loc["artifactLocation"]["index"], 0);
        assert_eq!(loc["region"]["startLine"], 7);
        assert_eq!(loc["region"]["startColumn"], 1);
        assert_eq!(
            v["runs"][0]["artifacts"][0]["location"]["uri"],
            "app/Dockerfile"
        );

        let r = &results[1];
        assert_eq!(r["level"], "note");
        assert_eq!(r["ruleIndex"], 9);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["region"]["startLine"], 1, "line 0 is clamped");
        assert_eq!(loc["artifactLocation"]["uri"], "app/Dockerfile");
        assert!(!r["message"]["text"].as_str().unwrap().contains("Host:"));
    }

    #[test]
    fn fingerprints_ignore_the_line_but_not_the_host() {
        let a = finding(&catalogue::WF003, "app/Dockerfile", 3, Some("ws2022"));
        let moved = finding(&catalogue::WF003, "./app/Dockerfile", 30, Some("ws2022"));
        let other_host = finding(&catalogue::WF003, "app/Dockerfile", 3, Some("ws2019"));
        let other_rule = finding(&catalogue::WF005, "app/Dockerfile", 3, Some("ws2022"));
        assert_eq!(fingerprint(&a), fingerprint(&moved));
        assert_ne!(fingerprint(&a), fingerprint(&other_host));
        assert_ne!(fingerprint(&a), fingerprint(&other_rule));
        assert_eq!(fingerprint(&a).len(), 32);
        // Same identity twice in one run: told apart by an ordinal.
        let v = render(vec![a, moved]);
        let fp = |i: usize| {
            v["runs"][0]["results"][i]["partialFingerprints"][FINGERPRINT_KEY]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert!(fp(0).ends_with(":1"));
        assert!(fp(1).ends_with(":2"));
        assert_eq!(fp(0).trim_end_matches(":1"), fp(1).trim_end_matches(":2"));
    }

    #[test]
    fn uris() {
        assert_eq!(to_uri("./a/b/Dockerfile"), "a/b/Dockerfile");
        assert_eq!(to_uri("a\\b\\Dockerfile"), "a/b/Dockerfile");
        assert_eq!(to_uri("my app/Dockerfile#1"), "my%20app/Dockerfile%231");
        assert_eq!(to_uri("100%.yaml"), "100%25.yaml");
        assert_eq!(to_uri("/abs/k8s.yaml"), "file:///abs/k8s.yaml");
        assert_eq!(to_uri("C:\\src\\Dockerfile"), "file:///C:/src/Dockerfile");
        assert_eq!(to_uri("dé.yaml"), "d%C3%A9.yaml");
    }
}
