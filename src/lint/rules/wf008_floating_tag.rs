//! WF008 floating-tag: the tag names a Windows release but moves with every monthly update
//! (`ltsc2019`, `4.8-windowsservercore-ltsc2019`); pin a KB tag, a full-version tag or a digest.

use super::shown;
use crate::lint::catalogue::WF008;
use crate::lint::{Context, Subject};
use crate::model::Finding;
use crate::resolve::tags::pinned_tags;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(res) = s.resolution else { return };
    if !res.tag.is_floating() || res.image.digest.is_some() {
        return;
    }
    let repo = format!("{}/{}", res.image.registry, res.image.display_repository());
    let pinned = pinned_tags(&res.image);
    let digest = match &res.registry {
        Some(Ok(r)) => Some(r.digest.as_str()),
        _ => None,
    };
    let help = if let Some(d) = digest {
        let mut options: Vec<String> = pinned.iter().map(|t| format!("`{repo}:{t}`")).collect();
        options.push(format!("`{}@{d}` (what the tag points to now)", shown(s)));
        format!("Pin it: {}.", options.join(" or "))
    } else if pinned.is_empty() {
        format!(
            "Pin a digest: `{repo}@sha256:…` (`winfit inspect {}` prints it), or a dated tag if the publisher has them.",
            shown(s)
        )
    } else {
        let tags: Vec<String> = pinned.iter().map(|t| format!("`{repo}:{t}`")).collect();
        format!("Pin it: {} (or a digest).", tags.join(" or "))
    };
    out.push(WF008.finding(
        &s.reference.file,
        s.position(),
        s.reference.image.clone(),
        format!(
            "`{}` is a floating tag: it moves to a new image with every Windows update, so builds are not reproducible and hosts can drift out of step",
            shown(s)
        ),
        help,
    ));
}
