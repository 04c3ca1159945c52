//! WF002 untagged-image: no tag and no digest, so the implicit `latest` (see WF001).

use super::shown;
use crate::lint::catalogue::WF002;
use crate::lint::{Context, Subject};
use crate::model::{Finding, Severity};
use crate::resolve::tags::is_microsoft_base_repo;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(res) = s.resolution else { return };
    if !res.image.implicit_tag || res.image.digest.is_some() {
        return;
    }
    let base = is_microsoft_base_repo(&res.image);
    let mut f = WF002.finding(
        &s.reference.file,
        s.position(),
        s.reference.image.clone(),
        format!(
            "`{}` has no tag, so it means `latest`{}",
            s.reference.raw,
            if base {
                ", which Microsoft's Windows base images have not had since April 2019"
            } else {
                ", which moves without notice"
            }
        ),
        format!(
            "Add a tag naming the Windows release, e.g. `{}:ltsc2022`, or pin a digest.",
            shown(s)
        ),
    );
    if !base {
        f.severity = Severity::Warning;
    }
    out.push(f);
}
