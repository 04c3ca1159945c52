//! TODO(helper): compose front end.
use crate::model::Extraction;
use std::collections::BTreeMap;

#[allow(unused_variables)]
pub fn extract(file: &str, text: &str , env: &BTreeMap<String, String>) -> Extraction {
    Extraction::default()
}
