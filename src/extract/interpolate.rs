//! TODO(helper): compose variable interpolation.
