//! `.winfit.toml`: found in the current directory or a parent (up to the repository root),
//! or named with `--config`. Unknown keys are errors, so typos do not silently do nothing.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = ".winfit.toml";

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Path of a fleet file, relative to the config file.
    pub fleet: Option<String>,
    /// Inline fleet: `[[host]]` tables.
    pub host: Option<Vec<toml::Table>>,
    pub fail_on: Option<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    #[serde(default)]
    pub build_args: BTreeMap<String, String>,
    #[serde(default)]
    pub registry: RegistryConfig,
    /// Where the config was read from (not a key).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RegistryConfig {
    #[serde(default)]
    pub offline: bool,
    #[serde(default)]
    pub mirrors: BTreeMap<String, String>,
    #[serde(default)]
    pub insecure: Vec<String>,
}

impl Config {
    /// Parse config text; the error names the file and the line.
    pub fn parse(text: &str, path: &Path) -> Result<Config, String> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| format!(":{}", line_of(text, s.start)))
                .unwrap_or_default();
            format!("{}{at}: {}", path.display(), e.message())
        })?;
        cfg.path = Some(path.to_path_buf());
        Ok(cfg)
    }

    /// The directory relative paths in the config are resolved against.
    pub fn base_dir(&self) -> PathBuf {
        self.path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Find `.winfit.toml` in `start` or a parent, stopping at the repository root (a directory
/// holding `.git`).
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}

/// Read and parse a config file.
pub fn load(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read config: {e}", path.display()))?;
    Config::parse(&text, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_key() {
        let text = r#"
fleet = "fleet.toml"
fail-on = "warning"
ignore = ["WF009"]
[severity]
WF008 = "error"
[build-args]
TAG = "ltsc2022"
[registry]
offline = true
mirrors = { "mcr.microsoft.com" = "https://mirror.corp.example" }
insecure = ["127.0.0.1:5000"]
"#;
        let c = Config::parse(text, Path::new("/r/.winfit.toml")).expect("valid config");
        assert_eq!(c.fleet.as_deref(), Some("fleet.toml"));
        assert_eq!(c.fail_on.as_deref(), Some("warning"));
        assert_eq!(c.ignore, ["WF009"]);
        assert_eq!(c.severity["WF008"], "error");
        assert_eq!(c.build_args["TAG"], "ltsc2022");
        assert!(c.registry.offline);
        assert_eq!(c.registry.insecure, ["127.0.0.1:5000"]);
        assert_eq!(c.base_dir(), Path::new("/r"));
    }

    #[test]
    fn unknown_keys_name_file_and_line() {
        let err =
            Config::parse("fail-on = \"error\"\nfailon = 1\n", Path::new("x.toml")).unwrap_err();
        assert!(err.starts_with("x.toml:2: "), "{err}");
        assert!(err.contains("failon"), "{err}");
    }
}
