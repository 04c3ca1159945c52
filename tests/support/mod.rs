//! Test support for the registry tests: a real `docker-registry` on loopback, a fixture pusher,
//! and a fault-injecting / token-issuing proxy of our own in front of it. Nothing here touches
//! anything off loopback.
#![allow(dead_code)]

pub mod fixtures;
pub mod proxy;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const REGISTRY_BIN: &str = "/usr/bin/docker-registry";

/// The registry binary, or `None` (test skipped) when it is missing outside CI.
/// Under `CI=true` a missing registry fails the test: CI must never pass by skipping.
pub fn registry_binary() -> Option<PathBuf> {
    let from_env = std::env::var_os("WINFIT_TEST_REGISTRY").map(PathBuf::from);
    let candidates = from_env.into_iter().chain([PathBuf::from(REGISTRY_BIN)]);
    for c in candidates {
        if c.is_file() {
            return Some(c);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("CI=true but {REGISTRY_BIN} is missing: run scripts/test-deps.sh");
    }
    eprintln!("SKIP: {REGISTRY_BIN} missing (run scripts/test-deps.sh); registry tests not run");
    None
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `docker-registry serve`, killed on drop.
pub struct Registry {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Registry {
    /// `host:port`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Start on a free port with its own storage; `htpasswd` enables distribution's basic auth.
    pub fn start(bin: &Path, htpasswd: Option<&Path>) -> Registry {
        for attempt in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let port = free_port();
            let auth = match htpasswd {
                Some(p) => format!(
                    "auth:\n  htpasswd:\n    realm: winfit-test\n    path: {}\n",
                    p.display()
                ),
                None => String::new(),
            };
            let config = format!(
                "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{auth}validation:\n  manifests:\n    urls:\n      allow:\n        - ^https://mcr\\.microsoft\\.com/\n",
                dir.path().join("storage").display()
            );
            let cfg = dir.path().join("config.yml");
            std::fs::write(&cfg, config).unwrap();
            let log = std::fs::File::create(dir.path().join("registry.log")).unwrap();
            let child = Command::new(bin)
                .arg("serve")
                .arg(&cfg)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("start docker-registry");
            let mut reg = Registry { child, port, dir };
            if reg.wait_ready(Duration::from_secs(15)) {
                return reg;
            }
            let _ = reg.child.kill();
            let _ = reg.child.wait();
            let log =
                std::fs::read_to_string(reg.dir.path().join("registry.log")).unwrap_or_default();
            eprintln!("registry did not come up on port {port} (attempt {attempt}): {log}");
        }
        panic!("docker-registry did not start");
    }

    fn wait_ready(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::{Read, Write};
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = s.write_all(
                    b"GET /v2/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                );
                let mut buf = [0u8; 12];
                if s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.1") {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A bcrypt htpasswd file made with apache2-utils' `htpasswd -Bbn`.
pub fn htpasswd_file(dir: &Path, user: &str, password: &str) -> PathBuf {
    let out = Command::new("htpasswd")
        .args(["-Bbn", user, password])
        .output()
        .expect("htpasswd (apache2-utils) is installed by scripts/test-deps.sh");
    assert!(out.status.success(), "htpasswd failed");
    let p = dir.join("htpasswd");
    std::fs::write(&p, out.stdout).unwrap();
    p
}

/// Options for tests: the given cache, plain HTTP for the listed loopback hosts, short timeouts,
/// fast backoff, and a Docker config that does not exist (the user's real one is never read).
pub fn options(cache: &Path, insecure: &[String]) -> winfit::resolve::registry::RegistryOptions {
    winfit::resolve::registry::RegistryOptions {
        jobs: 8,
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        retries: 2,
        backoff: Duration::from_millis(10),
        max_retry_after: Duration::from_secs(5),
        insecure: insecure.to_vec(),
        cache_dir: Some(cache.to_path_buf()),
        docker_config: Some(cache.join("no-such-docker-config.json")),
        ..Default::default()
    }
}

pub fn image(text: &str) -> winfit::extract::reference::ImageRef {
    winfit::extract::reference::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Every cached blob hashes to its name; returns how many there are.
pub fn assert_cache_verified(cache: &Path) -> usize {
    let dir = cache.join("blobs").join("sha256");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut n = 0;
    for e in rd {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().to_string();
        assert!(!name.starts_with(".tmp"), "temp file left behind: {name}");
        let bytes = std::fs::read(e.path()).unwrap();
        assert_eq!(
            fixtures::digest(&bytes),
            format!("sha256:{name}"),
            "unverified content in the cache"
        );
        n += 1;
    }
    n
}

/// Number of tag entries in the cache.
pub fn cached_tags(cache: &Path) -> usize {
    std::fs::read_dir(cache.join("tags"))
        .map(|rd| rd.count())
        .unwrap_or(0)
}
