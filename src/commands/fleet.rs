//! `winfit fleet import --from kubectl|swarm FILE`: node inventory JSON → fleet file on stdout.

use crate::cli::{EXIT_FAILURE, EXIT_OK, ImportSource};
use crate::fleet::import;
use std::path::Path;

pub fn import(from: ImportSource, file: &Path) -> u8 {
    let text = if file.as_os_str() == "-" {
        let mut s = String::new();
        match std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
            Ok(_) => s,
            Err(e) => {
                eprintln!("winfit: cannot read standard input: {e}");
                return EXIT_FAILURE;
            }
        }
    } else {
        match std::fs::read_to_string(file) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("winfit: {}: cannot read: {e}", file.display());
                return EXIT_FAILURE;
            }
        }
    };
    let result = match from {
        ImportSource::Kubectl => import::from_kubectl(&text),
        ImportSource::Swarm => import::from_swarm(&text),
    };
    match result {
        Ok(r) => {
            print!("{}", r.to_toml());
            EXIT_OK
        }
        Err(e) => {
            eprintln!("winfit: {}: {e}", file.display());
            EXIT_FAILURE
        }
    }
}
