//! A migration's journal under `<home>/migrations/<id>/`: what it changed and the encrypted
//! copies an undo needs; listing migrations, rolling one back, and healing one that was
//! interrupted.

use super::apply::{undo, undo_keeping};
use super::{DIR, Format, PENDING};
use crate::Sigil;
use crate::fsutil;
use crate::model::address::FieldAddress;
use crate::model::error::json_kind;
use crate::model::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The state of a migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Running, or interrupted (then `.pending` names it).
    Applying,
    /// Finished.
    Done,
    /// Undone by `--rollback`.
    RolledBack,
    /// Failed and undone by itself.
    Failed,
}

/// A source as the journal keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Its absolute path.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// SHA-256 of the original bytes.
    pub sha256: String,
    /// SHA-256 of what the migration wrote.
    pub new_sha256: String,
    /// Permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// The encrypted original, inside the migration's directory.
    pub original: String,
    /// How many entries were moved.
    pub entries: usize,
}

/// A credential as the journal keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecretRecord {
    /// `service/account/field`.
    pub address: String,
    /// The encrypted value it replaced (`--on-conflict overwrite`), to restore on rollback.
    pub previous: Option<String>,
}

/// `<home>/migrations/<id>/journal.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    /// The id (also the directory name).
    pub id: String,
    /// When it started (RFC 3339).
    pub created: String,
    /// Where it is.
    pub state: State,
    /// The sources it rewrote.
    pub sources: Vec<SourceRecord>,
    /// The credentials it created or replaced.
    pub secrets: Vec<SecretRecord>,
    /// The other password managers' stores and exports it imported from: read only, never
    /// changed, so nothing of them is kept or restored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imported: Vec<PathBuf>,
    /// A move between backends: `[from, to]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backends: Option<[String; 2]>,
    /// The credentials moved between backends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved: Vec<String>,
    /// The encrypted file of the values stored, so that a rollback can tell a credential
    /// changed since (rotated) from the one it stored, and keep it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<String>,
}

pub(super) fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn root(sigil: &Sigil) -> PathBuf {
    sigil.paths().home().join(DIR)
}

fn journal_path(sigil: &Sigil, id: &str) -> PathBuf {
    root(sigil).join(id).join("journal.json")
}

pub(super) fn save_journal(sigil: &Sigil, j: &Journal) -> Result<()> {
    let text = serde_json::to_vec_pretty(j).expect("a journal serializes");
    fsutil::write_atomic(&journal_path(sigil, &j.id), |f| f.write_all(&text))
}

/// Reads a migration's journal.
pub fn load_journal(sigil: &Sigil, id: &str) -> Result<Journal> {
    let p = journal_path(sigil, id);
    let bytes =
        crate::fsutil::read_capped(&p, crate::fsutil::Input::Metadata).map_err(|e| {
            match e.kind() {
                std::io::ErrorKind::NotFound => Error::NotFound {
                    message: format!("migration '{id}' not found"),
                    help: Some("`sigil migrate --list` shows the migrations".into()),
                },
                _ => Error::io(format!("cannot read '{}'", p.display()), e),
            }
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::other(
            format!(
                "'{}' is damaged at line {}, column {}: {}",
                p.display(),
                e.line(),
                e.column(),
                json_kind(&e)
            ),
            None,
        )
    })
}

/// Every migration, oldest first.
pub fn list(sigil: &Sigil) -> Result<Vec<Journal>> {
    let mut out = Vec::new();
    let Ok(rd) = fs::read_dir(root(sigil)) else {
        return Ok(out);
    };
    let mut ids: Vec<String> = rd
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    ids.sort();
    for id in ids {
        if let Ok(j) = load_journal(sigil, &id) {
            out.push(j);
        }
    }
    Ok(out)
}

/// A migration's kept file (an original, an overwritten value), encrypted to the identity.
pub(super) fn encrypt_to(sigil: &Sigil, path: &Path, bytes: &[u8]) -> Result<()> {
    crate::crypto::write_file(path, &sigil.file_store().identity()?.recipients(), bytes)
}

pub(super) fn decrypt(sigil: &Sigil, path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    sigil.file_store().read_kept(path)
}

fn new_id(sigil: &Sigil) -> String {
    let now = time::OffsetDateTime::now_utc();
    let base = format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let mut id = base.clone();
    let mut n = 1;
    while root(sigil).join(&id).exists() {
        n += 1;
        id = format!("{base}-{n}");
    }
    id
}

/// Starts a migration, under the migrations lock: its directory, its journal (in memory
/// until the caller saves it) and `.pending` naming it, so that from here on the next sigil
/// undoes whatever an interruption leaves. A file migration and a move between backends start
/// alike; only a move has `backends` and `moved`.
pub(super) fn begin(
    sigil: &Sigil,
    backends: Option<[String; 2]>,
    moved: Vec<String>,
) -> Result<Journal> {
    let id = new_id(sigil);
    fsutil::create_private_dir(&root(sigil).join(&id))?;
    let journal = Journal {
        id: id.clone(),
        created: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        state: State::Applying,
        sources: vec![],
        secrets: vec![],
        imported: vec![],
        backends,
        moved,
        values: None,
    };
    fsutil::write_atomic(&root(sigil).join(PENDING), |f| f.write_all(id.as_bytes()))?;
    Ok(journal)
}

/// The migrations lock: one apply, rollback or heal at a time. Separate from the store lock,
/// which `put` and `delete` take themselves.
pub(super) fn lock(sigil: &Sigil) -> Result<fsutil::Lock> {
    fsutil::Lock::acquire(&lock_file(sigil.paths()))
}

/// The migrations lock's file, `<home>/migrations/.lock`: held by a migration from before
/// `.pending` names it until it is removed. Like every lock file it is opened by
/// `fsutil::Lock`, so created 0600 whatever the umask.
pub fn lock_file(paths: &crate::model::paths::Paths) -> PathBuf {
    paths.home().join(DIR).join(".lock")
}

pub(super) fn remove_pending(sigil: &Sigil) {
    let _ = fs::remove_file(root(sigil).join(PENDING));
    let _ = fsutil::sync_dir(&root(sigil));
}

/// `sigil migrate --rollback`: undoes a finished migration (the latest by default). A source
/// changed since is refused unless `force`, and then kept beside as `<name>.sigil-<id>`.
pub fn rollback(sigil: &Sigil, id: Option<&str>, force: bool) -> Result<Journal> {
    crate::audit::ready(sigil)?;
    let _lock = lock(sigil)?;
    let mut j = match id {
        Some(id) => load_journal(sigil, id)?,
        None => list(sigil)?
            .into_iter()
            .rev()
            .find(|j| j.state == State::Done)
            .ok_or_else(|| Error::NotFound {
                message: "no migration to roll back".into(),
                help: Some("`sigil migrate --list` shows the migrations".into()),
            })?,
    };
    match j.state {
        State::Done => {}
        State::RolledBack | State::Failed => {
            return Err(Error::UsageHelp {
                message: format!("migration '{}' was already rolled back", j.id),
                help: "`sigil migrate --list` shows the migrations".into(),
            });
        }
        State::Applying => {
            return Err(Error::other(
                format!("migration '{}' is still running", j.id),
                None,
            ));
        }
    }
    if !force {
        for rec in &j.sources {
            let cur = fs::read(&rec.path).ok().map(|b| sha256(&b));
            if cur.as_deref() != Some(rec.new_sha256.as_str())
                && cur.as_deref() != Some(rec.sha256.as_str())
            {
                return Err(Error::other(
                    format!(
                        "'{}' changed since migration '{}'",
                        rec.path.display(),
                        j.id
                    ),
                    Some(
                        "nothing was changed; pass --force to restore it anyway (the current \
                         version is kept beside it)"
                            .into(),
                    ),
                ));
            }
        }
    }
    let changed = changed_since(sigil, &j)?;
    if let Some(a) = changed.iter().next()
        && !force
    {
        return Err(Error::other(
            format!("'{a}' changed since migration '{}'", j.id),
            Some(
                "nothing was changed; pass --force to roll back anyway (changed credentials are \
                 kept)"
                    .into(),
            ),
        ));
    }
    undo_keeping(sigil, &mut j, State::RolledBack, &changed)?;
    Ok(j)
}

/// The credentials a migration stored whose value is no longer the one it stored.
fn changed_since(sigil: &Sigil, j: &Journal) -> Result<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    let Some(name) = &j.values else {
        return Ok(out);
    };
    let text = decrypt(sigil, &root(sigil).join(&j.id).join(name))?;
    let values: std::collections::BTreeMap<String, String> = serde_json::from_slice(&text)
        .map_err(|e| {
            Error::other(
                format!(
                    "the values of migration '{}' are damaged: {}",
                    j.id,
                    json_kind(&e)
                ),
                None,
            )
        })?;
    for (addr, v) in values.iter() {
        let a: FieldAddress = addr.parse()?;
        match sigil.peek(&a) {
            Ok(now) if now.expose() != v.as_bytes() => {
                out.insert(addr.clone());
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Whether an interrupted migration waits to be undone: one `stat`, cheap enough for every
/// command that opens the store.
pub fn pending(home: &Path) -> bool {
    fs::symlink_metadata(home.join(DIR).join(PENDING)).is_ok()
}

/// Completes the rollback of an interrupted migration. Returns its id when it undid one;
/// `None` when there was none. The caller holds the migrations lock ([`lock_file`]), so no
/// migration is running (`ops::recover`).
pub fn heal(sigil: &Sigil) -> Result<Option<String>> {
    let Ok(id) = fs::read_to_string(root(sigil).join(PENDING)) else {
        return Ok(None);
    };
    let id = id.trim().to_owned();
    match load_journal(sigil, &id) {
        Ok(mut j) if j.state == State::Applying => undo(sigil, &mut j, State::Failed)?,
        Ok(_) => {}
        // Killed before the journal was written: nothing had changed yet.
        Err(e) if e.class() == crate::model::error::ExitClass::NotFound => {}
        Err(e) => return Err(e),
    }
    remove_pending(sigil);
    Ok(Some(id))
}
