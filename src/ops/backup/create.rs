//! Writing a backup: every secret, the metadata and the config streamed into a tar inside
//! one age file, the manifest last.

use super::{
    ACCOUNTS, ACCOUNTS_JSON, CONFIG, Encryption, FORMAT, MANIFEST, Manifest, ManifestEntry,
    VERSION, entry_name, read_optional, sha256_hex,
};
use crate::Sigil;
use crate::fsutil::{self, PermissionError};
use crate::model::address::FieldAddress;
use crate::model::error::{Error, Result};
use crate::model::registry::Registry;
use crate::store::Store;
use crate::store::backend::BackendKind;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use time::OffsetDateTime;

/// How many secrets `create` decrypts at once.
const CREATE_BATCH: usize = 128;

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
pub fn default_recipients(sigil: &Sigil) -> Result<Vec<crate::crypto::Recipient>> {
    let root = sigil.file_store().root().to_owned();
    Ok(sigil.file_store().recipients_for(&root)?.0)
}

/// A tar writer that records each entry for the manifest as it goes.
pub(super) struct Tar<W: Write> {
    pub(super) builder: tar::Builder<W>,
    pub(super) entries: Vec<ManifestEntry>,
    pub(super) mtime: u64,
}

impl<W: Write> Tar<W> {
    pub(super) fn append(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
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
    crate::ops::policy::backup_allowed(sigil, to, &fields)?;
    let total = secrets.len() as u64;

    let encryptor = match encryption {
        Encryption::Passphrase(p) => crate::crypto::passphrase_encryptor(p),
        Encryption::Recipients(rs) => crate::crypto::to_keys(&rs)?,
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
