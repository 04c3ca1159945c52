//! Lint: rules turn references, resolutions and verdicts into findings; suppressions and
//! severities apply afterwards (`policy`). Pure: the inputs are data.

pub mod catalogue;
pub mod placement;
pub mod policy;
pub mod rules;

use crate::fleet::{Fleet, Host};
use crate::judge::engine::Judgement;
use crate::model::{Finding, Position, RefContext, Reference};
use crate::resolve::Resolution;
use crate::resolve::knowledge::Date;
use std::collections::BTreeMap;

/// What the rules see of the whole run.
pub struct Context<'a> {
    pub fleet: Option<&'a Fleet>,
    /// The run date, for end-of-support checks.
    pub today: Date,
}

/// One (image, host) pair the reference will meet.
pub struct Target<'a> {
    pub host: &'a Host,
    pub judgement: Judgement,
}

/// One reference with everything known about it.
pub struct Subject<'a> {
    pub reference: &'a Reference,
    /// `None` when the reference could not be expanded or parsed (already reported as WF010).
    pub resolution: Option<&'a Resolution>,
    /// The hosts it can land on, judged. Empty without a fleet.
    pub targets: Vec<Target<'a>>,
    /// The reference is a service of a Swarm stack (a compose file with `deploy` sections).
    pub in_stack: bool,
}

impl Subject<'_> {
    pub fn position(&self) -> Position {
        Position {
            line: self.reference.line,
            column: self.reference.column,
        }
    }

    /// Whether the compatibility rules apply: images that run (FROM, compose, Kubernetes), not
    /// files copied from an image or the BuildKit frontend.
    pub fn is_run(&self) -> bool {
        matches!(
            self.reference.context,
            RefContext::From | RefContext::Compose | RefContext::Kubernetes
        )
    }
}

/// Run every rule over the references. `resolutions` is keyed by normalised image.
pub fn run(
    references: &[Reference],
    resolutions: &BTreeMap<String, Resolution>,
    cx: &Context<'_>,
) -> Vec<Finding> {
    // A compose file where any service has a `deploy` section is a Swarm stack.
    let stacks: std::collections::BTreeSet<&str> = references
        .iter()
        .filter(|r| r.placement.swarm)
        .map(|r| r.file.as_str())
        .collect();
    let subjects: Vec<Subject<'_>> = references
        .iter()
        .filter(|r| r.context != RefContext::Syntax)
        // Services placed on Linux nodes are not Windows images: nothing to judge.
        .filter(|r| !placement::targets_linux(&r.placement))
        .map(|r| {
            let resolution = r.image.as_ref().and_then(|i| resolutions.get(i));
            let targets = match (cx.fleet, resolution) {
                // HostProcess containers run on the host itself: no build matching applies.
                _ if r.placement.host_process => Vec::new(),
                (Some(fleet), Some(res)) => placement::targets(r, fleet)
                    .into_iter()
                    .map(|host| Target {
                        host,
                        judgement: crate::judge::judge_on_host(
                            &res.windows_entries(),
                            res.version,
                            host.os_version,
                            host.runtime,
                        ),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Subject {
                reference: r,
                resolution,
                targets,
                in_stack: stacks.contains(r.file.as_str()),
            }
        })
        .collect();

    let mut out = Vec::new();
    for s in &subjects {
        for check in rules::PER_REFERENCE {
            check(s, cx, &mut out);
        }
    }
    let mut by_file: BTreeMap<&str, Vec<&Subject<'_>>> = BTreeMap::new();
    for s in &subjects {
        by_file
            .entry(s.reference.file.as_str())
            .or_default()
            .push(s);
    }
    for subjects in by_file.values() {
        rules::wf017_stage_build_mismatch::check_file(subjects, &mut out);
    }
    out
}
