//! `sigil mv` and `sigil cp`: a field, an account or a whole service carried to another
//! address with everything that goes with it — its metadata (`accounts.toml`: kind, note,
//! expiry, OAuth provider and scopes, the helper binding), its usage policy and use count.
//!
//! **Encryption.** A secret is encrypted to the recipients of its folder (the nearest
//! `.age-recipients`, else the identity's own keys). When the destination's recipients are
//! the source's, the age file is carried as it is (one rename for a move), without decrypting
//! it, so the command needs no identity; otherwise it is decrypted and encrypted to the
//! destination's recipients. A destination whose recipients include a key the source's do not
//! hands the secret to that key, which an account's usage policy may forbid (as for a backup
//! to another key, `model::policy::exportable`): then the command refuses (exit 5).
//!
//! **Policies.** A credential never leaves its policy: an account carries its policy and use
//! count along; a field moved out of an account with a policy goes to a new account that gets
//! a copy of it, or into an account with the same rules. A copy of a credential whose policy
//! counts uses (`--max-uses`), and a field split out of such an account, are refused: either
//! would be a second budget of uses.
//!
//! **Atomicity.** The whole command is one change of the store (`store::change`): every
//! touched secret file is kept by a hard link and named in the change journal before the
//! first is changed, and `accounts.toml` is written last. An error puts everything back; a
//! kill is taken back (or, once `accounts.toml` was written, finished) by the next command
//! that opens the home, under the store lock (`ops::recover`, [`Kind::Change`]). So every
//! credential is at its source or at its destination, never lost and never half there. A
//! keyring secret's old value is held in memory for an error only, as for `add` and `rm`.
//!
//! [`Kind::Change`]: crate::ops::recover::Kind::Change

use crate::Sigil;
use crate::fsutil;
use crate::model::address::{AUTH_SCHEME, Address, AddressError, FieldAddress};
use crate::model::error::{Error, Result};
use crate::model::policy::{Policy, refuse_handover, restricted};
use crate::model::registry::{AccountMeta, Kind, Registry};
use crate::store::StoreError;
use crate::store::backend::BackendKind;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;
use time::OffsetDateTime;

/// Whether the source stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `sigil mv`: the source goes.
    Move,
    /// `sigil cp`: the source stays.
    Copy,
}

impl Mode {
    /// The audit event.
    pub fn event(self) -> &'static str {
        match self {
            Mode::Move => "mv",
            Mode::Copy => "cp",
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Mode::Move => "move",
            Mode::Copy => "copy",
        }
    }
}

/// What `mv` and `cp` name at either end: a service, an account or a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `service`.
    Service(String),
    /// `service/account`.
    Account(Address),
    /// `service/account/field`.
    Field(FieldAddress),
}

impl Target {
    /// Parses `service`, `service/account` or `service/account/field` (`auth://` allowed).
    pub fn parse(text: &str) -> Result<Target> {
        let body = text.strip_prefix(AUTH_SCHEME).unwrap_or(text);
        if !body.is_empty() && !body.contains('/') {
            Address::new(body, "x", None).map_err(|e| AddressError {
                input: text.escape_debug().to_string(),
                reason: e.reason,
            })?;
            return Ok(Target::Service(body.to_owned()));
        }
        let a = Address::parse(text)?;
        Ok(match a.to_field_address() {
            Some(f) => Target::Field(f),
            None => Target::Account(a),
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Service(s) => f.write_str(s),
            Target::Account(a) => write!(f, "{a}"),
            Target::Field(a) => write!(f, "{a}"),
        }
    }
}

/// One secret carried over.
#[derive(Debug, Clone)]
pub struct Carried {
    /// Where it was.
    pub from: FieldAddress,
    /// Where it is.
    pub to: FieldAddress,
    /// Its backend (a credential stays in its backend).
    pub backend: BackendKind,
    /// Whether it was decrypted and encrypted to other recipients (a file-store secret whose
    /// destination's recipients differ); otherwise its age file was carried as it is.
    pub reencrypted: bool,
}

/// What a move or copy did.
#[derive(Debug, Default)]
pub struct Done {
    /// Every secret, in order.
    pub carried: Vec<Carried>,
    /// Accounts that had metadata and no secret: `(from, to)`.
    pub metadata_only: Vec<(String, String)>,
    /// Fields of a destination account replaced with `--force` that the source did not have,
    /// and so were removed.
    pub removed: Vec<FieldAddress>,
}

/// One account's part: its secrets and, for a whole account, its metadata.
struct Part {
    from: Address,
    to: Address,
    /// `(source field, destination field, backend)`.
    fields: Vec<(String, String, BackendKind)>,
    /// The whole account goes (its metadata and policy with it), not one field.
    whole: bool,
}

impl Sigil {
    #[doc(hidden)]
    /// `sigil mv` and `sigil cp` (see the module doc): carries `from` to `to`, refusing a
    /// destination that is there unless `force`, and records one audit entry per credential
    /// (`[source, destination]`; an `rm` for each field a forced replacement removed). With
    /// `audit = "required"`, one entry for the whole change, written as part of it, names them
    /// all (sources and destinations in turn, then the removed fields).
    pub fn transfer(&self, mode: Mode, from: &Target, to: &Target, force: bool) -> Result<Done> {
        let result = self.transfer_unaudited(mode, from, to, force);
        match &result {
            Ok(done) => {
                for c in &done.carried {
                    self.record_change(
                        mode.event(),
                        &[c.from.to_string(), c.to.to_string()],
                        &result,
                    );
                }
                for (a, b) in &done.metadata_only {
                    self.record_change(mode.event(), &[a.clone(), b.clone()], &result);
                }
                for r in &done.removed {
                    self.record_change("rm", &[r.to_string()], &result);
                }
            }
            Err(_) => {
                self.record_change(mode.event(), &[from.to_string(), to.to_string()], &result)
            }
        }
        result
    }

    fn transfer_unaudited(
        &self,
        mode: Mode,
        from: &Target,
        to: &Target,
        force: bool,
    ) -> Result<Done> {
        if self.choice().kind == BackendKind::Env {
            return Err(Error::UsageHelp {
                message: format!(
                    "the env backend is read-only: cannot {} '{from}'",
                    mode.verb()
                ),
                help: "drop --backend env".into(),
            });
        }
        let _lock = self.lock_for_change()?;
        let mut reg = Registry::load(self.paths())?;
        let before = crate::audit::required(self).then(|| reg.clone());
        let parts = self.plan(&reg, mode, from, to)?;
        if parts.iter().all(|p| p.fields.is_empty())
            && !parts
                .iter()
                .any(|p| p.whole && reg.accounts.contains_key(&p.from.account_key()))
        {
            return Err(Error::NotFound {
                message: format!("'{from}' not found"),
                help: Some("`sigil list` shows what is stored".into()),
            });
        }
        let removed = self.in_the_way(&reg, mode, &parts, force)?;
        self.check_policies(&reg, mode, &parts)?;
        let (plan, handed) = self.carriage(&parts)?;
        refuse_handover(
            &restricted(&reg, &handed),
            &format!(
                "the recipients of the destination include keys that those of the source do not, \
                 so to {} there hands the secret to them",
                mode.verb()
            ),
            "choose a destination with the same recipients, or change the policy: \
             `sigil policy set ACCOUNT --allow get,…`",
        )?;
        self.apply(mode, &mut reg, before.as_ref(), &parts, &plan, &removed)?;
        let metadata_only = parts
            .iter()
            .filter(|p| p.whole && p.fields.is_empty())
            .map(|p| (p.from.account_key(), p.to.account_key()))
            .collect();
        Ok(Done {
            carried: plan,
            metadata_only,
            removed: removed.into_iter().map(|(a, _)| a).collect(),
        })
    }

    /// Refuses a destination that is there (unless `force`) or kept in another backend;
    /// returns the fields a forced replacement of a whole account removes.
    fn in_the_way(
        &self,
        reg: &Registry,
        mode: Mode,
        parts: &[Part],
        force: bool,
    ) -> Result<Vec<(FieldAddress, BackendKind)>> {
        // What is in the way, and what a forced replacement of a whole account removes.
        let mut removed: Vec<(FieldAddress, BackendKind)> = Vec::new();
        for p in parts {
            let dst_key = p.to.account_key();
            if p.whole {
                let there = self.located(reg, &p.to)?;
                if !there.is_empty() || reg.accounts.contains_key(&dst_key) {
                    if !force {
                        return Err(StoreError::Exists { address: dst_key }.into());
                    }
                    let moved: BTreeSet<&str> = p.fields.iter().map(|f| f.1.as_str()).collect();
                    for (f, kind) in there {
                        if !moved.contains(f.as_str()) {
                            removed.push((p.to.with_field(&f)?, kind));
                        }
                    }
                }
            } else {
                for (_, g, kind) in &p.fields {
                    let to = p.to.with_field(g)?;
                    if !force && self.store_of(*kind)?.contains(&to)? {
                        return Err(StoreError::Exists {
                            address: to.to_string(),
                        }
                        .into());
                    }
                }
            }
            // A credential lives in one backend.
            if let Some(m) = reg.accounts.get(&dst_key)
                && !(p.whole && force)
                && let Some((_, _, kind)) = p.fields.first()
                && m.backend != kind.as_str()
            {
                return Err(Error::other(
                    format!(
                        "'{dst_key}' is kept in the {} backend and '{}' in the {kind} backend",
                        m.backend, p.from
                    ),
                    Some(format!(
                        "a credential {}s within its backend: choose another destination",
                        mode.verb()
                    )),
                ));
            }
        }
        Ok(removed)
    }

    /// Each secret to carry, and those whose destination adds a reader (a hand-over).
    fn carriage(&self, parts: &[Part]) -> Result<(Vec<Carried>, Vec<FieldAddress>)> {
        // Each file-store secret is carried sealed when both folders have the same
        // recipients; a destination that adds a reader is a hand-over.
        let mut plan: Vec<Carried> = Vec::new();
        let mut handed: Vec<FieldAddress> = Vec::new();
        let mut seen: BTreeMap<(PathBuf, PathBuf), (bool, bool)> = BTreeMap::new();
        for p in parts {
            for (f, g, kind) in &p.fields {
                let from = p.from.with_field(f)?;
                let to = p.to.with_field(g)?;
                let mut reencrypted = false;
                if *kind == BackendKind::File {
                    let file = self.file_store();
                    let dir = |a: &FieldAddress| {
                        file.path_of(a)
                            .parent()
                            .expect("secret path has a parent")
                            .to_owned()
                    };
                    let dirs = (dir(&from), dir(&to));
                    let (same, adds) = match seen.get(&dirs) {
                        Some(v) => *v,
                        None => {
                            let keys = |d: &std::path::Path| -> Result<BTreeSet<String>> {
                                Ok(file
                                    .recipients_for(d)?
                                    .0
                                    .iter()
                                    .map(ToString::to_string)
                                    .collect())
                            };
                            let (a, b) = (keys(&dirs.0)?, keys(&dirs.1)?);
                            let v = (a == b, !b.is_subset(&a));
                            seen.insert(dirs, v);
                            v
                        }
                    };
                    reencrypted = !same;
                    if adds {
                        handed.push(from.clone());
                    }
                }
                plan.push(Carried {
                    from,
                    to,
                    backend: *kind,
                    reencrypted,
                });
            }
        }
        Ok((plan, handed))
    }

    /// The change itself, under the store lock: secrets, then the metadata, then (with
    /// `audit = "required"`) its entry; all of it or, on any error, none.
    fn apply(
        &self,
        mode: Mode,
        reg: &mut Registry,
        before: Option<&Registry>,
        parts: &[Part],
        plan: &[Carried],
        removed: &[(FieldAddress, BackendKind)],
    ) -> Result<()> {
        // Every touched secret is kept for an undo and named in the change journal before
        // the first changes; the metadata is written last.
        let mut touched: Vec<(BackendKind, &FieldAddress)> = Vec::new();
        for (a, kind) in removed {
            touched.push((*kind, a));
        }
        for c in plan {
            if mode == Mode::Move {
                touched.push((c.backend, &c.from));
            }
            touched.push((c.backend, &c.to));
        }
        let change = self.begin_change_of(&touched)?;
        let now = OffsetDateTime::now_utc();
        let written = (|| {
            for (a, kind) in removed {
                self.store_of(*kind)?.delete(a)?;
            }
            for c in plan {
                self.carry(mode, c)?;
                fsutil::point("carried")
                    .map_err(|e| Error::io(format!("cannot {} '{}'", mode.verb(), c.from), e))?;
            }
            for p in parts {
                self.carry_metadata(reg, mode, p, now);
            }
            reg.save(self.paths())?;
            // With `audit = "required"` the change is kept only with its entry, written while
            // it can still be taken back: one entry for the whole change (as `add` does), so
            // that no entry tells of a move that was then taken back.
            let mut shown: Vec<String> = Vec::new();
            for c in plan {
                shown.extend([c.from.to_string(), c.to.to_string()]);
            }
            for p in parts.iter().filter(|p| p.whole && p.fields.is_empty()) {
                shown.extend([p.from.account_key(), p.to.account_key()]);
            }
            shown.extend(removed.iter().map(|(a, _)| a.to_string()));
            self.seal_change(mode.event(), &shown).inspect_err(|_| {
                if let Some(before) = before {
                    let _ = before.save(self.paths());
                }
            })
        })();
        match &written {
            Ok(()) => change.commit(),
            Err(_) => change.abort(),
        }
        written
    }

    /// Carries one secret: its age file as it is, or its value through the backend.
    fn carry(&self, mode: Mode, c: &Carried) -> Result<()> {
        if c.backend == BackendKind::File && !c.reencrypted {
            return self
                .file_store()
                .transfer_sealed(&c.from, &c.to, mode == Mode::Copy);
        }
        let store = self.store_of(c.backend)?;
        let value = store.get(&c.from)?;
        store.put(&c.to, &value)?;
        if mode == Mode::Move {
            store.delete(&c.from)?;
        }
        Ok(())
    }

    /// The accounts' parts of `from` → `to`, each with the fields it has.
    fn plan(&self, reg: &Registry, mode: Mode, from: &Target, to: &Target) -> Result<Vec<Part>> {
        let verb = mode.verb();
        let same = || {
            Err(Error::UsageHelp {
                message: format!("cannot {verb} '{from}' onto itself"),
                help: "name another destination".into(),
            })
        };
        let usage = |what: &str, help: String| -> Result<Vec<Part>> {
            Err(Error::UsageHelp {
                message: format!("cannot {verb} '{from}' to '{to}': {what}"),
                help,
            })
        };
        let whole = |a: &Address, b: Address| -> Result<Part> {
            let fields = self
                .located(reg, a)?
                .into_iter()
                .map(|(f, k)| (f.clone(), f, k))
                .collect();
            Ok(Part {
                from: a.clone(),
                to: b,
                fields,
                whole: true,
            })
        };
        match (from, to) {
            (Target::Field(f), Target::Field(_) | Target::Account(_)) => {
                let g = match to {
                    Target::Field(g) => g.clone(),
                    Target::Account(b) => b.with_field(f.field())?,
                    Target::Service(_) => unreachable!(),
                };
                if &g == f {
                    return same();
                }
                Ok(vec![self.field_part(reg, f, &g)?])
            }
            (Target::Field(f), Target::Service(s)) => usage(
                "a field goes to a field or an account",
                format!("name the account: `{s}/{}`", f.account()),
            ),
            (Target::Account(a), Target::Account(_) | Target::Service(_)) => {
                let b = match to {
                    Target::Account(b) => b.clone(),
                    Target::Service(s) => Address::new(s, a.account(), None)?,
                    Target::Field(_) => unreachable!(),
                };
                if b.account_key() == a.account_key() {
                    return same();
                }
                Ok(vec![whole(a, b)?])
            }
            (Target::Account(_), Target::Field(g)) => usage(
                "an account goes to an account or a service",
                format!("name the account: `{}`", g.account_key()),
            ),
            (Target::Service(s), Target::Service(t)) => {
                if s == t {
                    return same();
                }
                let mut parts = Vec::new();
                for account in self.accounts_of(reg, s)? {
                    let a = Address::new(s, &account, None)?;
                    let b = Address::new(t, &account, None)?;
                    parts.push(whole(&a, b)?);
                }
                if parts.is_empty() {
                    return Err(Error::NotFound {
                        message: format!("'{s}' not found"),
                        help: Some("`sigil list` shows what is stored".into()),
                    });
                }
                Ok(parts)
            }
            (Target::Service(s), Target::Account(b)) if b.service() == s => usage(
                "a service cannot go into itself",
                "a service goes to another service name".into(),
            ),
            (Target::Service(s), Target::Field(g)) if g.service() == s => usage(
                "a service cannot go into itself",
                "a service goes to another service name".into(),
            ),
            (Target::Service(_), _) => usage(
                "a service goes to a service",
                format!(
                    "name the new service: `sigil {} {from} NEWNAME`",
                    mode.event()
                ),
            ),
        }
    }

    /// The part of one field `f` carried to `g`, with the backend it is in.
    fn field_part(&self, reg: &Registry, f: &FieldAddress, g: &FieldAddress) -> Result<Part> {
        let account = f.account_address();
        let kind = self
            .located(reg, &account)?
            .into_iter()
            .find(|(name, _)| name == f.field())
            .map(|(_, k)| k);
        let Some(kind) = kind else {
            return Err(StoreError::NotFound {
                address: f.to_string(),
                available: self
                    .located(reg, &account)?
                    .into_iter()
                    .map(|(n, _)| n)
                    .collect(),
            }
            .into());
        };
        Ok(Part {
            from: account,
            to: g.account_address(),
            fields: vec![(f.field().to_owned(), g.field().to_owned(), kind)],
            whole: false,
        })
    }

    /// The fields `account` has and their backends: its files in the file store, and the
    /// fields its record places in another backend (the keyring), as the choice allows.
    fn located(&self, reg: &Registry, account: &Address) -> Result<Vec<(String, BackendKind)>> {
        let choice = self.choice().kind;
        let mut out: BTreeMap<String, BackendKind> = BTreeMap::new();
        if matches!(choice, BackendKind::Auto | BackendKind::File) {
            for f in self
                .file_store()
                .fields_of(account.service(), account.account())
            {
                out.insert(f, BackendKind::File);
            }
        }
        if choice == BackendKind::Memory {
            let store = self.store_of(BackendKind::Memory)?;
            for f in store.list()? {
                if f.account_key() == account.account_key() {
                    out.insert(f.field().to_owned(), BackendKind::Memory);
                }
            }
        }
        if let Some(m) = reg.accounts.get(&account.account_key())
            && let Ok(kind) = m.backend.parse::<BackendKind>()
            && !matches!(
                kind,
                BackendKind::File | BackendKind::Auto | BackendKind::Memory | BackendKind::Env
            )
            && (choice == BackendKind::Auto || choice == kind)
        {
            for f in &m.fields {
                out.entry(f.clone()).or_insert(kind);
            }
        }
        Ok(out.into_iter().collect())
    }

    /// The accounts of a service: those recorded, and those with files.
    fn accounts_of(&self, reg: &Registry, service: &str) -> Result<Vec<String>> {
        let mut out: BTreeSet<String> = reg
            .accounts
            .keys()
            .filter_map(|k| k.split_once('/'))
            .filter(|(s, _)| *s == service)
            .map(|(_, a)| a.to_owned())
            .collect();
        if matches!(self.choice().kind, BackendKind::Auto | BackendKind::File) {
            let dir = self.file_store().root().join(service);
            for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir())
                    && let Ok(name) = e.file_name().into_string()
                    && Address::new(service, &name, None).is_ok()
                    && !self.file_store().fields_of(service, &name).is_empty()
                {
                    out.insert(name);
                }
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Refuses what would take a credential out from under its usage policy or double its
    /// count of uses (see the module doc).
    fn check_policies(&self, reg: &Registry, mode: Mode, parts: &[Part]) -> Result<()> {
        let rules = |p: Option<&Policy>| {
            p.filter(|p| !p.is_empty()).map(|p| Policy {
                uses: 0,
                ..p.clone()
            })
        };
        let refuse = |message: String, help: &str| {
            Err(Error::Refused {
                message,
                help: Some(help.to_owned()),
            })
        };
        for p in parts {
            let src_key = p.from.account_key();
            let dst_key = p.to.account_key();
            let src = rules(reg.policies.get(&src_key));
            let counted = src.as_ref().is_some_and(|p| p.max_uses.is_some());
            if p.whole || src_key == dst_key {
                if counted && mode == Mode::Copy && src_key != dst_key {
                    return refuse(
                        format!(
                            "the usage policy of '{src_key}' limits its uses (--max-uses), and a \
                             copy would be a second budget of uses"
                        ),
                        "move it instead, or change the policy: `sigil policy clear ACCOUNT`",
                    );
                }
                continue;
            }
            let Some(src) = src else { continue };
            if reg.accounts.contains_key(&dst_key) {
                if rules(reg.policies.get(&dst_key)).as_ref() != Some(&src) {
                    return refuse(
                        format!(
                            "'{src_key}' has a usage policy that '{dst_key}' does not have, and a \
                             field {}d there would leave it",
                            mode.verb()
                        ),
                        "choose an account with the same policy, or a new one (which gets a \
                         copy of the policy)",
                    );
                }
                continue;
            }
            let keeps_others = mode == Mode::Copy
                || self
                    .located(reg, &p.from)?
                    .iter()
                    .any(|(f, _)| p.fields.iter().all(|(g, _, _)| g != f));
            if counted && keeps_others {
                return refuse(
                    format!(
                        "the usage policy of '{src_key}' limits its uses (--max-uses), and a \
                         field split out of it would be a second budget of uses"
                    ),
                    "move the whole account instead, or change the policy",
                );
            }
        }
        Ok(())
    }

    /// Carries an account's metadata and policy (whole), or one field's place in them.
    fn carry_metadata(&self, reg: &mut Registry, mode: Mode, p: &Part, now: OffsetDateTime) {
        let src_key = p.from.account_key();
        let dst_key = p.to.account_key();
        let meta = reg.accounts.get(&src_key).cloned();
        let policy = reg.policies.get(&src_key).cloned();
        let fresh = |field: &str, kind: BackendKind| {
            AccountMeta::new(
                if field == "password" {
                    Kind::Password
                } else {
                    Kind::ApiKey
                },
                kind.as_str(),
                now,
            )
        };
        if p.whole {
            if mode == Mode::Move {
                reg.accounts.remove(&src_key);
                reg.policies.remove(&src_key);
            }
            reg.accounts.remove(&dst_key);
            reg.policies.remove(&dst_key);
            let mut m = match (meta, p.fields.first()) {
                (Some(m), _) => m,
                (None, Some((f, _, kind))) => fresh(f, *kind),
                (None, None) => return,
            };
            m.fields.extend(p.fields.iter().map(|(_, g, _)| g.clone()));
            if mode == Mode::Copy {
                m.created = now;
                m.updated = now;
            }
            reg.accounts.insert(dst_key.clone(), m);
            if let Some(pol) = policy {
                reg.policies.insert(dst_key, pol);
            }
            return;
        }
        let (f, g, kind) = &p.fields[0];
        if mode == Mode::Move
            && let Some(m) = reg.accounts.get_mut(&src_key)
        {
            m.fields.remove(f);
            m.updated = now;
            if m.fields.is_empty() && src_key != dst_key {
                reg.accounts.remove(&src_key);
                reg.policies.remove(&src_key);
            }
        }
        match reg.accounts.get_mut(&dst_key) {
            Some(m) => {
                m.fields.insert(g.clone());
                m.updated = now;
            }
            None => {
                let mut m = match meta {
                    Some(m) => m,
                    None => fresh(g, *kind),
                };
                m.fields = [g.clone()].into();
                m.created = now;
                m.updated = now;
                reg.accounts.insert(dst_key.clone(), m);
                if let Some(pol) = policy {
                    reg.policies.insert(dst_key, pol);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_at_three_levels() {
        assert_eq!(Target::parse("gh").unwrap(), Target::Service("gh".into()));
        assert!(matches!(
            Target::parse("auth://gh/me").unwrap(),
            Target::Account(_)
        ));
        assert!(matches!(
            Target::parse("gh/me/token").unwrap(),
            Target::Field(_)
        ));
        for bad in ["", "GH", "../x", "a/b/c/d", "a//b"] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }
}
