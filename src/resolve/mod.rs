//! Resolve: learn each image's os.version from its tag, the KB table, the cache or a registry.

pub mod auth;
pub mod cache;
pub mod registry;
