//! Judge: the compatibility engine (image os.version × host → verdict). Pure.

pub mod version;
