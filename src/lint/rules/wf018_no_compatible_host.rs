//! WF018 no-compatible-host: the image can run on none of the hosts it targets, in any isolation
//! mode those hosts offer. For a Dockerfile's final stage: none of the fleet's run hosts.

use super::shown;
use crate::fleet::Role;
use crate::judge::engine::{self, Verdict};
use crate::lint::catalogue::WF018;
use crate::lint::{Context, Subject};
use crate::model::{Finding, RefContext};

pub fn check(s: &Subject<'_>, cx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(fleet) = cx.fleet else { return };
    let Some(version) = s.resolution.and_then(|r| r.version) else {
        return;
    };
    let judged: Vec<(&crate::fleet::Host, engine::Judgement)> = match s.reference.context {
        // A Dockerfile's image runs somewhere: judge the final stage against every run host.
        RefContext::From if s.reference.is_final_stage => fleet
            .hosts_with_role(Role::Run)
            .map(|h| (h, engine::judge(Some(version), h.os_version)))
            .collect(),
        RefContext::Compose | RefContext::Kubernetes => s
            .targets
            .iter()
            .map(|t| (t.host, t.judgement.clone()))
            .collect(),
        _ => return,
    };
    if judged.is_empty()
        || judged
            .iter()
            .any(|(h, j)| j.verdict == Verdict::Unknown || h.mode_for(j).is_some())
    {
        return;
    }
    let names: Vec<&str> = judged.iter().map(|(h, _)| h.name.as_str()).collect();
    out.push(WF018.finding(
        &s.reference.file,
        s.position(),
        s.reference.image.clone(),
        format!(
            "`{}` ({}) can run on none of its {} target host(s): {}",
            shown(s),
            super::describe(version),
            names.len(),
            names.join(", ")
        ),
        "Use an image of a build the fleet runs, add hosts of the image's build, or enable Hyper-V isolation on newer hosts.",
    ));
}
