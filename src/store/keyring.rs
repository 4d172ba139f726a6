//! The `keyring` backend: the OS keyring — the Secret Service on Linux (through the
//! `secret-service` crate), Keychain on macOS and Credential Manager on Windows (through the
//! `keyring` crate).
//!
//! Naming: every item has service `sigil` and user `<service>/<account>/<field>`, and the
//! label reads `sigil: github/me (token)`. The age identity, when kept here, is the item with
//! user `age-identity:<config dir>`.
//!
//! On Linux every item also carries its home's id: the Secret Service attributes are
//! `service=sigil username=github/me/token sigil-home=<id>`, the id being the one in
//! `<config>/keyring-id.toml` (see `home`). sigil finds items by all three, so it never reads,
//! lists, overwrites or deletes what another sigil home of the user (another `SIGIL_HOME`) or
//! another program stored under sigil's names. Two items of the home under one name are
//! refused by `get` and all deleted by `rm`; `add --force` leaves one. Other clients still
//! find an item by a subset: `secret-tool lookup service sigil username github/me/token`.
//!
//! An earlier sigil wrote items without `sigil-home`. A home adopts such an item (rewrites it
//! tagged and deletes the original, on its first use of the name, saying so on stderr) only
//! when its `accounts.toml` recorded the address in the keyring before the home had an id —
//! that list is frozen in `keyring-id.toml` when the id is made — and still records it, and
//! only when exactly one untagged item has the name; its identity likewise when the pointer
//! file existed then. So a home made by this sigil adopts nothing, and no home adopts an
//! address it had not recorded. The limit: a home that already recorded the address when this
//! sigil first ran there (a second home that shared the item under an earlier sigil, or a
//! copy of another home's `accounts.toml`) adopts it if it runs first, and the other home
//! then finds it missing.
//!
//! On macOS and Windows items are named by service and user only, as before, so two homes
//! there still share them.

#[cfg(target_os = "linux")]
mod home;
#[cfg(target_os = "linux")]
mod items;

use super::{Store, StoreError};
use crate::model::address::FieldAddress;
use crate::model::error::Error;
use crate::model::paths::Paths;
use crate::model::secret::Secret;
use crate::store::backend::KeyringState;
#[cfg(target_os = "linux")]
use home::HomeTag;
#[cfg(target_os = "linux")]
use items::{Deleted, Found, Items};
#[cfg(not(target_os = "linux"))]
use keyring::Entry;

/// The keyring service name of every sigil item.
pub const SERVICE: &str = "sigil";

/// How the user of the identity's item starts; no address does (`:` is not in the grammar).
const IDENTITY_PREFIX: &str = "age-identity:";

/// Secrets in the OS keyring.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    paths: Paths,
    /// The home's tag once read or made, so a process reads `keyring-id.toml` once.
    #[cfg(target_os = "linux")]
    tag: std::sync::OnceLock<HomeTag>,
}

impl KeyringStore {
    /// The keyring store of the home at `paths`.
    pub fn new(paths: &Paths) -> KeyringStore {
        KeyringStore {
            paths: paths.clone(),
            #[cfg(target_os = "linux")]
            tag: std::sync::OnceLock::new(),
        }
    }
}

/// The label other clients show for a secret's item.
#[cfg(target_os = "linux")]
fn label(addr: &FieldAddress) -> String {
    format!("sigil: {} ({})", addr.account_key(), addr.field())
}

impl Store for KeyringStore {
    fn name(&self) -> &'static str {
        "keyring"
    }

    fn get(&self, addr: &FieldAddress) -> Result<Secret, Error> {
        self.get_item(addr)
    }

    fn contains(&self, addr: &FieldAddress) -> Result<bool, Error> {
        match self.get(addr) {
            Ok(_) => Ok(true),
            Err(e) if e.class() == crate::model::error::ExitClass::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn put(&self, addr: &FieldAddress, secret: &Secret) -> Result<(), Error> {
        self.put_item(addr, secret)
    }

    fn delete(&self, addr: &FieldAddress) -> Result<bool, Error> {
        self.delete_item(addr)
    }

    fn list(&self) -> Result<Vec<FieldAddress>, Error> {
        let mut out = self.list_items()?;
        out.sort();
        out.dedup();
        Ok(out)
    }
}

#[cfg(target_os = "linux")]
impl KeyringStore {
    /// The home's tag for a read; `None` when it has none to read by (no item is its).
    fn tag(&self) -> Result<Option<&HomeTag>, Error> {
        if let Some(tag) = self.tag.get() {
            return Ok(Some(tag));
        }
        Ok(home::for_reading(&self.paths)?.map(|t| self.tag.get_or_init(|| t)))
    }

    /// The home's tag for a write, made now when it has none.
    fn tag_for_writing(&self) -> Result<&HomeTag, Error> {
        if let Some(tag) = self.tag.get() {
            return Ok(tag);
        }
        let tag = home::ensure(&self.paths)?;
        Ok(self.tag.get_or_init(|| tag))
    }

    /// Whether the home may adopt an earlier sigil's item for `user`: it recorded the address
    /// in the keyring before it had a tag, and still does (see the module header).
    fn may_adopt(&self, tag: &HomeTag, user: &str) -> Result<bool, Error> {
        Ok(tag.legacy.contains(user) && home::recorded(&self.paths)?.contains(user))
    }

    fn get_item(&self, addr: &FieldAddress) -> Result<Secret, Error> {
        let user = addr.to_string();
        let Some(tag) = self.tag()? else {
            return Err(StoreError::not_found(addr).into());
        };
        let found =
            Items::connect(tag)?.read(&user, &label(addr), || self.may_adopt(tag, &user))?;
        match found {
            Found::Value(bytes) => Ok(Secret::new(bytes)),
            Found::Missing => Err(StoreError::not_found(addr).into()),
            Found::Ambiguous { count, earlier } => Err(ambiguous(
                &user,
                count,
                earlier,
                &tag.id,
                &address_fix(&user, earlier),
            )),
        }
    }

    fn put_item(&self, addr: &FieldAddress, secret: &Secret) -> Result<(), Error> {
        let user = addr.to_string();
        let tag = self.tag_for_writing()?;
        Items::connect(tag)?.write(&user, &label(addr), secret.expose(), || {
            self.may_adopt(tag, &user)
        })
    }

    fn delete_item(&self, addr: &FieldAddress) -> Result<bool, Error> {
        let user = addr.to_string();
        let Some(tag) = self.tag()? else {
            return Ok(false);
        };
        match Items::connect(tag)?.delete(&user, || self.may_adopt(tag, &user))? {
            Deleted::Items(n) => Ok(n > 0),
            Deleted::Ambiguous(count) => Err(ambiguous(
                &user,
                count,
                true,
                &tag.id,
                &address_fix(&user, true),
            )),
        }
    }

    /// Every item of the home. What an earlier sigil kept for it and it still records is
    /// adopted first, so that a listing (`sigil status`) right after an upgrade misses
    /// nothing.
    fn list_items(&self) -> Result<Vec<FieldAddress>, Error> {
        let Some(tag) = self.tag()? else {
            return Ok(Vec::new());
        };
        let items = Items::connect(tag)?;
        let mut names = items.names()?;
        if !tag.legacy.is_empty() {
            let recorded = home::recorded(&self.paths)?;
            for user in tag.legacy.intersection(&recorded) {
                if names.contains(user) {
                    continue;
                }
                let Ok(addr) = user.parse::<FieldAddress>() else {
                    continue;
                };
                if let Found::Value(_) = items.read(user, &label(&addr), || Ok(true))? {
                    names.push(user.clone());
                }
            }
        }
        Ok(names
            .iter()
            .filter(|n| !n.starts_with(IDENTITY_PREFIX))
            .filter_map(|n| n.parse().ok())
            .collect())
    }
}

/// Several items where sigil expects one: refused, naming them and the way out. `earlier`:
/// they are an earlier sigil's untagged items, one of which the home could have adopted.
#[cfg(target_os = "linux")]
fn ambiguous(user: &str, count: usize, earlier: bool, id: &str, fix: &str) -> Error {
    let (whose, search) = if earlier {
        (
            "an earlier sigil kept",
            format!("secret-tool search --all service sigil username {user}"),
        )
    } else {
        (
            "of this home",
            format!("secret-tool search --all service sigil username {user} sigil-home {id}"),
        )
    };
    Error::Refused {
        message: format!(
            "'{user}' matches {count} items {whose} in the keyring, so sigil cannot tell which to use"
        ),
        help: Some(format!("`{search}` shows them; {fix}")),
    }
}

/// How to get out of [`ambiguous`] for a secret.
#[cfg(target_os = "linux")]
fn address_fix(addr: &str, earlier: bool) -> String {
    if earlier {
        format!("`sigil add {addr} --force` stores the value you give as this home's item")
    } else {
        format!(
            "`sigil add {addr} --force` leaves one, with the value you give, and `sigil rm {addr}` deletes them all"
        )
    }
}

/// Turns a keyring error into sigil's, never including secret bytes (`BadEncoding` carries
/// them, so it is described, not printed).
#[cfg(not(target_os = "linux"))]
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

/// The platform keyring's entry for `user` (service `sigil`).
#[cfg(not(target_os = "linux"))]
fn entry(user: &str) -> Result<Entry, Error> {
    Entry::new(SERVICE, user).map_err(|e| failure(user, e))
}

#[cfg(not(target_os = "linux"))]
impl KeyringStore {
    fn get_item(&self, addr: &FieldAddress) -> Result<Secret, Error> {
        let user = addr.to_string();
        match entry(&user)?.get_secret() {
            Ok(bytes) => Ok(Secret::new(bytes)),
            Err(keyring::Error::NoEntry) => Err(StoreError::not_found(addr).into()),
            Err(err) => Err(failure(&user, err)),
        }
    }

    fn put_item(&self, addr: &FieldAddress, secret: &Secret) -> Result<(), Error> {
        let user = addr.to_string();
        entry(&user)?
            .set_secret(secret.expose())
            .map_err(|e| failure(&user, e))
    }

    fn delete_item(&self, addr: &FieldAddress) -> Result<bool, Error> {
        let user = addr.to_string();
        match entry(&user)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(err) => Err(failure(&user, err)),
        }
    }

    /// The platform cannot search: the items `accounts.toml` records in the keyring.
    fn list_items(&self) -> Result<Vec<FieldAddress>, Error> {
        let reg = crate::model::registry::Registry::load(&self.paths)?;
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
    format!("{IDENTITY_PREFIX}{}", paths.config_dir().display())
}

/// The identity's item not being there.
#[cfg(target_os = "linux")]
fn identity_missing(user: &str) -> Error {
    Error::NotFound {
        message: format!("'{user}' not found in the keyring"),
        help: None,
    }
}

/// Whether the home may adopt an earlier sigil's identity item: the pointer file existed
/// when the home got its tag, and still does. (The item's name holds the config directory,
/// so another home cannot have recorded it.)
#[cfg(target_os = "linux")]
fn may_adopt_identity(tag: &HomeTag, paths: &Paths) -> bool {
    tag.legacy_identity && paths.identity_pointer().exists()
}

/// How to get out of [`ambiguous`] for the identity.
#[cfg(target_os = "linux")]
const IDENTITY_FIX: &str = "delete the one that is not the identity (with seahorse, or \
                            `secret-tool clear` and an attribute only it has)";

/// Reads the identity text kept in the keyring.
#[cfg(target_os = "linux")]
pub(crate) fn read_identity(paths: &Paths) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    let user = identity_user(paths);
    let Some(tag) = home::for_reading(paths)? else {
        return Err(identity_missing(&user));
    };
    let label = identity_label(paths);
    let found =
        Items::connect(&tag)?.read(&user, &label, || Ok(may_adopt_identity(&tag, paths)))?;
    match found {
        Found::Value(bytes) => Ok(zeroize::Zeroizing::new(bytes)),
        Found::Missing => Err(identity_missing(&user)),
        Found::Ambiguous { count, earlier } => {
            Err(ambiguous(&user, count, earlier, &tag.id, IDENTITY_FIX))
        }
    }
}

/// Keeps the identity text in the keyring.
#[cfg(target_os = "linux")]
pub(crate) fn write_identity(paths: &Paths, text: &[u8]) -> Result<(), Error> {
    let tag = home::ensure(paths)?;
    Items::connect(&tag)?.write(&identity_user(paths), &identity_label(paths), text, || {
        Ok(may_adopt_identity(&tag, paths))
    })
}

/// Removes the identity from the keyring; `false` when there was none.
#[cfg(target_os = "linux")]
pub(crate) fn delete_identity(paths: &Paths) -> Result<bool, Error> {
    let user = identity_user(paths);
    let Some(tag) = home::for_reading(paths)? else {
        return Ok(false);
    };
    match Items::connect(&tag)?.delete(&user, || Ok(may_adopt_identity(&tag, paths)))? {
        Deleted::Items(n) => Ok(n > 0),
        Deleted::Ambiguous(count) => Err(ambiguous(&user, count, true, &tag.id, IDENTITY_FIX)),
    }
}

#[cfg(target_os = "linux")]
fn identity_label(paths: &Paths) -> String {
    format!("sigil: age identity ({})", paths.config_dir().display())
}

/// Reads the identity text kept in the keyring.
#[cfg(not(target_os = "linux"))]
pub(crate) fn read_identity(paths: &Paths) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    entry(&identity_user(paths))?
        .get_secret()
        .map(zeroize::Zeroizing::new)
        .map_err(|e| failure("the age identity", e))
}

/// Keeps the identity text in the keyring.
#[cfg(not(target_os = "linux"))]
pub(crate) fn write_identity(paths: &Paths, text: &[u8]) -> Result<(), Error> {
    entry(&identity_user(paths))?
        .set_secret(text)
        .map_err(|e| failure("the age identity", e))
}

/// Removes the identity from the keyring; `false` when there was none.
#[cfg(not(target_os = "linux"))]
pub(crate) fn delete_identity(paths: &Paths) -> Result<bool, Error> {
    match entry(&identity_user(paths))?.delete_credential() {
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
        let (state, _) = crate::store::backend::probe_keyring();
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
        let id = crate::identity::Identity::generate();
        id.keep_in_keyring(&paths).unwrap();
        let back = crate::identity::Identity::load(&paths).unwrap();
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
