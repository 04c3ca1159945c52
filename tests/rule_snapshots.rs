//! Snapshot tests per rule, ruff-style: for each rule that can be exercised offline, a file that
//! makes it fire and one that does not (tests/fixtures/rules/<RULE>/), linted by the real binary
//! against a fleet (tests/fixtures/rules/fleet-*.toml). Each snapshot (`snapshots/rules__*`) keeps
//! only the findings and is reviewed by hand; each test also asserts the one fact that matters
//! (the rule fires, on the expected host, or it does not), so a blindly accepted snapshot cannot
//! hide a regression.
//!
//! WF011, WF012 and WF016 need a registry: tests/registry_cli.rs covers them.

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};

/// Lint `file` in `tests/fixtures/rules/<dir>` (the working directory, so paths are relative)
/// against `tests/fixtures/rules/<fleet>`, and keep the findings' essentials.
fn findings(dir: &str, fleet: &str, file: &str) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
    let fleet = format!("{}{fleet}", "../".repeat(dir.split('/').count()));
    let out = Command::new(env!("CARGO_BIN_EXE_winfit"))
        .args([
            "lint",
            "--offline",
            "--format",
            "json",
            "--fleet",
            &fleet,
            file,
        ])
        .current_dir(root.join(dir))
        .env("NO_COLOR", "1")
        .env("WINFIT_TODAY", "2026-12-04")
        // Never read or write the user's cache from tests.
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .env_remove("WINDOWS_TAG")
        .env_remove("WINDOWS")
        .stdin(Stdio::null())
        .output()
        .expect("winfit runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{dir}/{file}: exit {:?}\nstdout: {stdout}\nstderr: {stderr}",
        out.status.code()
    );
    let v: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{dir}/{file}: not JSON ({e}): {stdout}\nstderr: {stderr}"));
    let kept: Vec<Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            json!({
                "rule": f["rule"],
                "severity": f["severity"],
                "line": f["line"],
                "column": f["column"],
                "host": f["host"],
                "message": f["message"],
            })
        })
        .collect();
    Value::Array(kept)
}

/// Lint and snapshot as `snapshots/rules__<rule>__<case>.snap`.
fn snapshot(rule: &str, case: &str, dir: &str, fleet: &str, file: &str) -> Value {
    let value = findings(dir, fleet, file);
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_json_snapshot!(format!("rules__{rule}__{case}"), value);
    });
    value
}

fn of_rule<'a>(findings: &'a Value, rule: &str) -> Vec<&'a Value> {
    findings
        .as_array()
        .expect("array")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// The rule fires; when `hosts` is not empty, on exactly those hosts.
fn assert_fires(findings: &Value, rule: &str, hosts: &[&str]) {
    let got = of_rule(findings, rule);
    assert!(!got.is_empty(), "{rule} should fire: {findings:#}");
    if !hosts.is_empty() {
        let mut on: Vec<&str> = got.iter().filter_map(|f| f["host"].as_str()).collect();
        on.sort_unstable();
        let mut want = hosts.to_vec();
        want.sort_unstable();
        assert_eq!(on, want, "{rule} hosts: {findings:#}");
    }
}

fn assert_passes(findings: &Value, rule: &str) {
    let got = of_rule(findings, rule);
    assert!(got.is_empty(), "{rule} should not fire: {findings:#}");
}

fn assert_severity(findings: &Value, rule: &str, severity: &str) {
    for f in of_rule(findings, rule) {
        assert_eq!(f["severity"], severity, "{rule}: {findings:#}");
    }
}

const MIXED: &str = "fleet-mixed.toml";
const WS2016: &str = "fleet-ws2016.toml";
const HYPERV: &str = "fleet-hyperv.toml";
const SWARM: &str = "fleet-swarm.toml";
const SAC: &str = "fleet-sac.toml";

// WF001 latest-tag

#[test]
fn wf001_fires() {
    let f = snapshot("WF001", "fires", "WF001", MIXED, "fires.Dockerfile");
    assert_fires(&f, "WF001", &[]);
    assert_severity(&f, "WF001", "error");
}

#[test]
fn wf001_fires_other() {
    // Not a Microsoft base repo: `latest` exists but moves, a warning; COPY --from counts too.
    let f = snapshot(
        "WF001",
        "fires-other",
        "WF001",
        MIXED,
        "fires-other.Dockerfile",
    );
    assert_eq!(of_rule(&f, "WF001").len(), 2, "{f:#}");
    assert_severity(&f, "WF001", "warning");
}

#[test]
fn wf001_passes() {
    let f = snapshot("WF001", "passes", "WF001", MIXED, "passes.Dockerfile");
    assert_passes(&f, "WF001");
}

#[test]
fn wf001_suppressed() {
    // `# winfit ignore=WF001` on the line above the FROM, `global ignore=WF010` for the file.
    let f = snapshot(
        "WF001",
        "suppressed",
        "WF001",
        MIXED,
        "suppressed.Dockerfile",
    );
    assert_passes(&f, "WF001");
    assert_passes(&f, "WF010");
}

// WF002 untagged-image

#[test]
fn wf002_fires() {
    let f = snapshot("WF002", "fires", "WF002", MIXED, "fires.Dockerfile");
    assert_fires(&f, "WF002", &[]);
    assert_severity(&f, "WF002", "error");
}

#[test]
fn wf002_fires_compose() {
    let f = snapshot("WF002", "fires-compose", "WF002", MIXED, "fires.yml");
    assert_fires(&f, "WF002", &[]);
    assert_severity(&f, "WF002", "warning");
}

#[test]
fn wf002_passes() {
    let f = snapshot("WF002", "passes", "WF002", MIXED, "passes.Dockerfile");
    assert_passes(&f, "WF002");
}

// WF003 build-mismatch

#[test]
fn wf003_fires() {
    let f = snapshot("WF003", "fires", "WF003", MIXED, "fires.yaml");
    assert_fires(&f, "WF003", &["k22"]);
}

#[test]
fn wf003_passes() {
    // Placement narrowing: the windows-build nodeSelector removes k22, where WF003 fires.
    let f = snapshot("WF003", "passes", "WF003", MIXED, "passes.yaml");
    assert_passes(&f, "WF003");
}

#[test]
fn wf003_passes_affinity() {
    // The same narrowing through required node affinity.
    let f = snapshot(
        "WF003",
        "passes-affinity",
        "WF003",
        MIXED,
        "passes-affinity.yaml",
    );
    assert_passes(&f, "WF003");
}

// WF004 hyperv-required

#[test]
fn wf004_fires() {
    let f = snapshot("WF004", "fires", "WF004", HYPERV, "fires.yml");
    assert_fires(&f, "WF004", &["s22-hv"]);
}

#[test]
fn wf004_passes() {
    // The Swarm constraint keeps the service on the WS2019 host.
    let f = snapshot("WF004", "passes", "WF004", HYPERV, "passes.yml");
    assert_passes(&f, "WF004");
}

// WF005 image-newer-than-host

#[test]
fn wf005_fires() {
    let f = snapshot("WF005", "fires", "WF005", MIXED, "fires.yml");
    assert_fires(&f, "WF005", &["k19"]);
}

#[test]
fn wf005_passes() {
    let f = snapshot("WF005", "passes", "WF005", MIXED, "passes.yaml");
    assert_passes(&f, "WF005");
}

// WF006 ws2016-revision-mismatch

#[test]
fn wf006_fires() {
    let f = snapshot("WF006", "fires", "WF006", WS2016, "fires.yml");
    assert_fires(&f, "WF006", &["ws16"]);
}

#[test]
fn wf006_passes() {
    let f = snapshot("WF006", "passes", "WF006", WS2016, "passes.yml");
    assert_passes(&f, "WF006");
}

// WF007 feb-2020-baseline

#[test]
fn wf007_fires() {
    let f = snapshot("WF007", "fires", "WF007", MIXED, "fires.yaml");
    assert_fires(&f, "WF007", &["k19"]);
}

#[test]
fn wf007_passes() {
    let f = snapshot("WF007", "passes", "WF007", MIXED, "passes.yaml");
    assert_passes(&f, "WF007");
}

// WF008 floating-tag

#[test]
fn wf008_fires() {
    let f = snapshot("WF008", "fires", "WF008", MIXED, "fires.Dockerfile");
    assert_fires(&f, "WF008", &[]);
    assert_severity(&f, "WF008", "warning");
}

#[test]
fn wf008_fires_derived() {
    let f = snapshot(
        "WF008",
        "fires-derived",
        "WF008",
        MIXED,
        "fires-derived.Dockerfile",
    );
    assert_fires(&f, "WF008", &[]);
}

#[test]
fn wf008_passes() {
    // KB tag, full-version tag, dated derived tag, digest.
    let f = snapshot("WF008", "passes", "WF008", MIXED, "passes.Dockerfile");
    assert_passes(&f, "WF008");
}

#[test]
fn wf008_suppressed() {
    let f = snapshot(
        "WF008",
        "suppressed",
        "WF008",
        MIXED,
        "suppressed.Dockerfile",
    );
    assert_passes(&f, "WF008");
}

#[test]
fn wf008_severity_override() {
    // WF008/severity/.winfit.toml: `[severity] WF008 = "error"`, found from the working directory.
    let f = snapshot(
        "WF008",
        "severity-override",
        "WF008/severity",
        MIXED,
        "fires.Dockerfile",
    );
    assert_fires(&f, "WF008", &[]);
    assert_severity(&f, "WF008", "error");
}

// WF009 unsupported-release

#[test]
fn wf009_fires() {
    let f = snapshot("WF009", "fires", "WF009", SAC, "fires.Dockerfile");
    assert_fires(&f, "WF009", &[]);
}

#[test]
fn wf009_passes() {
    let f = snapshot("WF009", "passes", "WF009", MIXED, "passes.Dockerfile");
    assert_passes(&f, "WF009");
}

// WF010 unresolved-reference

#[test]
fn wf010_fires() {
    let f = snapshot("WF010", "fires", "WF010", MIXED, "fires.Dockerfile");
    assert_fires(&f, "WF010", &[]);
}

#[test]
fn wf010_fires_arg() {
    let f = snapshot("WF010", "fires-arg", "WF010", MIXED, "fires-arg.Dockerfile");
    assert_fires(&f, "WF010", &[]);
}

#[test]
fn wf010_passes() {
    let f = snapshot("WF010", "passes", "WF010", MIXED, "passes.Dockerfile");
    assert_passes(&f, "WF010");
}

// WF013 missing-node-selector

#[test]
fn wf013_fires() {
    let f = snapshot("WF013", "fires", "WF013", MIXED, "fires.yaml");
    assert_fires(&f, "WF013", &[]);
}

#[test]
fn wf013_fires_no_build() {
    // Pins Windows, not the build, on a fleet of two builds.
    let f = snapshot(
        "WF013",
        "fires-no-build",
        "WF013",
        MIXED,
        "fires-no-build.yaml",
    );
    assert_fires(&f, "WF013", &[]);
}

#[test]
fn wf013_passes() {
    let f = snapshot("WF013", "passes", "WF013", MIXED, "passes.yaml");
    assert_passes(&f, "WF013");
}

// WF014 selector-build-mismatch

#[test]
fn wf014_fires() {
    let f = snapshot("WF014", "fires", "WF014", MIXED, "fires.yaml");
    assert_fires(&f, "WF014", &[]);
}

#[test]
fn wf014_fires_swarm() {
    let f = snapshot("WF014", "fires-swarm", "WF014", SWARM, "fires-swarm.yml");
    assert_fires(&f, "WF014", &[]);
}

#[test]
fn wf014_passes() {
    let f = snapshot("WF014", "passes", "WF014", MIXED, "passes.yaml");
    assert_passes(&f, "WF014");
}

// WF015 swarm-missing-constraint

#[test]
fn wf015_fires() {
    let f = snapshot("WF015", "fires", "WF015", SWARM, "fires.yml");
    assert_fires(&f, "WF015", &[]);
}

#[test]
fn wf015_passes() {
    let f = snapshot("WF015", "passes", "WF015", SWARM, "passes.yml");
    assert_passes(&f, "WF015");
}

// WF017 stage-build-mismatch

#[test]
fn wf017_fires() {
    let f = snapshot("WF017", "fires", "WF017", MIXED, "fires.Dockerfile");
    assert_fires(&f, "WF017", &[]);
}

#[test]
fn wf017_passes() {
    let f = snapshot("WF017", "passes", "WF017", MIXED, "passes.Dockerfile");
    assert_passes(&f, "WF017");
}

// WF018 no-compatible-host

#[test]
fn wf018_fires() {
    let f = snapshot("WF018", "fires", "WF018", MIXED, "fires.yml");
    assert_fires(&f, "WF018", &[]);
}

#[test]
fn wf018_fires_dockerfile() {
    // A Dockerfile's final stage is judged against every run host.
    let f = snapshot(
        "WF018",
        "fires-dockerfile",
        "WF018",
        MIXED,
        "fires.Dockerfile",
    );
    assert_fires(&f, "WF018", &[]);
}

#[test]
fn wf018_passes() {
    // Runs on k22 (WF005 on k19 is a separate finding).
    let f = snapshot("WF018", "passes", "WF018", MIXED, "passes.yml");
    assert_passes(&f, "WF018");
}

// WF019 isolation-conflict

#[test]
fn wf019_fires() {
    let f = snapshot("WF019", "fires", "WF019", HYPERV, "fires.yml");
    assert_fires(&f, "WF019", &["s22-hv"]);
}

#[test]
fn wf019_fires_hyperv() {
    let f = snapshot("WF019", "fires-hyperv", "WF019", HYPERV, "fires-hyperv.yml");
    assert_fires(&f, "WF019", &["s19"]);
}

#[test]
fn wf019_passes() {
    // `isolation: hyperv`, constrained to the host that has Hyper-V.
    let f = snapshot("WF019", "passes", "WF019", HYPERV, "passes.yml");
    assert_passes(&f, "WF019");
}
