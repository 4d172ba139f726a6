//! Dotenv files (`.env`): parsed with line numbers, so that errors can name `file:line` and a
//! later rewrite can keep every other line as it was.

use crate::error::Error;

/// One assignment in a dotenv file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The variable name.
    pub name: String,
    /// The value, unquoted and unescaped.
    pub value: String,
    /// The 1-based line the assignment starts on.
    pub line: usize,
    /// Whether the line starts with `export `.
    pub export: bool,
    /// How the value was quoted: `None`, `Some('\'')` or `Some('"')`.
    pub quote: Option<char>,
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// Parses dotenv text: `NAME=value`, `export NAME=value`, `#` comments, blank lines,
/// `'literal'` and `"escaped\n"` values (which may span lines), unquoted values with
/// trailing ` # comments`. `origin` names the file in errors.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Entry>, Error> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        let raw = lines[i].strip_suffix('\r').unwrap_or(lines[i]);
        i += 1;
        let trimmed = raw.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (export, rest) = match trimmed.strip_prefix("export ") {
            Some(r) => (true, r.trim_start()),
            None => (false, trimmed),
        };
        let Some((name, value)) = rest.split_once('=') else {
            return Err(Error::Usage(format!(
                "'{origin}' line {}: expected NAME=value",
                start + 1
            )));
        };
        let name = name.trim();
        if !is_name(name) {
            // The text is not repeated: a line that is not NAME=value may be a pasted secret.
            return Err(Error::Usage(format!(
                "'{origin}' line {}: the name before '=' is not a variable name (letters, digits, '_' and '.', not starting with a digit)",
                start + 1
            )));
        }
        let value = value.trim_start();
        let (value, quote) = match value.chars().next() {
            Some(q @ ('\'' | '"')) => {
                // Gather lines until the closing quote (a value may span lines).
                let mut body = value[1..].to_owned();
                let close = loop {
                    if let Some(pos) = find_close(&body, q) {
                        break pos;
                    }
                    if i >= lines.len() {
                        return Err(Error::Usage(format!(
                            "'{origin}' line {}: the {q} quote is never closed",
                            start + 1
                        )));
                    }
                    body.push('\n');
                    body.push_str(lines[i].strip_suffix('\r').unwrap_or(lines[i]));
                    i += 1;
                };
                let after = body[close + 1..].trim();
                if !(after.is_empty() || after.starts_with('#')) {
                    return Err(Error::Usage(format!(
                        "'{origin}' line {}: unexpected text after the closing {q} quote",
                        start + 1
                    )));
                }
                let inner = &body[..close];
                let v = if q == '"' {
                    unescape(inner)
                } else {
                    inner.to_owned()
                };
                (v, Some(q))
            }
            _ => {
                let v = match value.find(" #") {
                    Some(p) => &value[..p],
                    None => value,
                };
                (v.trim_end().to_owned(), None)
            }
        };
        out.push(Entry {
            name: name.to_owned(),
            value,
            line: start + 1,
            export,
            quote,
        });
    }
    Ok(out)
}

fn find_close(body: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if q == '"' && c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        if c == q && !escaped {
            return Some(i);
        }
        escaped = false;
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
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Writes a value so that [`parse`] reads it back unchanged, and so that a shell that sources
/// the file (`set -a; . ./app.env`, as many scripts do) runs nothing: bare when it is plain;
/// else single-quoted, which every dotenv reader and every shell takes literally; else (a
/// value holding `'`, a newline or a carriage return) double-quoted with `"`, `\`, `$` and
/// `` ` `` escaped as well as newlines, so no expansion or command substitution is left.
pub fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@+=,%".contains(c));
    if plain {
        return value.to_owned();
    }
    if !value.contains(['\'', '\n', '\r']) {
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

    #[test]
    fn parses_the_common_forms() {
        let text = "# comment\n\nA=1\nexport B = two words # note\nC='lit $X \\n'\nD=\"a\\nb \\\"q\\\"\"\nE=\"multi\nline\"\nF=\nG=x#not-a-comment\n";
        let e = parse(text, ".env").unwrap();
        let got: Vec<(&str, &str, usize)> = e
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(
            got,
            [
                ("A", "1", 3),
                ("B", "two words", 4),
                ("C", "lit $X \\n", 5),
                ("D", "a\nb \"q\"", 6),
                ("E", "multi\nline", 7),
                ("F", "", 9),
                ("G", "x#not-a-comment", 10),
            ]
        );
        assert!(e[1].export);
        assert_eq!(e[2].quote, Some('\''));
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("A=1\nnot an assignment\n", "app/.env").unwrap_err();
        assert_eq!(e.to_string(), "'app/.env' line 2: expected NAME=value");
        let e = parse("A=\"open\n", ".env").unwrap_err();
        assert!(
            e.to_string()
                .contains("line 1: the \" quote is never closed")
        );
        assert!(parse("1A=x\n", ".env").is_err());
        let e = parse("A='it''s'\n", ".env").unwrap_err();
        assert!(
            e.to_string()
                .contains("unexpected text after the closing ' quote"),
            "{e}"
        );
        assert_eq!(parse("A='x' # note\n", ".env").unwrap()[0].value, "x");
    }

    #[test]
    fn quote_round_trips() {
        for v in [
            "plain",
            "two words",
            "q\"uote",
            "back\\slash",
            "multi\nline",
            "",
            "$HOME",
            "it's $(id) `id` ${X}",
            "'",
            "a\rb",
            "multi\n$(id)",
        ] {
            let text = format!("X={}\n", quote(v));
            assert_eq!(parse(&text, "t").unwrap()[0].value, v, "{text}");
        }
    }
}
