//! Seals on the files sigil derives from `accounts.toml` (the registry cache and the use
//! index): an HMAC keyed from the identity, so that whoever can write the home but has not the
//! identity cannot plant a copy that says an account has no policy.
//!
//! Both files are trusted only while `accounts.toml`'s size, mtime and inode match the ones
//! they were built from. Those are public (`stat`), so without a seal anyone who can write the
//! home could put a forged index beside the real file, and `sigil get` would skip a policy
//! that `sigil policy show` still reports. The seal's key is HKDF-derived from the identity's
//! first key (as the audit log's key is, with its own label). A process that cannot open the
//! identity without asking (a protected identity that is not unlocked, a keyring identity)
//! has no key: it neither trusts nor writes the derived files and reads `accounts.toml`
//! itself, which is slower for large registries but never wrong.

use crate::identity::Identity;
use crate::model::paths::Paths;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::PathBuf;
use std::sync::Mutex;
use zeroize::Zeroizing;

type Key = Zeroizing<[u8; 32]>;

/// The seal keys this process knows, by home: `None` when it looked and found no identity it
/// could open without asking (looked for once per process).
static KEYS: Mutex<Vec<(PathBuf, Option<Key>)>> = Mutex::new(Vec::new());

fn derive(identity: &Identity) -> Key {
    let audit = identity.audit_key();
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&audit[..]).expect("any key length");
    m.update(b"sigil derived files v1");
    Zeroizing::new(m.finalize().into_bytes().into())
}

/// Remembers the key of an identity this process opened for `paths` (with a passphrase, say),
/// so that the derived files written afterwards are sealed.
pub(crate) fn remember(paths: &Paths, identity: &Identity) {
    let key = derive(identity);
    if let Ok(mut keys) = KEYS.lock() {
        keys.retain(|(home, _)| home != paths.home());
        keys.push((paths.home().to_owned(), Some(key)));
    }
}

/// The seal key for `paths`, looking once for an identity that opens without a question.
fn key(paths: &Paths) -> Option<Key> {
    let mut keys = KEYS.lock().ok()?;
    if let Some((_, k)) = keys.iter().find(|(home, _)| home == paths.home()) {
        return k.clone();
    }
    let found = crate::identity::without_asking(paths);
    let key = found.as_ref().map(derive);
    keys.push((paths.home().to_owned(), key.clone()));
    if let Some(id) = found
        && let Ok(mut quiet) = QUIET.lock()
    {
        quiet.push((paths.home().to_owned(), id));
    }
    key
}

/// Identities [`key`] opened without asking, by home, until the file store takes them: the
/// same identity `Identity::load` would find first, so `sigil get` reads it once, not twice.
static QUIET: Mutex<Vec<(PathBuf, Identity)>> = Mutex::new(Vec::new());

/// The identity opened for `paths` by the seal, handed over once (see [`QUIET`]).
pub(crate) fn take_identity(paths: &Paths) -> Option<Identity> {
    let mut quiet = QUIET.lock().ok()?;
    let i = quiet.iter().position(|(home, _)| home == paths.home())?;
    Some(quiet.swap_remove(i).1)
}

fn hasher(key: &Key, label: &str, stamp: (u64, i128, u64), body: &[u8]) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&key[..]).expect("any key length");
    m.update(label.as_bytes());
    m.update(&[0]);
    m.update(&stamp.0.to_be_bytes());
    m.update(&stamp.1.to_be_bytes());
    m.update(&stamp.2.to_be_bytes());
    m.update(body);
    m
}

/// The seal (hex) of `body`, derived under `label` from `accounts.toml` with `stamp`, or
/// `None` when this process has no key (the caller then writes no derived file).
fn seal(paths: &Paths, label: &str, stamp: (u64, i128, u64), body: &[u8]) -> Option<String> {
    let key = key(paths)?;
    Some(hex(&hasher(&key, label, stamp, body)
        .finalize()
        .into_bytes()))
}

/// Whether `seal` is the seal of `body`; `false` without a key.
fn check(paths: &Paths, label: &str, stamp: (u64, i128, u64), body: &[u8], seal: &str) -> bool {
    let (Some(key), Some(bytes)) = (key(paths), unhex(seal)) else {
        return false;
    };
    // `verify_slice` compares in constant time.
    hasher(&key, label, stamp, body)
        .verify_slice(&bytes)
        .is_ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// A derived file on disk: one line of JSON header (`stamp`, `seal`), then the body.
fn split(bytes: &[u8]) -> Option<(Header, &[u8])> {
    let nl = bytes.iter().position(|&b| b == b'\n')?;
    let header: Header = serde_json::from_slice(&bytes[..nl]).ok()?;
    Some((header, &bytes[nl + 1..]))
}

/// The first line of a derived file.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Header {
    /// `accounts.toml`'s size, mtime (ns) and inode when the file was derived from it.
    pub stamp: (u64, i128, u64),
    /// [`seal`] of the body.
    pub seal: String,
}

/// The stamp of `accounts.toml`: what a derived file is bound to.
pub(crate) fn stamp(meta: &std::fs::Metadata) -> (u64, i128, u64) {
    use std::os::unix::fs::MetadataExt;
    let mtime = meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128;
    (meta.len(), mtime, meta.ino())
}

/// Reads a derived file's body when its header matches `stamp` and its seal holds.
pub(crate) fn open(
    paths: &Paths,
    label: &str,
    path: &std::path::Path,
    stamp: (u64, i128, u64),
) -> Option<Vec<u8>> {
    let bytes = crate::fsutil::read_capped(path, crate::fsutil::Input::Metadata).ok()?;
    let (header, body) = split(&bytes)?;
    (header.stamp == stamp && check(paths, label, stamp, body, &header.seal)).then(|| body.to_vec())
}

/// The bytes of a derived file (header line, then `body`), or `None` without a key.
pub(crate) fn wrap(
    paths: &Paths,
    label: &str,
    stamp: (u64, i128, u64),
    body: &[u8],
) -> Option<Vec<u8>> {
    let seal = seal(paths, label, stamp, body)?;
    let mut out = serde_json::to_vec(&Header { stamp, seal }).ok()?;
    out.push(b'\n');
    out.extend_from_slice(body);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> (tempfile::TempDir, Paths) {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path());
        let id = Identity::generate();
        remember(&paths, &id);
        (d, paths)
    }

    #[test]
    fn a_sealed_body_opens_and_any_change_does_not() {
        let (d, paths) = home();
        let stamp = (10, 20, 30);
        let bytes = wrap(&paths, "index", stamp, b"{\"a\":1}").unwrap();
        let file = d.path().join("f");
        std::fs::write(&file, &bytes).unwrap();
        assert_eq!(open(&paths, "index", &file, stamp).unwrap(), b"{\"a\":1}");
        // Another stamp, another label, another body, another key: all refused.
        assert!(open(&paths, "index", &file, (10, 20, 31)).is_none());
        assert!(open(&paths, "cache", &file, stamp).is_none());
        let mut forged = bytes.clone();
        let n = forged.len();
        forged[n - 2] = b'2';
        std::fs::write(&file, &forged).unwrap();
        assert!(open(&paths, "index", &file, stamp).is_none());
        std::fs::write(&file, &bytes).unwrap();
        remember(&paths, &Identity::generate());
        assert!(open(&paths, "index", &file, stamp).is_none());
    }
}
