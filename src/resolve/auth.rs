//! Registry credentials as users have them: `~/.docker/config.json` (or `$DOCKER_CONFIG/config.json`)
//! with `auths` (base64 `user:password`), `credsStore` and `credHelpers` (`docker-credential-<name> get`).
//!
//! Secrets never appear in `Debug` or `Display` output.

use base64::Engine;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A credential for one registry host.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// Username and password (or a personal access token used as password).
    Basic { username: String, password: String },
    /// A bearer token handed over as is.
    Bearer(String),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Basic { username, .. } => {
                write!(
                    f,
                    "Basic {{ username: {username:?}, password: <redacted> }}"
                )
            }
            Credential::Bearer(_) => write!(f, "Bearer(<redacted>)"),
        }
    }
}

/// Why credentials could not be read. Messages never contain a secret.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot read Docker config {path}: {detail}")]
    Config { path: String, detail: String },
    #[error("credential helper docker-credential-{helper} failed for {registry}: {detail}")]
    Helper {
        helper: String,
        registry: String,
        detail: String,
    },
}

#[derive(Default, Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: HashMap<String, String>,
}

#[derive(Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default, rename = "registrytoken")]
    registry_token: Option<String>,
}

#[derive(Deserialize)]
struct HelperOutput {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// The Docker config file users have: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    dirs::home_dir().map(|h| h.join(".docker").join("config.json"))
}

/// Reads credentials for registry hosts from one Docker config file.
#[derive(Debug, Default)]
pub struct CredentialStore {
    path: Option<PathBuf>,
    config: DockerConfig,
}

impl fmt::Debug for DockerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DockerConfig")
            .field("auths", &self.auths.keys().collect::<Vec<_>>())
            .field("creds_store", &self.creds_store)
            .field("cred_helpers", &self.cred_helpers)
            .finish()
    }
}

impl CredentialStore {
    /// No credentials at all.
    pub fn empty() -> CredentialStore {
        CredentialStore::default()
    }

    /// Load the user's Docker config (honours `DOCKER_CONFIG`). A missing file means no credentials.
    pub fn from_environment() -> Result<CredentialStore, AuthError> {
        match docker_config_path() {
            Some(p) => CredentialStore::load(&p),
            None => Ok(CredentialStore::empty()),
        }
    }

    /// Load one Docker config file. A missing file means no credentials.
    pub fn load(path: &Path) -> Result<CredentialStore, AuthError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(CredentialStore::empty());
            }
            Err(e) => {
                return Err(AuthError::Config {
                    path: path.display().to_string(),
                    detail: e.to_string(),
                });
            }
        };
        // serde_json errors name a line and column, never the content.
        let config: DockerConfig = serde_json::from_str(&text).map_err(|e| AuthError::Config {
            path: path.display().to_string(),
            detail: format!("invalid JSON at line {} column {}", e.line(), e.column()),
        })?;
        Ok(CredentialStore {
            path: Some(path.to_path_buf()),
            config,
        })
    }

    /// The credential for a registry host (`registry` as in an image reference: `docker.io`,
    /// `mcr.microsoft.com`, `127.0.0.1:5000`). `Ok(None)` means anonymous.
    pub fn lookup(&self, registry: &str) -> Result<Option<Credential>, AuthError> {
        let keys = candidate_keys(registry);
        // 1. credHelpers for this host
        for (host, helper) in &self.config.cred_helpers {
            if keys.iter().any(|k| normalize_key(host) == *k) {
                return run_helper(helper, &server_url(registry), registry);
            }
        }
        // 2. credsStore for everything
        if let Some(store) = self.config.creds_store.as_deref().filter(|s| !s.is_empty())
            && let Some(c) = run_helper(store, &server_url(registry), registry)?
        {
            return Ok(Some(c));
        }
        // 3. auths
        for (key, entry) in &self.config.auths {
            if !keys.iter().any(|k| normalize_key(key) == *k) {
                continue;
            }
            if let Some(token) = entry.registry_token.as_deref().filter(|t| !t.is_empty()) {
                return Ok(Some(Credential::Bearer(token.to_string())));
            }
            if let Some(encoded) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| AuthError::Config {
                        path: self.path_text(),
                        detail: format!("auths[{key:?}].auth is not base64 of \"user:password\""),
                    })?;
                let (user, pass) = decoded.split_once(':').ok_or_else(|| AuthError::Config {
                    path: self.path_text(),
                    detail: format!("auths[{key:?}].auth has no ':' between user and password"),
                })?;
                return Ok(Some(Credential::Basic {
                    username: user.to_string(),
                    password: pass.to_string(),
                }));
            }
            if let (Some(u), Some(p)) = (&entry.username, &entry.password) {
                return Ok(Some(Credential::Basic {
                    username: u.clone(),
                    password: p.clone(),
                }));
            }
        }
        Ok(None)
    }

    fn path_text(&self) -> String {
        self.path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }
}

/// The keys a Docker config may use for a registry.
fn candidate_keys(registry: &str) -> Vec<String> {
    let host = normalize_key(registry);
    if matches!(
        host.as_str(),
        "docker.io" | "index.docker.io" | "registry-1.docker.io"
    ) {
        vec![
            "docker.io".into(),
            "index.docker.io".into(),
            "registry-1.docker.io".into(),
        ]
    } else {
        vec![host]
    }
}

/// `https://index.docker.io/v1/` → `index.docker.io`; `http://host:5000/v2/` → `host:5000`.
fn normalize_key(key: &str) -> String {
    let k = key.trim();
    let k = k
        .strip_prefix("https://")
        .or_else(|| k.strip_prefix("http://"))
        .unwrap_or(k);
    let k = k.split('/').next().unwrap_or(k);
    k.to_ascii_lowercase()
}

/// What `docker login` stores and what helpers are asked for.
fn server_url(registry: &str) -> String {
    match normalize_key(registry).as_str() {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => {
            "https://index.docker.io/v1/".into()
        }
        other => other.to_string(),
    }
}

fn run_helper(helper: &str, server: &str, registry: &str) -> Result<Option<Credential>, AuthError> {
    let err = |detail: String| AuthError::Helper {
        helper: helper.to_string(),
        registry: registry.to_string(),
        detail,
    };
    if helper.is_empty()
        || !helper
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(err("invalid helper name".into()));
    }
    let program = format!("docker-credential-{helper}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| err(format!("cannot run {program}: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading stdin makes this fail with a broken pipe: ignore it.
        let _ = stdin.write_all(server.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| err(format!("{program} failed: {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        // The helper protocol's "not found" answer: anonymous, not an error.
        if stdout.contains("credentials not found")
            || String::from_utf8_lossy(&out.stderr).contains("credentials not found")
        {
            return Ok(None);
        }
        // Never echo helper output: it may hold a secret.
        return Err(err(format!("{program} get exited with {}", out.status)));
    }
    let parsed: HelperOutput = serde_json::from_slice(&out.stdout).map_err(|e| {
        err(format!(
            "{program} get printed invalid JSON (line {} column {})",
            e.line(),
            e.column()
        ))
    })?;
    if parsed.secret.is_empty() {
        return Ok(None);
    }
    if parsed.username == "<token>" {
        // An identity token (OAuth refresh token): used as a bearer token for this registry.
        return Ok(Some(Credential::Bearer(parsed.secret)));
    }
    Ok(Some(Credential::Basic {
        username: parsed.username,
        password: parsed.secret,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_normalise() {
        assert_eq!(
            normalize_key("https://index.docker.io/v1/"),
            "index.docker.io"
        );
        assert_eq!(normalize_key("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
        assert_eq!(server_url("docker.io"), "https://index.docker.io/v1/");
    }

    #[test]
    fn reads_auths_and_redacts() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        let enc = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
        std::fs::write(
            &p,
            format!(r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{enc}"}}}}}}"#),
        )
        .unwrap();
        let store = CredentialStore::load(&p).unwrap();
        let c = store.lookup("docker.io").unwrap().unwrap();
        assert_eq!(
            c,
            Credential::Basic {
                username: "alice".into(),
                password: "s3cret".into()
            }
        );
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(store.lookup("mcr.microsoft.com").unwrap().is_none());
    }

    #[test]
    fn bad_base64_names_no_secret() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        std::fs::write(
            &p,
            r#"{"auths":{"r.example":{"auth":"!!notbase64-secret"}}}"#,
        )
        .unwrap();
        let e = CredentialStore::load(&p)
            .unwrap()
            .lookup("r.example")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("notbase64-secret"), "{e}");
    }
}
