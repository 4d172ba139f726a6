//! sigil keeps API keys, passwords and OAuth tokens out of plaintext files and hands them to
//! programs on demand. This crate is the whole program; the binaries in `src/bin/` are thin
//! shells over it, and Rust programs link it instead of talking to a daemon:
//!
//! ```no_run
//! let sigil = sigil::open()?;
//! let token = sigil.get("github/me")?;
//! assert!(!token.expose().is_empty());
//! # Ok::<(), sigil::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod address;
pub mod config;
pub mod dispatch;
pub mod error;
pub mod exit;
mod fsutil;
pub mod identity;
pub mod paths;
pub mod registry;
pub mod secret;
pub mod status;
pub mod store;
pub mod token;
pub mod when;

#[cfg(feature = "cli")]
pub mod cli;

pub use address::{Address, FieldAddress, Reference};
pub use error::{Error, ExitClass, Result};
pub use fsutil::{Lock, PermissionError};
pub use identity::Identity;
pub use paths::Paths;
pub use registry::{AccountMeta, Kind, Registry};
pub use secret::Secret;
pub use token::{Token, TokenSet};

use config::Config;
use std::collections::BTreeSet;
use store::{FileStore, MemoryStore, Store, StoreError};
use time::OffsetDateTime;

/// Opens the user's sigil exactly as the CLI does: same home, config, backend and identity.
pub fn open() -> Result<Sigil> {
    Sigil::builder().open()
}

/// An open sigil: the entry point for reading and writing credentials.
pub struct Sigil {
    paths: Paths,
    config: Config,
    store: Box<dyn Store>,
}

impl std::fmt::Debug for Sigil {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sigil")
            .field("paths", &self.paths)
            .field("backend", &self.store.name())
            .finish()
    }
}

/// Options for opening a sigil other than the user's own (embedding, tests).
#[derive(Debug, Default)]
pub struct Builder {
    paths: Option<Paths>,
    identity: Option<Identity>,
    memory: bool,
}

impl Builder {
    /// Keeps everything under `dir`, as `SIGIL_HOME` does.
    pub fn home(mut self, dir: impl Into<std::path::PathBuf>) -> Builder {
        self.paths = Some(Paths::in_one(dir));
        self
    }

    /// Uses this identity instead of looking for one.
    pub fn identity(mut self, identity: Identity) -> Builder {
        self.identity = Some(identity);
        self
    }

    /// Keeps secrets in memory only (for tests of programs that use sigil).
    pub fn memory(mut self) -> Builder {
        self.memory = true;
        self
    }

    /// Opens it. Nothing is created on disk until something is written.
    pub fn open(self) -> Result<Sigil> {
        let paths = match self.paths {
            Some(p) => p,
            None => Paths::from_env()?,
        };
        let config = Config::load(&paths)?;
        let store: Box<dyn Store> = if self.memory {
            Box::new(MemoryStore::new())
        } else {
            match self.identity {
                Some(id) => Box::new(FileStore::with_identity(&paths, id)),
                None => Box::new(FileStore::new(&paths)),
            }
        };
        Ok(Sigil {
            paths,
            config,
            store,
        })
    }
}

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
}

/// An account as `list` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// `service/account`.
    pub address: Address,
    /// Its metadata.
    pub meta: AccountMeta,
}

/// Whether a credential still works, by its recorded expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryState {
    /// No expiry, or not soon.
    Ok,
    /// Expires within the warning window.
    Expiring,
    /// Already expired.
    Expired,
}

impl ExpiryState {
    /// Classifies an expiry time.
    pub fn of(
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
        warn: std::time::Duration,
    ) -> Self {
        match expires_at {
            Some(at) if at <= now => ExpiryState::Expired,
            Some(at) if at <= now + warn => ExpiryState::Expiring,
            _ => ExpiryState::Ok,
        }
    }

    /// `ok`, `expiring` or `expired`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiryState::Ok => "ok",
            ExpiryState::Expiring => "expiring",
            ExpiryState::Expired => "expired",
        }
    }
}

impl Sigil {
    /// A builder for a sigil other than the user's own.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The directories in use.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The settings in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The backend in use.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Reads a secret by address (`service/account[/field]` or `auth://…`).
    pub fn get(&self, addr: &str) -> Result<Secret> {
        Ok(self.get_address(&Address::parse(addr)?)?.1)
    }

    /// The field an address means: the one it names, else the account's default — `token`
    /// for an OAuth account (which holds a token and no API key), `api_key` otherwise. This
    /// asks the store, not `accounts.toml`, so `get` costs the same however many accounts
    /// there are.
    pub fn resolve_field(&self, addr: &Address) -> Result<FieldAddress> {
        if let Some(f) = addr.to_field_address() {
            return Ok(f);
        }
        let api = addr.with_field(address::DEFAULT_FIELD)?;
        if self.store.contains(&api)? {
            return Ok(api);
        }
        let token = addr.with_field(address::OAUTH_FIELD)?;
        if self.store.contains(&token)? {
            return Ok(token);
        }
        Ok(api)
    }

    /// Reads a secret, returning the full address it was found at.
    pub fn get_address(&self, addr: &Address) -> Result<(FieldAddress, Secret)> {
        let full = self.resolve_field(addr)?;
        let secret = self.store.get(&full)?;
        Ok((full, secret))
    }

    /// Stores a secret and records its metadata, under the store lock.
    pub fn put(&self, addr: &FieldAddress, secret: &Secret, opts: &PutOptions) -> Result<()> {
        let _lock = Lock::acquire(&self.paths.lock_file())?;
        // Parse the registry before touching the store, so a malformed file changes nothing.
        let mut reg = Registry::load(&self.paths)?;
        if !opts.force && self.store.contains(addr)? {
            return Err(StoreError::Exists {
                address: addr.to_string(),
            }
            .into());
        }
        self.store.put(addr, secret)?;
        let now = OffsetDateTime::now_utc();
        let kind = opts.kind.unwrap_or(if addr.field() == "password" {
            Kind::Password
        } else {
            Kind::ApiKey
        });
        let meta = reg
            .accounts
            .entry(addr.account_key())
            .or_insert_with(|| AccountMeta {
                kind,
                fields: BTreeSet::new(),
                backend: self.store.name().to_owned(),
                provider: None,
                scopes: vec![],
                created: now,
                updated: now,
                expires_at: None,
                note: None,
            });
        meta.fields.insert(addr.field().to_owned());
        meta.updated = now;
        meta.backend = self.store.name().to_owned();
        if opts.kind.is_some() {
            meta.kind = kind;
        }
        if opts.expires_at.is_some() {
            meta.expires_at = opts.expires_at;
        }
        if opts.note.is_some() {
            meta.note = opts.note.clone();
        }
        reg.save(&self.paths)
    }

    /// The fields an account has, from its metadata and the store together.
    pub fn fields_of(&self, addr: &Address) -> Result<Vec<FieldAddress>> {
        if let Some(f) = addr.to_field_address() {
            return Ok(if self.store.contains(&f)? {
                vec![f]
            } else {
                vec![]
            });
        }
        let reg = Registry::load(&self.paths)?;
        let mut fields: BTreeSet<String> = reg
            .accounts
            .get(&addr.account_key())
            .map(|m| m.fields.clone())
            .unwrap_or_default();
        for f in self.store.list()? {
            if f.service() == addr.service() && f.account() == addr.account() {
                fields.insert(f.field().to_owned());
            }
        }
        let mut out = Vec::new();
        for f in fields {
            let fa = addr.with_field(&f)?;
            if self.store.contains(&fa)? {
                out.push(fa);
            }
        }
        Ok(out)
    }

    /// Deletes a secret, or every field of an account when the address names no field, and
    /// its metadata. Returns what was deleted; not-found when nothing was there.
    pub fn delete(&self, addr: &Address) -> Result<Vec<FieldAddress>> {
        let _lock = Lock::acquire(&self.paths.lock_file())?;
        let mut reg = Registry::load(&self.paths)?;
        let targets = self.fields_of(addr)?;
        let had_meta = reg.accounts.contains_key(&addr.account_key());
        if targets.is_empty() && !(had_meta && addr.field().is_none()) {
            return Err(Error::NotFound {
                message: format!("'{addr}' not found"),
                help: Some("`sigil list` shows what is stored".into()),
            });
        }
        let mut deleted = Vec::new();
        for t in targets {
            if self.store.delete(&t)? {
                deleted.push(t);
            }
        }
        let key = addr.account_key();
        match addr.field() {
            None => {
                reg.accounts.remove(&key);
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
        reg.save(&self.paths)?;
        Ok(deleted)
    }

    /// Deletes every secret and all metadata. Returns how many secrets were deleted.
    pub fn delete_all(&self) -> Result<usize> {
        let _lock = Lock::acquire(&self.paths.lock_file())?;
        Registry::load(&self.paths)?;
        let mut n = 0;
        for f in self.store.list()? {
            if self.store.delete(&f)? {
                n += 1;
            }
        }
        Registry::empty().save(&self.paths)?;
        Ok(n)
    }

    /// Every account with its metadata, sorted by address; `service` filters.
    pub fn list(&self, service: Option<&str>) -> Result<Vec<Account>> {
        let reg = Registry::load(&self.paths)?;
        let mut out = Vec::with_capacity(reg.accounts.len());
        for (key, meta) in reg.accounts {
            let Some((s, a)) = key.split_once('/') else {
                continue;
            };
            if service.is_some_and(|want| want != s) {
                continue;
            }
            if let Ok(address) = Address::new(s, a, None) {
                out.push(Account { address, meta });
            }
        }
        Ok(out)
    }
}
