//! The change journal: an `add`, `rm`, `mv` or `cp` of file-store secrets killed between its
//! secret files and its metadata is taken back, or finished, by whichever command comes next.
//! (A move names its source files as well as its destination files: taken back, the sources
//! return from their kept links and the destinations go.)
//!
//! A change to secrets and their metadata is two kinds of file: the secrets (each replaced
//! or removed by one rename or unlink, the old file kept by a hard link first, see
//! [`Kept`]) and the metadata file (replaced by one rename). An error between them is
//! undone on the spot; a kill is not, so before the first secret changes the command writes
//! `<home>/.change-journal`: every secret file it will touch with its kept link, and what
//! the metadata file is now (inode, size, modification time). The next process to open the
//! home, holding the store lock, reads it:
//!
//! - the metadata file is no longer the one recorded: it was written, the change is
//!   complete, and only the kept links are left to remove (forward);
//! - it is the same file: the metadata was not written, so every secret goes back to its
//!   kept link, and a secret that did not exist before is removed (back).
//!
//! Either way the journal goes last. It holds paths only, never a value.

use super::Kept;
use crate::fsutil;
use crate::model::error::Error;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The journal's file name in `<home>`.
pub const FILE: &str = ".change-journal";

/// What a file is, for telling whether it was replaced since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    ino: u64,
    size: u64,
    mtime_ns: i128,
}

impl Stamp {
    fn of(path: &Path) -> io::Result<Option<Stamp>> {
        match fs::metadata(path) {
            Ok(m) => Ok(Some(Stamp {
                ino: m.ino(),
                size: m.size(),
                mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
            })),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// One secret file the change touches, and where its old content is kept (`None`: it did
/// not exist).
#[derive(Debug, Serialize, Deserialize)]
struct Touched {
    path: PathBuf,
    saved: Option<PathBuf>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    metadata: PathBuf,
    before: Option<Stamp>,
    files: Vec<Touched>,
}

/// A change in progress; [`Journal::end`] removes its journal once the change is complete
/// or undone.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
}

impl Journal {
    /// Writes the journal for a change of the `kept` secret files and then of `metadata`.
    /// Called under the store lock, after the files were kept and before any changes.
    pub(crate) fn begin<'a>(
        home: &Path,
        metadata: &Path,
        kept: impl IntoIterator<Item = &'a Kept>,
    ) -> Result<Journal, Error> {
        let ctx = |e: io::Error| Error::io(format!("cannot stat '{}'", metadata.display()), e);
        let record = Record {
            metadata: metadata.to_owned(),
            before: Stamp::of(metadata).map_err(ctx)?,
            files: kept
                .into_iter()
                .map(|k| Touched {
                    path: k.path().to_owned(),
                    saved: k.saved().map(Path::to_owned),
                })
                .collect(),
        };
        let json = serde_json::to_vec(&record)
            .map_err(|e| Error::other(format!("cannot encode the change journal: {e}"), None))?;
        let path = home.join(FILE);
        fsutil::write_atomic(&path, |f| f.write_all(&json))?;
        Ok(Journal { path })
    }

    /// The change is complete or undone: the journal goes.
    pub(crate) fn end(self) {
        let _ = fs::remove_file(&self.path);
        if let Some(dir) = self.path.parent() {
            let _ = fsutil::sync_dir(dir);
        }
    }
}

/// Whether a change journal is waiting (one stat).
pub fn pending(home: &Path) -> bool {
    home.join(FILE).exists()
}

/// What [`heal`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Healed {
    /// The metadata had been written: the change was finished.
    Finished,
    /// It had not: the secrets were put back as they were.
    TakenBack,
}

/// Finishes or takes back an interrupted change. The caller holds the store lock, so the
/// process that wrote the journal is gone. A journal that cannot be read (cut short by a
/// crash while it was written, before any change) is removed.
pub fn heal(home: &Path) -> Result<Option<Healed>, Error> {
    let path = home.join(FILE);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("cannot read '{}'", path.display()), e)),
    };
    let Ok(record) = serde_json::from_slice::<Record>(&bytes) else {
        Journal { path }.end();
        return Ok(None);
    };
    // Only files inside the home are touched, whatever a planted journal says.
    let inside = |p: &Path| p.starts_with(home) && !p.components().any(|c| c.as_os_str() == "..");
    if !record
        .files
        .iter()
        .all(|t| inside(&t.path) && t.saved.as_deref().is_none_or(inside))
    {
        return Err(Error::other(
            format!("'{}' names files outside the home", path.display()),
            Some("remove it by hand after checking the store".into()),
        ));
    }
    let now = Stamp::of(&record.metadata)
        .map_err(|e| Error::io(format!("cannot stat '{}'", record.metadata.display()), e))?;
    let written = now != record.before;
    for t in record.files {
        let kept = Kept::from_parts(t.path, t.saved);
        if written { kept.done() } else { kept.undo() }
    }
    Journal { path }.end();
    Ok(Some(if written {
        Healed::Finished
    } else {
        Healed::TakenBack
    }))
}
