//! The command line as users and CI meet it: exit codes, formats, config, suppressions, fleet
//! errors. Runs the real binary.

mod common;

use common::{fixtures, winfit, winfit_json};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn cli_dir() -> std::path::PathBuf {
    fixtures().join("cli")
}

fn rules_of(json: &Value) -> Vec<(String, u64, String)> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["host"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn pinned_matching_image_is_clean_and_exits_0() {
    let (json, code) = winfit_json(
        &cli_dir(),
        &[
            "lint",
            "--offline",
            "--format",
            "json",
            "--fleet",
            "fleet.toml",
            "pinned.Dockerfile",
        ],
    );
    assert_eq!(rules_of(&json), vec![]);
    assert_eq!(code, 0);
    let r = &json["references"][0];
    assert_eq!(r["os_version"], "10.0.20348.2227");
    assert_eq!(r["source"], "kb");
    assert_eq!(r["line"], 2);
    assert_eq!(json["summary"]["references"], 1);
}

#[test]
fn fail_on_decides_the_exit_code_not_the_format() {
    // floating.Dockerfile has one warning (WF008) and nothing else.
    for format in ["json", "table"] {
        let args = |fail_on: &'static str| {
            vec![
                "lint",
                "--offline",
                "--format",
                format,
                "--fail-on",
                fail_on,
                "floating.Dockerfile",
            ]
        };
        assert_eq!(
            winfit(&cli_dir(), &args("error")).status.code(),
            Some(0),
            "{format}"
        );
        assert_eq!(
            winfit(&cli_dir(), &args("warning")).status.code(),
            Some(1),
            "{format}"
        );
        assert_eq!(
            winfit(&cli_dir(), &args("never")).status.code(),
            Some(0),
            "{format}"
        );
    }
}

#[test]
fn latest_and_untagged_severities_depend_on_the_repository() {
    let (json, code) = winfit_json(
        &cli_dir(),
        &["lint", "--offline", "--format", "json", "latest.Dockerfile"],
    );
    let sev: Vec<(String, u64, String)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "WF001" || f["rule"] == "WF002")
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().into(),
                f["line"].as_u64().unwrap_or_default(),
                f["severity"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(
        sev,
        vec![
            ("WF001".into(), 1, "error".into()),
            ("WF001".into(), 2, "warning".into()),
            ("WF002".into(), 3, "error".into()),
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn suppressions_ignore_and_severity_overrides() {
    let (json, _) = winfit_json(
        &cli_dir(),
        &[
            "lint",
            "--offline",
            "--format",
            "json",
            "suppressed.Dockerfile",
        ],
    );
    // Line 3's WF008 is suppressed inline, WF009 for the whole file; line 4 keeps its WF008.
    assert_eq!(rules_of(&json), vec![("WF008".into(), 4, String::new())]);

    let (json, code) = winfit_json(
        &cli_dir(),
        &[
            "lint",
            "--offline",
            "--format",
            "json",
            "--ignore",
            "floating-tag",
            "suppressed.Dockerfile",
        ],
    );
    assert_eq!(rules_of(&json), vec![]);
    assert_eq!(code, 0);

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        cli_dir().join("floating.Dockerfile"),
        dir.path().join("Dockerfile"),
    )
    .expect("copy");
    std::fs::write(
        dir.path().join(".winfit.toml"),
        "[severity]\nWF008 = \"error\"\n",
    )
    .expect("write");
    let (json, code) = winfit_json(dir.path(), &["lint", "--offline", "--format", "json"]);
    assert_eq!(json["findings"][0]["severity"], "error");
    assert_eq!(code, 1);
}

#[test]
fn placement_narrows_hosts_and_fleet_rules_fire() {
    let (json, code) = winfit_json(
        &cli_dir(),
        &[
            "lint",
            "--offline",
            "--format",
            "json",
            "--fleet",
            "fleet.toml",
            "deploy.yaml",
        ],
    );
    let got = rules_of(&json);
    // The ltsc2019 Deployment lands on both pools; WS2022 has no Hyper-V: WF003 there, and the
    // missing build selector (WF013) on a mixed fleet. The pinned Deployment is clean.
    assert!(
        got.contains(&("WF003".into(), 12, "ws2022".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("WF013".into(), 12, String::new())),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|(_, line, _)| *line == 26),
        "pinned deployment must be clean: {got:?}"
    );
    assert!(
        !got.iter().any(|(_, _, host)| host == "builder"),
        "build hosts never run pods: {got:?}"
    );
    assert_eq!(code, 1);
}

#[test]
fn bad_fleet_exits_2_naming_the_hosts() {
    let out = winfit(
        &cli_dir(),
        &[
            "lint",
            "--offline",
            "--fleet",
            "bad-fleet.toml",
            "pinned.Dockerfile",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad-fleet.toml"), "{err}");
    assert!(err.contains("\"a\""), "{err}");
    assert!(err.contains("ten"), "{err}");
    assert!(err.contains("container"), "{err}");
}

#[test]
fn bad_flags_config_and_paths_exit_2() {
    let cases: &[&[&str]] = &[
        &["lint", "--format", "yaml"],
        &["lint", "--build-arg", "NOEQUALS", "pinned.Dockerfile"],
        &["lint", "--ignore", "WF999", "pinned.Dockerfile"],
        &["lint", "--offline", "does-not-exist.Dockerfile"],
        &["lint", "--config", "missing.toml", "pinned.Dockerfile"],
        &["report", "pinned.Dockerfile"],
        &["explain", "WF999"],
    ];
    for args in cases {
        let out = winfit(&cli_dir(), args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".winfit.toml"), "fail-on = \"sometimes\"\n").expect("write");
    let out = winfit(dir.path(), &["lint", "--offline"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".winfit.toml"));
}

#[test]
fn unparseable_file_is_a_finding_and_the_run_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("Dockerfile"), b"\x00\x01\x02binary").expect("write");
    std::fs::copy(
        cli_dir().join("pinned.Dockerfile"),
        dir.path().join("Dockerfile.ok"),
    )
    .expect("copy");
    let (json, code) = winfit_json(dir.path(), &["lint", "--offline", "--format", "json", "."]);
    assert_eq!(rules_of(&json), vec![("WF000".into(), 1, String::new())]);
    assert_eq!(
        json["summary"]["references"], 1,
        "the good file is still read"
    );
    assert!(json["files"][0]["error"].is_string());
    assert_eq!(code, 1);
}

#[test]
fn stdin_with_a_name() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_winfit"))
        .args([
            "lint",
            "--offline",
            "--format",
            "json",
            "--stdin-filename",
            "app/Dockerfile",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["references"][0]["file"], "app/Dockerfile");
    assert_eq!(json["references"][0]["os_version"], "10.0.20348");
}

#[test]
fn gitignored_files_are_not_walked() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".gitignore"), "vendor/\n").expect("write");
    std::fs::create_dir(dir.path().join("vendor")).expect("mkdir");
    std::fs::write(dir.path().join("vendor/Dockerfile"), "FROM a:latest\n").expect("write");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n",
    )
    .expect("write");
    let (json, _) = winfit_json(dir.path(), &["lint", "--offline", "--format", "json"]);
    let files: Vec<&str> = json["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(files, vec!["Dockerfile"]);
}

#[test]
fn table_shows_the_source_line_with_a_marker() {
    let out = winfit(&cli_dir(), &["lint", "--offline", "floating.Dockerfile"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("warning[WF008] floating-tag:"), "{text}");
    assert!(text.contains("--> floating.Dockerfile:1:1"), "{text}");
    assert!(
        text.contains("1 | FROM mcr.microsoft.com/windows/servercore:ltsc2022"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "  |      {}",
            "^".repeat("mcr.microsoft.com/windows/servercore:ltsc2022".len())
        )),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
    let out = winfit(
        &cli_dir(),
        &[
            "lint",
            "--offline",
            "--color",
            "always",
            "floating.Dockerfile",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains('\x1b'));
}

#[test]
fn report_json_follows_the_contract() {
    let (json, code) = winfit_json(
        &cli_dir(),
        &[
            "report",
            "--offline",
            "--format",
            "json",
            "--fleet",
            "fleet.toml",
            "deploy.yaml",
            "pinned.Dockerfile",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(json["version"], 1);
    let hosts: Vec<&str> = json["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .filter_map(|h| h["name"].as_str())
        .collect();
    assert_eq!(hosts, vec!["ws2019", "ws2022", "builder"]);
    assert_eq!(
        json["hosts"][0]["isolation"],
        serde_json::json!(["process"])
    );
    assert_eq!(json["images"].as_array().expect("images").len(), 3);
    let cell = |image: &str, host: &str| {
        json["matrix"]
            .as_array()
            .expect("matrix")
            .iter()
            .find(|c| c["image"] == image && c["host"] == host)
            .map(|c| c["verdict"].as_str().unwrap_or_default().to_string())
    };
    let ltsc2019 = "mcr.microsoft.com/windows/servercore:ltsc2019";
    assert_eq!(cell(ltsc2019, "ws2019").as_deref(), Some("process"));
    assert_eq!(cell(ltsc2019, "ws2022").as_deref(), Some("hyperv"));
    assert_eq!(
        cell(
            "mcr.microsoft.com/windows/servercore:10.0.20348.2227",
            "ws2019"
        )
        .as_deref(),
        Some("none")
    );
    assert_eq!(json["matrix"].as_array().expect("matrix").len(), 9);
    for c in json["matrix"].as_array().expect("matrix") {
        assert!(c["reason"].as_str().is_some_and(|r| !r.is_empty()));
    }
}

#[test]
fn report_other_formats() {
    let base = [
        "report",
        "--offline",
        "--fleet",
        "fleet.toml",
        "deploy.yaml",
        "--format",
    ];
    let run = |f: &str| {
        let mut args = base.to_vec();
        args.push(f);
        String::from_utf8_lossy(&winfit(&cli_dir(), &args).stdout).into_owned()
    };
    let csv = run("csv");
    assert!(csv.starts_with("image,image_os_version,host,host_os_version,verdict,reason\n"));
    assert_eq!(csv.lines().count(), 1 + 2 * 3);
    let html = run("html");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("class=\"v hyperv\""));
    assert!(
        !html.contains("http://") && !html.contains("<script"),
        "self-contained"
    );
    let md = run("markdown");
    assert!(
        md.contains(
            "| `mcr.microsoft.com/windows/servercore:ltsc2019 (Windows Server 2019, 10.0.17763)` |"
        ),
        "{md}"
    );
    let table = run("table");
    assert!(
        table.contains("hyper-v only") && table.contains("Windows Server 2022"),
        "{table}"
    );
}

#[test]
fn fleet_import_writes_a_valid_fleet() {
    let fleet_dir = fixtures().join("fleet");
    for (from, file) in [
        ("kubectl", "kubectl-nodes.json"),
        ("swarm", "swarm-nodes.json"),
    ] {
        let out = winfit(&fleet_dir, &["fleet", "import", "--from", from, file]);
        assert_eq!(out.status.code(), Some(0), "{from}");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let fleet = winfit::fleet::parse_fleet(&text, "imported").expect("imported fleet parses");
        assert!(!fleet.hosts.is_empty(), "{from}");
    }
    let out = winfit(
        &fleet_dir,
        &["fleet", "import", "--from", "kubectl", "mixed.toml"],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn rules_and_explain() {
    let out = winfit(&cli_dir(), &["rules"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 20);
    let out = winfit(&cli_dir(), &["explain", "build-mismatch"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("# WF003 build-mismatch"));
    assert!(text.contains("0xc0370101"));
}

/// The bundled example, judged against its fleet: the findings a Windows container engineer
/// expects (examples/README.md explains each one).
#[test]
fn bundled_example_findings() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (json, code) = winfit_json(
        root,
        &[
            "lint",
            "--offline",
            "--format",
            "json",
            "--fleet",
            "examples/fleet.toml",
            "examples",
        ],
    );
    let mut got: Vec<String> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            format!(
                "{}:{} {} {}",
                f["file"]
                    .as_str()
                    .unwrap_or_default()
                    .trim_start_matches("examples/"),
                f["line"],
                f["rule"].as_str().unwrap_or_default(),
                f["host"].as_str().unwrap_or("-")
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        "api/Dockerfile:7 WF008 -",
        "api/Dockerfile:17 WF008 -",
        "batch/Dockerfile:5 WF003 build-ws2022",
        "batch/Dockerfile:5 WF008 -",
        "batch/Dockerfile:5 WF017 -",
        "batch/Dockerfile:11 WF008 -",
        "docker-compose.yml:16 WF003 ws2022-node",
        "docker-compose.yml:16 WF008 -",
        "docker-compose.yml:16 WF019 win11-dev",
        "docker-compose.yml:16 WF019 ws2025-swarm",
        "docker-compose.yml:22 WF001 -",
        "docker-compose.yml:22 WF010 -",
        "docker-compose.yml:26 WF010 -",
        "k8s/deployment.yaml:46 WF003 ws2022-node",
        "k8s/deployment.yaml:46 WF008 -",
        "k8s/deployment.yaml:46 WF013 -",
        "k8s/deployment.yaml:65 WF005 ws2019-node",
        "k8s/deployment.yaml:65 WF008 -",
        "k8s/deployment.yaml:65 WF013 -",
        "k8s/deployment.yaml:86 WF005 ws2019-node",
        "k8s/deployment.yaml:86 WF008 -",
        "k8s/deployment.yaml:86 WF014 -",
        "k8s/deployment.yaml:86 WF018 -",
        "k8s/deployment.yaml:105 WF007 ws2019-node",
        "k8s/deployment.yaml:105 WF018 -",
        "legacy/Dockerfile:4 WF002 -",
        "legacy/Dockerfile:4 WF010 -",
        "stack.yml:18 WF004 ws2025-swarm",
        "stack.yml:18 WF008 -",
        "stack.yml:18 WF014 -",
        "stack.yml:27 WF003 ws2022-node",
        "stack.yml:27 WF004 win11-dev",
        "stack.yml:27 WF004 ws2025-swarm",
        "stack.yml:27 WF005 ws2019-node",
        "stack.yml:27 WF009 -",
        "stack.yml:27 WF015 -",
    ];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(code, 1);
}

#[test]
fn nano_server_1607_ended_before_its_os() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM mcr.microsoft.com/windows/nanoserver:sac2016 AS nano\nFROM mcr.microsoft.com/windows/servercore:ltsc2016\n",
    )
    .expect("write");
    let (json, _) = winfit_json(
        dir.path(),
        &["lint", "--offline", "--format", "json", "--ignore", "WF017"],
    );
    let wf009: Vec<u64> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "WF009")
        .filter_map(|f| f["line"].as_u64())
        .collect();
    // Nano Server 1607 ended on 2018-10-09; Server Core 2016 is supported until 2027-01-12.
    assert_eq!(wf009, vec![1]);
}
