//! Discover: walk the paths given on the command line (honouring `.gitignore`) and classify
//! each file as a Dockerfile, a compose / Swarm file or a Kubernetes manifest.

use crate::extract::{text, yaml};
use crate::model::FileKind;
use std::path::{Path, PathBuf};

/// Files larger than this are reported, not read: no real manifest comes near it.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// A file to extract from.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub path: PathBuf,
    /// What the file name says, before the content is read.
    pub by_name: NameClass,
    /// True when the user named the file on the command line (content sniffing applies).
    pub explicit: bool,
}

/// What a file name says about its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameClass {
    Dockerfile,
    Yaml,
    Other,
}

/// Something the walk could not read (a dangling symlink, a permission problem).
#[derive(Debug, Clone)]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

/// Classify a file by its name alone, as DESIGN.md says: `Dockerfile`, `Dockerfile.*`,
/// `*.Dockerfile`, `*.dockerfile`, `Containerfile*`; `*.yml` / `*.yaml` need their content.
pub fn classify_name(path: &Path) -> NameClass {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return NameClass::Other;
    };
    let lower = name.to_ascii_lowercase();
    if lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower.starts_with("containerfile")
    {
        NameClass::Dockerfile
    } else if lower.ends_with(".yml") || lower.ends_with(".yaml") {
        NameClass::Yaml
    } else {
        NameClass::Other
    }
}

/// Walk `paths`: directories are walked honouring `.gitignore` / `.ignore` (hidden
/// directories such as `.git` are skipped); files named explicitly are always taken.
pub fn walk(paths: &[PathBuf]) -> (Vec<Candidate>, Vec<WalkError>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        if root.is_file() {
            found.push(Candidate {
                path: root.clone(),
                by_name: classify_name(root),
                explicit: true,
            });
            continue;
        }
        if !root.exists() {
            errors.push(WalkError {
                path: root.clone(),
                message: "no such file or directory".into(),
            });
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .hidden(true)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(true)
            .require_git(false)
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                    let class = classify_name(e.path());
                    if class != NameClass::Other {
                        found.push(Candidate {
                            path: e.into_path(),
                            by_name: class,
                            explicit: false,
                        });
                    }
                }
                Ok(_) => {}
                Err(err) => errors.push(WalkError {
                    path: root.clone(),
                    message: err.to_string(),
                }),
            }
        }
    }
    (found, errors)
}

/// The outcome of classifying a file by content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    Kind(FileKind),
    /// Not a file winfit reads; the reason goes to verbose output.
    Skip(String),
}

/// Decide a file's kind from its name and decoded text. Explicit files with an unknown name are
/// sniffed: YAML first, then a Dockerfile if a line starts with `FROM`.
pub fn classify(by_name: NameClass, explicit: bool, text: &str) -> Classified {
    match by_name {
        NameClass::Dockerfile => Classified::Kind(FileKind::Dockerfile),
        NameClass::Yaml => match yaml::classify(text) {
            Ok(kind) => Classified::Kind(kind),
            Err(why) => Classified::Skip(why),
        },
        NameClass::Other if explicit => {
            if looks_like_dockerfile(text) {
                return Classified::Kind(FileKind::Dockerfile);
            }
            match yaml::classify(text) {
                Ok(kind) => Classified::Kind(kind),
                Err(_) => Classified::Skip(
                    "neither a Dockerfile (no FROM instruction) nor a compose / Kubernetes file"
                        .into(),
                ),
            }
        }
        NameClass::Other => Classified::Skip("file name is not a Dockerfile or YAML name".into()),
    }
}

/// A Dockerfile has a `FROM` instruction at the start of some line (any case).
fn looks_like_dockerfile(text: &str) -> bool {
    text.lines().take(10_000).any(|l| {
        let t = l.trim_start();
        t.get(..4).is_some_and(|w| w.eq_ignore_ascii_case("from"))
            && t[4..].starts_with([' ', '\t'])
    })
}

/// Read a file's bytes, refusing huge files, and decode them.
pub fn read_text(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "file is {} bytes, over the {} MiB limit",
            meta.len(),
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    text::decode(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_names() {
        let cases = [
            ("Dockerfile", NameClass::Dockerfile),
            ("dockerfile", NameClass::Dockerfile),
            ("Dockerfile.windows", NameClass::Dockerfile),
            ("api.Dockerfile", NameClass::Dockerfile),
            ("build.dockerfile", NameClass::Dockerfile),
            ("Containerfile", NameClass::Dockerfile),
            ("Containerfile.ltsc2022", NameClass::Dockerfile),
            ("docker-compose.yml", NameClass::Yaml),
            ("deploy.YAML", NameClass::Yaml),
            ("README.md", NameClass::Other),
            ("Dockerfiles.txt", NameClass::Other),
            (".env", NameClass::Other),
        ];
        for (name, want) in cases {
            assert_eq!(classify_name(Path::new(name)), want, "{name}");
        }
    }

    #[test]
    fn sniffs_explicit_files_only() {
        let df = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2019\n";
        assert_eq!(
            classify(NameClass::Other, true, df),
            Classified::Kind(FileKind::Dockerfile)
        );
        assert!(matches!(
            classify(NameClass::Other, false, df),
            Classified::Skip(_)
        ));
        assert!(matches!(
            classify(NameClass::Other, true, "KEY=value\n"),
            Classified::Skip(_)
        ));
        assert_eq!(
            classify(NameClass::Other, true, "FROM\tubuntu:14.04\n"),
            Classified::Kind(FileKind::Dockerfile)
        );
        assert!(matches!(
            classify(NameClass::Other, true, "FROMAGE x\n"),
            Classified::Skip(_)
        ));
    }
}
