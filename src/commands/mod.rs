//! One module per subcommand: each wires the pipeline stages together for its job.

pub mod collect;
pub mod fleet;
pub mod inspect;
pub mod lint;
pub mod report;
pub mod rules;

/// Write a command's output to stdout. A closed pipe (`winfit … | head`) is not an error;
/// any other write failure is reported and returns false (exit 2).
pub fn print(text: &str) -> bool {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("winfit: cannot write output: {e}");
            false
        }
        _ => true,
    }
}
