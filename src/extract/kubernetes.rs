//! TODO(helper): kubernetes front end.
use crate::model::Extraction;


#[allow(unused_variables)]
pub fn extract(file: &str, text: &str ) -> Extraction {
    Extraction::default()
}
