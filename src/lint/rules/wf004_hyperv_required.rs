//! WF004 hyperv-required: the image runs on a targeted host only under Hyper-V isolation, and the
//! host has it. Works, at a cost (a utility VM per container), and only if it is asked for.

use super::{describe, shown};
use crate::fleet::Isolation;
use crate::judge::engine::Verdict;
use crate::lint::catalogue::WF004;
use crate::lint::{Context, Subject};
use crate::model::Finding;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    // A declared `isolation: process` turns this into WF019; a declared `hyperv` is the fix.
    if matches!(
        s.reference.placement.isolation.as_deref(),
        Some("process" | "hyperv")
    ) {
        return;
    }
    for t in &s.targets {
        if t.judgement.verdict != Verdict::HyperV || !t.host.supports(Isolation::HyperV) {
            continue;
        }
        let mut f = WF004.finding(
            &s.reference.file,
            s.position(),
            s.reference.image.clone(),
            format!(
                "`{}` runs on host {} ({}) only under Hyper-V isolation: {}",
                shown(s),
                t.host.name,
                describe(t.host.os_version),
                t.judgement.reason
            ),
            "Run it with `--isolation=hyperv` (compose: `isolation: hyperv`; Kubernetes: a Hyper-V RuntimeClass), or use an image of the host's build for process isolation.",
        );
        f.host = Some(t.host.name.clone());
        out.push(f);
    }
}
