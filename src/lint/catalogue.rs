//! The rule catalogue: id, name, default severity and doc page of every rule.
//! The logic of each rule lives in its own file under `rules/`; the doc page in the top-level `rules/` folder.

use crate::model::{Finding, Position, Severity};

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    pub default_severity: Severity,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// The full doc page (Markdown), from `rules/WFxxx-name.md`.
    pub doc: &'static str,
}

impl Rule {
    /// A finding of this rule at its default severity.
    pub fn finding(
        &'static self,
        file: &str,
        pos: Position,
        image: Option<String>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: self.id,
            name: self.name,
            severity: self.default_severity,
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            image,
            host: None,
            message: message.into(),
            help: help.into(),
        }
    }

    /// Where `winfit explain` and SARIF send readers.
    pub fn help_uri(&self) -> String {
        format!(
            "https://github.com/winfit/winfit/blob/main/rules/{}-{}.md",
            self.id, self.name
        )
    }
}

macro_rules! rule {
    ($ident:ident, $id:literal, $name:literal, $sev:ident, $summary:literal) => {
        pub static $ident: Rule = Rule {
            id: $id,
            name: $name,
            default_severity: Severity::$sev,
            summary: $summary,
            doc: include_str!(concat!("../../rules/", $id, "-", $name, ".md")),
        };
    };
}

rule!(WF000, "WF000", "parse-error", Error, "A file cannot be read or parsed.");
rule!(WF001, "WF001", "latest-tag", Error, "The image uses the `latest` tag.");
rule!(WF002, "WF002", "untagged-image", Error, "The image has no tag and no digest (implicit `latest`).");
rule!(WF003, "WF003", "build-mismatch", Error, "A targeted host can run the image neither process-isolated nor under Hyper-V: 0xc0370101.");
rule!(WF004, "WF004", "hyperv-required", Warning, "The image runs on a targeted host only under Hyper-V isolation.");
rule!(WF005, "WF005", "image-newer-than-host", Error, "The image's Windows build is newer than a targeted host's.");
rule!(WF006, "WF006", "ws2016-revision-mismatch", Error, "Windows Server 2016 image and host revisions differ.");
rule!(WF007, "WF007", "feb-2020-baseline", Error, "Image and host revisions lie on different sides of the February 2020 baseline.");
rule!(WF008, "WF008", "floating-tag", Warning, "The tag moves; pin a KB tag, a full-version tag or a digest.");
rule!(WF009, "WF009", "unsupported-release", Warning, "The image's Windows release is past its end of support.");
rule!(WF010, "WF010", "unresolved-reference", Warning, "The image or its Windows version cannot be determined.");
rule!(WF011, "WF011", "tag-not-found", Error, "The registry says the tag or digest does not exist.");
rule!(WF012, "WF012", "no-windows-platform", Error, "The image has no Windows platform.");
rule!(WF013, "WF013", "missing-node-selector", Warning, "A Kubernetes pod template runs a Windows image without a Windows node selector.");
rule!(WF014, "WF014", "selector-build-mismatch", Error, "The windows-build selector or Swarm constraint names a build that cannot run the image.");
rule!(WF015, "WF015", "swarm-missing-constraint", Warning, "A Swarm service runs a Windows image without OS / version placement constraints.");
rule!(WF016, "WF016", "digest-mismatch", Error, "A pinned digest disagrees with its tag, or registry content does not hash to its digest.");
rule!(WF017, "WF017", "stage-build-mismatch", Warning, "Stages of one Dockerfile use different Windows builds.");
rule!(WF018, "WF018", "no-compatible-host", Error, "The image can run on none of its targeted hosts.");
rule!(WF019, "WF019", "isolation-conflict", Error, "A declared isolation mode cannot work on a targeted host.");

/// Every rule, in id order.
pub static ALL: [&Rule; 20] = [
    &WF000, &WF001, &WF002, &WF003, &WF004, &WF005, &WF006, &WF007, &WF008, &WF009, &WF010, &WF011,
    &WF012, &WF013, &WF014, &WF015, &WF016, &WF017, &WF018, &WF019,
];

/// Look a rule up by id (`WF008`, case-insensitive) or name (`floating-tag`).
pub fn find(key: &str) -> Option<&'static Rule> {
    ALL.iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(key) || r.name.eq_ignore_ascii_case(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sequential_and_names_unique() {
        for (i, r) in ALL.iter().enumerate() {
            assert_eq!(r.id, format!("WF{i:03}"));
            assert!(r.doc.starts_with(&format!("# {} {}", r.id, r.name)), "{} doc title", r.id);
        }
        let mut names: Vec<_> = ALL.iter().map(|r| r.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }

    #[test]
    fn find_by_id_or_name() {
        assert_eq!(find("wf008").map(|r| r.name), Some("floating-tag"));
        assert_eq!(find("latest-tag").map(|r| r.id), Some("WF001"));
        assert!(find("WF999").is_none());
    }
}
