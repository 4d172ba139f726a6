//! The age identity (X25519 secret key) that opens the file store, and where it comes from:
//! `SIGIL_IDENTITY`, then `SIGIL_IDENTITY_FILE`, then `<config>/identity.txt` (SPEC §4).

use crate::error::{Error, ExitClass};
use crate::fsutil;
use crate::paths::Paths;
use age::secrecy::ExposeSecret;
use age::x25519;
use std::fmt;
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use zeroize::Zeroizing;

/// Where the identity was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySource {
    /// The `SIGIL_IDENTITY` variable holds the key itself (CI).
    EnvKey,
    /// The file named by `SIGIL_IDENTITY_FILE`.
    EnvFile(PathBuf),
    /// `<config>/identity.txt`.
    File(PathBuf),
    /// The OS keyring, under this item user (see `<config>/identity.keyring`).
    Keyring(String),
    /// Given by a program through the library.
    Given,
}

impl fmt::Display for IdentitySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentitySource::EnvKey => f.write_str("the SIGIL_IDENTITY variable"),
            IdentitySource::EnvFile(p) => write!(f, "'{}' (SIGIL_IDENTITY_FILE)", p.display()),
            IdentitySource::File(p) => write!(f, "'{}'", p.display()),
            IdentitySource::Keyring(user) => write!(f, "the OS keyring (item '{user}')"),
            IdentitySource::Given => f.write_str("the embedding program"),
        }
    }
}

/// Why no usable identity could be had.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// None of the sources has one.
    #[error("no identity found: SIGIL_IDENTITY and SIGIL_IDENTITY_FILE are unset, none is kept in the OS keyring, and '{}' does not exist", file.display())]
    Missing {
        /// The identity file that was looked for.
        file: PathBuf,
    },
    /// A source exists but cannot be read.
    #[error("cannot read the identity from {source_name}: {error}")]
    Unreadable {
        /// Where.
        source_name: String,
        /// Why.
        #[source]
        error: io::Error,
    },
    /// A source holds something that is not an age X25519 identity.
    #[error("the identity in {source_name} is invalid at line {line}: {reason}")]
    Invalid {
        /// Where.
        source_name: String,
        /// The 1-based line.
        line: usize,
        /// Why (never the key itself).
        reason: String,
    },
    /// A source holds no key at all.
    #[error("{source_name} holds no identity")]
    Empty {
        /// Where.
        source_name: String,
    },
}

impl IdentityError {
    pub(crate) fn class(&self) -> ExitClass {
        ExitClass::Auth
    }

    pub(crate) fn help(&self) -> Option<String> {
        match self {
            IdentityError::Missing { .. } => Some(
                "run `sigil init` to create one, or set SIGIL_IDENTITY_FILE to an age identity file"
                    .into(),
            ),
            IdentityError::Invalid { .. } | IdentityError::Empty { .. } => Some(
                "an identity file holds lines like AGE-SECRET-KEY-1… (as `age-keygen` writes); \
                 lines starting with # are comments"
                    .into(),
            ),
            IdentityError::Unreadable { source_name, .. }
                if source_name.starts_with("the OS keyring") =>
            {
                Some("unlock the keyring (log in to the desktop session), or set SIGIL_IDENTITY_FILE".into())
            }
            IdentityError::Unreadable { .. } => None,
        }
    }
}

/// One or more age X25519 identities and where they came from.
pub struct Identity {
    keys: Vec<x25519::Identity>,
    source: IdentitySource,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("recipients", &self.recipients())
            .field("source", &self.source)
            .finish()
    }
}

impl Identity {
    /// Finds the identity the way every sigil command does.
    pub fn load(paths: &Paths) -> Result<Identity, Error> {
        if let Some(key) = std::env::var_os("SIGIL_IDENTITY").filter(|v| !v.is_empty()) {
            let key = Zeroizing::new(key.into_string().map_err(|_| IdentityError::Invalid {
                source_name: IdentitySource::EnvKey.to_string(),
                line: 1,
                reason: "it is not UTF-8".into(),
            })?);
            return Ok(Identity::parse(&key, IdentitySource::EnvKey)?);
        }
        if let Some(file) = std::env::var_os("SIGIL_IDENTITY_FILE").filter(|v| !v.is_empty()) {
            let path = PathBuf::from(file);
            let source = IdentitySource::EnvFile(path.clone());
            return Identity::read_file(&path, source);
        }
        if paths.identity_pointer().exists() {
            return Identity::read_keyring(paths);
        }
        let path = paths.identity_file();
        if !path.exists() {
            return Err(IdentityError::Missing { file: path }.into());
        }
        Identity::read_file(&path, IdentitySource::File(path.clone()))
    }

    #[cfg(feature = "keyring")]
    fn read_keyring(paths: &Paths) -> Result<Identity, Error> {
        let source = IdentitySource::Keyring(crate::store::keyring::identity_user(paths));
        // Whatever the keyring says (locked, gone, no bus), this is an identity problem.
        let bytes =
            crate::store::keyring::read_identity(paths).map_err(|e| IdentityError::Unreadable {
                source_name: source.to_string(),
                error: io::Error::other(e.to_string()),
            })?;
        let text = std::str::from_utf8(&bytes).map_err(|_| IdentityError::Invalid {
            source_name: source.to_string(),
            line: 1,
            reason: "it is not UTF-8".into(),
        })?;
        Ok(Identity::parse(text, source)?)
    }

    #[cfg(not(feature = "keyring"))]
    fn read_keyring(paths: &Paths) -> Result<Identity, Error> {
        Err(IdentityError::Unreadable {
            source_name: format!(
                "the OS keyring (as '{}' says)",
                paths.identity_pointer().display()
            ),
            error: io::Error::other("this sigil was built without the keyring feature"),
        }
        .into())
    }

    /// Keeps the identity in the OS keyring and writes the pointer file that says so.
    #[cfg(feature = "keyring")]
    pub(crate) fn keep_in_keyring(&self, paths: &Paths) -> Result<(), Error> {
        fsutil::create_private_dir(paths.config_dir())?;
        crate::store::keyring::write_identity(paths, self.text().as_bytes())?;
        let user = crate::store::keyring::identity_user(paths);
        let note = format!(
            "# sigil keeps its age identity in the OS keyring, not in a file:\n\
             # service=sigil username={user}\n\
             # Remove this file only together with that item.\n"
        );
        fsutil::write_atomic(&paths.identity_pointer(), |f| f.write_all(note.as_bytes()))
    }

    /// Without keyring support there is no keyring to keep it in.
    #[cfg(not(feature = "keyring"))]
    pub(crate) fn keep_in_keyring(&self, _paths: &Paths) -> Result<(), Error> {
        Err(crate::store::StoreError::Unavailable {
            backend: "keyring".into(),
            reason: "this sigil was built without the keyring feature".into(),
        }
        .into())
    }

    /// The identity in `age-keygen`'s format.
    fn text(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::new());
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        for k in &self.keys {
            text.push_str(&format!(
                "# created: {now}\n# public key: {}\n",
                k.to_public()
            ));
            text.push_str(k.to_string().expose_secret());
            text.push('\n');
        }
        text
    }

    fn read_file(path: &Path, source: IdentitySource) -> Result<Identity, Error> {
        let unreadable = |error| IdentityError::Unreadable {
            source_name: source.to_string(),
            error,
        };
        let mut file = std::fs::File::open(path).map_err(unreadable)?;
        let meta = file.metadata().map_err(unreadable)?;
        fsutil::check_private(path, &meta)?;
        let mut text = Zeroizing::new(String::new());
        file.read_to_string(&mut text).map_err(unreadable)?;
        Ok(Identity::parse(&text, source)?)
    }

    /// Parses identity-file text: one `AGE-SECRET-KEY-1…` per line, `#` comments allowed.
    pub fn parse(text: &str, source: IdentitySource) -> Result<Identity, IdentityError> {
        let mut keys = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let key = x25519::Identity::from_str(line).map_err(|_| IdentityError::Invalid {
                source_name: source.to_string(),
                line: i + 1,
                reason: "not an age X25519 secret key (AGE-SECRET-KEY-1…)".into(),
            })?;
            keys.push(key);
        }
        if keys.is_empty() {
            return Err(IdentityError::Empty {
                source_name: source.to_string(),
            });
        }
        Ok(Identity { keys, source })
    }

    /// A new random identity.
    pub fn generate() -> Identity {
        Identity {
            keys: vec![x25519::Identity::generate()],
            source: IdentitySource::Given,
        }
    }

    /// Wraps a key a program already has.
    pub fn from_key(key: x25519::Identity) -> Identity {
        Identity {
            keys: vec![key],
            source: IdentitySource::Given,
        }
    }

    /// Where it came from.
    pub fn source(&self) -> &IdentitySource {
        &self.source
    }

    /// The public keys (age recipients) that match it.
    pub fn recipients(&self) -> Vec<x25519::Recipient> {
        self.keys.iter().map(|k| k.to_public()).collect()
    }

    /// The identities, as the age crate takes them.
    pub(crate) fn as_age(&self) -> impl Iterator<Item = &dyn age::Identity> {
        self.keys.iter().map(|k| k as &dyn age::Identity)
    }

    /// Writes the identity file in `age-keygen`'s format, mode 0600, refusing to replace one.
    pub(crate) fn write_new_file(&self, path: &Path) -> Result<(), Error> {
        if let Some(dir) = path.parent() {
            fsutil::create_private_dir(dir)?;
        }
        let ctx = |e| Error::io(format!("cannot write '{}'", path.display()), e);
        let text = self.text();
        // create_new: two `sigil init` at once must not both write a key.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(ctx)?;
        f.write_all(text.as_bytes()).map_err(ctx)?;
        f.sync_all().map_err(ctx)?;
        fsutil::sync_dir(path.parent().expect("file has a parent")).map_err(ctx)
    }
}

/// Deletes the identity wherever sigil keeps it (file, keyring item and its pointer); returns
/// what was deleted.
pub fn purge(paths: &Paths) -> Result<Vec<String>, Error> {
    let mut gone = Vec::new();
    let pointer = paths.identity_pointer();
    if pointer.exists() {
        #[cfg(feature = "keyring")]
        if crate::store::keyring::delete_identity(paths)? {
            gone.push(
                IdentitySource::Keyring(crate::store::keyring::identity_user(paths)).to_string(),
            );
        }
        std::fs::remove_file(&pointer)
            .map_err(|e| Error::io(format!("cannot remove '{}'", pointer.display()), e))?;
    }
    let file = paths.identity_file();
    match std::fs::remove_file(&file) {
        Ok(()) => gone.push(format!("'{}'", file.display())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(format!("cannot remove '{}'", file.display()), e)),
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_age_keygen_output_and_rejects_junk() {
        let k = x25519::Identity::generate();
        let text = format!(
            "# created: x\n# public key: {}\n\n{}\n",
            k.to_public(),
            k.to_string().expose_secret()
        );
        let id = Identity::parse(&text, IdentitySource::EnvKey).unwrap();
        assert_eq!(id.recipients()[0].to_string(), k.to_public().to_string());
        let dbg = format!("{id:?}");
        assert!(!dbg.contains("AGE-SECRET-KEY"), "{dbg}");

        let e = Identity::parse("# c\nAGE-SECRET-KEY-1NOPE\n", IdentitySource::EnvKey).unwrap_err();
        assert!(matches!(e, IdentityError::Invalid { line: 2, .. }), "{e}");
        assert!(
            !e.to_string().contains("NOPE"),
            "the key never appears: {e}"
        );
        let e = Identity::parse("# only comments\n", IdentitySource::EnvKey).unwrap_err();
        assert!(matches!(e, IdentityError::Empty { .. }));
    }

    #[test]
    fn written_file_is_private_and_readable() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("conf/identity.txt");
        let id = Identity::generate();
        id.write_new_file(&p).unwrap();
        assert!(id.write_new_file(&p).is_err(), "never replaces an identity");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let back = Identity::read_file(&p, IdentitySource::File(p.clone())).unwrap();
        assert_eq!(
            back.recipients()[0].to_string(),
            id.recipients()[0].to_string()
        );
    }
}
