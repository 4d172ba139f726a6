//! Restoring a backup into the store, all or nothing: a first reading to verify it and plan
//! the writes, the journal, then a second reading that writes, checked against the first.

use super::journal::{
    JOURNAL, JournalFile, JournalWrite, UNDO_DIR, finish_journal, recover_locked, save_encrypted,
    undo_journal,
};
use super::verify::{RegistryReader, read};
use super::{
    ACCOUNTS, ACCOUNTS_JSON, CONFIG, Key, Manifest, OnConflict, damaged, entry_address,
    read_optional,
};
use crate::Sigil;
use crate::fsutil;
use crate::model::address::FieldAddress;
use crate::model::error::{Error, Result};
use crate::model::registry::Registry;
use crate::model::secret::Secret;
use crate::store::Store;
use crate::store::backend::BackendKind;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use time::OffsetDateTime;

/// What a restore does (or, with `--dry-run`, would do).
#[derive(Debug, Clone)]
pub struct Plan {
    /// The backup's manifest; after a restore that wrote, without its entries, which served
    /// the reading.
    pub manifest: Manifest,
    /// Secrets that are not in the target yet.
    pub new: Vec<FieldAddress>,
    /// Secrets that are.
    pub conflicts: Vec<FieldAddress>,
    /// Whether config.toml will be written: asked for with `with_config`, and the backup's
    /// differs from the one in place.
    pub config: bool,
    /// How the backup's config.toml differs from the one in place, line by line (`- old`,
    /// `+ new`); empty when they are the same or the backup has none. Shown whether or not
    /// the restore writes it: a config says which servers get tokens and whether the audit
    /// log is kept, so it is never replaced unasked.
    pub config_changes: Vec<String>,
    /// The backend new accounts go to.
    pub backend: BackendKind,
    /// Whether an earlier restore that was killed half-way was undone first.
    pub recovered: bool,
}

/// Restores a backup into `sigil`, all or nothing. It reads the backup once to verify it
/// and find conflicts, and — unless `dry_run`, or conflicts under [`OnConflict::Fail`] —
/// once more to write, checking each entry against the first reading. A failure while
/// writing undoes every write made so far, from a journal written before the first one; a
/// journal left by a killed restore is played back first. The store lock is held throughout.
#[allow(clippy::too_many_arguments)]
pub fn restore(
    sigil: &Sigil,
    path: &Path,
    key: &Key,
    policy: OnConflict,
    with_config: bool,
    dry_run: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Plan> {
    let paths = sigil.paths();
    let _lock = if dry_run {
        None
    } else {
        Some(sigil.lock_for_change()?)
    };
    let recovered = !dry_run && recover_locked(sigil)?;
    let target = Registry::load(paths)?;
    let first = first_reading(sigil, path, key, &target)?;
    let current_config =
        read_optional(&paths.config_file())?.map(|b| String::from_utf8_lossy(&b).into_owned());
    let config_changes = match &first.config {
        Some(theirs) => line_changes(current_config.as_deref().unwrap_or(""), theirs),
        None => vec![],
    };
    let mut plan = Plan {
        manifest: first.manifest,
        new: first.new,
        conflicts: first.conflicts,
        config: with_config && !config_changes.is_empty(),
        config_changes,
        backend: sigil.write_backend(),
        recovered,
    };
    if dry_run {
        return Ok(plan);
    }
    if policy == OnConflict::Fail && !plan.conflicts.is_empty() {
        return Err(conflict_error(&plan.conflicts));
    }
    let overwrites: &[FieldAddress] = if policy == OnConflict::Overwrite {
        &plan.conflicts
    } else {
        &[]
    };
    let placed = place_writes(sigil, &target, &plan, overwrites)?;
    let journal = write_journal(sigil, &plan, overwrites, &placed, current_config)?;
    let mut registries = Registries {
        target,
        backup: first.registry,
    };
    let written = write_secrets(sigil, path, key, &plan, &placed, &mut registries, progress)
        .and_then(|config| {
            // What only the writing needed goes before accounts.toml is encoded, the peak of
            // a large restore: the backup's metadata, the placement of each secret and the
            // manifest's entries (the caller is told the counts).
            let Registries { target, backup } = registries;
            drop(backup);
            let kinds: BTreeSet<BackendKind> = placed.values().copied().collect();
            drop(placed);
            plan.manifest.entries = Vec::new();
            make_durable(sigil, kinds, config, &target)
        });
    close_journal(sigil, &journal, written)?;
    Ok(plan)
}

/// What the first reading of a backup found.
struct FirstReading {
    manifest: Manifest,
    /// The backup's metadata.
    registry: Registry,
    /// Secrets that are not in the target yet.
    new: Vec<FieldAddress>,
    /// Secrets that are.
    conflicts: Vec<FieldAddress>,
    /// The backup's config.toml, unless it is empty.
    config: Option<String>,
}

/// The first reading: the whole backup verified, its secrets sorted into new ones and ones
/// the target already holds, and its metadata and config kept.
fn first_reading(sigil: &Sigil, path: &Path, key: &Key, target: &Registry) -> Result<FirstReading> {
    let file = sigil.file_store();
    let mut registry = RegistryReader::default();
    let mut new = Vec::new();
    let mut conflicts = Vec::new();
    let mut backup_config: Option<String> = None;
    let manifest = read(path, key, None, &mut |e| {
        if e.name == ACCOUNTS || e.name == ACCOUNTS_JSON {
            registry.visit(path, &e)?;
        } else if e.name == CONFIG {
            if !e.data.is_empty() {
                backup_config = Some(String::from_utf8_lossy(e.data.expose()).into_owned());
            }
        } else if let Some(addr) = entry_address(&e.name) {
            let recorded = target
                .accounts
                .get(&addr.account_key())
                .is_some_and(|m| m.fields.contains(addr.field()));
            if recorded || file.contains(&addr)? {
                conflicts.push(addr);
            } else {
                new.push(addr);
            }
        }
        Ok(())
    })?;
    let backup_reg = registry.finish(path)?;
    if backup_reg.accounts.len() != manifest.accounts {
        return Err(damaged(
            path,
            "the account count does not match accounts.toml",
        ));
    }
    Ok(FirstReading {
        manifest,
        registry: backup_reg,
        new,
        conflicts,
        config: backup_config,
    })
}

/// Places every write before the first one, so that a backend that cannot be used fails
/// here with nothing changed. Returns the backend each address goes to.
fn place_writes(
    sigil: &Sigil,
    target: &Registry,
    plan: &Plan,
    overwrites: &[FieldAddress],
) -> Result<BTreeMap<String, BackendKind>> {
    let mut placed: BTreeMap<String, BackendKind> = BTreeMap::new();
    for addr in plan.new.iter().chain(overwrites) {
        let cannot =
            |err: Error| Error::other(format!("cannot restore '{addr}': {err}"), err.help());
        let kind = placement(sigil, target, addr, plan.backend).map_err(cannot)?;
        sigil.store_of(kind).map_err(cannot)?;
        placed.insert(addr.to_string(), kind);
    }
    Ok(placed)
}

/// Writes the journal that says how to undo everything, before anything is written: what
/// accounts.toml was, every address about to be written, and each overwritten value saved
/// encrypted to the identity. A failure undoes it now; a killed restore is undone by the
/// next one.
fn write_journal(
    sigil: &Sigil,
    plan: &Plan,
    overwrites: &[FieldAddress],
    placed: &BTreeMap<String, BackendKind>,
    current_config: Option<String>,
) -> Result<JournalFile> {
    let paths = sigil.paths();
    let undo_dir = paths.home().join(UNDO_DIR);
    let mut journal = JournalFile {
        accounts: read_optional(&paths.accounts())?
            .map(|b| String::from_utf8_lossy(&b).into_owned()),
        config: plan.config,
        old_config: if plan.config { current_config } else { None },
        writes: Vec::with_capacity(placed.len()),
    };
    if !overwrites.is_empty() {
        fsutil::create_private_dir(&undo_dir)?;
    }
    journal
        .writes
        .extend(save_replaced(sigil, overwrites, placed, &undo_dir)?);
    for addr in &plan.new {
        journal.writes.push(JournalWrite {
            address: addr.to_string(),
            backend: placed[&addr.to_string()].as_str().to_owned(),
            undo: None,
        });
    }
    let journal_path = paths.home().join(JOURNAL);
    let json = serde_json::to_vec(&journal)
        .map_err(|e| Error::other(format!("cannot encode the restore journal: {e}"), None))?;
    fsutil::create_private_dir(paths.home())?;
    fsutil::write_atomic(&journal_path, |f| f.write_all(&json))?;
    Ok(journal)
}

/// Saves the values the restore overwrites, encrypted to the identity in `undo_dir`, and
/// returns their journal records. Each costs a decryption, an encryption and two fsyncs:
/// done by a few threads, like the writes.
fn save_replaced(
    sigil: &Sigil,
    overwrites: &[FieldAddress],
    placed: &BTreeMap<String, BackendKind>,
    undo_dir: &Path,
) -> Result<Vec<JournalWrite>> {
    let recipients = if overwrites.is_empty() {
        vec![]
    } else {
        sigil.file_store().identity()?.recipients()
    };
    let chunk = overwrites.len().div_ceil(WRITERS).max(1);
    let saved: Vec<Result<Vec<JournalWrite>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = overwrites
            .chunks(chunk)
            .enumerate()
            .map(|(c, addrs)| {
                let recipients = &recipients;
                scope.spawn(move || -> Result<Vec<JournalWrite>> {
                    let mut out = Vec::with_capacity(addrs.len());
                    for (i, addr) in addrs.iter().enumerate() {
                        let kind = placed[&addr.to_string()];
                        let store = sigil.store_of(kind)?;
                        let undo = if store.contains(addr)? {
                            let name = format!("{}.age", c * chunk + i);
                            save_encrypted(&undo_dir.join(&name), &store.get(addr)?, recipients)?;
                            Some(name)
                        } else {
                            None
                        };
                        out.push(JournalWrite {
                            address: addr.to_string(),
                            backend: kind.as_str().to_owned(),
                            undo,
                        });
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::other("saving the old values failed", None)))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(overwrites.len());
    for part in saved {
        match part {
            Ok(w) => out.extend(w),
            Err(e) => {
                let _ = fs::remove_dir_all(undo_dir);
                return Err(e);
            }
        }
    }
    Ok(out)
}

/// The metadata a restore writes: the target's registry becomes the new one, and each
/// account's metadata moves out of the backup's into it — no copies, which matters for
/// memory with 10,000 accounts.
struct Registries {
    target: Registry,
    backup: Registry,
}

/// The second reading, which writes: each entry checked against the first reading, each
/// secret recorded in the metadata and handed to the writers. Writes go to a few threads
/// (encryption is CPU-bound) and are deferred: one flush per backend makes them durable
/// before accounts.toml names them, instead of two fsyncs per secret. The bounded channel
/// keeps memory flat. Returns the backup's config.toml when the restore writes it.
fn write_secrets(
    sigil: &Sigil,
    path: &Path,
    key: &Key,
    plan: &Plan,
    placed: &BTreeMap<String, BackendKind>,
    registries: &mut Registries,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Option<Secret>> {
    let conflicting: BTreeSet<String> = plan.conflicts.iter().map(|a| a.to_string()).collect();
    let total = placed.len() as u64;
    let mut done = 0u64;
    let mut config = None;
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let written = AtomicUsize::new(0);
    let (tx, rx) = mpsc::sync_channel::<Job>(WRITERS * 4);
    let rx = Mutex::new(rx);
    let mut tx = Some(tx);
    let streamed = std::thread::scope(|scope| -> Result<()> {
        for _ in 0..WRITERS {
            scope.spawn(|| write_jobs(&rx, &failure, &written));
        }
        // Dropped when this closure returns, which ends the writers' loops.
        let tx = tx.take().expect("taken once");
        read(path, key, Some(&plan.manifest), &mut |e| {
            if lock(&failure).is_some() {
                return Err(Error::other("a write failed", None));
            }
            if e.name == CONFIG && plan.config {
                config = Some(e.data);
                return Ok(());
            }
            let Some(addr) = entry_address(&e.name) else {
                return Ok(());
            };
            let Some(&kind) = placed.get(&addr.to_string()) else {
                return Ok(()); // a conflict kept by --on-conflict skip
            };
            let conflict = conflicting.contains(&addr.to_string());
            record(
                &mut registries.target,
                &mut registries.backup,
                &addr,
                kind,
                conflict,
            );
            // Directories are made here, by one thread, and the writers only add files to
            // them: four writers making 20,000 directories themselves spent more time
            // queueing on the store root's lock than working.
            let store = sigil.store_of(kind)?;
            store.prepare(&addr)?;
            tx.send(Job {
                store,
                addr,
                data: e.data,
            })
            .map_err(|_| Error::other("the restore writers stopped", None))?;
            done += 1;
            progress(done, total);
            Ok(())
        })
        .map(|_| ())
    });
    let failure = failure.into_inner().unwrap_or_else(|e| e.into_inner());
    match (failure, streamed) {
        (Some(e), _) | (None, Err(e)) => Err(e),
        (None, Ok(())) => Ok(config),
    }
}

/// One writer thread of [`write_secrets`]: writes the jobs it receives until the channel
/// closes; after the first failure it only drains them, the restore being abandoned.
fn write_jobs(
    rx: &Mutex<mpsc::Receiver<Job<'_>>>,
    failure: &Mutex<Option<Error>>,
    written: &AtomicUsize,
) {
    loop {
        let job = lock(rx).recv();
        let Ok(job) = job else { return };
        if lock(failure).is_some() {
            continue; // drain: the restore is being abandoned
        }
        match job.store.put_deferred(&job.addr, &job.data) {
            Ok(()) => {
                let n = written.fetch_add(1, Ordering::SeqCst) + 1;
                abort_for_tests(n);
            }
            Err(err) => {
                lock(failure).get_or_insert_with(|| {
                    Error::other(format!("cannot restore '{}': {err}", job.addr), err.help())
                });
            }
        }
    }
}

/// Makes the writes durable and names them: every secret flushed (once per backend) before
/// accounts.toml names it, and config.toml written when the restore writes it.
fn make_durable(
    sigil: &Sigil,
    kinds: BTreeSet<BackendKind>,
    config: Option<Secret>,
    reg: &Registry,
) -> Result<()> {
    let paths = sigil.paths();
    for kind in kinds {
        sigil.store_of(kind)?.flush()?;
    }
    if let Some(config) = config {
        fsutil::create_private_dir(paths.config_dir())?;
        fsutil::write_atomic(&paths.config_file(), |f| f.write_all(config.expose()))?;
    }
    reg.save(paths)
}

/// Ends a restore by its outcome. Removing the journal is the commit; after a failure the
/// journal is played back first, and when that fails too it stays for the next restore.
fn close_journal(sigil: &Sigil, journal: &JournalFile, written: Result<()>) -> Result<()> {
    let home = sigil.paths().home();
    let Err(e) = written else {
        return finish_journal(home);
    };
    match undo_journal(sigil, journal) {
        Ok(()) => {
            let _ = finish_journal(home);
        }
        Err(u) => {
            return Err(Error::other(
                format!("{e}; undoing the partial restore also failed: {u}"),
                Some(format!(
                    "the next `sigil backup restore` retries the undo (journal: '{}')",
                    home.join(JOURNAL).display()
                )),
            ));
        }
    }
    Err(e)
}

/// The lines that differ between two texts, in the order of the new one: `- line` for one
/// only the old has, `+ line` for one only the new has. Enough to see what a config.toml
/// would change (a provider's `token_url`, `audit = false`).
fn line_changes(old: &str, new: &str) -> Vec<String> {
    let olds: BTreeSet<&str> = old.lines().collect();
    let news: BTreeSet<&str> = new.lines().collect();
    let mut out: Vec<String> = old
        .lines()
        .filter(|l| !news.contains(l) && !l.trim().is_empty())
        .map(|l| format!("- {l}"))
        .collect();
    out.extend(
        new.lines()
            .filter(|l| !olds.contains(l) && !l.trim().is_empty())
            .map(|l| format!("+ {l}")),
    );
    out
}

/// A restore's write of one secret is done: the tests kill it after the N-th
/// (`SIGIL_TEST_FAULT=@restored#N:kill`, [`fsutil::point`]).
fn abort_for_tests(_written: usize) {
    let _ = fsutil::point("restored");
}

/// How many threads write a restore (see [`restore`]).
const WRITERS: usize = 4;

/// One write for the restore's writer threads.
struct Job<'a> {
    store: &'a dyn Store,
    addr: FieldAddress,
    data: Secret,
}

/// Locks a mutex, also after a writer panicked.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The backend a restored secret goes to: the one its account is already recorded in on
/// this side (a credential lives in one place), else this side's write backend.
fn placement(
    sigil: &Sigil,
    target: &Registry,
    addr: &FieldAddress,
    default: BackendKind,
) -> Result<BackendKind> {
    match target
        .accounts
        .get(&addr.account_key())
        .and_then(|m| m.backend.parse::<BackendKind>().ok())
    {
        Some(BackendKind::Auto) | None => Ok(default),
        // As `Sigil::put` decides, but from the registry already loaded: asking `Sigil`
        // would load it again for every secret.
        Some(recorded) => match sigil.choice().kind {
            BackendKind::Auto => Ok(recorded),
            forced if forced == recorded => Ok(forced),
            forced => Err(Error::other(
                format!(
                    "'{}' is kept in the {recorded} backend, not {forced}",
                    addr.account_key()
                ),
                Some(format!(
                    "a credential lives in one backend: drop --backend {forced}, or remove it from {recorded} first"
                )),
            )),
        },
    }
}

/// Records a restored secret in the target's metadata, taking the backup's metadata for a
/// new account and, on overwrite, replacing the descriptive fields.
fn record(
    reg: &mut Registry,
    backup: &mut Registry,
    addr: &FieldAddress,
    kind: BackendKind,
    overwrite: bool,
) {
    let key = addr.account_key();
    let now = OffsetDateTime::now_utc();
    // The account's usage policy (and its use count) comes back with it: for a new account,
    // and on overwrite, where the backup's state replaces the target's.
    if (overwrite || !reg.accounts.contains_key(&key))
        && let Some(p) = backup.policies.remove(&key)
    {
        reg.policies.insert(key.clone(), p);
    }
    if !reg.accounts.contains_key(&key) {
        // A new account: its metadata moves over from the backup.
        let mut m = backup.accounts.remove(&key).unwrap_or_else(|| {
            let what = if addr.field() == "password" {
                crate::model::registry::Kind::Password
            } else {
                crate::model::registry::Kind::ApiKey
            };
            crate::model::registry::AccountMeta::new(what, kind.as_str(), now)
        });
        m.fields.clear();
        reg.accounts.insert(key.clone(), m);
    }
    let from_backup = backup.accounts.get(&key);
    let meta = reg.accounts.get_mut(&key).expect("inserted above");
    if overwrite && let Some(b) = from_backup {
        meta.kind = b.kind;
        meta.provider = b.provider.clone();
        meta.scopes = b.scopes.clone();
        meta.expires_at = b.expires_at;
        meta.note = b.note.clone();
        meta.updated = now;
    }
    meta.fields.insert(addr.field().to_owned());
    meta.backend = kind.as_str().to_owned();
}

fn conflict_error(conflicts: &[FieldAddress]) -> Error {
    const SHOWN: usize = 20;
    let mut list: Vec<String> = conflicts
        .iter()
        .take(SHOWN)
        .map(|a| format!("'{a}'"))
        .collect();
    if conflicts.len() > SHOWN {
        list.push(format!("and {} more", conflicts.len() - SHOWN));
    }
    Error::other(
        format!(
            "{} secret{} in the backup already exist{}: {}; nothing was restored",
            conflicts.len(),
            if conflicts.len() == 1 { "" } else { "s" },
            if conflicts.len() == 1 { "s" } else { "" },
            list.join(", ")
        ),
        Some(
            "pass --on-conflict skip to keep them, or --on-conflict overwrite to replace them"
                .into(),
        ),
    )
}
