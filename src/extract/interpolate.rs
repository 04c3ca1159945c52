//! TODO(helper): compose variable interpolation.
use std::collections::BTreeMap;

/// Placeholder until the compose front end lands.
pub fn parse_dotenv(text: &str) -> BTreeMap<String, String> {
    let _ = text;
    BTreeMap::new()
}
