//! The `keyring` backend: the OS keyring through the `keyring` crate — Secret Service on
//! Linux, Keychain on macOS, Credential Manager on Windows.
//!
//! Naming: every item has service `sigil` and user `<service>/<account>/<field>`; on Linux
//! the Secret Service attributes are `service=sigil username=github/me/token` (so
//! `secret-tool lookup service sigil username github/me/token` reads it) and the label reads
//! `sigil: github/me (token)`. The age identity, when kept here, is the item with user
//! `age-identity:<config dir>`.

use super::{Store, StoreError};
use crate::address::FieldAddress;
use crate::backend::KeyringState;
use crate::error::Error;
use crate::paths::Paths;
use crate::secret::Secret;
use keyring::Entry;

/// The keyring service name of every sigil item.
pub const SERVICE: &str = "sigil";

/// Secrets in the OS keyring.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    paths: Paths,
}

impl KeyringStore {
    /// The keyring store; `paths` serves listing on platforms that cannot search.
    pub fn new(paths: &Paths) -> KeyringStore {
        KeyringStore {
            paths: paths.clone(),
        }
    }
}

/// An entry with sigil's naming and a readable label.
fn entry(user: &str, label: &str) -> Result<Entry, keyring::Error> {
    #[cfg(target_os = "linux")]
    {
        let mut cred = keyring::secret_service::SsCredential::new_with_target(None, SERVICE, user)?;
        cred.label = label.to_owned();
        Ok(Entry::new_with_credential(Box::new(cred)))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = label;
        Entry::new(SERVICE, user)
    }
}

fn label(addr: &FieldAddress) -> String {
    format!("sigil: {} ({})", addr.account_key(), addr.field())
}

/// Turns a keyring error into sigil's, never including secret bytes (`BadEncoding` carries
/// them, so it is described, not printed).
fn failure(subject: &str, e: keyring::Error) -> Error {
    use keyring::Error as K;
    match e {
        K::NoEntry => Error::NotFound {
            message: format!("'{subject}' not found in the keyring"),
            help: Some("`sigil list` shows what is stored".into()),
        },
        K::NoStorageAccess(err) => StoreError::Unavailable {
            backend: "keyring".into(),
            reason: format!("it is locked or refused access ({err})"),
        }
        .into(),
        K::PlatformFailure(err) => StoreError::Unavailable {
            backend: "keyring".into(),
            reason: err.to_string(),
        }
        .into(),
        K::BadEncoding(_) => StoreError::Keyring {
            address: subject.into(),
            reason: "the stored value is not valid text".into(),
        }
        .into(),
        K::Ambiguous(items) => StoreError::Keyring {
            address: subject.into(),
            reason: format!("{} items match; remove the duplicates", items.len()),
        }
        .into(),
        other => StoreError::Keyring {
            address: subject.into(),
            reason: other.to_string(),
        }
        .into(),
    }
}

impl Store for KeyringStore {
    fn name(&self) -> &'static str {
        "keyring"
    }

    fn get(&self, addr: &FieldAddress) -> Result<Secret, Error> {
        let user = addr.to_string();
        #[cfg(target_os = "linux")]
        {
            match read_item(&user)? {
                Some(bytes) => Ok(Secret::new(bytes)),
                None => Err(StoreError::not_found(addr).into()),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let e = entry(&user, &label(addr)).map_err(|e| failure(&user, e))?;
            match e.get_secret() {
                Ok(bytes) => Ok(Secret::new(bytes)),
                Err(keyring::Error::NoEntry) => Err(StoreError::not_found(addr).into()),
                Err(err) => Err(failure(&user, err)),
            }
        }
    }

    fn contains(&self, addr: &FieldAddress) -> Result<bool, Error> {
        match self.get(addr) {
            Ok(_) => Ok(true),
            Err(e) if e.class() == crate::ExitClass::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn put(&self, addr: &FieldAddress, secret: &Secret) -> Result<(), Error> {
        let user = addr.to_string();
        let e = entry(&user, &label(addr)).map_err(|e| failure(&user, e))?;
        e.set_secret(secret.expose()).map_err(|e| failure(&user, e))
    }

    fn delete(&self, addr: &FieldAddress) -> Result<bool, Error> {
        let user = addr.to_string();
        let e = entry(&user, &label(addr)).map_err(|e| failure(&user, e))?;
        match e.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(err) => Err(failure(&user, err)),
        }
    }

    fn list(&self) -> Result<Vec<FieldAddress>, Error> {
        let mut out = list_items(&self.paths)?;
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// A Secret Service failure: the keyring cannot be used, and why.
#[cfg(target_os = "linux")]
fn unavailable(e: secret_service::Error) -> Error {
    StoreError::Unavailable {
        backend: "keyring".into(),
        reason: e.to_string(),
    }
    .into()
}

/// Reads one item in a single Secret Service session: search by `service=sigil` and
/// `username`, then read. A locked item is an error, never an unlock (which could prompt).
#[cfg(target_os = "linux")]
fn read_item(user: &str) -> Result<Option<Vec<u8>>, Error> {
    use secret_service::EncryptionType;
    use secret_service::blocking::SecretService;
    // A plain session: any process of the user can ask the unlocked Secret Service for this
    // item itself, so encrypting the transfer on the user's own session bus guards nothing the
    // bus does not — and the pure-Rust DH exchange was most of `get`'s time.
    let ss = SecretService::connect(EncryptionType::Plain).map_err(unavailable)?;
    let found = ss
        .search_items(std::collections::HashMap::from([
            ("service", SERVICE),
            ("username", user),
        ]))
        .map_err(unavailable)?;
    match (found.unlocked.as_slice(), found.locked.is_empty()) {
        ([item], _) => item.get_secret().map(Some).map_err(unavailable),
        ([], true) => Ok(None),
        ([], false) => Err(StoreError::Unavailable {
            backend: "keyring".into(),
            reason: "answered, but the item is locked; using it would prompt".into(),
        }
        .into()),
        (items, _) => Err(StoreError::Keyring {
            address: user.to_owned(),
            reason: format!("{} items match; remove the duplicates", items.len()),
        }
        .into()),
    }
}

/// Every sigil item in the keyring, found by searching `service=sigil`.
#[cfg(target_os = "linux")]
fn list_items(_paths: &Paths) -> Result<Vec<FieldAddress>, Error> {
    use secret_service::EncryptionType;
    use secret_service::blocking::SecretService;
    let ss = SecretService::connect(EncryptionType::Plain).map_err(unavailable)?;
    let found = ss
        .search_items(std::collections::HashMap::from([("service", SERVICE)]))
        .map_err(unavailable)?;
    let mut out = Vec::new();
    for item in found.unlocked.iter().chain(found.locked.iter()) {
        if let Ok(attrs) = item.get_attributes()
            && let Some(user) = attrs.get("username")
            && let Ok(addr) = user.parse::<FieldAddress>()
        {
            out.push(addr);
        }
    }
    Ok(out)
}

/// Where the platform cannot search, the items sigil recorded in `accounts.toml`.
#[cfg(not(target_os = "linux"))]
fn list_items(paths: &Paths) -> Result<Vec<FieldAddress>, Error> {
    let reg = crate::Registry::load(paths)?;
    let mut out = Vec::new();
    for (key, meta) in reg.accounts.iter().filter(|(_, m)| m.backend == "keyring") {
        for f in &meta.fields {
            if let Ok(a) = format!("{key}/{f}").parse() {
                out.push(a);
            }
        }
    }
    Ok(out)
}

/// A reason the keyring cannot answer that costs nothing to find: on Linux, no session bus.
pub(crate) fn cheap_absence() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        match std::env::var("DBUS_SESSION_BUS_ADDRESS")
            .ok()
            .filter(|v| !v.is_empty())
        {
            None => {
                let runtime = std::env::var_os("XDG_RUNTIME_DIR")
                    .map(|d| std::path::PathBuf::from(d).join("bus"));
                if !runtime.is_some_and(|p| p.exists()) {
                    return Some("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)".into());
                }
            }
            Some(addr) => {
                // A unix socket path that does not exist cannot answer.
                if let Some(path) = addr
                    .split(';')
                    .next()
                    .and_then(|a| a.strip_prefix("unix:"))
                    .and_then(|kv| kv.split(',').find_map(|p| p.strip_prefix("path=")))
                    && !std::path::Path::new(path).exists()
                {
                    return Some(format!("the D-Bus session bus '{path}' does not exist"));
                }
            }
        }
        None
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// Asks the keyring whether it answers and is unlocked, without ever prompting.
pub(crate) fn probe() -> KeyringState {
    #[cfg(target_os = "linux")]
    {
        use secret_service::EncryptionType;
        use secret_service::blocking::SecretService;
        let ss = match SecretService::connect(EncryptionType::Plain) {
            Ok(ss) => ss,
            Err(e) => {
                return KeyringState::Unavailable {
                    reason: format!("no Secret Service answered on the session bus ({e})"),
                };
            }
        };
        let collection = match ss.get_default_collection() {
            Ok(c) => c,
            Err(e) => {
                return KeyringState::Unavailable {
                    reason: format!("the Secret Service has no default collection ({e})"),
                };
            }
        };
        let name = collection.get_label().unwrap_or_else(|_| "default".into());
        match collection.is_locked() {
            Ok(false) => KeyringState::Available {
                detail: format!("Secret Service, collection '{name}' unlocked"),
            },
            Ok(true) => KeyringState::Locked {
                detail: format!("Secret Service, collection '{name}'"),
            },
            Err(e) => KeyringState::Unavailable {
                reason: format!("the Secret Service did not say whether it is locked ({e})"),
            },
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        match Entry::new(SERVICE, "sigil-probe").and_then(|e| e.get_secret().map(|_| ())) {
            Ok(()) | Err(keyring::Error::NoEntry) => KeyringState::Available {
                detail: "the platform keyring".into(),
            },
            Err(keyring::Error::NoStorageAccess(e)) => KeyringState::Locked {
                detail: e.to_string(),
            },
            Err(e) => KeyringState::Unavailable {
                reason: e.to_string(),
            },
        }
    }
}

/// The keyring user of the age identity for a config directory.
pub(crate) fn identity_user(paths: &Paths) -> String {
    format!("age-identity:{}", paths.config_dir().display())
}

/// Reads the identity text kept in the keyring.
pub(crate) fn read_identity(paths: &Paths) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    let user = identity_user(paths);
    let e = entry(&user, "").map_err(|e| failure(&user, e))?;
    e.get_secret()
        .map(zeroize::Zeroizing::new)
        .map_err(|e| failure("the age identity", e))
}

/// Keeps the identity text in the keyring.
pub(crate) fn write_identity(paths: &Paths, text: &[u8]) -> Result<(), Error> {
    let user = identity_user(paths);
    let label = format!("sigil: age identity ({})", paths.config_dir().display());
    let e = entry(&user, &label).map_err(|e| failure(&user, e))?;
    e.set_secret(text)
        .map_err(|e| failure("the age identity", e))
}

/// Removes the identity from the keyring; `false` when there was none.
pub(crate) fn delete_identity(paths: &Paths) -> Result<bool, Error> {
    let user = identity_user(paths);
    let e = entry(&user, "").map_err(|e| failure(&user, e))?;
    match e.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(err) => Err(failure("the age identity", err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance;

    /// Only inside `cargo xtask test`'s private gnome-keyring: never the developer's own.
    fn private_keyring() -> bool {
        if std::env::var_os("SIGIL_TEST_REQUIRE_KEYRING").is_none() {
            eprintln!("skipped: no private Secret Service (run `cargo xtask test`)");
            return false;
        }
        let (state, _) = crate::backend::probe_keyring();
        assert!(
            state.is_available(),
            "the private keyring does not answer: {state:?}"
        );
        true
    }

    #[test]
    fn conforms() {
        if !private_keyring() {
            return;
        }
        let d = tempfile::tempdir().unwrap();
        let prefix = format!("unit{}-", std::process::id());
        conformance::all(&KeyringStore::new(&Paths::in_one(d.path())), &prefix);
    }

    #[test]
    fn identity_round_trip() {
        if !private_keyring() {
            return;
        }
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path().join("h"));
        let id = crate::Identity::generate();
        id.keep_in_keyring(&paths).unwrap();
        let back = crate::Identity::load(&paths).unwrap();
        assert_eq!(
            back.recipients()[0].to_string(),
            id.recipients()[0].to_string()
        );
        assert!(matches!(
            back.source(),
            crate::identity::IdentitySource::Keyring(_)
        ));
        assert!(delete_identity(&paths).unwrap());
        assert!(!delete_identity(&paths).unwrap());
    }
}
