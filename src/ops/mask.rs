//! Masking secret values in a child's output as it streams, also when a value is split
//! across reads (`sigil run`), and in the encoded forms a program is likely to print them in.
//!
//! A secret of at least [`ENCODED_MIN`] bytes is also masked as base64 (standard and URL-safe
//! alphabets, with or without padding, on its own or inside a longer base64 text such as a
//! `Basic` authorization header built from `user:secret`), percent-encoded (uppercase or
//! lowercase hex, `+` or `%20` for a space) and JSON-escaped (with or without `\uXXXX` for
//! non-ASCII, `\/` or `/`). Inside a longer base64 text, the one or two characters at each
//! edge that also carry bits of the neighbouring bytes stay visible; they cannot be decoded
//! into more than a few bits of the secret. Other encodings (hex, gzip, encryption, a value
//! printed in pieces by a hostile program) are not recognised: masking protects against
//! accidents in logs, not against a program that wants to leak what it was given.

use base64::Engine;

/// What a masked value becomes.
pub const MASK: &[u8] = b"<concealed by sigil>";

/// A streaming masker: feed it chunks, it returns what may be printed now. It holds back only
/// a tail that could be the start of a secret, so a prompt without a newline is not delayed.
pub struct Masker {
    secrets: Vec<Vec<u8>>,
    carry: Vec<u8>,
}

impl Masker {
    /// A masker for these values and their encoded forms (empty ones are ignored; longer
    /// ones win).
    pub fn new(secrets: impl IntoIterator<Item = Vec<u8>>) -> Masker {
        Masker::build(secrets, false)
    }

    /// A masker for what a terminal shows of a program's output: also each value as the
    /// terminal's output processing (ONLCR, on by default) turns it, every `\n` a `\r\n`,
    /// so that a value of several lines (a PEM key) is still masked.
    pub fn for_terminal(secrets: impl IntoIterator<Item = Vec<u8>>) -> Masker {
        Masker::build(secrets, true)
    }

    fn build(secrets: impl IntoIterator<Item = Vec<u8>>, terminal: bool) -> Masker {
        let mut secrets: Vec<Vec<u8>> = secrets
            .into_iter()
            .filter(|s| !s.is_empty())
            .flat_map(|s| {
                let mut forms = encoded_forms(&s);
                forms.push(s);
                forms
            })
            .collect();
        if terminal {
            let translated: Vec<Vec<u8>> = secrets
                .iter()
                .filter(|s| s.contains(&b'\n'))
                .map(|s| onlcr(s))
                .collect();
            secrets.extend(translated);
        }
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Masker {
            secrets,
            carry: Vec::new(),
        }
    }

    /// Takes the next chunk of output; returns the bytes that are safe to write now.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<u8> {
        let mut buf = std::mem::take(&mut self.carry);
        buf.extend_from_slice(chunk);
        let mut out = Vec::with_capacity(buf.len());
        let mut i = 0;
        'scan: while i < buf.len() {
            let rest = &buf[i..];
            for s in &self.secrets {
                if rest.starts_with(s) {
                    out.extend_from_slice(MASK);
                    i += s.len();
                    continue 'scan;
                }
            }
            // The rest may be the beginning of a secret that the next read completes.
            if self
                .secrets
                .iter()
                .any(|s| s.len() > rest.len() && s.starts_with(rest))
            {
                self.carry = rest.to_vec();
                return out;
            }
            out.push(buf[i]);
            i += 1;
        }
        out
    }

    /// The end of the stream: what was held back is printed (it was not a secret).
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.carry)
    }
}

/// `bytes` as a terminal with ONLCR shows them: every `\n` becomes `\r\n`.
pub fn onlcr(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 8);
    for &b in bytes {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// The shortest secret whose encoded forms are masked too: the encodings of shorter ones are
/// too short to tell from ordinary output.
pub const ENCODED_MIN: usize = 8;

/// The forms besides its own bytes in which a program may print a secret (see the module's
/// documentation); none for a secret shorter than [`ENCODED_MIN`].
pub fn encoded_forms(secret: &[u8]) -> Vec<Vec<u8>> {
    if secret.len() < ENCODED_MIN {
        return vec![];
    }
    let mut forms = Vec::new();
    for engine in [
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        for offset in 0..3 {
            forms.push(base64_core(engine, secret, offset));
        }
    }
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};
    // RFC 3986's unreserved characters (Python's quote, Go's QueryEscape), and those that
    // JavaScript's encodeURIComponent also leaves.
    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    const JS: &AsciiSet = &UNRESERVED
        .remove(b'!')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')')
        .remove(b'*');
    for set in [UNRESERVED, JS] {
        let upper = percent_encode(secret, set).to_string();
        forms.push(upper.to_ascii_lowercase().into_bytes());
        forms.push(upper.replace("%20", "+").into_bytes());
        forms.push(upper.into_bytes());
    }
    if let Ok(text) = std::str::from_utf8(secret)
        && let Ok(quoted) = serde_json::to_string(text)
    {
        let json = quoted[1..quoted.len() - 1].to_owned();
        let ascii: String = json
            .chars()
            .flat_map(|c| {
                let mut units = [0u16; 2];
                let escaped: Vec<String> = if c.is_ascii() {
                    vec![c.to_string()]
                } else {
                    c.encode_utf16(&mut units)
                        .iter()
                        .map(|u| format!("\\u{u:04x}"))
                        .collect()
                };
                escaped
            })
            .collect();
        for form in [
            json.clone(),
            ascii.clone(),
            json.replace('/', "\\/"),
            ascii.replace('/', "\\/"),
        ] {
            forms.push(form.into_bytes());
        }
    }
    forms.retain(|f| f.len() >= ENCODED_MIN && f != secret);
    forms.sort();
    forms.dedup();
    forms
}

/// The characters of the base64 encoding of `secret`, placed `offset` bytes into a longer
/// text, that depend on the secret's bytes alone: character k carries bits 6k to 6k+5, which
/// lie in bytes 6k/8 to (6k+5)/8.
fn base64_core(engine: &base64::engine::GeneralPurpose, secret: &[u8], offset: usize) -> Vec<u8> {
    let mut placed = vec![0u8; offset];
    placed.extend_from_slice(secret);
    let text = engine.encode(&placed).into_bytes();
    let end_byte = offset + secret.len();
    text.iter()
        .enumerate()
        .filter(|(k, _)| (6 * k) / 8 >= offset && (6 * k + 5) / 8 < end_byte)
        .map(|(_, &c)| c)
        .collect()
}

/// The identity's secret keys as a command might print them (see `Identity::mask_forms`),
/// for `sigil run` to mask. It is the identity the store opened already, else one found
/// without asking anything (`SIGIL_IDENTITY`, `SIGIL_IDENTITY_FILE`, `identity.txt`); a
/// keyring item or a protected identity is never opened just for this.
#[cfg(feature = "cli")]
pub(crate) fn identity_forms(sigil: &crate::Sigil) -> Vec<Vec<u8>> {
    match sigil.file_store().loaded_identity() {
        Some(id) => id.mask_forms(),
        None => crate::identity::load_quietly(sigil.paths())
            .map(|id| id.mask_forms())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(secrets: &[&str], chunks: &[&str]) -> String {
        let mut m = Masker::new(secrets.iter().map(|s| s.as_bytes().to_vec()));
        let mut out = Vec::new();
        for c in chunks {
            out.extend(m.feed(c.as_bytes()));
        }
        out.extend(m.finish());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn masks_whole_and_split_values() {
        assert_eq!(
            run(&["hunter2"], &["pw=hunter2\n"]),
            "pw=<concealed by sigil>\n"
        );
        assert_eq!(
            run(&["hunter2"], &["pw=hu", "n", "ter", "2!"]),
            "pw=<concealed by sigil>!"
        );
        let bytes: Vec<String> = "a hunter2 b".chars().map(String::from).collect();
        let chunks: Vec<&str> = bytes.iter().map(String::as_str).collect();
        assert_eq!(run(&["hunter2"], &chunks), "a <concealed by sigil> b");
        assert_eq!(
            run(&["abc", "abcdef"], &["xabcdefy abc"]),
            "x<concealed by sigil>y <concealed by sigil>"
        );
        assert_eq!(run(&["hunter2"], &["hunt", "er3"]), "hunter3");
        assert_eq!(run(&["hunter2"], &["ends with hun"]), "ends with hun");
    }

    #[test]
    fn encoded_forms_are_masked() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let secret = "p@ss w/rd+\"x\"?~é1";
        let b = |s: &str| STANDARD.encode(s);
        // What is shown, and how much of it is not the secret's: a prefix of the line's own,
        // and the base64 of a `user:` before the secret.
        let table: Vec<(String, usize)> = vec![
            (b(secret), 0),
            (URL_SAFE_NO_PAD.encode(secret), 0),
            (
                format!("Authorization: Basic {}", b(&format!("admin:{secret}"))),
                21 + 8,
            ),
            (format!("Basic {}", b(&format!("al:{secret}"))), 6 + 4),
            (format!("Basic {}", b(&format!("a:{secret}"))), 6 + 3),
            ("p%40ss%20w%2Frd%2B%22x%22%3F~%C3%A91".into(), 0),
            ("p%40ss+w%2Frd%2B%22x%22%3F~%C3%A91".into(), 0),
            ("p%40ss%20w%2frd%2b%22x%22%3f~%c3%a91".into(), 0),
            (r#"p@ss w/rd+\"x\"?~\u00e91"#.into(), 0),
            (r#"p@ss w\/rd+\"x\"?~é1"#.into(), 0),
        ];
        for (shown, own) in table {
            let out = run(&[secret], &[&shown]);
            let left = out.replace("<concealed by sigil>", "");
            assert!(out.contains("<concealed by sigil>"), "{shown} -> {out}");
            // At most two characters at each edge, which also carry bits of the neighbours.
            assert!(left.len() <= own + 4, "{shown} -> {out}");
        }
        // Short secrets are masked as they are, and only so.
        assert!(encoded_forms(b"short").is_empty());
        assert_eq!(
            run(&["short"], &["c2hvcnQ= short"]),
            "c2hvcnQ= <concealed by sigil>"
        );
    }

    #[test]
    fn a_terminal_masker_knows_the_crlf_of_a_value_of_several_lines() {
        let pem = b"-----BEGIN KEY-----\nabc\n-----END KEY-----".to_vec();
        let shown = b"key:\r\n-----BEGIN KEY-----\r\nabc\r\n-----END KEY-----\r\n";
        let mut m = Masker::for_terminal([pem.clone()]);
        let mut out = Vec::new();
        for c in shown.chunks(5) {
            out.extend(m.feed(c));
        }
        out.extend(m.finish());
        assert_eq!(out, b"key:\r\n<concealed by sigil>\r\n");
        // A program that turned the translation off prints the value as it is.
        let mut m = Masker::for_terminal([pem.clone()]);
        assert_eq!(m.feed(&pem), MASK);
        // The pipe masker does not need the extra forms.
        let mut m = Masker::new([pem]);
        assert_ne!(m.feed(shown), b"key:\r\n<concealed by sigil>\r\n");
    }

    #[test]
    fn holds_back_only_possible_starts() {
        let mut m = Masker::new([b"secret".to_vec()]);
        assert_eq!(m.feed(b"Password: "), b"Password: ");
        assert_eq!(m.feed(b"xx se"), b"xx ");
        assert_eq!(m.feed(b"cret"), MASK);
    }
}
