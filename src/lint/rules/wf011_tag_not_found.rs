//! WF011 tag-not-found: the registry says the tag or digest does not exist
//! (`nanoserver:latest`, a mistyped KB tag). The pull will fail on every host.

use super::shown;
use crate::lint::catalogue::WF011;
use crate::lint::{Context, Subject};
use crate::model::Finding;
use crate::resolve::registry::ResolveError;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(res) = s.resolution else { return };
    let Some(Err(e @ ResolveError::NotFound { .. })) = &res.registry else {
        return;
    };
    out.push(WF011.finding(
        &s.reference.file,
        s.position(),
        s.reference.image.clone(),
        format!("`{}` does not exist in its registry: {e}", shown(s)),
        "Check the tag: Microsoft's tags are listed per repository (e.g. `https://mcr.microsoft.com/v2/windows/servercore/tags/list`); `winfit inspect` shows what a tag resolves to.",
    ));
}
