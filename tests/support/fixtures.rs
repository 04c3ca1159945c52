//! Pushes synthetic Windows (and Linux) images to a registry, deterministically.
//! Blob upload: POST then PUT `?digest=` with `Content-Type: application/octet-stream`;
//! children before lists.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub const DOCKER_FOREIGN: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const OCI_NONDIST: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";

pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A pushed manifest: digest, size, media type.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub digest: String,
    pub size: usize,
    pub media_type: &'static str,
    pub os: String,
    pub arch: String,
    pub os_version: Option<String>,
}

pub struct Pusher {
    pub base: String,
    pub http: reqwest::Client,
    pub basic: Option<(String, String)>,
}

impl Pusher {
    pub fn new(base: &str) -> Pusher {
        Pusher {
            base: base.to_string(),
            http: reqwest::Client::new(),
            basic: None,
        }
    }

    fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.basic {
            Some((u, p)) => rb.basic_auth(u, Some(p)),
            None => rb,
        }
    }

    pub async fn blob(&self, repo: &str, bytes: &[u8]) -> String {
        let d = digest(bytes);
        let head = self
            .auth(self.http.head(format!("{}/v2/{repo}/blobs/{d}", self.base)))
            .send()
            .await
            .unwrap();
        if head.status().is_success() {
            return d;
        }
        let r = self
            .auth(
                self.http
                    .post(format!("{}/v2/{repo}/blobs/uploads/", self.base)),
            )
            .header("Content-Length", "0")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 202, "upload POST for {repo}");
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        let loc = if loc.starts_with("http") {
            loc
        } else {
            format!("{}{loc}", self.base)
        };
        let sep = if loc.contains('?') { '&' } else { '?' };
        let r = self
            .auth(self.http.put(format!("{loc}{sep}digest={d}")))
            .header("Content-Type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "blob PUT: {} {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
        d
    }

    pub async fn manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> String {
        let r = self
            .auth(
                self.http
                    .put(format!("{}/v2/{repo}/manifests/{reference}", self.base)),
            )
            .header("Content-Type", media_type)
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "manifest PUT {repo}:{reference}: {} {}",
            r.status(),
            r.text().await.unwrap_or_default()
        );
        digest(bytes)
    }

    /// One image manifest (Docker v2 or OCI) with its config; Windows images get a foreign base layer.
    pub async fn image(
        &self,
        repo: &str,
        tag: &str,
        os: &str,
        arch: &str,
        os_version: Option<&str>,
        oci: bool,
    ) -> Pushed {
        let mut config = json!({
            "architecture": arch, "os": os, "created": "2024-01-09T00:00:00Z",
            "config": {"Cmd": ["cmd.exe"]},
            "rootfs": {"type": "layers", "diff_ids": []},
        });
        if let Some(v) = os_version {
            config["os.version"] = json!(v);
        }
        let layer = format!("synthetic layer {repo} {tag} {os} {arch} {os_version:?}").into_bytes();
        let foreign = format!("foreign base {os_version:?}").into_bytes();
        config["rootfs"]["diff_ids"] = json!([digest(&foreign), digest(&layer)]);
        let config_bytes = serde_json::to_vec(&config).unwrap();
        let config_digest = self.blob(repo, &config_bytes).await;
        let layer_digest = self.blob(repo, &layer).await;
        let (mt, cmt, lmt, fmt) = if oci {
            (OCI_MANIFEST, OCI_CONFIG, OCI_LAYER, OCI_NONDIST)
        } else {
            (DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER, DOCKER_FOREIGN)
        };
        let mut layers: Vec<Value> = Vec::new();
        if os == "windows" {
            let fd = digest(&foreign);
            layers.push(
                json!({"mediaType": fmt, "size": 1234567890u64, "digest": fd,
                "urls": [format!("https://mcr.microsoft.com/v2/windows/servercore/blobs/{fd}")]}),
            );
        }
        layers.push(json!({"mediaType": lmt, "size": layer.len(), "digest": layer_digest}));
        let manifest = json!({
            "schemaVersion": 2, "mediaType": mt,
            "config": {"mediaType": cmt, "size": config_bytes.len(), "digest": config_digest},
            "layers": layers,
        });
        let bytes = serde_json::to_vec_pretty(&manifest).unwrap();
        let d = self.manifest(repo, tag, mt, &bytes).await;
        Pushed {
            digest: d,
            size: bytes.len(),
            media_type: mt,
            os: os.into(),
            arch: arch.into(),
            os_version: os_version.map(str::to_string),
        }
    }

    /// A list (Docker) or index (OCI) of already pushed children.
    pub async fn list(
        &self,
        repo: &str,
        tag: &str,
        children: &[Pushed],
        with_os_version: bool,
        oci: bool,
    ) -> String {
        let entries: Vec<Value> = children
            .iter()
            .map(|c| {
                let mut platform = json!({"architecture": c.arch, "os": c.os});
                if with_os_version && let Some(v) = &c.os_version {
                    platform["os.version"] = json!(v);
                }
                if c.os == "windows" && with_os_version {
                    platform["os.features"] = json!(["win32k"]);
                }
                json!({"mediaType": c.media_type, "size": c.size, "digest": c.digest, "platform": platform})
            })
            .collect();
        let mt = if oci { OCI_INDEX } else { DOCKER_LIST };
        let list = json!({"schemaVersion": 2, "mediaType": mt, "manifests": entries});
        self.manifest(repo, tag, mt, &serde_json::to_vec_pretty(&list).unwrap())
            .await
    }
}

/// Digests of the standard fixture set.
#[derive(Debug, Clone)]
pub struct Fixtures {
    pub ltsc2019: Pushed,
    pub ltsc2022: Pushed,
    pub ltsc2019_oci: Pushed,
    pub multi: String,
    pub multi_oci: String,
    pub noosversion: String,
    pub multi_windows: String,
    pub linux_only: String,
}

pub const V2019: &str = "10.0.17763.5329";
pub const V2022: &str = "10.0.20348.2227";
pub const V2025: &str = "10.0.26100.2605";

/// Push the standard set:
/// - `windows/servercore`: `ltsc2019`, `ltsc2022` (Docker v2), `ltsc2019-oci`, `ltsc2022-oci` (OCI),
///   `multi` (Docker list with os.version), `multi-oci` (OCI index), `noosversion` (list without os.version)
/// - `windows/multi:all`: 17763 + 20348 + 26100 and a linux entry
/// - `library/alpine:3.20`: Linux only
pub async fn push_standard(p: &Pusher) -> Fixtures {
    let r = "windows/servercore";
    let ltsc2019 = p
        .image(r, "ltsc2019", "windows", "amd64", Some(V2019), false)
        .await;
    let ltsc2022 = p
        .image(r, "ltsc2022", "windows", "amd64", Some(V2022), false)
        .await;
    let ltsc2019_oci = p
        .image(r, "ltsc2019-oci", "windows", "amd64", Some(V2019), true)
        .await;
    let ltsc2022_oci = p
        .image(r, "ltsc2022-oci", "windows", "amd64", Some(V2022), true)
        .await;
    let multi = p
        .list(
            r,
            "multi",
            &[ltsc2019.clone(), ltsc2022.clone()],
            true,
            false,
        )
        .await;
    let multi_oci = p
        .list(
            r,
            "multi-oci",
            &[ltsc2019_oci.clone(), ltsc2022_oci.clone()],
            true,
            true,
        )
        .await;
    let noosversion = p
        .list(
            r,
            "noosversion",
            &[ltsc2019.clone(), ltsc2022.clone()],
            false,
            false,
        )
        .await;
    let m = "windows/multi";
    let a = p
        .image(m, "a", "windows", "amd64", Some(V2019), false)
        .await;
    let b = p
        .image(m, "b", "windows", "amd64", Some(V2022), false)
        .await;
    let c = p
        .image(m, "c", "windows", "amd64", Some(V2025), false)
        .await;
    let l = p.image(m, "l", "linux", "amd64", None, false).await;
    let multi_windows = p.list(m, "all", &[l, a, b, c], true, false).await;
    let la = p
        .image("library/alpine", "amd64", "linux", "amd64", None, false)
        .await;
    let lb = p
        .image("library/alpine", "arm64", "linux", "arm64", None, false)
        .await;
    let linux_only = p
        .list("library/alpine", "3.20", &[la, lb], true, false)
        .await;
    Fixtures {
        ltsc2019,
        ltsc2022,
        ltsc2019_oci,
        multi,
        multi_oci,
        noosversion,
        multi_windows,
        linux_only,
    }
}
