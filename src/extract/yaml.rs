//! TODO(helper): YAML helpers shared by the compose and Kubernetes front ends.
use crate::model::FileKind;

/// Classify YAML text by content: `Compose` when a document has a top-level `services` mapping,
/// `Kubernetes` when a document has `apiVersion` and `kind`; `None` otherwise (Helm templates,
/// VM specs, anything else), with the reason.
pub fn classify(text: &str) -> Result<FileKind, String> {
    let _ = text;
    Err("not implemented".into())
}
