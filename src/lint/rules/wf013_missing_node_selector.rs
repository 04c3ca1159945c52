//! WF013 missing-node-selector: a Kubernetes pod template runs a Windows image without pinning
//! `kubernetes.io/os: windows`, so it can land on Linux nodes; and, on a fleet of several Windows
//! builds, without `node.kubernetes.io/windows-build` when some of those builds cannot run it.

use super::shown;
use crate::fleet::Isolation;
use crate::lint::catalogue::WF013;
use crate::lint::placement::{OS_LABEL, WINDOWS_BUILD_LABEL, pins_build, pins_windows};
use crate::lint::{Context, Subject};
use crate::model::{Finding, RefContext};

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    if s.reference.context != RefContext::Kubernetes {
        return;
    }
    let Some(version) = s.resolution.and_then(|r| r.version) else {
        return;
    };
    let p = &s.reference.placement;
    let workload = p.workload.clone().unwrap_or_else(|| "the pod".into());
    // Only Windows nodes carry the windows-build label, so pinning it pins Windows too.
    let pins_build_label = p.node_selector.contains_key(WINDOWS_BUILD_LABEL)
        || p.node_affinity
            .iter()
            .flatten()
            .any(|e| e.key == WINDOWS_BUILD_LABEL && e.operator == "In");
    if !pins_windows(p) && !pins_build_label {
        out.push(WF013.finding(
            &s.reference.file,
            s.position(),
            s.reference.image.clone(),
            format!(
                "{workload} runs the Windows image `{}` but does not pin `{OS_LABEL}: windows`: the scheduler may place it on a Linux node, where the pull fails",
                shown(s)
            ),
            format!(
                "Add `nodeSelector: {{ {OS_LABEL}: windows, {WINDOWS_BUILD_LABEL}: \"{}.{}.{}\" }}` to the pod template.",
                version.major, version.minor, version.build
            ),
        ));
        return;
    }
    if pins_build(p) {
        return;
    }
    let mut builds: Vec<u32> = s.targets.iter().map(|t| t.host.os_version.build).collect();
    builds.sort_unstable();
    builds.dedup();
    let some_cannot = s
        .targets
        .iter()
        .any(|t| t.host.mode_for(&t.judgement) != Some(Isolation::Process));
    if builds.len() > 1 && some_cannot {
        out.push(WF013.finding(
            &s.reference.file,
            s.position(),
            s.reference.image.clone(),
            format!(
                "{workload} pins Windows but not the Windows build, and the fleet's Windows nodes run {} builds, not all of which can run `{}` process-isolated",
                builds.len(),
                shown(s)
            ),
            format!(
                "Add `{WINDOWS_BUILD_LABEL}: \"{}.{}.{}\"` to the nodeSelector (or a RuntimeClass that sets it).",
                version.major, version.minor, version.build
            ),
        ));
    }
}
