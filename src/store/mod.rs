//! Secret backends behind one trait: `file` (age files, the default) and `memory` (tests).

mod file;
mod memory;

pub use file::{FileStore, RECIPIENTS_FILE};
pub use memory::MemoryStore;

use crate::address::FieldAddress;
use crate::error::{Error, ExitClass};
use crate::fsutil::PermissionError;
use crate::secret::Secret;
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
}

impl StoreError {
    pub(crate) fn class(&self) -> ExitClass {
        match self {
            StoreError::NotFound { .. } => ExitClass::NotFound,
            StoreError::WrongIdentity { .. } => ExitClass::Auth,
            StoreError::Damaged { .. } | StoreError::Permission(_) => ExitClass::Refused,
            StoreError::NotARecipient { .. } => ExitClass::Refused,
            StoreError::Exists { .. } | StoreError::Recipients { .. } => ExitClass::Other,
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
    //! The behaviour every writable backend must show; each backend's tests call these.

    use super::*;

    fn a(s: &str) -> FieldAddress {
        s.parse().unwrap()
    }

    pub fn round_trip(s: &dyn Store) {
        let x = a("svc/me/api_key");
        assert!(!s.contains(&x).unwrap());
        let e = s.get(&x).unwrap_err();
        assert_eq!(e.class(), ExitClass::NotFound, "{e}");
        s.put(&x, &Secret::from("v1")).unwrap();
        assert!(s.contains(&x).unwrap());
        assert_eq!(s.get(&x).unwrap().expose(), b"v1");
        s.put(&x, &Secret::from("v2")).unwrap();
        assert_eq!(s.get(&x).unwrap().expose(), b"v2");
    }

    pub fn binary_values(s: &dyn Store) {
        let x = a("svc/bin/blob");
        let v: Vec<u8> = (0..=255u8)
            .chain(b"\n\r\n\0end\n".iter().copied())
            .collect();
        s.put(&x, &Secret::new(v.clone())).unwrap();
        assert_eq!(s.get(&x).unwrap().expose(), &v[..]);
    }

    pub fn delete_and_list(s: &dyn Store) {
        for addr in [
            "b/x/api_key",
            "a/y/token",
            "a/y/refresh_token",
            "a/x/api_key",
        ] {
            s.put(&a(addr), &Secret::from(addr)).unwrap();
        }
        let listed: Vec<String> = s.list().unwrap().iter().map(|f| f.to_string()).collect();
        assert_eq!(
            listed,
            [
                "a/x/api_key",
                "a/y/refresh_token",
                "a/y/token",
                "b/x/api_key"
            ]
        );
        assert!(s.delete(&a("a/y/token")).unwrap());
        assert!(!s.delete(&a("a/y/token")).unwrap());
        assert_eq!(s.list().unwrap().len(), 3);
        assert_eq!(
            s.get(&a("a/y/refresh_token")).unwrap().expose(),
            b"a/y/refresh_token"
        );
    }
}
