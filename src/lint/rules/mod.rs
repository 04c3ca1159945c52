//! One file per rule. Each per-reference rule is a `check(subject, context, out)` function.

pub mod wf001_latest_tag;
pub mod wf002_untagged_image;
pub mod wf003_build_mismatch;
pub mod wf004_hyperv_required;
pub mod wf005_image_newer_than_host;
pub mod wf006_ws2016_revision_mismatch;
pub mod wf007_feb_2020_baseline;
pub mod wf008_floating_tag;
pub mod wf009_unsupported_release;
pub mod wf010_unresolved_reference;
pub mod wf011_tag_not_found;
pub mod wf012_no_windows_platform;
pub mod wf013_missing_node_selector;
pub mod wf014_selector_build_mismatch;
pub mod wf015_swarm_missing_constraint;
pub mod wf016_digest_mismatch;
pub mod wf017_stage_build_mismatch;
pub mod wf018_no_compatible_host;
pub mod wf019_isolation_conflict;

use super::{Context, Subject};
use crate::model::Finding;

pub type Check = fn(&Subject<'_>, &Context<'_>, &mut Vec<Finding>);

/// The rules that look at one reference at a time, in id order.
pub static PER_REFERENCE: &[Check] = &[
    wf001_latest_tag::check,
    wf002_untagged_image::check,
    wf003_build_mismatch::check,
    wf004_hyperv_required::check,
    wf005_image_newer_than_host::check,
    wf006_ws2016_revision_mismatch::check,
    wf007_feb_2020_baseline::check,
    wf008_floating_tag::check,
    wf009_unsupported_release::check,
    wf010_unresolved_reference::check,
    wf011_tag_not_found::check,
    wf012_no_windows_platform::check,
    wf013_missing_node_selector::check,
    wf014_selector_build_mismatch::check,
    wf015_swarm_missing_constraint::check,
    wf016_digest_mismatch::check,
    wf018_no_compatible_host::check,
    wf019_isolation_conflict::check,
];

/// The image as the user wrote it after expansion, for messages.
pub(crate) fn shown(s: &Subject<'_>) -> String {
    s.reference
        .image
        .clone()
        .unwrap_or_else(|| s.reference.raw.clone())
}

/// "Windows Server 2022 (10.0.20348)" or just the version.
pub(crate) fn describe(v: crate::judge::version::OsVersion) -> String {
    match crate::resolve::knowledge::release_for_build(v.build) {
        Some(r) => format!("{} ({v})", r.name),
        None => v.to_string(),
    }
}
