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

use crate::Sigil;
use crate::address::FieldAddress;
use crate::backend::BackendKind;
use crate::error::{Error, Result};
use crate::fsutil::{self, Lock, PermissionError};
use crate::identity::Identity;
use crate::registry::Registry;
use crate::secret::Secret;
use crate::store::{Store, StoreError};
use age::secrecy::SecretString;
use age::x25519;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Mutex, mpsc};
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// What `format` says in every sigil backup's manifest.
pub const FORMAT: &str = "sigil-backup";
/// The archive format version this sigil writes. It reads this one and version 1 (which had
/// no `accounts.json`).
pub const VERSION: u32 = 2;
/// The manifest's entry name (the archive's last entry).
pub const MANIFEST: &str = "manifest.json";
/// How many secrets `create` decrypts at once.
const CREATE_BATCH: usize = 128;
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
/// entry may be at most [`crate::secret::MAX_SIZE`], as `sigil add` accepts.
const MAX_ENTRY: u64 = 64 << 20;
/// The most all entries of one backup may hold together, uncompressed: an age file proves
/// nothing about who made it, so a small crafted file must not unpack into a full disk.
pub const MAX_ARCHIVE: u64 = 1 << 30;

/// Who a new backup is encrypted to.
pub enum Encryption {
    /// These X25519 recipients (the store's, or given on the command line).
    Recipients(Vec<x25519::Recipient>),
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

/// Every secret to back up with the backend it lives in: each file in the file store (also
/// ones written by the `age` CLI, which accounts.toml may not record), then each field that
/// accounts.toml records in another persistent backend (the keyring). The env and memory
/// backends are not stores of this sigil and are left out.
fn inventory(
    sigil: &Sigil,
    reg: &Registry,
) -> Result<BTreeMap<String, (FieldAddress, BackendKind)>> {
    let mut out = BTreeMap::new();
    for addr in sigil.file_store().list()? {
        out.insert(addr.to_string(), (addr, BackendKind::File));
    }
    for (key, meta) in &reg.accounts {
        let Ok(kind) = meta.backend.parse::<BackendKind>() else {
            continue;
        };
        if matches!(
            kind,
            BackendKind::File | BackendKind::Env | BackendKind::Memory | BackendKind::Auto
        ) {
            continue;
        }
        for field in &meta.fields {
            if let Ok(addr) = format!("{key}/{field}").parse::<FieldAddress>() {
                out.entry(addr.to_string()).or_insert((addr, kind));
            }
        }
    }
    Ok(out)
}

/// The default recipients of a backup: those of the store's root `.age-recipients`, else
/// the identity's own key — the people who can already read the store.
pub fn default_recipients(sigil: &Sigil) -> Result<Vec<x25519::Recipient>> {
    let root = sigil.file_store().root().to_owned();
    Ok(sigil.file_store().recipients_for(&root)?.0)
}

/// A tar writer that records each entry for the manifest as it goes.
struct Tar<W: Write> {
    builder: tar::Builder<W>,
    entries: Vec<ManifestEntry>,
    mtime: u64,
}

impl<W: Write> Tar<W> {
    fn append(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(self.mtime);
        header.set_entry_type(tar::EntryType::Regular);
        // append_data writes a GNU long-name entry for paths over 100 bytes.
        self.builder.append_data(&mut header, name, data)?;
        self.entries.push(ManifestEntry {
            name: name.to_owned(),
            size: data.len() as u64,
            sha256: sha256_hex(data),
        });
        Ok(())
    }
}

/// Writes a backup of everything in `sigil` to `out`. `progress(done, total)` is called after
/// each secret. Returns the manifest written.
pub fn create(
    sigil: &Sigil,
    out: impl Write,
    encryption: Encryption,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Manifest> {
    crate::audit::ready(sigil)?;
    let paths = sigil.paths();
    let reg = Registry::load(paths)?;
    let accounts_bytes = read_optional(&paths.accounts())?.unwrap_or_else(|| {
        toml::to_string(&Registry::empty())
            .unwrap_or_default()
            .into_bytes()
    });
    let config_bytes = read_optional(&paths.config_file())?.unwrap_or_default();
    let secrets = inventory(sigil, &reg)?;
    let fields: Vec<FieldAddress> = secrets.values().map(|(a, _)| a.clone()).collect();
    let to = match &encryption {
        Encryption::Recipients(rs) => Some(rs.as_slice()),
        Encryption::Passphrase(_) => None,
    };
    crate::policy::backup_allowed(sigil, to, &fields)?;
    let total = secrets.len() as u64;

    let encryptor = match encryption {
        Encryption::Passphrase(p) => crate::crypto::passphrase_encryptor(p),
        Encryption::Recipients(rs) => crate::crypto::to_keys(&rs)
            .map_err(|e| Error::other(format!("cannot encrypt the backup: {e}"), None))?,
    };
    let out_err = |e: io::Error| Error::io("cannot write the backup", e);
    let age_out = encryptor.wrap_output(out).map_err(out_err)?;
    let gz = flate2::write::GzEncoder::new(age_out, flate2::Compression::fast());
    // Whole seconds: tar mtimes have no more, and the report reads better.
    let created = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::now_utc());
    let mut tar = Tar {
        builder: tar::Builder::new(gz),
        entries: Vec::with_capacity(secrets.len() + 2),
        mtime: created.unix_timestamp().max(0) as u64,
    };
    tar.append(ACCOUNTS, &accounts_bytes).map_err(out_err)?;
    tar.append(CONFIG, &config_bytes).map_err(out_err)?;
    let accounts_json = serde_json::to_vec(&reg)
        .map_err(|e| Error::other(format!("cannot encode the metadata: {e}"), None))?;
    tar.append(ACCOUNTS_JSON, &accounts_json).map_err(out_err)?;
    let mut backends: BTreeMap<String, usize> = BTreeMap::new();
    // Secrets are decrypted a batch at a time by a few threads and appended in order: the
    // batch bounds memory, the threads use every core for the decryptions.
    let all: Vec<&(FieldAddress, BackendKind)> = secrets.values().collect();
    let mut done = 0u64;
    for batch in all.chunks(CREATE_BATCH) {
        let read = crate::store::in_parallel(batch, |(addr, kind)| {
            sigil
                .store_of(*kind)?
                .get(addr)
                .map_err(|e| Error::other(format!("cannot back up '{addr}': {e}"), e.help()))
        });
        for ((addr, kind), secret) in batch.iter().map(|x| (&x.0, x.1)).zip(read) {
            tar.append(&entry_name(addr), secret?.expose())
                .map_err(out_err)?;
            *backends.entry(kind.as_str().to_owned()).or_default() += 1;
            done += 1;
            progress(done, total);
        }
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        sigil_version: env!("CARGO_PKG_VERSION").into(),
        created,
        accounts: reg.accounts.len(),
        secrets: secrets.len(),
        backends,
        entries: std::mem::take(&mut tar.entries),
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::other(format!("cannot encode the manifest: {e}"), None))?;
    tar.append(MANIFEST, &json).map_err(out_err)?;
    let gz = tar.builder.into_inner().map_err(out_err)?;
    let age_out = gz.finish().map_err(out_err)?;
    let mut inner = age_out.finish().map_err(out_err)?;
    inner.flush().map_err(out_err)?;
    Ok(manifest)
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match fsutil::read_capped(path, fsutil::Input::Metadata) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("cannot read '{}'", path.display()), e)),
    }
}

/// Writes a backup to `path` atomically (temporary file, fsync, rename) with mode 0600.
/// A directory that everyone may read is refused unless `force`: the file is private, but its
/// name and existence are not, and such a directory is usually shared by mistake.
pub fn create_file(
    sigil: &Sigil,
    path: &Path,
    force: bool,
    encryption: Encryption,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Manifest> {
    let path = std::path::absolute(path)
        .map_err(|e| Error::io(format!("cannot resolve '{}'", path.display()), e))?;
    let dir = path.parent().unwrap_or(Path::new("/")).to_owned();
    let meta = fs::metadata(&dir)
        .map_err(|e| Error::io(format!("cannot write into '{}'", dir.display()), e))?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o004 != 0 && !force {
        return Err(PermissionError {
            path: dir,
            mode,
            is_dir: true,
        }
        .into());
    }
    let mut result = None;
    let written = fsutil::write_atomic(&path, |f| {
        let r = create(sigil, io::BufWriter::new(f), encryption, progress);
        let ok = r.is_ok();
        result = Some(r);
        if ok {
            Ok(())
        } else {
            // The real error is kept in `result`; this only stops the rename.
            Err(io::Error::other("backup failed"))
        }
    });
    match (result, written) {
        (Some(Err(e)), _) => Err(e),
        (_, Err(e)) => Err(e),
        (Some(Ok(m)), Ok(())) => Ok(m),
        (None, Ok(())) => unreachable!("write_atomic ran the writer"),
    }
}

/// Whether a backup is encrypted with a passphrase (so the caller knows to ask for one).
pub fn is_passphrase_protected(path: &Path) -> Result<bool> {
    let file = open_file(path)?;
    let d = crate::crypto::decryptor(BufReader::new(file)).map_err(|e| damaged(path, e))?;
    Ok(d.is_scrypt())
}

fn open_file(path: &Path) -> Result<fs::File> {
    fs::File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::NotFound {
            message: format!("backup '{}' not found", path.display()),
            help: None,
        },
        _ => Error::io(format!("cannot open '{}'", path.display()), e),
    })
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

/// Reads a backup from start to end, handing each entry before the manifest to `visit`, and
/// returns the manifest once every check passed: each entry's checksum, order and name; that
/// nothing follows the manifest; the gzip and age trailers (so truncation is caught). With
/// `expected` (the manifest of an earlier pass), each entry is checked as soon as it is read,
/// before `visit` sees it.
pub fn read(
    path: &Path,
    key: &Key,
    expected: Option<&Manifest>,
    visit: &mut dyn FnMut(Entry) -> Result<()>,
) -> Result<Manifest> {
    let file = open_file(path)?;
    let decryptor = crate::crypto::decryptor(BufReader::new(file)).map_err(|e| damaged(path, e))?;
    let scrypt = decryptor.is_scrypt();
    let result = match key {
        Key::Passphrase(p) => {
            if !scrypt {
                return Err(Error::Usage(format!(
                    "'{}' is encrypted to recipients, not with a passphrase; drop --passphrase",
                    path.display()
                )));
            }
            let id = age::scrypt::Identity::new(SecretString::from(p.as_str().to_owned()));
            decryptor.decrypt(std::iter::once(&id as &dyn age::Identity))
        }
        Key::Identity(id) => {
            if scrypt {
                return Err(Error::Auth {
                    message: format!("'{}' is protected by a passphrase", path.display()),
                    help: Some("pass --passphrase".into()),
                });
            }
            decryptor.decrypt(id.as_age())
        }
    };
    let reader = result.map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => StoreError::WrongIdentity {
            path: path.to_owned(),
        }
        .into(),
        // With scrypt a wrong passphrase and a damaged key stanza look the same.
        age::DecryptError::DecryptionFailed if scrypt => Error::Auth {
            message: format!("cannot decrypt '{}': wrong passphrase", path.display()),
            help: Some("check the passphrase the backup was made with".into()),
        },
        other => damaged(path, other),
    })?;
    let gz = flate2::bufread::GzDecoder::new(BufReader::new(reader));
    let mut archive = tar::Archive::new(gz);
    let mut seen: Vec<ManifestEntry> = Vec::new();
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut total = 0u64;
    let mut manifest: Option<Manifest> = None;
    {
        let entries = archive.entries().map_err(|e| damaged(path, e))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| damaged(path, e))?;
            if manifest.is_some() {
                return Err(damaged(path, "an entry follows the manifest"));
            }
            if entry.header().entry_type() != tar::EntryType::Regular {
                return Err(damaged(path, "an entry is not a regular file"));
            }
            let name = entry
                .path()
                .map_err(|e| damaged(path, e))?
                .to_str()
                .map(str::to_owned)
                .ok_or_else(|| damaged(path, "an entry name is not UTF-8"))?;
            if !names.insert(name.clone()) {
                return Err(damaged(path, format!("entry '{name}' appears twice")));
            }
            let limit = if entry_address(&name).is_some() {
                crate::secret::MAX_SIZE
            } else {
                MAX_ENTRY
            };
            let size = entry.size();
            if size > limit {
                return Err(damaged(
                    path,
                    format!("entry '{name}' is larger than {}", human(limit)),
                ));
            }
            let mut data = Zeroizing::new(Vec::with_capacity(size as usize));
            (&mut entry)
                .take(limit + 1)
                .read_to_end(&mut data)
                .map_err(|e| damaged(path, e))?;
            if data.len() as u64 > limit {
                return Err(damaged(
                    path,
                    format!("entry '{name}' is larger than {}", human(limit)),
                ));
            }
            total += data.len() as u64;
            if total > MAX_ARCHIVE {
                return Err(damaged(
                    path,
                    format!("it unpacks to more than {}", human(MAX_ARCHIVE)),
                ));
            }
            if name == MANIFEST {
                let m: Manifest = serde_json::from_slice(&data)
                    .map_err(|e| damaged(path, format!("the manifest is unreadable: {e}")))?;
                manifest = Some(m);
                continue;
            }
            let this = ManifestEntry {
                name: name.clone(),
                size: data.len() as u64,
                sha256: sha256_hex(&data),
            };
            let pos = seen.len();
            match pos {
                0 if name != ACCOUNTS => return Err(damaged(path, "accounts.toml is not first")),
                1 if name != CONFIG => return Err(damaged(path, "config.toml is not second")),
                2 if name == ACCOUNTS_JSON => {}
                n if n >= 2 && entry_address(&name).is_none() => {
                    return Err(damaged(path, format!("unexpected entry '{name}'")));
                }
                _ => {}
            }
            if let Some(exp) = expected
                && exp.entries.get(pos) != Some(&this)
            {
                return Err(damaged(
                    path,
                    format!("entry '{name}' differs from the first reading"),
                ));
            }
            seen.push(this);
            visit(Entry {
                name,
                data: Secret::new(std::mem::take(&mut *data)),
            })?;
        }
    }
    let manifest = manifest.ok_or_else(|| damaged(path, "the manifest is missing"))?;
    // Read to the very end, so the gzip CRC and age's final-chunk flag are checked: a
    // truncated or extended file fails here.
    let mut gz = archive.into_inner();
    io::copy(&mut gz, &mut io::sink()).map_err(|e| damaged(path, e))?;
    let mut rest = gz.into_inner();
    let mut extra = 0u64;
    loop {
        let buf = rest.fill_buf().map_err(|e| damaged(path, e))?;
        if buf.is_empty() {
            break;
        }
        extra += buf.len() as u64;
        let n = buf.len();
        rest.consume(n);
    }
    if extra > 0 {
        return Err(damaged(path, "data follows the archive"));
    }
    if manifest.format != FORMAT {
        return Err(damaged(path, "it is not a sigil backup"));
    }
    if !(1..=VERSION).contains(&manifest.version) {
        return Err(Error::other(
            format!(
                "'{}' has backup format version {}, this sigil reads versions 1 to {VERSION}",
                path.display(),
                manifest.version
            ),
            Some("upgrade sigil".into()),
        ));
    }
    // Version 2 added accounts.json; a version-1 backup must not have one, and vice versa.
    let has_json = seen.get(2).is_some_and(|e| e.name == ACCOUNTS_JSON);
    if has_json != (manifest.version >= 2) {
        return Err(damaged(
            path,
            "the entry list does not match the format version",
        ));
    }
    if manifest.entries != seen {
        let why = manifest
            .entries
            .iter()
            .zip(&seen)
            .find(|(a, b)| a != b)
            .map(|(a, _)| format!("checksum mismatch for '{}'", a.name))
            .unwrap_or_else(|| "the entry list does not match the manifest".into());
        return Err(damaged(path, why));
    }
    let secrets = seen
        .iter()
        .filter(|e| entry_address(&e.name).is_some())
        .count();
    if secrets != manifest.secrets || manifest.backends.values().sum::<usize>() != secrets {
        return Err(damaged(path, "the counts do not match the entries"));
    }
    Ok(manifest)
}

/// Checks a backup from end to end without writing anything.
pub fn verify(path: &Path, key: &Key) -> Result<Manifest> {
    let mut registry = RegistryReader::default();
    let m = read(path, key, None, &mut |e| registry.visit(path, &e))?;
    let accounts = Some(registry.finish(path)?.accounts.len());
    if accounts != Some(m.accounts) {
        return Err(damaged(
            path,
            "the account count does not match accounts.toml",
        ));
    }
    Ok(m)
}

/// Picks the backup's metadata out of the entries: `accounts.json` when the backup has it
/// (parsed as it streams past), else `accounts.toml` (version 1).
#[derive(Default)]
struct RegistryReader {
    toml: Option<Secret>,
    json: Option<Registry>,
}

impl RegistryReader {
    fn visit(&mut self, path: &Path, e: &Entry) -> Result<()> {
        if e.name == ACCOUNTS {
            self.toml = Some(e.data.clone());
        } else if e.name == ACCOUNTS_JSON {
            self.toml = None;
            self.json = Some(
                serde_json::from_slice(e.data.expose())
                    .map_err(|err| damaged(path, format!("accounts.json is malformed: {err}")))?,
            );
        }
        Ok(())
    }

    fn finish(self, path: &Path) -> Result<Registry> {
        match (self.json, self.toml) {
            (Some(r), _) => Ok(r),
            (None, Some(t)) => parse_registry(path, &t),
            (None, None) => Err(damaged(path, "accounts.toml is missing")),
        }
    }
}

fn parse_registry(path: &Path, bytes: &Secret) -> Result<Registry> {
    let text = std::str::from_utf8(bytes.expose())
        .map_err(|_| damaged(path, "accounts.toml is not UTF-8"))?;
    toml::from_str(text).map_err(|e| damaged(path, format!("accounts.toml is malformed: {e}")))
}

pub use crate::store::OnConflict;

/// What a restore does (or, with `--dry-run`, would do).
#[derive(Debug, Clone)]
pub struct Plan {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// Secrets that are not in the target yet.
    pub new: Vec<FieldAddress>,
    /// Secrets that are.
    pub conflicts: Vec<FieldAddress>,
    /// Whether config.toml will be written: asked for with `with_config`, and the backup's
    /// differs from the one in place.
    pub config: bool,
    /// How the backup's config.toml differs from the one in place, line by line (`- old`,
    /// `+ new`); empty when they are the same or the backup has none. Shown whether or not
    /// the restore writes it: a config says which servers get tokens and whether the audit
    /// log is kept, so it is never replaced unasked.
    pub config_changes: Vec<String>,
    /// The backend new accounts go to.
    pub backend: BackendKind,
    /// Whether an earlier restore that was killed half-way was undone first.
    pub recovered: bool,
}

/// Restores a backup into `sigil`, all or nothing. It reads the backup once to verify it
/// and find conflicts, and — unless `dry_run`, or conflicts under [`OnConflict::Fail`] —
/// once more to write, checking each entry against the first reading. A failure while
/// writing undoes every write made so far, from a journal written before the first one; a
/// journal left by a killed restore is played back first. The store lock is held throughout.
#[allow(clippy::too_many_arguments)]
pub fn restore(
    sigil: &Sigil,
    path: &Path,
    key: &Key,
    policy: OnConflict,
    with_config: bool,
    dry_run: bool,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Plan> {
    let paths = sigil.paths();
    let _lock = if dry_run {
        None
    } else {
        Some(sigil.lock_for_change()?)
    };
    let recovered = !dry_run && recover_locked(sigil)?;
    let target = Registry::load(paths)?;
    let file = sigil.file_store();
    let mut registry = RegistryReader::default();
    let mut new = Vec::new();
    let mut conflicts = Vec::new();
    let mut backup_config: Option<String> = None;
    let manifest = read(path, key, None, &mut |e| {
        if e.name == ACCOUNTS || e.name == ACCOUNTS_JSON {
            registry.visit(path, &e)?;
        } else if e.name == CONFIG {
            if !e.data.is_empty() {
                backup_config = Some(String::from_utf8_lossy(e.data.expose()).into_owned());
            }
        } else if let Some(addr) = entry_address(&e.name) {
            let recorded = target
                .accounts
                .get(&addr.account_key())
                .is_some_and(|m| m.fields.contains(addr.field()));
            if recorded || file.contains(&addr)? {
                conflicts.push(addr);
            } else {
                new.push(addr);
            }
        }
        Ok(())
    })?;
    let backup_reg = registry.finish(path)?;
    if backup_reg.accounts.len() != manifest.accounts {
        return Err(damaged(
            path,
            "the account count does not match accounts.toml",
        ));
    }
    let current_config =
        read_optional(&paths.config_file())?.map(|b| String::from_utf8_lossy(&b).into_owned());
    let config_changes = match &backup_config {
        Some(theirs) => line_changes(current_config.as_deref().unwrap_or(""), theirs),
        None => vec![],
    };
    let plan = Plan {
        manifest,
        new,
        conflicts,
        config: with_config && !config_changes.is_empty(),
        config_changes,
        backend: sigil.write_backend(),
        recovered,
    };
    if dry_run {
        return Ok(plan);
    }
    if policy == OnConflict::Fail && !plan.conflicts.is_empty() {
        return Err(conflict_error(&plan.conflicts));
    }
    let conflicting: BTreeSet<String> = plan.conflicts.iter().map(|a| a.to_string()).collect();
    let overwrites: &[FieldAddress] = if policy == OnConflict::Overwrite {
        &plan.conflicts
    } else {
        &[]
    };
    // Every write is placed before the first one, so a backend that cannot be used fails
    // here with nothing changed.
    let mut placed: BTreeMap<String, BackendKind> = BTreeMap::new();
    for addr in plan.new.iter().chain(overwrites) {
        let cannot =
            |err: Error| Error::other(format!("cannot restore '{addr}': {err}"), err.help());
        let kind = placement(sigil, &target, addr, plan.backend).map_err(cannot)?;
        sigil.store_of(kind).map_err(cannot)?;
        placed.insert(addr.to_string(), kind);
    }
    // The journal on disk says how to undo everything, before anything is written: what
    // accounts.toml was, every address about to be written, and each overwritten value saved
    // encrypted to the identity. A failure undoes it now; a killed restore is undone by the
    // next one.
    let undo_dir = paths.home().join(UNDO_DIR);
    let mut journal = JournalFile {
        accounts: read_optional(&paths.accounts())?
            .map(|b| String::from_utf8_lossy(&b).into_owned()),
        config: plan.config,
        old_config: if plan.config { current_config } else { None },
        writes: Vec::with_capacity(placed.len()),
    };
    if !overwrites.is_empty() {
        fsutil::create_private_dir(&undo_dir)?;
    }
    // Saving the old values costs a decryption, an encryption and two fsyncs each: done by
    // a few threads, like the writes.
    let recipients = if overwrites.is_empty() {
        vec![]
    } else {
        sigil.file_store().identity()?.recipients()
    };
    let chunk = overwrites.len().div_ceil(WRITERS).max(1);
    let saved: Vec<Result<Vec<JournalWrite>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = overwrites
            .chunks(chunk)
            .enumerate()
            .map(|(c, addrs)| {
                let (placed, undo_dir, recipients) = (&placed, &undo_dir, &recipients);
                scope.spawn(move || -> Result<Vec<JournalWrite>> {
                    let mut out = Vec::with_capacity(addrs.len());
                    for (i, addr) in addrs.iter().enumerate() {
                        let kind = placed[&addr.to_string()];
                        let store = sigil.store_of(kind)?;
                        let undo = if store.contains(addr)? {
                            let name = format!("{}.age", c * chunk + i);
                            save_encrypted(&undo_dir.join(&name), &store.get(addr)?, recipients)?;
                            Some(name)
                        } else {
                            None
                        };
                        out.push(JournalWrite {
                            address: addr.to_string(),
                            backend: kind.as_str().to_owned(),
                            undo,
                        });
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::other("saving the old values failed", None)))
            })
            .collect()
    });
    for part in saved {
        match part {
            Ok(w) => journal.writes.extend(w),
            Err(e) => {
                let _ = fs::remove_dir_all(&undo_dir);
                return Err(e);
            }
        }
    }
    for addr in &plan.new {
        journal.writes.push(JournalWrite {
            address: addr.to_string(),
            backend: placed[&addr.to_string()].as_str().to_owned(),
            undo: None,
        });
    }
    let journal_path = paths.home().join(JOURNAL);
    let json = serde_json::to_vec(&journal)
        .map_err(|e| Error::other(format!("cannot encode the restore journal: {e}"), None))?;
    fsutil::create_private_dir(paths.home())?;
    fsutil::write_atomic(&journal_path, |f| f.write_all(&json))?;

    let total = placed.len() as u64;
    let mut done = 0u64;
    // The target's registry becomes the new one, and each account's metadata moves out of
    // the backup's into it: no copies, which matters for memory with 10,000 accounts.
    let mut reg = target;
    let mut backup_reg = backup_reg;
    let mut config = None;
    // Writes go to a few threads (encryption is CPU-bound) and are deferred: one flush per
    // backend makes them durable before accounts.toml names them, instead of two fsyncs per
    // secret. The bounded channel keeps memory flat.
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let written = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = mpsc::sync_channel::<Job>(WRITERS * 4);
    let rx = Mutex::new(rx);
    let mut tx = Some(tx);
    let streamed = std::thread::scope(|scope| -> Result<()> {
        for _ in 0..WRITERS {
            scope.spawn(|| {
                loop {
                    let job = lock(&rx).recv();
                    let Ok(job) = job else { return };
                    if lock(&failure).is_some() {
                        continue; // drain: the restore is being abandoned
                    }
                    match job.store.put_deferred(&job.addr, &job.data) {
                        Ok(()) => {
                            let n = written.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                            abort_for_tests(n);
                        }
                        Err(err) => {
                            lock(&failure).get_or_insert_with(|| {
                                Error::other(
                                    format!("cannot restore '{}': {err}", job.addr),
                                    err.help(),
                                )
                            });
                        }
                    }
                }
            });
        }
        // Dropped when this closure returns, which ends the writers' loops.
        let tx = tx.take().expect("taken once");
        read(path, key, Some(&plan.manifest), &mut |e| {
            if lock(&failure).is_some() {
                return Err(Error::other("a write failed", None));
            }
            if e.name == CONFIG && plan.config {
                config = Some(e.data);
                return Ok(());
            }
            let Some(addr) = entry_address(&e.name) else {
                return Ok(());
            };
            let Some(&kind) = placed.get(&addr.to_string()) else {
                return Ok(()); // a conflict kept by --on-conflict skip
            };
            let conflict = conflicting.contains(&addr.to_string());
            record(&mut reg, &mut backup_reg, &addr, kind, conflict);
            // Directories are made here, by one thread, and the writers only add files to
            // them: four writers making 20,000 directories themselves spent more time
            // queueing on the store root's lock than working.
            let store = sigil.store_of(kind)?;
            store.prepare(&addr)?;
            tx.send(Job {
                store,
                addr,
                data: e.data,
            })
            .map_err(|_| Error::other("the restore writers stopped", None))?;
            done += 1;
            progress(done, total);
            Ok(())
        })
        .map(|_| ())
    });
    let failure = failure.into_inner().unwrap_or_else(|e| e.into_inner());
    let result = match (failure, streamed) {
        (Some(e), _) | (None, Err(e)) => Err(e),
        (None, Ok(())) => (|| -> Result<()> {
            // Every secret is durable before accounts.toml names it.
            let kinds: BTreeSet<BackendKind> = placed.values().copied().collect();
            for kind in kinds {
                sigil.store_of(kind)?.flush()?;
            }
            if let Some(config) = config.take() {
                fsutil::create_private_dir(paths.config_dir())?;
                fsutil::write_atomic(&paths.config_file(), |f| f.write_all(config.expose()))?;
            }
            reg.save(paths)
        })(),
    };
    match result {
        Ok(()) => {
            // Removing the journal is the commit.
            finish_journal(paths.home())?;
            Ok(plan)
        }
        Err(e) => {
            match undo_journal(sigil, &journal) {
                Ok(()) => {
                    let _ = finish_journal(paths.home());
                }
                Err(u) => {
                    return Err(Error::other(
                        format!("{e}; undoing the partial restore also failed: {u}"),
                        Some(format!(
                            "the next `sigil backup restore` retries the undo (journal: '{}')",
                            journal_path.display()
                        )),
                    ));
                }
            }
            Err(e)
        }
    }
}

/// The journal of a restore in progress, in the home.
const JOURNAL: &str = ".restore-journal.json";
/// Where a restore keeps the values it overwrites (age files, to the identity).
const UNDO_DIR: &str = ".restore-undo";

/// How to undo a restore (no secret in it: overwritten values are in [`UNDO_DIR`]).
#[derive(Debug, Serialize, Deserialize)]
struct JournalFile {
    /// accounts.toml before the restore; `None` when there was none.
    accounts: Option<String>,
    /// Whether the restore writes config.toml.
    config: bool,
    /// The config.toml it replaces, to put back on undo; `None` when there was none.
    #[serde(default)]
    old_config: Option<String>,
    /// Every secret the restore writes.
    writes: Vec<JournalWrite>,
}

#[derive(Debug, Serialize, Deserialize)]
struct JournalWrite {
    address: String,
    backend: String,
    /// The file in [`UNDO_DIR`] holding the value it replaces; `None` for a new secret.
    undo: Option<String>,
}

/// Undoes a restore from its journal: new secrets deleted, overwritten ones put back,
/// config.toml as it was, accounts.toml as it was. Every step is tried; the first error
/// is returned.
fn undo_journal(sigil: &Sigil, j: &JournalFile) -> Result<()> {
    let paths = sigil.paths();
    let undo_dir = paths.home().join(UNDO_DIR);
    let mut first: Option<Error> = None;
    if j.config {
        let back = match &j.old_config {
            Some(text) => {
                fsutil::write_atomic(&paths.config_file(), |f| f.write_all(text.as_bytes()))
            }
            None => match fs::remove_file(paths.config_file()) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    Err(Error::io("cannot remove the restored config.toml", e))
                }
                _ => Ok(()),
            },
        };
        if let Err(e) = back {
            first.get_or_insert(e);
        }
    }
    for w in j.writes.iter().rev() {
        let step = (|| -> Result<()> {
            let addr: FieldAddress = w.address.parse()?;
            let kind: BackendKind = w.backend.parse()?;
            let store = sigil.store_of(kind)?;
            if kind == BackendKind::File {
                // A writer killed mid-file leaves its temporary file beside the secret.
                sigil.file_store().remove_leftovers(&addr)?;
            }
            match &w.undo {
                Some(name) => store.put(&addr, &load_encrypted(sigil, &undo_dir.join(name))?),
                None => store.delete(&addr).map(|_| ()),
            }
        })();
        if let Err(e) = step {
            first.get_or_insert(e);
        }
    }
    let accounts = paths.accounts();
    let meta = match &j.accounts {
        Some(text) => fsutil::write_atomic(&accounts, |f| f.write_all(text.as_bytes())),
        None => match fs::remove_file(&accounts) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::io(
                format!("cannot remove '{}'", accounts.display()),
                e,
            )),
            _ => Ok(()),
        },
    };
    if let Err(e) = meta {
        first.get_or_insert(e);
    }
    first.map_or(Ok(()), Err)
}

/// The lines that differ between two texts, in the order of the new one: `- line` for one
/// only the old has, `+ line` for one only the new has. Enough to see what a config.toml
/// would change (a provider's `token_url`, `audit = false`).
fn line_changes(old: &str, new: &str) -> Vec<String> {
    let olds: BTreeSet<&str> = old.lines().collect();
    let news: BTreeSet<&str> = new.lines().collect();
    let mut out: Vec<String> = old
        .lines()
        .filter(|l| !news.contains(l) && !l.trim().is_empty())
        .map(|l| format!("- {l}"))
        .collect();
    out.extend(
        new.lines()
            .filter(|l| !olds.contains(l) && !l.trim().is_empty())
            .map(|l| format!("+ {l}")),
    );
    out
}

/// Ends a restore: the journal goes first (the commit), then the saved values.
fn finish_journal(home: &Path) -> Result<()> {
    let p = home.join(JOURNAL);
    match fs::remove_file(&p) {
        Ok(()) => {
            let _ = fsutil::sync_dir(home);
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(format!("cannot remove '{}'", p.display()), e)),
    }
    let _ = fs::remove_dir_all(home.join(UNDO_DIR));
    Ok(())
}

/// What a command says when it undid an interrupted restore.
pub const HEALED: &str =
    "undid a restore that had been interrupted, leaving the store as it was before it";

/// Whether a restore's journal is there: one is running, or one was killed (one stat).
pub fn pending(home: &Path) -> bool {
    fs::symlink_metadata(home.join(JOURNAL)).is_ok()
}

/// Undoes a restore that was killed half-way, unless a restore (or any other writer) holds
/// the store lock right now: whichever command comes next does this, as for an
/// interrupted migration. Returns whether it undid one.
pub fn heal(sigil: &Sigil) -> Result<bool> {
    match Lock::try_acquire(&sigil.paths().lock_file())? {
        Some(_lock) => recover_locked(sigil),
        None => Ok(false),
    }
}

/// Undoes a restore that was killed half-way, if its journal is there (under the store
/// lock). Returns whether it found one. [`restore`] does this first by itself.
pub fn recover(sigil: &Sigil) -> Result<bool> {
    if !sigil.paths().home().join(JOURNAL).exists() {
        return Ok(false);
    }
    let _lock = Lock::acquire(&sigil.paths().lock_file())?;
    recover_locked(sigil)
}

fn recover_locked(sigil: &Sigil) -> Result<bool> {
    let home = sigil.paths().home();
    let p = home.join(JOURNAL);
    let Some(bytes) = read_optional(&p)? else {
        return Ok(false);
    };
    let j: JournalFile = serde_json::from_slice(&bytes).map_err(|e| {
        Error::other(
            format!("the restore journal '{}' is unreadable: {e}", p.display()),
            Some("an interrupted restore could not be undone; check the store, then remove the journal".into()),
        )
    })?;
    undo_journal(sigil, &j)?;
    finish_journal(home)?;
    Ok(true)
}

fn save_encrypted(path: &Path, secret: &Secret, recipients: &[x25519::Recipient]) -> Result<()> {
    crate::crypto::write_file(path, recipients, secret.expose())
}

fn load_encrypted(sigil: &Sigil, path: &Path) -> Result<Secret> {
    let mut out = crate::crypto::read_file(path, sigil.file_store().identity()?.as_age())?;
    Ok(Secret::new(std::mem::take(&mut *out)))
}

/// A restore's write of one secret is done: the tests kill it after the N-th
/// (`SIGIL_TEST_FAULT=@restored#N:kill`, [`fsutil::point`]).
fn abort_for_tests(_written: usize) {
    let _ = fsutil::point("restored");
}

/// How many threads write a restore (see [`restore`]).
const WRITERS: usize = 4;

/// One write for the restore's writer threads.
struct Job<'a> {
    store: &'a dyn Store,
    addr: FieldAddress,
    data: Secret,
}

/// Locks a mutex, also after a writer panicked.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The backend a restored secret goes to: the one its account is already recorded in on
/// this side (a credential lives in one place), else this side's write backend.
fn placement(
    sigil: &Sigil,
    target: &Registry,
    addr: &FieldAddress,
    default: BackendKind,
) -> Result<BackendKind> {
    match target
        .accounts
        .get(&addr.account_key())
        .and_then(|m| m.backend.parse::<BackendKind>().ok())
    {
        Some(BackendKind::Auto) | None => Ok(default),
        // As `Sigil::put` decides, but from the registry already loaded: asking `Sigil`
        // would load it again for every secret.
        Some(recorded) => match sigil.choice().kind {
            BackendKind::Auto => Ok(recorded),
            forced if forced == recorded => Ok(forced),
            forced => Err(Error::other(
                format!(
                    "'{}' is kept in the {recorded} backend, not {forced}",
                    addr.account_key()
                ),
                Some(format!(
                    "a credential lives in one backend: drop --backend {forced}, or remove it from {recorded} first"
                )),
            )),
        },
    }
}

/// Records a restored secret in the target's metadata, taking the backup's metadata for a
/// new account and, on overwrite, replacing the descriptive fields.
fn record(
    reg: &mut Registry,
    backup: &mut Registry,
    addr: &FieldAddress,
    kind: BackendKind,
    overwrite: bool,
) {
    let key = addr.account_key();
    let now = OffsetDateTime::now_utc();
    // The account's usage policy (and its use count) comes back with it: for a new account,
    // and on overwrite, where the backup's state replaces the target's.
    if (overwrite || !reg.accounts.contains_key(&key))
        && let Some(p) = backup.policies.remove(&key)
    {
        reg.policies.insert(key.clone(), p);
    }
    if !reg.accounts.contains_key(&key) {
        // A new account: its metadata moves over from the backup.
        let mut m = backup.accounts.remove(&key).unwrap_or_else(|| {
            let what = if addr.field() == "password" {
                crate::registry::Kind::Password
            } else {
                crate::registry::Kind::ApiKey
            };
            crate::registry::AccountMeta::new(what, kind.as_str(), now)
        });
        m.fields.clear();
        reg.accounts.insert(key.clone(), m);
    }
    let from_backup = backup.accounts.get(&key);
    let meta = reg.accounts.get_mut(&key).expect("inserted above");
    if overwrite && let Some(b) = from_backup {
        meta.kind = b.kind;
        meta.provider = b.provider.clone();
        meta.scopes = b.scopes.clone();
        meta.expires_at = b.expires_at;
        meta.note = b.note.clone();
        meta.updated = now;
    }
    meta.fields.insert(addr.field().to_owned());
    meta.backend = kind.as_str().to_owned();
}

fn conflict_error(conflicts: &[FieldAddress]) -> Error {
    const SHOWN: usize = 20;
    let mut list: Vec<String> = conflicts
        .iter()
        .take(SHOWN)
        .map(|a| format!("'{a}'"))
        .collect();
    if conflicts.len() > SHOWN {
        list.push(format!("and {} more", conflicts.len() - SHOWN));
    }
    Error::other(
        format!(
            "{} secret{} in the backup already exist{}: {}; nothing was restored",
            conflicts.len(),
            if conflicts.len() == 1 { "" } else { "s" },
            if conflicts.len() == 1 { "s" } else { "" },
            list.join(", ")
        ),
        Some(
            "pass --on-conflict skip to keep them, or --on-conflict overwrite to replace them"
                .into(),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PutOptions, Sigil};

    fn sigil(dir: &Path) -> Sigil {
        Sigil::builder()
            .home(dir)
            .identity(Identity::generate())
            .backend(Some("file"))
            .open()
            .unwrap()
    }

    #[test]
    fn entry_names_map_back_to_addresses() {
        let a: FieldAddress = "git.hub/me+x@y.z/api_key".parse().unwrap();
        assert_eq!(entry_name(&a), "secrets/git.hub/me+x@y.z/api_key");
        assert_eq!(entry_address(&entry_name(&a)), Some(a));
        assert_eq!(entry_address("secrets/../x/y"), None);
        assert_eq!(entry_address("config.toml"), None);
    }

    #[test]
    fn a_backup_verifies_and_a_changed_manifest_does_not() {
        let d = tempfile::tempdir().unwrap();
        let s = sigil(&d.path().join("home"));
        let addr: FieldAddress = "svc/me/token".parse().unwrap();
        s.put(&addr, &Secret::from("v\n\u{0}"), &PutOptions::default())
            .unwrap();
        let id = s.file_store().identity().unwrap();
        let file = d.path().join("b.age");
        let f = fs::File::create(&file).unwrap();
        let m = create(
            &s,
            f,
            Encryption::Recipients(id.recipients()),
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!((m.accounts, m.secrets), (1, 1));
        assert_eq!(
            m.entries
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>(),
            [ACCOUNTS, CONFIG, ACCOUNTS_JSON, "secrets/svc/me/token"]
        );
        assert_eq!(verify(&file, &Key::Identity(id)).unwrap(), m);
        // A second reading compared with a different first one is refused.
        let mut other = m.clone();
        other.entries[3].sha256 = "0".repeat(64);
        let e = read(&file, &Key::Identity(id), Some(&other), &mut |_| Ok(())).unwrap_err();
        assert!(e.to_string().contains("damaged or altered"), "{e}");
        assert_eq!(e.class(), crate::ExitClass::Refused);
    }

    /// Repacks a backup's entries (as `edit` leaves them) under a new manifest `version`.
    fn repack(
        id: &Identity,
        from: &Path,
        to: &Path,
        version: u32,
        edit: impl Fn(&mut Vec<(String, Vec<u8>)>),
    ) {
        let mut entries = Vec::new();
        let mut manifest = None;
        read(from, &Key::Identity(id), None, &mut |e| {
            entries.push((e.name.clone(), e.data.expose().to_vec()));
            Ok(())
        })
        .map(|m| manifest = Some(m))
        .unwrap();
        edit(&mut entries);
        let mut m = manifest.unwrap();
        m.version = version;
        m.entries = entries
            .iter()
            .map(|(n, d)| ManifestEntry {
                name: n.clone(),
                size: d.len() as u64,
                sha256: sha256_hex(d),
            })
            .collect();
        let enc = crate::crypto::to_keys(&id.recipients()).unwrap();
        let out = enc.wrap_output(fs::File::create(to).unwrap()).unwrap();
        let gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
        let mut tar = Tar {
            builder: tar::Builder::new(gz),
            entries: vec![],
            mtime: 0,
        };
        for (n, d) in &entries {
            tar.append(n, d).unwrap();
        }
        tar.append(MANIFEST, &serde_json::to_vec(&m).unwrap())
            .unwrap();
        tar.builder
            .into_inner()
            .unwrap()
            .finish()
            .unwrap()
            .finish()
            .unwrap();
    }

    #[test]
    fn version_one_backups_still_read_and_versions_must_match_their_entries() {
        let d = tempfile::tempdir().unwrap();
        let s = sigil(&d.path().join("h"));
        let addr: FieldAddress = "svc/me/token".parse().unwrap();
        s.put(&addr, &Secret::from("t"), &PutOptions::default())
            .unwrap();
        let id = s.file_store().identity().unwrap();
        let v2 = d.path().join("v2.age");
        create(
            &s,
            fs::File::create(&v2).unwrap(),
            Encryption::Recipients(id.recipients()),
            &mut |_, _| {},
        )
        .unwrap();
        let v1 = d.path().join("v1.age");
        repack(id, &v2, &v1, 1, |e| e.retain(|(n, _)| n != ACCOUNTS_JSON));
        let m = verify(&v1, &Key::Identity(id)).unwrap();
        assert_eq!((m.version, m.accounts, m.secrets), (1, 1, 1));
        // accounts.json in a version-1 backup, or missing from a version-2 one: refused.
        let bad = d.path().join("bad.age");
        repack(id, &v2, &bad, 1, |_| {});
        assert!(
            verify(&bad, &Key::Identity(id))
                .unwrap_err()
                .to_string()
                .contains("format version")
        );
        repack(id, &v1, &bad, 2, |_| {});
        assert!(
            verify(&bad, &Key::Identity(id))
                .unwrap_err()
                .to_string()
                .contains("format version")
        );
        repack(id, &v2, &bad, 3, |_| {});
        assert!(
            verify(&bad, &Key::Identity(id))
                .unwrap_err()
                .to_string()
                .contains("format version 3"),
            "newer"
        );
    }
}
