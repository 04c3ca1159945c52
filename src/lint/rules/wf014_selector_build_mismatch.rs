//! WF014 selector-build-mismatch: the file's own `node.kubernetes.io/windows-build` selector or
//! Swarm version constraint names a build that cannot run the image process-isolated.

use super::{describe, shown};
use crate::judge::engine::{self, Verdict};
use crate::judge::version::OsVersion;
use crate::lint::catalogue::WF014;
use crate::lint::placement::selected_builds;
use crate::lint::{Context, Subject};
use crate::model::{Finding, RefContext};

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    if !matches!(
        s.reference.context,
        RefContext::Kubernetes | RefContext::Compose
    ) {
        return;
    }
    let Some(image) = s.resolution.and_then(|r| r.version) else {
        return;
    };
    for text in selected_builds(&s.reference.placement) {
        let Ok(selected) = OsVersion::parse(&text) else {
            continue;
        };
        let j = engine::judge(Some(image), selected);
        // Hyper-V isolation, declared, is a working way to run an older image on a newer build.
        let hyperv_declared = s.reference.placement.isolation.as_deref() == Some("hyperv");
        if j.verdict == Verdict::Process || (j.verdict == Verdict::HyperV && hyperv_declared) {
            continue;
        }
        out.push(WF014.finding(
            &s.reference.file,
            s.position(),
            s.reference.image.clone(),
            format!(
                "the placement selects Windows build {text}, but `{}` is {}: {}",
                shown(s),
                describe(image),
                j.reason
            ),
            format!(
                "Select the image's build ({}.{}.{}) or use an image built for {text}.",
                image.major, image.minor, image.build
            ),
        ));
    }
}
