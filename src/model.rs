//! The data that flows through the pipeline: files, image references, findings.
//! Every stage reads and writes these types; nothing here does I/O.

use serde::Serialize;
use std::collections::BTreeMap;

/// What kind of file a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Dockerfile,
    Compose,
    Kubernetes,
}

/// A file that was looked at, and why it could not be read if it could not.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceFile {
    pub path: String,
    pub kind: FileKind,
    pub error: Option<String>,
}

/// Where in the source a reference or finding sits (1-based).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// How a reference is used in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum RefContext {
    From,
    CopyFrom,
    RunMount,
    Syntax,
    Compose,
    Kubernetes,
}

/// Where an image's `os_version` came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum VersionSource {
    Tag,
    Kb,
    Registry,
    Cache,
    Digest,
}

/// A Kubernetes required node-affinity expression (`matchExpressions` entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct AffinityExpr {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
}

/// A Kubernetes toleration, kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Toleration {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
}

/// Where the workload that uses a reference may be scheduled, as the file says.
/// Empty for Dockerfiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Placement {
    /// Kubernetes `nodeSelector`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// Kubernetes required node affinity on `kubernetes.io/os` / `node.kubernetes.io/windows-build`
    /// (and any other key), one inner vec per `nodeSelectorTerm` (terms are ORed, expressions ANDed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub node_affinity: Vec<Vec<AffinityExpr>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_class: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    /// Swarm `deploy.placement.constraints`, as written (`node.labels.os == windows`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    /// Compose `isolation` (`process`, `hyperv`, `default`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isolation: Option<String>,
    /// Compose `platform` (`windows/amd64`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// True for a Kubernetes HostProcess container (`securityContext.windowsOptions.hostProcess`):
    /// it runs on the host, not in a server silo, so the base image need not match the host.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub host_process: bool,
    /// True for a compose service with a `deploy` section (a Swarm service).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub swarm: bool,
    /// The Kubernetes workload kind / compose service that holds the reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
}

impl Placement {
    pub fn is_empty(&self) -> bool {
        *self == Placement::default()
    }
}

/// One image reference found in a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reference {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The text as written, before expansion.
    pub raw: String,
    /// The normalised reference after expansion (`registry/repo:tag[@digest]`), or `None`
    /// when it could not be expanded or parsed.
    pub image: Option<String>,
    pub context: RefContext,
    /// The Dockerfile stage name (`FROM … AS build`), if any.
    pub stage: Option<String>,
    /// True for the last stage of a Dockerfile (what gets run), and for compose / Kubernetes images.
    #[serde(skip)]
    pub is_final_stage: bool,
    pub os_version: Option<String>,
    pub source: Option<VersionSource>,
    #[serde(skip_serializing_if = "Placement::is_empty")]
    pub placement: Placement,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "note" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// A problem found in a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub image: Option<String>,
    pub host: Option<String>,
    pub message: String,
    pub help: String,
}

/// What one front end produced for one file.
#[derive(Debug, Default, Clone)]
pub struct Extraction {
    pub references: Vec<Reference>,
    /// Findings raised while extracting (WF000 parse errors, WF010 unexpandable references).
    pub findings: Vec<Finding>,
    /// Further Dockerfiles to lint (compose `build:` sections), as paths relative to the
    /// directory of the file being extracted, with the line of the `build` key.
    pub dockerfiles: Vec<(std::path::PathBuf, usize)>,
    /// Suppressions declared in the file (`# winfit ignore=` / `# winfit global ignore=`).
    pub suppressions: Suppressions,
}

/// Inline suppressions of one file.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Suppressions {
    /// Rules suppressed for the whole file.
    pub global: Vec<String>,
    /// Rules suppressed on a given (1-based) line: the line after the comment.
    pub by_line: BTreeMap<usize, Vec<String>>,
}
