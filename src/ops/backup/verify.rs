//! Reading a backup back: every entry checked against the manifest, in order, and the file
//! read to its very end; `verify` does only that, `restore` reads through here too.

use super::{
    ACCOUNTS, ACCOUNTS_JSON, CONFIG, Entry, FORMAT, Key, MANIFEST, MAX_ARCHIVE, MAX_ENTRY,
    Manifest, ManifestEntry, VERSION, damaged, entry_address, human, sha256_hex,
};
use crate::model::error::{Error, Result, json_fault};
use crate::model::registry::Registry;
use crate::model::secret::Secret;
use crate::store::StoreError;
use age::secrecy::SecretString;
use std::cell::RefCell;
use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use zeroize::Zeroizing;

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
    let reader = decrypt(path, key)?;
    let gz = flate2::bufread::GzDecoder::new(BufReader::new(reader));
    let failed = RefCell::new(None);
    let mut archive = tar::Archive::new(Below {
        inner: gz,
        failed: &failed,
    });
    let mut seen: Vec<ManifestEntry> = Vec::new();
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut total = 0u64;
    let mut manifest: Option<Manifest> = None;
    {
        let entries = archive
            .entries()
            .map_err(|e| archive_error(path, &failed, e))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| archive_error(path, &failed, e))?;
            if manifest.is_some() {
                return Err(damaged(path, "an entry follows the manifest"));
            }
            let (name, mut data) = read_entry(path, &failed, &mut entry, &mut names, &mut total)?;
            if name == MANIFEST {
                let m: Manifest = serde_json::from_slice(&data).map_err(|e| {
                    damaged(
                        path,
                        format!("the manifest is malformed: {}", json_fault(&e)),
                    )
                })?;
                manifest = Some(m);
                continue;
            }
            let this = in_its_place(path, seen.len(), &name, &data, expected)?;
            seen.push(this);
            visit(Entry {
                name,
                data: Secret::new(std::mem::take(&mut *data)),
            })?;
        }
    }
    let manifest = manifest.ok_or_else(|| damaged(path, "the manifest is missing"))?;
    read_to_the_end(path, archive.into_inner().inner)?;
    check_manifest(path, &manifest, &seen)?;
    Ok(manifest)
}

/// Opens a backup with `key`: the age layer, with the errors that say whether the key was the
/// wrong kind, the wrong one, or the file is damaged.
fn decrypt(path: &Path, key: &Key) -> Result<impl Read> {
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
    result.map_err(|e| match e {
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
    })
}

/// Reads one archive entry whole, after checking what can be checked before its content: a
/// regular file, a UTF-8 name not seen before, within the size limit of its kind; and the
/// whole archive within [`MAX_ARCHIVE`], so that a crafted file cannot fill the disk. Returns
/// its name and content.
fn read_entry<R: Read>(
    path: &Path,
    failed: &RefCell<Option<String>>,
    entry: &mut tar::Entry<'_, R>,
    names: &mut std::collections::HashSet<String>,
    total: &mut u64,
) -> Result<(String, Zeroizing<Vec<u8>>)> {
    if entry.header().entry_type() != tar::EntryType::Regular {
        return Err(damaged(path, "an entry is not a regular file"));
    }
    let name = entry
        .path()
        .map_err(|e| archive_error(path, failed, e))?
        .to_str()
        .map(str::to_owned)
        .ok_or_else(|| damaged(path, "an entry name is not UTF-8"))?;
    if !names.insert(name.clone()) {
        return Err(damaged(path, format!("entry '{name}' appears twice")));
    }
    let limit = if entry_address(&name).is_some() {
        crate::model::secret::MAX_SIZE
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
    entry
        .take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| archive_error(path, failed, e))?;
    if data.len() as u64 > limit {
        return Err(damaged(
            path,
            format!("entry '{name}' is larger than {}", human(limit)),
        ));
    }
    *total += data.len() as u64;
    if *total > MAX_ARCHIVE {
        return Err(damaged(
            path,
            format!("it unpacks to more than {}", human(MAX_ARCHIVE)),
        ));
    }
    Ok((name, data))
}

/// Checks that an entry (other than the manifest) stands where the format puts it —
/// accounts.toml first, config.toml second, then accounts.json (from version 2) and secrets —
/// and, given the manifest of an earlier reading, that it is what that reading found at
/// `pos`. Returns the entry as the manifest records it.
fn in_its_place(
    path: &Path,
    pos: usize,
    name: &str,
    data: &[u8],
    expected: Option<&Manifest>,
) -> Result<ManifestEntry> {
    let this = ManifestEntry {
        name: name.to_owned(),
        size: data.len() as u64,
        sha256: sha256_hex(data),
    };
    match pos {
        0 if name != ACCOUNTS => return Err(damaged(path, "accounts.toml is not first")),
        1 if name != CONFIG => return Err(damaged(path, "config.toml is not second")),
        2 if name == ACCOUNTS_JSON => {}
        n if n >= 2 && entry_address(name).is_none() => {
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
    Ok(this)
}

/// The decrypted, unzipped stream under tar, keeping the text of the error it last gave. The
/// layers below tar describe a fault without quoting the data (age's "decryption error",
/// gzip's "corrupt deflate stream"); tar's own complaints quote header bytes, which whoever
/// made the file chose, so [`archive_error`] shows those only by kind.
struct Below<'a, R> {
    inner: R,
    failed: &'a RefCell<Option<String>>,
}

impl<R: Read> Read for Below<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            *self.failed.borrow_mut() = Some(e.to_string());
        })
    }
}

/// A failure while reading the archive: the stream's own error when the layers below tar gave
/// one, else tar's complaint in words of ours, never its text.
fn archive_error(path: &Path, failed: &RefCell<Option<String>>, e: io::Error) -> Error {
    if let Some(below) = failed.borrow_mut().take() {
        return damaged(path, below);
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof => damaged(path, "the archive ends early"),
        _ => damaged(path, "the archive is malformed"),
    }
}

/// Reads to the very end, so the gzip CRC and age's final-chunk flag are checked: a
/// truncated or extended file fails here.
fn read_to_the_end<R: BufRead>(path: &Path, mut gz: flate2::bufread::GzDecoder<R>) -> Result<()> {
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
    Ok(())
}

/// Checks the manifest against what was read: a sigil backup of a version this sigil reads,
/// whose entry list (and so every checksum) and counts match the entries.
fn check_manifest(path: &Path, manifest: &Manifest, seen: &[ManifestEntry]) -> Result<()> {
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
            .zip(seen)
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
    Ok(())
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
pub(super) struct RegistryReader {
    toml: Option<Secret>,
    json: Option<Registry>,
}

impl RegistryReader {
    pub(super) fn visit(&mut self, path: &Path, e: &Entry) -> Result<()> {
        if e.name == ACCOUNTS {
            self.toml = Some(e.data.clone());
        } else if e.name == ACCOUNTS_JSON {
            self.toml = None;
            self.json = Some(serde_json::from_slice(e.data.expose()).map_err(|err| {
                damaged(
                    path,
                    format!("accounts.json is malformed: {}", json_fault(&err)),
                )
            })?);
        }
        Ok(())
    }

    pub(super) fn finish(self, path: &Path) -> Result<Registry> {
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

#[cfg(test)]
mod tests {
    use super::super::create::Tar;
    use super::super::{Encryption, create};
    use super::*;
    use crate::identity::Identity;
    use crate::model::address::FieldAddress;
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
        assert_eq!(e.class(), crate::model::error::ExitClass::Refused);
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
