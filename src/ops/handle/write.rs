//! Writing: storing and deleting secrets and their metadata as one change (every touched
//! secret kept for an undo and named in the change journal first), under the store lock, with
//! the audit entry.

use super::Sigil;
use crate::audit;
use crate::fsutil::Lock;
use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, Result};
use crate::model::registry::{self, Kind, Registry};
use crate::model::secret::Secret;
use crate::ops;
use crate::store::backend::BackendKind;
use crate::store::{self, Store};
use time::OffsetDateTime;

/// How [`Sigil::put`] stores a secret.
#[derive(Debug, Clone, Default)]
pub struct PutOptions {
    /// Replace an existing value instead of refusing.
    pub force: bool,
    /// The account's kind; by default `password` for a `password` field, else `api_key`.
    pub kind: Option<Kind>,
    /// When the credential expires.
    pub expires_at: Option<OffsetDateTime>,
    /// A note kept in the metadata.
    pub note: Option<String>,
    /// For a credential a protocol helper stores: the origin it belongs to. The helper owns
    /// the account's metadata, so its expiry becomes exactly `expires_at` (none included).
    pub bound: Option<registry::Binding>,
}

/// How to take back one secret's write or deletion when a later step of the same command
/// (the metadata write) fails.
enum Undo<'a> {
    /// A file-store secret: its old file, kept by a hard link.
    File(store::Kept),
    /// Another backend's secret: its old value, or `None` when there was none.
    Value {
        store: &'a dyn Store,
        addr: FieldAddress,
        old: Option<Secret>,
    },
    /// Nothing can be put back.
    Nothing,
}

impl Undo<'_> {
    /// The kept file, for the change journal (a kill cannot run an undo; the next command
    /// does it from the journal). Other backends' values are not written to disk.
    fn kept(&self) -> Option<&store::Kept> {
        match self {
            Undo::File(k) => Some(k),
            _ => None,
        }
    }

    fn undo(self) {
        match self {
            Undo::File(kept) => kept.undo(),
            Undo::Value { store, addr, old } => {
                let _ = match old {
                    Some(v) => store.put(&addr, &v),
                    None => store.delete(&addr).map(|_| ()),
                };
            }
            Undo::Nothing => {}
        }
    }

    fn done(self) {
        if let Undo::File(kept) = self {
            kept.done();
        }
    }
}

/// Secrets and then their metadata changed as one, for a use case other than `put` and
/// `delete` (the git helper's `store`): every touched secret kept for an undo and named in
/// the change journal before the first is written. [`Change::commit`] once the metadata is
/// written; [`Change::abort`] on any failure puts every secret back.
pub(crate) struct Change<'a> {
    undos: Vec<Undo<'a>>,
    journal: store::change::Journal,
}

impl Change<'_> {
    /// The change stands.
    pub(crate) fn commit(self) {
        self.undos.into_iter().for_each(Undo::done);
        self.journal.end();
    }

    /// The change failed: every secret goes back to what it was.
    pub(crate) fn abort(self) {
        self.undos.into_iter().rev().for_each(Undo::undo);
        self.journal.end();
    }
}

impl Sigil {
    #[doc(hidden)]
    /// The backend a write of `addr` goes to: the one its account is recorded in (a
    /// credential lives in one place), else [`Sigil::write_backend`]. A forced backend that
    /// differs from the recorded one is an error rather than a second copy.
    pub fn placement(&self, addr: &FieldAddress) -> Result<BackendKind> {
        self.placement_in(&Registry::load(&self.paths)?, addr)
    }

    pub(crate) fn placement_in(&self, reg: &Registry, addr: &FieldAddress) -> Result<BackendKind> {
        let recorded = reg
            .accounts
            .get(&addr.account_key())
            .and_then(|m| m.backend.parse::<BackendKind>().ok());
        match (self.choice.kind, recorded) {
            (BackendKind::Auto, Some(r)) => Ok(r),
            (BackendKind::Auto, None) => Ok(self.write_backend()),
            (forced, Some(r)) if r != forced => Err(Error::other(
                format!(
                    "'{}' is kept in the {r} backend, not {forced}",
                    addr.account_key()
                ),
                Some(format!(
                    "a credential lives in one backend: drop --backend {forced}, or remove it from {r} first"
                )),
            )),
            (forced, _) => Ok(forced),
        }
    }

    /// The store lock, for a command about to change something or hand a secret out; with
    /// `audit = "required"` only once the audit log is known to take the entry.
    pub(crate) fn lock_for_change(&self) -> Result<Lock> {
        audit::ready(self)?;
        Lock::acquire(&self.paths.lock_file())
    }

    /// Stores a secret and records its metadata, under the store lock. An account stays in
    /// the backend it was first stored in; a new one goes to [`Sigil::write_backend`].
    pub fn put(&self, addr: &FieldAddress, secret: &Secret, opts: &PutOptions) -> Result<()> {
        self.put_fields(&[(addr.clone(), secret)], opts, &|_| {})
    }

    /// Stores several fields of one command as one change: all of them and their metadata,
    /// or none (a kill between them is taken back by the next command). `adjust` may change
    /// the metadata further before it is written. Each field is audited as an `add`.
    pub(crate) fn put_fields(
        &self,
        fields: &[(FieldAddress, &Secret)],
        opts: &PutOptions,
        adjust: &dyn Fn(&mut Registry),
    ) -> Result<()> {
        self.add(&ops::add::Add {
            adjust,
            ..ops::add::Add::fields(fields, opts)
        })
        .map(|_| ())
    }

    /// Records a change's entry after it, unless `audit = "required"` already wrote it as
    /// part of the change ([`Sigil::seal_change`]) and the change stands. Neither asks for a
    /// passphrase to key the entry: a write needs no identity, so its entry is keyed when the
    /// identity can be had without asking and goes to the unkeyed side log otherwise.
    pub(in crate::ops) fn record_change<T>(
        &self,
        event: &str,
        shown: &[String],
        result: &Result<T>,
    ) {
        if !(audit::required(self) && result.is_ok()) {
            crate::identity::without_prompt(|| audit::record(self, event, shown, result));
        }
    }

    /// With `audit = "required"`, writes a change's entry while it can still be taken back
    /// (under the lock, metadata written, undo kept): a change is kept only with its entry.
    pub(in crate::ops) fn seal_change(&self, event: &str, shown: &[String]) -> Result<()> {
        if !audit::required(self) {
            return Ok(());
        }
        crate::identity::without_prompt(|| {
            audit::record_required(self, event, shown, &Ok::<(), Error>(()))
        })
    }

    /// Starts a [`Change`] of these secrets, each in its backend, and then of accounts.toml.
    pub(crate) fn begin_change_of(
        &self,
        fields: &[(BackendKind, &FieldAddress)],
    ) -> Result<Change<'_>> {
        let mut undos = Vec::new();
        for (kind, addr) in fields {
            match self.undo_for(*kind, addr) {
                Ok(u) => undos.push(u),
                Err(e) => {
                    undos.into_iter().rev().for_each(Undo::undo);
                    return Err(e);
                }
            }
        }
        match self.begin_change(undos.iter().filter_map(Undo::kept)) {
            Ok(journal) => Ok(Change { undos, journal }),
            Err(e) => {
                undos.into_iter().rev().for_each(Undo::undo);
                Err(e)
            }
        }
    }

    /// Writes the change journal for a change of these kept secret files and then of
    /// accounts.toml, so that a kill between them is taken back or finished by the next
    /// command ([`store::change`]).
    fn begin_change<'a>(
        &self,
        kept: impl IntoIterator<Item = &'a store::Kept>,
    ) -> Result<store::change::Journal> {
        store::change::Journal::begin(self.paths.home(), &self.paths.accounts(), kept)
    }

    /// What it takes to put `addr` back as it is now in the backend `kind`: the file kept by
    /// a hard link, or the old value of another backend (read without the identity).
    fn undo_for(&self, kind: BackendKind, addr: &FieldAddress) -> Result<Undo<'_>> {
        if kind == BackendKind::File {
            return Ok(Undo::File(self.file.keep(addr)?));
        }
        let store = self.store_of(kind)?;
        // A value that cannot be read (duplicate keyring items, say) cannot be put back
        // either; the change goes ahead as before, without an undo.
        let old = match store.contains(addr) {
            Ok(false) => None,
            Ok(true) => match store.get(addr) {
                Ok(v) => Some(v),
                Err(_) => return Ok(Undo::Nothing),
            },
            Err(_) => return Ok(Undo::Nothing),
        };
        Ok(Undo::Value {
            store,
            addr: addr.clone(),
            old,
        })
    }

    /// Deletes a secret, or every field of an account when the address names no field, and
    /// its metadata. Returns what was deleted; not-found when nothing was there.
    pub fn delete(&self, addr: &Address) -> Result<Vec<FieldAddress>> {
        let result = self.delete_unaudited(addr);
        let shown = match &result {
            Ok(gone) if !gone.is_empty() => gone.iter().map(|f| f.to_string()).collect(),
            _ => vec![addr.to_string()],
        };
        self.record_change("rm", &shown, &result);
        result
    }

    fn delete_unaudited(&self, addr: &Address) -> Result<Vec<FieldAddress>> {
        let _lock = self.lock_for_change()?;
        let mut reg = Registry::load(&self.paths)?;
        let before = audit::required(self).then(|| reg.clone());
        let targets = self.fields_of(addr)?;
        let had_meta = reg.accounts.contains_key(&addr.account_key());
        if targets.is_empty() && !(had_meta && addr.field().is_none()) {
            return Err(Error::NotFound {
                message: format!("'{addr}' not found"),
                help: Some("`sigil list` shows what is stored".into()),
            });
        }
        // Best effort and before the secrets go: a failed revocation only warns.
        #[cfg(feature = "oauth")]
        self.revoke_before_delete(&reg, addr, &targets);
        // All or nothing, as for a write: every deleted secret can be put back until the
        // metadata is written.
        let mut deleted = Vec::new();
        let mut undos: Vec<Undo<'_>> = Vec::new();
        let undo_all = |undos: Vec<Undo<'_>>| undos.into_iter().rev().for_each(Undo::undo);
        let mut planned = Vec::new();
        for (t, kind) in targets {
            match self.undo_for(kind, &t) {
                Ok(undo) => planned.push((t, kind, undo)),
                Err(e) => {
                    undo_all(planned.into_iter().map(|(_, _, u)| u).collect());
                    return Err(e);
                }
            }
        }
        let journal = match self.begin_change(planned.iter().filter_map(|(_, _, u)| u.kept())) {
            Ok(j) => j,
            Err(e) => {
                undo_all(planned.into_iter().map(|(_, _, u)| u).collect());
                return Err(e);
            }
        };
        let mut planned = planned.into_iter();
        while let Some((t, kind, undo)) = planned.next() {
            match self.store_of(kind).and_then(|s| s.delete(&t)) {
                Ok(true) => {
                    deleted.push(t);
                    undos.push(undo);
                }
                Ok(false) => undos.push(undo),
                Err(e) => {
                    undo.undo();
                    undo_all(undos);
                    undo_all(planned.map(|(_, _, u)| u).collect());
                    journal.end();
                    return Err(e);
                }
            }
        }
        let key = addr.account_key();
        match addr.field() {
            None => {
                reg.accounts.remove(&key);
                reg.policies.remove(&key);
            }
            Some(f) => {
                if let Some(m) = reg.accounts.get_mut(&key) {
                    m.fields.remove(f);
                    m.updated = OffsetDateTime::now_utc();
                    if m.fields.is_empty() {
                        reg.accounts.remove(&key);
                    }
                }
            }
        }
        let shown: Vec<String> = deleted.iter().map(|f| f.to_string()).collect();
        let shown = if shown.is_empty() {
            vec![addr.to_string()]
        } else {
            shown
        };
        let saved = reg.save(&self.paths).and_then(|()| {
            self.seal_change("rm", &shown).inspect_err(|_| {
                if let Some(before) = &before {
                    let _ = before.save(&self.paths);
                }
            })
        });
        if let Err(e) = saved {
            undo_all(undos);
            journal.end();
            return Err(e);
        }
        undos.into_iter().for_each(Undo::done);
        journal.end();
        Ok(deleted)
    }

    #[doc(hidden)]
    /// Deletes every secret of this sigil and all its metadata: everything in its file store,
    /// and in the keyring (shared by every sigil home of the user) and the vault (perhaps
    /// shared by a team) the items this home's `accounts.toml` records there — in the keyring
    /// on Linux only those carrying the home's tag, all of them when there are duplicates.
    /// Returns how many secrets (addresses) were deleted.
    pub fn delete_all(&self) -> Result<usize> {
        let _lock = self.lock_for_change()?;
        let reg = Registry::load(&self.paths)?;
        if let Some(m) = &self.memory {
            for f in m.list()? {
                m.delete(&f)?;
            }
        }
        let mut targets: Vec<(BackendKind, FieldAddress)> = self
            .file
            .list()?
            .into_iter()
            .map(|f| (BackendKind::File, f))
            .collect();
        for kind in [BackendKind::Keyring, BackendKind::Vault] {
            targets.extend(
                reg.accounts
                    .iter()
                    .filter(|(_, m)| m.backend == kind.as_str())
                    .flat_map(|(key, m)| m.fields.iter().map(move |f| format!("{key}/{f}")))
                    .filter_map(|a| a.parse().ok())
                    .map(|f| (kind, f)),
            );
        }
        // All or nothing, as for `delete`: every secret can be put back until the metadata
        // is written, and the file store's are named in the change journal for a kill. (A
        // keyring value is put back after an error, not after a kill: it is never written
        // to disk.)
        let touched: Vec<(BackendKind, &FieldAddress)> =
            targets.iter().map(|(k, f)| (*k, f)).collect();
        let change = self.begin_change_of(&touched)?;
        let deleted = (|| {
            let mut n = 0;
            for (kind, f) in &targets {
                if self.store_of(*kind)?.delete(f)? {
                    n += 1;
                }
            }
            Registry::empty().save(&self.paths)?;
            Ok(n)
        })();
        match deleted {
            Ok(_) => change.commit(),
            Err(_) => change.abort(),
        }
        deleted
    }
}
