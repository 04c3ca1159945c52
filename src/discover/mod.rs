//! Discover: walk the paths, honour .gitignore, classify files.
