//! Opening a home: [`Builder`], and what [`Builder::open`] does before it hands the handle
//! out (the config, the backend choice, healing an interrupted command).

use super::Sigil;
use crate::fsutil;
use crate::identity::Identity;
use crate::model::config::Config;
use crate::model::error::Result;
use crate::model::paths::Paths;
use crate::ops::recover;
use crate::store::backend::{BackendKind, Choice};
use crate::store::{EnvStore, FileStore, MemoryStore};
use std::sync::OnceLock;

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

    /// Opens the home at `paths` (a JWT login to the vault backend reads an account of the
    /// same home this way).
    #[cfg(feature = "vault")]
    fn paths(mut self, paths: Paths) -> Builder {
        self.paths = Some(paths);
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
        crate::crypto::plugin::allow_plugins(&config.plugins, &paths.config_file());
        let choice = Choice::resolve(
            self.backend.as_deref(),
            &config,
            &paths.config_file().display().to_string(),
        )?;
        #[cfg(not(feature = "keyring"))]
        if choice.kind == BackendKind::Keyring {
            return Err(crate::store::StoreError::Unavailable {
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
            keyring: crate::store::KeyringStore::new(&paths),
            #[cfg(feature = "vault")]
            vault: vault_store(&paths, &config),
            paths,
            config,
            choice,
            file,
            env: EnvStore,
            probe: OnceLock::new(),
            usage: None,
        };
        // What an interrupted command left is healed, or left to its live owner, by one rule
        // (`ops::recover`); the notices say what was done.
        let kinds: Vec<recover::Kind> = recover::Kind::ALL
            .into_iter()
            .filter(|k| !(self.leave_recipients && *k == recover::Kind::Recipients))
            .collect();
        recover::tell(&recover::heal_all(&sigil, &kinds));
        Ok(sigil)
    }
}

/// The vault backend of a home. A JWT login reads the OAuth account named by `jwt_account`
/// through a second handle on the same home with the backend chosen as `auto` (the account
/// cannot live in the vault it logs in to), so that an expiring token is refreshed first.
#[cfg(feature = "vault")]
fn vault_store(paths: &Paths, config: &Config) -> crate::store::VaultStore {
    let store = crate::store::VaultStore::new(paths, &config.vault);
    let home = paths.clone();
    store.set_jwt_source(Box::new(move |account: &str| {
        let addr: crate::model::address::Address = account.parse()?;
        // Reading it from the vault would log in again, and again.
        let reg = crate::model::registry::Registry::load(&home)?;
        if reg
            .accounts
            .get(&addr.account_key())
            .is_some_and(|m| m.backend == BackendKind::Vault.as_str())
        {
            return Err(crate::model::error::Error::UsageHelp {
                message: format!("'{account}' (jwt_account) is kept in the vault it would open"),
                help: "keep the OAuth account in the file store or the keyring: `sigil migrate --from-backend vault --to file`".into(),
            });
        }
        let sigil = Builder::default()
            .paths(home.clone())
            .backend(Some("auto"))
            .open()?;
        // The access token first: reading it refreshes the account when it is due, which
        // also brings a new id token when the provider issues one.
        let access = sigil.get_address(&addr.with_field("token")?.into())?.1;
        match sigil.get_address(&addr.with_field("id_token")?.into()) {
            Ok((_, id)) => Ok(id),
            Err(e) if e.class() == crate::model::error::ExitClass::NotFound => Ok(access),
            Err(e) => Err(e),
        }
    }));
    store
}
