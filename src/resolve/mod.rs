//! Resolve: learn each image's os.version from its tag, the KB table, the cache or a registry.

pub mod auth;
pub mod cache;
pub mod knowledge;
pub mod registry;
pub mod tags;

use crate::extract::reference::ImageRef;
use crate::judge::version::OsVersion;
use crate::model::VersionSource;
use tags::TagVersion;

/// Everything winfit learned about one image reference.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub image: ImageRef,
    /// What the tag alone says.
    pub tag: TagVersion,
    /// The Windows version used for judging: the registry's when it answered, else the tag's.
    pub version: Option<OsVersion>,
    pub source: Option<VersionSource>,
    /// What the registry (or the cache) said, when it was asked.
    pub registry: Option<Result<registry::Resolved, registry::ResolveError>>,
}

impl Resolution {
    /// The Windows entries of the registry's answer, each with its `os.version` (`None` when the
    /// entry carries none). Empty when the registry was not asked or did not answer.
    pub fn windows_entries(&self) -> Vec<Option<OsVersion>> {
        match &self.registry {
            Some(Ok(r)) => r
                .platforms
                .iter()
                .filter(|p| p.is_windows())
                .map(|p| p.version())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The registry answered and the image has no Windows platform at all.
    pub fn lacks_windows(&self) -> bool {
        matches!(&self.registry, Some(Ok(r)) if !r.platforms.iter().any(|p| p.is_windows()))
    }

    /// Merge a registry answer: its `os.version` (the highest Windows entry) wins over the tag's.
    pub fn with_registry(
        mut self,
        answer: Result<registry::Resolved, registry::ResolveError>,
    ) -> Resolution {
        if let Ok(r) = &answer {
            let best = r
                .platforms
                .iter()
                .filter(|p| p.is_windows())
                .filter_map(|p| p.version())
                .max();
            if let Some(v) = best {
                self.version = Some(v);
                self.source = Some(match r.source {
                    registry::Source::Registry => VersionSource::Registry,
                    registry::Source::Cache => VersionSource::Cache,
                });
            }
        }
        self.registry = Some(answer);
        self
    }
}

/// Resolve without a network: the tag rules and the KB table.
pub fn offline(image: &ImageRef) -> Resolution {
    let tag = tags::version_from_tag(image);
    let (version, source) = match &tag {
        TagVersion::Known {
            version, source, ..
        } => (Some(*version), Some(*source)),
        TagVersion::Unknown => (None, None),
    };
    Resolution {
        image: image.clone(),
        tag,
        version,
        source,
        registry: None,
    }
}
