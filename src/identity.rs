//! The age identity (X25519 secret key) that opens the file store, and where it comes from:
//! `SIGIL_IDENTITY`, then `SIGIL_IDENTITY_FILE`, then the OS keyring (when
//! `<config>/identity.keyring` says so), then `<config>/identity.txt`, then the
//! passphrase-protected `<config>/identity.age`.
//!
//! A protected identity is a standard age passphrase (scrypt) file holding the identity in
//! `age-keygen`'s format, so `age -d identity.age` opens it. It is looked for last, so an
//! unprotected `get` costs no more than before (one `stat` of a missing file at most). Its
//! passphrase comes from `SIGIL_PASSPHRASE_FILE`, the inherited descriptor named by
//! `SIGIL_PASSPHRASE_FD`, or a no-echo prompt on the terminal — never argv or a plain
//! variable — unless `sigil unlock` left the decrypted identity in the kernel keyring.

use crate::fsutil;
use crate::model::error::Error;
// Defined beside the crate's error type, which wraps it (model/error.rs says why).
pub use crate::model::error::IdentityError;
use crate::model::paths::Paths;
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
    /// `<config>/identity.age`, opened with its passphrase.
    Protected(PathBuf),
    /// `<config>/identity.age`, found decrypted in the kernel keyring (`sigil unlock`).
    Unlocked(PathBuf),
}

impl fmt::Display for IdentitySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentitySource::EnvKey => f.write_str("the SIGIL_IDENTITY variable"),
            IdentitySource::EnvFile(p) => write!(f, "'{}' (SIGIL_IDENTITY_FILE)", p.display()),
            IdentitySource::File(p) => write!(f, "'{}'", p.display()),
            IdentitySource::Keyring(user) => write!(f, "the OS keyring (item '{user}')"),
            IdentitySource::Given => f.write_str("the embedding program"),
            IdentitySource::Protected(p) => write!(f, "'{}' (passphrase-protected)", p.display()),
            IdentitySource::Unlocked(p) => write!(
                f,
                "'{}' (passphrase-protected, unlocked in the kernel keyring)",
                p.display()
            ),
        }
    }
}

/// One or more age identities and where they came from: X25519 keys, an SSH private key, or
/// age plugins' identities (`AGE-PLUGIN-NAME-1…`).
pub struct Identity {
    keys: Vec<x25519::Identity>,
    /// Plugins' identities, and the recipients the file's comments give for them (a plugin's
    /// identity does not name its recipient itself).
    plugins: Vec<age::plugin::Identity>,
    plugin_public: Vec<crate::crypto::Recipient>,
    /// The plugins found on PATH for `plugins`, looked for at the first decryption.
    decrypters: std::sync::OnceLock<crate::crypto::plugin::Decrypters>,
    /// An SSH private key given as the identity (`SIGIL_IDENTITY_FILE=~/.ssh/id_ed25519`), its
    /// public key, and its file's bytes, from which the audit key is derived.
    ssh: Option<SshKey>,
    source: IdentitySource,
    /// [`Identity::audit_key`], derived once: both the audit log and the sealed caches ask.
    audit_key: std::sync::OnceLock<Zeroizing<[u8; 32]>>,
}

/// An SSH private key the age crate parsed: unencrypted, or passphrase-protected and shut
/// until [`Identity::unlock_ssh`] opens it.
#[derive(Clone)]
struct SshKey {
    key: age::ssh::Identity,
    public: crate::crypto::Recipient,
    /// What the audit key is derived from: the file, and the passphrase of a protected one
    /// (so that the file alone does not give it).
    bytes: Zeroizing<Vec<u8>>,
}

/// The protected SSH keys this process has opened, by where they came from (`None`: the
/// passphrase was wrong), so that a command asks once.
type SshOpened = Vec<(String, Option<SshKey>)>;

fn ssh_opened() -> &'static std::sync::Mutex<SshOpened> {
    static OPENED: std::sync::OnceLock<std::sync::Mutex<SshOpened>> = std::sync::OnceLock::new();
    OPENED.get_or_init(Default::default)
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
    /// Finds the identity the way every sigil command does. A passphrase-protected SSH key
    /// is opened here, once per process (its passphrase asked as `identity.age`'s is).
    pub fn load(paths: &Paths) -> Result<Identity, Error> {
        Identity::load_locked(paths)?.unlock_ssh()
    }

    /// [`Identity::load`], leaving a passphrase-protected SSH key shut: its public key is
    /// readable without the passphrase, and a write needs no more.
    pub(crate) fn load_locked(paths: &Paths) -> Result<Identity, Error> {
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
            // Looked for last: an unprotected identity never pays for it.
            if protected_file(paths).exists() {
                return Identity::load_protected(paths);
            }
            return Err(IdentityError::Missing { file: path }.into());
        }
        Identity::read_file(&path, IdentitySource::File(path.clone()))
    }

    /// The protected identity: from this process's memory, else the kernel keyring
    /// (`sigil unlock`), else opened with its passphrase.
    fn load_protected(paths: &Paths) -> Result<Identity, Error> {
        let file = protected_file(paths);
        if let Some(keys) = already_opened(&file) {
            return Ok(Identity::new(keys, IdentitySource::Protected(file)));
        }
        let id = match crate::unlock::cached(paths) {
            Some((text, _)) => Identity::parse(&text, IdentitySource::Unlocked(file.clone()))?,
            None => open_protected(paths)?.0,
        };
        if let Ok(mut m) = opened().lock() {
            m.push((file, id.keys.clone()));
        }
        Ok(id)
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
        Ok(Identity::parse_bytes(&bytes, source)?)
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
    pub(crate) fn text(&self) -> Zeroizing<String> {
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
        for r in &self.plugin_public {
            text.push_str(&format!("# recipient: {r}\n"));
        }
        for p in &self.plugins {
            text.push_str(&format!("{p}\n"));
        }
        text
    }

    fn read_file(path: &Path, source: IdentitySource) -> Result<Identity, Error> {
        let unreadable = |error| IdentityError::Unreadable {
            source_name: source.to_string(),
            error,
        };
        let file = std::fs::File::open(path).map_err(unreadable)?;
        let meta = file.metadata().map_err(unreadable)?;
        fsutil::check_private(path, &meta)?;
        let bytes =
            Zeroizing::new(fsutil::read_capped_from(file, fsutil::Input::Key).map_err(unreadable)?);
        Ok(Identity::parse_bytes(&bytes, source)?)
    }

    /// [`Identity::parse`] of bytes that must be UTF-8.
    fn parse_bytes(bytes: &[u8], source: IdentitySource) -> Result<Identity, IdentityError> {
        let text = std::str::from_utf8(bytes).map_err(|_| IdentityError::Invalid {
            source_name: source.to_string(),
            line: 1,
            reason: "it is not UTF-8".into(),
        })?;
        Identity::parse(text, source)
    }

    /// Parses identity-file text: one `AGE-SECRET-KEY-1…` per line, `#` comments allowed; or
    /// an SSH private key (`ssh-keygen -t ed25519` or `-t rsa`), which age decrypts with.
    pub fn parse(text: &str, source: IdentitySource) -> Result<Identity, IdentityError> {
        if text.trim_start().starts_with("-----BEGIN ") {
            return Identity::parse_ssh(text, source);
        }
        let (mut keys, mut plugins, mut plugin_public) = (Vec::new(), Vec::new(), Vec::new());
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if let Some(comment) = line.strip_prefix('#') {
                plugin_public.extend(recipient_comment(comment));
                continue;
            }
            if line.is_empty() {
                continue;
            }
            let invalid = |reason: &str| IdentityError::Invalid {
                source_name: source.to_string(),
                line: i + 1,
                reason: reason.into(),
            };
            if line.starts_with("AGE-PLUGIN-") {
                let id = age::plugin::Identity::from_str(line)
                    .map_err(|_| invalid("not a valid age plugin identity (AGE-PLUGIN-NAME-1…)"))?;
                plugins.push(id);
                continue;
            }
            let key = x25519::Identity::from_str(line)
                .map_err(|_| invalid("not an age X25519 secret key (AGE-SECRET-KEY-1…)"))?;
            keys.push(key);
        }
        if keys.is_empty() && plugins.is_empty() {
            return Err(IdentityError::Empty {
                source_name: source.to_string(),
            });
        }
        let mut id = Identity::new(keys, source);
        plugin_public.retain(|r| plugins.iter().any(|p| Some(p.plugin()) == r.plugin()));
        id.plugins = plugins;
        id.plugin_public = plugin_public;
        Ok(id)
    }

    /// An SSH private key, parsed by the age crate. A passphrase-protected one is kept shut
    /// until [`Identity::load`] opens it: its public key is readable without the passphrase.
    fn parse_ssh(text: &str, source: IdentitySource) -> Result<Identity, IdentityError> {
        let invalid = |reason: String| IdentityError::Invalid {
            source_name: source.to_string(),
            line: 1,
            reason,
        };
        let key = age::ssh::Identity::from_buffer(text.as_bytes(), None)
            .map_err(|_| invalid("not an SSH private key age reads".into()))?;
        match &key {
            age::ssh::Identity::Unencrypted(_) | age::ssh::Identity::Encrypted(_) => {}
            age::ssh::Identity::Unsupported(_) => {
                return Err(invalid(
                    "this kind of SSH private key is not supported: age decrypts with ssh-ed25519 and ssh-rsa keys".into(),
                ));
            }
        }
        let public = age::ssh::Recipient::try_from(key.clone())
            .map_err(|_| invalid("its public key cannot be read".into()))?;
        let mut id = Identity::new(Vec::new(), source);
        id.ssh = Some(SshKey {
            key,
            public: crate::crypto::Recipient::Ssh(public),
            bytes: Zeroizing::new(text.as_bytes().to_vec()),
        });
        Ok(id)
    }

    /// Opens a passphrase-protected SSH key with the passphrase from `SIGIL_PASSPHRASE_FILE`,
    /// `SIGIL_PASSPHRASE_FD` or a no-echo prompt, as `identity.age`'s: up to three tries on a
    /// terminal, one otherwise. The decrypted key lives in this process only (the age crate
    /// zeroizes it on drop); `sigil unlock` keeps `identity.age`, not an SSH key.
    fn unlock_ssh(mut self) -> Result<Identity, Error> {
        let Some(ssh) = self.ssh.as_mut() else {
            return Ok(self);
        };
        let age::ssh::Identity::Encrypted(enc) = ssh.key.clone() else {
            return Ok(self);
        };
        let name = self.source.to_string();
        let known = ssh_opened()
            .lock()
            .ok()
            .and_then(|m| m.iter().find(|(n, _)| *n == name).map(|(_, k)| k.clone()));
        let wrong = || IdentityError::SshWrongPassphrase {
            source_name: name.clone(),
        };
        match known {
            Some(Some(key)) => *ssh = key,
            Some(None) => return Err(wrong().into()),
            None => {
                let source = pass_source("SIGIL_PASSPHRASE_FILE", "SIGIL_PASSPHRASE_FD")?
                    .ok_or_else(|| IdentityError::SshNoPassphrase {
                        source_name: name.clone(),
                    })?;
                let opened = open_ssh(&enc, ssh, &source, &name)?;
                if let Ok(mut m) = ssh_opened().lock() {
                    m.push((name.clone(), opened.clone()));
                }
                *ssh = opened.ok_or_else(wrong)?;
            }
        }
        Ok(self)
    }

    fn new(keys: Vec<x25519::Identity>, source: IdentitySource) -> Identity {
        Identity {
            ssh: None,
            keys,
            plugins: Vec::new(),
            plugin_public: Vec::new(),
            decrypters: std::sync::OnceLock::new(),
            source,
            audit_key: std::sync::OnceLock::new(),
        }
    }

    /// A new random identity.
    pub fn generate() -> Identity {
        Identity::new(vec![x25519::Identity::generate()], IdentitySource::Given)
    }

    /// Wraps a key a program already has.
    pub fn from_key(key: x25519::Identity) -> Identity {
        Identity::new(vec![key], IdentitySource::Given)
    }

    /// Whether it holds a passphrase-protected SSH key not opened yet.
    pub(crate) fn is_locked(&self) -> bool {
        self.ssh
            .as_ref()
            .is_some_and(|k| matches!(k.key, age::ssh::Identity::Encrypted(_)))
    }

    /// Where it came from.
    pub fn source(&self) -> &IdentitySource {
        &self.source
    }

    /// These keys and those of `other`, without duplicates (the old identities that
    /// `sigil rekey` keeps).
    pub(crate) fn merged(&self, other: &Identity) -> Identity {
        let mut keys = self.keys.clone();
        for k in &other.keys {
            let public = k.to_public().to_string();
            if !keys.iter().any(|m| m.to_public().to_string() == public) {
                keys.push(k.clone());
            }
        }
        Identity::new(keys, IdentitySource::Given)
    }

    /// The public keys (age recipients) that match it.
    pub fn recipients(&self) -> Vec<crate::crypto::Recipient> {
        let mut out: Vec<crate::crypto::Recipient> =
            self.keys.iter().map(|k| k.to_public().into()).collect();
        out.extend(self.ssh.iter().map(|k| k.public.clone()));
        out.extend(self.plugin_public.iter().cloned());
        out
    }

    /// Keeps these public keys in `<config>/identity.pub` when the identity is the home's
    /// own (not one given by variable or by a program), so that writes need not open it.
    /// Rewritten only when it differs (after `sigil rekey`); a failure is left for the next
    /// time, since the identity itself still names the keys.
    pub(crate) fn keep_public_keys(&self, paths: &Paths) {
        if matches!(
            self.source,
            IdentitySource::EnvKey | IdentitySource::EnvFile(_) | IdentitySource::Given
        ) || !paths.config_dir().is_dir()
        {
            return;
        }
        let keys: Vec<String> = self.recipients().iter().map(|r| r.to_string()).collect();
        let text = format!(
            "# The public keys of this home's identity: writes encrypt to them without it.\n{}\n",
            keys.join("\n")
        );
        let file = paths.public_key_file();
        if std::fs::read_to_string(&file).ok().as_deref() != Some(text.as_str()) {
            let _ = crate::fsutil::write_atomic(&file, |f| {
                std::io::Write::write_all(f, text.as_bytes())
            });
        }
    }

    /// The audit log's MAC key: HKDF-SHA256 from the first key's secret, so that only a
    /// holder of the identity can extend or repair the chain. The secret never leaves here.
    pub(crate) fn audit_key(&self) -> Zeroizing<[u8; 32]> {
        self.audit_key
            .get_or_init(|| {
                let mut key = Zeroizing::new([0u8; 32]);
                if self.keys.is_empty() && self.ssh.is_none() {
                    // Plugins' identities only: keyed by their lines, which only the holder
                    // of the identity file has.
                    let lines = Zeroizing::new(
                        self.plugins
                            .iter()
                            .map(|p| p.to_string() + "\n")
                            .collect::<String>(),
                    );
                    let hk = hkdf::Hkdf::<sha2::Sha256>::new(
                        Some(b"sigil audit log v1 plugin"),
                        lines.as_bytes(),
                    );
                    let _ = hk.expand(b"audit mac key", &mut key[..]);
                }
                if self.keys.is_empty()
                    && let Some(ssh) = &self.ssh
                {
                    // An SSH identity: keyed by the private key file, which only its holder has.
                    let hk = hkdf::Hkdf::<sha2::Sha256>::new(
                        Some(b"sigil audit log v1 ssh"),
                        &ssh.bytes,
                    );
                    let _ = hk.expand(b"audit mac key", &mut key[..]);
                }
                if let Some(k) = self.keys.first() {
                    let secret = k.to_string();
                    let hk = hkdf::Hkdf::<sha2::Sha256>::new(
                        Some(b"sigil audit log v1"),
                        secret.expose_secret().as_bytes(),
                    );
                    // 32 bytes is far below HKDF-SHA256's limit, so expand cannot fail.
                    let _ = hk.expand(b"audit mac key", &mut key[..]);
                }
                key
            })
            .clone()
    }

    /// The identities, as the age crate takes them: its own keys first, so that a plugin
    /// runs only for a file they do not open.
    pub(crate) fn as_age(&self) -> impl Iterator<Item = &dyn age::Identity> {
        self.keys
            .iter()
            .map(|k| k as &dyn age::Identity)
            .chain(self.ssh.iter().map(|k| &k.key as &dyn age::Identity))
            .chain(
                self.plugin_decrypters()
                    .into_iter()
                    .flat_map(|d| d.as_age()),
            )
    }

    fn plugin_decrypters(&self) -> Option<&crate::crypto::plugin::Decrypters> {
        (!self.plugins.is_empty()).then(|| {
            self.decrypters
                .get_or_init(|| crate::crypto::plugin::Decrypters::new(&self.plugins))
        })
    }

    /// What a failed decryption with [`Identity::as_age`] means when a plugin of this
    /// identity is the cause (missing, failed, refused); `Err` gives the error back otherwise.
    pub(crate) fn explain(&self, e: age::DecryptError) -> Result<Error, age::DecryptError> {
        match self.plugin_decrypters() {
            Some(d) => d.explain(e),
            None => Err(e),
        }
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

/// The plugin recipient a comment of an identity file gives (`# recipient: age1NAME1…` as
/// `age-plugin-*` and `print_new_identity` write, `# public key: …` as `age-keygen` does).
fn recipient_comment(comment: &str) -> Option<crate::crypto::Recipient> {
    let c = comment.trim();
    let lower = c.to_ascii_lowercase();
    let at = ["recipient:", "public key:"]
        .iter()
        .find_map(|p| lower.starts_with(p).then_some(p.len()))?;
    crate::crypto::Recipient::parse(&c[at..])
        .ok()
        .filter(|r| r.plugin().is_some())
}

/// The passphrase-protected identity file, `<config>/identity.age`.
pub fn protected_file(paths: &Paths) -> PathBuf {
    paths.config_dir().join("identity.age")
}

/// The old identities `sigil rekey` keeps, encrypted to the new one, `<config>/identity.old.age`.
pub fn old_file(paths: &Paths) -> PathBuf {
    paths.config_dir().join("identity.old.age")
}

/// The old identities kept by `sigil rekey` (until `--purge-old`), opened with the current
/// one; `None` when none are kept. For readers of what older keys wrote, such as the audit
/// log's MAC chain from before a rotation.
pub fn old_identities(paths: &Paths, current: &Identity) -> Result<Option<Identity>, Error> {
    let file = old_file(paths);
    let bytes = match std::fs::read(&file) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("cannot read '{}'", file.display()), e)),
    };
    let damaged = |reason: String| crate::store::StoreError::Damaged {
        path: file.clone(),
        reason,
    };
    let dec = crate::crypto::decryptor_armored(&bytes[..]).map_err(|e| damaged(e.to_string()))?;
    let mut r = dec
        .decrypt(current.as_age())
        .map_err(|e| damaged(e.to_string()))?;
    let mut text = Zeroizing::new(String::new());
    r.read_to_string(&mut text)
        .map_err(|e| damaged(e.to_string()))?;
    Ok(Some(Identity::parse(
        &text,
        IdentitySource::File(file.clone()),
    )?))
}

/// Where consecutive wrong passphrases are counted, `<home>/.passphrase-failures`.
/// The count of wrong passphrases in a row, next to `identity.age` (so that pointing sigil at
/// another data directory does not reset it).
pub(crate) fn failures_file(paths: &Paths) -> PathBuf {
    paths.config_dir().join(".passphrase-failures")
}

/// Held across the back-off, the decryption and the count of one try, so that tries made in
/// parallel queue and each sees the count of those before it.
fn failures_lock(paths: &Paths) -> PathBuf {
    paths.config_dir().join(".passphrase-lock")
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

/// Whether the identity in use is the passphrase-protected file (no variable, keyring item
/// or plain file comes before it). Only `stat`s; never asks for anything.
pub fn is_protected(paths: &Paths) -> bool {
    !env_set("SIGIL_IDENTITY")
        && !env_set("SIGIL_IDENTITY_FILE")
        && !paths.identity_pointer().exists()
        && !paths.identity_file().exists()
        && protected_file(paths).exists()
}

impl Identity {
    /// Its secret keys as a command might print them, for `sigil run` to mask: as written
    /// and in lower case (bech32 ignores case).
    #[cfg(feature = "cli")]
    pub(crate) fn mask_forms(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for k in &self.keys {
            let text = k.to_string();
            let text = text.expose_secret();
            out.push(text.as_bytes().to_vec());
            out.push(text.to_ascii_lowercase().into_bytes());
        }
        for p in &self.plugins {
            let text = p.to_string();
            out.push(text.as_bytes().to_vec());
            out.push(text.to_ascii_lowercase().into_bytes());
        }
        out
    }
}

/// The identity when it can be had without asking anything: [`load_quietly`]'s, or a
/// protected identity this process opened already or that `sigil unlock` left in the kernel
/// keyring. Never a prompt, never the Secret Service.
pub(crate) fn without_asking(paths: &Paths) -> Option<Identity> {
    if let Some(id) = load_quietly(paths) {
        return Some(id);
    }
    if env_set("SIGIL_IDENTITY")
        || env_set("SIGIL_IDENTITY_FILE")
        || paths.identity_pointer().exists()
        || paths.identity_file().exists()
    {
        return None;
    }
    let file = protected_file(paths);
    if !file.exists() {
        return None;
    }
    if let Some(keys) = already_opened(&file) {
        return Some(Identity::new(keys, IdentitySource::Protected(file)));
    }
    let (text, _) = crate::unlock::cached(paths)?;
    Identity::parse(&text, IdentitySource::Unlocked(file)).ok()
}

/// The identity when it can be had without a prompt, a keyring or a passphrase.
pub(crate) fn load_quietly(paths: &Paths) -> Option<Identity> {
    if env_set("SIGIL_IDENTITY") || env_set("SIGIL_IDENTITY_FILE") {
        // A protected SSH key opens here only when a file or descriptor gives its passphrase.
        return without_prompt(|| Identity::load(paths)).ok();
    }
    if paths.identity_pointer().exists() {
        return None;
    }
    let path = paths.identity_file();
    Identity::read_file(&path, IdentitySource::File(path.clone())).ok()
}

/// The identities this process has opened with a passphrase, so that it asks only once.
type Opened = Vec<(PathBuf, Vec<x25519::Identity>)>;

fn opened() -> &'static std::sync::Mutex<Opened> {
    static OPENED: std::sync::OnceLock<std::sync::Mutex<Opened>> = std::sync::OnceLock::new();
    OPENED.get_or_init(Default::default)
}

/// The keys of `file` if this process opened it already.
fn already_opened(file: &Path) -> Option<Vec<x25519::Identity>> {
    opened()
        .lock()
        .ok()
        .and_then(|m| m.iter().find(|(p, _)| *p == file).map(|(_, k)| k.clone()))
}

/// Forgets what this process opened (after the identity changed under it).
pub(crate) fn forget_opened() {
    if let Ok(mut m) = opened().lock() {
        m.clear();
    }
}

/// Where a passphrase comes from.
enum PassSource {
    /// A file (0600) holding it, one trailing newline ignored.
    File(PathBuf),
    /// An inherited descriptor, read through `/dev/fd/N` (no unsafe code needed).
    Fd(PathBuf),
    /// A no-echo prompt on the controlling terminal.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    Tty,
}

/// Set by [`never_prompt`].
static NEVER_PROMPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes this process never ask for a passphrase on the terminal, even when it has one: a
/// program that another runs unattended (git's credential helper) fails with the advice to
/// `sigil unlock` instead of taking over the user's terminal.
pub fn never_prompt() {
    NEVER_PROMPT.store(true, std::sync::atomic::Ordering::Relaxed);
}

thread_local! {
    /// Set by [`without_prompt`] while its closure runs.
    static NO_PROMPT_HERE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` without asking for a passphrase on the terminal: a file or descriptor named by
/// the variables still answers, and an identity already opened or unlocked is still used.
/// A write uses it to key its audit entry: encrypting needed only the public keys, and the
/// entry goes to the unkeyed side log rather than stopping the user at a prompt. A read keeps
/// asking, since it needs the identity anyway.
pub(crate) fn without_prompt<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            NO_PROMPT_HERE.with(|q| q.set(self.0));
        }
    }
    let _reset = Reset(NO_PROMPT_HERE.with(|q| q.replace(true)));
    f()
}

/// The most a passphrase read from a file or descriptor may be.
const MAX_PASSPHRASE: u64 = 64 * 1024;

fn pass_source(file_var: &str, fd_var: &str) -> Result<Option<PassSource>, Error> {
    if let Some(f) = std::env::var_os(file_var).filter(|v| !v.is_empty()) {
        return Ok(Some(PassSource::File(PathBuf::from(f))));
    }
    if let Some(fd) = std::env::var_os(fd_var).filter(|v| !v.is_empty()) {
        let n: u32 = fd
            .to_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Error::Usage(format!("{fd_var} must be a file descriptor number")))?;
        return Ok(Some(PassSource::Fd(PathBuf::from(format!("/dev/fd/{n}")))));
    }
    #[cfg(feature = "cli")]
    if !NEVER_PROMPT.load(std::sync::atomic::Ordering::Relaxed) && !NO_PROMPT_HERE.with(|q| q.get())
    {
        use std::io::IsTerminal;
        if io::stdin().is_terminal() || io::stderr().is_terminal() {
            return Ok(Some(PassSource::Tty));
        }
    }
    Ok(None)
}

impl PassSource {
    fn is_tty(&self) -> bool {
        matches!(self, PassSource::Tty)
    }

    fn read(&self, prompt: &str) -> Result<age::secrecy::SecretString, Error> {
        let text = match self {
            PassSource::File(p) | PassSource::Fd(p) => {
                let ctx = |e| {
                    Error::io(
                        format!("cannot read the passphrase from '{}'", p.display()),
                        e,
                    )
                };
                let f = std::fs::File::open(p).map_err(ctx)?;
                if let PassSource::File(_) = self {
                    fsutil::check_private(p, &f.metadata().map_err(ctx)?)?;
                }
                let mut buf = Zeroizing::new(Vec::new());
                f.take(MAX_PASSPHRASE).read_to_end(&mut buf).map_err(ctx)?;
                let mut end = buf.len();
                if buf[..end].ends_with(b"\n") {
                    end -= 1;
                    if buf[..end].ends_with(b"\r") {
                        end -= 1;
                    }
                }
                let text = std::str::from_utf8(&buf[..end]).map_err(|_| {
                    Error::Usage(format!("the passphrase in '{}' is not UTF-8", p.display()))
                })?;
                Zeroizing::new(text.to_owned())
            }
            #[cfg(feature = "cli")]
            PassSource::Tty => Zeroizing::new(
                rpassword::prompt_password(prompt)
                    .map_err(|e| Error::io("cannot read the passphrase from the terminal", e))?,
            ),
            #[cfg(not(feature = "cli"))]
            PassSource::Tty => unreachable!("only the cli feature prompts"),
        };
        let _ = prompt;
        if text.is_empty() {
            return Err(Error::Usage("the passphrase is empty".into()));
        }
        Ok(age::secrecy::SecretString::from(text.to_string()))
    }
}

/// Asks for a secret an age plugin wants (a PIN) on the terminal without echo, as a
/// passphrase is; `None` without a terminal or where this process may not ask. Never from a
/// file or variable: those hold the identity's passphrase, not a plugin's PIN.
#[cfg(feature = "cli")]
pub fn ask_plugin_secret(prompt: &str) -> Option<age::secrecy::SecretString> {
    use std::io::IsTerminal;
    let may = !NEVER_PROMPT.load(std::sync::atomic::Ordering::Relaxed)
        && !NO_PROMPT_HERE.with(|q| q.get())
        && (io::stdin().is_terminal() || io::stderr().is_terminal());
    // An empty answer goes to the plugin as it is (it says whether that will do); `None`
    // means no one could be asked, which sigil reports as such.
    may.then(|| {
        PassSource::Tty
            .read(prompt)
            .unwrap_or_else(|_| age::secrecy::SecretString::from(String::new()))
    })
}

/// Reads a new passphrase: typed twice on a terminal, else from `file_var` or `fd_var`.
pub(crate) fn read_new_passphrase(
    file_var: &str,
    fd_var: &str,
) -> Result<age::secrecy::SecretString, Error> {
    let source = pass_source(file_var, fd_var)?.ok_or_else(|| {
        Error::Usage(format!(
            "no terminal to ask for the new passphrase on; name a 0600 file holding it with \
             {file_var}, or a descriptor with {fd_var}"
        ))
    })?;
    let pass = source.read("new passphrase: ")?;
    if source.is_tty() {
        let again = source.read("the same again: ")?;
        if again.expose_secret() != pass.expose_secret() {
            return Err(Error::Usage(
                "the two passphrases differ; nothing changed".into(),
            ));
        }
    }
    Ok(pass)
}

/// Opens `identity.age` with its passphrase: up to three tries on a terminal, one from a file
/// or descriptor (reading it again would give the same answer). Each failure is counted in
/// `<home>` and makes the next try, in this run or a later one, wait longer; a success resets
/// the count. Returns the identity and the passphrase (to re-protect a rotated identity).
pub(crate) fn open_protected(
    paths: &Paths,
) -> Result<(Identity, age::secrecy::SecretString), Error> {
    use std::sync::atomic::{AtomicU32, Ordering};
    // A run that failed does not ask again (the audit log of that failure, say, would).
    static FAILED: AtomicU32 = AtomicU32::new(0);
    let file = protected_file(paths);
    let failed = FAILED.load(Ordering::Relaxed);
    if failed > 0 {
        return Err(IdentityError::WrongPassphrase {
            file,
            failures: failed,
        }
        .into());
    }
    let bytes = read_private(&file)?;
    let source = pass_source("SIGIL_PASSPHRASE_FILE", "SIGIL_PASSPHRASE_FD")?
        .ok_or_else(|| IdentityError::NoPassphrase { file: file.clone() })?;
    let tries = if source.is_tty() { 3 } else { 1 };
    let mut failures = 0;
    for attempt in 1..=tries {
        let _queue = fsutil::Lock::acquire(&failures_lock(paths))?;
        backoff(paths);
        let pass = source.read(&format!("passphrase for '{}': ", file.display()))?;
        match decrypt_with_passphrase(&file, &bytes, &pass)? {
            Some(text) => {
                clear_failures(paths);
                let id = Identity::parse(&text, IdentitySource::Protected(file.clone()))?;
                return Ok((id, pass));
            }
            None => {
                failures = record_failure(paths);
                audit_failure(paths, failures);
                if attempt < tries {
                    crate::model::notice::note("wrong passphrase, try again");
                }
            }
        }
    }
    FAILED.store(failures.max(1), Ordering::Relaxed);
    Err(IdentityError::WrongPassphrase { file, failures }.into())
}

/// Tries the passphrase of a protected SSH key; `None` when every try was wrong.
fn open_ssh(
    enc: &age::ssh::EncryptedKey,
    shut: &SshKey,
    source: &PassSource,
    name: &str,
) -> Result<Option<SshKey>, Error> {
    let tries = if source.is_tty() { 3 } else { 1 };
    for attempt in 1..=tries {
        let pass = source.read(&format!("passphrase for the SSH key {name}: "))?;
        // Any failure is a wrong passphrase: the file itself parsed already.
        if let Ok(key) = enc.decrypt(pass.clone()) {
            let mut bytes = Zeroizing::new(shut.bytes.to_vec());
            bytes.extend_from_slice(pass.expose_secret().as_bytes());
            return Ok(Some(SshKey {
                key: age::ssh::Identity::Unencrypted(key),
                public: shut.public.clone(),
                bytes,
            }));
        }
        if attempt < tries {
            crate::model::notice::note("wrong passphrase, try again");
        }
    }
    Ok(None)
}

/// Records a wrong passphrase. Without the identity there is no MAC key, so the entry goes
/// to the unkeyed side log, as any event without an identity does, and the keyed chain
/// goes on unbroken.
fn audit_failure(paths: &Paths, failures: u32) {
    audit(
        paths,
        None,
        "identity.passphrase",
        crate::audit::Outcome::Refused,
        Some(format!("wrong passphrase ({failures} in a row)")),
    );
}

/// Records an event about the identity in the audit log, chained with the key of `id` when
/// there is one. A log that cannot be written is a warning: the user's work goes on.
pub(crate) fn audit(
    paths: &Paths,
    id: Option<&Identity>,
    event: &str,
    outcome: crate::audit::Outcome,
    reason: Option<String>,
) {
    // A config others can write is not trusted to turn the log off.
    let config = fsutil::check_config(paths)
        .ok()
        .and_then(|()| crate::model::config::Config::load(paths).ok());
    if config
        .as_ref()
        .is_some_and(|c| c.audit == Some(crate::model::config::AuditSetting::Off))
    {
        return;
    }
    let limits = crate::audit::Limits::of(config.as_ref());
    let key = id.map_or(crate::audit::Key::Unkeyed, crate::audit::Key::from_identity);
    if let Err(e) = crate::audit::append(paths, &key, limits, event, vec![], outcome, reason) {
        crate::model::notice::warn(format!("cannot write the audit log: {e}"));
    }
}

fn read_private(path: &Path) -> Result<Vec<u8>, Error> {
    let ctx = |e| Error::io(format!("cannot read '{}'", path.display()), e);
    let f = std::fs::File::open(path).map_err(ctx)?;
    fsutil::check_private(path, &f.metadata().map_err(ctx)?)?;
    fsutil::read_capped_from(f, fsutil::Input::Key).map_err(ctx)
}

/// Decrypts a passphrase file; `None` when the passphrase is wrong.
fn decrypt_with_passphrase(
    file: &Path,
    bytes: &[u8],
    pass: &age::secrecy::SecretString,
) -> Result<Option<Zeroizing<String>>, Error> {
    let damaged = |reason: String| crate::store::StoreError::Damaged {
        path: file.to_owned(),
        reason,
    };
    let dec = crate::crypto::decryptor_armored(bytes).map_err(|e| damaged(e.to_string()))?;
    if !dec.is_scrypt() {
        return Err(damaged("it is not an age passphrase file".into()).into());
    }
    let mut id = age::scrypt::Identity::new(pass.clone());
    // age's own limit (about 16 s of work here) could refuse a file the age CLI wrote on a
    // faster machine; 2^22 is the age CLI's ceiling.
    id.set_max_work_factor(22);
    let mut reader = match dec.decrypt(std::iter::once(&id as &dyn age::Identity)) {
        Ok(r) => r,
        Err(age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed) => {
            return Ok(None);
        }
        Err(e) => return Err(damaged(e.to_string()).into()),
    };
    let mut out = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut out)
        .map_err(|e| damaged(e.to_string()))?;
    let text = std::str::from_utf8(&out).map_err(|_| damaged("it is not UTF-8 text".into()))?;
    Ok(Some(Zeroizing::new(text.to_owned())))
}

/// Encrypts text with a passphrase (age scrypt), as `age -p` does.
fn encrypt_with_passphrase(
    text: &str,
    pass: &age::secrecy::SecretString,
) -> Result<Vec<u8>, Error> {
    #[allow(unused_mut)]
    let mut r = age::scrypt::Recipient::new(pass.clone());
    // Tests start hundreds of processes: they may lower the work factor (debug builds only).
    #[cfg(debug_assertions)]
    if let Some(n) = std::env::var("SIGIL_TEST_SCRYPT_LOG_N")
        .ok()
        .and_then(|v| v.parse::<u8>().ok())
        .filter(|n| (1..30).contains(n))
    {
        r.set_work_factor(n);
    }
    let enc = crate::crypto::encryptor(std::iter::once(&r as &dyn age::Recipient))
        .map_err(|e| Error::other(format!("cannot encrypt the identity: {e}"), None))?;
    let mut out = Vec::new();
    let mut w = enc
        .wrap_output(&mut out)
        .map_err(|e| Error::io("cannot encrypt the identity", e))?;
    w.write_all(text.as_bytes())
        .and_then(|()| w.finish().map(|_| ()))
        .map_err(|e| Error::io("cannot encrypt the identity", e))?;
    Ok(out)
}

/// Writes `identity` to `path` as a passphrase file, atomically and 0600.
pub(crate) fn write_protected(
    path: &Path,
    identity: &Identity,
    pass: &age::secrecy::SecretString,
) -> Result<(), Error> {
    let bytes = encrypt_with_passphrase(&identity.text(), pass)?;
    if let Some(dir) = path.parent() {
        fsutil::create_private_dir(dir)?;
    }
    fsutil::write_atomic(path, |f| f.write_all(&bytes))
}

/// The state of the failure counter: (consecutive failures, unix time of the last).
fn read_failures(paths: &Paths) -> (u32, i64) {
    let text = std::fs::read_to_string(failures_file(paths)).unwrap_or_default();
    let mut it = text.split_whitespace().map(|w| w.parse::<i64>().ok());
    match (it.next().flatten(), it.next().flatten()) {
        (Some(n), Some(at)) => (n.clamp(0, 1000) as u32, at),
        _ => (0, 0),
    }
}

/// How long to wait after `n` consecutive failures: 1 s, 2 s, 4 s… up to 5 minutes.
pub(crate) fn delay_after(n: u32) -> std::time::Duration {
    if n == 0 {
        return std::time::Duration::ZERO;
    }
    std::time::Duration::from_secs((1u64 << (n - 1).min(16)).min(300))
}

/// Waits until the delay earned by the recorded failures has passed.
fn backoff(paths: &Paths) {
    let (n, at) = read_failures(paths);
    let delay = delay_after(n).as_secs();
    let until = at.saturating_add(delay as i64);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if until > now {
        // A counter dated in the future (edited, or a clock set back) never makes the wait
        // longer than the schedule's own for that count.
        let wait = ((until - now) as u64).min(delay);
        crate::model::notice::note(format!(
            "{n} wrong passphrase(s) in a row; waiting {wait} s before trying"
        ));
        std::thread::sleep(std::time::Duration::from_secs(wait));
    }
}

fn record_failure(paths: &Paths) -> u32 {
    let (n, _) = read_failures(paths);
    let n = n + 1;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let _ = fsutil::create_private_dir(paths.home());
    let _ = fsutil::write_atomic(&failures_file(paths), |f| writeln!(f, "{n} {now}"));
    n
}

fn clear_failures(paths: &Paths) {
    let _ = std::fs::remove_file(failures_file(paths));
}

/// Overwrites a file with zeros before removing it, so the plain identity does not linger
/// in the file's old blocks (as far as the file system lets that work).
pub(crate) fn shred(path: &Path) -> Result<bool, Error> {
    let ctx = |e| Error::io(format!("cannot remove '{}'", path.display()), e);
    match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(mut f) => {
            let len = f.metadata().map_err(ctx)?.len();
            f.write_all(&vec![0u8; len as usize]).map_err(ctx)?;
            f.sync_all().map_err(ctx)?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(ctx(e)),
    }
    std::fs::remove_file(path).map_err(ctx)?;
    if let Some(dir) = path.parent() {
        let _ = fsutil::sync_dir(dir);
    }
    Ok(true)
}

/// Where the identity lives, for the commands that move or rotate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// `<config>/identity.txt`.
    File,
    /// The OS keyring, with the pointer file.
    Keyring,
    /// `<config>/identity.age`.
    Protected,
}

/// Where the identity lives; refused when a variable supplies it (sigil cannot move that).
pub(crate) fn place(paths: &Paths) -> Result<Place, Error> {
    for var in ["SIGIL_IDENTITY", "SIGIL_IDENTITY_FILE"] {
        if env_set(var) {
            return Err(Error::Refused {
                message: format!("the identity comes from {var}, which sigil does not manage"),
                help: Some(format!("unset {var} to work on sigil's own identity")),
            });
        }
    }
    if paths.identity_pointer().exists() {
        Ok(Place::Keyring)
    } else if paths.identity_file().exists() {
        Ok(Place::File)
    } else if protected_file(paths).exists() {
        Ok(Place::Protected)
    } else {
        Err(IdentityError::Missing {
            file: paths.identity_file(),
        }
        .into())
    }
}

/// `sigil identity protect`: moves the identity (file or keyring item) into `identity.age`,
/// encrypted with `pass`. The protected file is written first, then the plain copy removed,
/// so a crash leaves both (the plain one wins) and never neither.
pub fn protect(paths: &Paths, pass: &age::secrecy::SecretString) -> Result<PathBuf, Error> {
    let _lock = fsutil::Lock::acquire(&paths.lock_file())?;
    let from = place(paths)?;
    if from == Place::Protected {
        return Err(Error::UsageHelp {
            message: format!(
                "'{}' is already protected by a passphrase",
                protected_file(paths).display()
            ),
            help: "`sigil identity passwd` changes the passphrase".into(),
        });
    }
    let id = Identity::load(paths)?;
    let file = protected_file(paths);
    write_protected(&file, &id, pass)?;
    match from {
        Place::File => {
            shred(&paths.identity_file())?;
        }
        #[cfg(feature = "keyring")]
        Place::Keyring => {
            crate::store::keyring::delete_identity(paths)?;
            let pointer = paths.identity_pointer();
            std::fs::remove_file(&pointer)
                .map_err(|e| Error::io(format!("cannot remove '{}'", pointer.display()), e))?;
        }
        _ => {}
    }
    clear_failures(paths);
    audit(
        paths,
        Some(&id),
        "identity.protect",
        crate::audit::Outcome::Ok,
        None,
    );
    Ok(file)
}

/// `sigil identity unprotect`: back to a plain 0600 `identity.txt`.
pub fn unprotect(paths: &Paths) -> Result<PathBuf, Error> {
    let _lock = fsutil::Lock::acquire(&paths.lock_file())?;
    if place(paths)? != Place::Protected {
        return Err(Error::Usage(
            "the identity is not protected by a passphrase".into(),
        ));
    }
    let (id, _) = open_protected(paths)?;
    let file = paths.identity_file();
    let text = id.text();
    fsutil::write_atomic(&file, |f| f.write_all(text.as_bytes()))?;
    let protected = protected_file(paths);
    std::fs::remove_file(&protected)
        .map_err(|e| Error::io(format!("cannot remove '{}'", protected.display()), e))?;
    let _ = crate::unlock::lock(paths);
    audit(
        paths,
        Some(&id),
        "identity.unprotect",
        crate::audit::Outcome::Ok,
        None,
    );
    Ok(file)
}

/// `sigil identity passwd`: the same identity under a new passphrase (the old one is asked
/// as usual; the new one comes from the terminal, `SIGIL_NEW_PASSPHRASE_FILE` or
/// `SIGIL_NEW_PASSPHRASE_FD`).
pub fn passwd(paths: &Paths) -> Result<PathBuf, Error> {
    let _lock = fsutil::Lock::acquire(&paths.lock_file())?;
    if place(paths)? != Place::Protected {
        return Err(Error::UsageHelp {
            message: "the identity is not protected by a passphrase".into(),
            help: "`sigil identity protect` sets one".into(),
        });
    }
    let (id, _) = open_protected(paths)?;
    let pass = read_new_passphrase("SIGIL_NEW_PASSPHRASE_FILE", "SIGIL_NEW_PASSPHRASE_FD")?;
    let file = protected_file(paths);
    write_protected(&file, &id, &pass)?;
    audit(
        paths,
        Some(&id),
        "identity.passwd",
        crate::audit::Outcome::Ok,
        None,
    );
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::error::ExitClass;

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
    fn plugin_identities_parse_with_their_commented_recipients() {
        let plugin = age::plugin::Identity::default_for_plugin("sigiltest").unwrap();
        let recipient = "age1sigiltest1v9nk2vfev4kny6e4vumnwmtswuehxmr4xe6k26mswpa8zmrrxv6ku7tgwyekc7tcx4a8waf40p68xmte8q6xsdt8wvuxuunsx4hqglg6wz";
        // age-keygen's comment names an X25519 key, not a plugin's recipient.
        let x = x25519::Identity::generate().to_public();
        let text = format!("# public key: {x}\n#    Recipient: {recipient}\n{plugin}\n");
        let id = Identity::parse(&text, IdentitySource::EnvKey).unwrap();
        let shown: Vec<String> = id.recipients().iter().map(|r| r.to_string()).collect();
        assert_eq!(shown, [recipient]);
        assert_eq!(id.recipients()[0].plugin(), Some("sigiltest"));
        assert!(!format!("{id:?}").contains("AGE-PLUGIN"));
        // Kept when the identity is written again (protect, the keyring).
        let back = Identity::parse(&id.text(), IdentitySource::Given).unwrap();
        assert_eq!(back.plugins.len(), 1);
        assert_eq!(back.recipients().len(), 1);
        // The audit key of a plugin-only identity is derived from its lines, not left zero.
        assert_ne!(*id.audit_key(), [0u8; 32]);
        let e = Identity::parse("AGE-PLUGIN-BROKEN-1XYZ\n", IdentitySource::EnvKey).unwrap_err();
        assert!(matches!(e, IdentityError::Invalid { line: 1, .. }), "{e}");
    }

    #[test]
    fn failure_delay_grows_and_is_capped() {
        let secs: Vec<u64> = [0, 1, 2, 3, 4, 9, 10, 40]
            .iter()
            .map(|&n| delay_after(n).as_secs())
            .collect();
        assert_eq!(secs, [0, 1, 2, 4, 8, 256, 300, 300]);
    }

    #[test]
    fn passphrase_file_round_trip_and_wrong_passphrase() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("identity.age");
        let id = Identity::generate();
        let pass = age::secrecy::SecretString::from("pw".to_owned());
        write_protected(&p, &id, &pass).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        let text = decrypt_with_passphrase(&p, &bytes, &pass).unwrap().unwrap();
        let back = Identity::parse(&text, IdentitySource::Given).unwrap();
        assert_eq!(
            back.recipients()[0].to_string(),
            id.recipients()[0].to_string()
        );
        let wrong = age::secrecy::SecretString::from("nope".to_owned());
        assert!(
            decrypt_with_passphrase(&p, &bytes, &wrong)
                .unwrap()
                .is_none()
        );
        let e = decrypt_with_passphrase(&p, b"junk", &pass).unwrap_err();
        assert_eq!(e.class(), ExitClass::Refused, "{e}");
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
