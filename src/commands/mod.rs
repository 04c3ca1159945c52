//! One module per subcommand: each wires the pipeline stages together for its job.

pub mod collect;
pub mod fleet;
pub mod inspect;
pub mod lint;
pub mod report;
pub mod rules;
