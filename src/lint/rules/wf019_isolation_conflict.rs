//! WF019 isolation-conflict: the file declares an isolation mode (`isolation: process` /
//! `hyperv`) that cannot work on a targeted host.

use super::{describe, shown};
use crate::fleet::Isolation;
use crate::judge::engine::Verdict;
use crate::lint::catalogue::WF019;
use crate::lint::{Context, Subject};
use crate::model::Finding;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(declared) = s.reference.placement.isolation.as_deref() else {
        return;
    };
    for t in &s.targets {
        let problem = match declared {
            "process"
                if t.judgement.verdict == Verdict::HyperV && t.host.supports(Isolation::HyperV) =>
            {
                format!(
                    "`isolation: process` is declared, but `{}` runs on host {} ({}) only under Hyper-V: {}",
                    shown(s),
                    t.host.name,
                    describe(t.host.os_version),
                    t.judgement.reason
                )
            }
            "hyperv" if !t.host.supports(Isolation::HyperV) => format!(
                "`isolation: hyperv` is declared, but host {} does not offer Hyper-V isolation",
                t.host.name
            ),
            _ => continue,
        };
        let mut f = WF019.finding(
            &s.reference.file,
            s.position(),
            s.reference.image.clone(),
            problem,
            "Declare the isolation mode the host can provide, or keep the service off this host.",
        );
        f.host = Some(t.host.name.clone());
        out.push(f);
    }
}
