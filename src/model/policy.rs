//! Usage policies per credential (`sigil policy`), the guard every read of a secret passes
//! through (policy, use count, audit entry, expiry warning), and the small index that lets
//! `sigil get` learn an account's policy and expiry without parsing `accounts.toml`.
//!
//! Policies live in `accounts.toml` (the `[policies."service/account"]` tables), with their
//! use counts. The index (`<home>/.use-index.json`) is derived from it, holds only accounts
//! that have a policy or an expiry, and is trusted only while `accounts.toml`'s size, mtime
//! and inode match the ones it was built from; a hand edit of `accounts.toml` always wins.
//! Those are public, so the index is also sealed with a key from the identity (`seal`): a
//! planted index that leaves out a policy is not used.

use crate::audit;
use crate::fsutil::Lock;
use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, Result};
use crate::model::paths::Paths;
use crate::model::registry::{Kind, Registry};
use crate::model::secret::Secret;
use crate::model::when;
use crate::{ExpiryState, Sigil};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::Mutex;
use time::OffsetDateTime;

/// The commands that hand a secret out, as `--allow` names them. A program using the library
/// (`Sigil::get`) counts as `get`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Use {
    /// `sigil get` (and the library).
    Get,
    /// `sigil resolve`.
    Resolve,
    /// `sigil run`: injected into a child's environment, never printed.
    Run,
    /// `sigil env`.
    Env,
    /// `git-credential-sigil`.
    Git,
}

impl Use {
    /// Every use, in `--allow` order.
    pub const ALL: [Use; 5] = [Use::Get, Use::Resolve, Use::Run, Use::Env, Use::Git];

    /// The name in `--allow`, the policy and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Use::Get => "get",
            Use::Resolve => "resolve",
            Use::Run => "run",
            Use::Env => "env",
            Use::Git => "git",
        }
    }

    /// The command a user types for it.
    pub fn command(self) -> &'static str {
        match self {
            Use::Git => "git-credential-sigil",
            Use::Get => "sigil get",
            Use::Resolve => "sigil resolve",
            Use::Run => "sigil run",
            Use::Env => "sigil env",
        }
    }
}

impl std::str::FromStr for Use {
    type Err = Error;
    fn from_str(s: &str) -> Result<Use> {
        Use::ALL
            .into_iter()
            .find(|u| u.as_str() == s.trim())
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown use '{}' in --allow: use get, resolve, run, env or git",
                    s.escape_debug()
                ))
            })
    }
}

/// One account's rules, and how often it has been handed out under `max_uses`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Refused before this time.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub not_before: Option<OffsetDateTime>,
    /// Refused after this time.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub not_after: Option<OffsetDateTime>,
    /// At most this many hand-outs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<u64>,
    /// Hand-outs so far (counted only under `max_uses`).
    #[serde(default)]
    pub uses: u64,
    /// Only these commands may hand it out; `None` is all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<BTreeSet<Use>>,
}

impl Policy {
    /// Whether it has no rule at all.
    pub fn is_empty(&self) -> bool {
        self.not_before.is_none()
            && self.not_after.is_none()
            && self.max_uses.is_none()
            && self.allow.is_none()
    }

    /// Checks every rule but the count; the refusal names the rule.
    fn check(&self, key: &str, usage: Use, now: OffsetDateTime) -> Result<()> {
        let refuse = |rule: String, help: String| Error::Refused {
            message: format!(
                "the policy of '{key}' refuses `{}`: {rule}",
                usage.command()
            ),
            help: Some(help),
        };
        if let Some(allow) = &self.allow
            && !allow.contains(&usage)
        {
            let list: Vec<&str> = allow.iter().map(|u| u.as_str()).collect();
            return Err(refuse(
                format!(
                    "--allow {} does not include {}",
                    list.join(","),
                    usage.as_str()
                ),
                format!(
                    "hand it out with {}, or change the policy: `sigil policy set {key} --allow …`",
                    allow
                        .iter()
                        .map(|u| format!("`{}`", u.command()))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            ));
        }
        if let Some(nb) = self.not_before
            && now < nb
        {
            return Err(refuse(
                format!("--not-before {} has not come yet", when::format(nb)),
                format!("wait, or change the policy: `sigil policy set {key} --not-before …`"),
            ));
        }
        if let Some(na) = self.not_after
            && now > na
        {
            return Err(refuse(
                format!("--not-after {} has passed", when::format(na)),
                format!("change the policy: `sigil policy set {key} --not-after …`"),
            ));
        }
        Ok(())
    }

    fn check_count(&self, key: &str, usage: Use) -> Result<()> {
        if let Some(max) = self.max_uses
            && self.uses >= max
        {
            return Err(Error::Refused {
                message: format!(
                    "the policy of '{key}' refuses `{}`: --max-uses {max} reached ({} uses)",
                    usage.command(),
                    self.uses
                ),
                help: Some(format!(
                    "allow more with `sigil policy set {key} --max-uses N` (this resets the count)"
                )),
            });
        }
        Ok(())
    }

    /// The rules as `sigil policy show` prints them, one per line.
    pub fn describe(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(t) = self.not_before {
            out.push(("not-before".into(), when::format(t)));
        }
        if let Some(t) = self.not_after {
            out.push(("not-after".into(), when::format(t)));
        }
        if let Some(m) = self.max_uses {
            out.push(("max-uses".into(), format!("{m} (used {})", self.uses)));
        }
        if let Some(a) = &self.allow {
            let list: Vec<&str> = a.iter().map(|u| u.as_str()).collect();
            out.push(("allow".into(), list.join(",")));
        }
        out
    }
}

/// What the index keeps of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// Its policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,
    /// Its expiry.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
    /// Whether it renews itself (an OAuth account with a refresh token or client secret), so
    /// its short-lived expiry is no reason to warn.
    #[serde(default)]
    pub renews: bool,
}

/// The label the index is sealed under (see `seal`).
const INDEX_LABEL: &str = "sigil use index";

fn index_path(paths: &Paths) -> std::path::PathBuf {
    paths.home().join(".use-index.json")
}

/// The index's facts about every account that has a policy or an expiry.
fn facts_of(reg: &Registry) -> BTreeMap<String, Facts> {
    let mut out = BTreeMap::new();
    for (key, m) in &reg.accounts {
        if m.expires_at.is_some() {
            out.insert(
                key.clone(),
                Facts {
                    policy: None,
                    expires_at: m.expires_at,
                    renews: m.kind == Kind::Oauth
                        && (m.fields.contains("refresh_token")
                            || m.fields.contains("client_secret")),
                },
            );
        }
    }
    for (key, p) in &reg.policies {
        out.entry(key.clone()).or_default().policy = Some(p.clone());
    }
    out
}

/// What is known about an account's policy and expiry, cheaply: one `stat` and one small
/// read while the index is fresh. After a hand edit of `accounts.toml` the registry is read
/// instead, until the next write through sigil rebuilds the index: reading never writes.
pub fn facts(paths: &Paths, account_key: &str) -> Result<Option<Facts>> {
    let toml = paths.accounts();
    let meta = match std::fs::metadata(&toml) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("cannot read '{}'", toml.display()), e)),
    };
    let stamp = crate::seal::stamp(&meta);
    if let Some(body) = crate::seal::open(paths, INDEX_LABEL, &index_path(paths), stamp)
        && let Ok(mut idx) = serde_json::from_slice::<BTreeMap<String, Facts>>(&body)
    {
        return Ok(idx.remove(account_key));
    }
    let reg = Registry::load(paths)?;
    Ok(facts_of(&reg).remove(account_key))
}

/// Rebuilds the index after `accounts.toml` was written (`meta` is its metadata then).
/// Called by `Registry::save` under the store lock; best effort, by rename, so that readers
/// never see half of it, and without fsync: it is derived data.
pub(crate) fn write_index(paths: &Paths, meta: &std::fs::Metadata, reg: &Registry) {
    let path = index_path(paths);
    let sealed = serde_json::to_vec(&facts_of(reg))
        .ok()
        .and_then(|body| crate::seal::wrap(paths, INDEX_LABEL, crate::seal::stamp(meta), &body));
    let Some(bytes) = sealed else {
        let _ = std::fs::remove_file(&path);
        return;
    };
    let tmp = path.with_file_name(format!(".use-index.{}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(&bytes))
        .and_then(|_| std::fs::rename(&tmp, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        let _ = std::fs::remove_file(&path);
    }
}

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
        let r = read();
        if r.is_err() && counted {
            refund(sigil, &key);
        }
        r.map(|ok| (ok, f))
    });
    let shown = match &result {
        Ok(((full, _), _)) => full.to_string(),
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
    let ((full, secret), f) = result?;
    if sigil.usage().is_some()
        && matches!(usage, Use::Get | Use::Resolve | Use::Run)
        && let Some(f) = &f
    {
        warn_expiry(sigil, &key, f);
    }
    Ok((full, secret))
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

/// Whether a secret under `policy` may be handed to someone else as a plain age file: a
/// backup or export to a key that is not the store's own, or a new recipient of its folder.
/// Nothing binds the copy afterwards: whoever holds the key decrypts it with `age`, without
/// sigil, any `--allow`, window or count. So only a secret that `sigil get` may print at any
/// time, as often as asked, is handed over; its owner can copy it out anyway. (A policy
/// binds programs and scripts that run sigil, not the owner of the identity, who can always
/// decrypt the store with `age`; see SECURITY.md.)
pub(crate) fn exportable(policy: Option<&Policy>) -> bool {
    policy.is_none_or(|p| {
        p.not_before.is_none()
            && p.not_after.is_none()
            && p.max_uses.is_none()
            && p.allow.as_ref().is_none_or(|a| a.contains(&Use::Get))
    })
}

/// The accounts among `fields` whose policy forbids handing them over (see [`exportable`]),
/// as `service/account`, sorted and without repeats.
pub(crate) fn restricted(reg: &Registry, fields: &[FieldAddress]) -> Vec<String> {
    let keys: BTreeSet<String> = fields
        .iter()
        .map(FieldAddress::account_key)
        .filter(|k| !exportable(reg.policies.get(k)))
        .collect();
    keys.into_iter().collect()
}

/// The decision for a backup of `fields` encrypted to `to` (`None`: a passphrase). A backup
/// to the store's own recipients (its root `.age-recipients`, else the identity's key) is a
/// backup and always allowed; to any other key, or a passphrase, it is an export, and an
/// account whose policy forbids that refuses the whole backup (exit 5, naming each one), so
/// that no backup is silently incomplete. The backup code calls this before writing.
pub(crate) fn backup_allowed(
    sigil: &Sigil,
    to: Option<&[age::x25519::Recipient]>,
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

/// The refusal of handing `accounts` over, or `Ok` when there is none.
pub(crate) fn refuse_handover(accounts: &[String], what: &str, help: &str) -> Result<()> {
    if accounts.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = accounts.iter().map(|a| format!("'{a}'")).collect();
    Err(Error::Refused {
        message: format!(
            "{what}; the usage policy of {} does not allow that",
            list.join(", ")
        ),
        help: Some(help.to_owned()),
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn only_what_get_may_print_freely_is_handed_over() {
        let with = |f: fn(&mut Policy)| {
            let mut p = Policy::default();
            f(&mut p);
            exportable(Some(&p))
        };
        assert!(exportable(None));
        assert!(with(|_| {}));
        assert!(with(|p| p.allow = Some([Use::Get, Use::Run].into())));
        assert!(!with(|p| p.allow = Some([Use::Run].into())));
        assert!(!with(|p| p.allow = Some([Use::Git, Use::Env].into())));
        assert!(!with(|p| p.max_uses = Some(5)));
        assert!(!with(|p| p.not_after = Some(datetime!(2099-01-01 0:00 UTC))));
        assert!(!with(
            |p| p.not_before = Some(datetime!(2000-01-01 0:00 UTC))
        ));
    }

    #[test]
    fn restricted_names_each_account_once_and_the_refusal_lists_them() {
        let mut reg = Registry::default();
        let run_only = Policy {
            allow: Some([Use::Run].into()),
            ..Policy::default()
        };
        reg.policies.insert("team/deploy".into(), run_only.clone());
        reg.policies.insert("team/ci".into(), run_only);
        reg.policies.insert("team/docs".into(), Policy::default());
        let fields: Vec<FieldAddress> = [
            "team/deploy/api_key",
            "team/deploy/token",
            "team/docs/api_key",
            "team/ci/api_key",
            "team/free/api_key",
        ]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
        let r = restricted(&reg, &fields);
        assert_eq!(r, ["team/ci", "team/deploy"]);
        let e = refuse_handover(
            &r,
            "a backup to a key that is not the store's own is an export",
            "h",
        )
        .unwrap_err();
        assert_eq!(e.class(), crate::model::error::ExitClass::Refused);
        assert_eq!(
            e.to_string(),
            "a backup to a key that is not the store's own is an export; the usage policy of 'team/ci', 'team/deploy' does not allow that"
        );
        assert!(refuse_handover(&[], "x", "h").is_ok());
    }

    #[test]
    fn rules_name_themselves() {
        let now = datetime!(2026-11-23 10:00 UTC);
        let p = Policy {
            allow: Some([Use::Run].into()),
            ..Policy::default()
        };
        let e = p.check("a/b", Use::Get, now).unwrap_err().to_string();
        assert!(e.contains("--allow run does not include get"), "{e}");
        assert!(p.check("a/b", Use::Run, now).is_ok());
        let p = Policy {
            not_after: Some(datetime!(2026-11-22 0:00 UTC)),
            ..Policy::default()
        };
        let e = p.check("a/b", Use::Run, now).unwrap_err().to_string();
        assert!(
            e.contains("--not-after 2026-11-22T00:00:00Z has passed"),
            "{e}"
        );
        let p = Policy {
            max_uses: Some(2),
            uses: 2,
            ..Policy::default()
        };
        let e = p.check_count("a/b", Use::Get).unwrap_err().to_string();
        assert!(e.contains("--max-uses 2 reached"), "{e}");
        assert_eq!("run".parse::<Use>().unwrap(), Use::Run);
        assert!("print".parse::<Use>().is_err());
    }
}
