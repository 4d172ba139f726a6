//! Secret backends behind one trait: `file` (age files, the default) and `memory` (tests);
//! also the backend choice, the change journal, and the metadata files (`metadata`).

pub mod backend;
pub(crate) mod change;
mod env;
mod file;
#[cfg(feature = "keyring")]
pub(crate) mod keyring;
mod memory;
pub mod metadata;

pub use env::{EnvStore, var_name};

/// What a command that writes many secrets (migrate, restore, import) does when an address
/// it would write already holds one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum OnConflict {
    /// Refuse the whole command before writing anything, listing the conflicts
    #[default]
    Fail,
    /// Keep what is there
    Skip,
    /// Replace it
    Overwrite,
}
pub(crate) use file::Kept;
pub use file::{FileStore, RECIPIENTS_FILE, parse_recipients};
#[cfg(feature = "keyring")]
pub use keyring::KeyringStore;
pub use memory::MemoryStore;

use crate::fsutil::PermissionError;
use crate::model::address::FieldAddress;
use crate::model::error::{Error, ExitClass};
use crate::model::secret::Secret;
use std::path::PathBuf;

/// A place secrets live. Implementations are thread-safe; writers are serialized by the
/// caller's store lock, readers need none.
pub trait Store: Send + Sync {
    /// The backend's name as users write it (`file`, `memory`).
    fn name(&self) -> &'static str;
    /// Reads one secret.
    fn get(&self, addr: &FieldAddress) -> Result<Secret, Error>;
    /// Whether a secret exists, without decrypting it.
    fn contains(&self, addr: &FieldAddress) -> Result<bool, Error>;
    /// Writes one secret, replacing any old value atomically.
    fn put(&self, addr: &FieldAddress, secret: &Secret) -> Result<(), Error>;
    /// Deletes one secret; `false` when there was none.
    fn delete(&self, addr: &FieldAddress) -> Result<bool, Error>;
    /// Every secret's address, sorted.
    fn list(&self) -> Result<Vec<FieldAddress>, Error>;
    /// Writes one secret as part of a batch that ends with [`Store::flush`]: the write is
    /// atomic, but a backend may leave making it durable to the flush. Large restores and
    /// migrations use this so that 10,000 writes cost one flush instead of 20,000 fsyncs.
    fn put_deferred(&self, addr: &FieldAddress, secret: &Secret) -> Result<(), Error> {
        self.put(addr, secret)
    }
    /// Gets ready for a [`Store::put_deferred`] of `addr` that another thread will make: the
    /// file store creates the account's directory. A batch whose writers run in parallel
    /// calls this from one thread, so that the writers do not queue on the lock of a
    /// directory they all add to (every new service is a directory in the store root).
    fn prepare(&self, _addr: &FieldAddress) -> Result<(), Error> {
        Ok(())
    }
    /// Deletes one secret as part of a batch that ends with [`Store::flush`].
    fn delete_deferred(&self, addr: &FieldAddress) -> Result<bool, Error> {
        self.delete(addr)
    }
    /// Makes every deferred write and deletion durable.
    fn flush(&self) -> Result<(), Error> {
        Ok(())
    }
}

/// Runs `f` on every item with a few threads and returns the results in order. Batches
/// use it: encryption is CPU-bound, and the filesystem's waits (fsync, the discards an
/// unlink can trigger) overlap when several are in flight.
pub(crate) fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    const THREADS: usize = 8;
    if items.len() < 16 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(THREADS);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let f = &f;
                scope.spawn(move || part.iter().map(f).collect::<Vec<R>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// What a backend can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such secret.
    #[error("'{address}' not found")]
    NotFound {
        /// The address asked for.
        address: String,
        /// Fields the account does have, to suggest.
        available: Vec<String>,
    },
    /// A secret is already there and `--force` was not given.
    #[error("'{address}' already exists")]
    Exists {
        /// The address.
        address: String,
    },
    /// The file is not encrypted to any key of the identity.
    #[error("cannot decrypt '{}': it is not encrypted to your identity", path.display())]
    WrongIdentity {
        /// The file.
        path: PathBuf,
    },
    /// The file is not a valid age file or fails its integrity check.
    #[error("'{}' is damaged or altered: {reason}", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What the age crate said.
        reason: String,
    },
    /// A `.age-recipients` file has a line that is not a recipient.
    #[error("'{}' is malformed at line {line}: {reason}", path.display())]
    Recipients {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Why.
        reason: String,
    },
    /// The recipients would lock the user out of their own secret.
    #[error("'{}' does not list your identity's public key, so sigil could not read back what it wrote", path.display())]
    NotARecipient {
        /// The recipients file.
        path: PathBuf,
        /// The user's public key, to add.
        public_key: String,
    },
    /// A path is accessible by other users.
    #[error(transparent)]
    Permission(#[from] PermissionError),
    /// A symbolic link below the store root, which sigil never follows: whoever can write a
    /// shared folder could point it at another secret or outside the store.
    #[error("'{}' is a symbolic link inside the store, and sigil never follows one there", path.display())]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// The backend only reads (env).
    #[error("the env backend is read-only: cannot change '{address}'")]
    ReadOnly {
        /// The address.
        address: String,
        /// The variable to set instead.
        variable: String,
    },
    /// A backend that was asked for explicitly cannot be used.
    #[error("the {backend} backend is unavailable: {reason}")]
    Unavailable {
        /// Which.
        backend: String,
        /// Why.
        reason: String,
    },
    /// The OS keyring refused or failed an operation.
    #[error("the keyring failed on '{address}': {reason}")]
    Keyring {
        /// The address (or item).
        address: String,
        /// What the platform said.
        reason: String,
    },
}

impl StoreError {
    pub(crate) fn class(&self) -> ExitClass {
        match self {
            StoreError::NotFound { .. } => ExitClass::NotFound,
            StoreError::WrongIdentity { .. } => ExitClass::Auth,
            StoreError::Damaged { .. } | StoreError::Permission(_) => ExitClass::Refused,
            StoreError::NotARecipient { .. } | StoreError::Symlink { .. } => ExitClass::Refused,
            StoreError::Exists { .. }
            | StoreError::Recipients { .. }
            | StoreError::ReadOnly { .. }
            | StoreError::Unavailable { .. }
            | StoreError::Keyring { .. } => ExitClass::Other,
        }
    }

    pub(crate) fn help(&self) -> Option<String> {
        match self {
            StoreError::NotFound { address, available } if !available.is_empty() => {
                let acct = address.rsplit_once('/').map_or(address.as_str(), |x| x.0);
                Some(format!(
                    "that account has: {} (e.g. `sigil get {acct}/{}`)",
                    available.join(", "),
                    available[0]
                ))
            }
            StoreError::NotFound { .. } => Some("`sigil list` shows what is stored".into()),
            StoreError::Exists { .. } => Some("pass --force to replace it".into()),
            StoreError::WrongIdentity { .. } => Some(
                "check SIGIL_IDENTITY / SIGIL_IDENTITY_FILE, or the .age-recipients file it was written with"
                    .into(),
            ),
            StoreError::Damaged { .. } => Some(
                "restore it from a backup, or remove it with `sigil rm`; other secrets are unaffected"
                    .into(),
            ),
            StoreError::Recipients { .. } => {
                Some("each line is an age public key (age1…); # starts a comment".into())
            }
            StoreError::NotARecipient { path, public_key } => Some(format!(
                "add your public key to it: echo {public_key} >> '{}'",
                path.display()
            )),
            StoreError::Permission(e) => Some(format!("run `{}`", e.fix())),
            StoreError::Symlink { path } => Some(format!(
                "if you did not put it there, someone with access to the folder did: remove it \
                 with `rm '{}'` (what it points to is not touched)",
                path.display()
            )),
            StoreError::ReadOnly { variable, .. } => {
                Some(format!("set {variable} in the environment instead"))
            }
            StoreError::Unavailable { .. } => Some(
                "choose another backend with --backend or SIGIL_BACKEND (`sigil status --verbose` shows what was probed)"
                    .into(),
            ),
            StoreError::Keyring { .. } => None,
        }
    }
}

impl StoreError {
    /// A not-found error for an address, with nothing to suggest.
    pub fn not_found(addr: &FieldAddress) -> StoreError {
        StoreError::NotFound {
            address: addr.to_string(),
            available: vec![],
        }
    }
}

#[cfg(test)]
pub(crate) mod conformance {
    //! The behaviour every writable backend must show; each backend's tests call these. Every
    //! address starts with `prefix`, so the suite can run in a keyring shared with others.

    use super::*;

    fn a(prefix: &str, s: &str) -> FieldAddress {
        format!("{prefix}{s}").parse().unwrap()
    }

    pub fn all(s: &dyn Store, prefix: &str) {
        round_trip(s, prefix);
        binary_values(s, prefix);
        delete_and_list(s, prefix);
        concurrent_writers(s, prefix);
    }

    pub fn round_trip(s: &dyn Store, p: &str) {
        let x = a(p, "svc/me/api_key");
        assert!(!s.contains(&x).unwrap());
        let e = s.get(&x).unwrap_err();
        assert_eq!(e.class(), ExitClass::NotFound, "{e}");
        s.put(&x, &Secret::from("v1")).unwrap();
        assert!(s.contains(&x).unwrap());
        assert_eq!(s.get(&x).unwrap().expose(), b"v1");
        s.put(&x, &Secret::from("v2")).unwrap();
        assert_eq!(s.get(&x).unwrap().expose(), b"v2");
        assert!(s.delete(&x).unwrap());
    }

    pub fn binary_values(s: &dyn Store, p: &str) {
        let x = a(p, "svc/bin/blob");
        let v: Vec<u8> = (1..=255u8)
            .chain(b"\n\r\n\0end\n".iter().copied())
            .collect();
        s.put(&x, &Secret::new(v.clone())).unwrap();
        assert_eq!(s.get(&x).unwrap().expose(), &v[..]);
        let lines = b"one\ntwo\n\nthree\n".to_vec();
        s.put(&x, &Secret::new(lines.clone())).unwrap();
        assert_eq!(s.get(&x).unwrap().expose(), &lines[..]);
        assert!(s.delete(&x).unwrap());
    }

    pub fn delete_and_list(s: &dyn Store, p: &str) {
        for addr in [
            "b/x/api_key",
            "a/y/token",
            "a/y/refresh_token",
            "a/x/api_key",
        ] {
            s.put(&a(p, addr), &Secret::from(addr)).unwrap();
        }
        let mine = |s: &dyn Store| -> Vec<String> {
            s.list()
                .unwrap()
                .iter()
                .map(|f| f.to_string())
                .filter(|f| f.starts_with(p))
                .collect()
        };
        let want: Vec<String> = [
            "a/x/api_key",
            "a/y/refresh_token",
            "a/y/token",
            "b/x/api_key",
        ]
        .iter()
        .map(|x| format!("{p}{x}"))
        .collect();
        assert_eq!(mine(s), want);
        assert!(s.delete(&a(p, "a/y/token")).unwrap());
        assert!(!s.delete(&a(p, "a/y/token")).unwrap());
        assert_eq!(mine(s).len(), 3);
        assert_eq!(
            s.get(&a(p, "a/y/refresh_token")).unwrap().expose(),
            b"a/y/refresh_token"
        );
        for addr in ["b/x/api_key", "a/y/refresh_token", "a/x/api_key"] {
            assert!(s.delete(&a(p, addr)).unwrap());
        }
        assert!(mine(s).is_empty());
    }

    pub fn concurrent_writers(s: &dyn Store, p: &str) {
        std::thread::scope(|scope| {
            for i in 0..8 {
                scope.spawn(move || {
                    let x = a(p, &format!("par/u{i}/api_key"));
                    s.put(&x, &Secret::from(format!("v{i}"))).unwrap();
                });
            }
        });
        for i in 0..8 {
            let x = a(p, &format!("par/u{i}/api_key"));
            assert_eq!(s.get(&x).unwrap().expose(), format!("v{i}").as_bytes());
            assert!(s.delete(&x).unwrap());
        }
    }
}
