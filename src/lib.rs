//! winfit: will these Windows container images run on these Windows hosts?
//!
//! The pipeline, one module per stage:
//! discover → extract → resolve → judge → lint → render.

pub mod cli;
pub mod commands;
pub mod config;
pub mod discover;
pub mod extract;
pub mod fleet;
pub mod judge;
pub mod lint;
pub mod model;
pub mod render;
pub mod resolve;
