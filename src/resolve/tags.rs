//! Tag rules (placeholder).
