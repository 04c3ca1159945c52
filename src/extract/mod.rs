//! Extract: turn the text of a Dockerfile, compose / Swarm file or Kubernetes manifest into
//! image references with their position and placement. Pure: the caller reads the files.

pub mod compose;
pub mod dockerfile;
pub mod expand;
pub mod interpolate;
pub mod kubernetes;
pub mod reference;
pub mod suppress;
pub mod text;
pub mod yaml;

use crate::model::{Extraction, FileKind};
use std::collections::BTreeMap;

/// Inputs that change how references expand.
#[derive(Debug, Default, Clone)]
pub struct ExtractOptions {
    /// `--build-arg NAME=VALUE` values (and `[build-args]` from the config).
    pub build_args: BTreeMap<String, String>,
    /// Variables for compose interpolation: the process environment over a `.env` beside the file.
    pub env: BTreeMap<String, String>,
}

/// Extract the references of one file whose kind is known.
pub fn extract(file: &str, kind: FileKind, text: &str, opts: &ExtractOptions) -> Extraction {
    match kind {
        FileKind::Dockerfile => dockerfile::extract(file, text, &opts.build_args),
        FileKind::Compose => compose::extract(file, text, &opts.env),
        FileKind::Kubernetes => kubernetes::extract(file, text),
    }
}
