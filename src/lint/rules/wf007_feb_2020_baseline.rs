//! WF007 feb-2020-baseline: image and host revisions lie on different sides of the February 2020
//! security update, which broke process-isolated compatibility across it.

use super::shown;
use crate::fleet::Isolation;
use crate::judge::engine::{Code, Verdict};
use crate::lint::catalogue::WF007;
use crate::lint::{Context, Subject};
use crate::model::Finding;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    for t in &s.targets {
        let j = &t.judgement;
        if j.verdict != Verdict::HyperV
            || j.code != Code::Feb2020Baseline
            || t.host.supports(Isolation::HyperV)
        {
            continue;
        }
        let mut f = WF007.finding(
            &s.reference.file,
            s.position(),
            s.reference.image.clone(),
            format!(
                "`{}` and host {} lie on different sides of the February 2020 baseline, and the host has no Hyper-V: {}",
                shown(s),
                t.host.name,
                j.reason
            ),
            "Update the older side past the February 2020 security update (image: a tag from 2020-02 or later; host: install the update).",
        );
        f.host = Some(t.host.name.clone());
        out.push(f);
    }
}
