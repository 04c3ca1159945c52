//! WF017 stage-build-mismatch: the stages of one Dockerfile use Windows builds that no single
//! build host can run process-isolated together (`docker build` runs every stage on one host).
//! Stages of 20348 and later on a newer build are fine: they share the stable ABI.

use super::{describe, shown};
use crate::judge::engine::{self, Verdict};
use crate::judge::version::OsVersion;
use crate::lint::Subject;
use crate::lint::catalogue::WF017;
use crate::model::{Finding, RefContext};

/// Runs over all references of one file.
pub fn check_file(subjects: &[&Subject<'_>], out: &mut Vec<Finding>) {
    let stages: Vec<(&Subject<'_>, OsVersion)> = subjects
        .iter()
        .filter(|s| s.reference.context == RefContext::From)
        .filter_map(|s| s.resolution.and_then(|r| r.version).map(|v| (*s, v)))
        .collect();
    let Some(final_version) = stages
        .iter()
        .find(|(s, _)| s.reference.is_final_stage)
        .or(stages.last())
        .map(|(_, v)| *v)
    else {
        return;
    };
    // A build host of any stage's build that runs every stage process-isolated: no conflict.
    let runs_all = |host: OsVersion| {
        stages
            .iter()
            .all(|(_, v)| engine::judge(Some(*v), host).verdict == Verdict::Process)
    };
    if stages.iter().any(|(_, v)| runs_all(*v)) {
        return;
    }
    for (s, v) in &stages {
        if engine::judge(Some(*v), final_version).verdict == Verdict::Process {
            continue;
        }
        out.push(WF017.finding(
            &s.reference.file,
            s.position(),
            s.reference.image.clone(),
            format!(
                "stage {} uses `{}` ({}), but the final stage is build {}: no single build host runs both process-isolated",
                s.reference
                    .stage
                    .as_deref()
                    .map(|n| format!("`{n}`"))
                    .unwrap_or_else(|| "(unnamed)".into()),
                shown(s),
                describe(*v),
                final_version.build
            ),
            "Build every stage from the same Windows release: template the tags from one ARG (`ARG WINDOWS_TAG=ltsc2022`).",
        ));
    }
}
