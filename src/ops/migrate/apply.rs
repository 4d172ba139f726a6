//! Applying a plan: originals and journal first, then the credentials (each read back), then
//! the sources; and undoing it, from the journal, when any step fails.

use super::backend_move::unmove;
use super::journal::{
    begin, decrypt, encrypt_to, lock, remove_pending, root, save_journal, sha256,
};
use super::source_dotenv::verify_dotenv_rewrite;
use super::{Action, Format, Item, Journal, Plan, SecretRecord, SourcePlan, SourceRecord, State};
use crate::fsutil;
use crate::model::address::FieldAddress;
use crate::model::error::{Error, Result};
use crate::model::secret::Secret;
use crate::{PutOptions, Sigil};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// Replaces `path` atomically by `bytes`, with the given mode and (where permitted) owner.
fn replace_file(path: &Path, bytes: &[u8], mode: u32, uid: u32, gid: u32) -> Result<()> {
    let dir = path.parent().expect("a file path has a parent");
    let ctx = |e: std::io::Error| Error::io(format!("cannot write '{}'", path.display()), e);
    let mut tmp = tempfile::Builder::new()
        .prefix(".sigil-migrate-")
        .tempfile_in(dir)
        .map_err(ctx)?;
    tmp.as_file_mut().write_all(bytes).map_err(ctx)?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode & 0o7777))
        .map_err(ctx)?;
    // Only root may give a file away; for anyone else the owner is already right.
    let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(uid), Some(gid));
    tmp.as_file().sync_all().map_err(ctx)?;
    tmp.persist(path).map_err(|e| ctx(e.error))?;
    fsutil::sync_dir(dir).map_err(ctx)
}

/// Test hooks, compiled into debug (test) builds only: stop at a named step of an apply (to be
/// killed there) or fail at it. Release binaries never read these variables.
/// A named step of a migration, where the tests kill it or make it fail
/// ([`fsutil::point`]).
pub(super) fn pause(step: &str) -> Result<()> {
    fsutil::point(step).map_err(|e| Error::other(e.to_string(), None))
}

/// What an apply did.
#[derive(Debug)]
pub struct Applied {
    /// Its id.
    pub id: String,
    /// Credentials stored.
    pub stored: usize,
    /// Sources rewritten.
    pub sources: usize,
}

/// Runs a plan: journal and encrypted originals first, then the secrets (each read back),
/// then the sources. Any error undoes everything before it returns.
pub fn apply(sigil: &Sigil, plan: &Plan) -> Result<Applied> {
    apply_with(sigil, plan, &mut |_| {})
}

/// [`apply`], calling `progress` with the number of credentials stored and verified so far.
pub fn apply_with(sigil: &Sigil, plan: &Plan, progress: &mut dyn FnMut(usize)) -> Result<Applied> {
    if let Some((s, i)) = plan.conflicts().first() {
        return Err(conflict_error(plan.conflicts().len(), s, i));
    }
    // Fail early and write nothing when the originals could not be encrypted.
    sigil.file_store().identity()?;
    crate::audit::ready(sigil)?;
    let _lock = lock(sigil)?;
    let mut journal = begin(sigil, None, vec![])?;
    let dir = root(sigil).join(&journal.id);
    let result = apply_steps(sigil, plan, &dir, &mut journal, progress);
    match result {
        Ok(applied) => {
            journal.state = State::Done;
            save_journal(sigil, &journal)?;
            remove_pending(sigil);
            Ok(applied)
        }
        Err(e) => {
            if let Err(undo) = undo(sigil, &mut journal, State::Failed) {
                return Err(Error::other(
                    format!("{e}; and undoing it failed: {undo}"),
                    Some(format!(
                        "the originals are kept in '{}'; the next sigil command retries",
                        dir.display()
                    )),
                ));
            }
            remove_pending(sigil);
            Err(e)
        }
    }
}

fn conflict_error(n: usize, s: &SourcePlan, i: &Item) -> Error {
    Error::other(
        format!(
            "'{}' already holds a different value ('{}:{}'){}",
            i.address,
            s.path.display(),
            i.line,
            if n > 1 {
                format!(", and {} more conflicts", n - 1)
            } else {
                String::new()
            }
        ),
        Some(
            "nothing was changed; pass --on-conflict skip or --on-conflict overwrite, or choose \
             other names with --service/--prefix/--account"
                .into(),
        ),
    )
}

/// The steps of an apply, in the order that makes each undoable: what the undo needs is
/// journaled before the credentials are stored, and the credentials are stored (and read
/// back) before any source stops holding them.
fn apply_steps(
    sigil: &Sigil,
    plan: &Plan,
    dir: &Path,
    journal: &mut Journal,
    progress: &mut dyn FnMut(usize),
) -> Result<Applied> {
    keep_originals(sigil, plan, dir, journal)?;
    keep_replaced(sigil, plan, dir, journal)?;
    keep_stored_values(sigil, plan, dir, journal)?;
    save_journal(sigil, journal)?;
    pause("journal")?;
    let stored = store_secrets(sigil, plan, progress)?;
    pause("secrets")?;
    let rewritten = rewrite_sources(plan, journal)?;
    Ok(Applied {
        id: journal.id.clone(),
        stored,
        sources: rewritten,
    })
}

/// Journals every source that changes, with its original encrypted beside the journal: the
/// undo puts those bytes back, with the mode and owner recorded here.
fn keep_originals(sigil: &Sigil, plan: &Plan, dir: &Path, journal: &mut Journal) -> Result<()> {
    for (n, s) in plan.sources.iter().enumerate() {
        if !s.items.iter().any(Item::taken) {
            continue;
        }
        // Another password manager's store or export is read, never changed: nothing of it
        // is kept, and an undo only removes what was imported.
        if s.format.read_only() {
            journal.imported.push(s.path.clone());
            continue;
        }
        let meta = fs::metadata(&s.path)
            .map_err(|e| Error::io(format!("cannot read '{}'", s.path.display()), e))?;
        if s.format == Format::Dotenv {
            verify_dotenv_rewrite(s)?;
        }
        if s.format == Format::Aws {
            super::source_aws::verify_aws_rewrite(s)?;
        }
        let original = format!("source-{n}.age");
        encrypt_to(sigil, &dir.join(&original), &s.original)?;
        journal.sources.push(SourceRecord {
            path: s.path.clone(),
            format: s.format,
            sha256: sha256(&s.original),
            new_sha256: sha256(&s.rewritten()),
            mode: meta.mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
            original,
            entries: s.items.iter().filter(|i| i.taken()).count(),
        });
    }
    Ok(())
}

/// Journals every credential the apply creates or replaces, a replaced value encrypted beside
/// the journal: the undo deletes the one and puts the other back.
fn keep_replaced(sigil: &Sigil, plan: &Plan, dir: &Path, journal: &mut Journal) -> Result<()> {
    let mut secrets = 0;
    // One credential found in two places (gh's hosts.yml repeats its token) is stored once.
    let mut once = std::collections::HashSet::new();
    for (_, i) in plan.items() {
        if !once.insert(i.address.to_string()) {
            continue;
        }
        match i.action {
            Action::Store => journal.secrets.push(SecretRecord {
                address: i.address.to_string(),
                previous: None,
            }),
            Action::Overwrite => {
                let old = sigil.peek(&i.address)?;
                let name = format!("previous-{secrets}.age");
                secrets += 1;
                encrypt_to(sigil, &dir.join(&name), old.expose())?;
                journal.secrets.push(SecretRecord {
                    address: i.address.to_string(),
                    previous: Some(name),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Keeps the values the apply stores, encrypted beside the journal, so that a rollback can
/// tell a credential changed since (rotated) from the one stored, and keep it.
fn keep_stored_values(sigil: &Sigil, plan: &Plan, dir: &Path, journal: &mut Journal) -> Result<()> {
    let values: std::collections::BTreeMap<String, String> = plan
        .items()
        .filter(|(_, i)| matches!(i.action, Action::Store | Action::Overwrite))
        .map(|(_, i)| {
            let v = String::from_utf8_lossy(i.value.expose()).into_owned();
            (i.address.to_string(), v)
        })
        .collect();
    let text = zeroize::Zeroizing::new(serde_json::to_vec(&values).expect("strings serialize"));
    encrypt_to(sigil, &dir.join("values.age"), &text)?;
    journal.values = Some("values.age".into());
    Ok(())
}

/// Stores the credentials, each once, and reads every one back: a batch into the file store
/// when they all go there, else one by one. Returns how many were stored.
fn store_secrets(sigil: &Sigil, plan: &Plan, progress: &mut dyn FnMut(usize)) -> Result<usize> {
    let mut stored = 0;
    let mut once = std::collections::HashSet::new();
    let todo: Vec<&Item> = plan
        .items()
        .map(|(_, i)| i)
        .filter(|i| {
            matches!(i.action, Action::Store | Action::Overwrite)
                && once.insert(i.address.to_string())
        })
        .collect();
    let batched = put_batch(sigil, &todo)?;
    // A batch is read back by a few threads too: every value decrypted and compared.
    let read_back: Vec<Option<Result<Secret>>> = if batched {
        let addrs: Vec<FieldAddress> = todo.iter().map(|i| i.address.clone()).collect();
        sigil
            .file_store()
            .get_many(&addrs)
            .into_iter()
            .map(Some)
            .collect()
    } else {
        todo.iter().map(|_| None).collect()
    };
    // Notes already there are kept (see `put_batch`).
    let noted: std::collections::HashSet<String> = if batched {
        Default::default()
    } else {
        crate::model::registry::Registry::load(sigil.paths())?
            .accounts
            .into_iter()
            .filter(|(_, m)| m.note.is_some())
            .map(|(k, _)| k)
            .collect()
    };
    for (i, back) in todo.into_iter().zip(read_back) {
        if !batched {
            let opts = PutOptions {
                force: i.action == Action::Overwrite,
                bound: i.bound.clone(),
                kind: i.kind,
                note: i
                    .note
                    .clone()
                    .filter(|_| !noted.contains(&i.address.account_key())),
                ..PutOptions::default()
            };
            sigil.put(&i.address, &i.value, &opts)?;
        }
        let back = match back {
            Some(back) => back?,
            None => sigil.peek(&i.address)?,
        };
        if back.expose() != i.value.expose() {
            return Err(Error::other(
                format!("'{}' did not read back as it was written", i.address),
                Some("nothing was changed; check the backend with `sigil status`".into()),
            ));
        }
        stored += 1;
        progress(stored);
        if stored == 1 {
            pause("secret")?;
        }
    }
    Ok(stored)
}

/// Replaces each source by its rewrite, once the credentials are safe in the store. Returns
/// how many were rewritten.
fn rewrite_sources(plan: &Plan, journal: &Journal) -> Result<usize> {
    let mut rewritten = 0;
    for (s, rec) in plan
        .sources
        .iter()
        .filter(|s| s.items.iter().any(Item::taken) && !s.format.read_only())
        .zip(journal.sources.iter())
    {
        // A source edited since it was read would lose that edit: refuse.
        let now = fs::read(&s.path)
            .map_err(|e| Error::io(format!("cannot read '{}'", s.path.display()), e))?;
        if sha256(&now) != rec.sha256 {
            return Err(Error::other(
                format!("'{}' changed while it was being migrated", s.path.display()),
                Some("nothing was changed; run the migration again".into()),
            ));
        }
        replace_file(&s.path, &s.rewritten(), rec.mode, rec.uid, rec.gid)?;
        rewritten += 1;
        pause("source")?;
    }
    Ok(rewritten)
}

/// Stores many secrets at once when they all go to the file store: one lock, one
/// `accounts.toml` rewrite and one flush to disk instead of one of each per secret, which is
/// what keeps a 10,000-line `.env` within seconds. Returns false (having written nothing) when
/// some go elsewhere; the caller then stores them one by one.
fn put_batch(sigil: &Sigil, items: &[&Item]) -> Result<bool> {
    use crate::model::registry::{AccountMeta, Kind, Registry};
    use crate::store::Store;
    use crate::store::backend::BackendKind;
    if items.len() < 2 {
        return Ok(false);
    }
    let paths = sigil.paths();
    let _lock = fsutil::Lock::acquire(&paths.lock_file())?;
    let mut reg = Registry::load(paths)?;
    let kind_of = |i: &Item| {
        reg.accounts
            .get(&i.address.account_key())
            .and_then(|m| m.backend.parse::<BackendKind>().ok())
            .unwrap_or_else(|| sigil.write_backend())
    };
    if items.iter().any(|i| kind_of(i) != BackendKind::File)
        || !matches!(sigil.choice().kind, BackendKind::File | BackendKind::Auto)
    {
        return Ok(false);
    }
    let file = sigil.file_store();
    for i in items {
        if i.action == Action::Store && file.contains(&i.address)? {
            return Err(crate::store::StoreError::Exists {
                address: i.address.to_string(),
            }
            .into());
        }
    }
    // A few threads encrypt and write; one flush makes it all durable before the registry
    // names any of it.
    let batch: Vec<(FieldAddress, &Secret)> = items
        .iter()
        .map(|i| (i.address.clone(), &i.value))
        .collect();
    file.put_many(&batch)?;
    let now = time::OffsetDateTime::now_utc();
    for i in items {
        let kind = i.kind.unwrap_or(if i.address.field() == "password" {
            Kind::Password
        } else {
            Kind::ApiKey
        });
        let meta = reg
            .accounts
            .entry(i.address.account_key())
            .or_insert_with(|| AccountMeta::new(kind, BackendKind::File.as_str(), now));
        meta.fields.insert(i.address.field().to_owned());
        meta.updated = now;
        if i.bound.is_some() {
            meta.bound = i.bound.clone();
        }
        // An imported entry's URLs and folder go to a new account, or one without a note:
        // the user's own note is never replaced (a rollback could not give it back).
        if i.note.is_some() && meta.note.is_none() {
            meta.note = i.note.clone();
        }
    }
    reg.save(paths)?;
    Ok(true)
}

/// Removes many file-store secrets the migration created: one lock, one registry rewrite
/// and one flush. False when some are not in the file store (then one by one).
fn delete_batch(sigil: &Sigil, addrs: &[FieldAddress]) -> Result<bool> {
    use crate::model::registry::Registry;
    use crate::store::backend::BackendKind;
    if addrs.len() < 2 {
        return Ok(false);
    }
    let paths = sigil.paths();
    let _lock = fsutil::Lock::acquire(&paths.lock_file())?;
    let mut reg = Registry::load(paths)?;
    let in_file = |a: &FieldAddress| {
        reg.accounts
            .get(&a.account_key())
            .is_none_or(|m| m.backend == BackendKind::File.as_str())
    };
    if !addrs.iter().all(in_file) {
        return Ok(false);
    }
    for a in addrs {
        if let Some(m) = reg.accounts.get_mut(&a.account_key()) {
            m.fields.remove(a.field());
            if m.fields.is_empty() {
                reg.accounts.remove(&a.account_key());
            }
        }
    }
    sigil.file_store().delete_many(addrs)?;
    reg.save(paths)?;
    Ok(true)
}

/// Undoes a migration: sources back from their encrypted originals (checksum verified),
/// created credentials removed, replaced ones restored. A source that is neither the
/// original nor what was written is the user's edit, and is kept beside it.
pub(super) fn undo(sigil: &Sigil, j: &mut Journal, to: State) -> Result<()> {
    undo_keeping(sigil, j, to, &std::collections::HashSet::new())
}

/// [`undo`], leaving the credentials in `keep` (changed since the migration) as they are.
pub(super) fn undo_keeping(
    sigil: &Sigil,
    j: &mut Journal,
    to: State,
    keep: &std::collections::HashSet<String>,
) -> Result<()> {
    let dir = root(sigil).join(&j.id);
    for rec in &j.sources {
        let current = fs::read(&rec.path).ok();
        let current_sum = current.as_deref().map(sha256);
        if current_sum.as_deref() == Some(rec.sha256.as_str()) {
            continue;
        }
        let original = decrypt(sigil, &dir.join(&rec.original))?;
        if sha256(&original) != rec.sha256 {
            return Err(Error::other(
                format!(
                    "the saved copy of '{}' does not match its checksum",
                    rec.path.display()
                ),
                Some(format!(
                    "the copy is '{}'",
                    dir.join(&rec.original).display()
                )),
            ));
        }
        if let Some(cur) = &current
            && current_sum.as_deref() != Some(rec.new_sha256.as_str())
        {
            // Edited after the migration (rollback --force) or during it: keep that version.
            let beside = rec.path.with_file_name(format!(
                "{}.sigil-{}",
                rec.path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                j.id
            ));
            replace_file(&beside, cur, rec.mode, rec.uid, rec.gid)?;
        }
        replace_file(&rec.path, &original, rec.mode, rec.uid, rec.gid)?;
    }
    if let Some([from, to]) = &j.backends {
        unmove(sigil, from, to, &j.moved)?;
    }
    let created: Vec<FieldAddress> = j
        .secrets
        .iter()
        .filter(|r| r.previous.is_none() && !keep.contains(&r.address))
        .map(|r| r.address.parse())
        .collect::<Result<_, _>>()?;
    let batched = delete_batch(sigil, &created)?;
    for rec in &j.secrets {
        if keep.contains(&rec.address) {
            continue;
        }
        let addr: FieldAddress = rec.address.parse()?;
        match &rec.previous {
            None if batched => {}
            Some(name) => {
                let old = decrypt(sigil, &dir.join(name))?;
                let opts = PutOptions {
                    force: true,
                    ..PutOptions::default()
                };
                sigil.put(&addr, &Secret::new(old.to_vec()), &opts)?;
            }
            None => match sigil.delete(&addr.clone().into()) {
                Ok(_) => {}
                Err(e) if e.class() == crate::model::error::ExitClass::NotFound => {}
                Err(e) => return Err(e),
            },
        }
    }
    j.state = to;
    save_journal(sigil, j)
}
