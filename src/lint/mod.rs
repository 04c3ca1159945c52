//! Lint: rules turn references and verdicts into findings; suppressions and severities apply here.

pub mod catalogue;
pub mod policy;
