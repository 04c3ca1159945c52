//! `winfit report`: the image × host matrix as table, JSON, Markdown, CSV or HTML.

use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct ReportHost {
    pub name: String,
    pub os_version: String,
    pub isolation: Vec<String>,
    /// Release name (`Windows Server 2022`), for people; not in the JSON contract.
    #[serde(skip)]
    pub release: Option<String>,
    #[serde(skip)]
    pub count: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportImage {
    pub image: String,
    pub os_version: Option<String>,
    pub source: Option<crate::model::VersionSource>,
    #[serde(skip)]
    pub release: Option<String>,
    /// Where the image is referenced (`file:line`), for people.
    #[serde(skip)]
    pub used_at: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportCell {
    pub image: String,
    pub host: String,
    /// `process`, `hyperv`, `none` or `unknown`.
    pub verdict: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReportData {
    pub version: u32,
    pub hosts: Vec<ReportHost>,
    pub images: Vec<ReportImage>,
    pub matrix: Vec<ReportCell>,
}

impl ReportData {
    fn cell(&self, image: &str, host: &str) -> Option<&ReportCell> {
        self.matrix
            .iter()
            .find(|c| c.image == image && c.host == host)
    }
}

pub fn json(data: &ReportData) -> String {
    let mut s =
        serde_json::to_string_pretty(data).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

fn verdict_label(v: &str) -> &'static str {
    match v {
        "process" => "process",
        "hyperv" => "hyper-v only",
        "none" => "cannot run",
        _ => "unknown",
    }
}

fn verdict_color(v: &str) -> comfy_table::Color {
    match v {
        "process" => comfy_table::Color::Green,
        "hyperv" => comfy_table::Color::Yellow,
        "none" => comfy_table::Color::Red,
        _ => comfy_table::Color::DarkGrey,
    }
}

fn image_label(i: &ReportImage) -> String {
    match (&i.os_version, &i.release) {
        (Some(v), Some(r)) => format!("{} ({r}, {v})", i.image),
        (Some(v), None) => format!("{} ({v})", i.image),
        _ => format!("{} (version unknown)", i.image),
    }
}

fn host_label(h: &ReportHost) -> String {
    match &h.release {
        Some(r) => format!("{} ({r}, {})", h.name, h.os_version),
        None => format!("{} ({})", h.name, h.os_version),
    }
}

/// A terminal table: one row per image, one column per host; verdicts readable without colour.
pub fn table(data: &ReportData, color: bool) -> String {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    if color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    let mut header = vec!["image".to_string()];
    header.extend(data.hosts.iter().map(|h| {
        let rel = h.release.clone().unwrap_or_default();
        format!("{}\n{}\n{rel}", h.name, h.os_version)
    }));
    t.set_header(header);
    for img in &data.images {
        let mut row = vec![comfy_table::Cell::new(format!(
            "{}\n{}",
            img.image,
            match (&img.os_version, &img.release) {
                (Some(v), Some(r)) => format!("{v} {r}"),
                (Some(v), None) => v.clone(),
                _ => "version unknown".to_string(),
            }
        ))];
        for h in &data.hosts {
            let v = data
                .cell(&img.image, &h.name)
                .map(|c| c.verdict)
                .unwrap_or("unknown");
            let mut cell = comfy_table::Cell::new(verdict_label(v));
            if color {
                cell = cell.fg(verdict_color(v));
            }
            row.push(cell);
        }
        t.add_row(row);
    }
    let mut out = t.to_string();
    out.push('\n');
    let _ = writeln!(out, "{}", summary_line(data));
    out
}

fn summary_line(data: &ReportData) -> String {
    let n = |v: &str| data.matrix.iter().filter(|c| c.verdict == v).count();
    format!(
        "{} images × {} hosts: {} process, {} Hyper-V only, {} cannot run, {} unknown.",
        data.images.len(),
        data.hosts.len(),
        n("process"),
        n("hyperv"),
        n("none"),
        n("unknown")
    )
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

pub fn markdown(data: &ReportData) -> String {
    let mut out = String::from("## winfit fleet report\n\n");
    out.push_str("| image |");
    for h in &data.hosts {
        let _ = write!(out, " {} |", md_escape(&host_label(h)));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(data.hosts.len()));
    out.push('\n');
    for img in &data.images {
        let _ = write!(out, "| `{}` |", md_escape(&image_label(img)));
        for h in &data.hosts {
            let v = data
                .cell(&img.image, &h.name)
                .map(|c| c.verdict)
                .unwrap_or("unknown");
            let icon = match v {
                "process" => "✅",
                "hyperv" => "🟡",
                "none" => "❌",
                _ => "❔",
            };
            let _ = write!(out, " {icon} {} |", verdict_label(v));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "\n{}", summary_line(data));
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn csv(data: &ReportData) -> String {
    let mut out = String::from("image,image_os_version,host,host_os_version,verdict,reason\n");
    for c in &data.matrix {
        let iv = data
            .images
            .iter()
            .find(|i| i.image == c.image)
            .and_then(|i| i.os_version.clone())
            .unwrap_or_default();
        let hv = data
            .hosts
            .iter()
            .find(|h| h.name == c.host)
            .map(|h| h.os_version.clone())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{},{},{},{},{},{}",
            csv_field(&c.image),
            csv_field(&iv),
            csv_field(&c.host),
            csv_field(&hv),
            c.verdict,
            csv_field(&c.reason)
        );
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One self-contained page: inline CSS, no scripts, no external assets.
pub fn html(data: &ReportData) -> String {
    let mut out = String::new();
    out.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<title>winfit fleet report</title>\n<style>\n",
        "body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1b1f24}\n",
        "h1{font-size:1.4rem}table{border-collapse:collapse;font-size:.9rem}\n",
        "th,td{border:1px solid #d0d7de;padding:.45rem .6rem;text-align:left;vertical-align:top}\n",
        "thead th{background:#f6f8fa;position:sticky;top:0}\n",
        "td.v{text-align:center;font-weight:600;white-space:nowrap}\n",
        ".process{background:#dafbe1;color:#116329}.hyperv{background:#fff8c5;color:#7d4e00}\n",
        ".none{background:#ffebe9;color:#a40e26}.unknown{background:#eaeef2;color:#57606a}\n",
        ".sub{display:block;font-weight:400;color:#57606a;font-size:.8rem}\n",
        "code{font-family:ui-monospace,SFMono-Regular,Consolas,monospace}\n",
        ".legend span{display:inline-block;padding:.2rem .5rem;margin-right:.4rem;border-radius:4px}\n",
        "</style>\n</head>\n<body>\n<h1>winfit fleet report</h1>\n",
    ));
    let _ = writeln!(out, "<p>{}</p>", html_escape(&summary_line(data)));
    out.push_str(concat!(
        "<p class=\"legend\"><span class=\"process\">process: runs process-isolated</span>",
        "<span class=\"hyperv\">hyper-v only</span><span class=\"none\">cannot run</span>",
        "<span class=\"unknown\">unknown: image version unknown</span></p>\n"
    ));
    out.push_str("<table>\n<thead><tr><th>image</th>");
    for h in &data.hosts {
        let _ = write!(
            out,
            "<th>{}<span class=\"sub\">{}</span><span class=\"sub\">{}</span><span class=\"sub\">{}</span></th>",
            html_escape(&h.name),
            html_escape(h.release.as_deref().unwrap_or("")),
            html_escape(&h.os_version),
            html_escape(&h.isolation.join(", "))
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for img in &data.images {
        let _ = write!(
            out,
            "<tr><th><code>{}</code><span class=\"sub\">{}</span><span class=\"sub\">{}</span></th>",
            html_escape(&img.image),
            html_escape(&match (&img.os_version, &img.release) {
                (Some(v), Some(r)) => format!("{r} · {v}"),
                (Some(v), None) => v.clone(),
                _ => "version unknown".to_string(),
            }),
            html_escape(&img.used_at.join(", "))
        );
        for h in &data.hosts {
            let (v, reason) = data
                .cell(&img.image, &h.name)
                .map(|c| (c.verdict, c.reason.as_str()))
                .unwrap_or(("unknown", ""));
            let _ = write!(
                out,
                "<td class=\"v {v}\" title=\"{}\">{}</td>",
                html_escape(reason),
                verdict_label(v)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</body>\n</html>\n");
    out
}
