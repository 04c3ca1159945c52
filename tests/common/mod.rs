//! Helpers shared by the CLI tests: run the real `winfit` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Run winfit in `dir` with `args`, no config discovery surprises (NO_COLOR, no stdin).
pub fn winfit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_winfit"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("WINFIT_TODAY", "2026-12-04")
        // Never read or write the user's cache from tests.
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .env_remove("WINDOWS_TAG")
        .env_remove("RELEASE")
        .env_remove("MISSING_REGISTRY")
        .stdin(Stdio::null())
        .output()
        .expect("winfit runs")
}

/// Run winfit and parse its JSON output.
pub fn winfit_json(dir: &Path, args: &[&str]) -> (serde_json::Value, i32) {
    let out = winfit(dir, args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap_or(-1))
}
