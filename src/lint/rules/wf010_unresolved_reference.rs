//! WF010 unresolved-reference: the image's Windows version cannot be determined (unknown tag
//! scheme, `latest`, registry unreachable). References that do not expand are reported by the
//! extractors with the variable that has no value.

use super::shown;
use crate::lint::catalogue::WF010;
use crate::lint::{Context, Subject};
use crate::model::Finding;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    if !s.is_run() {
        return;
    }
    let Some(res) = s.resolution else { return };
    if res.version.is_some() {
        return;
    }
    out.push(WF010.finding(
        &s.reference.file,
        s.position(),
        s.reference.image.clone(),
        format!(
            "the Windows version of `{}` cannot be determined from its tag, so it cannot be judged against the hosts",
            shown(s)
        ),
        "Run without --offline so winfit asks the registry, or use a tag that names the Windows release (`…-ltsc2022`) or a full version (`10.0.20348.2227`).",
    ));
}
