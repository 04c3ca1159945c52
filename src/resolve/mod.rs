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
    }
}
