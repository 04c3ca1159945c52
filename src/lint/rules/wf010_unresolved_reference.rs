//! WF010 unresolved-reference: the image's Windows version cannot be determined (unknown tag
//! scheme, `latest`, registry unreachable and no tag to fall back on, an entry without
//! `os.version`). References that do not expand are reported by the extractors with the
//! variable that has no value.

use super::shown;
use crate::lint::catalogue::WF010;
use crate::lint::{Context, Subject};
use crate::model::Finding;
use crate::resolve::registry::ResolveError;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    // HostProcess images run on the host: their Windows version does not matter.
    if !s.is_run() || s.reference.placement.host_process {
        return;
    }
    let Some(res) = s.resolution else { return };
    // A registry answer without Windows entries is WF012; a missing tag WF011; bad content WF016.
    if res.lacks_windows()
        || matches!(
            &res.registry,
            Some(Err(ResolveError::NotFound { .. }
                | ResolveError::DigestMismatch { .. }
                | ResolveError::InvalidContent { .. }))
        )
    {
        return;
    }
    let (message, help) = if res.version.is_some() {
        if !res.windows_entries().iter().any(Option::is_none) {
            return;
        }
        (
            format!(
                "`{}` has a Windows entry without `os.version`: runtimes treat it as matching every host, so a mismatch shows only when the container starts",
                shown(s)
            ),
            "Rebuild the image with a current builder, which records `os.version`, or pin an image that has it.".to_string(),
        )
    } else {
        let why = match &res.registry {
            Some(Err(e)) => format!(" and the registry could not tell ({e})"),
            Some(Ok(_)) => " and the registry's Windows entries carry no `os.version`".to_string(),
            None => String::new(),
        };
        (
            format!(
                "the Windows version of `{}` cannot be determined from its {}{why}, so it cannot be judged against the hosts",
                shown(s),
                if res.image.tag.is_some() { "tag" } else { "reference" }
            ),
            "Use a tag that names the Windows release (`…-ltsc2022`) or a full version (`10.0.20348.2227`), or let winfit reach the registry (without --offline).".to_string(),
        )
    };
    out.push(WF010.finding(
        &s.reference.file,
        s.position(),
        s.reference.image.clone(),
        message,
        help,
    ));
}
