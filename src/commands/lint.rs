//! `winfit lint`: discover → extract → resolve → judge → lint → render.

use crate::cli::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK, LintArgs, LintFormat, Settings};
use crate::commands::collect;
use crate::lint::policy::{self, Policy};
use crate::render::{self, LintResult};
use std::io::{IsTerminal, Write};

pub fn run(args: &LintArgs) -> u8 {
    let stdout_tty = std::io::stdout().is_terminal();
    let settings = match Settings::from_args(&args.common, stdout_tty) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("winfit: {e}");
            return EXIT_FAILURE;
        }
    };
    let collected = collect::collect(&settings);
    if settings.verbose {
        for note in &collected.notes {
            eprintln!("winfit: note: {note}");
        }
    }
    let policy = Policy {
        ignore: settings.ignore.clone(),
        severity: settings.severity.clone(),
    };
    let findings = policy::apply(collected.findings, &policy, &collected.suppressions);
    let result = LintResult {
        files: collected.files,
        references: collected.references,
        findings,
        texts: collected.texts,
    };
    let text = match args.format {
        LintFormat::Json => render::json::lint(&result),
        LintFormat::Table => render::table::lint(&result, settings.color),
    };
    if let Err(e) = std::io::stdout().lock().write_all(text.as_bytes())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("winfit: cannot write output: {e}");
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

/// 1 when a finding at or above `--fail-on` remains, else 0. The format never matters.
pub fn exit_code(result: &LintResult, settings: &Settings) -> u8 {
    match settings.fail_on.threshold() {
        Some(t) if result.findings.iter().any(|f| f.severity >= t) => EXIT_FINDINGS,
        _ => EXIT_OK,
    }
}
