//! WF003 build-mismatch: a targeted host can run the image neither process-isolated nor under
//! Hyper-V (it has no Hyper-V): the container fails with 0xc0370101.
//! WS2016 revision and February 2020 cases have their own rules (WF006, WF007).

use super::{describe, shown};
use crate::fleet::Isolation;
use crate::judge::engine::{Code, Verdict};
use crate::lint::catalogue::WF003;
use crate::lint::{Context, Subject};
use crate::model::Finding;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    for t in &s.targets {
        let j = &t.judgement;
        let fires = match j.verdict {
            Verdict::HyperV => {
                !t.host.supports(Isolation::HyperV)
                    && !matches!(j.code, Code::Ws2016RevisionMismatch | Code::Feb2020Baseline)
            }
            Verdict::None => j.code == Code::MajorMinorMismatch,
            _ => false,
        };
        if !fires {
            continue;
        }
        let image_version = s.resolution.and_then(|r| r.version);
        let mut f = WF003.finding(
            &s.reference.file,
            s.position(),
            s.reference.image.clone(),
            format!(
                "`{}` ({}) cannot run process-isolated on host {} ({}), which has no Hyper-V isolation: \
                 the container will fail with 0xc0370101 (\"the operating system of the container does not match the operating system of the host\")",
                shown(s),
                image_version.map(describe).unwrap_or_else(|| "unknown build".into()),
                t.host.name,
                describe(t.host.os_version),
            ),
            format!(
                "Use an image built for {} (e.g. a tag ending in its release), or enable Hyper-V isolation on {}. {}",
                describe(t.host.os_version),
                t.host.name,
                j.reason
            ),
        );
        f.host = Some(t.host.name.clone());
        out.push(f);
    }
}
