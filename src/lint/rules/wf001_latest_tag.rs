//! WF001 latest-tag: the tag is `latest`. Microsoft has published no `latest` for its Windows
//! base images since April 2019, and `latest` of any other image moves without notice.

use super::shown;
use crate::lint::catalogue::WF001;
use crate::lint::{Context, Subject};
use crate::model::{Finding, Severity};
use crate::resolve::tags::is_microsoft_base_repo;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(res) = s.resolution else { return };
    if res.image.tag.as_deref() != Some("latest")
        || res.image.implicit_tag
        || res.image.digest.is_some()
    {
        return;
    }
    let base = is_microsoft_base_repo(&res.image);
    let mut f = WF001.finding(
        &s.reference.file,
        s.position(),
        s.reference.image.clone(),
        if base {
            format!("`{}`: Microsoft's Windows base images have had no `latest` tag since April 2019; the pull fails", shown(s))
        } else {
            format!("`{}` uses `latest`, which moves to a new image (and possibly a new Windows build) without notice", shown(s))
        },
        "Name the Windows release in the tag (`ltsc2022`), or better pin it: a KB tag, a full-version tag or a digest.",
    );
    if !base {
        f.severity = Severity::Warning;
    }
    out.push(f);
}
