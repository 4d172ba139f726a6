//! Healing what an interrupted command left behind: one [`Journal`] abstraction for the five
//! kinds of interrupted work, one locking rule for all of them ([`heal_all`]), and what was
//! healed returned as [`Outcome`]s, which [`tell`] turns into notices in one place.
//!
//! A command that changes the store in several steps writes a journal first, so that a kill
//! between the steps is finished or undone by whichever command opens the home next:
//!
//! | kind | journal | its owner's lock | healed by |
//! | --- | --- | --- | --- |
//! | [`Kind::Change`] (add, rm, import, mv, cp) | `<home>/.change-journal` | the store lock | taking the secrets back, or finishing |
//! | [`Kind::Rotation`] (`sigil rekey`) | `<home>/rekey/journal` | the store lock | finishing (rolling back before `ready`) |
//! | [`Kind::Migration`] (`sigil migrate`) | `<home>/migrations/.pending` | the migrations lock | undoing it |
//! | [`Kind::Restore`] (`sigil backup restore`) | `<home>/.restore-journal.json` | the store lock | undoing it |
//! | [`Kind::Recipients`] (`sigil recipients add`/`rm`) | `<home>/.recipients-journal` | the store lock | finishing it |
//!
//! **The rule.** Whether a journal is there costs one `stat`, so every command asks. A
//! journal is healed only under its owner's lock: the lock the command that writes it holds
//! from before the journal is written until after it is removed. Holding that lock proves
//! the writer is gone (a killed process's lock is released by the kernel), so a journal is
//! never healed under a live command's feet. The lock is taken without waiting: when it is
//! held, its owner (or another command healing it) is at work, and the journal is left to
//! them. The one exception is declared by the kind ([`Journal::readers_wait`]): a key
//! rotation re-encrypts the files one at a time, so while one runs the store holds files
//! for two different keys, and a command that went ahead would read half-rotated state. A
//! command that finds a rotation's journal therefore waits for the store lock (only while a
//! rotation runs: a dead one's lock is free), then finishes what is left. The rotation is
//! healed right after the change journal and before the kinds that decrypt what they undo
//! (migrations and restores keep encrypted copies, which a rotation re-encrypts too), so
//! that those never read a rotation in progress either.

use crate::Sigil;
use crate::fsutil::Lock;
use crate::model::error::Result;
use crate::model::notice;
use crate::model::paths::Paths;
use crate::ops::{backup, migrate, recipients, rekey};
use crate::store;
use std::path::PathBuf;

/// The kinds of interrupted work, in the order [`heal_all`] heals them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An add, rm, import, mv or cp of secrets and their metadata (`store::change`).
    Change,
    /// A key rotation (`ops::rekey`).
    Rotation,
    /// A migration of files or between backends (`ops::migrate`).
    Migration,
    /// A restore of a backup (`ops::backup`).
    Restore,
    /// An edit of a folder's recipients (`ops::recipients`).
    Recipients,
}

impl Kind {
    /// Every kind, in the order they are healed.
    pub const ALL: [Kind; 5] = [
        Kind::Change,
        Kind::Rotation,
        Kind::Migration,
        Kind::Restore,
        Kind::Recipients,
    ];
}

/// What healing one journal did.
#[derive(Debug, Clone)]
pub enum Healed {
    /// A change's metadata had been written: the change was finished (its kept files
    /// removed). Nothing a user needs to hear.
    ChangeFinished,
    /// A change's metadata had not been written: its secrets were taken back.
    ChangeTakenBack,
    /// A key rotation killed before it was ready was forgotten (nothing had changed).
    RotationRolledBack,
    /// A key rotation was finished.
    RotationFinished,
    /// The migration with this id was undone.
    MigrationUndone(String),
    /// A restore was undone.
    RestoreUndone,
    /// An edit of a folder's recipients was finished, with the report a complete run gives.
    RecipientsFinished(recipients::Change),
}

impl Healed {
    /// What a user is told, if anything.
    pub fn text(&self) -> Option<String> {
        match self {
            Healed::ChangeFinished => None,
            Healed::ChangeTakenBack => {
                Some("took back a change to the store that was interrupted".into())
            }
            Healed::RotationRolledBack => Some("rolled back the interrupted key rotation".into()),
            Healed::RotationFinished => Some("finished the interrupted key rotation".into()),
            Healed::MigrationUndone(id) => Some(format!("undid the interrupted migration '{id}'")),
            Healed::RestoreUndone => Some(backup::HEALED.into()),
            Healed::RecipientsFinished(change) => {
                Some(recipients::healed_report(change).trim_end().to_owned())
            }
        }
    }
}

/// One journal that was found and healed, or that could not be healed yet.
#[derive(Debug)]
pub struct Outcome {
    /// Its kind.
    pub kind: Kind,
    /// What was done, or why it could not be.
    pub result: Result<Healed>,
}

impl Outcome {
    /// The notice it makes, if any: a note for what was healed, a warning for a journal that
    /// could not be healed yet.
    pub fn notice(&self) -> Option<notice::Notice> {
        let (level, text) = match &self.result {
            Ok(healed) => (notice::Level::Note, healed.text()?),
            Err(e) => (
                notice::Level::Warning,
                format!("{}: {e}", journal(self.kind).cannot()),
            ),
        };
        Some(notice::Notice { level, text })
    }
}

/// One kind of interrupted work: where its journal is, whose lock guards it, and how it is
/// healed once that lock is held.
pub trait Journal: Sync {
    /// Its kind.
    fn kind(&self) -> Kind;

    /// Whether its journal is there (one `stat`).
    fn pending(&self, paths: &Paths) -> bool;

    /// The lock its owner holds from before the journal is written until it is removed.
    fn lock(&self, paths: &Paths) -> PathBuf {
        paths.lock_file()
    }

    /// Whether a command that finds the journal while its owner is at work waits for the
    /// owner instead of leaving the journal to it: the state the owner is changing is not
    /// safe to read meanwhile.
    fn readers_wait(&self) -> bool {
        false
    }

    /// Heals it, holding [`Journal::lock`]; `None` when there was nothing left to do.
    fn heal(&self, sigil: &Sigil) -> Result<Option<Healed>>;

    /// The start of the warning for a journal that cannot be healed yet.
    fn cannot(&self) -> &'static str;
}

struct ChangeJournal;
struct RotationJournal;
struct MigrationJournal;
struct RestoreJournal;
struct RecipientsJournal;

impl Journal for ChangeJournal {
    fn kind(&self) -> Kind {
        Kind::Change
    }
    fn pending(&self, paths: &Paths) -> bool {
        store::change::pending(paths.home())
    }
    fn heal(&self, sigil: &Sigil) -> Result<Option<Healed>> {
        Ok(
            store::change::heal(sigil.paths().home())?.map(|healed| match healed {
                store::change::Healed::Finished => Healed::ChangeFinished,
                store::change::Healed::TakenBack => Healed::ChangeTakenBack,
            }),
        )
    }
    fn cannot(&self) -> &'static str {
        "cannot take back the interrupted change yet"
    }
}

impl Journal for RotationJournal {
    fn kind(&self) -> Kind {
        Kind::Rotation
    }
    fn pending(&self, paths: &Paths) -> bool {
        rekey::pending(paths)
    }
    fn readers_wait(&self) -> bool {
        true
    }
    fn heal(&self, sigil: &Sigil) -> Result<Option<Healed>> {
        Ok(rekey::heal(sigil.paths())?.map(|healed| match healed {
            rekey::Healed::RolledBack => Healed::RotationRolledBack,
            rekey::Healed::Finished => Healed::RotationFinished,
        }))
    }
    fn cannot(&self) -> &'static str {
        "cannot finish the interrupted key rotation yet"
    }
}

impl Journal for MigrationJournal {
    fn kind(&self) -> Kind {
        Kind::Migration
    }
    fn pending(&self, paths: &Paths) -> bool {
        migrate::pending(paths.home())
    }
    fn lock(&self, paths: &Paths) -> PathBuf {
        migrate::lock_file(paths)
    }
    fn heal(&self, sigil: &Sigil) -> Result<Option<Healed>> {
        Ok(migrate::heal(sigil)?.map(Healed::MigrationUndone))
    }
    fn cannot(&self) -> &'static str {
        "cannot undo the interrupted migration yet"
    }
}

impl Journal for RestoreJournal {
    fn kind(&self) -> Kind {
        Kind::Restore
    }
    fn pending(&self, paths: &Paths) -> bool {
        backup::pending(paths.home())
    }
    fn heal(&self, sigil: &Sigil) -> Result<Option<Healed>> {
        Ok(backup::heal(sigil)?.then_some(Healed::RestoreUndone))
    }
    fn cannot(&self) -> &'static str {
        "cannot undo the interrupted restore yet"
    }
}

impl Journal for RecipientsJournal {
    fn kind(&self) -> Kind {
        Kind::Recipients
    }
    fn pending(&self, paths: &Paths) -> bool {
        recipients::pending(paths.home())
    }
    fn heal(&self, sigil: &Sigil) -> Result<Option<Healed>> {
        Ok(recipients::heal(sigil)?.map(Healed::RecipientsFinished))
    }
    fn cannot(&self) -> &'static str {
        "cannot finish the interrupted edit of a folder's recipients yet"
    }
}

/// Every kind's journal, in the order of [`Kind::ALL`].
const JOURNALS: [&dyn Journal; 5] = [
    &ChangeJournal,
    &RotationJournal,
    &MigrationJournal,
    &RestoreJournal,
    &RecipientsJournal,
];

/// The journal of a kind.
pub fn journal(kind: Kind) -> &'static dyn Journal {
    JOURNALS
        .into_iter()
        .find(|j| j.kind() == kind)
        .expect("every kind has a journal")
}

/// Heals every journal of the `kinds` asked for that is there, by the rule in the module
/// doc, in the order of [`Kind::ALL`]. Returns what it found: what was healed, and what could
/// not be yet; a journal left to its live owner, or with nothing left to do, is not in it.
pub fn heal_all(sigil: &Sigil, kinds: &[Kind]) -> Vec<Outcome> {
    let mut out = Vec::new();
    for j in JOURNALS {
        if !kinds.contains(&j.kind()) || !j.pending(sigil.paths()) {
            continue;
        }
        let lock = j.lock(sigil.paths());
        let held = if j.readers_wait() {
            Lock::acquire(&lock).map(Some)
        } else {
            Lock::try_acquire(&lock)
        };
        let result = match held {
            // Its owner is at work: the journal is theirs.
            Ok(None) => continue,
            Ok(Some(_lock)) => j.heal(sigil),
            Err(e) => Err(e),
        };
        match result {
            Ok(None) => {}
            Ok(Some(healed)) => out.push(Outcome {
                kind: j.kind(),
                result: Ok(healed),
            }),
            Err(e) => out.push(Outcome {
                kind: j.kind(),
                result: Err(e),
            }),
        }
    }
    out
}

/// Tells the caller what was healed ([`notice`]): the one place outcomes become notices.
pub fn tell(outcomes: &[Outcome]) {
    for n in outcomes.iter().filter_map(Outcome::notice) {
        notice::emit(n.level, n.text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn opened(dir: &std::path::Path) -> Sigil {
        Sigil::builder()
            .home(dir.join("home"))
            .memory()
            .open()
            .unwrap()
    }

    /// What a restore killed before its first write leaves: a journal with nothing to undo.
    fn restore_journal(sigil: &Sigil) -> PathBuf {
        let p = sigil.paths().home().join(".restore-journal.json");
        std::fs::create_dir_all(sigil.paths().home()).unwrap();
        std::fs::write(&p, r#"{"accounts":null,"config":false,"writes":[]}"#).unwrap();
        p
    }

    #[test]
    fn a_journal_whose_owner_is_at_work_is_left_to_it() {
        let d = tempfile::tempdir().unwrap();
        let sigil = opened(d.path());
        let journal = restore_journal(&sigil);
        // The owner holds the store lock (a lock is per open file, so this one counts as
        // another process's).
        let owner = Lock::acquire(&sigil.paths().lock_file()).unwrap();
        assert!(heal_all(&sigil, &Kind::ALL).is_empty());
        assert!(journal.exists());
        // Its owner gone, the next command heals it and says what it did.
        drop(owner);
        let out = heal_all(&sigil, &Kind::ALL);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].kind, Kind::Restore);
        let n = out[0].notice().unwrap();
        assert_eq!(
            (n.level, n.text.as_str()),
            (notice::Level::Note, backup::HEALED)
        );
        assert!(!journal.exists());
        // Only the kinds asked for are healed.
        let journal = restore_journal(&sigil);
        assert!(heal_all(&sigil, &[Kind::Change, Kind::Recipients]).is_empty());
        assert!(journal.exists());
    }

    #[test]
    fn a_rotation_at_work_is_waited_for() {
        let d = tempfile::tempdir().unwrap();
        let sigil = opened(d.path());
        let dir = sigil.paths().home().join("rekey");
        std::fs::create_dir_all(&dir).unwrap();
        // A journal that names no new key: damaged, so healing it fails and says so.
        std::fs::write(dir.join("journal"), "sigil rekey journal v1\n").unwrap();
        let owner = Lock::acquire(&sigil.paths().lock_file()).unwrap();
        let started = Instant::now();
        let out = std::thread::scope(|s| {
            let healer = s.spawn(|| heal_all(&sigil, &[Kind::Rotation]));
            std::thread::sleep(Duration::from_millis(300));
            drop(owner);
            healer.join().unwrap()
        });
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(out.len(), 1, "{out:?}");
        let n = out[0].notice().unwrap();
        assert_eq!(n.level, notice::Level::Warning);
        assert!(
            n.text
                .starts_with("cannot finish the interrupted key rotation yet: "),
            "{}",
            n.text
        );
    }

    #[test]
    fn every_kind_has_one_journal_in_the_order_healed() {
        let kinds: Vec<Kind> = JOURNALS.iter().map(|j| j.kind()).collect();
        assert_eq!(kinds, Kind::ALL);
        assert!(Kind::ALL.iter().all(|k| journal(*k).kind() == *k));
        let waits: Vec<Kind> = JOURNALS
            .iter()
            .filter(|j| j.readers_wait())
            .map(|j| j.kind())
            .collect();
        assert_eq!(waits, [Kind::Rotation]);
    }
}
