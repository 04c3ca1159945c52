//! Compose variable interpolation and `.env` parsing. Pure: the caller reads the environment
//! and the files.
//!
//! Supported, as in compose-go: `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty),
//! `${VAR-default}` (unset), `${VAR:?message}` / `${VAR?message}` (required),
//! `${VAR:+replacement}` / `${VAR+replacement}` (set and non-empty / set), `$$` for a literal
//! `$`. Defaults, messages and replacements are interpolated themselves (`${A:-${B}}`), only
//! when used. Unlike compose, an unset variable without a default is an error here: the image
//! it is part of cannot be determined, and winfit never guesses.

use std::collections::BTreeMap;

/// Why a string could not be interpolated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpolateError {
    /// `${VAR}` / `$VAR` with `VAR` unset and no default.
    Unset(String),
    /// `${VAR:?message}` / `${VAR?message}` with `VAR` unset (or empty, for `:?`).
    Required { var: String, message: String },
    /// Malformed: `${` without `}`, `${}`, an unknown operator.
    Syntax(String),
}

impl std::fmt::Display for InterpolateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InterpolateError::Unset(v) => write!(f, "variable {v} is not set and has no default"),
            InterpolateError::Required { var, message } if message.is_empty() => {
                write!(f, "required variable {var} is not set")
            }
            InterpolateError::Required { var, message } => {
                write!(f, "required variable {var} is not set: {message}")
            }
            InterpolateError::Syntax(s) => write!(f, "invalid interpolation: {s}"),
        }
    }
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

/// Interpolate `text` with variables from `env`.
pub fn interpolate(text: &str, env: &BTreeMap<String, String>) -> Result<String, InterpolateError> {
    interpolate_depth(text, env, 0)
}

const MAX_DEPTH: usize = 32;

fn interpolate_depth(
    text: &str,
    env: &BTreeMap<String, String>,
    depth: usize,
) -> Result<String, InterpolateError> {
    if depth > MAX_DEPTH {
        return Err(InterpolateError::Syntax("nested too deeply".to_string()));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(body_and_rest) = after.strip_prefix('{') {
            let end = matching_brace(body_and_rest).ok_or_else(|| {
                InterpolateError::Syntax(format!("missing closing brace in {text:?}"))
            })?;
            let body = &body_and_rest[..end];
            out.push_str(&braced(body, env, depth)?);
            rest = &body_and_rest[end + 1..];
        } else if after.starts_with(is_name_start) {
            let end = after
                .find(|c: char| !is_name_char(c))
                .unwrap_or(after.len());
            let name = &after[..end];
            match env.get(name) {
                Some(v) => out.push_str(v),
                None => return Err(InterpolateError::Unset(name.to_string())),
            }
            rest = &after[end..];
        } else {
            // A lone `$` (end of text, `$ `, `$1`): kept as written.
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Index of the `}` closing a `${` whose body starts at `s`, counting nested `${ }`.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'$') => i += 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn braced(
    body: &str,
    env: &BTreeMap<String, String>,
    depth: usize,
) -> Result<String, InterpolateError> {
    let end = body.find(|c: char| !is_name_char(c)).unwrap_or(body.len());
    let name = &body[..end];
    if name.is_empty() || !name.starts_with(is_name_start) {
        return Err(InterpolateError::Syntax(format!(
            "bad variable name in ${{{body}}}"
        )));
    }
    let op_and_arg = &body[end..];
    let value = env.get(name);
    let nonempty = value.is_some_and(|v| !v.is_empty());
    let (colon, op_and_arg) = match op_and_arg.strip_prefix(':') {
        Some(r) => (true, r),
        None => (false, op_and_arg),
    };
    let mut chars = op_and_arg.chars();
    let (op, arg) = match chars.next() {
        Some(c @ ('-' | '?' | '+')) => (Some((colon, c)), chars.as_str()),
        _ if colon => (None, ":"),
        _ => (None, op_and_arg),
    };
    let sub = |s: &str| interpolate_depth(s, env, depth + 1);
    match op {
        None if arg.is_empty() => value
            .cloned()
            .ok_or_else(|| InterpolateError::Unset(name.to_string())),
        None => Err(InterpolateError::Syntax(format!(
            "unknown operator in ${{{body}}}"
        ))),
        Some((colon, '-')) => {
            let use_default = if colon { !nonempty } else { value.is_none() };
            match value {
                Some(v) if !use_default => Ok(v.clone()),
                _ => sub(arg),
            }
        }
        Some((colon, '?')) => {
            let missing = if colon { !nonempty } else { value.is_none() };
            match value {
                Some(v) if !missing => Ok(v.clone()),
                _ => Err(InterpolateError::Required {
                    var: name.to_string(),
                    message: sub(arg).unwrap_or_else(|_| arg.to_string()),
                }),
            }
        }
        Some((colon, _)) => {
            let replace = if colon { nonempty } else { value.is_some() };
            if replace { sub(arg) } else { Ok(String::new()) }
        }
    }
}

/// Parse a `.env` file: `KEY=VALUE` lines, `#` comments, blank lines, optional `export `,
/// single quotes (literal), double quotes (`\n`, `\t`, `\"`, `\\` escapes; may span lines),
/// unquoted values with trailing ` # comment` removed. Unquoted and double-quoted values are
/// interpolated with the variables defined above them (as compose does); a value that cannot
/// be interpolated is kept as written. Lines without `=` are ignored.
pub fn parse_dotenv(text: &str) -> BTreeMap<String, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut vars = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export")
            .filter(|r| r.starts_with([' ', '\t']))
            .map(str::trim_start)
            .unwrap_or(line);
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| is_name_char(c) || c == '.' || c == '-') {
            continue;
        }
        let raw = raw.trim_start();
        let value = if let Some(body) = raw.strip_prefix('\'') {
            match body.find('\'') {
                Some(end) => body[..end].to_string(),
                None => body.to_string(),
            }
        } else if let Some(body) = raw.strip_prefix('"') {
            let mut acc = body.to_string();
            // A double-quoted value may continue on the next lines.
            while closing_quote(&acc).is_none() {
                match lines.next() {
                    Some(next) => {
                        acc.push('\n');
                        acc.push_str(next);
                    }
                    None => break,
                }
            }
            let end = closing_quote(&acc).unwrap_or(acc.len());
            let unescaped = unescape(&acc[..end]);
            interpolate(&unescaped, &vars).unwrap_or(unescaped)
        } else {
            let v = match raw.find(" #").or_else(|| raw.find("\t#")) {
                Some(i) => &raw[..i],
                None => raw,
            };
            let v = v.trim_end();
            interpolate(v, &vars).unwrap_or_else(|_| v.to_string())
        };
        vars.insert(key.to_string(), value);
    }
    vars
}

/// Index of the first unescaped `"`.
fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(c @ ('"' | '\\' | '$')) => out.push(c),
            Some(c) => {
                out.push('\\');
                out.push(c);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> BTreeMap<String, String> {
        [
            ("TAG", "ltsc2019"),
            ("EMPTY", ""),
            ("REG", "mcr.microsoft.com/"),
            ("B", "bee"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn table() {
        use InterpolateError::*;
        let ok = |s: &str| Ok::<String, InterpolateError>(s.to_string());
        let cases: &[(&str, Result<String, InterpolateError>)] = &[
            ("plain", ok("plain")),
            ("", ok("")),
            ("x:${TAG}", ok("x:ltsc2019")),
            ("x:$TAG", ok("x:ltsc2019")),
            ("$TAG-y", ok("ltsc2019-y")),
            (
                "${REG}windows/servercore:$TAG",
                ok("mcr.microsoft.com/windows/servercore:ltsc2019"),
            ),
            ("${NOPE}", Err(Unset("NOPE".into()))),
            ("a:$NOPE", Err(Unset("NOPE".into()))),
            ("${EMPTY}", ok("")),
            ("${NOPE:-d}", ok("d")),
            ("${EMPTY:-d}", ok("d")),
            ("${TAG:-d}", ok("ltsc2019")),
            ("${NOPE-d}", ok("d")),
            ("${EMPTY-d}", ok("")),
            ("${NOPE-}x", ok("x")),
            ("${NOPE:-}x", ok("x")),
            ("${NOPE:-${B}}", ok("bee")),
            ("${NOPE:-${NOPE2:-deep}}", ok("deep")),
            ("${TAG:-${NOPE}}", ok("ltsc2019")),
            ("${NOPE:-${NOPE2}}", Err(Unset("NOPE2".into()))),
            (
                "${NOPE:?must set}",
                Err(Required {
                    var: "NOPE".into(),
                    message: "must set".into(),
                }),
            ),
            (
                "${EMPTY:?e}",
                Err(Required {
                    var: "EMPTY".into(),
                    message: "e".into(),
                }),
            ),
            ("${EMPTY?e}", ok("")),
            (
                "${NOPE?}",
                Err(Required {
                    var: "NOPE".into(),
                    message: "".into(),
                }),
            ),
            ("${TAG:?e}", ok("ltsc2019")),
            ("${TAG:+r}", ok("r")),
            ("${EMPTY:+r}", ok("")),
            ("${EMPTY+r}", ok("r")),
            ("${NOPE+r}", ok("")),
            ("${NOPE:+$NOPE2}", ok("")),
            ("$$", ok("$")),
            ("$${TAG}", ok("${TAG}")),
            ("$$TAG", ok("$TAG")),
            ("a$", ok("a$")),
            ("$ x", ok("$ x")),
            (
                "${TAG",
                Err(Syntax("missing closing brace in \"${TAG\"".into())),
            ),
            ("${}", Err(Syntax("bad variable name in ${}".into()))),
            (
                "${TAG%x}",
                Err(Syntax("unknown operator in ${TAG%x}".into())),
            ),
            ("${TAG:-a}}", ok("ltsc2019}")),
        ];
        let env = env();
        for (input, want) in cases {
            assert_eq!(&interpolate(input, &env), want, "{input}");
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = "${A:-".repeat(100) + &"}".repeat(100);
        assert!(interpolate(&s, &BTreeMap::new()).is_err());
    }

    #[test]
    fn dotenv() {
        let text = "\u{feff}# comment\n\nA=1\nexport B = two \nC='single ${A} # not comment'\nD=\"dq \\\"x\\\" ${A}\\n\"\nE=plain # comment\nF=\nG\nexporter=3\nH=\"multi\nline\"\nI=${A}-${NOPE:-z}\nJ=url#frag\n";
        let got = parse_dotenv(text);
        let want: BTreeMap<String, String> = [
            ("A", "1"),
            ("B", "two"),
            ("C", "single ${A} # not comment"),
            ("D", "dq \"x\" 1\n"),
            ("E", "plain"),
            ("F", ""),
            ("exporter", "3"),
            ("H", "multi\nline"),
            ("I", "1-z"),
            ("J", "url#frag"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn dotenv_self_reference_default() {
        let got = parse_dotenv("IMAGE_NAME=\"${IMAGE_NAME:-backend}\"\n");
        assert_eq!(got.get("IMAGE_NAME").map(String::as_str), Some("backend"));
    }
}
