//! Secret backends behind one trait: `file` (age files, the default), `keyring`, `env`,
//! `vault` (OpenBao / Vault KV version 2) and `memory` (tests);
//! also the backend choice, the change journal, and the metadata files (`metadata`).

pub mod backend;
pub(crate) mod change;
mod env;
mod file;
#[cfg(feature = "keyring")]
pub(crate) mod keyring;
mod memory;
pub mod metadata;
#[cfg(feature = "vault")]
pub mod vault;

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
#[cfg(feature = "vault")]
pub use vault::VaultStore;

use crate::model::address::FieldAddress;
use crate::model::error::Error;
use crate::model::secret::Secret;

// Defined beside the crate's error type, which wraps it (model/error.rs says why).
pub use crate::model::error::StoreError;

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

#[cfg(test)]
pub(crate) mod conformance {
    //! The behaviour every writable backend must show; each backend's tests call these. Every
    //! address starts with `prefix`, so the suite can run in a keyring shared with others.

    use super::*;
    use crate::model::error::ExitClass;

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
