//! WF016 digest-mismatch: `tag@sha256:…` whose digest is a different Windows build than the tag
//! names, or registry content that does not hash to its digest.

use super::shown;
use crate::lint::catalogue::WF016;
use crate::lint::{Context, Subject};
use crate::model::Finding;
use crate::resolve::registry::ResolveError;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(res) = s.resolution else { return };
    let message = match &res.registry {
        Some(Err(
            e @ (ResolveError::DigestMismatch { .. } | ResolveError::InvalidContent { .. }),
        )) => {
            format!(
                "the registry's content for `{}` cannot be trusted: {e}",
                shown(s)
            )
        }
        Some(Ok(_)) if res.image.tag.is_some() && res.image.digest.is_some() => {
            let (Some(tag_version), entries) = (res.tag.version(), res.windows_entries()) else {
                return;
            };
            let builds: Vec<u32> = entries.iter().flatten().map(|v| v.build).collect();
            if builds.is_empty() || builds.contains(&tag_version.build) {
                return;
            }
            format!(
                "`{}`: the tag names build {}, but the pinned digest is build {}: whoever reads the tag is misled",
                shown(s),
                tag_version.build,
                builds
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        _ => return,
    };
    out.push(WF016.finding(
        &s.reference.file,
        s.position(),
        s.reference.image.clone(),
        message,
        "Re-pin: take the digest from `winfit inspect IMAGE:TAG` so tag and digest name the same image.",
    ));
}
