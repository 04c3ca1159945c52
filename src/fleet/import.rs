//! Fleet import: turn `kubectl get nodes -o json` or `docker node inspect` JSON into a fleet.
//! Pure: the caller reads the file. Nodes that are not Windows, or whose version cannot be
//! learnt, are skipped and listed with the reason.

use super::{Fleet, Host, Isolation, Role};
use crate::judge::select::Runtime;
use crate::judge::version::OsVersion;
use serde_json::Value;
use std::collections::BTreeMap;

/// The Kubernetes label with the node's Windows build (`10.0.17763`, no revision).
pub const WINDOWS_BUILD_LABEL: &str = "node.kubernetes.io/windows-build";

/// A node that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub reason: String,
}

/// The result of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportResult {
    pub fleet: Fleet,
    /// Linux nodes, and Windows nodes whose version is unknown.
    pub skipped: Vec<Skipped>,
    /// Things worth telling the user (a label that disagrees with the kernel version, …).
    pub notes: Vec<String>,
}

impl ImportResult {
    /// The fleet as a fleet file, with the skipped nodes and notes as leading comments.
    pub fn to_toml(&self) -> String {
        let mut comments = vec![format!("Imported from {}.", self.fleet.source)];
        for s in &self.skipped {
            comments.push(format!("skipped {}: {}", s.name, s.reason));
        }
        comments.extend(self.notes.iter().cloned());
        super::to_toml_with_comments(&self.fleet, &comments)
    }
}

/// Why a node with this OS is skipped, or `None` for a Windows node.
fn not_windows(os: Option<&str>) -> Option<String> {
    match os {
        Some(os) if os.eq_ignore_ascii_case("windows") => None,
        Some(os) => Some(format!("not a Windows node ({os})")),
        None => Some("operating system unknown".to_string()),
    }
}

/// Why an import failed as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("unexpected shape: {0}")]
    Shape(String),
}

/// Import `kubectl get nodes -o json` (a `List` with `items`, or a single `Node`).
///
/// Version: `status.nodeInfo.kernelVersion` (`10.0.17763.1397`, with the revision), else the
/// `node.kubernetes.io/windows-build` label, else a `[Version 10.0.B…]` in `osImage`. Runtime from
/// `containerRuntimeVersion` (`containerd://…`, `docker://…`). Isolation is `["process"]`:
/// Kubernetes does not run Hyper-V-isolated Windows pods. All node labels are kept.
pub fn from_kubectl(json: &str) -> Result<ImportResult, ImportError> {
    let root: Value = serde_json::from_str(json).map_err(|e| ImportError::Json(e.to_string()))?;
    let nodes: Vec<&Value> = match (root.get("items"), root.get("kind").and_then(Value::as_str)) {
        (Some(Value::Array(items)), _) => items.iter().collect(),
        (None, Some("Node")) => vec![&root],
        _ => {
            return Err(ImportError::Shape(
                "expected the output of `kubectl get nodes -o json` (a List with `items`, or a Node)"
                    .to_string(),
            ));
        }
    };
    let mut hosts = Vec::new();
    let mut skipped = Vec::new();
    let mut notes = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let name = str_at(node, &["metadata", "name"])
            .map(str::to_string)
            .unwrap_or_else(|| format!("node #{}", i + 1));
        let labels = string_map(node.pointer("/metadata/labels"));
        let info = node.pointer("/status/nodeInfo");
        let info_str = |k: &str| info.and_then(|i| i.get(k)).and_then(Value::as_str);
        let os = info_str("operatingSystem")
            .or_else(|| labels.get("kubernetes.io/os").map(String::as_str))
            .or_else(|| labels.get("beta.kubernetes.io/os").map(String::as_str));
        if let Some(reason) = not_windows(os) {
            skipped.push(Skipped { name, reason });
            continue;
        }
        let kernel = info_str("kernelVersion").and_then(|k| OsVersion::parse(k).ok());
        let label = labels
            .get(WINDOWS_BUILD_LABEL)
            .and_then(|l| OsVersion::parse(l).ok());
        let image = info_str("osImage").and_then(version_in_text);
        let version = match (kernel, label) {
            (Some(k), Some(l)) if (k.major, k.minor, k.build) != (l.major, l.minor, l.build) => {
                notes.push(format!("{name}: kernelVersion {k} and label {WINDOWS_BUILD_LABEL}={l} disagree; used {k}"));
                Some(k)
            }
            (Some(k), Some(l)) if k.revision.is_none() && l.revision.is_some() => Some(l),
            (Some(k), _) => Some(k),
            (None, Some(l)) => Some(l),
            (None, None) => image,
        };
        let Some(version) = version else {
            skipped.push(Skipped {
                name,
                reason: format!("no Windows version in status.nodeInfo.kernelVersion, osImage or the {WINDOWS_BUILD_LABEL} label"),
            });
            continue;
        };
        if version.revision.is_none() {
            notes.push(format!("{name}: version {version} has no revision; the WS2016 and February 2020 revision rules cannot be checked"));
        }
        let runtime = match info_str("containerRuntimeVersion") {
            Some(r) if r.starts_with("containerd://") => Some(Runtime::Containerd),
            Some(r) if r.starts_with("docker://") => Some(Runtime::Docker),
            Some(r) => {
                notes.push(format!(
                    "{name}: runtime {r:?} is neither containerd nor docker; left unset"
                ));
                None
            }
            None => None,
        };
        hosts.push(Host {
            name,
            os_version: version,
            isolation: vec![Isolation::Process],
            isolation_declared: true,
            runtime,
            count: None,
            role: Role::Run,
            labels,
            line: None,
        });
    }
    Ok(finish(hosts, skipped, notes, "kubectl get nodes -o json"))
}

/// Label keys (compared case-insensitively, ignoring `-`, `_`, `.`) that carry a Swarm node's
/// Windows version, as Microsoft's docs suggest (`docker node update --label-add OsVersion=…`).
const SWARM_VERSION_KEYS: &[&str] = &[
    "osversion",
    "windowsversion",
    "windowsbuild",
    "osbuild",
    "nodekubernetesiowindowsbuild",
];

/// Import `docker node inspect` output (a JSON array of nodes). Swarm records no OS version, so
/// the version comes from a node label (`Spec.Labels`) or an engine label
/// (`Description.Engine.Labels`) named like `OsVersion`; nodes without one are skipped.
/// Node labels are kept as written; engine labels as `engine.labels.<key>`.
pub fn from_swarm(json: &str) -> Result<ImportResult, ImportError> {
    let root: Value = serde_json::from_str(json).map_err(|e| ImportError::Json(e.to_string()))?;
    let nodes: Vec<&Value> = match &root {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) if o.contains_key("Description") => vec![&root],
        _ => {
            return Err(ImportError::Shape(
                "expected the output of `docker node inspect` (a JSON array of nodes)".to_string(),
            ));
        }
    };
    let mut hosts: Vec<Host> = Vec::new();
    let mut skipped = Vec::new();
    let mut notes = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let id = str_at(node, &["ID"]).unwrap_or("");
        let mut name = str_at(node, &["Description", "Hostname"])
            .map(str::to_string)
            .unwrap_or_else(|| {
                if id.is_empty() {
                    format!("node #{}", i + 1)
                } else {
                    id.to_string()
                }
            });
        if hosts.iter().any(|h| h.name == name) {
            let short: String = id.chars().take(12).collect();
            name = if short.is_empty() {
                format!("{name}-{}", i + 1)
            } else {
                format!("{name}-{short}")
            };
        }
        let os = str_at(node, &["Description", "Platform", "OS"]);
        if let Some(reason) = not_windows(os) {
            skipped.push(Skipped { name, reason });
            continue;
        }
        let node_labels = string_map(node.pointer("/Spec/Labels"));
        let engine_labels = string_map(node.pointer("/Description/Engine/Labels"));
        let version = node_labels
            .iter()
            .chain(engine_labels.iter())
            .filter(|(k, _)| is_version_key(k))
            .find_map(|(k, v)| swarm_version(v).map(|ver| (k.clone(), ver)));
        let Some((key, version)) = version else {
            skipped.push(Skipped {
                name,
                reason: "Swarm records no Windows version and the node has no OsVersion label (docker node update --label-add OsVersion=10.0.<build>.<revision>)".to_string(),
            });
            continue;
        };
        if version.revision.is_none() {
            notes.push(format!("{name}: label {key} = {version} has no revision; the WS2016 and February 2020 revision rules cannot be checked"));
        }
        let mut labels = node_labels;
        for (k, v) in engine_labels {
            labels.insert(format!("engine.labels.{k}"), v);
        }
        hosts.push(Host {
            isolation: super::default_isolation(version),
            name,
            os_version: version,
            isolation_declared: false,
            runtime: Some(Runtime::Docker),
            count: None,
            role: Role::Run,
            labels,
            line: None,
        });
    }
    Ok(finish(hosts, skipped, notes, "docker node inspect"))
}

fn finish(
    hosts: Vec<Host>,
    skipped: Vec<Skipped>,
    notes: Vec<String>,
    source: &str,
) -> ImportResult {
    ImportResult {
        fleet: Fleet {
            source: source.to_string(),
            hosts,
        },
        skipped,
        notes,
    }
}

fn is_version_key(k: &str) -> bool {
    let norm: String = k
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    SWARM_VERSION_KEYS.contains(&norm.as_str())
}

/// `10.0.17763.5329`, `10.0.17763`, or the 2017 `osbuild` convention `14393.1715` / `17763`.
fn swarm_version(v: &str) -> Option<OsVersion> {
    let v = v.trim();
    if let Ok(ver) = OsVersion::parse(v) {
        return Some(ver);
    }
    let parts: Vec<&str> = v.split('.').collect();
    if !(1..=2).contains(&parts.len()) || parts[0].len() != 5 {
        return None;
    }
    OsVersion::parse(&format!("10.0.{v}")).ok()
}

/// A `10.0.B[.R]` inside free text such as `Microsoft Windows [Version 10.0.14393]`.
fn version_in_text(text: &str) -> Option<OsVersion> {
    let start = text.find("10.0.")?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    OsVersion::parse(rest[..end].trim_end_matches('.')).ok()
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(Value::Object(o)) = v {
        for (k, v) in o {
            match v {
                Value::String(s) => {
                    out.insert(k.clone(), s.clone());
                }
                Value::Null => {}
                other => {
                    out.insert(k.clone(), other.to_string());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::parse_fleet;

    const KUBECTL: &str = include_str!("../../tests/fixtures/fleet/kubectl-nodes.json");
    const SWARM: &str = include_str!("../../tests/fixtures/fleet/swarm-nodes.json");

    #[test]
    fn kubectl_nodes() {
        let r = from_kubectl(KUBECTL).unwrap();
        let got: Vec<(&str, String, Option<Runtime>)> = r
            .fleet
            .hosts
            .iter()
            .map(|h| (h.name.as_str(), h.os_version.to_string(), h.runtime))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "akswin19000000",
                    "10.0.17763.6054".to_string(),
                    Some(Runtime::Containerd)
                ),
                (
                    "akswin22000000",
                    "10.0.20348.2582".to_string(),
                    Some(Runtime::Containerd)
                ),
                (
                    "eks-win2025-a",
                    "10.0.26100.4061".to_string(),
                    Some(Runtime::Containerd)
                ),
                (
                    "legacy-win2016",
                    "10.0.14393".to_string(),
                    Some(Runtime::Docker)
                ),
                (
                    "label-only-win",
                    "10.0.17763".to_string(),
                    Some(Runtime::Containerd)
                ),
            ]
        );
        let h = &r.fleet.hosts[0];
        assert_eq!(h.isolation, [Isolation::Process]);
        assert_eq!(h.labels[WINDOWS_BUILD_LABEL], "10.0.17763");
        assert_eq!(h.labels["kubernetes.io/os"], "windows");
        let skipped: Vec<&str> = r.skipped.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            skipped,
            ["aks-system-12345678-vmss000000", "win-no-version"]
        );
        assert!(r.skipped[0].reason.contains("linux"));
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("legacy-win2016") && n.contains("no revision"))
        );
        // The written fleet file reads back.
        let text = r.to_toml();
        assert!(
            text.contains("# skipped aks-system-12345678-vmss000000: not a Windows node (linux)"),
            "{text}"
        );
        let back = parse_fleet(&text, "imported.toml").unwrap();
        assert_eq!(back.hosts.len(), 5);
        assert_eq!(back.hosts[1].labels, r.fleet.hosts[1].labels);
    }

    #[test]
    fn kubectl_single_node_and_errors() {
        let one = r#"{"kind":"Node","metadata":{"name":"n1","labels":{"kubernetes.io/os":"windows"}},
                      "status":{"nodeInfo":{"operatingSystem":"windows","kernelVersion":"10.0.22631.5335",
                      "osImage":"Windows 10 Enterprise","containerRuntimeVersion":"containerd://1.7.27"}}}"#;
        let r = from_kubectl(one).unwrap();
        assert_eq!(
            r.fleet.hosts[0].os_version,
            OsVersion::new(22631, Some(5335))
        );
        assert!(matches!(from_kubectl("{"), Err(ImportError::Json(_))));
        assert!(matches!(from_kubectl("[]"), Err(ImportError::Shape(_))));
        let disagree = r#"{"items":[{"metadata":{"name":"d","labels":{"node.kubernetes.io/windows-build":"10.0.17763"}},
            "status":{"nodeInfo":{"operatingSystem":"windows","kernelVersion":"10.0.20348.1"}}}]}"#;
        let r = from_kubectl(disagree).unwrap();
        assert_eq!(r.fleet.hosts[0].os_version.build, 20348);
        assert!(r.notes[0].contains("disagree"));
        let empty = from_kubectl(r#"{"apiVersion":"v1","items":[],"kind":"List"}"#).unwrap();
        assert!(empty.fleet.hosts.is_empty());
    }

    #[test]
    fn swarm_nodes() {
        let r = from_swarm(SWARM).unwrap();
        let got: Vec<(&str, String)> = r
            .fleet
            .hosts
            .iter()
            .map(|h| (h.name.as_str(), h.os_version.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("WIN-SWARM-01", "10.0.17763.5329".to_string()),
                ("WIN-SWARM-02", "10.0.20348".to_string()),
                ("win-legacy", "10.0.14393.1715".to_string()),
            ]
        );
        assert!(
            r.fleet
                .hosts
                .iter()
                .all(|h| h.runtime == Some(Runtime::Docker))
        );
        let h = &r.fleet.hosts[0];
        assert_eq!(h.labels["OsVersion"], "10.0.17763.5329");
        assert_eq!(h.labels["engine.labels.datacenter"], "west");
        assert_eq!(h.isolation, [Isolation::Process]);
        let skipped: Vec<(&str, bool)> = r
            .skipped
            .iter()
            .map(|s| (s.name.as_str(), s.reason.contains("OsVersion label")))
            .collect();
        assert_eq!(
            skipped,
            [("swarm-manager-1", false), ("WIN-SWARM-03", true)]
        );
        let back = parse_fleet(&r.to_toml(), "imported.toml").unwrap();
        assert_eq!(back.hosts.len(), 3);
        assert!(matches!(from_swarm("{}"), Err(ImportError::Shape(_))));
        assert!(matches!(from_swarm("nope"), Err(ImportError::Json(_))));
    }

    #[test]
    fn version_helpers() {
        let cases = [
            ("10.0.17763.5329", Some(OsVersion::new(17763, Some(5329)))),
            ("14393.1715", Some(OsVersion::new(14393, Some(1715)))),
            ("17763", Some(OsVersion::new(17763, None))),
            ("2019", None),
            ("windows", None),
        ];
        for (text, want) in cases {
            assert_eq!(swarm_version(text), want, "{text}");
        }
        assert_eq!(
            version_in_text("Microsoft Windows [Version 10.0.14393]"),
            Some(OsVersion::new(14393, None))
        );
        assert_eq!(version_in_text("Windows Server 2019 Datacenter"), None);
        for (k, want) in [
            ("OsVersion", true),
            ("os.version", true),
            ("windows-build", true),
            ("OS", false),
            ("datacenter", false),
        ] {
            assert_eq!(is_version_key(k), want, "{k}");
        }
    }
}
