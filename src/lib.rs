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
//!
//! The interface is [`open`], [`Sigil`] (built with [`Sigil::builder`] for embedding and
//! tests) and the types they take and return, all at the crate root; `docs/library.md` says
//! what is stable. Everything under [`internal`] is the binaries' machinery.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[doc(hidden)]
pub mod internal;

// docs/architecture.md draws these layers, says what each module owns and how `sigil get` and
// `sigil migrate` flow through them.
//
// The layers, lowest first: model (`model`: plain data and parsers); base (`fsutil`, `crypto`);
// storage (`identity`, `unlock`, `seal`, `store`, `audit`); ops (`ops`: the use cases, and
// this file with the `Sigil` handle); cli (`cli`, `exit`, the binaries). A module imports only
// from its own layer and the ones below (`imports_only_go_down` in xtask/src/tidy.rs). They are
// public to be reached through `internal` by the binaries, tests and benches, but for `fsutil`
// and `seal`.
#[doc(hidden)]
pub mod audit;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod crypto;
#[doc(hidden)]
pub mod exit;
mod fsutil;
#[doc(hidden)]
pub mod identity;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod ops;
mod seal;
#[doc(hidden)]
pub mod store;
#[doc(hidden)]
pub mod unlock;

pub use crate::identity::{Identity, IdentityError, IdentitySource};
pub use crate::model::address::{Address, AddressError, FieldAddress, Reference};
pub use crate::model::error::PermissionError;
pub use crate::model::error::{Error, ExitClass, MalformedFile, Result};
pub use crate::model::notice;
pub use crate::model::paths::Paths;
pub use crate::model::registry::{AccountMeta, Kind};
pub use crate::model::secret::Secret;
pub use crate::model::token::{Token, TokenSet};
pub use crate::model::when::ExpiryState;
pub use crate::store::StoreError;
pub use crate::store::backend::BackendKind;

// The handle is shared between threads; this fails to compile if that ever stops holding.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Sigil>();
};

use crate::fsutil::Lock;
use crate::model::config::Config;
use crate::model::registry::Registry;
use crate::model::{address, policy, registry};
use crate::ops::{backup, migrate, recipients, reference, rekey};
use crate::store::backend::{self, Choice, KeyringState};
use crate::store::{EnvStore, FileStore, MemoryStore, Store};
use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Duration;
use time::OffsetDateTime;

/// Opens the user's sigil exactly as the CLI does: same home, config, backend and identity.
pub fn open() -> Result<Sigil> {
    Sigil::builder().open()
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

/// The audit log, a layer below, reads what it needs of the home through this.
impl audit::Context for Sigil {
    fn paths(&self) -> &Paths {
        Sigil::paths(self)
    }

    fn config(&self) -> &Config {
        Sigil::config(self)
    }

    fn in_memory(&self) -> bool {
        self.choice().kind == BackendKind::Memory
    }

    fn key(&self) -> audit::Key {
        match self.file_store().identity() {
            Ok(id) => audit::Key::from_identity(id),
            Err(_) => audit::Key::Unkeyed,
        }
    }
}

/// An open sigil: the entry point for reading and writing credentials.
///
/// Every read through it passes the account's usage policy and is audited. What would let a
/// program step around that is not part of the interface: it cannot claim to be `sigil run`,
/// nor read a store directly.
///
/// ```compile_fail
/// let s = sigil::open().unwrap();
/// let _ = s.for_use(sigil::internal::model::policy::Use::Run); // crate-private
/// ```
///
/// ```compile_fail
/// let s = sigil::open().unwrap();
/// let _ = s.file_store(); // crate-private
/// ```
///
/// ```compile_fail
/// let s = sigil::open().unwrap();
/// let _ = s.store_of(sigil::BackendKind::File); // crate-private
/// ```
pub struct Sigil {
    paths: Paths,
    config: Config,
    choice: Choice,
    file: FileStore,
    env: EnvStore,
    memory: Option<MemoryStore>,
    #[cfg(feature = "keyring")]
    keyring: store::KeyringStore,
    probe: OnceLock<(KeyringState, Duration)>,
    usage: Option<policy::Use>,
}

impl std::fmt::Debug for Sigil {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sigil")
            .field("paths", &self.paths)
            .field("backend", &self.choice)
            .finish()
    }
}

/// Options for opening a sigil other than the user's own (embedding, tests).
#[derive(Debug, Default)]
pub struct Builder {
    paths: Option<Paths>,
    identity: Option<Identity>,
    backend: Option<String>,
    leave_recipients: bool,
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
    pub fn memory(self) -> Builder {
        self.backend(Some("memory"))
    }

    /// Forces a backend by name (`file`, `keyring`, `env`, `memory`, `auto`), as `--backend`
    /// does; `None` leaves the choice to `SIGIL_BACKEND`, config.toml and `auto`.
    pub fn backend(mut self, name: Option<&str>) -> Builder {
        self.backend = name.map(str::to_owned);
        self
    }

    /// Leaves an interrupted `sigil recipients add` or `rm` as it is, for the commands that
    /// report it (`status`, `check`) or finish it themselves (`recipients`).
    #[cfg(feature = "cli")]
    pub(crate) fn leave_recipients(mut self) -> Builder {
        self.leave_recipients = true;
        self
    }

    /// Opens it. Nothing is created on disk until something is written.
    pub fn open(self) -> Result<Sigil> {
        let paths = match self.paths {
            Some(p) => p,
            None => Paths::from_env()?,
        };
        fsutil::check_config(&paths)?;
        let config = Config::load(&paths)?;
        let choice = Choice::resolve(
            self.backend.as_deref(),
            &config,
            &paths.config_file().display().to_string(),
        )?;
        #[cfg(not(feature = "keyring"))]
        if choice.kind == BackendKind::Keyring {
            return Err(StoreError::Unavailable {
                backend: "keyring".into(),
                reason: "this sigil was built without the keyring feature".into(),
            }
            .into());
        }
        let file = match self.identity {
            Some(id) => FileStore::with_identity(&paths, id),
            None => FileStore::new(&paths),
        };
        let sigil = Sigil {
            memory: (choice.kind == BackendKind::Memory).then(MemoryStore::new),
            #[cfg(feature = "keyring")]
            keyring: store::KeyringStore::new(&paths),
            paths,
            config,
            choice,
            file,
            env: EnvStore,
            probe: OnceLock::new(),
            usage: None,
        };
        // An add or rm killed between its secrets and their metadata is taken back or
        // finished by whichever command comes next (one stat), once its process is gone.
        if store::change::pending(sigil.paths.home())
            && let Ok(Some(_lock)) = Lock::try_acquire(&sigil.paths.lock_file())
        {
            match store::change::heal(sigil.paths.home()) {
                Ok(Some(store::change::Healed::TakenBack)) => {
                    notice::note("took back a change to the store that was interrupted")
                }
                Ok(_) => {}
                Err(e) => notice::warn(format!("cannot take back the interrupted change yet: {e}")),
            }
        }
        // An interrupted `sigil migrate` is undone by whichever command comes next (one stat).
        if migrate::pending(sigil.paths.home()) {
            match migrate::heal(&sigil) {
                Ok(Some(id)) => notice::note(format!("undid the interrupted migration '{id}'")),
                Ok(None) => {}
                Err(e) => notice::warn(format!("cannot undo the interrupted migration yet: {e}")),
            }
        }
        // An interrupted `sigil backup restore` is undone by whichever command comes next
        // (one stat).
        if backup::pending(sigil.paths.home()) {
            match backup::heal(&sigil) {
                Ok(true) => notice::note(backup::HEALED),
                Ok(false) => {}
                Err(e) => notice::warn(format!("cannot undo the interrupted restore yet: {e}")),
            }
        }
        // An interrupted `sigil rekey` is finished by whichever command comes next (one stat).
        if rekey::pending(&sigil.paths) {
            match rekey::heal(&sigil.paths) {
                Ok(Some(what)) => notice::note(format!("{what} the interrupted key rotation")),
                Ok(None) => {}
                Err(e) => notice::warn(format!(
                    "cannot finish the interrupted key rotation yet: {e}"
                )),
            }
        }
        // An interrupted `sigil recipients add` or `rm` is finished by whichever command comes
        // next (one stat), with the report a complete run prints: the values to rotate too.
        if !self.leave_recipients && recipients::pending(sigil.paths.home()) {
            match recipients::heal(&sigil) {
                Ok(Some(change)) => notice::note(recipients::healed_report(&change).trim_end()),
                Ok(None) => {}
                Err(e) => notice::warn(format!(
                    "cannot finish the interrupted edit of a folder's recipients yet: {e}"
                )),
            }
        }
        Ok(sigil)
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
    /// For a credential a protocol helper stores: the origin it belongs to. The helper owns
    /// the account's metadata, so its expiry becomes exactly `expires_at` (none included).
    pub bound: Option<registry::Binding>,
}

/// An account as `list` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// `service/account`.
    pub address: Address,
    /// Its metadata.
    pub meta: AccountMeta,
}

impl Sigil {
    /// A builder for a sigil other than the user's own: an explicit home, a given identity,
    /// the memory backend — for programs that embed sigil and for their tests.
    ///
    /// ```
    /// use sigil::{FieldAddress, PutOptions, Secret, Sigil};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let sigil = Sigil::builder().home(dir.path().join("home")).memory().open()?;
    /// let addr: FieldAddress = "twitch/mybot/token".parse()?;
    /// sigil.put(&addr, &Secret::from("oauth-token"), &PutOptions::default())?;
    ///
    /// // The default field of an account holding only a token is `token`.
    /// assert_eq!(sigil.get("twitch/mybot")?.expose(), b"oauth-token");
    /// assert_eq!(sigil.list(Some("twitch"))?[0].address.to_string(), "twitch/mybot");
    /// assert_eq!(sigil.resolve_str("T={{ auth://twitch/mybot }}")?, "T=oauth-token");
    /// sigil.delete(&addr.into())?;
    /// assert_eq!(sigil.get("twitch/mybot").unwrap_err().class(), sigil::ExitClass::NotFound);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The directories in use.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// Says which command hands secrets out through this handle (`sigil run`, …), for usage
    /// policies, the audit log and expiry warnings. Without it a read counts as `get`.
    /// Crate-private: a program must not claim to be `sigil run` to pass an `--allow run`
    /// policy.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub(crate) fn for_use(mut self, usage: policy::Use) -> Sigil {
        self.usage = Some(usage);
        self
    }

    #[doc(hidden)]
    /// The command set by [`Sigil::for_use`], if any.
    pub fn usage(&self) -> Option<policy::Use> {
        self.usage
    }

    #[doc(hidden)]
    /// The settings in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    #[doc(hidden)]
    /// The backend the user asked for, and where that came from.
    pub fn choice(&self) -> &Choice {
        &self.choice
    }

    /// The file store (also what holds the identity's secrets when the keyring is not used).
    /// Crate-private, as [`Sigil::store_of`]: a store read skips policy and audit.
    pub(crate) fn file_store(&self) -> &FileStore {
        &self.file
    }

    #[doc(hidden)]
    /// What the keyring probe found (probed once, on first need, within a deadline).
    pub fn keyring_state(&self) -> &(KeyringState, Duration) {
        self.probe.get_or_init(backend::probe_keyring)
    }

    /// A backend by kind. The keyring is probed first, so an absent or locked keyring is an
    /// error that says why instead of a hang or a prompt. Crate-private: reading a store
    /// directly skips the usage policy and the audit log that [`Sigil::get`] applies.
    pub(crate) fn store_of(&self, kind: BackendKind) -> Result<&dyn Store> {
        match kind {
            BackendKind::File => Ok(&self.file),
            BackendKind::Env => Ok(&self.env),
            BackendKind::Memory => match &self.memory {
                Some(m) => Ok(m),
                None => Err(StoreError::Unavailable {
                    backend: "memory".into(),
                    reason: "it lives inside one program; choose it when opening sigil".into(),
                }
                .into()),
            },
            BackendKind::Keyring => self.keyring_store(),
            BackendKind::Auto => Err(Error::other(
                "'auto' is a choice between backends, not a backend",
                None,
            )),
        }
    }

    /// A backend to read from. On Linux the keyring's reads refuse a locked item instead of
    /// unlocking it, so they need no probe first; everywhere else this is [`Sigil::store_of`].
    fn reader_of(&self, kind: BackendKind) -> Result<&dyn Store> {
        #[cfg(all(feature = "keyring", target_os = "linux"))]
        if kind == BackendKind::Keyring {
            if let Some(reason) = store::keyring::cheap_absence() {
                return Err(StoreError::Unavailable {
                    backend: "keyring".into(),
                    reason,
                }
                .into());
            }
            return Ok(&self.keyring);
        }
        self.store_of(kind)
    }

    #[cfg(feature = "keyring")]
    fn keyring_store(&self) -> Result<&dyn Store> {
        match &self.keyring_state().0 {
            KeyringState::Available { .. } => Ok(&self.keyring),
            other => Err(StoreError::Unavailable {
                backend: "keyring".into(),
                reason: other.describe(),
            }
            .into()),
        }
    }

    #[cfg(not(feature = "keyring"))]
    fn keyring_store(&self) -> Result<&dyn Store> {
        Err(StoreError::Unavailable {
            backend: "keyring".into(),
            reason: "this sigil was built without the keyring feature".into(),
        }
        .into())
    }

    #[doc(hidden)]
    /// Where new accounts go: the forced backend, or for `auto` the keyring when one answers
    /// unlocked, else the file store.
    pub fn write_backend(&self) -> BackendKind {
        match self.choice.kind {
            BackendKind::Auto if self.keyring_state().0.is_available() => BackendKind::Keyring,
            BackendKind::Auto => BackendKind::File,
            forced => forced,
        }
    }

    /// The backend that holds an existing secret. With `auto`: an env variable wins, then the
    /// file store (a `stat`, so `get` never parses `accounts.toml` for a file secret), then the
    /// backend `accounts.toml` records for the account.
    fn locate(&self, addr: &FieldAddress) -> Result<Option<BackendKind>> {
        if self.choice.kind != BackendKind::Auto {
            let kind = self.choice.kind;
            return Ok(self.store_of(kind)?.contains(addr)?.then_some(kind));
        }
        if self.env.contains(addr)? {
            return Ok(Some(BackendKind::Env));
        }
        if self.file.contains(addr)? {
            return Ok(Some(BackendKind::File));
        }
        // Trust the record rather than asking the backend: a keyring round trip per
        // candidate field would triple the cost of a keyring `get`.
        let reg = Registry::load(&self.paths)?;
        if let Some(meta) = reg.accounts.get(&addr.account_key())
            && meta.fields.contains(addr.field())
            && let Ok(kind) = meta.backend.parse::<BackendKind>()
            && !matches!(kind, BackendKind::File | BackendKind::Auto)
        {
            return Ok(Some(kind));
        }
        Ok(None)
    }

    /// Reads a secret by address (`service/account[/field]` or `auth://…`).
    pub fn get(&self, addr: &str) -> Result<Secret> {
        Ok(self.get_address(&Address::parse(addr)?)?.1)
    }

    /// Renders a template as `sigil resolve -i` does: `{{ auth://… }}` and dotenv values that
    /// are exactly a reference are replaced; each distinct secret is read once.
    pub fn resolve_str(&self, template: &str) -> Result<String> {
        reference::render(template, "<template>", &mut reference::Resolver::new(self))
    }

    /// The field an address means: the one it names, else the account's default — `token`
    /// for an OAuth account (which holds a token and no API key), `api_key` otherwise. This
    /// asks the stores, not `accounts.toml`, so a file-store `get` costs the same however many
    /// accounts there are.
    pub fn resolve_field(&self, addr: &Address) -> Result<FieldAddress> {
        Ok(self.resolve_and_locate(addr)?.0)
    }

    /// [`Sigil::resolve_field`], also saying where the secret was found when the search
    /// found it, so that `get` does not ask the stores twice.
    fn resolve_and_locate(&self, addr: &Address) -> Result<(FieldAddress, Option<BackendKind>)> {
        if let Some(f) = addr.to_field_address() {
            return Ok((f, None));
        }
        let api = addr.with_field(address::DEFAULT_FIELD)?;
        let token = addr.with_field(address::OAUTH_FIELD)?;
        if self.choice.kind == BackendKind::Keyring {
            // Each keyring question is a D-Bus round trip: ask the record first.
            let reg = Registry::load(&self.paths)?;
            if let Some(meta) = reg.accounts.get(&addr.account_key()) {
                let has = |f: &FieldAddress| meta.fields.contains(f.field());
                let field = if !has(&api) && has(&token) {
                    token
                } else {
                    api
                };
                return Ok((field, None));
            }
        }
        if let Some(kind) = self.locate(&api)? {
            return Ok((api, Some(kind)));
        }
        if let Some(kind) = self.locate(&token)? {
            return Ok((token, Some(kind)));
        }
        Ok((api, None))
    }

    /// Reads a secret, returning the full address it was found at. An OAuth access token
    /// that expires within the refresh skew is refreshed first.
    pub fn get_address(&self, addr: &Address) -> Result<(FieldAddress, Secret)> {
        self.get_address_with(addr, true)
    }

    /// [`Sigil::get_address`], with the refresh of an expiring OAuth token optional
    /// (`sigil get --no-refresh`). Every read passes the account's usage policy and is
    /// recorded in the audit log.
    pub fn get_address_with(
        &self,
        addr: &Address,
        refresh: bool,
    ) -> Result<(FieldAddress, Secret)> {
        crate::ops::policy::guard(self, addr, || self.read_unguarded(addr, refresh))
    }

    /// Reads a secret for sigil's own bookkeeping (a migration's conflict check and read-back,
    /// the value an overwrite saves for its undo): nothing is handed out, so no policy is
    /// checked or counted and nothing goes to the audit log, and no token is refreshed.
    pub(crate) fn peek(&self, addr: &FieldAddress) -> Result<Secret> {
        Ok(self.read_unguarded(&addr.clone().into(), false)?.1)
    }

    fn read_unguarded(&self, addr: &Address, refresh: bool) -> Result<(FieldAddress, Secret)> {
        let (full, found) = self.resolve_and_locate(addr)?;
        // Only a `token` can be an OAuth access token, so other gets never read accounts.toml.
        #[cfg(feature = "oauth")]
        if refresh && full.field() == address::OAUTH_FIELD {
            let refreshed = self.refresh_if_due(&full, None);
            // Only an actual refresh (or a failed one) is an event of its own.
            if !matches!(refreshed, Ok(None)) {
                audit::record(self, "refresh", &[full.account_key()], &refreshed);
            }
            if let Some(fresh) = refreshed? {
                return Ok((full, fresh));
            }
        }
        #[cfg(not(feature = "oauth"))]
        let _ = refresh;
        let secret = match self.choice.kind {
            // A forced backend is simply asked: it says "not found" itself.
            BackendKind::Auto => match found.map_or_else(|| self.locate(&full), |k| Ok(Some(k)))? {
                Some(kind) => self.reader_of(kind)?.get(&full)?,
                // Not anywhere: the file store says so, with its suggestions.
                None => self.file.get(&full)?,
            },
            forced => self.reader_of(forced)?.get(&full)?,
        };
        Ok((full, secret))
    }

    /// A fresh token after a server rejected `rejected` (an HTTP 401): refreshes the OAuth
    /// account now, unless another thread or process already replaced that token, in which
    /// case the replacement is returned. So a burst of 401s costs one refresh.
    ///
    /// ```no_run
    /// let sigil = sigil::open()?;
    /// let token = sigil.get("github/me")?;
    /// // … the API answered 401 with `token` …
    /// let fresh = sigil.refresh_rejected("github/me", &token)?;
    /// # Ok::<(), sigil::Error>(())
    /// ```
    #[cfg(feature = "oauth")]
    pub fn refresh_rejected(&self, addr: &str, rejected: &Secret) -> Result<Secret> {
        let addr = Address::parse(addr)?;
        // A fresh token is handed out like any other read: the policy applies, and it is logged.
        crate::ops::policy::guard(self, &addr, || {
            let full = self.resolve_field(&addr)?;
            let fresh = self.refresh_unguarded(&full, rejected)?;
            Ok((full, fresh))
        })
        .map(|(_, fresh)| fresh)
    }

    /// [`Sigil::refresh_rejected`] without the policy (`sigil check`: a check is not a use).
    #[cfg(feature = "oauth")]
    pub(crate) fn refresh_unguarded(
        &self,
        full: &FieldAddress,
        rejected: &Secret,
    ) -> Result<Secret> {
        let full = full.clone();
        let refreshed = self.refresh_if_due(&full, Some(rejected));
        audit::record(self, "refresh", &[full.account_key()], &refreshed);
        match refreshed? {
            Some(fresh) => Ok(fresh),
            None => Err(Error::Auth {
                message: format!("'{full}' is not an OAuth token, so it cannot be refreshed"),
                help: Some(format!("store a new value with `sigil add {full} --force`")),
            }),
        }
    }

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
    /// part of the change ([`Sigil::seal_change`]) and the change stands.
    fn record_change<T>(&self, event: &str, shown: &[String], result: &Result<T>) {
        if !(audit::required(self) && result.is_ok()) {
            audit::record(self, event, shown, result);
        }
    }

    /// With `audit = "required"`, writes a change's entry while it can still be taken back
    /// (under the lock, metadata written, undo kept): a change is kept only with its entry.
    fn seal_change(&self, event: &str, shown: &[String]) -> Result<()> {
        if !audit::required(self) {
            return Ok(());
        }
        audit::record_required(self, event, shown, &Ok::<(), Error>(()))
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

    #[doc(hidden)]
    /// The fields an account has, with the backend each lives in.
    pub fn fields_of(&self, addr: &Address) -> Result<Vec<(FieldAddress, BackendKind)>> {
        let mut candidates: BTreeSet<String> = BTreeSet::new();
        match addr.field() {
            Some(f) => {
                candidates.insert(f.to_owned());
            }
            None => {
                let reg = Registry::load(&self.paths)?;
                if let Some(m) = reg.accounts.get(&addr.account_key()) {
                    candidates.extend(m.fields.iter().cloned());
                }
                candidates.extend(self.file.fields_of(addr.service(), addr.account()));
            }
        }
        let mut out = Vec::new();
        for f in candidates {
            let fa = addr.with_field(&f)?;
            if let Some(kind) = self.locate(&fa)? {
                out.push((fa, kind));
            }
        }
        Ok(out)
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
    /// and in the keyring (shared by every sigil home of the user) the items this home's
    /// `accounts.toml` records there — on Linux only those carrying the home's tag, all of
    /// them when there are duplicates. Returns how many secrets (addresses) were deleted.
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
        targets.extend(
            reg.accounts
                .iter()
                .filter(|(_, m)| m.backend == BackendKind::Keyring.as_str())
                .flat_map(|(key, m)| m.fields.iter().map(move |f| format!("{key}/{f}")))
                .filter_map(|a| a.parse().ok())
                .map(|f| (BackendKind::Keyring, f)),
        );
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
