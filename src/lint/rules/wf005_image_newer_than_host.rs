//! WF005 image-newer-than-host: the image's build is newer than a targeted host's; no isolation
//! mode runs it (Hyper-V only runs older images on newer hosts).

use super::{describe, shown};
use crate::judge::engine::{Code, Verdict};
use crate::lint::catalogue::WF005;
use crate::lint::{Context, Subject};
use crate::model::Finding;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    for t in &s.targets {
        let j = &t.judgement;
        if j.verdict != Verdict::None
            || !matches!(
                j.code,
                Code::ImageNewerThanHost | Code::Win10CannotRunWs2022
            )
        {
            continue;
        }
        let image_version = s.resolution.and_then(|r| r.version);
        let mut f = WF005.finding(
            &s.reference.file,
            s.position(),
            s.reference.image.clone(),
            format!(
                "`{}` ({}) is newer than host {} ({}): neither process nor Hyper-V isolation can run it",
                shown(s),
                image_version.map(describe).unwrap_or_default(),
                t.host.name,
                describe(t.host.os_version)
            ),
            format!(
                "Keep this workload off {} (node selector / placement constraint), or use an image of its build. {}",
                t.host.name, j.reason
            ),
        );
        f.host = Some(t.host.name.clone());
        out.push(f);
    }
}
