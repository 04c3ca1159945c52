//! Discover and extract: the first two stages, shared by `lint` and `report`.
//! Reads files (the only I/O here), hands their text to the pure front ends, follows compose
//! `build:` sections to their Dockerfiles.

use crate::cli::Settings;
use crate::discover::{self, Candidate, Classified, NameClass};
use crate::extract::{self, ExtractOptions, interpolate};
use crate::lint::catalogue::{WF000, WF010};
use crate::model::{FileKind, Finding, Position, Reference, SourceFile, Suppressions};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Everything found in the inputs.
#[derive(Debug, Default)]
pub struct Collected {
    pub files: Vec<SourceFile>,
    pub references: Vec<Reference>,
    pub findings: Vec<Finding>,
    pub suppressions: BTreeMap<String, Suppressions>,
    /// File texts, by display path, for showing source lines under findings.
    pub texts: BTreeMap<String, String>,
    /// Notes for verbose output (skipped files).
    pub notes: Vec<String>,
    /// Problems with the invocation (a path that does not exist): exit 2.
    pub fatal: Vec<String>,
}

/// How a path is shown in output: as given (relative stays relative), with `/` separators.
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Discover and extract. `keep_texts` keeps each file's text for quoting source lines (the table
/// format); other formats do not need them.
pub fn collect(settings: &Settings, keep_texts: bool) -> Collected {
    let mut out = Collected::default();
    let mut on_disk: Vec<PathBuf> = Vec::new();
    for p in &settings.paths {
        if p.as_os_str() == "-" {
            collect_stdin(settings, &mut out);
        } else {
            on_disk.push(p.clone());
        }
    }
    let (candidates, walk_errors) = discover::walk(&on_disk);
    for e in walk_errors {
        if e.message == "no such file or directory" {
            out.fatal
                .push(format!("{}: no such file or directory", e.path.display()));
        } else {
            out.notes
                .push(format!("{}: {}", e.path.display(), e.message));
        }
    }

    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut wave: Vec<(Candidate, Option<FileKind>)> =
        candidates.into_iter().map(|c| (c, None)).collect();
    // Files are read and extracted in parallel, wave by wave: the files found, then the
    // Dockerfiles their compose `build:` sections name, and so on. Results are merged in order.
    while !wave.is_empty() {
        wave.retain(|(cand, _)| {
            let key = std::fs::canonicalize(&cand.path).unwrap_or_else(|_| cand.path.clone());
            seen.insert(key)
        });
        let outcomes: Vec<Outcome> = wave
            .par_iter()
            .map(|(cand, forced)| process(cand, *forced, settings))
            .collect();
        let mut next = Vec::new();
        for (outcome, (cand, _)) in outcomes.into_iter().zip(&wave) {
            match outcome {
                Outcome::Unreadable { display, kind, why } => {
                    unreadable(&mut out, &display, kind, why)
                }
                Outcome::Skipped { note } => {
                    // A file named on the command line never vanishes silently.
                    if cand.explicit && !settings.quiet {
                        eprintln!("winfit: note: {note}");
                    } else {
                        out.notes.push(note)
                    }
                }
                Outcome::Extracted {
                    display,
                    kind,
                    text,
                    extraction,
                } => {
                    for (rel, line) in &extraction.dockerfiles {
                        let dir = cand.path.parent().unwrap_or(Path::new("."));
                        let target = dir.join(rel);
                        if target.is_file() {
                            next.push((
                                Candidate {
                                    path: target,
                                    by_name: NameClass::Dockerfile,
                                    explicit: true,
                                },
                                Some(FileKind::Dockerfile),
                            ));
                        } else {
                            out.findings.push(WF010.finding(
                                &display,
                                Position { line: *line, column: 1 },
                                None,
                                format!(
                                    "the build section names {}, which does not exist, so its images cannot be checked",
                                    display_path(&normalize(&target))
                                ),
                                "Fix the `build.context` / `build.dockerfile` path so the Dockerfile can be linted.",
                            ));
                        }
                    }
                    record(&mut out, display, kind, text, extraction, keep_texts);
                }
            }
        }
        wave = next;
    }
    out
}

/// `a/compose/../docker/Dockerfile` → `a/docker/Dockerfile`, lexically (for messages).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// What reading one file gave.
enum Outcome {
    Unreadable {
        display: String,
        kind: FileKind,
        why: String,
    },
    Skipped {
        note: String,
    },
    Extracted {
        display: String,
        kind: FileKind,
        text: String,
        extraction: crate::model::Extraction,
    },
}

/// Read, classify and extract one file (reading it, and a `.env` beside it, is the only I/O).
fn process(cand: &Candidate, forced: Option<FileKind>, settings: &Settings) -> Outcome {
    let display = display_path(&cand.path);
    match discover::read_text(&cand.path) {
        Ok(text) => classify_and_extract(
            display,
            &cand.path,
            (cand.by_name, cand.explicit),
            forced,
            text,
            settings,
        ),
        Err(why) => {
            let kind = forced.unwrap_or(match cand.by_name {
                NameClass::Yaml => FileKind::Kubernetes,
                _ => FileKind::Dockerfile,
            });
            Outcome::Unreadable { display, kind, why }
        }
    }
}

/// Decide the kind of a file's text (unless forced) and extract its references.
fn classify_and_extract(
    display: String,
    path: &Path,
    (by_name, explicit): (NameClass, bool),
    forced: Option<FileKind>,
    text: String,
    settings: &Settings,
) -> Outcome {
    let kind = match forced {
        Some(k) => k,
        None => match discover::classify(by_name, explicit, &text) {
            Classified::Kind(k) => k,
            Classified::Skip(why) => {
                return Outcome::Skipped {
                    note: format!("{display}: skipped: {why}"),
                };
            }
        },
    };
    let opts = ExtractOptions {
        build_args: settings.build_args.clone(),
        env: if kind == FileKind::Compose {
            compose_env(path)
        } else {
            BTreeMap::new()
        },
    };
    let extraction = extract::extract(&display, kind, &text, &opts);
    Outcome::Extracted {
        display,
        kind,
        text,
        extraction,
    }
}

/// Add one extracted file to the collection.
fn record(
    out: &mut Collected,
    display: String,
    kind: FileKind,
    text: String,
    extraction: crate::model::Extraction,
    keep_texts: bool,
) {
    let error = extraction
        .findings
        .iter()
        .find(|f| f.rule == WF000.id)
        .map(|f| format!("line {}: {}", f.line, f.message));
    out.files.push(SourceFile {
        path: display.clone(),
        kind,
        error,
    });
    out.references.extend(extraction.references);
    out.findings.extend(extraction.findings);
    out.suppressions
        .insert(display.clone(), extraction.suppressions);
    if keep_texts {
        out.texts.insert(display, text);
    }
}

fn unreadable(out: &mut Collected, display: &str, kind: FileKind, why: String) {
    out.findings.push(WF000.finding(
        display,
        Position { line: 1, column: 1 },
        None,
        format!("cannot read {display}: {why}"),
        "winfit reads UTF-8 and UTF-16 (with BOM) text files.",
    ));
    out.files.push(SourceFile {
        path: display.to_string(),
        kind,
        error: Some(why),
    });
}

fn collect_stdin(settings: &Settings, out: &mut Collected) {
    let display = settings.stdin_filename.clone();
    let name_class = discover::classify_name(Path::new(&display));
    let mut bytes = Vec::new();
    let limited = std::io::stdin()
        .lock()
        .take(discover::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes);
    let text = match limited {
        Err(e) => Err(format!("cannot read standard input: {e}")),
        Ok(_) if bytes.len() as u64 > discover::MAX_FILE_BYTES => {
            Err("standard input is over the size limit".to_string())
        }
        Ok(_) => extract::text::decode(&bytes),
    };
    let text = match text {
        Ok(t) => t,
        Err(why) => {
            unreadable(out, &display, FileKind::Dockerfile, why);
            return;
        }
    };
    match classify_and_extract(
        display.clone(),
        Path::new(&display),
        (name_class, true),
        None,
        text,
        settings,
    ) {
        Outcome::Extracted {
            display,
            kind,
            text,
            extraction,
        } => record(out, display, kind, text, extraction, true),
        Outcome::Skipped { note } => out.notes.push(note),
        Outcome::Unreadable { display, kind, why } => unreadable(out, &display, kind, why),
    }
}

/// Compose interpolation variables: a `.env` beside the file, overridden by the environment.
fn compose_env(path: &Path) -> BTreeMap<String, String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut env = std::fs::read(dir.join(".env"))
        .ok()
        .and_then(|b| extract::text::decode(&b).ok())
        .map(|t| interpolate::parse_dotenv(&t))
        .unwrap_or_default();
    for (k, v) in std::env::vars_os() {
        if let (Ok(k), Ok(v)) = (k.into_string(), v.into_string()) {
            env.insert(k, v);
        }
    }
    env
}
