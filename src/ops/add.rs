//! Storing a new secret or account: the one path that `sigil add`, `sigil add --totp`,
//! `sigil login` and the library's `Sigil::put` take. It checks before anything is asked for
//! that the value could be stored, and then stores it under the store lock as one change
//! (secrets and metadata, or nothing), with its audit entry. The commands differ only in what
//! [`Add`] says: which fields, which metadata, what counts as already there, and how the
//! audit log names the change.

use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, Result};
use crate::model::registry::{AccountMeta, Kind, Registry};
use crate::model::secret::Secret;
use crate::store::StoreError;
use crate::store::backend::BackendKind;
use crate::{PutOptions, Sigil};
use time::OffsetDateTime;

/// What makes an add refuse (without `force`), and how the refusal names it.
#[derive(Debug, Clone)]
pub enum Conflict {
    /// Any of the fields is there already: named by its own address (`sigil add`, `--totp`,
    /// the library's `put`).
    EachField,
    /// The account is there already, which its field `0` says: named by the account (a
    /// login fills a whole account; an earlier login is known by its `token`).
    Account(FieldAddress),
}

impl Conflict {
    /// The fields whose presence refuses an add of `fields`, each with the name its refusal
    /// gives.
    fn watched<'a>(
        &'a self,
        fields: impl Iterator<Item = &'a FieldAddress>,
    ) -> Vec<(&'a FieldAddress, String)> {
        match self {
            Conflict::EachField => fields.map(|a| (a, a.to_string())).collect(),
            Conflict::Account(a) => vec![(a, a.account_key())],
        }
    }
}

/// One add: what is stored, what goes with it, and how it is recorded.
pub struct Add<'a> {
    /// The fields, stored in this order (a login stores its access token last).
    pub fields: &'a [(FieldAddress, &'a Secret)],
    /// Fields an earlier value had that this one lacks: deleted in the same change, and
    /// dropped from the account's metadata (a new login without a refresh token).
    pub drop: &'a [FieldAddress],
    /// Force, kind, expiry, note, binding, as [`Sigil::put`] takes them.
    pub opts: &'a PutOptions,
    /// The kind of the account when this add makes it; an account that exists keeps its own
    /// (a TOTP seed added to a password account). `opts.kind`, when set, wins.
    pub new_account_kind: Option<Kind>,
    /// What is already there and refuses the add without `opts.force`.
    pub conflict: Conflict,
    /// The audit event (`add`, `login`) and the addresses it names: one entry each, or one
    /// entry for all of them when `audit = "required"` writes it as part of the change.
    pub event: &'static str,
    /// See `event`.
    pub shown: Vec<String>,
    /// Changes the metadata further before it is written (a login's provider and scopes, an
    /// import's creation time).
    pub adjust: &'a dyn Fn(&mut Registry),
}

impl<'a> Add<'a> {
    /// Fields stored with `opts`, refused field by field, audited as an `add` each: what
    /// `sigil add` and [`Sigil::put`] do.
    pub fn fields(fields: &'a [(FieldAddress, &'a Secret)], opts: &'a PutOptions) -> Add<'a> {
        Add {
            fields,
            drop: &[],
            opts,
            new_account_kind: None,
            conflict: Conflict::EachField,
            event: "add",
            shown: fields.iter().map(|(a, _)| a.to_string()).collect(),
            adjust: &|_| {},
        }
    }
}

impl Sigil {
    /// Checks, before a value is asked for (a prompt, a browser login), that `addr` could be
    /// stored: its backend is there, the file backend knows its own public keys (writing
    /// needs no identity), and (without `force`)
    /// nothing is in the way, as `conflict` names it. Returns the backend it would go to.
    /// (Only the commands ask first: a library user hands the value in.)
    #[cfg(any(feature = "cli", feature = "oauth"))]
    pub(crate) fn ready_to_add(
        &self,
        addr: &FieldAddress,
        force: bool,
        conflict: &Conflict,
    ) -> Result<BackendKind> {
        let kind = self.placement(addr)?;
        let store = self.store_of(kind)?;
        if kind == BackendKind::File {
            self.file_store().own_public_keys()?;
        }
        if !force {
            for (watched, name) in conflict.watched(std::iter::once(addr)) {
                if store.contains(watched)? {
                    return Err(StoreError::Exists { address: name }.into());
                }
            }
        }
        Ok(kind)
    }

    /// Stores an add (see [`Add`]) as one change under the store lock, and records it in
    /// the audit log, refused or not. Returns the backend it went to.
    pub(crate) fn add(&self, add: &Add) -> Result<BackendKind> {
        let result = self.add_unaudited(add);
        for a in &add.shown {
            self.record_change(add.event, std::slice::from_ref(a), &result);
        }
        result
    }

    fn add_unaudited(&self, add: &Add) -> Result<BackendKind> {
        let _lock = self.lock_for_change()?;
        // Parse the registry before touching a store, so a malformed file changes nothing.
        let mut reg = Registry::load(&self.paths)?;
        let before = crate::audit::required(self).then(|| reg.clone());
        let mut placed = Vec::with_capacity(add.fields.len());
        for (addr, _) in add.fields {
            placed.push((self.placement_in(&reg, addr)?, addr));
        }
        if !add.opts.force {
            for (watched, name) in add.conflict.watched(add.fields.iter().map(|(a, _)| a)) {
                let kind = self.placement_in(&reg, watched)?;
                if self.store_of(kind)?.contains(watched)? {
                    return Err(StoreError::Exists { address: name }.into());
                }
            }
        }
        let opts = self.opts_for(&reg, add);
        let dropped: Vec<(BackendKind, &FieldAddress)> = add
            .drop
            .iter()
            .map(|a| Ok((self.placement_in(&reg, a)?, a)))
            .collect::<Result<_>>()?;
        // The secrets and their metadata change together or not at all: should the metadata
        // not be written (a full disk), every secret goes back to what it was.
        let touched: Vec<(BackendKind, &FieldAddress)> =
            dropped.iter().chain(&placed).copied().collect();
        let change = self.begin_change_of(&touched)?;
        let written = (|| {
            for (kind, addr) in &dropped {
                self.store_of(*kind)?.delete(addr)?;
                if let Some(meta) = reg.accounts.get_mut(&addr.account_key()) {
                    meta.fields.remove(addr.field());
                }
            }
            for ((kind, addr), (_, secret)) in placed.iter().zip(add.fields) {
                self.store_of(*kind)?.put(addr, secret)?;
                record_put(&mut reg, addr, *kind, &opts);
            }
            (add.adjust)(&mut reg);
            reg.save(&self.paths)?;
            self.seal_change(add.event, &add.shown).inspect_err(|_| {
                if let Some(before) = &before {
                    let _ = before.save(&self.paths);
                }
            })
        })();
        match written {
            Ok(()) => change.commit(),
            Err(_) => change.abort(),
        }
        written.map(|()| placed.first().map_or(self.write_backend(), |(k, _)| *k))
    }

    /// The options an add stores with: its own, and the kind of a new account when the add
    /// makes one (decided under the lock, so that two adds at once agree).
    fn opts_for(&self, reg: &Registry, add: &Add) -> PutOptions {
        let mut opts = add.opts.clone();
        if opts.kind.is_none()
            && let Some(kind) = add.new_account_kind
            && let Some((addr, _)) = add.fields.first()
            && !reg.accounts.contains_key(&addr.account_key())
        {
            opts.kind = Some(kind);
        }
        opts
    }
}

/// Records in the metadata that `addr` was stored in `kind` with `opts`.
fn record_put(reg: &mut Registry, addr: &FieldAddress, kind: BackendKind, opts: &PutOptions) {
    let now = OffsetDateTime::now_utc();
    let kind_of_account = opts.kind.unwrap_or(if addr.field() == "password" {
        Kind::Password
    } else {
        Kind::ApiKey
    });
    let meta = reg
        .accounts
        .entry(addr.account_key())
        .or_insert_with(|| AccountMeta::new(kind_of_account, kind.as_str(), now));
    meta.fields.insert(addr.field().to_owned());
    meta.updated = now;
    meta.backend = kind.as_str().to_owned();
    if opts.kind.is_some() {
        meta.kind = kind_of_account;
    }
    if opts.expires_at.is_some() || opts.bound.is_some() {
        meta.expires_at = opts.expires_at;
    }
    if opts.bound.is_some() {
        meta.bound = opts.bound.clone();
    }
    if opts.note.is_some() {
        meta.note = opts.note.clone();
    }
}

/// A free `service/account` for a credential another program hands over (git's, docker's):
/// `service` as the program names its server, and `username` made to fit the address
/// grammar, with `-2`, `-3`, … on the service when the account is taken. `server` names the
/// server in the error when no name is free.
pub(crate) fn fresh_account(
    reg: &Registry,
    service: &str,
    username: &str,
    server: &dyn std::fmt::Display,
) -> Result<Address> {
    let mut account: String = username
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "@._+-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(128)
        .collect();
    if account.is_empty() || account.chars().all(|c| c == '.') {
        account = "default".into();
    }
    for n in 1..10_000 {
        let service = if n == 1 {
            service.to_owned()
        } else {
            format!("{service}-{n}")
        };
        if let Ok(a) = Address::new(&service, &account, None)
            && !reg.accounts.contains_key(&a.account_key())
        {
            return Ok(a);
        }
    }
    Err(Error::other(
        format!("cannot find a free name for a credential of '{server}'"),
        None,
    ))
}

/// The service name a credential another program hands over is filed under, from the
/// normalised URL or name of its server: the host and port, made to fit the service grammar
/// (`[::1]:5000` is `1-5000`, not `1--5000`). Only a name: the server recorded with the
/// credential is what it is matched on.
pub(crate) fn service_of_server(server: &str) -> String {
    let bare = server.split_once("://").map_or(server, |(_, r)| r);
    let host_port = bare.split('/').next().unwrap_or_default();
    let mut name = String::with_capacity(host_port.len());
    for c in host_port.chars() {
        let c = match c {
            'a'..='z' | '0'..='9' | '.' | '-' => c,
            _ => '-',
        };
        if !(c == '-' && name.ends_with('-')) {
            name.push(c);
        }
    }
    name = name.trim_matches(['-', '.']).to_owned();
    if name.is_empty() {
        name = "registry".into();
    }
    name.truncate(58);
    name
}
