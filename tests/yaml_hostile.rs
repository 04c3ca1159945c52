//! Hostile YAML: truncated files, alias bombs, huge lines, garbage, odd shapes. Nothing may
//! panic; parse failures are WF000 findings with a line; everything stays fast.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use winfit::extract::{compose, kubernetes, yaml};
use winfit::model::Extraction;

fn all_fronts(
    text: &str,
) -> (
    Result<winfit::model::FileKind, String>,
    Extraction,
    Extraction,
) {
    let kind = yaml::classify(text);
    let c = compose::extract("c.yml", text, &BTreeMap::new());
    let k = kubernetes::extract("k.yaml", text);
    (kind, c, k)
}

fn timed<T>(limit: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    eprintln!("took {took:?}");
    assert!(took < limit, "took {took:?}");
    out
}

const K8S: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      nodeSelector:
        kubernetes.io/os: windows
      containers:
      - name: web
        image: mcr.microsoft.com/windows/servercore:ltsc2022
        command: [\"powershell\", \"-c\", \"Start-Sleep 3600\"]
";

const COMPOSE: &str = "\
services:
  web:
    image: mcr.microsoft.com/windows/servercore:ltsc2019
    isolation: process
    deploy:
      placement:
        constraints: [node.platform.os == windows]
";

#[test]
fn every_truncation_is_handled() {
    for full in [K8S, COMPOSE] {
        for cut in 0..full.len() {
            if !full.is_char_boundary(cut) {
                continue;
            }
            let text = &full[..cut];
            let (_, c, k) = all_fronts(text);
            for f in c.findings.iter().chain(k.findings.iter()) {
                if f.rule == "WF000" {
                    assert!(
                        f.line >= 1 && f.line <= text.lines().count() + 1,
                        "{f:?} in {text:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn truncated_flow_mapping_is_wf000_with_line() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: 'app:1'\n";
    assert_eq!(
        yaml::classify(text),
        Ok(winfit::model::FileKind::Kubernetes)
    );
    let x = kubernetes::extract("k.yaml", text);
    assert_eq!(x.findings.len(), 1);
    assert_eq!(x.findings[0].rule, "WF000");
    assert!(x.findings[0].line >= 5, "{:?}", x.findings[0]);
}

fn billion_laughs(levels: usize, fanout: usize) -> String {
    let mut s = String::from("services:\n  web:\n    image: app:1\nx0: &a0 [lol]\n");
    for i in 1..levels {
        let refs = vec![format!("*a{}", i - 1); fanout].join(", ");
        s.push_str(&format!("x{i}: &a{i} [{refs}]\n"));
    }
    s
}

#[test]
fn alias_bomb_is_refused_fast() {
    for text in [billion_laughs(10, 10), billion_laughs(30, 4)] {
        let (kind, c, k) = timed(Duration::from_secs(10), || all_fronts(&text));
        // The bomb is refused: either as not classifiable or as a parse error, never expanded.
        assert!(
            kind.is_err() || c.findings.iter().any(|f| f.rule == "WF000"),
            "{kind:?}"
        );
        assert!(c.references.is_empty());
        assert!(c.findings.iter().all(|f| f.rule == "WF000"));
        assert!(k.references.is_empty());
    }
}

#[test]
fn merge_key_bomb_is_refused_fast() {
    let mut s = String::from("a0: &a0 {k: v}\n");
    for i in 1..40 {
        s.push_str(&format!(
            "a{i}: &a{i}\n  <<: [*a{}, *a{}]\n  k{i}: v\n",
            i - 1,
            i - 1
        ));
    }
    s.push_str("services:\n  web:\n    <<: *a39\n    image: app:1\n");
    let (_, c, _) = timed(Duration::from_secs(10), || all_fronts(&s));
    assert!(c.references.len() <= 1);
}

#[test]
fn ten_megabyte_single_line() {
    let mut text = String::from("services: {web: {image: \"app:");
    text.push_str(&"a".repeat(10 * 1024 * 1024));
    text.push_str("\"}}");
    let (_, c, _) = timed(Duration::from_secs(30), || all_fronts(&text));
    // An over-long tag is not a valid reference: WF010, never a panic.
    assert!(c.references.len() <= 1);

    let garbage_line = "x".repeat(10 * 1024 * 1024);
    let (kind, c, k) = timed(Duration::from_secs(30), || all_fronts(&garbage_line));
    assert!(kind.is_err());
    assert!(c.references.is_empty() && k.references.is_empty());
}

#[test]
fn deep_nesting_is_refused() {
    let deep = format!("services: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let (_, c, _) = timed(Duration::from_secs(10), || all_fronts(&deep));
    assert!(c.findings.iter().any(|f| f.rule == "WF000"));
    let deep_block: String = (0..1500)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect::<String>()
        + "apiVersion: v1\n";
    let (_, _, k) = timed(Duration::from_secs(10), || all_fronts(&deep_block));
    assert!(k.references.is_empty());
}

#[test]
fn binary_garbage_never_panics() {
    // A small deterministic generator: no dependency needed.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet: Vec<char> = "services apiVersion kind image: containers -[]{}&*!|>'\"#%@`,?:\n\t\r\u{feff}\u{0}\u{7f}é漢"
        .chars()
        .collect();
    for _ in 0..300 {
        let len = (next() % 400) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let _ = all_fronts(&text);
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let _ = all_fronts(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn non_mapping_documents() {
    for text in [
        "- a\n- b\n",
        "just a string\n",
        "42\n",
        "~\n",
        "---\n---\n...\n",
        "services: 3\n",
        "services:\n  - web\n",
        "services:\n  web: [image, x]\n",
        "apiVersion: v1\nkind: [Pod]\n",
        "apiVersion: v1\nkind: Pod\nspec: 3\n",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers: [1, 2]\n",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers: {image: x}\n",
        "? [complex, key]\n: value\n",
        "!!binary aGVsbG8=\n",
        "&a [*a]\n",
    ] {
        let (_, c, k) = all_fronts(text);
        assert!(c.references.is_empty(), "{text:?}: {:?}", c.references);
        assert!(k.references.is_empty(), "{text:?}: {:?}", k.references);
    }
}

#[test]
fn image_that_is_a_number_or_mapping() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: 1809}\n  - {name: b, image: {repo: x}}\n  - {name: c, image: [x]}\n";
    let x = kubernetes::extract("k.yaml", text);
    assert!(x.references.is_empty());
    assert_eq!(x.findings.iter().filter(|f| f.rule == "WF010").count(), 3);
    let text = "services:\n  a: {image: 1809}\n  b: {image: {repo: x}}\n  c: {image: true}\n";
    let x = compose::extract("c.yml", text, &BTreeMap::new());
    assert!(x.references.is_empty());
    assert_eq!(x.findings.iter().filter(|f| f.rule == "WF010").count(), 3);
}

#[test]
fn many_documents() {
    let doc = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: 'app:1'}]\n";
    let text = doc.repeat(2000);
    let x = timed(Duration::from_secs(30), || {
        kubernetes::extract("k.yaml", &text)
    });
    assert_eq!(x.references.len(), 2000);
    assert_eq!(x.references[1999].line, 1999 * 6 + 6);
}

#[test]
fn document_marker_storm_is_refused_fast() {
    let text = "---\n".repeat(500_000);
    let (kind, _, k) = timed(Duration::from_secs(20), || all_fronts(&text));
    assert!(kind.is_err());
    assert_eq!(k.findings.len(), 1);
    assert_eq!(k.findings[0].rule, "WF000");
    let text = "---\na: 1\n".repeat(20_000);
    let (_, _, k) = timed(Duration::from_secs(20), || all_fronts(&text));
    assert_eq!(k.findings.len(), 1);
}
