//! TODO(helper): BuildKit variable expansion.
