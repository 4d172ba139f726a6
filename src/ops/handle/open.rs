//! Opening a home: [`Builder`], and what [`Builder::open`] does before it hands the handle
//! out (the config, the backend choice, healing an interrupted command).

use super::Sigil;
use crate::fsutil::{self, Lock};
use crate::identity::Identity;
use crate::model::config::Config;
use crate::model::error::Result;
use crate::model::notice;
use crate::model::paths::Paths;
use crate::ops::{backup, migrate, recipients, rekey};
use crate::store::backend::{BackendKind, Choice};
use crate::store::{self, EnvStore, FileStore, MemoryStore};
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
