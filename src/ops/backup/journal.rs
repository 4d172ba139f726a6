//! The journal of a restore in progress: what to undo, written before the first write, and
//! the undo itself, run at once for a failure and by the next command for a kill.

use super::read_optional;
use crate::Sigil;
use crate::fsutil::{self, Lock};
use crate::model::address::FieldAddress;
use crate::model::error::{Error, Result};
use crate::model::secret::Secret;
use crate::store::backend::BackendKind;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// The journal of a restore in progress, in the home.
pub(super) const JOURNAL: &str = ".restore-journal.json";
/// Where a restore keeps the values it overwrites (age files, to the identity).
pub(super) const UNDO_DIR: &str = ".restore-undo";

/// How to undo a restore (no secret in it: overwritten values are in [`UNDO_DIR`]).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct JournalFile {
    /// accounts.toml before the restore; `None` when there was none.
    pub(super) accounts: Option<String>,
    /// Whether the restore writes config.toml.
    pub(super) config: bool,
    /// The config.toml it replaces, to put back on undo; `None` when there was none.
    #[serde(default)]
    pub(super) old_config: Option<String>,
    /// Every secret the restore writes.
    pub(super) writes: Vec<JournalWrite>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct JournalWrite {
    pub(super) address: String,
    pub(super) backend: String,
    /// The file in [`UNDO_DIR`] holding the value it replaces; `None` for a new secret.
    pub(super) undo: Option<String>,
}

/// Undoes a restore from its journal: new secrets deleted, overwritten ones put back,
/// config.toml as it was, accounts.toml as it was. Every step is tried; the first error
/// is returned.
pub(super) fn undo_journal(sigil: &Sigil, j: &JournalFile) -> Result<()> {
    let paths = sigil.paths();
    let undo_dir = paths.home().join(UNDO_DIR);
    let mut first: Option<Error> = None;
    if j.config {
        let back = match &j.old_config {
            Some(text) => {
                fsutil::write_atomic(&paths.config_file(), |f| f.write_all(text.as_bytes()))
            }
            None => match fs::remove_file(paths.config_file()) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    Err(Error::io("cannot remove the restored config.toml", e))
                }
                _ => Ok(()),
            },
        };
        if let Err(e) = back {
            first.get_or_insert(e);
        }
    }
    for w in j.writes.iter().rev() {
        let step = (|| -> Result<()> {
            let addr: FieldAddress = w.address.parse()?;
            let kind: BackendKind = w.backend.parse()?;
            let store = sigil.store_of(kind)?;
            if kind == BackendKind::File {
                // A writer killed mid-file leaves its temporary file beside the secret.
                sigil.file_store().remove_leftovers(&addr)?;
            }
            match &w.undo {
                Some(name) => store.put(&addr, &load_encrypted(sigil, &undo_dir.join(name))?),
                None => store.delete(&addr).map(|_| ()),
            }
        })();
        if let Err(e) = step {
            first.get_or_insert(e);
        }
    }
    let accounts = paths.accounts();
    let meta = match &j.accounts {
        Some(text) => fsutil::write_atomic(&accounts, |f| f.write_all(text.as_bytes())),
        None => match fs::remove_file(&accounts) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::io(
                format!("cannot remove '{}'", accounts.display()),
                e,
            )),
            _ => Ok(()),
        },
    };
    if let Err(e) = meta {
        first.get_or_insert(e);
    }
    first.map_or(Ok(()), Err)
}

/// Ends a restore: the journal goes first (the commit), then the saved values.
pub(super) fn finish_journal(home: &Path) -> Result<()> {
    let p = home.join(JOURNAL);
    match fs::remove_file(&p) {
        Ok(()) => {
            let _ = fsutil::sync_dir(home);
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(format!("cannot remove '{}'", p.display()), e)),
    }
    let _ = fs::remove_dir_all(home.join(UNDO_DIR));
    Ok(())
}

/// What a command says when it undid an interrupted restore.
pub const HEALED: &str =
    "undid a restore that had been interrupted, leaving the store as it was before it";

/// Whether a restore's journal is there: one is running, or one was killed (one stat).
pub fn pending(home: &Path) -> bool {
    fs::symlink_metadata(home.join(JOURNAL)).is_ok()
}

/// Undoes a restore that was killed half-way, for whichever command comes next, as for an
/// interrupted migration. The caller holds the store lock, so no restore is running
/// (`ops::recover`). Returns whether it undid one.
pub fn heal(sigil: &Sigil) -> Result<bool> {
    recover_locked(sigil)
}

/// Undoes a restore that was killed half-way, if its journal is there (under the store
/// lock). Returns whether it found one. `restore` does this first by itself.
pub fn recover(sigil: &Sigil) -> Result<bool> {
    if !sigil.paths().home().join(JOURNAL).exists() {
        return Ok(false);
    }
    let _lock = Lock::acquire(&sigil.paths().lock_file())?;
    recover_locked(sigil)
}

pub(super) fn recover_locked(sigil: &Sigil) -> Result<bool> {
    let home = sigil.paths().home();
    let p = home.join(JOURNAL);
    let Some(bytes) = read_optional(&p)? else {
        return Ok(false);
    };
    let j: JournalFile = serde_json::from_slice(&bytes).map_err(|e| {
        Error::other(
            format!("the restore journal '{}' is unreadable: {e}", p.display()),
            Some("an interrupted restore could not be undone; check the store, then remove the journal".into()),
        )
    })?;
    undo_journal(sigil, &j)?;
    finish_journal(home)?;
    Ok(true)
}

pub(super) fn save_encrypted(
    path: &Path,
    secret: &Secret,
    recipients: &[crate::crypto::Recipient],
) -> Result<()> {
    crate::crypto::write_file(path, recipients, secret.expose())
}

fn load_encrypted(sigil: &Sigil, path: &Path) -> Result<Secret> {
    let mut out = sigil.file_store().read_kept(path)?;
    Ok(Secret::new(std::mem::take(&mut *out)))
}
