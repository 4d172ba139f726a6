//! This home's tag on its Secret Service items: a random id kept in
//! `<config>/keyring-id.toml`. Every item sigil writes carries it as the attribute
//! `sigil-home`, and sigil reads, lists and deletes only items that carry it, so the items of
//! another sigil home of the user (another `SIGIL_HOME`), and items other programs store
//! under sigil's names, are never taken for this home's.
//!
//! Random and kept in the home, not derived from the home's path: a home that is moved keeps
//! its items, and another home cannot work the id out. It is no secret from programs that can
//! read the keyring (attributes are readable there); it tells homes apart, it does not
//! authenticate.
//!
//! The file is written once, 0600, and appears whole (linked into place), so two processes
//! creating it at the same time end up with the same id. It also freezes, at that moment,
//! what this home had recorded in the keyring before it had an id — the items an earlier
//! sigil wrote without tags, which this home alone may adopt (`super::items`).

use crate::fsutil;
use crate::model::error::{Error, parse_toml};
use crate::model::paths::Paths;
use crate::model::registry::Registry;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::{self, Read, Write};

/// The attribute every item of a home carries, with the home's id as its value.
pub(crate) const ATTRIBUTE: &str = "sigil-home";

const HEADER: &str = "\
# sigil's id for this home in the OS keyring: each item it keeps there carries it as the
# attribute sigil-home, and sigil uses no item without it. Written once; keep it with the
# home, since without it sigil no longer finds the home's keyring items. `legacy` is what
# an earlier sigil had kept in the keyring for this home, untagged, when the id was made.
";

/// The content of `keyring-id.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HomeTag {
    /// 32 lowercase hexadecimal digits (128 random bits).
    pub(crate) id: String,
    /// The field addresses `accounts.toml` recorded in the keyring when the id was made.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub(crate) legacy: BTreeSet<String>,
    /// Whether the identity was kept in the keyring then (its pointer file existed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) legacy_identity: bool,
}

/// The home's tag when it has one. A file others can read or write is refused, as sigil's
/// other private files are: whoever can change the id points this home at another's items.
pub(crate) fn load(paths: &Paths) -> Result<Option<HomeTag>, Error> {
    let path = paths.keyring_id();
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("cannot read '{}'", path.display()), e)),
    };
    fsutil::check_private(&path, &meta)?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::io(format!("cannot read '{}'", path.display()), e))?;
    let tag: HomeTag = parse_toml(&path, &text)?;
    let hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    if tag.id.len() != 32 || !tag.id.chars().all(hex) {
        return Err(Error::other(
            format!("'{}' holds no keyring id of sigil's", path.display()),
            Some(
                "restore it from a backup of the directory; a new id would not find the \
                 home's keyring items"
                    .into(),
            ),
        ));
    }
    Ok(Some(tag))
}

/// The home's tag, made now when it has none (before its first write to the keyring).
pub(crate) fn ensure(paths: &Paths) -> Result<HomeTag, Error> {
    match load(paths)? {
        Some(tag) => Ok(tag),
        None => create(paths, snapshot(paths)?),
    }
}

/// The home's tag for a read. A home without one that has never recorded anything in the
/// keyring has no items there: `None`, and nothing is written. One that has (an earlier
/// sigil's home) gets its tag now, so that what it may adopt is fixed from its first use.
pub(crate) fn for_reading(paths: &Paths) -> Result<Option<HomeTag>, Error> {
    if let Some(tag) = load(paths)? {
        return Ok(Some(tag));
    }
    let tag = snapshot(paths)?;
    if tag.legacy.is_empty() && !tag.legacy_identity {
        return Ok(None);
    }
    create(paths, tag).map(Some)
}

/// The field addresses `accounts.toml` records in the keyring.
pub(super) fn recorded(paths: &Paths) -> Result<BTreeSet<String>, Error> {
    let reg = Registry::load(paths)?;
    Ok(reg
        .accounts
        .iter()
        .filter(|(_, m)| m.backend == "keyring")
        .flat_map(|(key, m)| m.fields.iter().map(move |f| format!("{key}/{f}")))
        .collect())
}

/// A new id with what the home records in the keyring now.
fn snapshot(paths: &Paths) -> Result<HomeTag, Error> {
    Ok(HomeTag {
        id: new_id()?,
        legacy: recorded(paths)?,
        legacy_identity: paths.identity_pointer().exists(),
    })
}

/// 128 bits from the kernel's generator, as hex. (This module is Linux-only, like the
/// Secret Service it serves.)
fn new_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::io("cannot read /dev/urandom", e))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes the tag unless another process was first; either way returns the tag in the file.
fn create(paths: &Paths, tag: HomeTag) -> Result<HomeTag, Error> {
    let path = paths.keyring_id();
    let dir = paths.config_dir();
    fsutil::create_private_dir(dir)?;
    let ctx = |e: io::Error| Error::io(format!("cannot write '{}'", path.display()), e);
    let body = toml::to_string(&tag).map_err(|e| ctx(io::Error::other(e)))?;
    // A 0600 temporary file beside it, moved into place only if the name is free: a reader
    // sees no file or the whole file, and of two processes making the id at once one wins
    // and both go on with its id.
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(ctx)?;
    tmp.write_all(HEADER.as_bytes()).map_err(ctx)?;
    tmp.write_all(body.as_bytes()).map_err(ctx)?;
    tmp.as_file().sync_all().map_err(ctx)?;
    match tmp.persist_noclobber(&path) {
        Ok(_) => {
            fsutil::sync_dir(dir).map_err(ctx)?;
            Ok(tag)
        }
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => {
            load(paths)?.ok_or_else(|| ctx(io::Error::other("it vanished while it was being made")))
        }
        Err(e) => Err(ctx(e.error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn made_once_private_and_kept() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path().join("h"));
        assert_eq!(
            for_reading(&paths).unwrap(),
            None,
            "nothing to adopt, nothing made"
        );
        assert!(!paths.keyring_id().exists());
        let tag = ensure(&paths).unwrap();
        assert_eq!(tag.id.len(), 32);
        assert!(tag.legacy.is_empty() && !tag.legacy_identity);
        let mode = std::fs::metadata(paths.keyring_id())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(ensure(&paths).unwrap(), tag);
        assert_eq!(for_reading(&paths).unwrap(), Some(tag.clone()));
        // A second home gets an id of its own.
        let other = Paths::in_one(d.path().join("other"));
        assert_ne!(ensure(&other).unwrap().id, tag.id);
        // Losing the race to another process means using its id.
        let theirs = HomeTag {
            id: "0123456789abcdef0123456789abcdef".into(),
            legacy: BTreeSet::new(),
            legacy_identity: false,
        };
        assert_eq!(create(&paths, theirs).unwrap(), tag);
    }

    #[test]
    fn an_earlier_sigils_records_are_frozen_when_the_id_is_made() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path().join("h"));
        fsutil::create_private_dir(paths.home()).unwrap();
        std::fs::write(
            paths.accounts(),
            "version = 1\n[accounts.\"gh/me\"]\nkind = \"api_key\"\nfields = [\"token\"]\n\
             backend = \"keyring\"\ncreated = \"2024-01-01T00:00:00Z\"\n\
             updated = \"2024-01-01T00:00:00Z\"\n\
             [accounts.\"f/me\"]\nkind = \"api_key\"\nfields = [\"api_key\"]\n\
             backend = \"file\"\ncreated = \"2024-01-01T00:00:00Z\"\n\
             updated = \"2024-01-01T00:00:00Z\"\n",
        )
        .unwrap();
        std::fs::write(paths.identity_pointer(), "# in the keyring\n").unwrap();
        let tag = for_reading(&paths)
            .unwrap()
            .expect("an earlier sigil's home gets an id");
        assert_eq!(tag.legacy, BTreeSet::from(["gh/me/token".to_owned()]));
        assert!(tag.legacy_identity);
        assert_eq!(load(&paths).unwrap(), Some(tag));
    }

    #[test]
    fn a_damaged_or_open_file_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path().join("h"));
        ensure(&paths).unwrap();
        let file = paths.keyring_id();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(
            load(&paths).unwrap_err().class(),
            crate::model::error::ExitClass::Refused
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(&file, "id = \"../../elsewhere\"\n").unwrap();
        let err = load(&paths).unwrap_err().to_string();
        assert!(
            err.ends_with("keyring-id.toml' holds no keyring id of sigil's"),
            "{err}"
        );
    }
}
