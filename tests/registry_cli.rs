//! `lint`, `report` and `inspect` against a real registry on loopback: registry answers flow into
//! findings (WF011, WF012), per-host verdicts and the `source` field; a second run is served from
//! the cache; `--offline` uses the cache alone.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use support::Registry;
use support::fixtures::{self, Pusher};

fn run(dir: &Path, cache: &Path, args: &[&str]) -> (Value, i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_winfit"))
        .args(args)
        .arg("--cache-dir")
        .arg(cache)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("DOCKER_CONFIG", dir.join("no-docker-config"))
        .output()
        .expect("winfit runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    (
        json,
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn lint_report_and_inspect_use_the_registry_then_the_cache() {
    let Some(bin) = support::registry_binary() else {
        return;
    };
    let reg = Registry::start(&bin, None);
    fixtures::push_standard(&Pusher::new(&reg.base())).await;
    let a = reg.addr();
    let work = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("tempdir");
    // Tags that name no Windows release: only the registry knows their builds.
    std::fs::write(
        work.path().join("compose.yml"),
        format!(
            "services:\n  web:\n    image: {a}/windows/servercore:multi\n  old:\n    image: {a}/windows/servercore:noosversion\n  \
             linux:\n    image: {a}/library/alpine:3.20\n  missing:\n    image: {a}/windows/servercore:does-not-exist\n  \
             all:\n    image: {a}/windows/multi:all\n  floating:\n    image: {a}/windows/servercore:ltsc2022\n"
        ),
    )
    .expect("write");
    std::fs::write(
        work.path().join("fleet.toml"),
        "[[host]]\nname = \"ws2019\"\nos_version = \"10.0.17763.5329\"\n\n[[host]]\nname = \"ws2022\"\nos_version = \"10.0.20348.2227\"\n",
    )
    .expect("write");
    let lint = [
        "lint",
        "--format",
        "json",
        "--fleet",
        "fleet.toml",
        "--insecure-registry",
        a.as_str(),
        "compose.yml",
    ];

    let (json, code, stderr) = run(work.path(), cache.path(), &lint);
    assert_eq!(code, 1, "{stderr}");
    let refs = json["references"].as_array().expect("references");
    let by_line = |line: u64| {
        refs.iter()
            .find(|r| r["line"] == line)
            .unwrap_or_else(|| panic!("line {line}"))
    };
    assert_eq!(by_line(3)["source"], "registry");
    assert_eq!(
        by_line(3)["os_version"],
        fixtures::V2022,
        "the highest Windows entry is shown"
    );
    let findings: Vec<(u64, String)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0),
                f["rule"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        findings.contains(&(7, "WF012".into())),
        "alpine is Linux-only: {findings:?}"
    );
    assert!(
        findings.contains(&(9, "WF011".into())),
        "missing tag: {findings:?}"
    );
    // The multi list has a 17763 and a 20348 entry: each host pulls its own, so no host finding.
    assert!(
        !findings.iter().any(|(l, r)| *l == 3 && r != "WF008"),
        "multi: {findings:?}"
    );
    assert!(
        !findings.iter().any(|(l, _)| *l == 11),
        "multi-windows list fits both hosts: {findings:?}"
    );
    // A floating tag's help names the digest it points to now.
    let wf008 = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "WF008" && f["line"] == 13)
        .expect("WF008 on the floating tag");
    assert!(
        wf008["help"]
            .as_str()
            .is_some_and(|h| h.contains("@sha256:")),
        "{wf008}"
    );
    // The list without os.version gets its versions from the configs.
    assert_eq!(by_line(5)["os_version"], fixtures::V2022);

    // Warm: the same answers from the cache, and --offline works from the cache alone.
    let (json, _, _) = run(work.path(), cache.path(), &lint);
    assert_eq!(json["references"][0]["source"], "cache");
    let mut offline = lint.to_vec();
    offline.insert(1, "--offline");
    let (json, _, _) = run(work.path(), cache.path(), &offline);
    assert_eq!(json["references"][0]["source"], "cache");

    // report: per-host verdicts come from the registry's entries.
    let (json, code, stderr) = run(
        work.path(),
        cache.path(),
        &[
            "report",
            "--format",
            "json",
            "--fleet",
            "fleet.toml",
            "--insecure-registry",
            a.as_str(),
            "compose.yml",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let cell = |image: &str, host: &str| {
        json["matrix"]
            .as_array()
            .expect("matrix")
            .iter()
            .find(|c| c["image"] == image && c["host"] == host)
            .map(|c| c["verdict"].as_str().unwrap_or("").to_string())
    };
    let multi = format!("{a}/windows/servercore:multi");
    assert_eq!(cell(&multi, "ws2019").as_deref(), Some("process"));
    assert_eq!(cell(&multi, "ws2022").as_deref(), Some("process"));

    // inspect: every platform entry, with the release name.
    let (json, code, stderr) = run(
        work.path(),
        cache.path(),
        &[
            "inspect",
            "--format",
            "json",
            "--insecure-registry",
            a.as_str(),
            &multi,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let platforms = json[0]["platforms"].as_array().expect("platforms");
    assert_eq!(platforms.len(), 2);
    assert_eq!(platforms[0]["os_version"], fixtures::V2019);
    assert_eq!(platforms[0]["release"], "Windows Server 2019");
    assert!(
        json[0]["digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:"))
    );
}

#[test]
fn unreachable_registry_degrades_to_the_tag_rules_and_says_so_once() {
    let work = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("tempdir");
    let port = support::free_port();
    std::fs::write(
        work.path().join("Dockerfile"),
        format!(
            "FROM 127.0.0.1:{port}/windows/servercore:ltsc2022\nFROM 127.0.0.1:{port}/app:1.0\n"
        ),
    )
    .expect("write");
    let addr = format!("127.0.0.1:{port}");
    let (json, code, stderr) = run(
        work.path(),
        cache.path(),
        &[
            "lint",
            "--format",
            "json",
            "--insecure-registry",
            &addr,
            "Dockerfile",
        ],
    );
    assert_eq!(code, 0, "warnings only: {stderr}");
    assert_eq!(stderr.matches("could not answer").count(), 1, "{stderr}");
    assert_eq!(json["references"][0]["source"], "tag");
    assert_eq!(json["references"][0]["os_version"], "10.0.20348");
    let wf010: Vec<&Value> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "WF010")
        .collect();
    assert_eq!(wf010.len(), 1, "only the reference the tag cannot place");
    assert!(
        wf010[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("registry"))
    );
}
