//! `~/.git-credentials` sources: one `scheme://user:password@host/path` line per credential,
//! removed whole.

use super::Item;
use super::parse::{is_reference, item, lines_of};
use crate::model::error::Result;

/// `%XX` decoded, byte by byte: the two bytes after a `%` may be part of a multi-byte
/// character (slicing the text there would panic), and only hex digits make an escape
/// (`u8::from_str_radix` would also take `%+5`).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let digit = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (digit(b[i + 1]), digit(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn parse_git_credentials(text: &str) -> Result<Vec<Item>> {
    let starts = lines_of(text);
    let mut out = Vec::new();
    for (n, &ls) in starts.iter().enumerate() {
        let le = starts.get(n + 1).copied().unwrap_or(text.len());
        let line = text[ls..le].trim_end_matches(['\n', '\r']);
        let Some((_, rest)) = line.split_once("://") else {
            continue;
        };
        let protocol = &line[..line.len() - rest.len() - 3];
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let Some((userinfo, host)) = authority.rsplit_once('@') else {
            continue;
        };
        let Some((user, pass)) = userinfo.split_once(':') else {
            continue;
        };
        let (user, pass) = (percent_decode(user), percent_decode(pass));
        if is_reference(&pass) {
            continue;
        }
        let path = percent_decode(path);
        let path = path.trim_matches('/');
        let Some((account, bound)) = crate::ops::git_credential::import_target(
            protocol,
            &percent_decode(host),
            (!path.is_empty()).then_some(path),
            &user,
        ) else {
            continue;
        };
        let address = account.with_field(crate::model::address::DEFAULT_FIELD)?;
        let mut found = item(n + 1, host, address, &pass, (ls, le), true, None);
        found.bound = bound;
        out.push(found);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `git_credentials` fuzz target: a `%` before a multi-byte character
    /// panicked (the escape was sliced out of the text as a string).
    #[test]
    fn git_credentials_percent_before_multibyte_text_is_kept() {
        assert_eq!(percent_decode("ci%4Йo"), "ci%4Йo");
        assert_eq!(percent_decode("%Йx%41"), "%ЙxA");
        assert_eq!(percent_decode("a%+5b%40"), "a%+5b@");
        let text = "https://ci%4Йo:pw@git.example.com\nhttps://me%40corp:pw@github.com\n";
        let items = parse_git_credentials(text).unwrap();
        assert!(items.iter().all(|i| i.value.expose() == b"pw"));
    }
}
