//! Registry resolution: image reference → manifest list / index → every platform entry with its
//! `os.version`. The only code in winfit that touches the network, behind [`ManifestSource`].
//!
//! How a reference is resolved (see `RegistryOptions` for the knobs):
//! 1. a tag is turned into a digest from the cache's tag index while fresh (TTL), else by a
//!    `HEAD` (Docker Hub does not count HEADs against its pull quota);
//! 2. the manifest is read by digest from the cache, else `GET` with an `Accept` of all four
//!    manifest media types, hashed with sha256 and compared with the digest asked for;
//! 3. a list / index gives every platform entry; an entry without `os.version` (and a single
//!    manifest) gets it from the image config blob.
//!
//! The bearer-token challenge (Docker Hub style) and basic auth are negotiated by one
//! `oci_client::Client` per run; the manifest and blob requests themselves go through a
//! `reqwest::Client` so that status codes, `Retry-After`, the size cap and redirects are under
//! our control. Credentials never leave the registry host: reqwest drops `Authorization` on a
//! redirect to another host, port or scheme.

use crate::extract::reference::ImageRef;
use crate::judge::version::OsVersion;
use crate::resolve::auth::{Credential, CredentialStore};
use crate::resolve::cache::{Cache, DEFAULT_TAG_TTL, sha256_digest, sha256_hex};
use futures::StreamExt;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use oci_client::{Reference, RegistryOperation};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_LENGTH, HeaderMap, RETRY_AFTER};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Sent on every manifest request: without the OCI index type an index is answered 404, and
/// without the Docker list type a list is answered with its linux/amd64 child.
pub const MANIFEST_ACCEPT: &str = "application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.oci.image.manifest.v1+json";
/// Largest manifest or config accepted.
pub const MAX_CONTENT_BYTES: usize = 4 * 1024 * 1024;

/// Knobs of a resolution run. `Default` is what a user gets without flags.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Concurrent references and concurrent HTTP requests (default 8).
    pub jobs: usize,
    /// Whole-request timeout, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Retries after the first attempt on 429, 5xx, connection failures and timeouts.
    pub retries: u32,
    /// First backoff; doubled on each retry.
    pub backoff: Duration,
    /// `Retry-After` values above this are clamped to it.
    pub max_retry_after: Duration,
    pub max_content_bytes: usize,
    /// `HOST → URL` (e.g. `mcr.microsoft.com → https://mirror.corp.example`).
    pub mirrors: BTreeMap<String, String>,
    /// `HOST[:PORT]` spoken to over plain HTTP; everything else is HTTPS.
    pub insecure: Vec<String>,
    /// Cache root; `None` = the user's cache dir.
    pub cache_dir: Option<PathBuf>,
    pub no_cache: bool,
    /// Cache only: nothing is sent; a miss is `ResolveError::Offline`.
    pub offline: bool,
    pub tag_ttl: Duration,
    /// Docker config file; `None` = `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`.
    pub docker_config: Option<PathBuf>,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            jobs: 8,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retries: 3,
            backoff: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(30),
            max_content_bytes: MAX_CONTENT_BYTES,
            mirrors: BTreeMap::new(),
            insecure: Vec::new(),
            cache_dir: None,
            no_cache: false,
            offline: false,
            tag_ttl: DEFAULT_TAG_TTL,
            docker_config: None,
        }
    }
}

/// Where a result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// At least one request went to a registry.
    Registry,
    /// Everything came from the local cache.
    Cache,
}

/// One platform entry of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    pub os_version: Option<String>,
    pub os_features: Vec<String>,
    /// The digest of this platform's image manifest.
    pub digest: String,
}

impl Platform {
    pub fn is_windows(&self) -> bool {
        self.os.eq_ignore_ascii_case("windows")
    }

    /// The parsed `os.version`, when present and well-formed.
    pub fn version(&self) -> Option<OsVersion> {
        self.os_version
            .as_deref()
            .and_then(|v| OsVersion::parse(v).ok())
    }
}

/// What a registry says about one reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    /// Digest of the manifest the reference points to (list, index or single manifest).
    pub digest: String,
    pub media_type: String,
    pub platforms: Vec<Platform>,
    pub source: Source,
}

/// Why a reference could not be resolved. `Display` carries the whole cause chain and never a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("{reference}: not found: {detail}")]
    NotFound { reference: String, detail: String },
    #[error("{reference}: unauthorized: {detail}")]
    Unauthorized { reference: String, detail: String },
    #[error("{reference}: registry unreachable: {detail}")]
    Network { reference: String, detail: String },
    #[error("{reference}: registry answered HTTP {status}: {detail}")]
    Server {
        reference: String,
        status: u16,
        detail: String,
    },
    #[error("{reference}: invalid registry content: {detail}")]
    InvalidContent { reference: String, detail: String },
    #[error("{reference}: {what} does not match its digest: expected {expected}, got {actual}")]
    DigestMismatch {
        reference: String,
        what: String,
        expected: String,
        actual: String,
    },
    #[error("{reference}: {what} is larger than the {limit}-byte limit")]
    TooLarge {
        reference: String,
        what: String,
        limit: usize,
    },
    #[error("{reference}: not in the cache, and offline mode sends no request")]
    Offline { reference: String },
    #[error("{reference}: cannot read credentials: {detail}")]
    Credentials { reference: String, detail: String },
}

impl ResolveError {
    /// The lint rule this error maps to: WF011 (not found), WF016 (content does not hash to its
    /// digest / invalid content), else WF010 (unresolved).
    pub fn rule(&self) -> &'static str {
        match self {
            ResolveError::NotFound { .. } => "WF011",
            ResolveError::DigestMismatch { .. } | ResolveError::InvalidContent { .. } => "WF016",
            _ => "WF010",
        }
    }

    pub fn reference(&self) -> &str {
        match self {
            ResolveError::NotFound { reference, .. }
            | ResolveError::Unauthorized { reference, .. }
            | ResolveError::Network { reference, .. }
            | ResolveError::Server { reference, .. }
            | ResolveError::InvalidContent { reference, .. }
            | ResolveError::DigestMismatch { reference, .. }
            | ResolveError::TooLarge { reference, .. }
            | ResolveError::Offline { reference }
            | ResolveError::Credentials { reference, .. } => reference,
        }
    }
}

/// The network-touching seam: everything above it is tested with a fake.
pub trait ManifestSource: Sync {
    fn resolve(
        &self,
        image: &ImageRef,
    ) -> impl Future<Output = Result<Resolved, ResolveError>> + Send;
}

/// Requests sent, by kind (for the benchmark and for "warm = zero manifest GETs" checks).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RequestStats {
    /// `oci_client` auth negotiations (a `GET /v2/`, plus a token request when challenged).
    pub auth: u64,
    pub head: u64,
    pub manifest_get: u64,
    pub blob_get: u64,
    pub retries: u64,
}

impl RequestStats {
    pub fn total(&self) -> u64 {
        self.auth + self.head + self.manifest_get + self.blob_get
    }
}

#[derive(Default)]
struct Counters {
    auth: AtomicU64,
    head: AtomicU64,
    manifest_get: AtomicU64,
    blob_get: AtomicU64,
    retries: AtomicU64,
}

/// The Authorization a repository needs, as negotiated once per run.
#[derive(Clone)]
enum AuthHeader {
    None,
    Basic(String, String),
    Bearer(String),
}

/// Where the requests for one reference go.
#[derive(Clone)]
struct Target {
    /// The normalized reference, for messages.
    display: String,
    /// `scheme://host[:port]` of the registry or mirror.
    base: String,
    /// Host whose credentials are used.
    host: String,
    repository: String,
    /// `?ns=<origin registry>` when talking to a mirror.
    ns: Option<String>,
    /// For the oci_client auth negotiation.
    reference: Reference,
}

impl Target {
    fn url(&self, kind: &str, reference: &str) -> String {
        let mut u = format!(
            "{}/v2/{}/{}/{}",
            self.base, self.repository, kind, reference
        );
        if let Some(ns) = &self.ns {
            u.push_str("?ns=");
            u.push_str(ns);
        }
        u
    }
}

/// The real registry client: one `oci_client::Client` for auth, one `reqwest::Client` for content.
pub struct OciSource {
    oci: oci_client::Client,
    http: Result<reqwest::Client, String>,
    opts: RegistryOptions,
    creds: Result<Arc<CredentialStore>, String>,
    cache: Option<Cache>,
    permits: Semaphore,
    auth: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<AuthHeader>>>>>,
    cred_cache: Mutex<HashMap<String, Result<Option<Credential>, String>>>,
    counters: Counters,
}

/// `HOST[:PORT]` and the scheme of a mirror URL; user info and path are dropped.
fn parse_mirror(url: &str) -> (String, String) {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("https".to_string(), url),
    };
    let hostport = rest.split('/').next().unwrap_or(rest);
    let hostport = hostport.rsplit('@').next().unwrap_or(hostport);
    (scheme, hostport.to_string())
}

/// The cause chain of an error, joined with ": ".
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

fn short(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(300)])
        .trim()
        .to_string();
    if text.is_empty() {
        "(empty body)".to_string()
    } else {
        text
    }
}

struct Fetched {
    headers: HeaderMap,
    body: Vec<u8>,
}

impl OciSource {
    pub fn new(opts: &RegistryOptions) -> OciSource {
        let mut opts = opts.clone();
        opts.jobs = opts.jobs.max(1);
        let mut plain: Vec<String> = opts.insecure.clone();
        for url in opts.mirrors.values() {
            let (scheme, host) = parse_mirror(url);
            if scheme == "http" {
                plain.push(host);
            }
        }
        let oci = oci_client::Client::new(ClientConfig {
            protocol: ClientProtocol::HttpsExcept(plain),
            read_timeout: Some(opts.timeout),
            connect_timeout: Some(opts.connect_timeout),
            platform_resolver: None,
            ..Default::default()
        });
        let http = reqwest::Client::builder()
            .connect_timeout(opts.connect_timeout)
            .user_agent(concat!("winfit/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let downgrade = attempt.url().scheme() == "http"
                    && attempt
                        .previous()
                        .last()
                        .is_some_and(|p| p.scheme() == "https");
                if downgrade {
                    attempt.error("refusing a redirect from https to http")
                } else if attempt.previous().len() > 5 {
                    attempt.error("too many redirects")
                } else {
                    attempt.follow()
                }
            }))
            .build()
            .map_err(|e| error_chain(&e));
        let creds = match &opts.docker_config {
            Some(p) => CredentialStore::load(p),
            None => CredentialStore::from_environment(),
        }
        .map(Arc::new)
        .map_err(|e| e.to_string());
        let cache = if opts.no_cache {
            None
        } else {
            opts.cache_dir
                .clone()
                .or_else(Cache::default_dir)
                .map(|d| Cache::new(d, opts.tag_ttl))
        };
        OciSource {
            oci,
            http,
            permits: Semaphore::new(opts.jobs),
            opts,
            creds,
            cache,
            auth: Mutex::new(HashMap::new()),
            cred_cache: Mutex::new(HashMap::new()),
            counters: Counters::default(),
        }
    }

    pub fn cache(&self) -> Option<&Cache> {
        self.cache.as_ref()
    }

    pub fn stats(&self) -> RequestStats {
        let c = &self.counters;
        RequestStats {
            auth: c.auth.load(Ordering::Relaxed),
            head: c.head.load(Ordering::Relaxed),
            manifest_get: c.manifest_get.load(Ordering::Relaxed),
            blob_get: c.blob_get.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
        }
    }

    fn targets(&self, image: &ImageRef) -> Vec<Target> {
        let display = image.normalized();
        let origin = Reference::with_tag(
            image.registry.clone(),
            image.repository.clone(),
            image.tag.clone().unwrap_or_else(|| "latest".into()),
        );
        let mut out = Vec::new();
        if let Some(url) = self.opts.mirrors.get(&image.registry) {
            let (scheme, host) = parse_mirror(url);
            let mut reference = origin.clone();
            reference.set_mirror_registry(host.clone());
            out.push(Target {
                display: display.clone(),
                base: format!("{scheme}://{host}"),
                host,
                repository: image.repository.clone(),
                ns: Some(image.registry.clone()),
                reference,
            });
        }
        let host = origin.resolve_registry().to_string();
        let scheme = if self.opts.insecure.iter().any(|h| h == &host) {
            "http"
        } else {
            "https"
        };
        out.push(Target {
            display,
            base: format!("{scheme}://{host}"),
            host,
            repository: image.repository.clone(),
            ns: None,
            reference: origin,
        });
        out
    }

    fn credential(&self, t: &Target) -> Result<Option<Credential>, ResolveError> {
        let store = self.creds.as_ref().map_err(|d| ResolveError::Credentials {
            reference: t.display.clone(),
            detail: d.clone(),
        })?;
        let mut cache = self.cred_cache.lock().unwrap_or_else(|p| p.into_inner());
        let r = cache
            .entry(t.host.clone())
            .or_insert_with(|| store.lookup(&t.host).map_err(|e| e.to_string()))
            .clone();
        r.map_err(|d| ResolveError::Credentials {
            reference: t.display.clone(),
            detail: d,
        })
    }

    /// The Authorization for a target's repository, negotiated once (again after `invalidate`).
    async fn auth_header(&self, t: &Target, renew: bool) -> Result<AuthHeader, ResolveError> {
        let key = format!("{}/{}", t.host, t.repository);
        let slot = {
            let mut m = self.auth.lock().unwrap_or_else(|p| p.into_inner());
            m.entry(key).or_default().clone()
        };
        let mut guard = slot.lock().await;
        if !renew && let Some(h) = guard.as_ref() {
            return Ok(h.clone());
        }
        let cred = self.credential(t)?;
        let ra = match &cred {
            None => RegistryAuth::Anonymous,
            Some(Credential::Basic { username, password }) => {
                RegistryAuth::Basic(username.clone(), password.clone())
            }
            Some(Credential::Bearer(tok)) => RegistryAuth::Bearer(tok.clone()),
        };
        self.counters.auth.fetch_add(1, Ordering::Relaxed);
        let negotiated = tokio::time::timeout(
            self.opts.timeout,
            self.oci.auth(&t.reference, &ra, RegistryOperation::Pull),
        )
        .await
        .map_err(|_| ResolveError::Network {
            reference: t.display.clone(),
            detail: format!(
                "{}: authentication timed out after {:?}",
                t.base, self.opts.timeout
            ),
        })?;
        let header = match negotiated {
            Ok(Some(token)) => AuthHeader::Bearer(token),
            Ok(None) => match cred {
                Some(Credential::Basic { username, password }) => {
                    AuthHeader::Basic(username, password)
                }
                _ => AuthHeader::None,
            },
            Err(e) => return Err(map_oci_error(t, e)),
        };
        *guard = Some(header.clone());
        Ok(header)
    }

    /// One request with auth, retries, timeout and the size cap. Only 2xx comes back as `Ok`.
    async fn fetch(
        &self,
        t: &Target,
        head: bool,
        url: &str,
        accept: Option<&str>,
        what: &str,
    ) -> Result<Fetched, ResolveError> {
        let http = self.http.as_ref().map_err(|d| ResolveError::Network {
            reference: t.display.clone(),
            detail: format!("cannot build the HTTP client: {d}"),
        })?;
        let mut auth = self.auth_header(t, false).await?;
        let mut renewed = false;
        let mut attempt: u32 = 0;
        loop {
            let counter = if head {
                &self.counters.head
            } else if what == "manifest" {
                &self.counters.manifest_get
            } else {
                &self.counters.blob_get
            };
            counter.fetch_add(1, Ordering::Relaxed);
            let mut rb = if head { http.head(url) } else { http.get(url) };
            if let Some(a) = accept {
                rb = rb.header(ACCEPT, a);
            }
            rb = match &auth {
                AuthHeader::None => rb,
                AuthHeader::Basic(u, p) => rb.basic_auth(u, Some(p)),
                AuthHeader::Bearer(tok) => rb.bearer_auth(tok),
            };
            let outcome = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .expect("semaphore never closed");
                tokio::time::timeout(self.opts.timeout, self.send_and_read(rb, head, t, what)).await
            };
            let retry_delay = |attempt: u32, headers: Option<&HeaderMap>| {
                let from_header = headers
                    .and_then(|h| h.get(RETRY_AFTER))
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|s| Duration::from_secs(s).min(self.opts.max_retry_after));
                from_header
                    .unwrap_or_else(|| self.opts.backoff.saturating_mul(1u32 << attempt.min(10)))
            };
            let err = match outcome {
                Err(_) => Attempt::Retry(
                    None,
                    ResolveError::Network {
                        reference: t.display.clone(),
                        detail: format!("{url}: no complete answer within {:?}", self.opts.timeout),
                    },
                ),
                Ok(a) => a,
            };
            match err {
                Attempt::Done(f) => return Ok(f),
                Attempt::Fatal(e) => return Err(e),
                Attempt::Unauthorized(e) => {
                    if renewed {
                        return Err(e);
                    }
                    renewed = true;
                    auth = self.auth_header(t, true).await?;
                    if matches!(auth, AuthHeader::None) {
                        return Err(e);
                    }
                }
                Attempt::Retry(headers, e) => {
                    if attempt >= self.opts.retries {
                        return Err(e);
                    }
                    let delay = retry_delay(attempt, headers.as_ref());
                    attempt += 1;
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn send_and_read(
        &self,
        rb: reqwest::RequestBuilder,
        head: bool,
        t: &Target,
        what: &str,
    ) -> Attempt {
        let reference = t.display.clone();
        let mut resp = match rb.send().await {
            Ok(r) => r,
            Err(e) => {
                let detail = error_chain(&e);
                return if e.is_redirect() {
                    Attempt::Fatal(ResolveError::Network { reference, detail })
                } else {
                    Attempt::Retry(None, ResolveError::Network { reference, detail })
                };
            }
        };
        let status = resp.status();
        let url = resp.url().to_string();
        let headers = resp.headers().clone();
        let limit = self.opts.max_content_bytes;
        if status.is_success() && !head {
            let declared = headers
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|n| n > limit as u64) {
                return Attempt::Fatal(ResolveError::TooLarge {
                    reference,
                    what: what.to_string(),
                    limit,
                });
            }
        }
        let mut body = Vec::new();
        if !head {
            loop {
                match resp.chunk().await {
                    Ok(Some(c)) => {
                        if body.len() + c.len() > limit {
                            if status.is_success() {
                                return Attempt::Fatal(ResolveError::TooLarge {
                                    reference,
                                    what: what.to_string(),
                                    limit,
                                });
                            }
                            break;
                        }
                        body.extend_from_slice(&c);
                    }
                    Ok(None) => break,
                    Err(e) => {
                        return Attempt::Retry(
                            None,
                            ResolveError::Network {
                                reference,
                                detail: format!(
                                    "{what} body from {url} was cut short: {}",
                                    error_chain(&e)
                                ),
                            },
                        );
                    }
                }
            }
        }
        let detail = |body: &[u8]| {
            format!(
                "{url}: {}",
                if head {
                    "(HEAD)".to_string()
                } else {
                    short(body)
                }
            )
        };
        match status {
            s if s.is_success() => Attempt::Done(Fetched { headers, body }),
            StatusCode::NOT_FOUND => Attempt::Fatal(ResolveError::NotFound {
                reference,
                detail: detail(&body),
            }),
            StatusCode::UNAUTHORIZED => Attempt::Unauthorized(ResolveError::Unauthorized {
                reference,
                detail: detail(&body),
            }),
            StatusCode::FORBIDDEN => Attempt::Fatal(ResolveError::Unauthorized {
                reference,
                detail: detail(&body),
            }),
            StatusCode::TOO_MANY_REQUESTS
            | StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT => Attempt::Retry(
                Some(headers),
                ResolveError::Server {
                    reference,
                    status: s_u16(status),
                    detail: detail(&body),
                },
            ),
            _ => Attempt::Fatal(ResolveError::Server {
                reference,
                status: s_u16(status),
                detail: detail(&body),
            }),
        }
    }

    /// Tag → digest by HEAD. `Ok(None)` when the registry sends no `Docker-Content-Digest`.
    async fn head_digest(&self, t: &Target, tag: &str) -> Result<Option<String>, ResolveError> {
        let url = t.url("manifests", tag);
        let f = self
            .fetch(t, true, &url, Some(MANIFEST_ACCEPT), "manifest")
            .await?;
        Ok(header_digest(&f.headers))
    }

    /// Manifest bytes for a digest: cache, else GET, verified. Sets `network` when a request was sent.
    async fn manifest(
        &self,
        t: &Target,
        digest: &str,
        network: &mut bool,
    ) -> Result<Vec<u8>, ResolveError> {
        self.content(t, "manifests", digest, "manifest", network)
            .await
    }

    async fn content(
        &self,
        t: &Target,
        kind: &str,
        digest: &str,
        what: &str,
        network: &mut bool,
    ) -> Result<Vec<u8>, ResolveError> {
        if sha256_hex(digest).is_none() {
            return Err(ResolveError::InvalidContent {
                reference: t.display.clone(),
                detail: format!("{what} digest {digest:?} is not a sha256 digest"),
            });
        }
        if let Some(c) = &self.cache
            && let Some(bytes) = c.get_blob(digest)
        {
            return Ok(bytes);
        }
        if self.opts.offline {
            return Err(ResolveError::Offline {
                reference: t.display.clone(),
            });
        }
        *network = true;
        let url = t.url(kind, digest);
        let accept = (kind == "manifests").then_some(MANIFEST_ACCEPT);
        let f = self.fetch(t, false, &url, accept, what).await?;
        let actual = sha256_digest(&f.body);
        if actual != digest {
            return Err(ResolveError::DigestMismatch {
                reference: t.display.clone(),
                what: format!("{what} from {url}"),
                expected: digest.to_string(),
                actual,
            });
        }
        if let Some(c) = &self.cache {
            c.put_blob(digest, &f.body);
        }
        Ok(f.body)
    }

    async fn resolve_at(&self, image: &ImageRef, t: &Target) -> Result<Resolved, ResolveError> {
        let key = t.display.clone();
        let mut network = false;
        let mut tag_to_record = None;
        let digest = match &image.digest {
            Some(d) => d.clone(),
            None => {
                let tag = image.tag.clone().unwrap_or_else(|| "latest".to_string());
                let cached = self
                    .cache
                    .as_ref()
                    .and_then(|c| c.get_tag(&key).map(|e| (c.is_fresh(&e), e)));
                match cached {
                    Some((fresh, e)) if fresh || self.opts.offline => e.digest,
                    _ if self.opts.offline => return Err(ResolveError::Offline { reference: key }),
                    _ => {
                        network = true;
                        let d = match self.head_digest(t, &tag).await? {
                            Some(d) => d,
                            None => {
                                // No digest header: GET by tag and hash what came back.
                                let url = t.url("manifests", &tag);
                                let f = self
                                    .fetch(t, false, &url, Some(MANIFEST_ACCEPT), "manifest")
                                    .await?;
                                let d = sha256_digest(&f.body);
                                if let Some(c) = &self.cache {
                                    c.put_blob(&d, &f.body);
                                }
                                d
                            }
                        };
                        tag_to_record = Some(d.clone());
                        d
                    }
                }
            }
        };
        let bytes = self.manifest(t, &digest, &mut network).await?;
        let manifest: RawManifest =
            serde_json::from_slice(&bytes).map_err(|e| ResolveError::InvalidContent {
                reference: key.clone(),
                detail: format!("manifest {digest} is not valid JSON: {e}"),
            })?;
        if manifest.schema_version != Some(2) {
            return Err(ResolveError::InvalidContent {
                reference: key.clone(),
                detail: format!(
                    "manifest {digest} has schemaVersion {:?}; only 2 is supported",
                    manifest.schema_version
                ),
            });
        }
        let media_type = manifest.kind_media_type();
        let platforms = if let Some(entries) = &manifest.manifests {
            let futs = entries
                .iter()
                .filter(|e| {
                    let os = e
                        .platform
                        .as_ref()
                        .and_then(|p| p.os.as_deref())
                        .unwrap_or("");
                    os != "unknown" // BuildKit attestation manifests
                })
                .map(|e| self.entry_platform(t, e));
            let results = futures::future::join_all(futs).await;
            let mut out = Vec::new();
            for r in results {
                let (p, used_network) = r?;
                network |= used_network;
                out.push(p);
            }
            out
        } else if let Some(config) = &manifest.config {
            let cfg = self.config(t, &config.digest, &mut network).await?;
            vec![cfg.platform(digest.clone())]
        } else {
            return Err(ResolveError::InvalidContent {
                reference: key,
                detail: format!("manifest {digest} has neither `manifests` nor `config`"),
            });
        };
        if let (Some(c), Some(d)) = (&self.cache, &tag_to_record) {
            c.put_tag(&key, d);
        }
        Ok(Resolved {
            digest,
            media_type,
            platforms,
            source: if network {
                Source::Registry
            } else {
                Source::Cache
            },
        })
    }

    /// One list entry; its child manifest and config are read when `os.version` is missing.
    async fn entry_platform(
        &self,
        t: &Target,
        e: &RawDescriptor,
    ) -> Result<(Platform, bool), ResolveError> {
        let mut network = false;
        let p = e.platform.clone().unwrap_or_default();
        let mut platform = Platform {
            os: p.os.clone().unwrap_or_default(),
            architecture: p.architecture.clone().unwrap_or_default(),
            variant: p.variant.clone().filter(|v| !v.is_empty()),
            os_version: p.os_version.clone().filter(|v| !v.is_empty()),
            os_features: p.os_features.clone().unwrap_or_default(),
            digest: e.digest.clone(),
        };
        let needs_config =
            platform.os_version.is_none() && (platform.os.is_empty() || platform.is_windows());
        if needs_config {
            let bytes = self.manifest(t, &e.digest, &mut network).await?;
            let child: RawManifest =
                serde_json::from_slice(&bytes).map_err(|err| ResolveError::InvalidContent {
                    reference: t.display.clone(),
                    detail: format!("manifest {} is not valid JSON: {err}", e.digest),
                })?;
            let Some(config) = child.config else {
                return Err(ResolveError::InvalidContent {
                    reference: t.display.clone(),
                    detail: format!("list entry {} is not an image manifest", e.digest),
                });
            };
            let cfg = self.config(t, &config.digest, &mut network).await?;
            let from_cfg = cfg.platform(e.digest.clone());
            if platform.os.is_empty() {
                platform.os = from_cfg.os;
            }
            if platform.architecture.is_empty() {
                platform.architecture = from_cfg.architecture;
            }
            platform.variant = platform.variant.or(from_cfg.variant);
            platform.os_version = from_cfg.os_version;
            if platform.os_features.is_empty() {
                platform.os_features = from_cfg.os_features;
            }
        }
        Ok((platform, network))
    }

    async fn config(
        &self,
        t: &Target,
        digest: &str,
        network: &mut bool,
    ) -> Result<RawConfig, ResolveError> {
        let bytes = self
            .content(t, "blobs", digest, "image config", network)
            .await?;
        serde_json::from_slice(&bytes).map_err(|e| ResolveError::InvalidContent {
            reference: t.display.clone(),
            detail: format!("image config {digest} is not valid JSON: {e}"),
        })
    }
}

fn s_u16(s: StatusCode) -> u16 {
    s.as_u16()
}

enum Attempt {
    Done(Fetched),
    Fatal(ResolveError),
    Unauthorized(ResolveError),
    Retry(Option<HeaderMap>, ResolveError),
}

fn header_digest(h: &HeaderMap) -> Option<String> {
    h.get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| sha256_hex(v).is_some())
}

fn map_oci_error(t: &Target, e: OciDistributionError) -> ResolveError {
    let detail = format!("{}: {}", t.base, error_chain(&e));
    let reference = t.display.clone();
    match e {
        OciDistributionError::AuthenticationFailure(_)
        | OciDistributionError::UnauthorizedError { .. }
        | OciDistributionError::RegistryTokenDecodeError(_) => {
            ResolveError::Unauthorized { reference, detail }
        }
        _ => ResolveError::Network { reference, detail },
    }
}

impl ManifestSource for OciSource {
    async fn resolve(&self, image: &ImageRef) -> Result<Resolved, ResolveError> {
        if let Some(d) = &image.digest
            && sha256_hex(d).is_none()
        {
            return Err(ResolveError::InvalidContent {
                reference: image.normalized(),
                detail: format!("{d} is not a sha256 digest"),
            });
        }
        let targets = self.targets(image);
        let mut last = None;
        for t in &targets {
            match self.resolve_at(image, t).await {
                Ok(r) => return Ok(r),
                // Content errors are not the mirror's fault to hide; everything else falls back.
                Err(e @ (ResolveError::DigestMismatch { .. } | ResolveError::Offline { .. })) => {
                    return Err(e);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("at least one target"))
    }
}

#[derive(Debug, Default, Deserialize)]
struct RawManifest {
    #[serde(rename = "schemaVersion")]
    schema_version: Option<i64>,
    #[serde(rename = "mediaType")]
    media_type: Option<String>,
    manifests: Option<Vec<RawDescriptor>>,
    config: Option<RawDescriptor>,
}

impl RawManifest {
    fn kind_media_type(&self) -> String {
        if let Some(m) = self.media_type.clone().filter(|m| !m.is_empty()) {
            return m;
        }
        if self.manifests.is_some() {
            OCI_INDEX.to_string()
        } else {
            OCI_MANIFEST.to_string()
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
struct RawDescriptor {
    digest: String,
    platform: Option<RawPlatform>,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct RawPlatform {
    os: Option<String>,
    architecture: Option<String>,
    variant: Option<String>,
    #[serde(rename = "os.version")]
    os_version: Option<String>,
    #[serde(rename = "os.features")]
    os_features: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
struct RawConfig {
    os: Option<String>,
    architecture: Option<String>,
    variant: Option<String>,
    #[serde(rename = "os.version")]
    os_version: Option<String>,
    #[serde(rename = "os.features")]
    os_features: Option<Vec<String>>,
}

impl RawConfig {
    fn platform(&self, digest: String) -> Platform {
        Platform {
            os: self.os.clone().unwrap_or_default(),
            architecture: self.architecture.clone().unwrap_or_default(),
            variant: self.variant.clone().filter(|v| !v.is_empty()),
            os_version: self.os_version.clone().filter(|v| !v.is_empty()),
            os_features: self.os_features.clone().unwrap_or_default(),
            digest,
        }
    }
}

/// Resolve through any source: identical references once, at most `jobs` at a time.
pub async fn resolve_with<S: ManifestSource>(
    source: &S,
    images: &[ImageRef],
    jobs: usize,
) -> BTreeMap<String, Result<Resolved, ResolveError>> {
    let mut unique: BTreeMap<String, &ImageRef> = BTreeMap::new();
    for i in images {
        unique.entry(i.normalized()).or_insert(i);
    }
    resolve_with_progress(source, unique, jobs, &|_, _| {}).await
}

/// Called after each distinct reference is resolved with (done, total).
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

async fn resolve_with_progress<S: ManifestSource>(
    source: &S,
    unique: BTreeMap<String, &ImageRef>,
    jobs: usize,
    progress: Progress<'_>,
) -> BTreeMap<String, Result<Resolved, ResolveError>> {
    let total = unique.len();
    let done = AtomicU64::new(0);
    let done = &done;
    futures::stream::iter(unique)
        .map(|(key, image)| async move {
            let answer = source.resolve(image).await;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(usize::try_from(n).unwrap_or(total), total);
            (key, answer)
        })
        .buffer_unordered(jobs.max(1))
        .collect()
        .await
}

/// [`resolve_all`], reporting progress as each distinct reference is answered.
pub async fn resolve_all_with_progress(
    images: &[ImageRef],
    opts: &RegistryOptions,
    progress: Progress<'_>,
) -> BTreeMap<String, Result<Resolved, ResolveError>> {
    let source = OciSource::new(opts);
    let mut unique: BTreeMap<String, &ImageRef> = BTreeMap::new();
    for i in images {
        unique.entry(i.normalized()).or_insert(i);
    }
    resolve_with_progress(&source, unique, opts.jobs, progress).await
}

/// Resolve every reference against its registry (or the cache). Keys are `ImageRef::normalized()`.
pub async fn resolve_all(
    images: &[ImageRef],
    opts: &RegistryOptions,
) -> BTreeMap<String, Result<Resolved, ResolveError>> {
    let source = OciSource::new(opts);
    resolve_with(&source, images, opts.jobs).await
}

/// `winfit inspect` data for one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectImage {
    pub image: String,
    pub digest: Option<String>,
    pub media_type: Option<String>,
    pub source: Option<Source>,
    pub platforms: Vec<InspectPlatform>,
    /// The error, cause chain included, when the image could not be resolved.
    pub error: Option<String>,
    /// The lint rule the error maps to (WF011, WF016, WF010).
    pub rule: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectPlatform {
    #[serde(flatten)]
    pub platform: Platform,
    /// The Windows build (`17763`), when `os_version` parses.
    pub build: Option<u32>,
}

/// Assemble `inspect` output (the release name and KB are added by the caller from the knowledge tables).
pub async fn inspect(images: &[ImageRef], opts: &RegistryOptions) -> Vec<InspectImage> {
    let results = resolve_all(images, opts).await;
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for i in images {
        let key = i.normalized();
        if !seen.insert(key.clone()) {
            continue;
        }
        let item = match results.get(&key) {
            Some(Ok(r)) => InspectImage {
                image: key,
                digest: Some(r.digest.clone()),
                media_type: Some(r.media_type.clone()),
                source: Some(r.source),
                platforms: r
                    .platforms
                    .iter()
                    .map(|p| InspectPlatform {
                        platform: p.clone(),
                        build: p.version().map(|v| v.build),
                    })
                    .collect(),
                error: None,
                rule: None,
            },
            Some(Err(e)) => InspectImage {
                image: key,
                digest: None,
                media_type: None,
                source: None,
                platforms: Vec::new(),
                error: Some(e.to_string()),
                rule: Some(e.rule().to_string()),
            },
            None => continue,
        };
        out.push(item);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_urls_lose_user_info_and_path() {
        assert_eq!(
            parse_mirror("https://u:p@mirror.example:8443/path"),
            ("https".into(), "mirror.example:8443".into())
        );
        assert_eq!(
            parse_mirror("http://127.0.0.1:5000"),
            ("http".into(), "127.0.0.1:5000".into())
        );
        assert_eq!(
            parse_mirror("mirror.example"),
            ("https".into(), "mirror.example".into())
        );
    }

    #[test]
    fn errors_map_to_rules() {
        let nf = ResolveError::NotFound {
            reference: "r/a:1".into(),
            detail: "x".into(),
        };
        assert_eq!(nf.rule(), "WF011");
        let dm = ResolveError::DigestMismatch {
            reference: "r/a:1".into(),
            what: "manifest".into(),
            expected: "a".into(),
            actual: "b".into(),
        };
        assert_eq!(dm.rule(), "WF016");
        assert_eq!(
            ResolveError::Offline {
                reference: "r".into()
            }
            .rule(),
            "WF010"
        );
    }

    struct Fake(std::sync::atomic::AtomicUsize);
    impl ManifestSource for Fake {
        fn resolve(
            &self,
            image: &ImageRef,
        ) -> impl Future<Output = Result<Resolved, ResolveError>> + Send {
            self.0.fetch_add(1, Ordering::SeqCst);
            let d = image.normalized();
            async move {
                Err(ResolveError::NotFound {
                    reference: d,
                    detail: "fake".into(),
                })
            }
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn identical_references_resolve_once() {
        let parse = crate::extract::reference::parse;
        let imgs = vec![
            parse("a.example/x:1").unwrap(),
            parse("a.example/x:1").unwrap(),
            parse("a.example/y:1").unwrap(),
        ];
        let fake = Fake(Default::default());
        let out = resolve_with(&fake, &imgs, 2).await;
        assert_eq!(out.len(), 2);
        assert_eq!(fake.0.load(Ordering::SeqCst), 2);
    }
}
