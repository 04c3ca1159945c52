//! TODO(helper): `# winfit ignore=` comments.
