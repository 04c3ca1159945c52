//! WF017 stage-build-mismatch: the stages of one Dockerfile use different Windows builds. They all
//! run on one build host, so at least one of them cannot run process-isolated there.

use super::{describe, shown};
use crate::lint::Subject;
use crate::lint::catalogue::WF017;
use crate::model::{Finding, RefContext};

/// Runs over all references of one file.
pub fn check_file(subjects: &[&Subject<'_>], out: &mut Vec<Finding>) {
    let stages: Vec<(&Subject<'_>, u32)> = subjects
        .iter()
        .filter(|s| s.reference.context == RefContext::From)
        .filter_map(|s| s.resolution.and_then(|r| r.version).map(|v| (*s, v.build)))
        .collect();
    let Some(final_build) = stages
        .iter()
        .find(|(s, _)| s.reference.is_final_stage)
        .or(stages.last())
        .map(|(_, b)| *b)
    else {
        return;
    };
    for (s, build) in &stages {
        if *build == final_build {
            continue;
        }
        let Some(v) = s.resolution.and_then(|r| r.version) else {
            continue;
        };
        out.push(WF017.finding(
            &s.reference.file,
            s.position(),
            s.reference.image.clone(),
            format!(
                "stage {} uses `{}` ({}), but the final stage uses build {final_build}: one build host cannot run both process-isolated",
                s.reference.stage.as_deref().map(|n| format!("`{n}`")).unwrap_or_else(|| "(unnamed)".into()),
                shown(s),
                describe(v)
            ),
            "Build every stage from the same Windows release: template the tags from one ARG (`ARG WINDOWS_TAG=ltsc2022`).",
        ));
    }
}
