//! Text from outside sigil (a server's error description, a device code, a file's contents, a
//! program's stderr) made safe to print on a terminal: no control character or bidi override
//! reaches it, so such text cannot clear the screen, retitle the window, hide or reorder what
//! is printed, or forge a line of sigil's own (`help: …`).

use std::borrow::Cow;

/// Characters that reorder text without being visible (the "Trojan Source" set).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let bad = |c: char| !keep(c) && (c.is_control() || is_bidi_control(c));
    if !text.chars().any(bad) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if bad(c) {
            // `\n`, `\r`, `\t` as such, everything else as `\u{…}`: visible and unambiguous.
            match c {
                '\n' | '\r' | '\t' => out.extend(c.escape_default()),
                _ => out.extend(c.escape_unicode()),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line of outside text: every control character escaped, newlines and tabs included, so
/// that it stays on the line sigil put it on.
pub fn line(text: &str) -> Cow<'_, str> {
    escape(text, |_| false)
}

/// Several lines (a message sigil composed, a program's stderr): control characters escaped
/// except newlines and tabs.
pub fn block(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n' || c == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_plain_text_is_borrowed() {
        assert!(matches!(line("plain text, ünïcode ok"), Cow::Borrowed(_)));
        assert_eq!(
            line("a\u{1b}[2Jb\u{7}\u{9b}\u{202e}c\nd\re\tf"),
            "a\\u{1b}[2Jb\\u{7}\\u{9b}\\u{202e}c\\nd\\re\\tf"
        );
        assert_eq!(block("a\nb\tc\u{1b}]0;x\u{7}"), "a\nb\tc\\u{1b}]0;x\\u{7}");
        assert_eq!(block("\u{7f}\u{2066}"), "\\u{7f}\\u{2066}");
    }
}
