//! `~/.aws/credentials` sources: each profile's keys move to the account `aws/<profile>`, and
//! the lines that held them give way to one `credential_process` line that runs `sigil aws
//! credential-process` for that account.
//!
//! The file is read exactly as botocore reads it: Python's `configparser.RawConfigParser`
//! with its defaults. Lines end at `\n`, `\r\n` or `\r`; a line whose stripped text starts
//! with `#` or `;` is a comment (there are no comments after a value); `[name]` opens the
//! section `name` (everything between the first `[` and the last `]`), which is the profile's
//! name as it is; `key = value` and `key: value` split at the first `=` or `:`, the key
//! lowercased; a line indented deeper than the key's continues its value, even after blank
//! lines. A file botocore refuses (a repeated section or key, a line before the first section,
//! a line that is none of these) or one with a `[DEFAULT]` section, whose keys botocore gives
//! every profile, is refused as a whole: sigil does not guess what the user meant.
//!
//! A profile is taken whole or not at all, and only when the rewrite cannot change how
//! botocore reads anything else: it has an access key id and a secret key (and maybe a
//! session token), each one non-empty line, no `credential_process` of its own, and every
//! line after a removed one that matters starts in the first column, so that it cannot
//! become a continuation of the line above. The first key line is replaced by the
//! `credential_process` line, with the same indentation and line ending; the others are
//! removed, line endings included. Every other byte stays.

use super::parse::{account_of, is_reference, item, with_prefix};
use super::{Action, Item, OnConflict, Options, SourcePlan};
use crate::model::address::Address;
use crate::model::error::{Error, Result};
use crate::model::registry::Registry;
use crate::ops::aws::{ACCESS_KEY_FIELD, FIELDS, SECRET_KEY_FIELD, SESSION_TOKEN_FIELD};
use std::path::Path;

/// The key of the line a taken profile gets.
const PROCESS_KEY: &str = "credential_process";

/// One line of the file: where its text starts and ends, and where the next line starts.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    next: usize,
}

/// The lines of `text` as Python's text files split them (universal newlines).
fn lines(text: &str) -> Vec<Line> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                out.push(Line {
                    start,
                    end: i,
                    next: i + 1,
                });
                start = i + 1;
            }
            b'\r' => {
                let next = if b.get(i + 1) == Some(&b'\n') {
                    i + 2
                } else {
                    i + 1
                };
                out.push(Line {
                    start,
                    end: i,
                    next,
                });
                start = next;
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if start < b.len() {
        out.push(Line {
            start,
            end: b.len(),
            next: b.len(),
        });
    }
    out
}

/// Whitespace as Python's `str.strip()` and `\s` know it: Unicode's, and the information
/// separators U+001C to U+001F.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// How far a line is indented, in characters, as configparser measures it.
fn indent(s: &str) -> usize {
    s.chars().take_while(|&c| py_space(c)).count()
}

/// A `key = value` of a section: its key lowercased, its value's lines, where it is.
#[derive(Debug)]
struct Opt {
    key: String,
    /// The value's first line and its continuation lines (blank ones as empty strings).
    pieces: Vec<String>,
    line: usize,
    indent: usize,
}

impl Opt {
    /// The value as botocore gets it: the lines joined, trailing whitespace removed.
    fn value(&self) -> String {
        self.pieces.join("\n").trim_end_matches(py_space).to_owned()
    }
}

/// A `[section]`: a profile of the credentials file.
#[derive(Debug)]
struct Section {
    name: String,
    opts: Vec<Opt>,
}

/// The sections of `text` as botocore reads them, or the 0-based line and the reason it
/// refuses the file.
fn read_ini(
    text: &str,
    lines: &[Line],
) -> std::result::Result<Vec<Section>, (usize, &'static str)> {
    let mut sections: Vec<Section> = Vec::new();
    let mut open_opt = false;
    let mut indent_level = 0;
    for (n, l) in lines.iter().enumerate() {
        let raw = &text[l.start..l.end];
        let value = py_strip(raw);
        if value.starts_with(['#', ';']) {
            continue;
        }
        let current = sections.last_mut();
        if value.is_empty() {
            // A blank line belongs to the value above: a deeper line after it continues it.
            if let (Some(s), true) = (current, open_opt) {
                s.opts
                    .last_mut()
                    .expect("an open key")
                    .pieces
                    .push(String::new());
            }
            continue;
        }
        let level = indent(raw);
        if let (Some(s), true) = (current, open_opt)
            && level > indent_level
        {
            s.opts
                .last_mut()
                .expect("an open key")
                .pieces
                .push(value.to_owned());
            continue;
        }
        indent_level = level;
        if let Some(name) = header(value) {
            if name == "DEFAULT" {
                return Err((
                    n,
                    "has a [DEFAULT] section, whose keys botocore gives every profile",
                ));
            }
            if sections.iter().any(|s| s.name == name) {
                return Err((n, "repeats a section, which botocore refuses"));
            }
            sections.push(Section {
                name: name.to_owned(),
                opts: Vec::new(),
            });
            open_opt = false;
            continue;
        }
        let Some(s) = sections.last_mut() else {
            return Err((
                n,
                "has a key before the first [section], which botocore refuses",
            ));
        };
        let Some(d) = value.find(['=', ':']) else {
            return Err((
                n,
                "is neither a [section], a key = value line nor a comment",
            ));
        };
        let key = value[..d].trim_end_matches(py_space).to_lowercase();
        if key.is_empty() || s.opts.iter().any(|o| o.key == key) {
            return Err((n, "has an empty or repeated key, which botocore refuses"));
        }
        s.opts.push(Opt {
            key,
            pieces: vec![py_strip(&value[d + 1..]).to_owned()],
            line: n,
            indent: level,
        });
        open_opt = true;
    }
    Ok(sections)
}

/// The name of a section header line (stripped): what lies between the `[` and the last `]`.
fn header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let close = rest.rfind(']')?;
    (close > 0).then(|| &rest[..close])
}

/// Whether the first line after line `n` that botocore does not skip starts in the first
/// column (or there is none), so that removing line `n` cannot make it a continuation.
fn next_is_unindented(text: &str, lines: &[Line], n: usize) -> bool {
    lines[n + 1..]
        .iter()
        .map(|l| &text[l.start..l.end])
        .find(|raw| {
            let v = py_strip(raw);
            !v.is_empty() && !v.starts_with(['#', ';'])
        })
        .is_none_or(|raw| indent(raw) == 0)
}

pub(super) fn parse_aws(path: &Path, text: &str, opts: &Options) -> Result<Vec<Item>> {
    let lines = lines(text);
    let sections = read_ini(text, &lines).map_err(|(n, why)| {
        Error::Usage(format!(
            "'{}' line {} {why}; it was left as it is",
            path.display(),
            n + 1
        ))
    })?;
    let service = opts
        .service
        .clone()
        .unwrap_or_else(|| with_prefix(opts, "aws".into()));
    let mut out = Vec::new();
    for s in &sections {
        out.extend(profile(text, &lines, s, &service)?);
    }
    Ok(out)
}

/// The items of one profile, the first one carrying the `credential_process` line; none when
/// the profile is not taken.
fn profile(text: &str, lines: &[Line], s: &Section, service: &str) -> Result<Vec<Item>> {
    let get = |key: &str| s.opts.iter().find(|o| o.key == key);
    let (Some(id), Some(secret)) = (get(ACCESS_KEY_FIELD), get(SECRET_KEY_FIELD)) else {
        return Ok(vec![]);
    };
    let mut keys: Vec<&Opt> = [Some(id), Some(secret), get(SESSION_TOKEN_FIELD)]
        .into_iter()
        .flatten()
        .collect();
    let takeable = |o: &&Opt| {
        let v = o.value();
        !v.is_empty()
            && !v.contains('\n')
            && !is_reference(&v)
            && next_is_unindented(text, lines, o.line)
    };
    if get(PROCESS_KEY).is_some() || !keys.iter().all(takeable) {
        return Ok(vec![]);
    }
    let Ok(account) = Address::new(service, &account_of(&s.name), None) else {
        return Ok(vec![]);
    };
    keys.sort_by_key(|o| o.line);
    let mut out = Vec::new();
    for (k, o) in keys.iter().enumerate() {
        let l = lines[o.line];
        let name = format!("[{}] {}", s.name, o.key);
        let mut found = item(
            o.line + 1,
            &name,
            account.with_field(&o.key)?,
            &o.value(),
            (l.start, l.next),
            true,
            None,
        );
        if k == 0 {
            let raw = &text[l.start..l.end];
            let lead = &raw[..raw.len() - raw.trim_start_matches(py_space).len()];
            found.replacement = Some(format!(
                "{lead}{PROCESS_KEY} = {}{}",
                crate::ops::aws::process_command(&account),
                &text[l.end..l.next]
            ));
            debug_assert_eq!(indent(lead), o.indent);
        }
        out.push(found);
    }
    Ok(out)
}

/// Takes a profile whole or not at all: when any of its keys stays in the file (a conflict
/// skipped), or the account already holds an AWS field the profile does not have (a session
/// token the keys would be answered with), the whole profile stays, or is a conflict under
/// `--on-conflict fail`.
pub(super) fn whole_profiles(s: &mut SourcePlan, reg: &Registry, on_conflict: OnConflict) {
    let accounts: std::collections::BTreeSet<String> =
        s.items.iter().map(|i| i.address.account_key()).collect();
    for account in accounts {
        let mine = |i: &Item| i.address.account_key() == account;
        let partial = s.items.iter().filter(|i| mine(i)).any(|i| !i.taken());
        let stale = reg.accounts.get(&account).is_some_and(|m| {
            FIELDS.iter().any(|f| {
                m.fields.contains(f) && !s.items.iter().any(|i| mine(i) && i.address.field() == *f)
            })
        });
        if !partial && !stale {
            continue;
        }
        for i in s.items.iter_mut().filter(|i| mine(i)) {
            i.action = match (on_conflict, i.action) {
                (_, Action::Conflict) => Action::Conflict,
                (OnConflict::Fail, _) if stale => Action::Conflict,
                _ => Action::Skip,
            };
        }
    }
}

/// Each section's name and its keys with their values (sorted), as botocore reads `text`.
type Profiles = Vec<(String, Vec<(String, String)>)>;

fn profiles_of(text: &str) -> Option<Profiles> {
    let sections = read_ini(text, &lines(text)).ok()?;
    Some(
        sections
            .into_iter()
            .map(|s| {
                let mut kv: Vec<_> = s.opts.iter().map(|o| (o.key.clone(), o.value())).collect();
                kv.sort();
                (s.name, kv)
            })
            .collect(),
    )
}

/// Checks, before anything is written, that botocore reads the rewritten file as the original
/// with each taken profile's keys replaced by its `credential_process` line, and nothing else
/// changed.
pub(super) fn verify_aws_rewrite(s: &SourcePlan) -> Result<()> {
    let failed = || {
        Error::other(
            format!(
                "'{}': the rewritten file would not read back as intended",
                s.path.display()
            ),
            Some("nothing was changed; please report this".into()),
        )
    };
    let before = std::str::from_utf8(&s.original)
        .ok()
        .and_then(profiles_of)
        .ok_or_else(failed)?;
    let new = s.rewritten();
    let after = std::str::from_utf8(&new)
        .ok()
        .and_then(profiles_of)
        .ok_or_else(failed)?;
    let mut expected = before;
    for i in s.items.iter().filter(|i| i.taken()) {
        let profile = i.name[1..]
            .rsplit_once("] ")
            .map(|(p, _)| p)
            .ok_or_else(failed)?;
        let (_, kv) = expected
            .iter_mut()
            .find(|(n, _)| n == profile)
            .ok_or_else(failed)?;
        kv.retain(|(k, _)| k != i.address.field());
        if let Some(line) = &i.replacement {
            let value = line
                .split_once('=')
                .map(|(_, v)| py_strip(v))
                .ok_or_else(failed)?;
            kv.push((PROCESS_KEY.to_owned(), value.to_owned()));
            kv.sort();
        }
    }
    if after != expected {
        return Err(failed());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::migrate::Format;

    fn plan(text: &str) -> SourcePlan {
        let items = parse_aws(Path::new("/h/.aws/credentials"), text, &Options::default()).unwrap();
        SourcePlan {
            path: "/h/.aws/credentials".into(),
            format: Format::Aws,
            original: text.as_bytes().to_vec(),
            items,
            expanded: vec![],
            notes: vec![],
        }
    }

    fn rewritten(text: &str) -> String {
        let p = plan(text);
        verify_aws_rewrite(&p).unwrap();
        String::from_utf8(p.rewritten()).unwrap()
    }

    #[test]
    fn keys_give_way_to_one_credential_process_line() {
        let text = "# mine\n[default]\naws_access_key_id = AKID\naws_secret_access_key=S1\nregion = eu-west-1\n\n\
                    [prod]\r\n  Aws_Secret_Access_Key : S2 \r\naws_session_token = T\r\naws_access_key_id = AK2\r\n";
        assert_eq!(
            rewritten(text),
            "# mine\n[default]\ncredential_process = sigil aws credential-process aws/default\nregion = eu-west-1\n\n\
             [prod]\r\n  credential_process = sigil aws credential-process aws/prod\r\n"
        );
        let p = plan(text);
        let got: Vec<_> = p
            .items
            .iter()
            .map(|i| {
                (
                    i.address.to_string(),
                    i.value.expose_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("aws/default/aws_access_key_id".into(), "AKID".into()),
                ("aws/default/aws_secret_access_key".into(), "S1".into()),
                ("aws/prod/aws_secret_access_key".into(), "S2".into()),
                ("aws/prod/aws_session_token".into(), "T".into()),
                ("aws/prod/aws_access_key_id".into(), "AK2".into()),
            ]
        );
    }

    #[test]
    fn a_value_is_the_rest_of_its_line_and_a_last_line_keeps_having_no_end() {
        let text = "[p]\naws_access_key_id = a;b # not a comment\naws_secret_access_key = s=t:u";
        let p = plan(text);
        assert_eq!(p.items[0].value.expose_str(), Some("a;b # not a comment"));
        assert_eq!(p.items[1].value.expose_str(), Some("s=t:u"));
        assert_eq!(
            rewritten(text),
            "[p]\ncredential_process = sigil aws credential-process aws/p\n"
        );
        let text = "[p]\naws_secret_access_key = s\naws_access_key_id = a";
        assert_eq!(
            rewritten(text),
            "[p]\ncredential_process = sigil aws credential-process aws/p\n"
        );
        let text = "[p]\naws_access_key_id = a\naws_secret_access_key = s";
        assert_eq!(
            rewritten(text),
            "[p]\ncredential_process = sigil aws credential-process aws/p\n"
        );
    }

    #[test]
    fn profiles_that_cannot_be_taken_whole_stay() {
        for text in [
            // Only one key; an empty one; a multi-line one (also after a blank line); one of
            // its own already; a reference.
            "[p]\naws_access_key_id = a\n",
            "[p]\naws_access_key_id =\naws_secret_access_key = s\n",
            "[p]\naws_access_key_id = a\naws_secret_access_key = s\n  more\n",
            "[p]\naws_access_key_id = a\n\n  more\naws_secret_access_key = s\n",
            "[p]\naws_access_key_id = a\naws_secret_access_key = s\ncredential_process = x\n",
            "[p]\naws_access_key_id = a\naws_secret_access_key = auth://aws/p/aws_secret_access_key\n",
            // An indented line after a key line would continue the line above it.
            "[p]\nregion = x\n aws_access_key_id = a\n aws_secret_access_key = s\n output = json\n",
        ] {
            assert!(plan(text).items.is_empty(), "{text:?}");
        }
    }

    #[test]
    fn files_botocore_refuses_are_refused() {
        for text in [
            "aws_access_key_id = a\n[p]\n",
            "[p]\n[p]\n",
            "[p]\nx = 1\nX = 2\n",
            "[p]\njust words\n",
            "[DEFAULT]\naws_access_key_id = a\n[p]\naws_secret_access_key = s\n",
            "[p]\n= value\n",
            "\u{feff}[p]\naws_access_key_id = a\n",
        ] {
            let e =
                parse_aws(Path::new("/h/.aws/credentials"), text, &Options::default()).unwrap_err();
            assert!(
                e.to_string().contains("it was left as it is"),
                "{text:?}: {e}"
            );
        }
    }

    #[test]
    fn lines_end_as_python_ends_them() {
        let text = "[p]\raws_access_key_id = a\r\naws_secret_access_key = s\r[q]\n";
        assert_eq!(
            rewritten(text),
            "[p]\rcredential_process = sigil aws credential-process aws/p\r\n[q]\n"
        );
        let text = "[weird name]]\naws_access_key_id = a\naws_secret_access_key = s\n";
        assert_eq!(
            plan(text).items[0].address.to_string(),
            "aws/weird-name-/aws_access_key_id"
        );
    }
}
