//! The Dockerfile front end: every image a Dockerfile pulls (`FROM`, `COPY --from`,
//! `RUN --mount=…,from=`, the `# syntax=` frontend), after BuildKit's ARG expansion.
//!
//! Positions: `line` is the 1-based line where the instruction starts (the `FROM` keyword,
//! even when the image word sits on a continuation line; the `# syntax=` line for the
//! directive); `column` is the 1-based column (in characters) of the instruction keyword
//! (of the `#` for the directive). Spans from parse-dockerfile are byte offsets into the
//! BOM-stripped text, which is what the line index is built over.

use crate::extract::expand::{self, Vars};
use crate::extract::{reference, suppress};
use crate::lint::catalogue::{WF000, WF010};
use crate::model::{Extraction, Position, RefContext, Reference};
use parse_dockerfile::{Flag, Instruction};
use std::collections::BTreeMap;

/// The automatic platform ARGs BuildKit puts in scope of every `FROM`. winfit lints Windows
/// images, so the build and target platform default to `windows/amd64` (a `--build-arg`
/// of the same name overrides each).
const PLATFORM_ARGS: [(&str, &str); 8] = [
    ("BUILDPLATFORM", "windows/amd64"),
    ("BUILDOS", "windows"),
    ("BUILDARCH", "amd64"),
    ("BUILDVARIANT", ""),
    ("TARGETPLATFORM", "windows/amd64"),
    ("TARGETOS", "windows"),
    ("TARGETARCH", "amd64"),
    ("TARGETVARIANT", ""),
];

/// Extract the image references of a Dockerfile. Never panics on input data: a file the
/// parser rejects yields one WF000 finding.
pub fn extract(file: &str, text: &str, build_args: &BTreeMap<String, String>) -> Extraction {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Extraction {
        suppressions: suppress::scan(text),
        ..Extraction::default()
    };
    let lines = LineIndex::new(text);

    let parsed = std::panic::catch_unwind(|| parse_dockerfile::parse(text));
    let df = match parsed {
        Ok(Ok(df)) => df,
        Ok(Err(e)) => {
            let msg = format!("{e:#}");
            let (pos, message) = if e.line() == 0 {
                (
                    Position { line: 1, column: 1 },
                    "no FROM instruction".to_string(),
                )
            } else {
                (lines.byte_pos(e.line(), e.column()), msg)
            };
            out.findings.push(WF000.finding(
                file,
                pos,
                None,
                format!("Dockerfile does not parse: {message}"),
                "Fix the syntax; `docker build` rejects this file too.",
            ));
            return out;
        }
        Err(_) => {
            out.findings.push(WF000.finding(
                file,
                Position { line: 1, column: 1 },
                None,
                format!("{file}: the Dockerfile parser failed on this file"),
                "Please report this file to winfit.",
            ));
            return out;
        }
    };
    let escape = df
        .parser_directives
        .escape
        .as_ref()
        .map_or('\\', |d| d.value.value);

    // `# syntax=` frontend image.
    if let Some(syntax) = &df.parser_directives.syntax {
        let pos = lines.directive_pos(syntax.span().start);
        let raw = syntax.value.value.to_string();
        let image = match reference::parse(&raw) {
            Ok(r) => Some(r.normalized()),
            Err(e) => {
                out.findings.push(WF010.finding(
                    file,
                    pos,
                    None,
                    format!("the `# syntax=` image cannot be parsed: {e}"),
                    "Write the frontend image as `docker/dockerfile:1` or pin it by digest.",
                ));
                None
            }
        };
        out.references
            .push(new_ref(file, pos, raw, image, RefContext::Syntax, None));
    }

    let mut cx = Cx {
        file,
        escape,
        build_args,
        out,
        globals: Vars::new(),
        global_taint: BTreeMap::new(),
        stages: Vec::new(),
    };
    for (k, v) in PLATFORM_ARGS {
        let v = build_args.get(k).cloned().unwrap_or_else(|| v.to_string());
        cx.globals.insert(k.to_string(), Some(v));
    }

    let mut in_stage = false;
    for inst in &df.instructions {
        match inst {
            Instruction::Arg(arg) if !in_stage => {
                let pos = lines.pos(arg.arg.span.start);
                for (key, value) in split_assignments(&arg.arguments.value, escape) {
                    cx.declare_global(&key, value.as_deref(), pos);
                }
            }
            Instruction::From(from) => {
                in_stage = true;
                let pos = lines.pos(from.from.span.start);
                let name = from.as_.as_ref().map(|(_, n)| n.value.to_string());
                cx.start_stage(pos, &from.image.value, name);
            }
            Instruction::Arg(arg) => {
                for (key, value) in split_assignments(&arg.arguments.value, escape) {
                    cx.declare_stage_arg(&key, value.as_deref());
                }
            }
            Instruction::Env(env) => {
                for (key, value) in split_env(&env.arguments.value, escape) {
                    cx.set_env(&key, &value);
                }
            }
            Instruction::Copy(copy) => {
                let pos = lines.pos(copy.copy.span.start);
                let froms = copy
                    .options
                    .iter()
                    .filter(|f| f.name.value.eq_ignore_ascii_case("from"))
                    .filter_map(|f| f.value.as_ref());
                for v in froms {
                    cx.stage_image(pos, &v.value, RefContext::CopyFrom);
                }
            }
            Instruction::Run(run) => {
                let pos = lines.pos(run.run.span.start);
                for from in run.options.iter().filter_map(mount_from) {
                    cx.stage_image(pos, &from, RefContext::RunMount);
                }
            }
            _ => {}
        }
    }

    mark_final(&mut cx);
    cx.out
}

fn new_ref(
    file: &str,
    pos: Position,
    raw: String,
    image: Option<String>,
    context: RefContext,
    stage: Option<String>,
) -> Reference {
    Reference {
        file: file.to_string(),
        line: pos.line,
        column: pos.column,
        raw,
        image,
        context,
        stage,
        is_final_stage: false,
        os_version: None,
        source: None,
        placement: Default::default(),
    }
}

/// What a stage is built on.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Base {
    Scratch,
    /// An earlier stage, by index.
    Stage(usize),
    /// An image: the index of its `FROM` reference in `out.references`.
    Image(usize),
}

struct Stage {
    name: Option<String>,
    base: Base,
    /// ARGs and ENVs in scope inside the stage (values `None`: declared without a value).
    vars: Vars,
    /// Variables whose value was derived from an unresolved variable → those variables.
    taint: BTreeMap<String, Vec<String>>,
}

struct Cx<'a> {
    file: &'a str,
    escape: char,
    build_args: &'a BTreeMap<String, String>,
    out: Extraction,
    globals: Vars,
    global_taint: BTreeMap<String, Vec<String>>,
    stages: Vec<Stage>,
}

/// The outcome of expanding one word.
enum Expansion {
    Value(String),
    Unresolved(String),
}

impl Cx<'_> {
    /// `ARG NAME[=default]` before the first `FROM`.
    fn declare_global(&mut self, key: &str, value: Option<&str>, _pos: Position) {
        if let Some(v) = self.build_args.get(key) {
            self.globals.insert(key.to_string(), Some(v.clone()));
            self.global_taint.remove(key);
            return;
        }
        match value {
            // `ARG TARGETOS` keeps the automatic platform value.
            None if PLATFORM_ARGS.iter().any(|(k, _)| *k == key) => {}
            None => {
                self.globals.insert(key.to_string(), None);
                self.global_taint.remove(key);
            }
            Some(word) => match expand::expand(word, self.escape, &self.globals) {
                Ok(e) => {
                    let taint = collect_taint(&e, &self.global_taint);
                    self.globals.insert(key.to_string(), Some(e.value));
                    if taint.is_empty() {
                        self.global_taint.remove(key);
                    } else {
                        self.global_taint.insert(key.to_string(), taint);
                    }
                }
                Err(_) => {
                    self.globals.insert(key.to_string(), None);
                    self.global_taint.remove(key);
                }
            },
        }
    }

    /// Expand a word; `Unresolved` carries a message naming what is missing.
    fn expand_word(
        &self,
        raw: &str,
        vars: &Vars,
        taint: &BTreeMap<String, Vec<String>>,
    ) -> Expansion {
        match expand::expand(raw, self.escape, vars) {
            Err(e) => Expansion::Unresolved(format!("`{raw}` cannot be expanded: {e}")),
            Ok(e) => {
                let missing = collect_taint(&e, taint);
                if !missing.is_empty() {
                    let names = missing
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let (what, has) = if missing.len() == 1 {
                        ("variable", "has")
                    } else {
                        ("variables", "have")
                    };
                    Expansion::Unresolved(format!(
                        "`{raw}` cannot be expanded: {what} {names} {has} no value (ARG without a default, and no --build-arg)"
                    ))
                } else if e.value.is_empty() {
                    Expansion::Unresolved(format!("`{raw}` expands to an empty image name"))
                } else {
                    Expansion::Value(e.value)
                }
            }
        }
    }

    fn unresolved(&mut self, pos: Position, message: String) {
        let file = self.file;
        self.out.findings.push(WF010.finding(
            file,
            pos,
            None,
            message,
            "Give the ARG a default (`ARG TAG=ltsc2022`) or pass `--build-arg NAME=VALUE` to winfit.",
        ));
    }

    /// An image word that expanded: its normalised form, or `None` with a WF010.
    fn image_of(&mut self, pos: Position, raw: &str, expanded: &str) -> Option<String> {
        match reference::parse(expanded) {
            Ok(r) => Some(r.normalized()),
            Err(e) => {
                let shown = if raw == expanded {
                    String::new()
                } else {
                    format!(" (`{raw}`)")
                };
                self.unresolved(pos, format!("image reference{shown} cannot be parsed: {e}"));
                None
            }
        }
    }

    fn find_stage(&self, name: &str) -> Option<usize> {
        self.stages.iter().position(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }

    fn start_stage(&mut self, pos: Position, raw: &str, name: Option<String>) {
        let globals = std::mem::take(&mut self.globals);
        let expansion = self.expand_word(raw, &globals, &self.global_taint);
        self.globals = globals;
        let base = match expansion {
            Expansion::Value(v) if v.eq_ignore_ascii_case("scratch") => Base::Scratch,
            Expansion::Value(v) => match self.find_stage(&v) {
                Some(i) => Base::Stage(i),
                None => {
                    let image = self.image_of(pos, raw, &v);
                    self.push_from(pos, raw, image, name.clone())
                }
            },
            Expansion::Unresolved(msg) => {
                self.unresolved(pos, format!("FROM {msg}"));
                self.push_from(pos, raw, None, name.clone())
            }
        };
        // A stage built on an earlier stage inherits its ENV (ARGs are not inherited).
        let (vars, taint) = match base {
            Base::Stage(i) => self
                .stages
                .get(i)
                .map(|s| (s.vars.clone(), s.taint.clone()))
                .unwrap_or_default(),
            _ => Default::default(),
        };
        self.stages.push(Stage {
            name,
            base,
            vars,
            taint,
        });
    }

    fn push_from(
        &mut self,
        pos: Position,
        raw: &str,
        image: Option<String>,
        stage: Option<String>,
    ) -> Base {
        self.out.references.push(new_ref(
            self.file,
            pos,
            raw.to_string(),
            image,
            RefContext::From,
            stage,
        ));
        Base::Image(self.out.references.len() - 1)
    }

    /// `ARG NAME[=default]` inside a stage.
    fn declare_stage_arg(&mut self, key: &str, value: Option<&str>) {
        let escape = self.escape;
        let (val, taint) = if let Some(v) = self.build_args.get(key) {
            (Some(v.clone()), Vec::new())
        } else if let Some(word) = value {
            let Some(stage) = self.stages.last() else {
                return;
            };
            match expand::expand(word, escape, &stage.vars) {
                Ok(e) => {
                    let t = collect_taint(&e, &stage.taint);
                    (Some(e.value), t)
                }
                Err(_) => (None, Vec::new()),
            }
        } else if let Some(g) = self.globals.get(key) {
            (
                g.clone(),
                self.global_taint.get(key).cloned().unwrap_or_default(),
            )
        } else {
            (None, Vec::new())
        };
        if let Some(stage) = self.stages.last_mut() {
            stage.vars.insert(key.to_string(), val);
            if taint.is_empty() {
                stage.taint.remove(key);
            } else {
                stage.taint.insert(key.to_string(), taint);
            }
        }
    }

    fn set_env(&mut self, key: &str, word: &str) {
        let escape = self.escape;
        let Some(stage) = self.stages.last_mut() else {
            return;
        };
        let (val, taint) = match expand::expand(word, escape, &stage.vars) {
            Ok(e) => {
                let t = collect_taint(&e, &stage.taint);
                (Some(e.value), t)
            }
            Err(_) => (None, Vec::new()),
        };
        stage.vars.insert(key.to_string(), val);
        if taint.is_empty() {
            stage.taint.remove(key);
        } else {
            stage.taint.insert(key.to_string(), taint);
        }
    }

    /// `COPY --from=…` / `RUN --mount=…,from=…` inside the current stage.
    fn stage_image(&mut self, pos: Position, raw: &str, context: RefContext) {
        let Some(stage) = self.stages.last() else {
            return;
        };
        let stage_name = stage.name.clone();
        let vars = stage.vars.clone();
        let taint = stage.taint.clone();
        // A name or index written literally needs no expansion.
        if self.is_stage_ref(raw) {
            return;
        }
        let image = match self.expand_word(raw, &vars, &taint) {
            Expansion::Value(v) => {
                if self.is_stage_ref(&v) {
                    return;
                }
                self.image_of(pos, raw, &v)
            }
            Expansion::Unresolved(msg) => {
                let what = if context == RefContext::CopyFrom {
                    "COPY --from"
                } else {
                    "RUN --mount from"
                };
                self.unresolved(pos, format!("{what} {msg}"));
                None
            }
        };
        self.out.references.push(new_ref(
            self.file,
            pos,
            raw.to_string(),
            image,
            context,
            stage_name,
        ));
    }

    /// A stage index (`0`) or the name of any stage (BuildKit looks names up among all stages).
    fn is_stage_ref(&self, word: &str) -> bool {
        (!word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()))
            || self.find_stage(word).is_some()
    }
}

/// The unresolved variables behind an expansion: those it used without a value, and those
/// whose value was derived from one.
fn collect_taint(e: &expand::Expanded, taint: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let mut out: Vec<String> = e.unresolved.clone();
    for used in &e.used {
        for t in taint.get(used).into_iter().flatten() {
            if !out.contains(t) {
                out.push(t.clone());
            }
        }
    }
    out
}

/// Mark the `FROM` the last stage runs on (following `FROM <earlier stage>` chains).
fn mark_final(cx: &mut Cx<'_>) {
    let mut i = match cx.stages.len() {
        0 => return,
        n => n - 1,
    };
    for _ in 0..=cx.stages.len() {
        match cx.stages.get(i).map(|s| s.base) {
            Some(Base::Stage(j)) if j < i => i = j,
            Some(Base::Image(r)) => {
                if let Some(r) = cx.out.references.get_mut(r) {
                    r.is_final_stage = true;
                }
                return;
            }
            _ => return,
        }
    }
}

/// `RUN --mount=type=bind,from=img,source=/x` → `img`.
fn mount_from(flag: &Flag<'_>) -> Option<String> {
    if !flag.name.value.eq_ignore_ascii_case("mount") {
        return None;
    }
    let value = flag.value.as_ref()?;
    csv_fields(&value.value).into_iter().find_map(|field| {
        let (k, v) = field.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("from")
            .then(|| v.trim().to_string())
    })
}

/// Split a CSV record (as Go's encoding/csv does for mount specs): commas separate, double
/// quotes group (`""` is a literal quote).
fn csv_fields(s: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '"' if quoted && it.peek() == Some(&'"') => {
                it.next();
                cur.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// Split an instruction's arguments into words on whitespace, keeping quotes and escapes in
/// the words (they are removed by expansion), as BuildKit's `parseWords` does.
fn split_words(s: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == escape && quote != Some('\'') {
            cur.push(c);
            if let Some(n) = it.next() {
                cur.push(n);
            }
            continue;
        }
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                cur.push(c);
            }
            None if c.is_whitespace() => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                cur.push(c);
            }
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// `ARG A B=2 C="x y"` → [(A, None), (B, Some("2")), (C, Some("\"x y\""))].
fn split_assignments(s: &str, escape: char) -> Vec<(String, Option<String>)> {
    split_words(s, escape)
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (w, None),
        })
        .collect()
}

/// `ENV A=1 B=2` or the legacy `ENV A value with spaces`.
fn split_env(s: &str, escape: char) -> Vec<(String, String)> {
    let words = split_words(s, escape);
    match words.first() {
        Some(first) if !first.contains('=') => {
            let rest = s.trim_start().get(first.len()..).unwrap_or("").trim();
            vec![(first.clone(), rest.to_string())]
        }
        _ => split_assignments(s, escape)
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect(),
    }
}

/// Byte offset → 1-based line and character column.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { text, starts }
    }

    fn pos(&self, offset: usize) -> Position {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        Position { line, column }
    }

    /// The parser's (1-based line, 1-based byte column) → character column.
    fn byte_pos(&self, line: usize, byte_column: usize) -> Position {
        let start = self.starts.get(line.saturating_sub(1)).copied();
        match start {
            Some(start) => self.pos(start + byte_column.saturating_sub(1)),
            None => Position {
                line: line.max(1),
                column: byte_column.max(1),
            },
        }
    }

    /// A parser directive: its line, and the column of its `#`.
    fn directive_pos(&self, offset: usize) -> Position {
        let p = self.pos(offset);
        let start = self.starts.get(p.line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .and_then(|s| s.find('#'))
            .and_then(|i| self.text.get(start..start + i))
            .map_or(1, |s| s.chars().count() + 1);
        Position {
            line: p.line,
            column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Extraction {
        extract("Dockerfile", text, &BTreeMap::new())
    }

    fn run_args(text: &str, args: &[(&str, &str)]) -> Extraction {
        let args = args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        extract("Dockerfile", text, &args)
    }

    /// (context, line, column, raw, image, stage, final)
    type Row = (
        RefContext,
        usize,
        usize,
        String,
        Option<String>,
        Option<String>,
        bool,
    );

    fn rows(x: &Extraction) -> Vec<Row> {
        x.references
            .iter()
            .map(|r| {
                (
                    r.context,
                    r.line,
                    r.column,
                    r.raw.clone(),
                    r.image.clone(),
                    r.stage.clone(),
                    r.is_final_stage,
                )
            })
            .collect()
    }

    fn row(
        c: RefContext,
        line: usize,
        col: usize,
        raw: &str,
        image: Option<&str>,
        stage: Option<&str>,
        fin: bool,
    ) -> Row {
        (
            c,
            line,
            col,
            raw.to_string(),
            image.map(str::to_string),
            stage.map(str::to_string),
            fin,
        )
    }

    fn rules(x: &Extraction) -> Vec<(&'static str, usize)> {
        x.findings.iter().map(|f| (f.rule, f.line)).collect()
    }

    use RefContext::*;

    #[test]
    fn backtick_escape_with_continuations() {
        let text = "# escape=`\nARG TAG=ltsc2019\nFROM mcr.microsoft.com/windows/servercore:$TAG AS build\nRUN powershell -Command `\n    # a comment inside`\n\n    Write-Host C:\\path\\ ; `\n    echo done\nFROM `\n  mcr.microsoft.com/windows/nanoserver:${TAG}\nCOPY --from=build C:\\app C:\\app\n";
        let x = run(text);
        assert_eq!(
            rows(&x),
            vec![
                row(
                    From,
                    3,
                    1,
                    "mcr.microsoft.com/windows/servercore:$TAG",
                    Some("mcr.microsoft.com/windows/servercore:ltsc2019"),
                    Some("build"),
                    false
                ),
                row(
                    From,
                    9,
                    1,
                    "mcr.microsoft.com/windows/nanoserver:${TAG}",
                    Some("mcr.microsoft.com/windows/nanoserver:ltsc2019"),
                    None,
                    true
                ),
            ]
        );
        assert!(x.findings.is_empty(), "{:?}", x.findings);
    }

    #[test]
    fn bom_and_crlf() {
        let text = "\u{feff}# syntax=docker/dockerfile:1\r\nARG V=3.20\r\n\r\nfrom alpine:${V} as base\r\nRUN echo hi\r\n";
        let x = run(text);
        assert_eq!(
            rows(&x),
            vec![
                row(
                    Syntax,
                    1,
                    1,
                    "docker/dockerfile:1",
                    Some("docker.io/docker/dockerfile:1"),
                    None,
                    false
                ),
                row(
                    From,
                    4,
                    1,
                    "alpine:${V}",
                    Some("docker.io/library/alpine:3.20"),
                    Some("base"),
                    true
                ),
            ]
        );
    }

    #[test]
    fn heredoc_with_from_inside() {
        let text = "FROM alpine:3.20\nRUN <<EOF\nFROM ubuntu:22.04\necho hi\nEOF\nCOPY <<EOT /x\nFROM debian\nEOT\nFROM busybox:1\n";
        let x = run(text);
        let images: Vec<_> = x
            .references
            .iter()
            .map(|r| (r.line, r.raw.as_str()))
            .collect();
        assert_eq!(images, vec![(1, "alpine:3.20"), (9, "busybox:1")]);
    }

    #[test]
    fn lowercase_keywords_and_platform_flag() {
        let text = "from --platform=$BUILDPLATFORM golang:1.22 as build\n  copy --from=build /a /b\nFROM --platform=windows/amd64 mcr.microsoft.com/windows/nanoserver:ltsc2022\n";
        let x = run(text);
        assert_eq!(
            rows(&x),
            vec![
                row(
                    From,
                    1,
                    1,
                    "golang:1.22",
                    Some("docker.io/library/golang:1.22"),
                    Some("build"),
                    false
                ),
                row(
                    From,
                    3,
                    1,
                    "mcr.microsoft.com/windows/nanoserver:ltsc2022",
                    Some("mcr.microsoft.com/windows/nanoserver:ltsc2022"),
                    None,
                    true
                ),
            ]
        );
    }

    #[test]
    fn from_on_continued_line_reports_instruction_start() {
        let text = "FROM alpine:3 AS a\n\n  FROM \\\n   # comment in the middle\n\n   --platform=linux/amd64 \\\n   busybox:1.36 \\\n   AS b\n";
        let x = run(text);
        assert_eq!(x.references[1].line, 3);
        assert_eq!(x.references[1].column, 3);
        assert_eq!(x.references[1].raw, "busybox:1.36");
        assert_eq!(x.references[1].stage.as_deref(), Some("b"));
    }

    #[test]
    fn arg_scoping() {
        let text = "ARG REG=mcr.microsoft.com\nARG BASE=${REG}/windows/servercore\nARG TAG\nFROM ${BASE}:ltsc2022 AS a\nARG STAGEONLY=x\nFROM ${BASE}:${TAG}\nFROM img:${STAGEONLY:-unset}\nFROM ${TARGETOS}-thing:${TARGETARCH}\n";
        let x = run(text);
        let got: Vec<_> = x.references.iter().map(|r| r.image.clone()).collect();
        assert_eq!(
            got,
            vec![
                Some("mcr.microsoft.com/windows/servercore:ltsc2022".to_string()),
                None,
                Some("docker.io/library/img:unset".to_string()),
                Some("docker.io/library/windows-thing:amd64".to_string()),
            ]
        );
        assert_eq!(rules(&x), vec![("WF010", 6)]);
        assert!(
            x.findings[0].message.contains("`TAG`"),
            "{}",
            x.findings[0].message
        );
        assert_eq!(
            (x.findings[0].file.as_str(), x.findings[0].line),
            ("Dockerfile", 6)
        );

        // --build-arg overrides declared ARGs only; platform ARGs are always overridable.
        let x = run_args(
            text,
            &[
                ("TAG", "ltsc2019"),
                ("STAGEONLY", "y"),
                ("TARGETARCH", "arm64"),
            ],
        );
        let got: Vec<_> = x
            .references
            .iter()
            .map(|r| r.image.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            got,
            vec![
                "mcr.microsoft.com/windows/servercore:ltsc2022",
                "mcr.microsoft.com/windows/servercore:ltsc2019",
                "docker.io/library/img:unset",
                "docker.io/library/windows-thing:arm64",
            ]
        );
        assert!(x.findings.is_empty());

        // An undeclared variable is unresolved even when a --build-arg has its name.
        let x = run_args("FROM img:$NOPE\n", &[("NOPE", "1")]);
        assert_eq!(x.references[0].image, None);
        assert_eq!(rules(&x), vec![("WF010", 1)]);

        // A default derived from a valueless ARG is tainted.
        let x = run("ARG A\nARG B=x${A}\nFROM img:$B\n");
        assert_eq!(x.references[0].image, None);
        assert!(x.findings[0].message.contains("`A`"));

        // ${V:?m} on unset.
        let x = run("ARG V\nFROM img:${V:?need-a-windows-tag}\n");
        assert_eq!(x.references[0].image, None);
        assert!(x.findings[0].message.contains("need-a-windows-tag"));
        // ${V:-default} on a valueless ARG is fine.
        let x = run("ARG V\nFROM img:${V:-ltsc2022}\n");
        assert_eq!(
            x.references[0].image.as_deref(),
            Some("docker.io/library/img:ltsc2022")
        );
        assert!(x.findings.is_empty());
    }

    #[test]
    fn stage_names_case_insensitive_and_final_marking() {
        let text = "FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS Base\nFROM golang:1 AS build\nFROM base AS final\nFROM scratch AS empty\nFROM FINAL\n";
        let x = run(text);
        assert_eq!(
            rows(&x),
            vec![
                row(
                    From,
                    1,
                    1,
                    "mcr.microsoft.com/windows/servercore:ltsc2022",
                    Some("mcr.microsoft.com/windows/servercore:ltsc2022"),
                    Some("Base"),
                    true
                ),
                row(
                    From,
                    2,
                    1,
                    "golang:1",
                    Some("docker.io/library/golang:1"),
                    Some("build"),
                    false
                ),
            ]
        );
        // A final scratch stage marks nothing.
        let x = run("FROM alpine:3 AS a\nFROM scratch\nCOPY --from=a /x /x\n");
        assert!(x.references.iter().all(|r| !r.is_final_stage));
    }

    #[test]
    fn copy_from_stage_image_index() {
        let text = "ARG TOOLS=mcr.microsoft.com/dotnet/sdk:8.0\nFROM alpine:3 AS Build\nFROM busybox:1\nARG TOOLS\nARG LOCAL=nginx:1.27\nCOPY --from=build /a /a\nCOPY --from=0 /a /a\nCOPY --from=mcr.microsoft.com/windows/nanoserver:ltsc2022 /a /a\nCOPY --from=$TOOLS /a /a\nCOPY --from=${LOCAL} /a /a\nCOPY --from=$NOPE /a /a\n";
        let x = run(text);
        let got: Vec<_> = x
            .references
            .iter()
            .filter(|r| r.context == CopyFrom)
            .map(|r| (r.line, r.image.clone(), r.stage.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    8,
                    Some("mcr.microsoft.com/windows/nanoserver:ltsc2022".to_string()),
                    None
                ),
                (
                    9,
                    Some("mcr.microsoft.com/dotnet/sdk:8.0".to_string()),
                    None
                ),
                (10, Some("docker.io/library/nginx:1.27".to_string()), None),
                (11, None, None),
            ]
        );
        assert_eq!(rules(&x), vec![("WF010", 11)]);
    }

    #[test]
    fn run_mount_from() {
        let text = "FROM alpine:3 AS deps\nFROM golang:1.22 AS b\nRUN --mount=type=cache,target=/root/.cache \\\n    --mount=type=bind,from=deps,source=/x,target=/y \\\n    --mount=type=bind,\"from=ghcr.io/org/tools:2\",target=/t \\\n    go build\n";
        let x = run(text);
        let got: Vec<_> = x
            .references
            .iter()
            .filter(|r| r.context == RunMount)
            .map(|r| (r.line, r.image.clone(), r.stage.clone()))
            .collect();
        assert_eq!(
            got,
            vec![(
                3,
                Some("ghcr.io/org/tools:2".to_string()),
                Some("b".to_string())
            )]
        );
    }

    #[test]
    fn syntax_directive_and_escape() {
        let x = run(
            "# syntax = docker/dockerfile:1.7\n# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n",
        );
        assert_eq!(x.references[0].context, Syntax);
        assert_eq!(x.references[0].line, 1);
        assert_eq!(
            x.references[0].image.as_deref(),
            Some("docker.io/docker/dockerfile:1.7")
        );
        assert_eq!(x.references[1].line, 3);
    }

    #[test]
    fn parse_errors_are_wf000() {
        let x = run("FROM alpine:3\nBOGUS thing\n");
        assert_eq!(rules(&x), vec![("WF000", 2)]);
        assert!(x.references.is_empty());
        let x = run("# just a comment\n\n");
        assert_eq!(rules(&x), vec![("WF000", 1)]);
        assert!(x.findings[0].message.contains("no FROM instruction"));
        let x = run("RUN echo hi\nFROM alpine\n");
        assert_eq!(rules(&x), vec![("WF000", 1)]);
        let x = run("FROM a AS x\nFROM b AS x\n");
        assert_eq!(rules(&x)[0].0, "WF000");
        let x = run("");
        assert_eq!(rules(&x), vec![("WF000", 1)]);
    }

    #[test]
    fn unparseable_image_is_wf010() {
        let x = run("FROM Alpine:3\n");
        assert_eq!(x.references[0].image, None);
        assert_eq!(rules(&x), vec![("WF010", 1)]);
    }

    #[test]
    fn suppressions_are_scanned() {
        let x = run(
            "\u{feff}# winfit ignore=WF008\nFROM mcr.microsoft.com/windows/servercore:ltsc2019\n",
        );
        assert_eq!(
            x.suppressions.by_line.get(&2),
            Some(&vec!["WF008".to_string()])
        );
    }

    #[test]
    fn stage_scope_args_env_and_redeclared_globals() {
        let text = "ARG TARGETOS\nARG IMG=mcr.microsoft.com/windows/nanoserver\nFROM img-$TARGETOS:1\nARG IMG\nENV TOOLS=ghcr.io/org/tools\nARG V=2\nCOPY --from=${IMG}:ltsc2022 /a /a\nCOPY --from=$TOOLS:$V /b /b\n";
        let x = run(text);
        let got: Vec<_> = x
            .references
            .iter()
            .map(|r| r.image.clone().unwrap_or_default())
            .collect();
        assert_eq!(
            got,
            vec![
                "docker.io/library/img-windows:1",
                "mcr.microsoft.com/windows/nanoserver:ltsc2022",
                "ghcr.io/org/tools:2",
            ]
        );
        assert!(x.findings.is_empty(), "{:?}", x.findings);
        // A global ARG is not in scope of a stage until redeclared.
        let x = run("ARG IMG=nginx:1\nFROM alpine:3\nCOPY --from=$IMG /a /a\n");
        assert_eq!(x.references[1].image, None);
        assert_eq!(rules(&x), vec![("WF010", 3)]);
    }

    #[test]
    fn unresolved_final_stage_is_still_marked() {
        let x = run("ARG BASE\nFROM $BASE AS b\nFROM b\n");
        assert_eq!(x.references.len(), 1);
        assert!(x.references[0].is_final_stage);
        assert_eq!(x.references[0].image, None);
    }

    #[test]
    fn parse_error_column_is_in_characters() {
        let x = run("FROM alpine\nRUN echo \"é\"\n  COPY\n");
        assert_eq!(x.findings[0].rule, "WF000");
        assert_eq!((x.findings[0].line, x.findings[0].column), (3, 3));
    }

    #[test]
    fn hostile_inputs_do_not_hang_or_panic() {
        let long = format!("FROM alpine:{}\n", "a".repeat(10 * 1024 * 1024));
        let x = run(&long);
        assert_eq!(x.references.len(), 1);
        let only_continuations = "\\\n".repeat(200_000);
        let _ = run(&only_continuations);
        let _ = run(&format!("FROM a\nRUN {}", "\\\n".repeat(200_000)));
        let mut garbage = String::new();
        let mut seed: u32 = 12345;
        for _ in 0..200_000 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            garbage.push(char::from_u32((seed >> 16) % 0x300).unwrap_or('?'));
        }
        let _ = run(&garbage);
        let _ = run(&format!("FROM alpine\n{garbage}"));
        let _ = run(&format!("FROM {}\n", "${A:-".repeat(50_000)));
        let _ = run("FROM a\nRUN <<EOF\nno end");
        let _ = run("# escape=`\nFROM a`");
    }
}
