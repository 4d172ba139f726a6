//! The `Sigil` handle, the library's public interface: it opens a home (its config, its
//! backend, its identity), heals what an interrupted command left (`ops::recover`), and reads
//! and writes credentials with the account's usage policy and the audit log applied. The CLI
//! goes through the same handle, so a program linking the library gets the same checks,
//! audit entries and healing as the command line. The crate root re-exports it.
//!
//! `open.rs` opens a home ([`Builder`]); `read.rs` finds and reads secrets; `write.rs`
//! stores and deletes them as one change with their metadata (`Change`).

mod open;
mod read;
mod write;

pub use open::Builder;
pub use write::PutOptions;

use crate::audit;
use crate::model::address::{Address, FieldAddress};
use crate::model::config::Config;
use crate::model::error::{Error, Result};
use crate::model::paths::Paths;
use crate::model::policy;
use crate::model::registry::{AccountMeta, Registry};
use crate::store::backend::{self, BackendKind, Choice, KeyringState};
use crate::store::{EnvStore, FileStore, MemoryStore, Store, StoreError};
use std::sync::OnceLock;
use std::time::Duration;

// The handle is shared between threads; this fails to compile if that ever stops holding.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Sigil>();
};

/// Opens the user's sigil exactly as the CLI does: same home, config, backend and identity.
pub fn open() -> Result<Sigil> {
    Sigil::builder().open()
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
    pub(in crate::ops) paths: Paths,
    pub(in crate::ops) config: Config,
    choice: Choice,
    file: FileStore,
    env: EnvStore,
    memory: Option<MemoryStore>,
    #[cfg(feature = "keyring")]
    keyring: crate::store::KeyringStore,
    #[cfg(feature = "vault")]
    vault: crate::store::VaultStore,
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
            BackendKind::Vault => self.vault_store(),
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
            if let Some(reason) = crate::store::keyring::cheap_absence() {
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

    #[cfg(feature = "vault")]
    fn vault_store(&self) -> Result<&dyn Store> {
        Ok(&self.vault)
    }

    #[cfg(not(feature = "vault"))]
    fn vault_store(&self) -> Result<&dyn Store> {
        Err(StoreError::Unavailable {
            backend: "vault".into(),
            reason: "this sigil was built without the vault feature".into(),
        }
        .into())
    }

    #[doc(hidden)]
    /// Whether this home uses the vault backend: it is the choice, or accounts.toml records an
    /// account there.
    pub fn uses_vault(&self) -> bool {
        self.choice.kind == BackendKind::Vault
            || Registry::load(&self.paths)
                .is_ok_and(|r| r.accounts.values().any(|m| m.backend == "vault"))
    }

    #[doc(hidden)]
    /// What `sigil status --verbose` says of the vault backend; `None` when it is not in use.
    #[cfg(feature = "vault")]
    pub fn vault_status(&self) -> Option<Result<crate::store::vault::VaultStatus>> {
        self.uses_vault().then(|| self.vault.status())
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
}
