//! `sigil recipients`: who a store folder's secrets are encrypted to. Reads and edits
//! `.age-recipients` files and re-encrypts the secrets each one governs, one file atomically
//! at a time, under the store lock.
//!
//! A folder is the store root, a service (`team`) or an account (`team/deploy`). Its
//! recipients are those of the nearest `.age-recipients` at or above it. Changing a folder
//! that has no file of its own creates one there, starting from the recipients it inherited:
//! so adding a teammate to `team` never widens who can read the rest of the store. The
//! secrets re-encrypted are those the edited file governs; a deeper folder with a file of its
//! own keeps its recipients and is left alone.
//!
//! A kill half-way leaves the new `.age-recipients` written and some secrets still encrypted
//! to the old set (every one still readable by the user, whose key is in both); running the
//! same command again re-encrypts the rest, as every run re-encrypts every governed secret.

use crate::Sigil;
use crate::address::{Address, FieldAddress};
use crate::error::{Error, Result};
use crate::fsutil::{self, Lock};
use crate::secret::Secret;
use crate::store::{RECIPIENTS_FILE, Store};
use age::x25519;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The comment that names the key on the next line (`sigil recipients add --name`).
const NAME_PREFIX: &str = "# name: ";
/// The first line of a `.age-recipients` that sigil creates (as `sigil init` writes it).
const HEADER: &str = "# Secrets under this folder are encrypted to these age public keys.";

/// A folder of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// `""` for the store root, else `service` or `service/account`.
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
}

impl Folder {
    /// The folder a user means by PATH: nothing, `.` or `/` for the store root, else
    /// `service` or `service/account` (checked against the address grammar, so it never
    /// leaves the store).
    pub fn parse(sigil: &Sigil, path: Option<&str>) -> Result<Folder> {
        let root = sigil.file_store().root().to_owned();
        let p = path.unwrap_or("").trim_matches('/');
        let p = p.strip_prefix("auth://").unwrap_or(p);
        if p.is_empty() || p == "." {
            return Ok(Folder {
                name: String::new(),
                dir: root,
            });
        }
        let parts: Vec<&str> = p.split('/').collect();
        let bad = |why: String| {
            Error::UsageHelp {
            message: format!("'{p}' is not a store folder: {why}"),
            help: "a folder is a service (team) or an account (team/deploy); nothing means the whole store".into(),
        }
        };
        match parts.as_slice() {
            [service] => {
                Address::new(service, "x", None).map_err(|e| bad(e.reason))?;
                Ok(Folder {
                    name: (*service).to_owned(),
                    dir: root.join(service),
                })
            }
            [service, account] => {
                Address::new(service, account, None).map_err(|e| bad(e.reason))?;
                Ok(Folder {
                    name: format!("{service}/{account}"),
                    dir: root.join(service).join(account),
                })
            }
            _ => Err(bad(
                "it has more than two parts (a field is not a folder)".into()
            )),
        }
    }

    /// How the folder is named in messages.
    pub fn shown(&self) -> String {
        if self.name.is_empty() {
            "the store root".to_owned()
        } else {
            format!("'{}'", self.name)
        }
    }

    fn own_file(&self) -> PathBuf {
        self.dir.join(RECIPIENTS_FILE)
    }

    /// Whether a secret lives in this folder or below it.
    fn contains(&self, addr: &FieldAddress) -> bool {
        match self.name.split_once('/') {
            _ if self.name.is_empty() => true,
            Some((s, a)) => addr.service() == s && addr.account() == a,
            None => addr.service() == self.name,
        }
    }
}

/// One recipient of a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The age public key.
    pub key: String,
    /// Its name, from a `# name: …` comment on the line before it.
    pub name: Option<String>,
    /// Whether it is the user's own key.
    pub you: bool,
}

/// A folder's recipients and where they come from.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The folder.
    pub folder: Folder,
    /// The `.age-recipients` in force; `None` when there is none and secrets go to the
    /// identity's own key.
    pub file: Option<PathBuf>,
    /// Whether that file is in a folder above this one.
    pub inherited: bool,
    /// The recipients, in file order.
    pub recipients: Vec<Recipient>,
}

/// The text of a recipients file and its parsed keys.
struct Text {
    lines: Vec<String>,
}

impl Text {
    fn new(text: &str) -> Text {
        Text {
            lines: text.lines().map(str::to_owned).collect(),
        }
    }

    /// Every key line: (line index, key, name).
    fn keys(&self) -> Vec<(usize, String, Option<String>)> {
        let mut out = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let name = i
                .checked_sub(1)
                .and_then(|j| self.lines[j].trim().strip_prefix(NAME_PREFIX.trim_end()))
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty());
            out.push((i, t.to_owned(), name));
        }
        out
    }

    fn render(&self) -> String {
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }
}

fn my_keys(sigil: &Sigil) -> Vec<String> {
    sigil
        .file_store()
        .identity()
        .map(|id| id.recipients().iter().map(|r| r.to_string()).collect())
        .unwrap_or_default()
}

/// The nearest `.age-recipients` at or above `dir` within the store, and its text.
fn nearest(sigil: &Sigil, dir: &Path) -> Result<Option<(PathBuf, String)>> {
    let root = sigil.file_store().root();
    let mut d = dir;
    while d.starts_with(root) {
        let f = d.join(RECIPIENTS_FILE);
        match crate::fsutil::read_capped_string(&f, crate::fsutil::Input::Key) {
            Ok(text) => return Ok(Some((f, text))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("cannot read '{}'", f.display()), e)),
        }
        match d.parent() {
            Some(p) => d = p,
            None => break,
        }
    }
    Ok(None)
}

/// Who a folder's secrets are encrypted to.
pub fn list(sigil: &Sigil, folder: &Folder) -> Result<Listing> {
    let mine = my_keys(sigil);
    let found = nearest(sigil, &folder.dir)?;
    let (file, recipients) = match found {
        Some((f, text)) => {
            crate::backup::parse_recipients(&f, &text)?;
            let recipients = Text::new(&text)
                .keys()
                .into_iter()
                .map(|(_, key, name)| Recipient {
                    you: mine.contains(&key),
                    key,
                    name,
                })
                .collect();
            (Some(f), recipients)
        }
        None => (
            None,
            mine.iter()
                .map(|k| Recipient {
                    key: k.clone(),
                    name: None,
                    you: true,
                })
                .collect(),
        ),
    };
    let inherited = file.as_ref().is_some_and(|f| *f != folder.own_file());
    Ok(Listing {
        folder: folder.clone(),
        file,
        inherited,
        recipients,
    })
}

/// What an edit did.
#[derive(Debug, Clone)]
pub struct Change {
    /// The `.age-recipients` written.
    pub file: PathBuf,
    /// Whether the folder got a file of its own just now.
    pub created: bool,
    /// Whether the key list changed (false when the key was already in, or already out).
    pub changed: bool,
    /// The key added or removed, and its name.
    pub key: String,
    /// Its name, when it had one.
    pub name: Option<String>,
    /// The secrets re-encrypted to the new set, sorted.
    pub reencrypted: Vec<FieldAddress>,
    /// Deeper folders with a `.age-recipients` of their own, left alone.
    pub kept: Vec<String>,
    /// How many recipients the folder has now.
    pub recipients: usize,
    /// The secrets whose usage policy forbade handing them to the new recipient, handed over
    /// anyway with `force` (and recorded in the audit log as `recipients.add.force`).
    pub forced: Vec<FieldAddress>,
}

/// Adds `key` (an `age1…` public key) to a folder's recipients and re-encrypts its secrets.
///
/// The new recipient can then decrypt those files with `age`, where no usage policy applies.
/// So a secret whose policy forbids handing it out as a copy (see `policy::exportable`: a
/// run-only secret, a time window, a use count) refuses the whole edit, exit 5 and nothing
/// changed, unless `force`; a forced hand-over is recorded in the audit log with the secrets
/// it concerned.
pub fn add(
    sigil: &Sigil,
    folder: &Folder,
    key: &str,
    name: Option<&str>,
    force: bool,
) -> Result<Change> {
    let key = parse_key(key)?;
    if let Some(n) = name
        && (n.contains('\n') || n.trim().is_empty())
    {
        return Err(Error::Usage(
            "a recipient's name is one non-empty line".into(),
        ));
    }
    let handover = |changed: bool, governed: &[FieldAddress]| -> Result<Vec<FieldAddress>> {
        if !changed {
            // Already a recipient: the files go to the same keys as before.
            return Ok(Vec::new());
        }
        let reg = crate::registry::Registry::load(sigil.paths())?;
        let accounts = crate::policy::restricted(&reg, governed);
        if !force {
            crate::policy::refuse_handover(
                &accounts,
                &format!(
                    "adding a recipient to {} would hand them copies of its secrets that no policy governs",
                    folder.shown()
                ),
                "pass --force to hand them over anyway (recorded in the audit log), move those accounts to another folder, or change their policy with `sigil policy set`",
            )?;
        }
        Ok(governed
            .iter()
            .filter(|a| accounts.contains(&a.account_key()))
            .cloned()
            .collect())
    };
    let change = edit(sigil, folder, handover, |text| {
        if let Some((_, k, n)) = text.keys().into_iter().find(|(_, k, _)| *k == key) {
            return Ok((false, k, n));
        }
        if let Some(n) = name {
            text.lines.push(format!("{NAME_PREFIX}{}", n.trim()));
        }
        text.lines.push(key.clone());
        Ok((true, key.clone(), name.map(|n| n.trim().to_owned())))
    })?;
    if !change.forced.is_empty() {
        let forced: Vec<String> = change.forced.iter().map(ToString::to_string).collect();
        crate::audit::record(sigil, "recipients.add.force", &forced, &Ok::<(), Error>(()));
    }
    Ok(change)
}

/// Removes a recipient (by key, or by its `# name:`) from a folder and re-encrypts its
/// secrets without it. The user's own key cannot be removed: sigil could no longer read.
pub fn remove(sigil: &Sigil, folder: &Folder, who: &str) -> Result<Change> {
    let mine = my_keys(sigil);
    let who = who.trim().to_owned();
    edit(
        sigil,
        folder,
        |_, _| Ok(Vec::new()),
        |text| {
            let keys = text.keys();
            let found = keys.iter().find(|(_, k, _)| *k == who).or_else(|| {
                keys.iter()
                    .find(|(_, _, n)| n.as_deref() == Some(who.as_str()))
            });
            let Some((line, key, name)) = found.cloned() else {
                if x25519::Recipient::from_str(&who).is_ok() {
                    return Ok((false, who.clone(), None));
                }
                return Err(Error::NotFound {
                    message: format!("no recipient of {} is named '{who}'", folder.shown()),
                    help: Some(format!(
                        "`sigil recipients list {}` shows them",
                        folder.name
                    )),
                });
            };
            if mine.contains(&key) {
                return Err(Error::Refused {
                message: format!(
                    "refusing to remove your own key from {}: sigil could no longer read its secrets",
                    folder.shown()
                ),
                help: Some(
                    "to rotate your own key, use `sigil rekey`; to hand the folder over, have the new owner remove you"
                        .into(),
                ),
            });
            }
            text.lines.remove(line);
            if name.is_some() && line > 0 {
                text.lines.remove(line - 1);
            }
            Ok((true, key, name))
        },
    )
}

fn parse_key(key: &str) -> Result<String> {
    Ok(parse_public_key(key)?.to_string())
}

/// Parses an age public key given on the command line (`recipients add`, `export -r`,
/// `backup create -r`). Text that is not shaped like a public key is not repeated in the
/// error: the likeliest mistake is pasting an identity (`AGE-SECRET-KEY-1…`) where its public
/// key goes, and an error message ends up in terminals and CI logs.
pub(crate) fn parse_public_key(key: &str) -> Result<x25519::Recipient> {
    let k = key.trim();
    if k.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-") {
        return Err(Error::UsageHelp {
            message: "the key given is an age secret key (an identity), not a public key".into(),
            help: "give its public key (`age-keygen -y FILE` prints it); if the secret key was typed where others can see it (a shell history, a CI log), treat it as exposed".into(),
        });
    }
    let shown = if k.starts_with("age1")
        && k.len() <= 100
        && k.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        format!("'{k}'")
    } else {
        "the key given".to_owned()
    };
    x25519::Recipient::from_str(k).map_err(|e| Error::UsageHelp {
        message: format!("{shown} is not an age public key: {e}"),
        help: "a recipient looks like age1… (`age-keygen -y identity.txt` prints one)".into(),
    })
}

/// Applies `change` to the folder's recipients file (its own, created from the inherited one
/// when missing) and re-encrypts every secret it governs. Every secret is decrypted before
/// anything is written, so one that cannot be read stops the edit with nothing changed.
/// `handover` sees whether the key list changed and what the file governs before anything is
/// decrypted or written; it may refuse, and returns the secrets it let through by force.
fn edit(
    sigil: &Sigil,
    folder: &Folder,
    handover: impl FnOnce(bool, &[FieldAddress]) -> Result<Vec<FieldAddress>>,
    change: impl FnOnce(&mut Text) -> Result<(bool, String, Option<String>)>,
) -> Result<Change> {
    let store = sigil.file_store();
    let identity = store.identity()?;
    let mine: Vec<String> = identity
        .recipients()
        .iter()
        .map(|r| r.to_string())
        .collect();
    let _lock = Lock::acquire(&sigil.paths().lock_file())?;
    let own = folder.own_file();
    let (created, base) = match nearest(sigil, &folder.dir)? {
        Some((f, text)) if f == own => (false, text),
        Some((f, text)) => {
            crate::backup::parse_recipients(&f, &text)?;
            (true, inherited_text(&text))
        }
        None => (true, format!("{HEADER}\n{}\n", mine.join("\n"))),
    };
    crate::backup::parse_recipients(&own, &base)?;
    let mut text = Text::new(&base);
    let (changed, key, name) = change(&mut text)?;
    let new_text = text.render();
    crate::backup::parse_recipients(&own, &new_text)?;
    let new_keys: Vec<String> = text.keys().into_iter().map(|(_, k, _)| k).collect();
    if !new_keys.iter().any(|k| mine.contains(k)) {
        return Err(crate::store::StoreError::NotARecipient {
            path: own,
            public_key: mine.first().cloned().unwrap_or_default(),
        }
        .into());
    }

    // What the file governs once written: every secret in the folder whose nearest
    // recipients file is (or, for a folder that gets one now, will be) this one.
    let mut governed = Vec::new();
    let mut kept = Vec::new();
    let mut by_dir: BTreeMap<PathBuf, bool> = BTreeMap::new();
    for addr in store.list()? {
        if !folder.contains(&addr) {
            continue;
        }
        let dir = store
            .path_of(&addr)
            .parent()
            .expect("a secret has a folder")
            .to_owned();
        let ours = match by_dir.get(&dir) {
            Some(o) => *o,
            None => {
                let o = match nearest(sigil, &dir)? {
                    Some((f, _)) => f == own || (created && !f.starts_with(&folder.dir)),
                    None => true,
                };
                if !o {
                    let rel = dir
                        .strip_prefix(store.root())
                        .map(|p| p.display().to_string())
                        .unwrap_or_default();
                    if !kept.contains(&rel) {
                        kept.push(rel);
                    }
                }
                by_dir.insert(dir, o);
                o
            }
        };
        if ours {
            governed.push(addr);
        }
    }
    let forced = handover(changed, &governed)?;
    let mut values: Vec<(FieldAddress, Secret)> = Vec::with_capacity(governed.len());
    for addr in governed {
        let v = store.get(&addr).map_err(|e| {
            Error::other(
                format!("cannot re-encrypt '{addr}': {e}; nothing was changed"),
                e.help(),
            )
        })?;
        values.push((addr, v));
    }
    fsutil::create_private_dir(&folder.dir)?;
    fsutil::write_atomic(&own, |f| f.write_all(new_text.as_bytes()))?;
    let mut reencrypted = Vec::with_capacity(values.len());
    for (addr, v) in values {
        store.put(&addr, &v)?;
        reencrypted.push(addr);
    }
    Ok(Change {
        file: own,
        created,
        changed,
        key,
        name,
        reencrypted,
        kept,
        recipients: new_keys.len(),
        forced,
    })
}

/// A new folder's recipients file, copied from the one it inherits (keys and names; the
/// inherited file's other comments describe that folder, not this one).
fn inherited_text(text: &str) -> String {
    let mut out = format!("{HEADER}\n");
    for (_, key, name) in Text::new(text).keys() {
        if let Some(n) = name {
            out.push_str(&format!("{NAME_PREFIX}{n}\n"));
        }
        out.push_str(&key);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_comment_just_before_a_key() {
        let t = Text::new(&format!(
            "{HEADER}\nage1me\n\n# name: alice\nage1alice\n# other\nage1bob\n"
        ));
        let keys: Vec<(String, Option<String>)> =
            t.keys().into_iter().map(|(_, k, n)| (k, n)).collect();
        assert_eq!(
            keys,
            vec![
                ("age1me".into(), None),
                ("age1alice".into(), Some("alice".into())),
                ("age1bob".into(), None),
            ]
        );
        assert_eq!(
            inherited_text(&t.render()),
            format!("{HEADER}\nage1me\n# name: alice\nage1alice\nage1bob\n")
        );
    }
}
