//! `~/.netrc` sources: each `machine` entry with a login and a password, removed whole.

use super::Item;
use super::parse::{is_reference, item, line_at, lines_of};
use crate::model::error::Result;

/// A token of a netrc file with its byte range.
fn netrc_tokens(text: &str) -> Vec<(usize, usize, String)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if b[i] == b'"' {
            let mut s = String::new();
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                }
                s.push(b[i] as char);
                i += 1;
            }
            i = (i + 1).min(b.len());
            out.push((start, i, s));
        } else {
            while i < b.len() && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            out.push((start, i, text[start..i].to_owned()));
        }
    }
    out
}

pub(super) fn parse_netrc(text: &str) -> Result<Vec<Item>> {
    let tokens = netrc_tokens(text);
    let starts = lines_of(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].2 != "machine" {
            if tokens[i].2 == "macdef" {
                // A macro runs to the next blank line and may contain anything: stop here
                // rather than misread it.
                break;
            }
            i += 1;
            continue;
        }
        let start = tokens[i].0;
        let host = tokens.get(i + 1).map(|t| t.2.clone()).unwrap_or_default();
        let (mut login, mut password, mut line) = (None, None, 0);
        let mut j = i + 2;
        while j < tokens.len() && !matches!(tokens[j].2.as_str(), "machine" | "default" | "macdef")
        {
            match (tokens[j].2.as_str(), tokens.get(j + 1)) {
                ("login", Some(t)) => login = Some(t.2.clone()),
                ("password", Some(t)) => {
                    password = Some(t.2.clone());
                    line = line_at(&starts, t.0);
                }
                _ => {}
            }
            j += 2;
        }
        j = j.min(tokens.len());
        let end = tokens.get(j).map_or(text.len(), |t| t.0);
        i = j;
        let (Some(login), Some(password)) = (login, password) else {
            continue;
        };
        if is_reference(&password) {
            continue;
        }
        // curl sends a `machine` entry to that host over any protocol; sigil keeps it for
        // git over https only (plain http needs a mapping the user makes on purpose).
        let Some((account, bound)) =
            crate::ops::git_credential::import_target("https", &host, None, &login)
        else {
            continue;
        };
        let address = account.with_field(crate::model::address::DEFAULT_FIELD)?;
        let mut found = item(line, &host, address, &password, (start, end), true, None);
        found.bound = bound;
        out.push(found);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::migrate::{Format, SourcePlan};

    #[test]
    fn netrc_entries_are_cut_whole() {
        let text = "machine a.example login u password p1\n# c\nmachine b.example\n  login v\n  password p2\ndefault login x password y\n";
        let items = parse_netrc(text).unwrap();
        assert_eq!(items.len(), 2);
        let plan = SourcePlan {
            path: "/x/.netrc".into(),
            format: Format::Netrc,
            original: text.as_bytes().to_vec(),
            items,
            expanded: vec![],
            notes: vec![],
        };
        assert_eq!(
            String::from_utf8(plan.rewritten()).unwrap(),
            "default login x password y\n"
        );
    }
}
