//! The fleet: the hosts images are judged against, from a TOML fleet file or `[[host]]` tables
//! inline in a config. Parsing validates everything and reports every problem, not only the first.

pub mod import;

use crate::judge::engine::{Judgement, Verdict};
use crate::judge::select::Runtime;
use crate::judge::version::OsVersion;
use crate::resolve::knowledge::{self, ReleaseKind};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// An isolation mode a host can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Isolation {
    Process,
    HyperV,
}

impl Isolation {
    pub fn as_str(self) -> &'static str {
        match self {
            Isolation::Process => "process",
            Isolation::HyperV => "hyperv",
        }
    }

    pub fn parse(s: &str) -> Option<Isolation> {
        match s {
            "process" => Some(Isolation::Process),
            "hyperv" => Some(Isolation::HyperV),
            _ => None,
        }
    }
}

/// What a host is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs workloads (the default).
    #[default]
    Run,
    /// Builds images: checked against every Dockerfile stage.
    Build,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Run => "run",
            Role::Build => "build",
        }
    }
}

pub fn runtime_name(r: Runtime) -> &'static str {
    match r {
        Runtime::Containerd => "containerd",
        Runtime::Docker => "docker",
    }
}

/// One host (or group of identical hosts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    pub os_version: OsVersion,
    /// The modes the host can run, as declared or defaulted by kind.
    pub isolation: Vec<Isolation>,
    /// True when `isolation` was written in the file (not defaulted).
    pub isolation_declared: bool,
    pub runtime: Option<Runtime>,
    pub count: Option<u64>,
    pub role: Role,
    pub labels: BTreeMap<String, String>,
    /// The 1-based line of the host's `[[host]]` header, when known.
    pub line: Option<usize>,
}

impl Host {
    /// Server or client, from the release table; `None` for builds winfit does not know.
    pub fn kind(&self) -> Option<ReleaseKind> {
        knowledge::kind_of_build(self.os_version.build)
    }

    pub fn supports(&self, mode: Isolation) -> bool {
        self.isolation.contains(&mode)
    }

    /// The isolation mode this host would run an image in, given the engine's judgement of the
    /// pair: process when the pair allows it and the host offers it, else Hyper-V when the pair
    /// allows that (process-compatible pairs also run under Hyper-V) and the host offers it.
    /// `None`: this host cannot run the image (or its version is unknown).
    pub fn mode_for(&self, j: &Judgement) -> Option<Isolation> {
        match j.verdict {
            Verdict::Process if self.supports(Isolation::Process) => Some(Isolation::Process),
            Verdict::Process | Verdict::HyperV if self.supports(Isolation::HyperV) => {
                Some(Isolation::HyperV)
            }
            _ => None,
        }
    }
}

/// The isolation modes a host of this build has unless the fleet says otherwise: server builds
/// `["process"]`, client builds `["hyperv", "process"]` (Docker on client defaults to Hyper-V).
/// Builds missing from the release table count as servers.
pub fn default_isolation(v: OsVersion) -> Vec<Isolation> {
    match knowledge::kind_of_build(v.build) {
        Some(ReleaseKind::Client) => vec![Isolation::HyperV, Isolation::Process],
        _ => vec![Isolation::Process],
    }
}

/// A validated fleet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fleet {
    /// Where it came from (a path, `config`, `kubectl`).
    pub source: String,
    pub hosts: Vec<Host>,
}

impl Fleet {
    /// The hosts of a role.
    pub fn hosts_with_role(&self, role: Role) -> impl Iterator<Item = &Host> {
        self.hosts.iter().filter(move |h| h.role == role)
    }

    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }
}

/// One thing wrong with a fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The host's name, when it has one.
    pub host: Option<String>,
    /// The host's position (1-based) among the `[[host]]` tables, when the problem is in a host.
    pub index: Option<usize>,
    /// 1-based line, when known.
    pub line: Option<usize>,
    pub message: String,
}

/// Every problem of a fleet that failed to validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetError {
    pub source: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for FleetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "invalid fleet {}: {n} problem{}",
            self.source,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  {}", self.source)?;
            if let Some(l) = p.line {
                write!(f, ":{l}")?;
            }
            write!(f, ": ")?;
            match (&p.host, p.index) {
                (Some(h), _) => write!(f, "host {h:?}: ")?,
                (None, Some(i)) => write!(f, "host #{i}: ")?,
                _ => {}
            }
            write!(f, "{}", p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for FleetError {}

const HOST_KEYS: &[&str] = &[
    "name",
    "os_version",
    "isolation",
    "runtime",
    "count",
    "role",
    "labels",
];

/// Parse and validate a fleet file. `source` names it in errors (usually its path).
pub fn parse_fleet(text: &str, source: &str) -> Result<Fleet, FleetError> {
    let table: toml::Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start));
            return Err(FleetError {
                source: source.to_string(),
                problems: vec![Problem {
                    host: None,
                    index: None,
                    line,
                    message: format!("not valid TOML: {}", e.message()),
                }],
            });
        }
    };
    let mut problems = Vec::new();
    for key in table.keys().filter(|k| k.as_str() != "host") {
        problems.push(Problem {
            host: None,
            index: None,
            line: None,
            message: format!(
                "unknown top-level key {key:?}: a fleet file holds only [[host]] tables"
            ),
        });
    }
    let lines = host_header_lines(text);
    match validate(&table, source, &lines) {
        Ok(fleet) if problems.is_empty() => Ok(fleet),
        Ok(_) => Err(FleetError {
            source: source.to_string(),
            problems,
        }),
        Err(mut e) => {
            problems.append(&mut e.problems);
            e.problems = problems;
            Err(e)
        }
    }
}

/// Validate a fleet given as a TOML table holding `host = [ {...}, ... ]` (a fleet file, or a
/// config with inline `[[host]]` tables; other keys are ignored). No line numbers are known.
pub fn from_table(table: &toml::Table, source: &str) -> Result<Fleet, FleetError> {
    validate(table, source, &[])
}

/// Validate a fleet given as a `toml::Value` (a table, or the array of host tables itself).
pub fn from_value(value: &toml::Value, source: &str) -> Result<Fleet, FleetError> {
    match value {
        toml::Value::Table(t) => from_table(t, source),
        toml::Value::Array(_) => {
            let mut t = toml::Table::new();
            t.insert("host".to_string(), value.clone());
            from_table(&t, source)
        }
        other => Err(FleetError {
            source: source.to_string(),
            problems: vec![Problem {
                host: None,
                index: None,
                line: None,
                message: format!("expected [[host]] tables, found a {}", other.type_str()),
            }],
        }),
    }
}

fn validate(
    table: &toml::Table,
    source: &str,
    header_lines: &[usize],
) -> Result<Fleet, FleetError> {
    let mut problems = Vec::new();
    let mut hosts = Vec::new();
    let top = |message: String| Problem {
        host: None,
        index: None,
        line: None,
        message,
    };
    match table.get("host") {
        None => problems.push(top("no hosts: add at least one [[host]] table".to_string())),
        Some(toml::Value::Array(items)) if items.is_empty() => {
            problems.push(top("no hosts: add at least one [[host]] table".to_string()))
        }
        Some(toml::Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let line = header_lines.get(i).copied();
                if let Some(h) = validate_host(item, i + 1, line, &mut problems) {
                    hosts.push(h);
                }
            }
        }
        Some(other) => problems.push(top(format!(
            "`host` must be an array of tables ([[host]]), found a {}",
            other.type_str()
        ))),
    }
    // Unique names.
    let mut seen: BTreeMap<&str, &Host> = BTreeMap::new();
    for h in &hosts {
        if let Some(first) = seen.get(h.name.as_str()) {
            let at = first
                .line
                .map(|l| format!(" (first defined on line {l})"))
                .unwrap_or_default();
            problems.push(Problem {
                host: Some(h.name.clone()),
                index: None,
                line: h.line,
                message: format!("duplicate host name{at}: names must be unique"),
            });
        } else {
            seen.insert(&h.name, h);
        }
    }
    if problems.is_empty() {
        Ok(Fleet {
            source: source.to_string(),
            hosts,
        })
    } else {
        problems.sort_by_key(|p| (p.line.is_some(), p.line));
        Err(FleetError {
            source: source.to_string(),
            problems,
        })
    }
}

fn validate_host(
    item: &toml::Value,
    index: usize,
    line: Option<usize>,
    problems: &mut Vec<Problem>,
) -> Option<Host> {
    let before = problems.len();
    let Some(t) = item.as_table() else {
        problems.push(Problem {
            host: None,
            index: Some(index),
            line,
            message: format!("expected a table, found a {}", item.type_str()),
        });
        return None;
    };
    let name = match t.get("name") {
        Some(toml::Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(toml::Value::String(_)) => None,
        Some(_) | None => None,
    };
    let mut push = |message: String| {
        problems.push(Problem {
            host: name.clone(),
            index: Some(index),
            line,
            message,
        });
    };
    match t.get("name") {
        None => push("missing `name`".to_string()),
        Some(toml::Value::String(s)) if s.trim().is_empty() => push("`name` is empty".to_string()),
        Some(toml::Value::String(_)) => {}
        Some(v) => push(format!("`name` must be a string, found a {}", v.type_str())),
    }
    for key in t.keys().filter(|k| !HOST_KEYS.contains(&k.as_str())) {
        push(format!(
            "unknown key {key:?} (expected one of: {})",
            HOST_KEYS.join(", ")
        ));
    }
    let os_version = match t.get("os_version") {
        None => {
            push("missing `os_version` (e.g. \"10.0.17763.5329\")".to_string());
            None
        }
        Some(toml::Value::String(s)) => match OsVersion::parse(s) {
            Ok(v) => Some(v),
            Err(e) => {
                push(format!("bad `os_version`: {e}"));
                None
            }
        },
        Some(v) => {
            push(format!(
                "`os_version` must be a string such as \"10.0.17763.5329\", found a {}",
                v.type_str()
            ));
            None
        }
    };
    let isolation = match t.get("isolation") {
        None => None,
        Some(toml::Value::Array(a)) if a.is_empty() => {
            push("`isolation` is empty: list at least one of \"process\", \"hyperv\"".to_string());
            None
        }
        Some(toml::Value::Array(a)) => {
            let mut modes = Vec::new();
            for v in a {
                match v.as_str().map(|s| (s, Isolation::parse(s))) {
                    Some((_, Some(m))) => {
                        if !modes.contains(&m) {
                            modes.push(m)
                        }
                    }
                    Some((s, None)) => push(format!(
                        "unknown isolation mode {s:?}: use \"process\" or \"hyperv\""
                    )),
                    None => push(format!(
                        "`isolation` entries must be strings, found a {}",
                        v.type_str()
                    )),
                }
            }
            Some(modes)
        }
        Some(v) => {
            push(format!(
                "`isolation` must be an array such as [\"process\"], found a {}",
                v.type_str()
            ));
            None
        }
    };
    let runtime = match t.get("runtime") {
        None => None,
        Some(toml::Value::String(s)) => match s.as_str() {
            "containerd" => Some(Runtime::Containerd),
            "docker" => Some(Runtime::Docker),
            _ => {
                push(format!(
                    "unknown runtime {s:?}: use \"containerd\" or \"docker\""
                ));
                None
            }
        },
        Some(v) => {
            push(format!(
                "`runtime` must be a string, found a {}",
                v.type_str()
            ));
            None
        }
    };
    let count = match t.get("count") {
        None => None,
        Some(toml::Value::Integer(n)) if *n >= 1 => Some(*n as u64),
        Some(toml::Value::Integer(n)) => {
            push(format!("`count` must be at least 1, found {n}"));
            None
        }
        Some(v) => {
            push(format!(
                "`count` must be an integer, found a {}",
                v.type_str()
            ));
            None
        }
    };
    let role = match t.get("role") {
        None => Role::Run,
        Some(toml::Value::String(s)) if s == "run" => Role::Run,
        Some(toml::Value::String(s)) if s == "build" => Role::Build,
        Some(toml::Value::String(s)) => {
            push(format!("unknown role {s:?}: use \"run\" or \"build\""));
            Role::Run
        }
        Some(v) => {
            push(format!("`role` must be a string, found a {}", v.type_str()));
            Role::Run
        }
    };
    let mut labels = BTreeMap::new();
    match t.get("labels") {
        None => {}
        Some(toml::Value::Table(lt)) => {
            for (k, v) in lt {
                match v {
                    toml::Value::String(s) => {
                        labels.insert(k.clone(), s.clone());
                    }
                    other => push(format!(
                        "label {k:?} must be a string (quote it: {k:?} = \"{}\"), found a {}",
                        other.to_string().trim_matches('"'),
                        other.type_str()
                    )),
                }
            }
        }
        Some(v) => push(format!(
            "`labels` must be a table of strings, found a {}",
            v.type_str()
        )),
    }
    if problems.len() > before {
        return None;
    }
    let os_version = os_version?;
    let isolation_declared = isolation.is_some();
    Some(Host {
        name: name?,
        isolation: isolation.unwrap_or_else(|| default_isolation(os_version)),
        isolation_declared,
        os_version,
        runtime,
        count,
        role,
        labels,
        line,
    })
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// The lines of `[[host]]` headers, in order.
fn host_header_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim_start();
            t.strip_prefix("[[")
                .and_then(|r| r.split("]]").next())
                .is_some_and(|k| k.trim() == "host" || k.trim() == "\"host\"")
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// Write a fleet as a fleet file that [`parse_fleet`] reads back to the same hosts. Isolation is
/// written only when declared; `comment` lines (if any) go first.
pub fn to_toml(fleet: &Fleet) -> String {
    to_toml_with_comments(fleet, &[])
}

/// [`to_toml`] with leading `# ` comment lines.
pub fn to_toml_with_comments(fleet: &Fleet, comments: &[String]) -> String {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = String::new();
    for c in comments {
        for line in c.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
    for (i, h) in fleet.hosts.iter().enumerate() {
        if i > 0 || !comments.is_empty() {
            out.push('\n');
        }
        out.push_str("[[host]]\n");
        out.push_str(&format!("name = {}\n", q(&h.name)));
        out.push_str(&format!("os_version = {}\n", q(&h.os_version.to_string())));
        if h.isolation_declared {
            let modes: Vec<String> = h.isolation.iter().map(|m| q(m.as_str())).collect();
            out.push_str(&format!("isolation = [{}]\n", modes.join(", ")));
        }
        if let Some(r) = h.runtime {
            out.push_str(&format!("runtime = {}\n", q(runtime_name(r))));
        }
        if let Some(c) = h.count {
            out.push_str(&format!("count = {c}\n"));
        }
        if h.role != Role::Run {
            out.push_str(&format!("role = {}\n", q(h.role.as_str())));
        }
        if !h.labels.is_empty() {
            let pairs: Vec<String> = h
                .labels
                .iter()
                .map(|(k, v)| format!("{} = {}", q(k), q(v)))
                .collect();
            out.push_str(&format!("labels = {{ {} }}\n", pairs.join(", ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[host]]
name = "web-ws2019"
os_version = "10.0.17763.5329"
isolation = ["process"]
runtime = "containerd"
count = 12
role = "run"
labels = { "node.kubernetes.io/windows-build" = "10.0.17763" }

[[host]]
name = "dev-laptop"
os_version = "10.0.22631"

[[host]]
name = "builder"
os_version = "10.0.20348.2655"
role = "build"
runtime = "docker"
"#;

    #[test]
    fn parses_the_design_example() {
        let f = parse_fleet(GOOD, "fleet.toml").unwrap();
        assert_eq!(f.hosts.len(), 3);
        let web = &f.hosts[0];
        assert_eq!(web.name, "web-ws2019");
        assert_eq!(web.os_version, OsVersion::new(17763, Some(5329)));
        assert_eq!(web.isolation, [Isolation::Process]);
        assert!(web.isolation_declared);
        assert_eq!(web.runtime, Some(Runtime::Containerd));
        assert_eq!(web.count, Some(12));
        assert_eq!(web.role, Role::Run);
        assert_eq!(web.labels["node.kubernetes.io/windows-build"], "10.0.17763");
        assert_eq!(web.line, Some(2));
        assert_eq!(web.kind(), Some(ReleaseKind::Server));
        let dev = &f.hosts[1];
        assert_eq!(dev.isolation, [Isolation::HyperV, Isolation::Process]);
        assert!(!dev.isolation_declared);
        assert_eq!(dev.kind(), Some(ReleaseKind::Client));
        assert_eq!(dev.line, Some(11));
        assert_eq!(f.hosts[2].role, Role::Build);
        assert_eq!(f.hosts_with_role(Role::Run).count(), 2);
        assert!(f.host("builder").is_some());
    }

    #[test]
    fn mode_for_a_judgement() {
        use crate::judge::engine::judge;
        let f = parse_fleet(
            "[[host]]\nname = \"srv\"\nos_version = \"10.0.20348.1\"\n\n[[host]]\nname = \"srv-hv\"\nos_version = \"10.0.20348.1\"\nisolation = [\"process\", \"hyperv\"]\n\n[[host]]\nname = \"laptop\"\nos_version = \"10.0.22631.1\"\n\n[[host]]\nname = \"hv-only\"\nos_version = \"10.0.20348.1\"\nisolation = [\"hyperv\"]\n",
            "f",
        )
        .unwrap();
        let img = |s: &str| Some(OsVersion::parse(s).unwrap());
        let cases = [
            ("10.0.20348.5", ["process", "process", "process", "hyperv"]),
            ("10.0.17763.5", ["-", "hyperv", "hyperv", "hyperv"]),
            ("10.0.26100.5", ["-", "-", "-", "-"]),
        ];
        for (image, want) in cases {
            for (h, w) in f.hosts.iter().zip(want) {
                let got = h
                    .mode_for(&judge(img(image), h.os_version))
                    .map_or("-", Isolation::as_str);
                assert_eq!(got, w, "{image} on {}", h.name);
            }
        }
        let unknown = Judgement::unknown(f.hosts[0].os_version);
        assert_eq!(f.hosts[1].mode_for(&unknown), None);
        assert_eq!(
            serde_json::to_string(&Isolation::HyperV).unwrap(),
            "\"hyperv\""
        );
    }

    #[test]
    fn fixture_files() {
        let f = parse_fleet(
            include_str!("../../tests/fixtures/fleet/mixed.toml"),
            "mixed.toml",
        )
        .unwrap();
        let names: Vec<&str> = f.hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "legacy-ws2016",
                "aks-ws2019",
                "aks-ws2022",
                "ws2025-hv",
                "dev-win11",
                "ci-builder"
            ]
        );
        assert_eq!(
            f.host("dev-win11").unwrap().isolation,
            [Isolation::HyperV, Isolation::Process]
        );
        assert_eq!(f.hosts_with_role(Role::Build).count(), 1);
        let e = parse_fleet(
            include_str!("../../tests/fixtures/fleet/invalid.toml"),
            "invalid.toml",
        )
        .unwrap_err();
        let got: Vec<(Option<usize>, Option<&str>)> = e
            .problems
            .iter()
            .map(|p| (p.line, p.host.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (Some(7), Some("web")),
                (Some(11), Some("old")),
                (Some(11), Some("old")),
                (Some(16), None),
                (Some(16), None),
                (Some(16), None),
            ],
            "{e}"
        );
    }

    #[test]
    fn default_isolation_by_kind() {
        let cases = [
            ("10.0.14393.1770", vec![Isolation::Process]),
            ("10.0.17763", vec![Isolation::Process]),
            ("10.0.20348", vec![Isolation::Process]),
            ("10.0.26100", vec![Isolation::Process]), // WS2025 and Win11 24H2 share it: server wins
            ("10.0.19045.1", vec![Isolation::HyperV, Isolation::Process]),
            ("10.0.22000", vec![Isolation::HyperV, Isolation::Process]),
            ("10.0.26200", vec![Isolation::HyperV, Isolation::Process]),
            ("10.0.99999", vec![Isolation::Process]),
        ];
        for (v, want) in cases {
            assert_eq!(default_isolation(OsVersion::parse(v).unwrap()), want, "{v}");
        }
    }

    /// Each case: fleet text and the (line, host, message fragment) of every expected problem.
    #[test]
    fn validation_errors_are_all_collected() {
        type Want<'a> = &'a [(Option<usize>, Option<&'a str>, &'a str)];
        let cases: &[(&str, Want)] = &[
            (
                "[[host]]\nname = \"a\"\nos_version = \"10.0.17763\"\n\n[[host]]\nname = \"a\"\nos_version = \"10.0.20348\"\n",
                &[(
                    Some(5),
                    Some("a"),
                    "duplicate host name (first defined on line 1)",
                )],
            ),
            (
                "[[host]]\nname = \"a\"\nos_version = \"10.0\"\n[[host]]\nname = \"b\"\nos_version = \"ws2019\"\n[[host]]\nname = \"c\"\nos_version = 17763\n",
                &[
                    (Some(1), Some("a"), "bad `os_version`"),
                    (Some(4), Some("b"), "bad `os_version`"),
                    (Some(7), Some("c"), "must be a string"),
                ],
            ),
            (
                "[[host]]\nname = \"a\"\nos_version = \"10.0.17763\"\nisolation = [\"process\", \"hyper-v\", \"vm\"]\n",
                &[
                    (Some(1), Some("a"), "unknown isolation mode \"hyper-v\""),
                    (Some(1), Some("a"), "unknown isolation mode \"vm\""),
                ],
            ),
            (
                "[[host]]\nname = \"a\"\nos_version = \"10.0.17763\"\nisolation = []\nruntime = \"cri-o\"\ncount = 0\nrole = \"test\"\nos-version = \"x\"\nlabels = { os = 1 }\n",
                &[
                    (Some(1), Some("a"), "`isolation` is empty"),
                    (Some(1), Some("a"), "unknown runtime \"cri-o\""),
                    (Some(1), Some("a"), "`count` must be at least 1"),
                    (Some(1), Some("a"), "unknown role \"test\""),
                    (Some(1), Some("a"), "unknown key \"os-version\""),
                    (Some(1), Some("a"), "label \"os\" must be a string"),
                ],
            ),
            (
                "[[host]]\nos_version = \"10.0.17763\"\n[[host]]\nname = \"b\"\n",
                &[
                    (Some(1), None, "missing `name`"),
                    (Some(3), Some("b"), "missing `os_version`"),
                ],
            ),
            ("", &[(None, None, "no hosts")]),
            (
                "hosts = []\n",
                &[
                    (None, None, "unknown top-level key \"hosts\""),
                    (None, None, "no hosts"),
                ],
            ),
            ("host = 3\n", &[(None, None, "must be an array of tables")]),
            (
                "[[host]]\nname = \"a\"\nos_version = \"10.0.17763\"\nlabels = {\n",
                &[(Some(4), None, "not valid TOML")],
            ),
        ];
        for (text, want) in cases {
            let err = parse_fleet(text, "f.toml").expect_err(text);
            assert_eq!(err.problems.len(), want.len(), "{text}\n{err}");
            for (line, host, frag) in *want {
                assert!(
                    err.problems.iter().any(|p| p.line == *line
                        && p.host.as_deref() == *host
                        && p.message.contains(frag)),
                    "missing {line:?} {host:?} {frag:?} in\n{err}"
                );
            }
        }
    }

    #[test]
    fn error_display_names_source_line_and_host() {
        let err = parse_fleet(
            "[[host]]\nname = \"a\"\nos_version = \"10.0\"\n",
            "fleet.toml",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(
                "invalid fleet fleet.toml: 1 problem\n  fleet.toml:1: host \"a\": bad `os_version`"
            ),
            "{text}"
        );
    }

    #[test]
    fn inline_in_a_config() {
        let config: toml::Table = toml::from_str(
            "fleet-unused = 1\nfail-on = \"warning\"\n[[host]]\nname = \"x\"\nos_version = \"10.0.26100.4061\"\n",
        )
        .unwrap();
        let f = from_table(&config, ".winfit.toml").unwrap();
        assert_eq!(f.hosts[0].name, "x");
        assert_eq!(f.hosts[0].line, None);
        let hosts = config.get("host").unwrap();
        assert_eq!(from_value(hosts, "config").unwrap().hosts.len(), 1);
        let bad: toml::Table = toml::from_str("[[host]]\nname = \"x\"\n").unwrap();
        let e = from_table(&bad, "config").unwrap_err();
        assert_eq!(e.problems[0].host.as_deref(), Some("x"));
        assert!(from_value(&toml::Value::Integer(1), "config").is_err());
    }

    #[test]
    fn writes_a_fleet_that_reads_back() {
        let f = parse_fleet(GOOD, "fleet.toml").unwrap();
        let text = to_toml_with_comments(&f, &["generated".to_string()]);
        assert!(text.starts_with("# generated\n\n[[host]]\n"), "{text}");
        let back = parse_fleet(&text, "out.toml").unwrap();
        let strip = |f: &Fleet| {
            f.hosts
                .iter()
                .map(|h| Host {
                    line: None,
                    ..h.clone()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&back), strip(&f));
        assert!(
            !to_toml(&f).contains("hyperv"),
            "defaulted isolation is not written"
        );
        // Quoting of awkward names and labels.
        let odd = Fleet {
            source: "x".into(),
            hosts: vec![Host {
                name: "a \"quoted\" \\ name".into(),
                os_version: OsVersion::new(17763, Some(1)),
                isolation: vec![Isolation::HyperV],
                isolation_declared: true,
                runtime: None,
                count: None,
                role: Role::Build,
                labels: BTreeMap::from([("k=\"v\"".to_string(), "é\n".to_string())]),
                line: None,
            }],
        };
        let back = parse_fleet(&to_toml(&odd), "odd").unwrap();
        assert_eq!(
            back.hosts[0],
            Host {
                line: Some(1),
                ..odd.hosts[0].clone()
            }
        );
    }
}
