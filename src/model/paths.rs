//! Where sigil keeps things: `<home>` for data and `<config>` for settings.

use crate::model::error::Error;
use std::env;
use std::path::{Path, PathBuf};

/// The directories sigil uses. `SIGIL_HOME` puts everything in one place; otherwise data goes
/// under `$XDG_DATA_HOME/sigil` and settings under `$XDG_CONFIG_HOME/sigil`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    home: PathBuf,
    config: PathBuf,
}

fn var(name: &str) -> Option<PathBuf> {
    env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn absolute(p: PathBuf) -> Result<PathBuf, Error> {
    if p.is_absolute() {
        Ok(p)
    } else {
        std::path::absolute(&p).map_err(|e| Error::io("cannot resolve the current directory", e))
    }
}

impl Paths {
    /// Resolves the directories from the environment, as every sigil binary does.
    pub fn from_env() -> Result<Paths, Error> {
        if let Some(h) = var("SIGIL_HOME") {
            let h = absolute(h)?;
            return Ok(Paths::in_one(h));
        }
        let user_home = || {
            var("HOME").ok_or_else(|| {
                Error::Usage("cannot tell where to keep sigil's files: HOME is not set".into())
            })
        };
        // XDG says relative values are to be ignored.
        let xdg = |name: &str, fallback: &str| -> Result<PathBuf, Error> {
            match var(name).filter(|p| p.is_absolute()) {
                Some(p) => Ok(p.join("sigil")),
                None => Ok(user_home()?.join(fallback).join("sigil")),
            }
        };
        Ok(Paths {
            home: xdg("XDG_DATA_HOME", ".local/share")?,
            config: xdg("XDG_CONFIG_HOME", ".config")?,
        })
    }

    /// Everything under one directory, as with `SIGIL_HOME`.
    pub fn in_one(dir: impl Into<PathBuf>) -> Paths {
        let dir = dir.into();
        Paths {
            home: dir.clone(),
            config: dir,
        }
    }

    /// The data directory, `<home>`.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The settings directory, `<config>`.
    pub fn config_dir(&self) -> &Path {
        &self.config
    }

    /// The file store's root, `<home>/store`.
    pub fn store(&self) -> PathBuf {
        self.home.join("store")
    }

    /// The metadata registry, `<home>/accounts.toml`.
    pub fn accounts(&self) -> PathBuf {
        self.home.join("accounts.toml")
    }

    /// The settings file, `<config>/config.toml`.
    pub fn config_file(&self) -> PathBuf {
        self.config.join("config.toml")
    }

    /// The identity file, `<config>/identity.txt`.
    pub fn identity_file(&self) -> PathBuf {
        self.config.join("identity.txt")
    }

    /// The identity's public keys, `<config>/identity.pub`: written by `sigil init` and
    /// whenever the home's own identity is opened, so that a write can name its own key
    /// without opening the identity (which may be locked, protected or out of reach).
    pub fn public_key_file(&self) -> PathBuf {
        self.config.join("identity.pub")
    }

    /// The marker saying the identity is kept in the OS keyring, `<config>/identity.keyring`.
    /// It holds no secret; it spares every command a keyring round trip when the identity is
    /// a file.
    pub fn identity_pointer(&self) -> PathBuf {
        self.config.join("identity.keyring")
    }

    /// This home's id in the OS keyring, `<config>/keyring-id.toml`: the `sigil-home`
    /// attribute of every Secret Service item it keeps there.
    pub fn keyring_id(&self) -> PathBuf {
        self.config.join("keyring-id.toml")
    }

    /// The lock file that serializes writers, `<home>/.lock`.
    pub fn lock_file(&self) -> PathBuf {
        self.home.join(".lock")
    }
}
