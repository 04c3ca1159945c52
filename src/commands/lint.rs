//! `winfit lint`: discover → extract → resolve → judge → lint → render.

use crate::cli::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK, LintArgs, LintFormat, Settings};
use crate::commands::collect;
use crate::extract::reference;
use crate::lint::policy::{self, Policy};
use crate::model::Reference;
use crate::render::{self, LintResult};
use crate::resolve::registry::{self, ResolveError};
use crate::resolve::{self, Resolution};
use std::collections::BTreeMap;
use std::io::IsTerminal;

pub fn run(args: &LintArgs) -> u8 {
    let stdout_tty = std::io::stdout().is_terminal();
    let settings = match Settings::from_args(&args.common, stdout_tty) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("winfit: {e}");
            return EXIT_FAILURE;
        }
    };
    let collected = collect::collect(&settings, args.format == LintFormat::Table);
    if settings.verbose {
        for note in &collected.notes {
            eprintln!("winfit: note: {note}");
        }
    }
    let resolutions = resolve(&collected.references, &settings);
    let cx = crate::lint::Context {
        fleet: settings.fleet.as_ref(),
        today: settings.today,
    };
    let mut all_findings = collected.findings;
    all_findings.extend(crate::lint::run(&collected.references, &resolutions, &cx));
    let mut references = collected.references;
    annotate(&mut references, &resolutions);
    let policy = Policy {
        ignore: settings.ignore.clone(),
        severity: settings.severity.clone(),
    };
    let findings = policy::apply(all_findings, &policy, &collected.suppressions);
    let result = LintResult {
        files: collected.files,
        references,
        findings,
        texts: collected.texts,
    };
    let text = match args.format {
        LintFormat::Json => render::json::lint(&result),
        LintFormat::Table => render::table::lint(&result, settings.color),
        LintFormat::Sarif => render::sarif::lint(&result),
        LintFormat::Github => render::github::lint(&result),
        LintFormat::Markdown => render::markdown::lint(&result),
    };
    if !super::print(&text) {
        return EXIT_FAILURE;
    }
    for f in &collected.fatal {
        eprintln!("winfit: {f}");
    }
    if !collected.fatal.is_empty() {
        return EXIT_FAILURE;
    }
    exit_code(&result, &settings)
}

/// Resolve every distinct image once, from its tag and the KB table.
pub fn resolve_offline(references: &[Reference]) -> BTreeMap<String, Resolution> {
    let mut out = BTreeMap::new();
    for r in references {
        let Some(image) = &r.image else { continue };
        if out.contains_key(image) {
            continue;
        }
        if let Ok(parsed) = reference::parse(image) {
            out.insert(image.clone(), resolve::offline(&parsed));
        }
    }
    out
}

/// Resolve every distinct image: the tag rules first, then the registry (or, with `--offline`,
/// the cache alone). When the registry cannot be reached the tag rules stand, and a note says so
/// once.
pub fn resolve(references: &[Reference], settings: &Settings) -> BTreeMap<String, Resolution> {
    let mut resolutions = resolve_offline(references);
    if settings.registry.offline {
        // Offline with no cache to read: the tag rules are all there is. (Skips setting up the
        // HTTP client, which costs a pre-commit hook a noticeable fraction of a second.)
        let cache_root = settings
            .registry
            .cache_dir
            .clone()
            .or_else(crate::resolve::cache::Cache::default_dir);
        if settings.registry.no_cache || !cache_root.is_some_and(|d| d.is_dir()) {
            return resolutions;
        }
    }
    let images: Vec<reference::ImageRef> = resolutions.values().map(|r| r.image.clone()).collect();
    if images.is_empty() {
        return resolutions;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("winfit: cannot start the resolver ({e}); using the tag rules only");
            return resolutions;
        }
    };
    // A progress line on a terminal when there is something to wait for; silent otherwise.
    let show = !settings.quiet && images.len() > 1 && std::io::stderr().is_terminal();
    let progress = |done: usize, total: usize| {
        if show {
            eprint!("\rwinfit: resolving images {done}/{total}");
        }
    };
    let answers = runtime.block_on(registry::resolve_all_with_progress(
        &images,
        &settings.registry,
        &progress,
    ));
    if show {
        eprint!("\r\x1b[2K");
    }
    let mut unreachable: Vec<String> = Vec::new();
    for (key, answer) in answers {
        let Some(res) = resolutions.remove(&key) else {
            continue;
        };
        let res = match answer {
            // Offline cache misses: the tag rules are all there is, and that is what was asked.
            Err(ResolveError::Offline { .. }) => res,
            Err(
                e @ (ResolveError::Network { .. }
                | ResolveError::Server { .. }
                | ResolveError::Unauthorized { .. }
                | ResolveError::Credentials { .. }
                | ResolveError::TooLarge { .. }),
            ) => {
                unreachable.push(e.to_string());
                res.with_registry(Err(e))
            }
            other => res.with_registry(other),
        };
        resolutions.insert(key, res);
    }
    if !unreachable.is_empty() && !settings.quiet {
        eprintln!(
            "winfit: note: the registry could not answer for {} image(s); their Windows version comes from the tag rules where the tag names one (first error: {})",
            unreachable.len(),
            unreachable[0]
        );
    }
    resolutions
}

/// Copy what was learned into the references (`os_version`, `source`).
pub fn annotate(references: &mut [Reference], resolutions: &BTreeMap<String, Resolution>) {
    for r in references {
        if let Some(res) = r.image.as_ref().and_then(|i| resolutions.get(i)) {
            r.os_version = res.version.map(|v| v.to_string());
            r.source = res.version.and(res.source);
        }
    }
}

/// 1 when a finding at or above `--fail-on` remains, else 0. The format never matters.
pub fn exit_code(result: &LintResult, settings: &Settings) -> u8 {
    match settings.fail_on.threshold() {
        Some(t) if result.findings.iter().any(|f| f.severity >= t) => EXIT_FINDINGS,
        _ => EXIT_OK,
    }
}
