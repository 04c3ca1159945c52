//! `winfit rules` and `winfit explain`.

use crate::cli::{EXIT_FAILURE, EXIT_OK};
use crate::lint::catalogue;

pub fn list() -> u8 {
    let mut out = String::new();
    for r in catalogue::ALL {
        out.push_str(&format!(
            "{}  {:<26} {:<8} {}\n",
            r.id,
            r.name,
            r.default_severity.as_str(),
            r.summary
        ));
    }
    print!("{out}");
    EXIT_OK
}

pub fn explain(key: &str) -> u8 {
    match catalogue::find(key) {
        Some(r) => {
            print!("{}", r.doc);
            if !r.doc.ends_with('\n') {
                println!();
            }
            EXIT_OK
        }
        None => {
            eprintln!("winfit: unknown rule {key:?}; `winfit rules` lists them");
            EXIT_FAILURE
        }
    }
}
