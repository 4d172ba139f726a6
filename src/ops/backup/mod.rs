//! `sigil backup`: one standard age file holding a gzip-compressed tar of every secret, the
//! metadata and the config, with a checksummed manifest (format: `docs/backup-format.md`).
//!
//! Everything streams: a secret is read, written into the archive and dropped before the
//! next one, so memory stays flat however large the store is. That is why the manifest is
//! the archive's LAST entry: its checksums are known only once every entry has been
//! written, and a first pass that decrypts every secret twice would double the cost.
//! Readers check each entry against the manifest when they reach it; `restore` therefore
//! reads the file twice (verify, then write), comparing the second pass with the first,
//! and keeps an on-disk journal so that a failed or killed restore is undone.
//!
//! The parts, a file each: this one holds the format (entry names, the manifest, the limits)
//! and the types the others share; `create.rs` writes a backup, `verify.rs` reads one back and
//! checks it, `restore.rs` writes one into the store, and `journal.rs` undoes a restore that
//! failed or was killed.

use crate::fsutil;
use crate::identity::Identity;
use crate::model::address::FieldAddress;
use crate::model::error::{Error, Result};
use crate::model::secret::Secret;
use crate::store::StoreError;
use age::secrecy::SecretString;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use time::OffsetDateTime;
use zeroize::Zeroizing;

mod create;
mod journal;
mod restore;
mod verify;

pub use create::{create, create_file, default_recipients};
pub use journal::{HEALED, heal, pending, recover};
pub use restore::{Plan, restore};
pub use verify::{is_passphrase_protected, read, verify};

/// What `format` says in every sigil backup's manifest.
pub const FORMAT: &str = "sigil-backup";
/// The archive format version this sigil writes. It reads this one and version 1 (which had
/// no `accounts.json`).
pub const VERSION: u32 = 2;
/// The manifest's entry name (the archive's last entry).
pub const MANIFEST: &str = "manifest.json";
/// The metadata entry.
pub const ACCOUNTS: &str = "accounts.toml";
/// The config entry (empty when the user had none).
pub const CONFIG: &str = "config.toml";
/// The metadata again, as JSON (version 2 on): what sigil reads back. Parsing a TOML
/// document of 10,000 accounts takes ~35 MB; the same records as JSON take a tenth of that,
/// which is what keeps `verify` and `restore` within their memory budget.
pub const ACCOUNTS_JSON: &str = "accounts.json";
/// The prefix of secret entries: `secrets/<service>/<account>/<field>`.
pub const SECRETS: &str = "secrets/";
/// The metadata entries of a real backup stay far below this (accounts.toml for 100,000
/// accounts is ~30 MiB); a bigger one is refused rather than read into memory. A secret
/// entry may be at most [`crate::model::secret::MAX_SIZE`], as `sigil add` accepts.
const MAX_ENTRY: u64 = 64 << 20;
/// The most all entries of one backup may hold together, uncompressed: an age file proves
/// nothing about who made it, so a small crafted file must not unpack into a full disk.
pub const MAX_ARCHIVE: u64 = 1 << 30;

/// Who a new backup is encrypted to.
pub enum Encryption {
    /// These X25519 recipients (the store's, or given on the command line).
    Recipients(Vec<crate::crypto::Recipient>),
    /// A passphrase (age's scrypt recipient).
    Passphrase(SecretString),
}

/// How to open a backup.
pub enum Key<'a> {
    /// With an identity (for backups encrypted to recipients).
    Identity(&'a Identity),
    /// With a passphrase (for scrypt backups).
    Passphrase(Zeroizing<String>),
}

/// The manifest: what the backup holds and a SHA-256 of every other entry, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The archive format version ([`VERSION`]).
    pub version: u32,
    /// The sigil that wrote it.
    pub sigil_version: String,
    /// When it was written.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// How many accounts `accounts.toml` records.
    pub accounts: usize,
    /// How many secrets it holds.
    pub secrets: usize,
    /// How many secrets came from each backend.
    pub backends: BTreeMap<String, usize>,
    /// Every entry before the manifest, in archive order.
    pub entries: Vec<ManifestEntry>,
}

/// One archive entry as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Its path in the archive.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its content, lower-case hex.
    pub sha256: String,
}

/// A byte count as the limits are stated (`1 MiB`, `64 MiB`, `1 GiB`).
fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b => format!("{b} bytes"),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where a secret lives in the archive.
pub fn entry_name(addr: &FieldAddress) -> String {
    format!(
        "{SECRETS}{}/{}/{}",
        addr.service(),
        addr.account(),
        addr.field()
    )
}

/// The secret an entry name stands for, when it is one.
fn entry_address(name: &str) -> Option<FieldAddress> {
    name.strip_prefix(SECRETS)?.parse().ok()
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match fsutil::read_capped(path, fsutil::Input::Metadata) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("cannot read '{}'", path.display()), e)),
    }
}

fn damaged(path: &Path, reason: impl std::fmt::Display) -> Error {
    StoreError::Damaged {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
    .into()
}

/// One entry read from a backup, checked against the manifest.
pub struct Entry {
    /// Its name.
    pub name: String,
    /// Its content (a secret for `secrets/…`).
    pub data: Secret,
}

pub use crate::store::OnConflict;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_map_back_to_addresses() {
        let a: FieldAddress = "git.hub/me+x@y.z/api_key".parse().unwrap();
        assert_eq!(entry_name(&a), "secrets/git.hub/me+x@y.z/api_key");
        assert_eq!(entry_address(&entry_name(&a)), Some(a));
        assert_eq!(entry_address("secrets/../x/y"), None);
        assert_eq!(entry_address("config.toml"), None);
    }
}
