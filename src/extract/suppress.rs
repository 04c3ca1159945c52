//! Inline suppressions in `#`-comment files (Dockerfiles and YAML):
//! `# winfit ignore=WF008,WF013` applies to the next line that is not blank or a comment;
//! `# winfit global ignore=WF009` applies to the whole file.

use crate::model::Suppressions;

/// Scan a file's text for suppression comments.
pub fn scan(text: &str) -> Suppressions {
    let mut out = Suppressions::default();
    let mut pending: Vec<String> = Vec::new();
    for (idx, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(comment) = trimmed.strip_prefix('#') {
            let words: Vec<&str> = comment.split_whitespace().collect();
            match words.as_slice() {
                ["winfit", "global", rest @ ..] => out.global.extend(rule_list(rest)),
                ["winfit", rest @ ..] => pending.extend(rule_list(rest)),
                _ => {}
            }
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        if !pending.is_empty() {
            out.by_line.entry(idx + 1).or_default().append(&mut pending);
        }
    }
    out
}

/// `ignore=WF008,WF013` (also `ignore = WF008, WF013`) → ["WF008", "WF013"].
fn rule_list(words: &[&str]) -> Vec<String> {
    let joined = words.join(" ");
    let Some(list) = joined.strip_prefix("ignore") else {
        return Vec::new();
    };
    let Some(list) = list.trim_start().strip_prefix('=') else {
        return Vec::new();
    };
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| s.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_line_and_global_suppressions() {
        let text = "# winfit global ignore=WF009\nFROM a\n# winfit ignore=WF008, wf013\n\n# other comment\nFROM b\n  # winfit ignore = WF001\n  image: c\n# winfit ignore\nFROM d\n";
        let s = scan(text);
        assert_eq!(s.global, vec!["WF009"]);
        assert_eq!(s.by_line.get(&6), Some(&vec!["WF008".to_string(), "WF013".to_string()]));
        assert_eq!(s.by_line.get(&8), Some(&vec!["WF001".to_string()]));
        assert_eq!(s.by_line.get(&10), None);
        assert_eq!(s.by_line.len(), 2);
    }
}
