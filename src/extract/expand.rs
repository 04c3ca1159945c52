//! BuildKit-compatible variable expansion (the shell lexer of `frontend/dockerfile/shell`),
//! as a pure function over a table of variables.
//!
//! Supported: `$V`, `${V}`, `${V:-w}`, `${V-w}`, `${V:+w}`, `${V+w}`, `${V:?m}`, `${V?m}`,
//! `${V#p}`, `${V##p}`, `${V%p}`, `${V%%p}`, `${V/p/r}`, `${V//p/r}` (patterns: `*`, `?`,
//! `\`-escaped literals), single and double quotes (removed, as BuildKit does), and the
//! escape character (`\` or the `# escape=` backtick) quoting the next character.
//! Words inside `${…}` are expanded recursively.
//!
//! Beyond BuildKit, the result says which variables had no value (unset, or an `ARG` declared
//! without a value) and were used without a default, so that the caller can report them
//! instead of guessing.

use std::collections::BTreeMap;

/// The variables in scope. `Some(v)`: set to `v`. `None`: declared without a value (an
/// `ARG NAME` with no default and no `--build-arg`); BuildKit treats it as set to the empty
/// string in `FROM`, but it is reported as unresolved when used. Absent: unset (reported too).
pub type Vars = BTreeMap<String, Option<String>>;

/// How deep `${…}` may nest before the word is rejected (guards the stack).
const MAX_DEPTH: usize = 64;
/// Pattern operations on longer values are refused (they are quadratic).
const MAX_PATTERN_VALUE: usize = 64 * 1024;

/// A successful expansion.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expanded {
    /// The expanded word, quotes and escapes removed.
    pub value: String,
    /// Variables that were used without a value and without a default, in order of first use.
    pub unresolved: Vec<String>,
    /// Every variable that was looked up and found in `Vars` (BuildKit's "matched").
    pub used: Vec<String>,
}

/// A failed expansion: a syntax error, or `${V?msg}` / `${V:?msg}` on an unset / empty variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandError {
    pub message: String,
    /// The variable `${V?msg}` complained about, if that is what failed.
    pub variable: Option<String>,
}

impl std::fmt::Display for ExpandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn err(message: impl Into<String>) -> ExpandError {
    ExpandError {
        message: message.into(),
        variable: None,
    }
}

/// Expand `word` as BuildKit's `ProcessWordWithMatches` would, with `escape` as the escape
/// character.
pub fn expand(word: &str, escape: char, vars: &Vars) -> Result<Expanded, ExpandError> {
    let mut lx = Lexer {
        s: word,
        pos: 0,
        escape,
        vars,
        out: Expanded::default(),
        depth: 0,
    };
    let value = lx.process_stop_on(None, false)?;
    lx.out.value = value;
    Ok(lx.out)
}

struct Lexer<'a> {
    s: &'a str,
    pos: usize,
    escape: char,
    vars: &'a Vars,
    out: Expanded,
    depth: usize,
}

/// What a variable lookup found.
enum Lookup {
    Set(String),
    /// Declared without a value: empty, but reported.
    NoValue,
    Unset,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.pos..).and_then(|r| r.chars().next())
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn note_unresolved(&mut self, name: &str) {
        if !self.out.unresolved.iter().any(|n| n == name) {
            self.out.unresolved.push(name.to_string());
        }
    }

    fn get(&mut self, name: &str) -> Lookup {
        match self.vars.get(name) {
            Some(v) => {
                if !self.out.used.iter().any(|n| n == name) {
                    self.out.used.push(name.to_string());
                }
                match v {
                    Some(v) => Lookup::Set(v.clone()),
                    None => Lookup::NoValue,
                }
            }
            None => Lookup::Unset,
        }
    }

    /// Process until `stop` (consumed) or the end of the word. `raw_escapes` keeps escape
    /// characters in the output (used for patterns, which give `\` its own meaning).
    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<String, ExpandError> {
        let mut result = String::new();
        while let Some(ch) = self.peek() {
            if Some(ch) == stop {
                self.pos += ch.len_utf8();
                return Ok(result);
            }
            match ch {
                '$' => {
                    let v = self.process_dollar()?;
                    result.push_str(&v);
                }
                '\'' => {
                    let v = self.process_single_quote()?;
                    result.push_str(&v);
                }
                '"' => {
                    let v = self.process_double_quote()?;
                    result.push_str(&v);
                }
                _ => {
                    self.pos += ch.len_utf8();
                    if ch == self.escape {
                        if raw_escapes {
                            result.push(ch);
                        }
                        match self.next() {
                            Some(c) => result.push(c),
                            None => break,
                        }
                    } else {
                        result.push(ch);
                    }
                }
            }
        }
        match stop {
            Some(c) => Err(err(format!(
                "unexpected end of statement while looking for matching {c}"
            ))),
            None => Ok(result),
        }
    }

    fn process_single_quote(&mut self) -> Result<String, ExpandError> {
        self.next(); // the opening quote
        let mut result = String::new();
        loop {
            match self.next() {
                None => {
                    return Err(err(
                        "unexpected end of statement while looking for matching single-quote",
                    ));
                }
                Some('\'') => return Ok(result),
                Some(c) => result.push(c),
            }
        }
    }

    fn process_double_quote(&mut self) -> Result<String, ExpandError> {
        self.next(); // the opening quote
        let mut result = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(err(
                        "unexpected end of statement while looking for matching double-quote",
                    ));
                }
                Some('"') => {
                    self.next();
                    return Ok(result);
                }
                Some('$') => {
                    let v = self.process_dollar()?;
                    result.push_str(&v);
                }
                Some(_) => {
                    let mut ch = self.next().unwrap_or_default();
                    if ch == self.escape {
                        match self.peek() {
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == self.escape => {
                                ch = c;
                                self.next();
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && ch.is_ascii_digit() {
                while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                    name.push(d);
                    self.next();
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return ch.to_string();
            }
            if !ch.is_alphanumeric() && ch != '_' {
                break;
            }
            name.push(ch);
            self.next();
        }
        name
    }

    fn process_dollar(&mut self) -> Result<String, ExpandError> {
        self.next(); // '$'
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".to_string());
            }
            return Ok(match self.get(&name) {
                Lookup::Set(v) => v,
                Lookup::NoValue | Lookup::Unset => {
                    self.note_unresolved(&name);
                    String::new()
                }
            });
        }
        self.next(); // '{'
        match self.peek() {
            None => return Err(err("syntax error: missing '}'")),
            Some('{' | '}' | ':') => return Err(err("syntax error: bad substitution")),
            _ => {}
        }
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err("syntax error: ${…} nested too deeply"));
        }
        let r = self.process_braced();
        self.depth -= 1;
        r
    }

    /// After `${`: the name, a modifier and its word, and the closing `}`.
    fn process_braced(&mut self) -> Result<String, ExpandError> {
        let name = self.process_name();
        let Some(mut ch) = self.next() else {
            return Err(err("syntax error: missing '}'"));
        };
        let mut modifier = ch.to_string();
        let mut null_is_unset = false;
        match ch {
            '}' => {
                return Ok(match self.get(&name) {
                    Lookup::Set(v) => v,
                    Lookup::NoValue | Lookup::Unset => {
                        self.note_unresolved(&name);
                        String::new()
                    }
                });
            }
            '/' => return self.process_replace(&name),
            ':' | '+' | '-' | '?' | '#' | '%' => {
                if ch == ':' {
                    null_is_unset = true;
                    match self.next() {
                        Some(c) => {
                            ch = c;
                            modifier.push(c);
                        }
                        None => return Err(err("syntax error: missing '}'")),
                    }
                }
            }
            _ => {
                return Err(err(format!(
                    "unsupported modifier ({modifier}) in substitution"
                )));
            }
        }
        let raw_escapes = ch == '#' || ch == '%';
        let word = match self.process_stop_on(Some('}'), raw_escapes) {
            Ok(w) => w,
            Err(e) if self.peek().is_none() => {
                let _ = e;
                return Err(err("syntax error: missing '}'"));
            }
            Err(e) => return Err(e),
        };
        let lookup = self.get(&name);
        let (value, set, declared) = match &lookup {
            Lookup::Set(v) => (v.clone(), true, true),
            // BuildKit: an ARG declared without a value is set to "".
            Lookup::NoValue => (String::new(), true, false),
            Lookup::Unset => (String::new(), false, false),
        };
        let empty = !set || (null_is_unset && value.is_empty());
        match ch {
            '-' => {
                if empty {
                    Ok(word)
                } else {
                    if !declared {
                        self.note_unresolved(&name);
                    }
                    Ok(value)
                }
            }
            '+' => Ok(if empty { String::new() } else { word }),
            '?' => {
                if empty {
                    let default = if set {
                        "is not allowed to be empty"
                    } else {
                        "is not allowed to be unset"
                    };
                    let message = if word.is_empty() {
                        default.to_string()
                    } else {
                        word
                    };
                    return Err(ExpandError {
                        message: format!("{name}: {message}"),
                        variable: Some(name),
                    });
                }
                if !declared {
                    self.note_unresolved(&name);
                }
                Ok(value)
            }
            '#' | '%' => {
                if !declared {
                    self.note_unresolved(&name);
                }
                let (greedy, pattern) = match word.strip_prefix(ch) {
                    Some(p) => (true, p.to_string()),
                    None => (false, word),
                };
                if value.len() > MAX_PATTERN_VALUE {
                    return Err(err(format!(
                        "value of {name} too long for a pattern substitution"
                    )));
                }
                let pat = Pattern::compile(&pattern)?;
                Ok(if ch == '#' {
                    pat.trim_prefix(&value, greedy)
                } else {
                    pat.trim_suffix(&value, greedy)
                })
            }
            _ => Err(err(format!(
                "unsupported modifier ({modifier}) in substitution"
            ))),
        }
    }

    /// `${V/p/r}` and `${V//p/r}`, after the first `/`.
    fn process_replace(&mut self, name: &str) -> Result<String, ExpandError> {
        let replace_all = self.peek() == Some('/');
        if replace_all {
            self.next();
        }
        let pattern = match self.process_stop_on(Some('/'), true) {
            Ok(p) => p,
            Err(_) if self.peek().is_none() => return Err(err("syntax error: missing '/' in ${}")),
            Err(e) => return Err(e),
        };
        let replacement = match self.process_stop_on(Some('}'), true) {
            Ok(r) => r,
            Err(_) if self.peek().is_none() => return Err(err("syntax error: missing '}'")),
            Err(e) => return Err(e),
        };
        let value = match self.get(name) {
            Lookup::Set(v) => v,
            Lookup::NoValue | Lookup::Unset => {
                self.note_unresolved(name);
                String::new()
            }
        };
        if value.len() > MAX_PATTERN_VALUE {
            return Err(err(format!(
                "value of {name} too long for a pattern substitution"
            )));
        }
        let pat = Pattern::compile(&pattern)?;
        Ok(pat.replace(&value, &replacement, replace_all))
    }
}

/// A shell glob without bracket expressions: `*`, `?`, literals (`\x` quotes `x`).
#[derive(Debug)]
enum Tok {
    Star,
    Any,
    Lit(char),
}

struct Pattern(Vec<Tok>);

impl Pattern {
    fn compile(p: &str) -> Result<Pattern, ExpandError> {
        let mut toks = Vec::new();
        let mut it = p.chars().peekable();
        while let Some(c) = it.next() {
            match c {
                '*' => toks.push(Tok::Star),
                '?' => toks.push(Tok::Any),
                '\\' => match it.peek().copied() {
                    // `}` and `/` escaped inside ${}: the escape is not part of the pattern.
                    Some('}' | '/') => {}
                    Some(n @ ('*' | '?' | '\\')) => {
                        it.next();
                        toks.push(Tok::Lit(n));
                    }
                    Some(n) => {
                        return Err(err(format!(
                            "invalid pattern ({p}) in substitution: invalid escape '\\{n}'"
                        )));
                    }
                    None => {
                        return Err(err(format!(
                            "invalid pattern ({p}) in substitution: trailing escape"
                        )));
                    }
                },
                c => toks.push(Tok::Lit(c)),
            }
        }
        Ok(Pattern(toks))
    }

    /// Does the pattern match all of `s` exactly?
    fn matches(&self, s: &[char]) -> bool {
        // Iterative glob matching with single-star backtracking: O(len(s) * len(p)).
        let p = &self.0;
        let (mut pi, mut si) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while si < s.len() {
            match p.get(pi) {
                Some(Tok::Any) => {
                    pi += 1;
                    si += 1;
                }
                Some(Tok::Lit(c)) if *c == s[si] => {
                    pi += 1;
                    si += 1;
                }
                Some(Tok::Star) => {
                    star = Some((pi, si));
                    pi += 1;
                }
                _ => match star {
                    Some((sp, ss)) => {
                        pi = sp + 1;
                        si = ss + 1;
                        star = Some((sp, ss + 1));
                    }
                    None => return false,
                },
            }
        }
        p[pi.min(p.len())..].iter().all(|t| matches!(t, Tok::Star))
    }

    fn trim_prefix(&self, value: &str, greedy: bool) -> String {
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let hit = if greedy {
            (0..=n).rev().find(|&i| self.matches(&chars[..i]))
        } else {
            (0..=n).find(|&i| self.matches(&chars[..i]))
        };
        match hit {
            Some(i) => chars[i..].iter().collect(),
            None => value.to_string(),
        }
    }

    fn trim_suffix(&self, value: &str, greedy: bool) -> String {
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let hit = if greedy {
            (0..=n).find(|&i| self.matches(&chars[i..]))
        } else {
            (0..=n).rev().find(|&i| self.matches(&chars[i..]))
        };
        match hit {
            Some(i) => chars[..i].iter().collect(),
            None => value.to_string(),
        }
    }

    /// The leftmost match, longest at that start (Go's regexp with greedy `.*`).
    fn find_from(&self, chars: &[char], from: usize) -> Option<(usize, usize)> {
        (from..=chars.len()).find_map(|start| {
            (start..=chars.len())
                .rev()
                .find(|&end| self.matches(&chars[start..end]))
                .map(|end| (start, end))
        })
    }

    fn replace(&self, value: &str, replacement: &str, all: bool) -> String {
        let chars: Vec<char> = value.chars().collect();
        let mut out = String::new();
        let mut pos = 0usize;
        let mut last_end: Option<usize> = None;
        while pos <= chars.len() {
            let Some((start, end)) = self.find_from(&chars, pos) else {
                break;
            };
            // Go: an empty match abutting the preceding match is ignored.
            if start == end && last_end == Some(start) {
                if start < chars.len() {
                    out.push(chars[start]);
                }
                pos = start + 1;
                continue;
            }
            out.extend(&chars[pos..start]);
            out.push_str(replacement);
            last_end = Some(end);
            if end == start {
                if start < chars.len() {
                    out.push(chars[start]);
                }
                pos = start + 1;
            } else {
                pos = end;
            }
            if !all {
                break;
            }
        }
        if pos < chars.len() {
            out.extend(&chars[pos..]);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let mut v = Vars::new();
        v.insert("TAG".into(), Some("ltsc2022".into()));
        v.insert("EMPTY".into(), Some(String::new()));
        v.insert("NOVAL".into(), None);
        v.insert("PATHV".into(), Some("a/b/c.tar.gz".into()));
        v.insert("REG".into(), Some("mcr.microsoft.com".into()));
        v.insert("INNER".into(), Some("servercore".into()));
        v
    }

    /// (input, escape, expected value, expected unresolved)
    #[test]
    fn expands_every_form() {
        let cases: &[(&str, char, &str, &[&str])] = &[
            ("plain", '\\', "plain", &[]),
            ("$TAG", '\\', "ltsc2022", &[]),
            ("${TAG}", '\\', "ltsc2022", &[]),
            ("img:$TAG-x", '\\', "img:ltsc2022-x", &[]),
            ("$UNSET", '\\', "", &["UNSET"]),
            ("${UNSET}", '\\', "", &["UNSET"]),
            ("${NOVAL}", '\\', "", &["NOVAL"]),
            ("${EMPTY}", '\\', "", &[]),
            // :- and -
            ("${UNSET:-def}", '\\', "def", &[]),
            ("${EMPTY:-def}", '\\', "def", &[]),
            ("${NOVAL:-def}", '\\', "def", &[]),
            ("${TAG:-def}", '\\', "ltsc2022", &[]),
            ("${UNSET-def}", '\\', "def", &[]),
            ("${EMPTY-def}", '\\', "", &[]),
            ("${NOVAL-def}", '\\', "", &["NOVAL"]),
            ("${TAG-def}", '\\', "ltsc2022", &[]),
            // :+ and +
            ("${TAG:+alt}", '\\', "alt", &[]),
            ("${EMPTY:+alt}", '\\', "", &[]),
            ("${EMPTY+alt}", '\\', "alt", &[]),
            ("${UNSET+alt}", '\\', "", &[]),
            ("${UNSET:+alt}", '\\', "", &[]),
            // :? and ? when set
            ("${TAG:?need tag}", '\\', "ltsc2022", &[]),
            ("${EMPTY?need}", '\\', "", &[]),
            ("${NOVAL?need}", '\\', "", &["NOVAL"]),
            // patterns
            ("${PATHV#*/}", '\\', "b/c.tar.gz", &[]),
            ("${PATHV##*/}", '\\', "c.tar.gz", &[]),
            ("${PATHV%.*}", '\\', "a/b/c.tar", &[]),
            ("${PATHV%%.*}", '\\', "a/b/c", &[]),
            ("${PATHV#a?b}", '\\', "/c.tar.gz", &[]),
            ("${PATHV#zzz}", '\\', "a/b/c.tar.gz", &[]),
            ("${TAG/ltsc/LTSC}", '\\', "LTSC2022", &[]),
            ("${PATHV/\\//_}", '\\', "a_b/c.tar.gz", &[]),
            ("${PATHV//\\//_}", '\\', "a_b_c.tar.gz", &[]),
            ("${TAG/2*/x}", '\\', "ltscx", &[]),
            ("${TAG//?/x}", '\\', "xxxxxxxx", &[]),
            ("${UNSET#x}", '\\', "", &["UNSET"]),
            // recursion in words
            (
                "${UNSET:-${REG}/windows/${INNER}:${TAG}}",
                '\\',
                "mcr.microsoft.com/windows/servercore:ltsc2022",
                &[],
            ),
            ("${UNSET:-${ALSO_UNSET}}", '\\', "", &["ALSO_UNSET"]),
            ("${TAG:+${REG}}", '\\', "mcr.microsoft.com", &[]),
            // escapes
            ("\\$TAG", '\\', "$TAG", &[]),
            ("`$TAG", '`', "$TAG", &[]),
            ("C:\\$TAG", '`', "C:\\ltsc2022", &[]),
            ("a\\b", '\\', "ab", &[]),
            // quotes
            ("'$TAG'", '\\', "$TAG", &[]),
            ("\"$TAG\"", '\\', "ltsc2022", &[]),
            ("\"a\\\"b\"", '\\', "a\"b", &[]),
            ("\"a`\"b\"", '`', "a\"b", &[]),
            // odd dollars
            ("$", '\\', "$", &[]),
            ("a$-b", '\\', "ab", &["-"]),
            ("cost$5", '\\', "cost", &["5"]),
            ("${TAG}é${TAG}", '\\', "ltsc2022éltsc2022", &[]),
        ];
        let v = vars();
        for (input, esc, want, unresolved) in cases {
            let got = expand(input, *esc, &v).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(got.value, *want, "value of {input}");
            assert_eq!(
                got.unresolved,
                unresolved.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "unresolved of {input}"
            );
        }
    }

    #[test]
    fn errors() {
        let v = vars();
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("${UNSET:?need a tag}", "UNSET: need a tag", Some("UNSET")),
            (
                "${UNSET?}",
                "UNSET: is not allowed to be unset",
                Some("UNSET"),
            ),
            (
                "${EMPTY:?}",
                "EMPTY: is not allowed to be empty",
                Some("EMPTY"),
            ),
            ("${NOVAL:?no value}", "NOVAL: no value", Some("NOVAL")),
            ("${TAG", "syntax error: missing '}'", None),
            ("${", "syntax error: missing '}'", None),
            ("${}", "syntax error: bad substitution", None),
            ("${:x}", "syntax error: bad substitution", None),
            (
                "${TAG:0:2}",
                "unsupported modifier (:0) in substitution",
                None,
            ),
            ("${TAG.x}", "unsupported modifier (.) in substitution", None),
            (
                "'abc",
                "unexpected end of statement while looking for matching single-quote",
                None,
            ),
            (
                "\"abc",
                "unexpected end of statement while looking for matching double-quote",
                None,
            ),
            ("${TAG/a", "syntax error: missing '/' in ${}", None),
        ];
        for (input, msg, var) in cases {
            let e = expand(input, '\\', &v).expect_err(input);
            assert_eq!(e.message, *msg, "{input}");
            assert_eq!(e.variable.as_deref(), *var, "{input}");
        }
    }

    #[test]
    fn used_lists_matched_variables() {
        let got = expand("${REG}/${UNSET:-x}:$TAG", '\\', &vars()).unwrap();
        assert_eq!(got.used, vec!["REG", "TAG"]);
    }

    #[test]
    fn hostile_inputs_terminate() {
        let v = vars();
        let deep = "${A:-".repeat(10_000) + &"}".repeat(10_000);
        assert!(expand(&deep, '\\', &v).is_err());
        let long = "$TAG".repeat(200_000);
        assert_eq!(expand(&long, '\\', &v).unwrap().value.len(), 8 * 200_000);
        let mut big = Vars::new();
        big.insert("B".into(), Some("x".repeat(MAX_PATTERN_VALUE + 1)));
        assert!(expand("${B%%*y}", '\\', &big).is_err());
    }
}
