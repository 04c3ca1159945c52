//! On-disk cache of registry content.
//!
//! Layout under the cache root (default: the user's cache dir + `winfit`):
//! - `blobs/sha256/<hex>`: manifests and image configs, content-addressed. Verified with sha256
//!   before every write and after every read; a corrupt entry is deleted and reported as a miss.
//! - `tags/<sha256 of the reference>.json`: `{ "reference", "digest", "fetched" }`, the tag → digest
//!   index, fresh for the TTL.
//!
//! Writes are atomic (a temp file in the same directory, then rename). Unverified content is never
//! stored. Cache I/O failures are never fatal: a cache that cannot be written is simply not used.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Default freshness of a tag → digest entry.
pub const DEFAULT_TAG_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// `sha256:<hex>` of some bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// The hex part of a well-formed `sha256:` digest.
pub fn sha256_hex(digest: &str) -> Option<&str> {
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
    .then_some(hex)
}

/// A tag → digest entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TagEntry {
    pub reference: String,
    pub digest: String,
    /// Seconds since the Unix epoch when the registry last confirmed the digest.
    pub fetched: u64,
}

impl TagEntry {
    pub fn age(&self) -> Duration {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        Duration::from_secs(now.saturating_sub(self.fetched))
    }
}

/// The content-addressed cache.
#[derive(Debug)]
pub struct Cache {
    root: PathBuf,
    ttl: Duration,
    corrupt_discarded: AtomicU64,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Cache {
    /// The user's cache directory for winfit (`$XDG_CACHE_HOME/winfit`, `~/.cache/winfit`, …).
    pub fn default_dir() -> Option<PathBuf> {
        dirs::cache_dir().map(|d| d.join("winfit"))
    }

    /// A cache rooted at `root` (created lazily on first write).
    pub fn new(root: impl Into<PathBuf>, ttl: Duration) -> Cache {
        Cache {
            root: root.into(),
            ttl,
            corrupt_discarded: AtomicU64::new(0),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// How many corrupt entries were found and deleted since this cache was opened.
    pub fn corrupt_discarded(&self) -> u64 {
        self.corrupt_discarded.load(Ordering::Relaxed)
    }

    /// The path of a blob entry (whether or not it exists). `None` for a malformed digest.
    pub fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        sha256_hex(digest).map(|h| self.root.join("blobs").join("sha256").join(h))
    }

    /// Verified content for a digest, or `None` (missing, unreadable or corrupt: corrupt is deleted).
    pub fn get_blob(&self, digest: &str) -> Option<Vec<u8>> {
        let path = self.blob_path(digest)?;
        let bytes = std::fs::read(&path).ok()?;
        if sha256_digest(&bytes) == digest {
            Some(bytes)
        } else {
            let _ = std::fs::remove_file(&path);
            self.corrupt_discarded.fetch_add(1, Ordering::Relaxed);
            None
        }
    }

    /// Store content under its digest. Refuses (returns false) content that does not hash to it.
    pub fn put_blob(&self, digest: &str, bytes: &[u8]) -> bool {
        let Some(path) = self.blob_path(digest) else {
            return false;
        };
        if sha256_digest(bytes) != digest {
            return false;
        }
        if path.exists() {
            return true;
        }
        atomic_write(&path, bytes).is_ok()
    }

    fn tag_path(&self, reference: &str) -> PathBuf {
        self.root.join("tags").join(format!(
            "{}.json",
            hex::encode(Sha256::digest(reference.as_bytes()))
        ))
    }

    /// The tag entry for a normalized reference, fresh or not.
    pub fn get_tag(&self, reference: &str) -> Option<TagEntry> {
        let path = self.tag_path(reference);
        let bytes = std::fs::read(&path).ok()?;
        match serde_json::from_slice::<TagEntry>(&bytes) {
            Ok(e) if e.reference == reference && sha256_hex(&e.digest).is_some() => Some(e),
            _ => {
                let _ = std::fs::remove_file(&path);
                self.corrupt_discarded.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Whether an entry is within the TTL.
    pub fn is_fresh(&self, entry: &TagEntry) -> bool {
        entry.age() < self.ttl
    }

    /// Record that the registry said `reference` → `digest` just now.
    pub fn put_tag(&self, reference: &str, digest: &str) -> bool {
        if sha256_hex(digest).is_none() {
            return false;
        }
        let fetched = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let entry = TagEntry {
            reference: reference.to_string(),
            digest: digest.to_string(),
            fetched,
        };
        match serde_json::to_vec(&entry) {
            Ok(bytes) => atomic_write(&self.tag_path(reference), &bytes).is_ok(),
            Err(_) => false,
        }
    }
}

/// Write to a temp file beside `path`, then rename over it.
fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent directory"))?;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".tmp-{}-{}",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_verified_on_write_and_read() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), DEFAULT_TAG_TTL);
        let body = br#"{"schemaVersion":2}"#;
        let d = sha256_digest(body);
        assert!(
            !cache.put_blob(&d, b"other bytes"),
            "unverified content must be refused"
        );
        assert!(cache.get_blob(&d).is_none());
        assert!(cache.put_blob(&d, body));
        assert_eq!(cache.get_blob(&d).as_deref(), Some(&body[..]));
        std::fs::write(cache.blob_path(&d).unwrap(), b"corrupted").unwrap();
        assert!(cache.get_blob(&d).is_none());
        assert!(
            !cache.blob_path(&d).unwrap().exists(),
            "corrupt entry is deleted"
        );
        assert_eq!(cache.corrupt_discarded(), 1);
    }

    #[test]
    fn tags_round_trip_with_ttl() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), Duration::from_secs(60));
        let d = sha256_digest(b"x");
        assert!(cache.put_tag("r.example/a:1", &d));
        let e = cache.get_tag("r.example/a:1").unwrap();
        assert_eq!(e.digest, d);
        assert!(cache.is_fresh(&e));
        assert!(cache.get_tag("r.example/a:2").is_none());
        let stale = Cache::new(dir.path(), Duration::ZERO);
        assert!(!stale.is_fresh(&stale.get_tag("r.example/a:1").unwrap()));
        assert!(!cache.put_tag("r.example/a:1", "sha256:nothex"));
    }
}
