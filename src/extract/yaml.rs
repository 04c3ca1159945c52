//! YAML helpers shared by the compose and Kubernetes front ends: a span-keeping value tree read
//! with serde-saphyr, a multi-document reader that keeps going after a bad document, and
//! content classification.
//!
//! Why a hand-written tree: serde-saphyr's `Spanned<T>` loses its location inside a
//! `#[serde(untagged)]` enum (serde buffers such content), so [`Node`] deserialises itself with a
//! visitor and wraps every child in `Spanned`, which keeps the line and column of every key and
//! value, alias and merge-key entry included.
//!
//! Hostile input: every parse runs with serde-saphyr's budget (events, nodes, depth, anchors)
//! and tighter alias-replay limits, so a "billion laughs" document is refused quickly with an
//! error instead of being expanded.

use crate::model::{FileKind, Position};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};
use std::fmt;

/// A YAML value with the position of the node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Where the node is used (for an alias: the `*alias`; for a merge-derived entry: the `<<`).
    pub pos: Position,
    /// Where the value is written (for an alias or merge-derived entry: the anchored original).
    pub defined: Position,
}

/// The value of a [`Node`]. Scalars other than strings keep their text (`1809`, `true`).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in document order; keys are nodes too (their position is the key's).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The value of `key` in a mapping (string keys only; the last entry wins).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value of `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.scalar_text().as_deref() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follow a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        let mut node = self;
        for k in keys {
            node = node.get(k)?;
        }
        Some(node)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text of any non-null scalar (strings, numbers, booleans).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) | Value::Number(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A short name of the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "sequence",
            Value::Map(_) => "mapping",
        }
    }

    /// Visit every node (pre-order). Depth is bounded by the parser's depth budget.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Node)) {
        f(self);
        match &self.value {
            Value::Seq(items) => items.iter().for_each(|n| n.walk(f)),
            Value::Map(entries) => entries.iter().for_each(|(k, v)| {
                k.walk(f);
                v.walk(f);
            }),
            _ => {}
        }
    }

    fn shift_lines(&mut self, by: usize) {
        if by == 0 {
            return;
        }
        // Iterative, so that a deep tree cannot overflow the stack here either.
        let mut stack: Vec<&mut Node> = vec![self];
        while let Some(n) = stack.pop() {
            if n.pos.line > 0 {
                n.pos.line += by;
            }
            if n.defined.line > 0 {
                n.defined.line += by;
            }
            match &mut n.value {
                Value::Seq(items) => stack.extend(items.iter_mut()),
                Value::Map(entries) => {
                    for (k, v) in entries.iter_mut() {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                _ => {}
            }
        }
    }
}

fn position(loc: &Location) -> Position {
    Position {
        line: usize::try_from(loc.line()).unwrap_or(0),
        column: usize::try_from(loc.column()).unwrap_or(0),
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Spanned<Value> = Spanned::deserialize(d)?;
        Ok(Node {
            value: s.value,
            pos: position(&s.referenced),
            defined: position(&s.defined),
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_char<E>(self, v: char) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Node>()? {
            let v = map.next_value::<Node>()?;
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // A tagged value (`!reset foo`, `!Ref x`): keep the content, drop the tag.
        use de::VariantAccess;
        let (_tag, variant): (String, _) = data.variant()?;
        variant.newtype_variant::<Value>()
    }
}

/// Why a document could not be read: 1-based line and column (0 when unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub pos: Position,
    pub message: String,
}

fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_aliases = 10_000;
    budget.max_anchors = 10_000;
    budget.max_documents = 64;
    budget.max_depth = MAX_DEPTH;
    let mut o = serde_saphyr::Options::default();
    o.budget = Some(budget);
    o.with_snippet = false;
    o.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    // Keep text where YAML 1.1 would guess a type: `y`, `on` and `0755` stay strings.
    o.strict_booleans = true;
    o.leading_zero_numbers_as_strings = true;
    o.underscored_numbers_as_strings = true;
    // A billion-laughs document replays aliases exponentially; real files replay a few hundred
    // events. Refuse early.
    o.alias_limits.max_total_replayed_events = 10_000;
    o.alias_limits.max_replay_stack_depth = 32;
    o
}

/// Split a YAML stream into documents at `---` / `...` markers in column 1, so that one bad
/// document does not hide the others. Returns (line offset, text) pairs; a marker line stays
/// with the document it opens (`--- |` may carry content). Lines of directives, comments and
/// blanks alone are kept with the next document.
fn split_documents(text: &str) -> Vec<(usize, &str)> {
    fn is_marker(line: &str, m: &str) -> bool {
        line.strip_prefix(m)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
    }
    let mut docs = Vec::new();
    let mut start_byte = 0;
    let mut start_line = 0;
    let mut has_content = false;
    let mut offset = 0;
    for (idx, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end_matches(['\n', '\r']);
        if is_marker(bare, "---") {
            if has_content {
                docs.push((start_line, &text[start_byte..offset]));
                start_byte = offset;
                start_line = idx;
            }
            has_content = true;
        } else if is_marker(bare, "...") {
            offset += line.len();
            if has_content {
                docs.push((start_line, &text[start_byte..offset]));
            }
            start_byte = offset;
            start_line = idx + 1;
            has_content = false;
            continue;
        } else {
            let t = bare.trim_start();
            if !(t.is_empty() || t.starts_with('#') || (bare.starts_with('%') && !has_content)) {
                has_content = true;
            }
        }
        offset += line.len();
    }
    if has_content {
        docs.push((start_line, &text[start_byte..]));
    }
    docs
}

/// Nesting deeper than this is refused (CRD schemas nest ~50 mappings deep; real manifests far less).
const MAX_DEPTH: usize = 128;

/// More documents than this in one file are refused (a `---` storm).
const MAX_DOCUMENTS: usize = 10_000;

/// Stack for the parser thread. Deserialising recursive YAML takes tens of KiB of stack per
/// level in debug builds, more than a test thread's 2 MiB at the depth budget. The memory is
/// reserved, not committed: only the pages used are touched.
const PARSER_STACK: usize = 64 * 1024 * 1024;

/// Read every document of a YAML stream. Empty documents are dropped; a document that cannot
/// be read yields its error, with lines relative to the whole text.
pub fn parse_documents(text: &str) -> Vec<Result<Node, ParseError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("winfit-yaml".to_string())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, || parse_documents_here(text));
        match worker.map(|h| h.join()) {
            Ok(Ok(docs)) => docs,
            Ok(Err(_)) => vec![Err(ParseError {
                pos: Position { line: 1, column: 1 },
                message: "the YAML parser failed on this file".to_string(),
            })],
            Err(e) => vec![Err(ParseError {
                pos: Position { line: 1, column: 1 },
                message: format!("could not start the YAML parser: {e}"),
            })],
        }
    })
}

fn parse_documents_here(text: &str) -> Vec<Result<Node, ParseError>> {
    let mut out = Vec::new();
    let docs = split_documents(text);
    if docs.len() > MAX_DOCUMENTS {
        let line = docs.get(MAX_DOCUMENTS).map_or(1, |d| d.0 + 1);
        return vec![Err(ParseError {
            pos: Position { line, column: 1 },
            message: format!("more than {MAX_DOCUMENTS} YAML documents in one file"),
        })];
    }
    for (offset, doc) in docs {
        match serde_saphyr::from_str_with_options::<Option<Node>>(doc, options()) {
            Ok(Some(mut node)) => {
                node.shift_lines(offset);
                out.push(Ok(node));
            }
            Ok(None) => {}
            Err(e) => {
                let pos = e
                    .location()
                    .map(|l| {
                        let mut p = position(&l);
                        if p.line > 0 {
                            p.line += offset;
                        }
                        p
                    })
                    .unwrap_or(Position {
                        line: offset + 1,
                        column: 1,
                    });
                out.push(Err(ParseError {
                    pos,
                    message: error_message(&e),
                }));
            }
        }
    }
    out
}

/// The error's text without a location suffix (the finding carries line and column).
fn error_message(e: &serde_saphyr::Error) -> String {
    let s = e.to_string();
    let first = s.lines().next().unwrap_or("").trim();
    let first = match first.find(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    let mut msg: String = first.chars().take(300).collect();
    if msg.is_empty() {
        msg = "invalid YAML".to_string();
    }
    msg
}

/// Whether a document is a compose file: a mapping with a top-level `services` mapping.
pub fn is_compose(doc: &Node) -> bool {
    doc.get("services").is_some_and(|s| s.as_map().is_some())
}

/// Whether a document is a Kubernetes object: a mapping with scalar `apiVersion` and `kind`
/// (kustomize's own files excepted).
pub fn is_kubernetes(doc: &Node) -> bool {
    let (Some(api), Some(kind)) = (
        doc.get("apiVersion").and_then(Node::as_str),
        doc.get("kind").and_then(Node::as_str),
    ) else {
        return false;
    };
    !(api.starts_with("kustomize.config.k8s.io/") || kind == "Kustomization")
}

/// Whether some line starts with a Go-template action (`{{- if …}}`, `{{ include … }}`).
fn has_template_lines(text: &str) -> bool {
    text.lines().any(|l| l.trim_start().starts_with("{{"))
}

/// Whether a Kubernetes document carries template actions where a rendered manifest has plain
/// text: a Helm template that happens to parse. Looked at: `apiVersion`, `kind`,
/// `metadata.name` / `metadata.namespace`, every `image` string, and mapping keys that are
/// themselves mappings (`name: {{ .Release.Name }}` parses as a flow mapping used as a key).
/// Other `{{ }}` text is left alone: cloud-init (`{{ ds.meta_data.… }}`), Prometheus alert
/// templates and Swarm placeholders are legitimate content.
fn is_templated_k8s(doc: &Node) -> bool {
    let templated = |n: Option<&Node>| n.and_then(Node::as_str).is_some_and(|s| s.contains("{{"));
    if templated(doc.get("apiVersion"))
        || templated(doc.get("kind"))
        || templated(doc.path(&["metadata", "name"]))
        || templated(doc.path(&["metadata", "namespace"]))
    {
        return true;
    }
    let mut found = false;
    doc.walk(&mut |n| {
        if let Value::Map(entries) = &n.value {
            for (k, v) in entries {
                found |= matches!(k.value, Value::Map(_) | Value::Seq(_))
                    || (k.as_str() == Some("image") && templated(Some(v)));
            }
        }
    });
    found
}

fn has_top_level_key(text: &str, key: &str) -> bool {
    text.lines().any(|l| {
        l.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

/// Classify YAML text by content: `Compose` when a document has a top-level `services` mapping,
/// `Kubernetes` when a document has `apiVersion` and `kind`; otherwise the reason it is neither
/// (Helm templates, kustomization files, VM specs, anything else). A file that does not parse
/// but plainly is a manifest or compose file (top-level `apiVersion:` and `kind:` lines, or a
/// `services:` line) is still classified, so that its parse error is reported.
pub fn classify(text: &str) -> Result<FileKind, String> {
    if !text.contains("services") && !text.contains("apiVersion") {
        return Err("no `services` mapping and no `apiVersion`/`kind`".to_string());
    }
    if has_template_lines(text) {
        return Err("a template (Helm / Go template actions `{{ }}`), not plain YAML".to_string());
    }
    let docs = parse_documents(text);
    let mut first_error = None;
    let mut kustomize = false;
    for doc in &docs {
        match doc {
            Ok(doc) if is_compose(doc) => return Ok(FileKind::Compose),
            Ok(doc) if is_kubernetes(doc) => {
                if is_templated_k8s(doc) {
                    return Err(
                        "a template (Helm / Go template actions `{{ }}` in names or images), not plain YAML"
                            .to_string(),
                    );
                }
                return Ok(FileKind::Kubernetes);
            }
            Ok(doc) => {
                kustomize |= doc
                    .get("apiVersion")
                    .and_then(Node::as_str)
                    .is_some_and(|a| a.starts_with("kustomize.config.k8s.io/"))
                    || doc.get("kind").and_then(Node::as_str) == Some("Kustomization");
            }
            Err(e) => {
                first_error.get_or_insert_with(|| e.clone());
            }
        }
    }
    if kustomize {
        return Err("a kustomization file".to_string());
    }
    if let Some(e) = first_error {
        if text.contains("{{") {
            return Err(
                "a template (Helm / Go template actions `{{ }}`), not plain YAML".to_string(),
            );
        }
        if has_top_level_key(text, "apiVersion") && has_top_level_key(text, "kind") {
            return Ok(FileKind::Kubernetes);
        }
        if has_top_level_key(text, "services") {
            return Ok(FileKind::Compose);
        }
        return Err(format!(
            "not valid YAML (line {}: {})",
            e.pos.line, e.message
        ));
    }
    Err("no top-level `services` mapping and no document with `apiVersion` and `kind`".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse1(text: &str) -> Node {
        let mut docs = parse_documents(text);
        assert_eq!(docs.len(), 1, "{docs:?}");
        docs.remove(0).unwrap()
    }

    #[test]
    fn spans_on_every_node() {
        let doc = parse1("a:\n  b: [x, 'y']\n  c: 12\n");
        let b = doc.path(&["a", "b"]).unwrap();
        assert_eq!(b.pos, Position { line: 2, column: 6 });
        let items = b.as_seq().unwrap();
        assert_eq!(items[1].as_str(), Some("y"));
        assert_eq!(
            items[1].pos,
            Position {
                line: 2,
                column: 10
            }
        );
        let (k, v) = doc.get("a").unwrap().entry("c").unwrap();
        assert_eq!(k.pos, Position { line: 3, column: 3 });
        assert_eq!(v.scalar_text().as_deref(), Some("12"));
    }

    #[test]
    fn aliases_and_merges_keep_both_positions() {
        let doc = parse1("x: &a\n  image: foo\ny:\n  <<: *a\n  other: 1\nz: *a\n");
        let merged = doc.path(&["y", "image"]).unwrap();
        assert_eq!(merged.as_str(), Some("foo"));
        assert_eq!(merged.defined.line, 2);
        assert_eq!(merged.pos.line, 4);
        let aliased = doc.path(&["z", "image"]).unwrap();
        assert_eq!(aliased.defined.line, 2);
    }

    #[test]
    fn multi_document_keeps_going_after_a_bad_document() {
        let docs = parse_documents("a: 1\n---\nb: [1, 2\n---\nc: 3\n");
        assert_eq!(docs.len(), 3);
        assert!(docs[0].is_ok());
        let e = docs[1].as_ref().unwrap_err();
        assert!(e.pos.line >= 3, "{e:?}");
        let c = docs[2].as_ref().unwrap();
        assert_eq!(c.get("c").unwrap().pos.line, 5);
    }

    #[test]
    fn split_documents_markers() {
        let docs = split_documents("# c\n---\na: 1\n...\n%YAML 1.2\n---\nb: 2\n--- |\n  text\n");
        let starts: Vec<usize> = docs.iter().map(|d| d.0).collect();
        assert_eq!(starts, vec![0, 4, 7]);
        assert!(split_documents("").is_empty());
        assert!(split_documents("---\n# only a comment\n").len() == 1);
    }

    #[test]
    fn tags_are_dropped() {
        let doc = parse1("a: !reset []\nb: !custom foo\n");
        assert_eq!(doc.get("b").unwrap().as_str(), Some("foo"));
    }

    #[test]
    fn classify_kinds() {
        assert_eq!(
            classify("services:\n  web:\n    image: x\n"),
            Ok(FileKind::Compose)
        );
        assert_eq!(
            classify("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"),
            Ok(FileKind::Kubernetes)
        );
        assert_eq!(
            classify("---\nkind: Namespace\nmetadata: {name: n}\n---\napiVersion: v1\nkind: Pod\n"),
            Ok(FileKind::Kubernetes)
        );
        // Template-looking text elsewhere (cloud-init, alert templates) is content.
        assert_eq!(
            classify(
                "apiVersion: b/v1\nkind: KubeadmConfigTemplate\nspec:\n  nodeRegistration:\n    name: '{{ ds.meta_data[\"local_hostname\"] }}'\n"
            ),
            Ok(FileKind::Kubernetes)
        );
        // A truncated manifest is still a manifest: extraction reports WF000.
        assert_eq!(
            classify("apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n"),
            Ok(FileKind::Kubernetes)
        );
        for text in [
            "",
            "foo: bar\n",
            "jobs:\n  build:\n    services:\n      db: {image: x}\n",
            "services: [a, b]\n",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n",
            "resources:\n- a.yaml\npatches: []\n",
            "{{- if .Values.windows }}\napiVersion: apps/v1\nkind: DaemonSet\n{{- end }}\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"{{ .Release.Name }}\"\n",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: \"{{ .Values.image }}\"\n",
            "vm:\n  image:\n    publisher: MicrosoftWindowsServer\n    offer: WindowsServer\n",
            "\u{0}\u{1}\u{2}\u{fffd}garbage apiVersion services",
        ] {
            assert!(classify(text).is_err(), "{text:?}");
        }
    }
}
