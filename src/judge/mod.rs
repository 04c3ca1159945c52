//! Judge: the compatibility engine (image os.version × host → verdict). Pure.

pub mod engine;
pub mod select;
pub mod version;
