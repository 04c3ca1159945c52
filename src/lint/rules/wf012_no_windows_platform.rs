//! WF012 no-windows-platform: the registry's answer has no Windows entry: a Linux-only image
//! aimed at Windows hosts (`no matching manifest for windows/amd64`).

use super::shown;
use crate::lint::catalogue::WF012;
use crate::lint::{Context, Subject};
use crate::model::Finding;

pub fn check(s: &Subject<'_>, _cx: &Context<'_>, out: &mut Vec<Finding>) {
    if !s.is_run() {
        return;
    }
    let Some(res) = s.resolution else { return };
    if !res.lacks_windows() {
        return;
    }
    let platforms: Vec<String> = match &res.registry {
        Some(Ok(r)) => r
            .platforms
            .iter()
            .map(|p| format!("{}/{}", p.os, p.architecture))
            .collect(),
        _ => Vec::new(),
    };
    out.push(WF012.finding(
        &s.reference.file,
        s.position(),
        s.reference.image.clone(),
        format!(
            "`{}` has no Windows platform (it offers {}): Windows hosts cannot pull it",
            shown(s),
            if platforms.is_empty() { "none".to_string() } else { platforms.join(", ") }
        ),
        "Use the publisher's Windows variant (often a `-windowsservercore-…` / `-nanoserver-…` tag), or run this service on Linux nodes.",
    ));
}
