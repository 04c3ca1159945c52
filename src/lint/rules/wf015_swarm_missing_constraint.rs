//! WF015 swarm-missing-constraint: a Swarm service (a service of a compose file with `deploy` sections)
//! runs a Windows image without an OS / version placement constraint, on a fleet whose run hosts
//! have several Windows builds.

use super::shown;
use crate::fleet::Role;
use crate::lint::catalogue::WF015;
use crate::lint::placement::pins_build;
use crate::lint::{Context, Subject};
use crate::model::{Finding, RefContext};

pub fn check(s: &Subject<'_>, cx: &Context<'_>, out: &mut Vec<Finding>) {
    if s.reference.context != RefContext::Compose || !s.in_stack {
        return;
    }
    let (Some(fleet), Some(version)) = (cx.fleet, s.resolution.and_then(|r| r.version)) else {
        return;
    };
    if pins_build(&s.reference.placement) {
        return;
    }
    let mut builds: Vec<u32> = fleet
        .hosts_with_role(Role::Run)
        .map(|h| h.os_version.build)
        .collect();
    builds.sort_unstable();
    builds.dedup();
    if builds.len() < 2 {
        return;
    }
    out.push(WF015.finding(
        &s.reference.file,
        s.position(),
        s.reference.image.clone(),
        format!(
            "service {} runs `{}` with no Windows version constraint, on a fleet of {} Windows builds: Swarm may schedule it on a node that cannot run it",
            s.reference.placement.workload.as_deref().unwrap_or("?"),
            shown(s),
            builds.len()
        ),
        format!(
            "Label the nodes with their build (`docker node update --label-add OsVersion=…`) and add `node.labels.OsVersion == {}.{}.{}` to `deploy.placement.constraints`.",
            version.major, version.minor, version.build
        ),
    ));
}
