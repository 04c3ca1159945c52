//! The command line: flags, config merging and dispatch. Each command's work lives in
//! `commands/`; this file only turns arguments into settings.

use crate::commands;
use crate::config::{self, Config};
use crate::model::Severity;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes of every command (DESIGN.md, "Exit codes").
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_FAILURE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "winfit",
    version,
    about = "Will these Windows container images run on these Windows hosts?",
    long_about = "winfit finds every image reference in Dockerfiles, compose files, Swarm stacks and \
                  Kubernetes manifests, learns each image's Windows build and judges it against a \
                  declared fleet of Windows hosts."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find image references in files and report findings.
    Lint(LintArgs),
    /// The compatibility matrix: every image found × every host of the fleet.
    Report(ReportArgs),
    /// Ask the registry about images: digest, media type, every platform entry with its
    /// Windows release and KB.
    Inspect(InspectArgs),
    /// Build a fleet file from node inventories.
    #[command(subcommand)]
    Fleet(FleetCommand),
    /// List the rule catalogue.
    Rules,
    /// Print one rule's documentation (by id or name).
    Explain {
        /// Rule id (`WF003`) or name (`build-mismatch`).
        rule: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Turn `kubectl get nodes -o json` or `docker node inspect` JSON into a fleet file (stdout).
    Import {
        /// What produced the file.
        #[arg(long, value_enum)]
        from: ImportSource,
        /// The JSON file (`-` for standard input).
        file: PathBuf,
    },
}

/// Where a node inventory comes from.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ImportSource {
    Kubectl,
    Swarm,
}

/// Output formats of `inspect`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum InspectFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Image references (`mcr.microsoft.com/windows/servercore:ltsc2022`).
    #[arg(required = true)]
    pub images: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: InspectFormat,
    /// Answer from the cache only.
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// Output formats of `report`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    Markdown,
    Csv,
    Html,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}

/// When to use colour.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Output formats of `lint`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LintFormat {
    Table,
    Json,
    Sarif,
    Github,
    Markdown,
}

/// `--fail-on` levels.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }

    fn parse(s: &str) -> Option<FailOn> {
        FailOn::from_str(s, true).ok()
    }
}

/// How to reach registries (`lint`, `report`, `inspect`).
#[derive(Debug, Args, Clone)]
pub struct RegistryArgs {
    /// Send requests for HOST to URL instead (repeatable), e.g. `mcr.microsoft.com=https://mirror.corp`.
    #[arg(long = "registry-mirror", value_name = "HOST=URL")]
    pub registry_mirrors: Vec<String>,
    /// Speak plain HTTP to this registry (repeatable); every other registry is HTTPS only.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registries: Vec<String>,
    /// Where resolved manifests are cached (default: the user's cache directory).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Neither read nor write the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Registry requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
}

impl RegistryArgs {
    /// Registry options: these flags over the config's `[registry]` table.
    pub fn options(
        &self,
        offline: bool,
        config: &config::RegistryConfig,
    ) -> Result<crate::resolve::registry::RegistryOptions, UsageError> {
        let mut registry = crate::resolve::registry::RegistryOptions {
            jobs: usize::from(self.jobs),
            mirrors: config.mirrors.clone(),
            insecure: config.insecure.clone(),
            cache_dir: self.cache_dir.clone(),
            no_cache: self.no_cache,
            offline: offline || config.offline,
            ..Default::default()
        };
        for m in &self.registry_mirrors {
            match m.split_once('=') {
                Some((host, url))
                    if !host.is_empty()
                        && (url.starts_with("https://") || url.starts_with("http://")) =>
                {
                    registry.mirrors.insert(host.to_string(), url.to_string());
                }
                _ => {
                    return Err(UsageError(format!(
                        "--registry-mirror {m:?}: expected HOST=URL with an http(s) URL"
                    )));
                }
            }
        }
        registry
            .insecure
            .extend(self.insecure_registries.iter().cloned());
        Ok(registry)
    }
}

/// Flags shared by the commands that read files.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Files or directories to read (`-` reads standard input). Default: the current directory.
    pub paths: Vec<PathBuf>,
    /// The fleet file: the hosts images are judged against.
    #[arg(long, value_name = "FILE")]
    pub fleet: Option<PathBuf>,
    /// The config file (default: `.winfit.toml` in the current directory or a parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Use only the tag rules and the cache; never touch the network.
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// A build argument used to expand `FROM` (repeatable).
    #[arg(long = "build-arg", value_name = "NAME=VALUE")]
    pub build_args: Vec<String>,
    /// Name standard input (`-`) is reported under, which also decides its kind.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<String>,
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Do not run this rule (id or name; repeatable).
    #[arg(long = "ignore", value_name = "RULE")]
    pub ignore: Vec<String>,
    /// When to colour the output (`NO_COLOR` is honoured in `auto`).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Print notes about skipped files and how references were resolved.
    #[arg(short, long)]
    pub verbose: bool,
    /// Print nothing but the report.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: LintFormat,
}

/// Settings after merging flags over the config file.
#[derive(Debug, Clone)]
pub struct Settings {
    pub paths: Vec<PathBuf>,
    pub stdin_filename: String,
    pub build_args: BTreeMap<String, String>,
    pub offline: bool,
    pub fail_on: FailOn,
    pub ignore: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
    pub color: bool,
    pub verbose: bool,
    pub quiet: bool,
    pub config: Config,
    pub fleet: Option<crate::fleet::Fleet>,
    pub registry: crate::resolve::registry::RegistryOptions,
    /// The run date (for end-of-support checks).
    pub today: crate::resolve::knowledge::Date,
}

/// A problem with the invocation itself: exit 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Settings {
    /// Merge flags over the config file (found or named); every bad value is an error.
    pub fn from_args(args: &CommonArgs, stdout_is_terminal: bool) -> Result<Settings, UsageError> {
        let config = match &args.config {
            Some(p) => config::load(p).map_err(UsageError)?,
            None => match std::env::current_dir()
                .ok()
                .and_then(|d| config::discover(&d))
            {
                Some(p) => config::load(&p).map_err(UsageError)?,
                None => Config::default(),
            },
        };
        let cfg_name = config
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| config::FILE_NAME.to_string());

        let mut build_args = config.build_args.clone();
        for kv in &args.build_args {
            let Some((k, v)) = kv.split_once('=') else {
                return Err(UsageError(format!(
                    "--build-arg {kv:?}: expected NAME=VALUE"
                )));
            };
            if k.is_empty() {
                return Err(UsageError(format!("--build-arg {kv:?}: the name is empty")));
            }
            build_args.insert(k.to_string(), v.to_string());
        }

        let fail_on = match (args.fail_on, &config.fail_on) {
            (Some(f), _) => f,
            (None, Some(s)) => FailOn::parse(s).ok_or_else(|| {
                UsageError(format!(
                    "{cfg_name}: fail-on = {s:?}: expected error, warning, info or never"
                ))
            })?,
            (None, None) => FailOn::Error,
        };

        let mut ignore = Vec::new();
        for (origin, key) in config
            .ignore
            .iter()
            .map(|k| (cfg_name.as_str(), k))
            .chain(args.ignore.iter().map(|k| ("--ignore", k)))
        {
            let rule = crate::lint::catalogue::find(key)
                .ok_or_else(|| UsageError(format!("{origin}: unknown rule {key:?}")))?;
            ignore.push(rule.id.to_string());
        }

        let mut severity = BTreeMap::new();
        for (key, level) in &config.severity {
            let rule = crate::lint::catalogue::find(key).ok_or_else(|| {
                UsageError(format!("{cfg_name}: [severity] names unknown rule {key:?}"))
            })?;
            let sev = Severity::parse(level).ok_or_else(|| {
                UsageError(format!(
                    "{cfg_name}: [severity] {key} = {level:?}: expected error, warning or info"
                ))
            })?;
            severity.insert(rule.id.to_string(), sev);
        }

        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stdout_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };

        let fleet = load_fleet(args.fleet.as_deref(), &config)?;
        let registry = args.registry.options(args.offline, &config.registry)?;
        let today = today()?;

        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };

        Ok(Settings {
            paths,
            stdin_filename: args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| "-".to_string()),
            build_args,
            offline: args.offline || config.registry.offline,
            fail_on,
            ignore,
            severity,
            color,
            verbose: args.verbose && !args.quiet,
            quiet: args.quiet,
            config,
            fleet,
            registry,
            today,
        })
    }
}

/// The fleet named by `--fleet`, else the config's `fleet = "…"` (relative to the config file) or
/// inline `[[host]]` tables. Every problem is an error naming the file and host.
fn load_fleet(
    flag: Option<&std::path::Path>,
    config: &Config,
) -> Result<Option<crate::fleet::Fleet>, UsageError> {
    let path = match (flag, &config.fleet, &config.host) {
        (Some(p), _, _) => p.to_path_buf(),
        (None, Some(rel), _) => config.base_dir().join(rel),
        (None, None, Some(hosts)) => {
            let source = config
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| config::FILE_NAME.to_string());
            let value = toml::Value::Array(hosts.iter().cloned().map(toml::Value::Table).collect());
            return crate::fleet::from_value(&value, &source)
                .map(Some)
                .map_err(|e| UsageError(e.to_string()));
        }
        (None, None, None) => return Ok(None),
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| UsageError(format!("{}: cannot read fleet file: {e}", path.display())))?;
    crate::fleet::parse_fleet(&text, &path.display().to_string())
        .map(Some)
        .map_err(|e| UsageError(e.to_string()))
}

/// Today's date in UTC; `WINFIT_TODAY=YYYY-MM-DD` fixes it (reproducible CI runs and tests).
fn today() -> Result<crate::resolve::knowledge::Date, UsageError> {
    use crate::resolve::knowledge::Date;
    if let Ok(text) = std::env::var("WINFIT_TODAY") {
        return Date::parse(&text).map_err(|e| UsageError(format!("WINFIT_TODAY: {e}")));
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Ok(civil_from_days((secs / 86_400) as i64))
}

/// Days since 1970-01-01 → calendar date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> crate::resolve::knowledge::Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    crate::resolve::knowledge::Date::new(year, month, day)
}

/// Parse the command line and run the command; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Lint(args) => commands::lint::run(&args),
        Command::Report(args) => commands::report::run(&args),
        Command::Inspect(args) => commands::inspect::run(&args),
        Command::Fleet(FleetCommand::Import { from, file }) => commands::fleet::import(from, &file),
        Command::Rules => commands::rules::list(),
        Command::Explain { rule } => commands::rules::explain(&rule),
    };
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::knowledge::Date;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), Date::new(1970, 1, 1));
        assert_eq!(civil_from_days(11_016), Date::new(2000, 2, 29));
        assert_eq!(civil_from_days(20_791), Date::new(2026, 12, 4));
    }
}
