//! Dotenv files (`.env`): the one parser behind `sigil run --env-file`, `sigil env`,
//! `sigil resolve` and `sigil migrate`. Its semantics are those of python-dotenv, docker
//! compose and dotenvx where they agree; docs/dotenv.md lists them and the deliberate
//! differences. Every value is reported with the byte span it was read from, so that a
//! rewrite (migrate's) replaces exactly what was read and cannot disagree with a later read.

use crate::model::error::Error;
use std::ops::Range;

/// One assignment in a dotenv file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The variable name.
    pub name: String,
    /// The value, unquoted and unescaped, with any `${…}` expansion left as written: the
    /// value itself when [`Entry::expands`] is false.
    pub value: String,
    /// The value as literal text and `${…}` expansions, in order.
    pub pieces: Vec<Piece>,
    /// The 1-based line the assignment starts on.
    pub line: usize,
    /// Whether the line starts with `export`.
    pub export: bool,
    /// How the value was quoted: `None`, `Some('\'')` or `Some('"')`.
    pub quote: Option<char>,
    /// The bytes the value was read from, its quotes included (empty for an empty unquoted
    /// value: where it would be).
    pub span: Range<usize>,
}

/// A part of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// `${name}` or `${name:-default}`.
    Var {
        /// The variable looked up.
        name: String,
        /// The text used when it is unset or empty.
        default: Option<String>,
    },
}

impl Entry {
    /// Whether the value holds a `${…}` expansion, so that what the program gets depends on
    /// other variables.
    pub fn expands(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Var { .. }))
    }

    /// The value with its expansions done: `lookup` gives a variable's current value, or
    /// `None` when it is unset. `${X:-d}` takes `d` when X is unset or empty, as a shell and
    /// docker compose do.
    pub fn expand(&self, lookup: &mut dyn FnMut(&str) -> Option<Vec<u8>>) -> Vec<u8> {
        let mut out = Vec::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.extend_from_slice(t.as_bytes()),
                Piece::Var { name, default } => match (lookup(name), default) {
                    (Some(v), _) if !v.is_empty() => out.extend_from_slice(&v),
                    (_, Some(d)) => out.extend_from_slice(d.as_bytes()),
                    (Some(v), None) => out.extend_from_slice(&v),
                    (None, None) => {}
                },
            }
        }
        out
    }
}

/// The blanks between the parts of a line: whitespace other than a line ending, as
/// python-dotenv's `[^\S\r\n]` has it (spaces and tabs, and also a vertical tab, a form
/// feed, a no-break space and the other Unicode spaces, and the separators U+001C–U+001F
/// that Python counts as whitespace). A value written after any of them must be read after
/// all of them, or a rewrite would replace only part of it.
fn is_blank(c: char) -> bool {
    c != '\n' && c != '\r' && (c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// What ends an unquoted name: `=`, `#`, a blank or a line ending.
fn ends_name(c: char) -> bool {
    matches!(c, '=' | '#' | '\n' | '\r') || is_blank(c)
}

/// A position in the text being parsed, with its line.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
    line: usize,
    origin: &'a str,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// The character at the cursor.
    fn peek_char(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn blanks(&mut self) -> bool {
        let from = self.at;
        while let Some(c) = self.peek_char().filter(|&c| is_blank(c)) {
            self.at += c.len_utf8();
        }
        self.at > from
    }

    fn at_line_end(&self) -> bool {
        matches!(self.peek(), None | Some(b'\n' | b'\r'))
    }

    /// Steps over one line ending (`\n`, `\r\n` or a lone `\r`), counting the line.
    fn newline(&mut self) {
        match self.peek() {
            Some(b'\r') => {
                self.at += 1;
                if self.peek() == Some(b'\n') {
                    self.at += 1;
                }
            }
            Some(b'\n') => self.at += 1,
            _ => return,
        }
        self.line += 1;
    }

    fn skip_to_line_end(&mut self) {
        while !self.at_line_end() {
            self.at += self.text[self.at..]
                .chars()
                .next()
                .map_or(1, char::len_utf8);
        }
    }

    /// The error for line `line`: the file, the line and the kind of problem, never the
    /// line's text, which may be a secret.
    fn error(&self, line: usize, what: &str) -> Error {
        Error::Usage(format!("'{}' line {line}: {what}", self.origin))
    }

    /// Blanks, then an optional `# comment`, then the end of the line; `what` otherwise.
    fn finish_line(&mut self, line: usize, what: &str) -> Result<(), Error> {
        self.blanks();
        if self.peek() == Some(b'#') {
            self.skip_to_line_end();
        }
        if !self.at_line_end() {
            return Err(self.error(line, what));
        }
        self.newline();
        Ok(())
    }

    /// `export` and the blanks after it, when the line starts so.
    fn export(&mut self) -> bool {
        let rest = &self.text.as_bytes()[self.at..];
        if rest.starts_with(b"export")
            && self.text[self.at + 6..]
                .chars()
                .next()
                .is_some_and(is_blank)
        {
            self.at += 6;
            self.blanks();
            return true;
        }
        false
    }

    /// A name: any run of characters but `=`, `#` and whitespace, or `'quoted'`.
    fn name(&mut self, line: usize) -> Result<String, Error> {
        if self.peek() == Some(b'\'') {
            let rest = &self.text[self.at + 1..];
            let len = rest.find(['\'', '\n', '\r']).unwrap_or(rest.len());
            if len == 0 || !rest[len..].starts_with('\'') {
                return Err(self.error(line, "the ' quote around the name is never closed"));
            }
            // A quoted name may hold what a bare one cannot, but no environment variable's
            // name holds `=`: the program would be handed `A=B=C`, which reads as `A`.
            if rest[..len].contains('=') {
                return Err(self.error(line, "a name cannot hold '='"));
            }
            self.at += len + 2;
            return Ok(rest[..len].to_owned());
        }
        let from = self.at;
        while let Some(c) = self.peek_char().filter(|&c| !ends_name(c)) {
            self.at += c.len_utf8();
        }
        if self.at == from {
            return Err(self.error(line, "expected a name before '='"));
        }
        Ok(self.text[from..self.at].to_owned())
    }

    /// An unquoted value: the rest of the line, up to a `#` that follows a blank (the blanks
    /// after `=` count), less trailing blanks.
    fn unquoted(&mut self, after_blank: bool) -> (String, Range<usize>) {
        let start = self.at;
        self.skip_to_line_end();
        let body = &self.text[start..self.at];
        let comment = body.char_indices().find(|&(i, c)| {
            c == '#' && body[..i].chars().next_back().map_or(after_blank, is_blank)
        });
        let end = comment.map_or(body.len(), |(i, _)| i);
        let end = body[..end].trim_end_matches(is_blank).len();
        let span = start..start + end;
        (self.text[span.clone()].to_owned(), span)
    }

    /// A quoted value from its opening quote to its closing one, which may be lines later.
    /// Line endings inside become `\n`. In `'…'` only `\\` and `\'` are escapes; in `"…"`
    /// also `\"`, `\n`, `\r`, `\t`, `\a`, `\b`, `\f`, `\v`, and `\$` and `` \` `` (a literal
    /// `$` and `` ` ``, as in a shell). An unknown escape keeps its backslash. Returns the
    /// text and the byte offsets (in it) of the `$` signs written `\$`, which never expand.
    fn quoted(&mut self, line: usize) -> Result<(String, Vec<usize>), Error> {
        let q = self.peek().expect("at a quote");
        self.at += 1;
        let mut out = String::new();
        let mut literal_dollars = Vec::new();
        loop {
            let Some(c) = self.text[self.at..].chars().next() else {
                return Err(self.error(line, &format!("the {} quote is never closed", q as char)));
            };
            match c {
                _ if c == q as char => break,
                '\r' | '\n' => {
                    out.push('\n');
                    self.newline();
                    continue;
                }
                '\\' => {
                    self.at += 1;
                    let next = self.text[self.at..].chars().next();
                    match (q, next.and_then(|n| unescape(q, n))) {
                        (_, Some(d)) => {
                            if next == Some('$') {
                                literal_dollars.push(out.len());
                            }
                            out.push(d);
                            self.at += next.map_or(0, char::len_utf8);
                        }
                        // A backslash before anything else (a line ending, the end of the
                        // file) stays, and what follows is read as usual.
                        _ => out.push('\\'),
                    }
                    continue;
                }
                c => out.push(c),
            }
            self.at += c.len_utf8();
        }
        self.at += 1;
        Ok((out, literal_dollars))
    }
}

/// A value as [`Cursor::value`] read it: its pieces, its quote and its span.
type ReadValue = (Vec<Piece>, Option<char>, Range<usize>);

impl Cursor<'_> {
    /// The value after `=` and its blanks, through the end of its (last) line.
    fn value(&mut self, line: usize, after_blank: bool) -> Result<ReadValue, Error> {
        let start = self.at;
        match self.peek() {
            Some(q @ (b'\'' | b'"')) => {
                let (text, literal) = self.quoted(line)?;
                let span = start..self.at;
                let what = format!("unexpected text after the closing {} quote", q as char);
                self.finish_line(line, &what)?;
                // Single quotes are literal: `$` in them never expands.
                let found = if q == b'"' {
                    pieces(&text, &literal)
                } else if text.is_empty() {
                    vec![]
                } else {
                    vec![Piece::Text(text)]
                };
                Ok((found, Some(q as char), span))
            }
            _ => {
                let (text, span) = self.unquoted(after_blank);
                self.newline();
                Ok((pieces(&text, &[]), None, span))
            }
        }
    }
}

/// The character an escape `\c` stands for inside `q` quotes; `None` for no escape.
fn unescape(q: u8, c: char) -> Option<char> {
    let d = match c {
        '\\' | '\'' => c,
        _ if q == b'\'' => return None,
        '"' | '$' | '`' => c,
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'a' => '\x07',
        'b' => '\x08',
        'f' => '\x0c',
        'v' => '\x0b',
        _ => return None,
    };
    Some(d)
}

/// Splits text into literal pieces and `${name}` / `${name:-default}` expansions, matched as
/// python-dotenv matches them: the name runs to the first `}` or `:`, the default to the
/// next `}`; a `${` that does not complete one is literal. `$` at the offsets in `literal`
/// never starts one.
fn pieces(text: &str, literal: &[usize]) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with("${")
            && !literal.contains(&i)
            && let Some((var, len)) = expansion(&rest[2..])
        {
            if !lit.is_empty() {
                out.push(Piece::Text(std::mem::take(&mut lit)));
            }
            out.push(var);
            i += 2 + len;
            continue;
        }
        let c = rest.chars().next().expect("not at the end");
        lit.push(c);
        i += c.len_utf8();
    }
    if !lit.is_empty() {
        out.push(Piece::Text(lit));
    }
    out
}

/// The expansion after a `${`, and how many bytes it takes.
fn expansion(s: &str) -> Option<(Piece, usize)> {
    let n = s.find(['}', ':'])?;
    let name = s[..n].to_owned();
    if s[n..].starts_with('}') {
        return Some((
            Piece::Var {
                name,
                default: None,
            },
            n + 1,
        ));
    }
    let after = s[n..].strip_prefix(":-")?;
    let d = after.find('}')?;
    let default = Some(after[..d].to_owned());
    Some((Piece::Var { name, default }, n + 2 + d + 1))
}

/// The value as written back, expansions included, for [`Entry::value`].
fn joined(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Var {
                name,
                default: None,
            } => out.push_str(&format!("${{{name}}}")),
            Piece::Var {
                name,
                default: Some(d),
            } => out.push_str(&format!("${{{name}:-{d}}}")),
        }
    }
    out
}

/// How many line endings (`\n`, `\r\n` or `\r`) `text` holds.
pub fn line_ends(text: &str) -> usize {
    text.matches('\n').count() + text.matches('\r').count() - text.matches("\r\n").count()
}

/// `text` cut into lines as [`parse`] counts them, each with its line ending (`\n`, `\r\n` or
/// a lone `\r`); the last has none when `text` does not end with one. Whatever reads a
/// file line by line beside the parser (templates) cuts it here, so that both agree on what a
/// line is and on its number.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = match rest.find(['\n', '\r']) {
            Some(i) if rest[i..].starts_with("\r\n") => i + 2,
            Some(i) => i + 1,
            None => rest.len(),
        };
        let (line, after) = rest.split_at(end);
        rest = after;
        Some(line)
    })
}

/// Parses dotenv text (docs/dotenv.md): `NAME=value` and `export NAME=value` lines, `#`
/// comments, blank lines, unquoted values with trailing ` # comments`, `'…'` and `"…"`
/// values that may span lines, `${VAR}` and `${VAR:-default}` in unquoted and `"…"` values.
/// A UTF-8 byte order mark is skipped; `\n`, `\r\n` and `\r` all end a line. A name alone
/// on its line (no `=`) sets nothing, as in python-dotenv. A line that is none of these
/// fails the whole file with `'origin' line N: …`, so that nothing is half understood.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Entry>, Error> {
    let mut c = Cursor {
        text,
        at: if text.starts_with('\u{feff}') { 3 } else { 0 },
        line: 1,
        origin,
    };
    if let Some(nul) = text.find('\0') {
        let line = 1 + line_ends(&text[..nul]);
        return Err(c.error(line, "a NUL byte, which no variable can hold"));
    }
    let mut out = Vec::new();
    while c.at < text.len() {
        let line = c.line;
        c.blanks();
        match c.peek() {
            None => break,
            Some(b'\r' | b'\n') => {
                c.newline();
                continue;
            }
            Some(b'#') => {
                c.skip_to_line_end();
                c.newline();
                continue;
            }
            Some(_) => {}
        }
        let export = c.export();
        let name = c.name(line)?;
        c.blanks();
        if c.peek() != Some(b'=') {
            c.finish_line(line, "expected '=' after the name")?;
            continue;
        }
        c.at += 1;
        let after_blank = c.blanks();
        let (pieces, quote, span) = c.value(line, after_blank)?;
        out.push(Entry {
            name,
            value: joined(&pieces),
            pieces,
            line,
            export,
            quote,
            span,
        });
    }
    Ok(out)
}

/// Writes a value so that [`parse`] reads it back unchanged, and so that a shell that sources
/// the file (`set -a; . ./app.env`, as many scripts do) runs nothing: bare when it is plain;
/// else single-quoted, which every dotenv reader and every shell takes literally when it
/// holds no `'` and no `\`; else double-quoted with `"`, `\`, `$` and `` ` `` escaped as
/// well as line endings, so no expansion or command substitution is left.
pub fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@+=,%".contains(c));
    if plain {
        return value.to_owned();
    }
    if !value.contains(['\'', '\\', '\n', '\r']) {
        return format!("'{value}'");
    }
    let mut s = String::with_capacity(value.len() + 2);
    s.push('"');
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '$' => s.push_str("\\$"),
            '`' => s.push_str("\\`"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(String, String, usize)> {
        parse(text, ".env")
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.value, e.line))
            .collect()
    }

    fn one(text: &str) -> String {
        let e = parse(text, ".env").unwrap();
        assert_eq!(e.len(), 1, "{text:?}: {e:?}");
        e[0].value.clone()
    }

    #[test]
    fn parses_the_common_forms() {
        let text = "# comment\n\nA=1\nexport B = two words # note\nC='lit $X \\n'\nD=\"a\\nb \\\"q\\\"\"\nE=\"multi\nline\"\nF=\nG=x#not-a-comment\n";
        let got = values(text);
        let want = [
            ("A", "1", 3),
            ("B", "two words", 4),
            ("C", "lit $X \\n", 5),
            ("D", "a\nb \"q\"", 6),
            ("E", "multi\nline", 7),
            ("F", "", 9),
            ("G", "x#not-a-comment", 10),
        ];
        let want: Vec<(String, String, usize)> = want
            .iter()
            .map(|(n, v, l)| (n.to_string(), v.to_string(), *l))
            .collect();
        assert_eq!(got, want);
        let e = parse(text, ".env").unwrap();
        assert!(e[1].export);
        assert_eq!(e[2].quote, Some('\''));
    }

    #[test]
    fn a_blank_before_a_hash_starts_a_comment() {
        // A tab counts as much as a space, and so do the blanks after `=`.
        assert_eq!(one("API_TOKEN=s3cret\t# rotated monthly\n"), "s3cret");
        assert_eq!(one("A_TOKEN= # comment\n"), "");
        assert_eq!(one("A_TOKEN=\t# comment\n"), "");
        assert_eq!(one("A=#not a comment\n"), "#not a comment");
        assert_eq!(one("A=x#y # z\n"), "x#y");
        assert_eq!(one("A='x'# c\n"), "x");
    }

    #[test]
    fn escapes_follow_python_dotenv_and_the_shell() {
        assert_eq!(one(r#"A="a\d""#), r"a\d");
        assert_eq!(one(r#"A="\u00e9""#), r"\u00e9");
        assert_eq!(one(r#"A="\t\a\v\\\'""#), "\t\x07\x0b\\'");
        assert_eq!(one(r#"A="\$HOME \`id\`""#), "$HOME `id`");
        assert_eq!(one(r"A='it\'s \\ \n'"), r"it's \ \n");
        assert_eq!(one("A=a\\nb\n"), "a\\nb");
    }

    #[test]
    fn every_line_ending_ends_a_line_and_becomes_a_newline_in_quotes() {
        assert_eq!(values("A=1\rB=2\r\nC=3")[2], ("C".into(), "3".into(), 3));
        assert_eq!(one("A=\"x\r\ny\ry\"\r\n"), "x\ny\ny");
        assert_eq!(values("\r\rA=1\r")[0].2, 3);
        let cut: Vec<&str> = lines("a\rb\r\nc\n\nd").collect();
        assert_eq!(cut, ["a\r", "b\r\n", "c\n", "\n", "d"]);
        assert_eq!(lines("").count(), 0);
        for text in ["A=1\rB=2\r\nC=3", "x\r\r\n\n", "\r"] {
            assert_eq!(lines(text).collect::<String>(), text);
            assert_eq!(
                lines(text).filter(|l| l.ends_with(['\n', '\r'])).count(),
                line_ends(text)
            );
        }
    }

    #[test]
    fn what_python_dotenv_reads_is_read() {
        assert_eq!(one("\u{feff}A=1\n"), "1");
        assert!(parse("export\tA=1\n", ".env").unwrap()[0].export);
        assert_eq!(values("BARE\nA=1\nLONE # c\n").len(), 1);
        assert_eq!(values("CLÉ=é\n")[0].0, "CLÉ");
        assert_eq!(values("a.b-c=1\n")[0].0, "a.b-c");
        assert_eq!(values("'A B'=1\n")[0].0, "A B");
        assert_eq!(values("export=1\n")[0].0, "export");
    }

    #[test]
    fn spans_cover_exactly_the_value() {
        let text = "\u{feff}A = \"x y\" # c\r\nB=plain\t# c\nC=\nD='multi\nline'\n";
        let e = parse(text, ".env").unwrap();
        let spans: Vec<&str> = e.iter().map(|e| &text[e.span.clone()]).collect();
        assert_eq!(spans, ["\"x y\"", "plain", "", "'multi\nline'"]);
    }

    #[test]
    fn expansion_is_found_where_python_dotenv_finds_it() {
        let e = &parse("A=${B}-${C:-d}-${D:x}-${E\n", ".env").unwrap()[0];
        assert!(e.expands());
        let mut env = |n: &str| (n == "B").then(|| b"b".to_vec());
        assert_eq!(e.expand(&mut env), b"b-d-${D:x}-${E");
        // Unset or empty takes the default, as in a shell.
        let e = &parse("A=${B:-d}\n", ".env").unwrap()[0];
        assert_eq!(e.expand(&mut |_| Some(vec![])), b"d");
        // Single quotes and `\$` keep `${…}` as text.
        for text in ["A='${B}'\n", "A=\"\\${B}\"\n"] {
            let e = &parse(text, ".env").unwrap()[0];
            assert!(!e.expands(), "{text}");
            assert_eq!(e.value, "${B}");
        }
        let e = &parse("A=\"${B}\"\n", ".env").unwrap()[0];
        assert!(e.expands());
    }

    #[test]
    fn errors_name_the_line_and_never_the_text() {
        let err = |t: &str| parse(t, "app/.env").unwrap_err().to_string();
        assert_eq!(
            err("A=1\nnot an assignment\n"),
            "'app/.env' line 2: expected '=' after the name"
        );
        assert_eq!(
            err("A=1\r\rB=\"open\n"),
            "'app/.env' line 3: the \" quote is never closed"
        );
        assert_eq!(
            err("A='it''s'\n"),
            "'app/.env' line 1: unexpected text after the closing ' quote"
        );
        assert_eq!(err("=x\n"), "'app/.env' line 1: expected a name before '='");
        assert_eq!(
            err("A=1\n'=_'=\n"),
            "'app/.env' line 2: a name cannot hold '='"
        );
        assert_eq!(
            err("A=1\nB=\0\n"),
            "'app/.env' line 2: a NUL byte, which no variable can hold"
        );
        assert_eq!(one("A='x' # note\n"), "x");
    }

    #[test]
    fn quote_round_trips() {
        for v in [
            "plain",
            "two words",
            "q\"uote",
            "back\\slash",
            "trailing\\",
            "multi\nline",
            "",
            "$HOME",
            "${HOME}",
            "it's $(id) `id` ${X}",
            "'",
            "a\rb",
            "multi\n$(id)",
            " # not a comment",
        ] {
            let text = format!("X={}\n", quote(v));
            let e = &parse(&text, "t").unwrap()[0];
            assert_eq!(e.value, v, "{text}");
            assert!(!e.expands(), "{text}");
        }
    }
}
