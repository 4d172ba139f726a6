//! Applying usage policies: the guard every read of a secret passes through (policy, use
//! count, audit entry, expiry warning), the checks for a change made on a use's behalf and for
//! a backup, and `sigil policy set`, `clear` and `show`. The rules themselves are
//! `model::policy`.

use crate::Sigil;
use crate::audit;
use crate::fsutil::Lock;
use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, Result};
use crate::model::policy::{Policy, Use, refuse_handover, restricted};
use crate::model::registry::{Facts, Registry};
use crate::model::secret::Secret;
use crate::model::when::{self, ExpiryState};
use crate::store::metadata::facts;
use std::collections::BTreeSet;
use std::sync::Mutex;
use time::OffsetDateTime;

/// Accounts already warned about in this process: a run warns once per credential.
static WARNED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Warns on stderr, once per process and account, when a credential handed out expires
/// within the window (or has expired).
fn warn_expiry(sigil: &Sigil, key: &str, facts: &Facts) {
    let Some(at) = facts.expires_at else {
        return;
    };
    if facts.renews {
        return;
    }
    let now = OffsetDateTime::now_utc();
    let window = sigil.config().defaults.expiry_warning();
    let state = ExpiryState::of(Some(at), now, window);
    if state == ExpiryState::Ok {
        return;
    }
    if !WARNED
        .lock()
        .map(|mut w| w.insert(key.to_owned()))
        .unwrap_or(false)
    {
        return;
    }
    let what = match state {
        ExpiryState::Expired => format!("expired at {}", when::format(at)),
        _ => format!("expires at {}", when::format(at)),
    };
    crate::model::notice::warn(format!(
        "'{key}' {what}; renew it, then record the new date with `sigil add {key} --force --expires …`"
    ));
}

/// Counts one use under the store lock, refusing past `max_uses`; the count lives in
/// `accounts.toml`, so eight readers at once never exceed it.
fn take_use(sigil: &Sigil, key: &str, usage: Use) -> Result<bool> {
    let _lock = sigil.lock_for_change()?;
    let mut reg = Registry::load(sigil.paths())?;
    let Some(p) = reg.policies.get_mut(key) else {
        return Ok(false);
    };
    p.check(key, usage, OffsetDateTime::now_utc())?;
    if p.max_uses.is_none() {
        return Ok(false);
    }
    p.check_count(key, usage)?;
    p.uses += 1;
    reg.save(sigil.paths())?;
    Ok(true)
}

/// Gives back a use whose read failed: a secret that was not handed out was not used.
fn refund(sigil: &Sigil, key: &str) {
    let Ok(_lock) = Lock::acquire(&sigil.paths().lock_file()) else {
        return;
    };
    if let Ok(mut reg) = Registry::load(sigil.paths())
        && let Some(p) = reg.policies.get_mut(key)
    {
        p.uses = p.uses.saturating_sub(1);
        let _ = reg.save(sigil.paths());
    }
}

/// Every read of a secret goes through here: the account's policy is checked (and a use
/// counted), the read is done, the audit log records it (refused or not), and a credential
/// near its expiry is warned about on stderr when a command (not a library user) reads it.
pub(crate) fn guard(
    sigil: &Sigil,
    addr: &Address,
    read: impl FnOnce() -> Result<(FieldAddress, Secret)>,
) -> Result<(FieldAddress, Secret)> {
    guard_with(sigil, addr, |_| read(), |(full, _)| full.to_string())
}

/// [`guard`] for a read that hands out more than one field at once (`sigil aws
/// credential-process`: a key id, a secret key and a session token): one policy check, one
/// use counted and one audit entry for the whole answer, naming what `shown` says. `read`
/// gets the account's recorded facts (its expiry), so that it need not load them again.
pub(crate) fn guard_with<T>(
    sigil: &Sigil,
    addr: &Address,
    read: impl FnOnce(Option<&Facts>) -> Result<T>,
    shown: impl FnOnce(&T) -> String,
) -> Result<T> {
    let usage = sigil.usage().unwrap_or(Use::Get);
    let key = addr.account_key();
    // The memory backend keeps nothing on disk, so it has no metadata to consult.
    let on_disk = sigil.choice().kind != crate::store::backend::BackendKind::Memory;
    let facts = if on_disk {
        facts(sigil.paths(), &key)
    } else {
        Ok(None)
    };
    let mut counted = false;
    let admitted = facts.and_then(|f| {
        if let Some(p) = f.as_ref().and_then(|f| f.policy.as_ref()) {
            p.check(&key, usage, OffsetDateTime::now_utc())?;
            if p.max_uses.is_some() {
                counted = take_use(sigil, &key, usage)?;
            }
        }
        Ok(f)
    });
    let result = admitted.and_then(|f| {
        let r = read(f.as_ref());
        if r.is_err() && counted {
            refund(sigil, &key);
        }
        r.map(|ok| (ok, f))
    });
    let shown = match &result {
        Ok((ok, _)) => shown(ok),
        Err(_) => addr.to_string(),
    };
    // With `audit = "required"` a read whose entry cannot be written hands nothing out,
    // and the use it counted is given back.
    if let Err(e) = audit::record_required(sigil, usage.as_str(), &[shown], &result) {
        if counted && result.is_ok() {
            refund(sigil, &key);
        }
        return Err(e);
    }
    let (ok, f) = result?;
    if sigil.usage().is_some()
        && matches!(usage, Use::Get | Use::Resolve | Use::Run | Use::Clip)
        && let Some(f) = &f
    {
        warn_expiry(sigil, &key, f);
    }
    Ok(ok)
}

/// Checks an account's rules, but not its count, for a change made on behalf of a use:
/// `git-credential-sigil store` and `erase` may change only what `git` may be given. A
/// refusal is recorded in the audit log as a refused change.
pub(crate) fn admit(sigil: &Sigil, addr: &Address) -> Result<()> {
    if sigil.choice().kind == crate::store::backend::BackendKind::Memory {
        return Ok(());
    }
    let usage = sigil.usage().unwrap_or(Use::Get);
    let key = addr.account_key();
    let checked = match facts(sigil.paths(), &key)? {
        Some(Facts {
            policy: Some(p), ..
        }) => p.check(&key, usage, OffsetDateTime::now_utc()),
        _ => Ok(()),
    };
    if checked.is_err() {
        audit::record(sigil, usage.as_str(), &[key], &checked);
    }
    checked
}

/// The decision for a backup of `fields` encrypted to `to` (`None`: a passphrase). A backup
/// to the store's own recipients (its root `.age-recipients`, else the identity's key) is a
/// backup and always allowed; to any other key, or a passphrase, it is an export, and an
/// account whose policy forbids that refuses the whole backup (exit 5, naming each one), so
/// that no backup is silently incomplete. The backup code calls this before writing.
pub(crate) fn backup_allowed(
    sigil: &Sigil,
    to: Option<&[crate::crypto::Recipient]>,
    fields: &[FieldAddress],
) -> Result<()> {
    if let Some(to) = to {
        let store = sigil.file_store();
        let mut own: BTreeSet<String> = store
            .recipients_for(store.root())?
            .0
            .iter()
            .map(ToString::to_string)
            .collect();
        if let Ok(id) = store.identity() {
            own.extend(id.recipients().iter().map(ToString::to_string));
        }
        if to.iter().all(|r| own.contains(&r.to_string())) {
            return Ok(());
        }
    }
    let reg = Registry::load(sigil.paths())?;
    refuse_handover(
        &restricted(&reg, fields),
        "a backup to a key that is not the store's own (or to a passphrase) is an export",
        "back up to the store's own recipients (without --recipient or --passphrase), or change the policy: `sigil policy set ACCOUNT --allow get,…`",
    )
}

/// Sets rules on an account (those given replace the old ones; the rest stay). A new
/// `max_uses` starts a new count.
pub fn set(sigil: &Sigil, addr: &Address, change: Policy) -> Result<Policy> {
    let key = account_of(addr)?;
    let _lock = sigil.lock_for_change()?;
    let mut reg = Registry::load(sigil.paths())?;
    if !reg.accounts.contains_key(&key) {
        return Err(Error::NotFound {
            message: format!("'{key}' not found"),
            help: Some("`sigil list` shows what is stored; a policy needs an account".into()),
        });
    }
    let p = reg.policies.entry(key).or_default();
    if change.not_before.is_some() {
        p.not_before = change.not_before;
    }
    if change.not_after.is_some() {
        p.not_after = change.not_after;
    }
    if change.max_uses.is_some() {
        p.max_uses = change.max_uses;
        p.uses = 0;
    }
    if change.allow.is_some() {
        p.allow = change.allow;
    }
    let p = p.clone();
    // A window that closes before it opens refuses every use while looking like a rule.
    if let (Some(nb), Some(na)) = (p.not_before, p.not_after)
        && nb > na
    {
        return Err(Error::Usage(format!(
            "--not-before {} is later than --not-after {}, so '{}' could never be used",
            when::format(nb),
            when::format(na),
            addr.account_key()
        )));
    }
    reg.save(sigil.paths())?;
    Ok(p)
}

/// Removes an account's policy; whether there was one.
pub fn clear(sigil: &Sigil, addr: &Address) -> Result<bool> {
    let key = account_of(addr)?;
    let _lock = sigil.lock_for_change()?;
    let mut reg = Registry::load(sigil.paths())?;
    let had = reg.policies.remove(&key).is_some();
    if had {
        reg.save(sigil.paths())?;
    }
    Ok(had)
}

/// An account's policy, if it has one.
pub fn show(sigil: &Sigil, addr: &Address) -> Result<Option<Policy>> {
    let key = account_of(addr)?;
    let reg = Registry::load(sigil.paths())?;
    if !reg.accounts.contains_key(&key) && !reg.policies.contains_key(&key) {
        return Err(Error::NotFound {
            message: format!("'{key}' not found"),
            help: Some("`sigil list` shows what is stored".into()),
        });
    }
    Ok(reg.policies.get(&key).cloned())
}

/// Policies belong to accounts: every field of an account is one credential.
fn account_of(addr: &Address) -> Result<String> {
    if addr.field().is_some() {
        return Err(Error::UsageHelp {
            message: format!("a policy applies to a whole account, not to the field of '{addr}'"),
            help: format!("name the account: `{}`", addr.account_key()),
        });
    }
    Ok(addr.account_key())
}
