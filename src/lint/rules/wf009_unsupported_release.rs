//! WF009 unsupported-release: the image's Windows release is past its end of support on the
//! run date: no more security updates.

use super::shown;
use crate::lint::catalogue::WF009;
use crate::lint::{Context, Subject};
use crate::model::Finding;
use crate::resolve::knowledge::{self, Support};

pub fn check(s: &Subject<'_>, cx: &Context<'_>, out: &mut Vec<Finding>) {
    if !s.is_run() {
        return;
    }
    let Some(v) = s.resolution.and_then(|r| r.version) else {
        return;
    };
    let Some((release, Support::Ended { on })) = knowledge::support_on(v.build, cx.today) else {
        return;
    };
    out.push(WF009.finding(
        &s.reference.file,
        s.position(),
        s.reference.image.clone(),
        format!(
            "`{}` is {} ({}), whose support ended on {on}: it gets no security updates",
            shown(s),
            release.name,
            v
        ),
        "Move to a supported release: ltsc2022 or ltsc2025 images (and hosts to match).",
    ));
}
