//! Placement: which hosts of the fleet a reference can land on. Pure.
//!
//! A Dockerfile says nothing about where its image runs, only where it is built: every stage is
//! judged against the build hosts (`role = "build"`). Compose, Swarm and Kubernetes images are
//! judged against the run hosts, narrowed by the file's node selector, required node affinity or
//! Swarm constraints when the hosts carry labels. When no host of the fleet carries labels,
//! nothing can be narrowed and every run host is a target.

use crate::fleet::{Fleet, Host, Role};
use crate::model::{AffinityExpr, Placement, RefContext, Reference};

/// Kubernetes' label for the node's Windows build (`10.0.17763`).
pub const WINDOWS_BUILD_LABEL: &str = "node.kubernetes.io/windows-build";
/// Kubernetes' label for the node's OS.
pub const OS_LABEL: &str = "kubernetes.io/os";

/// The hosts a reference is judged against.
pub fn targets<'a>(r: &Reference, fleet: &'a Fleet) -> Vec<&'a Host> {
    match r.context {
        RefContext::From => fleet.hosts_with_role(Role::Build).collect(),
        RefContext::Compose | RefContext::Kubernetes => {
            let p = evaluable(&r.placement, fleet);
            fleet
                .hosts_with_role(Role::Run)
                .filter(|h| can_land(&p, h))
                .collect()
        }
        RefContext::CopyFrom | RefContext::RunMount | RefContext::Syntax => Vec::new(),
    }
}

/// The part of a placement the fleet can answer: selector keys, affinity expressions and
/// constraints on labels that no host of the fleet carries are dropped (the fleet does not say,
/// so they cannot rule a host out).
pub fn evaluable(p: &Placement, fleet: &Fleet) -> Placement {
    let known = |key: &str| fleet.hosts.iter().any(|h| label(h, key).is_some());
    let mut out = p.clone();
    out.node_selector.retain(|k, _| known(k));
    for term in &mut out.node_affinity {
        term.retain(|e| known(&e.key));
    }
    out.node_affinity.retain(|t| !t.is_empty());
    out.constraints.retain(|c| match parse_constraint(c) {
        Some(c) => match c.attribute.strip_prefix("node.labels.") {
            Some(k) => known(k),
            None => match c.attribute.strip_prefix("engine.labels.") {
                Some(k) => known(k) || known(&format!("engine.labels.{k}")),
                None => true,
            },
        },
        None => true,
    });
    out
}

/// A host's label, reading the deprecated `beta.kubernetes.io/os` as `kubernetes.io/os`.
fn label<'a>(host: &'a Host, key: &str) -> Option<&'a String> {
    host.labels.get(key).or_else(|| match key {
        "beta.kubernetes.io/os" => host.labels.get(OS_LABEL),
        "beta.kubernetes.io/arch" => host.labels.get("kubernetes.io/arch"),
        _ => None,
    })
}

/// Whether the placement sends the workload to Linux nodes (a Linux service in a mixed stack):
/// such references are not Windows images and are not judged.
pub fn targets_linux(p: &Placement) -> bool {
    let os_linux =
        |k: &str, v: &str| (k == OS_LABEL || k == "beta.kubernetes.io/os") && v == "linux";
    p.node_selector.iter().any(|(k, v)| os_linux(k, v))
        || p.node_affinity.iter().any(|term| {
            term.iter().any(|e| {
                e.operator == "In"
                    && !e.values.is_empty()
                    && e.values.iter().all(|v| os_linux(&e.key, v))
            })
        })
        || p.constraints
            .iter()
            .filter_map(|c| parse_constraint(c))
            .any(|c| {
                c.attribute == "node.platform.os"
                    && ((c.equal && c.value.eq_ignore_ascii_case("linux"))
                        || (!c.equal && c.value.eq_ignore_ascii_case("windows")))
            })
        || p.platform
            .as_deref()
            .is_some_and(|pl| pl.to_ascii_lowercase().starts_with("linux"))
}

/// Whether the placement allows the host.
pub fn can_land(p: &Placement, host: &Host) -> bool {
    let selector_ok = p
        .node_selector
        .iter()
        .all(|(k, v)| label(host, k) == Some(v));
    let affinity_ok = p.node_affinity.is_empty()
        || p.node_affinity
            .iter()
            .any(|term| term.iter().all(|e| expr_matches(e, host)));
    let constraints_ok = p.constraints.iter().all(|c| constraint_matches(c, host));
    selector_ok && affinity_ok && constraints_ok
}

fn expr_matches(e: &AffinityExpr, host: &Host) -> bool {
    let value = label(host, &e.key);
    match e.operator.as_str() {
        "In" => value.is_some_and(|v| e.values.contains(v)),
        "NotIn" => value.is_none_or(|v| !e.values.contains(v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        // Gt / Lt and unknown operators: do not rule the host out on what we cannot evaluate.
        _ => true,
    }
}

/// A parsed Swarm constraint `<attribute> ==|!= <value>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint<'a> {
    pub attribute: &'a str,
    pub equal: bool,
    pub value: &'a str,
}

pub fn parse_constraint(c: &str) -> Option<Constraint<'_>> {
    let (attr, value, equal) = if let Some((a, v)) = c.split_once("==") {
        (a, v, true)
    } else if let Some((a, v)) = c.split_once("!=") {
        (a, v, false)
    } else {
        return None;
    };
    Some(Constraint {
        attribute: attr.trim(),
        equal,
        value: value.trim().trim_matches('"'),
    })
}

fn constraint_matches(c: &str, host: &Host) -> bool {
    let Some(c) = parse_constraint(c) else {
        return true;
    };
    let actual: Option<String> = if let Some(k) = c.attribute.strip_prefix("node.labels.") {
        host.labels.get(k).cloned()
    } else if let Some(k) = c.attribute.strip_prefix("engine.labels.") {
        host.labels
            .get(&format!("engine.labels.{k}"))
            .or_else(|| host.labels.get(k))
            .cloned()
    } else if c.attribute == "node.hostname" {
        Some(host.name.clone())
    } else if c.attribute == "node.platform.os" {
        // Every fleet host is a Windows host.
        Some("windows".to_string())
    } else {
        return true;
    };
    match actual {
        Some(a) => (a.eq_ignore_ascii_case(c.value)) == c.equal,
        // A label the host lacks: `==` cannot match, `!=` does.
        None => !c.equal,
    }
}

/// Windows builds the reference's own selector names: `node.kubernetes.io/windows-build` in a
/// nodeSelector or a required `In` affinity, or a Swarm constraint whose value is a Windows version.
/// Each with the text as written.
pub fn selected_builds(p: &Placement) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(v) = p.node_selector.get(WINDOWS_BUILD_LABEL) {
        out.push(v.clone());
    }
    for term in &p.node_affinity {
        for e in term {
            if e.key == WINDOWS_BUILD_LABEL && e.operator == "In" {
                out.extend(e.values.iter().cloned());
            }
        }
    }
    for c in &p.constraints {
        if let Some(c) = parse_constraint(c)
            && c.equal
            && (c.attribute.starts_with("node.labels.")
                || c.attribute.starts_with("engine.labels."))
            && crate::judge::version::OsVersion::parse(c.value).is_ok()
        {
            out.push(c.value.to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether a Kubernetes placement pins the pod to Windows nodes.
pub fn pins_windows(p: &Placement) -> bool {
    let os_key = |k: &str| k == OS_LABEL || k == "beta.kubernetes.io/os";
    p.node_selector
        .iter()
        .any(|(k, v)| os_key(k) && v == "windows")
        || p.node_affinity.iter().any(|term| {
            term.iter().any(|e| {
                os_key(&e.key) && e.operator == "In" && e.values.iter().any(|v| v == "windows")
            })
        })
}

/// Whether a placement pins the Windows build (Kubernetes label or a Swarm version constraint).
pub fn pins_build(p: &Placement) -> bool {
    !selected_builds(p).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::parse_fleet;

    const FLEET: &str = r#"
[[host]]
name = "k19"
os_version = "10.0.17763.5329"
labels = { "kubernetes.io/os" = "windows", "node.kubernetes.io/windows-build" = "10.0.17763" }
[[host]]
name = "k22"
os_version = "10.0.20348.2227"
labels = { "kubernetes.io/os" = "windows", "node.kubernetes.io/windows-build" = "10.0.20348" }
[[host]]
name = "swarm25"
os_version = "10.0.26100.1742"
labels = { "OsVersion" = "10.0.26100" }
[[host]]
name = "bare"
os_version = "10.0.20348.2227"
[[host]]
name = "builder"
os_version = "10.0.20348.2227"
role = "build"
"#;

    fn placement(sel: &[(&str, &str)], aff: &[(&str, &str, &[&str])], cons: &[&str]) -> Placement {
        Placement {
            node_selector: sel
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            node_affinity: if aff.is_empty() {
                vec![]
            } else {
                vec![
                    aff.iter()
                        .map(|(k, op, vs)| AffinityExpr {
                            key: k.to_string(),
                            operator: op.to_string(),
                            values: vs.iter().map(|s| s.to_string()).collect(),
                        })
                        .collect(),
                ]
            },
            constraints: cons.iter().map(|s| s.to_string()).collect(),
            ..Placement::default()
        }
    }

    #[test]
    fn narrows_by_selector_affinity_and_constraints() {
        let fleet = parse_fleet(FLEET, "fleet.toml").expect("fleet");
        let cases: Vec<(Placement, Vec<&str>)> = vec![
            (Placement::default(), vec!["k19", "k22", "swarm25", "bare"]),
            (
                placement(&[("kubernetes.io/os", "windows")], &[], &[]),
                vec!["k19", "k22"],
            ),
            (
                placement(&[(WINDOWS_BUILD_LABEL, "10.0.20348")], &[], &[]),
                vec!["k22"],
            ),
            (
                placement(&[], &[(WINDOWS_BUILD_LABEL, "In", &["10.0.17763"])], &[]),
                vec!["k19"],
            ),
            (
                placement(&[], &[(WINDOWS_BUILD_LABEL, "NotIn", &["10.0.17763"])], &[]),
                vec!["k22", "swarm25", "bare"],
            ),
            (
                placement(&[], &[], &["node.labels.OsVersion == 10.0.26100"]),
                vec!["swarm25"],
            ),
            (
                placement(&[], &[], &["node.platform.os == windows"]),
                vec!["k19", "k22", "swarm25", "bare"],
            ),
            (
                placement(&[], &[], &["node.hostname != k19"]),
                vec!["k22", "swarm25", "bare"],
            ),
        ];
        for (p, want) in cases {
            let got: Vec<&str> = fleet
                .hosts_with_role(Role::Run)
                .filter(|h| can_land(&p, h))
                .map(|h| h.name.as_str())
                .collect();
            assert_eq!(got, want, "{p:?}");
        }
    }

    #[test]
    fn unknown_label_keys_do_not_narrow_and_beta_os_is_read() {
        let fleet = parse_fleet(FLEET, "fleet.toml").expect("fleet");
        let narrowed = |p: &Placement| -> Vec<String> {
            let p = evaluable(p, &fleet);
            fleet
                .hosts_with_role(Role::Run)
                .filter(|h| can_land(&p, h))
                .map(|h| h.name.clone())
                .collect()
        };
        // `agentpool` is a label no fleet host carries: it cannot rule hosts out.
        assert_eq!(
            narrowed(&placement(&[("agentpool", "win25")], &[], &[])),
            vec!["k19", "k22", "swarm25", "bare"]
        );
        assert_eq!(
            narrowed(&placement(
                &[("beta.kubernetes.io/os", "windows")],
                &[],
                &[]
            )),
            vec!["k19", "k22"]
        );
        assert_eq!(
            narrowed(&placement(&[], &[], &["node.labels.zone == west"])),
            vec!["k19", "k22", "swarm25", "bare"]
        );
        assert!(pins_windows(&placement(
            &[("beta.kubernetes.io/os", "windows")],
            &[],
            &[]
        )));
    }

    #[test]
    fn linux_placements_are_recognised() {
        assert!(targets_linux(&placement(&[(OS_LABEL, "linux")], &[], &[])));
        assert!(targets_linux(&placement(
            &[],
            &[],
            &["node.platform.os == linux"]
        )));
        assert!(targets_linux(&placement(
            &[],
            &[],
            &["node.platform.os != windows"]
        )));
        assert!(targets_linux(&placement(
            &[],
            &[(OS_LABEL, "In", &["linux"])],
            &[]
        )));
        assert!(!targets_linux(&placement(
            &[(OS_LABEL, "windows")],
            &[],
            &["node.platform.os == windows"]
        )));
        assert!(!targets_linux(&Placement::default()));
    }

    #[test]
    fn reads_selected_builds_and_windows_pins() {
        let p = placement(
            &[(OS_LABEL, "windows"), (WINDOWS_BUILD_LABEL, "10.0.17763")],
            &[],
            &["node.labels.OsVersion==10.0.26100", "node.role == worker"],
        );
        assert_eq!(selected_builds(&p), vec!["10.0.17763", "10.0.26100"]);
        assert!(pins_windows(&p));
        assert!(!pins_windows(&placement(
            &[],
            &[(OS_LABEL, "NotIn", &["windows"])],
            &[]
        )));
        assert!(pins_windows(&placement(
            &[],
            &[(OS_LABEL, "In", &["windows"])],
            &[]
        )));
        assert_eq!(
            parse_constraint("node.labels.os==windows"),
            Some(Constraint {
                attribute: "node.labels.os",
                equal: true,
                value: "windows"
            })
        );
        assert_eq!(parse_constraint("nonsense"), None);
    }
}
