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
    let Some((release, support)) = knowledge::support_on(v.build, cx.today) else {
        return;
    };
    // Nano Server images can end before their OS release (Nano Server 1607: 2018-10-09).
    let nano = s.resolution.is_some_and(|r| {
        let repo = r.image.repository.to_ascii_lowercase();
        repo.ends_with("nanoserver")
            || r.image
                .tag
                .as_deref()
                .is_some_and(|t| t.to_ascii_lowercase().contains("nanoserver"))
    });
    let on = match (support, release.eos_nanoserver) {
        (_, Some(end)) if nano && cx.today > end => end,
        (Support::Ended { on }, _) => on,
        _ => return,
    };
    out.push(WF009.finding(
        &s.reference.file,
        s.position(),
        s.reference.image.clone(),
        format!(
            "`{}` is {}{} ({}), whose support ended on {on}: it gets no security updates",
            shown(s),
            if nano && release.eos_nanoserver.is_some() {
                "Nano Server on "
            } else {
                ""
            },
            release.name,
            v
        ),
        "Move to a supported release: ltsc2022 or ltsc2025 images (and hosts to match).",
    ));
}
