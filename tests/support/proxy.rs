//! A small HTTP/1.1 proxy in front of the real registry: adds latency, issues bearer tokens
//! (Docker Hub style challenge), injects faults, and records what it saw (method, path, whether
//! an Authorization header came). One request per connection (`Connection: close`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    None,
    /// Never answer.
    Hang,
    /// Answer with this status and a short body.
    Status(u16),
    /// 429 with `Retry-After: <secs>`.
    TooMany(u64),
    /// Declare the full length, send half, close.
    Truncate,
    /// Serve these bytes for the tag (HEAD gives their digest) and for that digest.
    Replace(Vec<u8>),
    /// Serve these bytes with no Content-Length (until close), HEAD gives their digest.
    ReplaceUnsized(Vec<u8>),
    /// Flip the body's last byte so it no longer hashes to its digest.
    Corrupt,
    /// 307 to this base URL + the same path.
    RedirectTo(String),
}

#[derive(Debug, Clone)]
pub struct TokenAuth {
    pub token: String,
    /// Credentials the token endpoint demands (basic), if any.
    pub user: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
}

pub struct Mode {
    pub latency: Duration,
    pub token: Option<TokenAuth>,
    pub fault: Fault,
    /// The fault hits only requests whose path contains this.
    pub fault_path: String,
    /// ... and only GETs unless false.
    pub fault_get_only: bool,
    /// How many matching requests get the fault (then it passes through).
    pub fault_times: usize,
}

impl Default for Mode {
    fn default() -> Self {
        Mode {
            latency: Duration::ZERO,
            token: None,
            fault: Fault::None,
            fault_path: "/manifests/".into(),
            fault_get_only: true,
            fault_times: usize::MAX,
        }
    }
}

pub struct Proxy {
    pub port: u16,
    pub mode: Arc<Mutex<Mode>>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    faults_served: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn set(&self, f: impl FnOnce(&mut Mode)) {
        f(&mut self.mode.lock().unwrap());
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn clear(&self) {
        self.seen.lock().unwrap().clear();
    }

    pub fn count(&self, method: &str, path_part: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.method == method && s.path.contains(path_part))
            .count()
    }

    pub async fn start(upstream: &str, mode: Mode) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(Mutex::new(mode));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let faults_served = Arc::new(AtomicUsize::new(0));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let ctx = Arc::new(Ctx {
            upstream: upstream.to_string(),
            port,
            mode: mode.clone(),
            seen: seen.clone(),
            faults_served: faults_served.clone(),
            http,
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    let _ = ctx.handle(sock).await;
                });
            }
        });
        Proxy {
            port,
            mode,
            seen,
            faults_served,
            task,
        }
    }
}

struct Ctx {
    upstream: String,
    port: u16,
    mode: Arc<Mutex<Mode>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    faults_served: Arc<AtomicUsize>,
    http: reqwest::Client,
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Send no Content-Length and close after the body.
    no_length: bool,
    /// Send only this many body bytes (Content-Length says the full size).
    cut: Option<usize>,
}

impl Reply {
    fn new(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
            no_length: false,
            cut: None,
        }
    }
    fn header(mut self, k: &str, v: impl Into<String>) -> Reply {
        self.headers.push((k.to_string(), v.into()));
        self
    }
}

impl Ctx {
    async fn handle(&self, mut sock: TcpStream) -> std::io::Result<()> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf[0] == 0x16 {
                // A TLS ClientHello (skopeo tries HTTPS first): plain HTTP only here, hang up.
                return Ok(());
            }
        }
        let text = String::from_utf8_lossy(&buf).to_string();
        let mut lines = text.split("\r\n");
        let first = lines.next().unwrap_or_default();
        let mut parts = first.split(' ');
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        for l in lines {
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let get = |k: &str| headers.iter().find(|(h, _)| h == k).map(|(_, v)| v.clone());
        // Clients may send several Accept headers (skopeo sends one per type): join them all.
        let accept: Vec<&str> = headers
            .iter()
            .filter(|(h, _)| h == "accept")
            .map(|(_, v)| v.as_str())
            .collect();
        let accept = (!accept.is_empty()).then(|| accept.join(", "));
        let authorization = get("authorization");
        self.seen.lock().unwrap().push(Seen {
            method: method.clone(),
            path: path.clone(),
            authorization: authorization.clone(),
        });
        let (latency, token, fault, fault_path, get_only, times) = {
            let m = self.mode.lock().unwrap();
            (
                m.latency,
                m.token.clone(),
                m.fault.clone(),
                m.fault_path.clone(),
                m.fault_get_only,
                m.fault_times,
            )
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let reply = self
            .reply(
                &method,
                &path,
                authorization,
                accept,
                token,
                fault,
                &fault_path,
                get_only,
                times,
            )
            .await;
        let Some(reply) = reply else {
            // Hang: hold the connection open without answering.
            tokio::time::sleep(Duration::from_secs(120)).await;
            return Ok(());
        };
        let mut head = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", reply.status);
        for (k, v) in &reply.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if !reply.no_length {
            let declared = reply
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map(|_| String::new());
            if declared.is_none() {
                head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
            }
        }
        head.push_str("\r\n");
        sock.write_all(head.as_bytes()).await?;
        if method != "HEAD" {
            let n = reply.cut.unwrap_or(reply.body.len());
            sock.write_all(&reply.body[..n]).await?;
        }
        sock.flush().await?;
        sock.shutdown().await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn reply(
        &self,
        method: &str,
        path: &str,
        authorization: Option<String>,
        accept: Option<String>,
        token: Option<TokenAuth>,
        fault: Fault,
        fault_path: &str,
        get_only: bool,
        times: usize,
    ) -> Option<Reply> {
        // The token endpoint of the bearer flow.
        if path.starts_with("/token") {
            let Some(t) = &token else {
                return Some(Reply::new(404, "no token endpoint"));
            };
            if let Some((u, p)) = &t.user {
                use base64::Engine;
                let want = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
                );
                if authorization.as_deref() != Some(want.as_str()) {
                    return Some(Reply::new(401, r#"{"details":"bad credentials"}"#));
                }
            }
            let body = serde_json::json!({"token": t.token, "expires_in": 300}).to_string();
            return Some(Reply::new(200, body).header("Content-Type", "application/json"));
        }
        if let Some(t) = &token {
            let want = format!("Bearer {}", t.token);
            if authorization.as_deref() != Some(want.as_str()) {
                let repo = path
                    .trim_start_matches("/v2/")
                    .split("/manifests/")
                    .next()
                    .unwrap_or("")
                    .split("/blobs/")
                    .next()
                    .unwrap_or("");
                let challenge = format!(
                    "Bearer realm=\"http://127.0.0.1:{}/token\",service=\"winfit-test\",scope=\"repository:{repo}:pull\"",
                    self.port
                );
                return Some(
                    Reply::new(401, r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#)
                        .header("WWW-Authenticate", challenge)
                        .header("Content-Type", "application/json"),
                );
            }
        }
        let path_match = path.contains(fault_path) && fault != Fault::None;
        // Replacement content applies to HEAD (its digest) and GET alike, every time.
        if path_match && let Fault::Replace(bytes) | Fault::ReplaceUnsized(bytes) = &fault {
            let d = super::fixtures::digest(bytes);
            let mut r = Reply::new(200, bytes.clone())
                .header("Docker-Content-Digest", d)
                .header(
                    "Content-Type",
                    "application/vnd.docker.distribution.manifest.list.v2+json",
                );
            if matches!(fault, Fault::ReplaceUnsized(_)) {
                r.no_length = true;
            }
            return Some(r);
        }
        let hit = path_match
            && (!get_only || method == "GET")
            && self.faults_served.fetch_add(1, Ordering::SeqCst) < times;
        match (&fault, hit) {
            (Fault::Hang, true) => return None,
            (Fault::Status(s), true) => return Some(Reply::new(*s, "injected failure")),
            (Fault::TooMany(secs), true) => {
                return Some(
                    Reply::new(
                        429,
                        r#"{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"#,
                    )
                    .header("Retry-After", secs.to_string()),
                );
            }
            (Fault::RedirectTo(base), true) => {
                return Some(Reply::new(307, "").header("Location", format!("{base}{path}")));
            }
            _ => {}
        }
        // Forward to the registry (without our bearer token: the registry is anonymous).
        let url = format!("{}{}", self.upstream, path);
        let mut rb = match method {
            "HEAD" => self.http.head(&url),
            _ => self.http.get(&url),
        };
        if let Some(a) = accept {
            rb = rb.header("Accept", a);
        }
        if token.is_none()
            && let Some(a) = authorization
        {
            rb = rb.header("Authorization", a);
        }
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) => return Some(Reply::new(502, e.to_string())),
        };
        let status = resp.status().as_u16();
        let mut reply = Reply::new(status, Vec::new());
        for (k, v) in resp.headers() {
            let k = k.as_str();
            if matches!(
                k,
                "content-type"
                    | "docker-content-digest"
                    | "www-authenticate"
                    | "location"
                    | "docker-distribution-api-version"
            ) || (method == "HEAD" && k == "content-length")
            {
                reply
                    .headers
                    .push((k.to_string(), v.to_str().unwrap_or_default().to_string()));
            }
        }
        let mut body = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        if hit && status == 200 {
            match fault {
                Fault::Truncate => reply.cut = Some(body.len() / 2),
                Fault::Corrupt => {
                    if let Some(b) = body.last_mut() {
                        *b = if *b == b' ' { b'\n' } else { b' ' };
                    }
                }
                _ => {}
            }
        }
        reply.body = body;
        Some(reply)
    }
}
