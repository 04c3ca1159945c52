//! One module per subcommand: each wires the pipeline stages together for its job.

pub mod collect;
pub mod lint;
pub mod rules;
