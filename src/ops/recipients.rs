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
//! An edit is journaled and rolls forward. Every governed secret is decrypted first (one that
//! cannot be read stops the edit with nothing changed); then `<home>/.recipients-journal`
//! (0600, written atomically and fsynced) names the edit (`add` or `rm`, the folder, the key
//! and its name) and every secret it re-encrypts, before anything else changes. Then the
//! `.age-recipients` is written, then each secret, each recorded in the journal as done; the
//! journal goes last. A kill half-way leaves every secret readable by the user (whose key is
//! in the old set and the new one), but some still readable by a removed key, or not yet by
//! an added one: until the journal is gone the edit is unfinished. Running the same command
//! again finishes it and reports it as a complete run would, the values to rotate included
//! (`rm alice team` still works though alice has left the file); so does whichever other
//! command opens sigil next ([`heal`], from `Sigil::open`), which prints that report on
//! stderr. `sigil status` and `sigil check` do not finish it: they report it as a problem,
//! with the command that finishes it, so that a cron job's check does not hide the values to
//! rotate in a log.

use crate::Sigil;
use crate::fsutil::{self, Lock};
use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, Result};
use crate::model::secret::Secret;
use crate::store::{RECIPIENTS_FILE, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

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
                .or_else(|| crate::crypto::Recipient::ssh_comment(t))
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty());
            out.push((i, canonical(t), name));
        }
        out
    }

    fn render(&self) -> String {
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }

    /// Removes every line holding `key` (a key listed twice is still a recipient after one
    /// goes), each with the `# name:` comment above it. The name it had: `None` when the key
    /// was not there.
    fn remove_key(&mut self, key: &str) -> Option<Option<String>> {
        let found: Vec<(usize, Option<String>)> = self
            .keys()
            .into_iter()
            .filter(|(_, k, _)| k == key)
            .map(|(i, _, n)| (i, n))
            .collect();
        let name = found.first().map(|(_, n)| n.clone());
        for (line, named) in found.into_iter().rev() {
            self.lines.remove(line);
            if named.is_some() && line > 0 {
                self.lines.remove(line - 1);
            }
        }
        name
    }

    /// Appends `key`, under its name, unless it is there already; whether it was added.
    fn add_key(&mut self, key: &str, name: Option<&str>) -> bool {
        if self.keys().iter().any(|(_, k, _)| k == key) {
            return false;
        }
        if let Some(n) = name {
            self.lines.push(format!("{NAME_PREFIX}{n}"));
        }
        self.lines.push(key.to_owned());
        true
    }
}

/// A key as sigil compares it: an SSH key without its comment, so that the same key pasted
/// with another comment is the same recipient. Text that does not parse is kept as it is
/// (the recipients file is checked as a whole by `store::parse_recipients`).
fn canonical(key: &str) -> String {
    crate::crypto::Recipient::parse(key).map_or_else(|_| key.trim().to_owned(), |r| r.to_string())
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
            crate::store::parse_recipients(&f, &text)?;
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

/// Which edit: `recipients add` or `recipients rm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A key joins the folder.
    Add,
    /// A key leaves the folder.
    Remove,
}

impl Op {
    /// The subcommand's name.
    pub fn word(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Remove => "rm",
        }
    }
}

/// What an edit did.
#[derive(Debug, Clone)]
pub struct Change {
    /// Which edit.
    pub op: Op,
    /// The folder edited.
    pub folder: Folder,
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

impl Change {
    /// The key as messages name it: with its name when it has one.
    pub fn who(&self) -> String {
        who(&self.key, self.name.as_deref())
    }

    /// What `recipients add` or `rm` says about the change on stderr, one line each.
    pub fn summary(&self) -> Vec<String> {
        let who = self.who();
        let n = secrets(self.reencrypted.len());
        let r = self.recipients;
        let created = if self.created {
            " (created from the recipients it inherited)"
        } else {
            ""
        };
        let file = self.file.display();
        let first = match (self.op, self.changed) {
            (Op::Add, true) => {
                format!("added {who} to '{file}'{created}; re-encrypted {n} to the {r} recipients")
            }
            (Op::Add, false) => format!(
                "{who} is already a recipient of {}; re-encrypted {n} to the {r} recipients",
                self.folder.shown()
            ),
            (Op::Remove, true) => format!(
                "removed {who} from '{file}'{created}; re-encrypted {n} to the {r} remaining recipient{}",
                plural(r)
            ),
            (Op::Remove, false) => format!(
                "{who} is not a recipient of {}; re-encrypted {n} to the {r} recipient{}",
                self.folder.shown(),
                plural(r)
            ),
        };
        let mut out = vec![first];
        for k in &self.kept {
            out.push(format!(
                "'{k}' has a .age-recipients of its own and was left as it is"
            ));
        }
        out
    }

    /// The values the removed member could read, to rotate (the list `rm` prints on stdout):
    /// with the warning that goes before it, or `None` when nothing is to rotate.
    pub fn to_rotate(&self) -> Option<(String, String)> {
        if self.op != Op::Remove || !self.changed || self.reencrypted.is_empty() {
            return None;
        }
        let warning = format!(
            "warning: re-encryption does not take back what {} could already read: they may have copied these values, and anyone holding their key can still open old copies (a git history, a backup). Rotate them:",
            self.who()
        );
        let list = self.reencrypted.iter().map(|a| format!("{a}\n")).collect();
        Some((warning, list))
    }

    /// Whether this is the edit that `sigil recipients OP WHO FOLDER` asks for: the same
    /// folder, and the key, or for `rm` its name too.
    pub fn answers(&self, op: Op, folder: &Folder, who: &str) -> bool {
        let who = who.trim();
        self.op == op
            && self.folder.name == folder.name
            && (self.key == who
                || (op == Op::Remove && self.name.as_deref() == Some(who))
                || parse_key(who).is_ok_and(|k| k == self.key))
    }
}

fn who(key: &str, name: Option<&str>) -> String {
    match name {
        // The name comes from a shared file: escaped, so it cannot drive the terminal.
        Some(n) => format!("{} (key {key})", crate::model::shown::line(n)),
        None => key.to_owned(),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn secrets(n: usize) -> String {
    format!("{n} secret{}", plural(n))
}

/// Adds `key` (an `age1…` public key) to a folder's recipients and re-encrypts its secrets.
///
/// The new recipient can then decrypt those files with `age`, where no usage policy applies.
/// So a secret whose policy forbids handing it out as a copy (see `policy::exportable`: a
/// run-only secret, a time window, a use count) refuses the whole edit, exit 5 and nothing
/// changed, unless `force`; a forced hand-over is recorded in the audit log with the secrets
/// it concerned, before the first file is written.
pub fn add(
    sigil: &Sigil,
    folder: &Folder,
    key: &str,
    name: Option<&str>,
    force: bool,
) -> Result<Change> {
    let comment = crate::crypto::Recipient::ssh_comment(key).map(str::to_owned);
    let name = name.or(comment.as_deref());
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
        let reg = crate::model::registry::Registry::load(sigil.paths())?;
        let accounts = crate::model::policy::restricted(&reg, governed);
        if !force {
            crate::model::policy::refuse_handover(
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
    edit(sigil, folder, Op::Add, handover, |text| {
        if let Some((_, k, n)) = text.keys().into_iter().find(|(_, k, _)| *k == key) {
            return Ok((false, k, n));
        }
        let name = name.map(|n| n.trim().to_owned());
        text.add_key(&key, name.as_deref());
        Ok((true, key.clone(), name))
    })
}

/// Removes a recipient (by key, or by its `# name:`) from a folder and re-encrypts its
/// secrets without it. The user's own key cannot be removed: sigil could no longer read.
pub fn remove(sigil: &Sigil, folder: &Folder, who: &str) -> Result<Change> {
    let mine = my_keys(sigil);
    let who = canonical(who);
    edit(
        sigil,
        folder,
        Op::Remove,
        |_, _| Ok(Vec::new()),
        |text| {
            let keys = text.keys();
            let found = keys.iter().find(|(_, k, _)| *k == who).or_else(|| {
                keys.iter()
                    .find(|(_, _, n)| n.as_deref() == Some(who.as_str()))
            });
            let Some((_, key, name)) = found.cloned() else {
                if crate::crypto::Recipient::parse(&who).is_ok() {
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
            text.remove_key(&key);
            Ok((true, key, name))
        },
    )
}

/// The longest line of an SSH key list sigil reads: an ssh-rsa key of the largest size age
/// takes is under 3 KiB, so a longer line is not a key.
const MAX_KEY_LINE: usize = 16 << 10;

/// The keys of an `authorized_keys`-style list (`https://github.com/USER.keys`): the lines age
/// can encrypt to, and for every other line why it was skipped, never silently. A skipped
/// line is not repeated (it may hold escape sequences or anything else).
pub fn key_list(text: &str) -> (Vec<String>, Vec<String>) {
    let (mut keys, mut skipped) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.len() > MAX_KEY_LINE {
            skipped.push(format!(
                "line {}: longer than {MAX_KEY_LINE} bytes, not a key",
                i + 1
            ));
            continue;
        }
        match crate::crypto::Recipient::parse(t) {
            Ok(_) => keys.push(t.to_owned()),
            Err(why) => skipped.push(format!("line {}: {why}", i + 1)),
        }
    }
    (keys, skipped)
}

fn parse_key(key: &str) -> Result<String> {
    Ok(parse_public_key(key)?.to_string())
}

/// Parses an age public key given on the command line (`recipients add`, `export -r`,
/// `backup create -r`). Text that is not shaped like a public key is not repeated in the
/// error: the likeliest mistake is pasting an identity (`AGE-SECRET-KEY-1…`) where its public
/// key goes, and an error message ends up in terminals and CI logs.
pub(crate) fn parse_public_key(key: &str) -> Result<crate::crypto::Recipient> {
    let k = key.trim();
    let upper = k.to_ascii_uppercase();
    if upper.starts_with("AGE-SECRET-KEY-") || upper.starts_with("AGE-PLUGIN-") {
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
    let ssh = k.starts_with("ssh-") || k.starts_with("ecdsa-") || k.starts_with("sk-");
    let r = crate::crypto::Recipient::parse(k).map_err(|e| Error::UsageHelp {
        message: if ssh {
            format!("the SSH key given cannot be a recipient: {e}")
        } else {
            format!("{shown} is not an age public key: {e}")
        },
        help: "a recipient looks like age1… (`age-keygen -y identity.txt` prints one) or ssh-ed25519 AAAA… (a line of ~/.ssh/id_ed25519.pub)".into(),
    })?;
    // Refused before anything changes: encrypting to it runs its plugin.
    if let Some(name) = r.plugin() {
        crate::crypto::plugin::ready(name)?;
    }
    Ok(r)
}

/// A folder's recipients file as an edit leaves it.
struct Planned {
    /// The folder's own `.age-recipients`.
    own: PathBuf,
    /// Whether the folder has no file of its own yet (the new one starts from the inherited).
    created: bool,
    /// The new text.
    text: String,
    /// How many keys it lists.
    recipients: usize,
}

/// Applies `change` to the folder's recipients (its own file, else a copy of the inherited
/// one) without writing anything. The result must still list one of the user's keys: sigil
/// never writes what it could not read back.
fn plan<T>(
    sigil: &Sigil,
    folder: &Folder,
    mine: &[String],
    change: impl FnOnce(&mut Text) -> Result<T>,
) -> Result<(Planned, T)> {
    let own = folder.own_file();
    let (created, base) = match nearest(sigil, &folder.dir)? {
        Some((f, text)) if f == own => (false, text),
        Some((f, text)) => {
            crate::store::parse_recipients(&f, &text)?;
            (true, inherited_text(&text))
        }
        None => (true, format!("{HEADER}\n{}\n", mine.join("\n"))),
    };
    crate::store::parse_recipients(&own, &base)?;
    let mut text = Text::new(&base);
    let out = change(&mut text)?;
    let new_text = text.render();
    crate::store::parse_recipients(&own, &new_text)?;
    let new_keys: Vec<String> = text.keys().into_iter().map(|(_, k, _)| k).collect();
    if !new_keys.iter().any(|k| mine.contains(k)) {
        return Err(crate::store::StoreError::NotARecipient {
            path: own,
            public_key: mine.first().cloned().unwrap_or_default(),
        }
        .into());
    }
    let planned = Planned {
        own,
        created,
        text: new_text,
        recipients: new_keys.len(),
    };
    Ok((planned, out))
}

/// What the folder's file governs once written: every secret in the folder whose nearest
/// recipients file is (or, for a folder that gets one now, will be) `own`; and the deeper
/// folders that have a file of their own, left alone.
fn governed(
    sigil: &Sigil,
    folder: &Folder,
    own: &Path,
    created: bool,
) -> Result<(Vec<FieldAddress>, Vec<String>)> {
    let store = sigil.file_store();
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
    Ok((governed, kept))
}

/// Applies `change` to the folder's recipients file (its own, created from the inherited one
/// when missing) and re-encrypts every secret it governs. Every secret is decrypted before
/// anything is written, so one that cannot be read stops the edit with nothing changed; then
/// the journal is written, and the work is done by [`proceed`], as a resumed edit's is.
/// `handover` sees whether the key list changed and what the file governs before anything is
/// decrypted or written; it may refuse, and returns the secrets it let through by force.
fn edit(
    sigil: &Sigil,
    folder: &Folder,
    op: Op,
    handover: impl FnOnce(bool, &[FieldAddress]) -> Result<Vec<FieldAddress>>,
    change: impl FnOnce(&mut Text) -> Result<(bool, String, Option<String>)>,
) -> Result<Change> {
    let store = sigil.file_store();
    let mine: Vec<String> = store
        .identity()?
        .recipients()
        .iter()
        .map(|r| r.to_string())
        .collect();
    let home = sigil.paths().home();
    let _lock = sigil.lock_for_change()?;
    // One journal at a time: starting over an unfinished edit would lose its list of values
    // to rotate. The CLI finishes it first; this is for a run that raced in between.
    if let Some(j) = Journal::load(home)? {
        return Err(Error::other(
            format!("{} is unfinished", j.described()),
            Some(format!("run `{}` to finish it first", j.command())),
        ));
    }
    let (planned, (changed, key, name)) = plan(sigil, folder, &mine, change)?;
    let (governed, kept) = governed(sigil, folder, &planned.own, planned.created)?;
    let forced = handover(changed, &governed)?;
    // Decrypting is CPU-bound (an X25519 agreement per recipient stanza tried), so a few
    // threads share it.
    let mut values = BTreeMap::new();
    for (addr, v) in governed
        .iter()
        .zip(crate::store::in_parallel(&governed, |a| store.get(a)))
    {
        let v = v.map_err(|e| {
            Error::other(
                format!("cannot re-encrypt '{addr}': {e}; nothing was changed"),
                e.help(),
            )
        })?;
        values.insert(addr.clone(), v);
    }
    if !forced.is_empty() {
        // Recorded before the first write, so that no kill can hand them over unrecorded.
        let list: Vec<String> = forced.iter().map(ToString::to_string).collect();
        crate::audit::record(sigil, "recipients.add.force", &list, &Ok::<(), Error>(()));
    }
    let journal = Journal {
        op,
        folder: folder.name.clone(),
        key,
        name,
        created: planned.created,
        changed,
        kept,
        secrets: governed,
        done: BTreeSet::new(),
    };
    journal.write(home)?;
    abort_for_tests(0);
    // From here the edit goes forward: a failure leaves it to be finished, and says so.
    let described = journal.command();
    let mut change = proceed(sigil, folder, journal, Some(values)).map_err(|e| {
        Error::other(
            format!("`{described}` stopped halfway: {e}"),
            Some(
                "it is finished by the next sigil command that opens the store (`sigil list`; `status` and `check` only report it), or by running it again"
                    .into(),
            ),
        )
    })?;
    change.forced = forced;
    Ok(change)
}

/// Carries out a journaled edit, from its start or from where a killed one stopped: writes
/// the folder's recipients file as the edit leaves it, then re-encrypts each secret the
/// journal names and does not mark done, marking it; the journal is removed last. `values`
/// holds what [`edit`] decrypted; a resumed edit (`None`) reads each file again.
/// Every step can be repeated, so a kill at any point leaves work the next run finishes.
fn proceed(
    sigil: &Sigil,
    folder: &Folder,
    mut j: Journal,
    values: Option<BTreeMap<FieldAddress, Secret>>,
) -> Result<Change> {
    let store = sigil.file_store();
    let home = sigil.paths().home();
    let resumed = values.is_none();
    let mut values = values.unwrap_or_default();
    let mine = my_keys(sigil);
    let (planned, ()) = plan(sigil, folder, &mine, |text| {
        j.apply(text);
        Ok(())
    })?;
    if resumed {
        // A writer killed in the middle of the recipients file left its temporary file.
        remove_temporaries(&folder.dir);
    }
    if fs::read_to_string(&planned.own).ok().as_deref() != Some(planned.text.as_str()) {
        fsutil::create_private_dir(&folder.dir)?;
        fsutil::write_atomic(&planned.own, |f| f.write_all(planned.text.as_bytes()))?;
    }
    abort_for_tests(1);
    let pending: Vec<FieldAddress> = (j.secrets.iter())
        .filter(|a| !j.done.contains(*a))
        .cloned()
        .collect();
    // A batch at a time, on a few threads: each file is still written atomically and made
    // durable on its own, and only then is the batch marked done (one append, one sync), so
    // a kill at any point leaves at most one batch to do again.
    for batch in pending.chunks(BATCH) {
        let work: Vec<(&FieldAddress, Option<Secret>)> =
            batch.iter().map(|a| (a, values.remove(a))).collect();
        let written = crate::store::in_parallel(&work, |(addr, value)| match value {
            Some(v) => store.put(addr, v),
            None => match reread(sigil, &j, addr)? {
                Some(v) => store.put(addr, &v),
                None => Ok(()),
            },
        });
        written.into_iter().collect::<Result<Vec<()>>>()?;
        Journal::mark_done(home, batch)?;
        for addr in batch {
            j.done.insert(addr.clone());
            abort_for_tests(1 + j.done.len());
        }
    }
    Journal::remove(home)?;
    Ok(Change {
        op: j.op,
        folder: folder.clone(),
        file: planned.own,
        created: j.created,
        changed: j.changed,
        key: j.key,
        name: j.name,
        reencrypted: j.secrets,
        kept: j.kept,
        recipients: planned.recipients,
        forced: Vec::new(),
    })
}

/// A secret of a resumed edit, read again; `None` when it was deleted since (nothing is left
/// to re-encrypt, though its value is still to rotate).
fn reread(sigil: &Sigil, j: &Journal, addr: &FieldAddress) -> Result<Option<Secret>> {
    let store = sigil.file_store();
    // A writer killed in the middle of this file left its temporary file beside it; under
    // the store lock no write is under way.
    store.remove_leftovers(addr)?;
    if !store.contains(addr)? {
        return Ok(None);
    }
    store.get(addr).map(Some).map_err(|e| {
        Error::other(
            format!(
                "cannot re-encrypt '{addr}' to finish {}: {e}",
                j.described()
            ),
            Some(format!(
                "repair or remove that secret (`sigil rm {addr} --yes`), then run `{}`",
                j.command()
            )),
        )
    })
}

/// Removes the temporary files (`.tmp-*`) directly in `dir`, as a killed write leaves them.
/// Only under the store lock.
fn remove_temporaries(dir: &Path) {
    let Ok(rd) = fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let is_file = e.file_type().is_ok_and(|t| t.is_file());
        if is_file && e.file_name().to_string_lossy().starts_with(".tmp-") {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// How many secrets an edit re-encrypts between two syncs of its journal. A test build's
/// batch is 2, so that the suite's three-secret folders are killed both between batches and
/// inside one.
const BATCH: usize = if cfg!(debug_assertions) { 2 } else { 256 };

/// The journal of an edit in progress, in the home.
const JOURNAL: &str = ".recipients-journal";
/// Its first line.
const JOURNAL_V1: &str = "sigil recipients journal v1";

/// An edit's journal: a header written atomically before anything changes (the edit and
/// every secret it re-encrypts), then a `done ADDRESS` line per secret re-encrypted, appended
/// and synced a batch at a time once the batch's files are durable. It holds no value, only addresses and public keys.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Journal {
    op: Op,
    /// The folder's name (`""` for the store root).
    folder: String,
    key: String,
    name: Option<String>,
    created: bool,
    changed: bool,
    kept: Vec<String>,
    secrets: Vec<FieldAddress>,
    done: BTreeSet<FieldAddress>,
}

fn journal_path(home: &Path) -> PathBuf {
    home.join(JOURNAL)
}

impl Journal {
    fn render(&self) -> String {
        let mut s = format!("{JOURNAL_V1}\nop {}\n", self.op.word());
        s.push_str(&format!("folder {}\nkey {}\n", self.folder, self.key));
        if let Some(n) = &self.name {
            s.push_str(&format!("name {n}\n"));
        }
        if self.created {
            s.push_str("created\n");
        }
        if self.changed {
            s.push_str("changed\n");
        }
        for k in &self.kept {
            s.push_str(&format!("kept {k}\n"));
        }
        for a in &self.secrets {
            s.push_str(&format!("secret {a}\n"));
        }
        for a in &self.done {
            s.push_str(&format!("done {a}\n"));
        }
        s
    }

    fn parse(path: &Path, text: &str) -> Result<Journal> {
        let damaged = |why: &str| {
            Error::other(
                format!(
                    "the recipients journal '{}' is damaged: {why}",
                    path.display()
                ),
                Some(format!(
                    "remove it, then run the `sigil recipients add` or `rm` that was interrupted again: it re-encrypts the whole folder ('{}')",
                    path.display()
                )),
            )
        };
        // Only `done` lines are appended: a kill during one leaves it without its newline.
        let whole = if text.ends_with('\n') {
            text
        } else {
            text.rsplit_once('\n').map_or("", |(w, _)| w)
        };
        let mut lines = whole.lines();
        if lines.next() != Some(JOURNAL_V1) {
            return Err(damaged("it does not start with its format line"));
        }
        let mut j = Journal {
            op: Op::Add,
            folder: String::new(),
            key: String::new(),
            name: None,
            created: false,
            changed: false,
            kept: vec![],
            secrets: vec![],
            done: BTreeSet::new(),
        };
        let addr = |s: &str| {
            s.parse::<FieldAddress>()
                .map_err(|_| damaged("an address does not parse"))
        };
        for line in lines {
            let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
            match word {
                "op" if rest == "rm" => j.op = Op::Remove,
                "op" if rest == "add" => j.op = Op::Add,
                "folder" => j.folder = rest.to_owned(),
                "key" => j.key = parse_key(rest).map_err(|_| damaged("its key does not parse"))?,
                "name" => j.name = Some(rest.to_owned()),
                "created" => j.created = true,
                "changed" => j.changed = true,
                "kept" => j.kept.push(rest.to_owned()),
                "secret" => j.secrets.push(addr(rest)?),
                "done" => {
                    j.done.insert(addr(rest)?);
                }
                _ => return Err(damaged("it has a line sigil did not write")),
            }
        }
        if j.key.is_empty() {
            return Err(damaged("it names no key"));
        }
        Ok(j)
    }

    /// The journal in `home`, if an edit is under way or was interrupted.
    fn load(home: &Path) -> Result<Option<Journal>> {
        let path = journal_path(home);
        match fs::read_to_string(&path) {
            Ok(text) => Journal::parse(&path, &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("cannot read '{}'", path.display()), e)),
        }
    }

    /// Writes the header: atomically, 0600, file and directory synced.
    fn write(&self, home: &Path) -> Result<()> {
        fsutil::create_private_dir(home)?;
        let text = self.render();
        fsutil::write_atomic(&journal_path(home), |f| f.write_all(text.as_bytes()))
    }

    fn mark_done(home: &Path, batch: &[FieldAddress]) -> Result<()> {
        let path = journal_path(home);
        let ctx = |e| Error::io(format!("cannot write '{}'", path.display()), e);
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(ctx)?;
        let lines: String = batch.iter().map(|a| format!("done {a}\n")).collect();
        f.write_all(lines.as_bytes()).map_err(ctx)?;
        f.sync_data().map_err(ctx)
    }

    /// Removing the journal is the end of the edit.
    fn remove(home: &Path) -> Result<()> {
        let path = journal_path(home);
        match fs::remove_file(&path) {
            Ok(()) => {
                let _ = fsutil::sync_dir(home);
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(format!("cannot remove '{}'", path.display()), e)),
        }
    }

    /// Does the edit to a recipients file's text again (nothing when it is done already).
    fn apply(&self, text: &mut Text) {
        match self.op {
            Op::Add => {
                text.add_key(&self.key, self.name.as_deref());
            }
            Op::Remove => {
                text.remove_key(&self.key);
            }
        }
    }

    /// The command that finishes the edit: the one that was interrupted.
    fn command(&self) -> String {
        command(self.op, &self.folder, &self.key, self.name.as_deref())
    }

    fn described(&self) -> String {
        format!("the interrupted `{}`", self.command())
    }
}

/// The command line of an edit: `rm` by name when the key has one, `add` with its name.
fn command(op: Op, folder: &str, key: &str, name: Option<&str>) -> String {
    let mut c = format!("sigil recipients {} ", op.word());
    match (name, op) {
        (Some(n), Op::Remove) => c.push_str(&shell_word(n)),
        _ => c.push_str(key),
    }
    if !folder.is_empty() {
        c.push(' ');
        c.push_str(folder);
    }
    if let (Some(n), Op::Add) = (name, op) {
        c.push_str(" --name ");
        c.push_str(&shell_word(n));
    }
    c
}

/// `word` as one shell word: quoted when it holds anything but letters, digits and `._-@`.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    let word = crate::model::shown::line(word);
    if plain {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Whether an edit's journal is there: one is running, or one was killed (one stat).
pub fn pending(home: &Path) -> bool {
    fs::symlink_metadata(journal_path(home)).is_ok()
}

/// Whether `path` is a journal sigil wrote (for `rm --all --purge-identity`).
pub(crate) fn is_journal(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|t| t.starts_with(JOURNAL_V1))
}

/// Finishes an interrupted edit, waiting for the store lock: what `recipients add`, `rm` and
/// `list` do first. The finished edit, reported as a complete run reports it; `None` when
/// there was none.
pub fn finish(sigil: &Sigil) -> Result<Option<Change>> {
    if !pending(sigil.paths().home()) {
        return Ok(None);
    }
    sigil.file_store().identity()?;
    let _lock = Lock::acquire(&sigil.paths().lock_file())?;
    finish_locked(sigil)
}

/// Finishes an interrupted edit for whichever command opens sigil next, unless the identity
/// cannot be had without asking (a hook never prompts: the error names the command that
/// finishes it). The caller holds the store lock, so no edit is at work (`ops::recover`).
pub fn heal(sigil: &Sigil) -> Result<Option<Change>> {
    let Some(j) = Journal::load(sigil.paths().home())? else {
        return Ok(None);
    };
    let store = sigil.file_store();
    if store.loaded_identity().is_none() && crate::identity::without_asking(sigil.paths()).is_none()
    {
        return Err(Error::other(
            format!(
                "{} is unfinished: finishing it needs the identity, which this command does not ask for; run `{}`",
                j.described(),
                j.command()
            ),
            None,
        ));
    }
    finish_locked(sigil)
}

fn finish_locked(sigil: &Sigil) -> Result<Option<Change>> {
    let Some(j) = Journal::load(sigil.paths().home())? else {
        return Ok(None);
    };
    let folder = Folder::parse(sigil, Some(&j.folder))?;
    proceed(sigil, &folder, j, None).map(Some)
}

/// What a command that finished an interrupted edit prints on stderr: the report of a
/// complete run, the values to rotate included (on stderr too: stdout is the command's own).
pub fn healed_report(c: &Change) -> String {
    let command = command(c.op, &c.folder.name, &c.key, c.name.as_deref());
    let mut s = format!("finished the interrupted `{command}`\n");
    for line in c.summary() {
        s.push_str(&line);
        s.push('\n');
    }
    if let Some((warning, list)) = c.to_rotate() {
        s.push_str(&warning);
        s.push('\n');
        s.push_str(&list);
    }
    s
}

/// An unfinished edit as `sigil status` and `sigil check` report it.
#[derive(Debug, Clone)]
pub struct Unfinished {
    /// The recipients file of the folder concerned (or the journal, when it is damaged).
    pub subject: String,
    /// What is wrong.
    pub message: String,
    /// The command that finishes it.
    pub fix: String,
}

/// The interrupted edit, if there is one; read from the journal alone (no identity, no lock).
pub fn unfinished(sigil: &Sigil) -> Option<Unfinished> {
    let home = sigil.paths().home();
    if !pending(home) {
        return None;
    }
    let damaged = |e: Error| Unfinished {
        subject: journal_path(home).display().to_string(),
        message: e.to_string(),
        fix: e.help().unwrap_or_default(),
    };
    let (j, folder) = match Journal::load(home) {
        Ok(Some(j)) => match Folder::parse(sigil, Some(&j.folder)) {
            Ok(f) => (j, f),
            Err(e) => return Some(damaged(e)),
        },
        Ok(None) => return None,
        Err(e) => return Some(damaged(e)),
    };
    let left = j.secrets.iter().filter(|a| !j.done.contains(a)).count();
    let who = who(&j.key, j.name.as_deref());
    let what = match (j.op, j.changed) {
        (Op::Remove, true) if left > 0 => {
            format!("; {who} may still open them, and the values to rotate have not been listed")
        }
        (Op::Remove, true) => "; the values to rotate have not been listed".to_owned(),
        (Op::Add, true) if left > 0 => format!("; {who} cannot open them yet"),
        _ => String::new(),
    };
    Some(Unfinished {
        subject: folder.own_file().display().to_string(),
        message: format!(
            "`{}` was interrupted with {left} of {} of {} still to re-encrypt{what}",
            j.command(),
            secrets(j.secrets.len()),
            folder.shown()
        ),
        fix: j.command(),
    })
}

/// Step N of an edit is on disk (0: the journal; 1: the recipients file; 1+k: k secrets
/// re-encrypted): the tests kill it there, like a `kill -9`, with
/// `SIGIL_TEST_FAULT=@recipients#N+1:kill` ([`fsutil::point`]), to show that an edit killed
/// at any step is finished.
fn abort_for_tests(_step: usize) {
    let _ = fsutil::point("recipients");
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
    use age::x25519;

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

    #[test]
    fn a_key_is_removed_with_its_name_everywhere_and_added_once() {
        let mut t = Text::new(&format!(
            "{HEADER}\nage1me\n# name: alice\nage1alice\nage1bob\nage1alice\n"
        ));
        assert_eq!(t.remove_key("age1alice"), Some(Some("alice".into())));
        assert_eq!(t.render(), format!("{HEADER}\nage1me\nage1bob\n"));
        // Again: nothing to do (a resumed edit repeats this step).
        assert_eq!(t.remove_key("age1alice"), None);
        assert!(t.add_key("age1carol", Some("carol")));
        assert!(!t.add_key("age1carol", Some("carol")));
        assert_eq!(
            t.render(),
            format!("{HEADER}\nage1me\nage1bob\n# name: carol\nage1carol\n")
        );
    }

    #[test]
    fn journal_round_trip_and_a_torn_last_line() {
        let key = x25519::Identity::generate().to_public().to_string();
        let j = Journal {
            op: Op::Remove,
            folder: "team".into(),
            key: key.clone(),
            name: Some("alice smith".into()),
            created: true,
            changed: true,
            kept: vec!["team/db".into()],
            secrets: vec![
                "team/a/api_key".parse().unwrap(),
                "team/b/x".parse().unwrap(),
            ],
            done: BTreeSet::from(["team/a/api_key".parse().unwrap()]),
        };
        let p = Path::new("/h/.recipients-journal");
        let text = j.render();
        assert_eq!(Journal::parse(p, &text).unwrap(), j);
        // A kill in the middle of appending `done team/b/x` leaves a line without its end.
        let torn = format!("{text}done team/b");
        assert_eq!(Journal::parse(p, &torn).unwrap(), j);
        assert_eq!(j.command(), "sigil recipients rm 'alice smith' team");
        let add = Journal {
            op: Op::Add,
            folder: String::new(),
            name: Some("bob".into()),
            ..j
        };
        assert_eq!(
            add.command(),
            format!("sigil recipients add {key} --name bob")
        );
        let err = Journal::parse(p, "sigil recipients journal v1\nop rm\nrm -rf /\n").unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
    }
}
