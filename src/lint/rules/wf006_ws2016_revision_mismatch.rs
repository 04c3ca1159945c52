//! WF006 ws2016-revision-mismatch: on Windows Server 2016 (14393) process isolation needs the
//! image and host revisions to match, not only the build.

use super::shown;
use crate::fleet::Isolation;
use crate::judge::engine::{Code, Verdict};
use crate::lint::catalogue::WF006;
use crate::lint::{Context, Subject};
use crate::model::Finding;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    for t in &s.targets {
        let j = &t.judgement;
        if j.verdict != Verdict::HyperV
            || j.code != Code::Ws2016RevisionMismatch
            || t.host.supports(Isolation::HyperV)
        {
            continue;
        }
        let mut f = WF006.finding(
            &s.reference.file,
            s.position(),
            s.reference.image.clone(),
            format!(
                "`{}` and host {} are both Windows Server 2016 but at different revisions, and the host has no Hyper-V: {}",
                shown(s),
                t.host.name,
                j.reason
            ),
            format!(
                "Pin the image to the host's exact revision (`10.0.14393.{}` full-version tag) or patch the host to the image's revision.",
                t.host.os_version.revision.map(|r| r.to_string()).unwrap_or_else(|| "<rev>".into())
            ),
        );
        f.host = Some(t.host.name.clone());
        out.push(f);
    }
}
