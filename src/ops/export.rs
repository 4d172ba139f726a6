//! `sigil export` and `sigil import`: one credential (an account's fields and its metadata) as
//! a small versioned JSON envelope inside one standard age file (format:
//! `docs/export-format.md`).
//!
//! The envelope is plain JSON so that `age -d` alone recovers a credential: an export is
//! meant to be handed to a colleague or moved to another machine, where sigil may not be.
//! age authenticates the whole payload, so any change to the file is caught on decryption;
//! the envelope therefore carries no checksum of its own.

use crate::PutOptions;
use crate::Sigil;
use crate::fsutil;
use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, Result};
use crate::model::registry::{AccountMeta, Kind, Registry};
use crate::model::secret::Secret;
use crate::ops::backup::{Encryption, Key, OnConflict};
use crate::store::backend::BackendKind;
use age::secrecy::SecretString;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::Path;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// What `format` says in every sigil export.
pub const FORMAT: &str = "sigil-export";
/// The envelope version this sigil writes and reads.
pub const VERSION: u32 = 1;
/// No export comes near this (a secret is at most 1 MiB, an account has a few); a bigger
/// file is refused rather than read into memory.
const MAX_FILE: u64 = 64 << 20;

/// One credential read from the store, ready to export.
pub struct Credential {
    /// The account (`service/account`).
    pub address: Address,
    /// Its fields and their values, sorted by field.
    pub fields: Vec<(String, Secret)>,
    /// Its metadata, when `accounts.toml` records the account.
    pub meta: Option<AccountMeta>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.fields.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Credential")
            .field("address", &self.address)
            .field("fields", &names)
            .finish_non_exhaustive()
    }
}

/// Reads an account's fields (or the one field `addr` names) and its metadata. Values are
/// read as stored: an OAuth token is not refreshed first, so the export is what the store
/// holds.
pub fn collect(sigil: &Sigil, addr: &Address) -> Result<Credential> {
    crate::audit::ready(sigil)?;
    let located = sigil.fields_of(addr)?;
    if located.is_empty() {
        return Err(Error::NotFound {
            message: format!("'{addr}' not found"),
            help: Some("`sigil list` shows what is stored".into()),
        });
    }
    let mut fields = Vec::with_capacity(located.len());
    for (fa, _) in located {
        // Through the same door as `sigil get`: an export hands the value out, so the
        // account's usage policy applies and the read is audited.
        let (_, value) = sigil.get_address_with(&fa.clone().into(), false)?;
        fields.push((fa.field().to_owned(), value));
    }
    let reg = Registry::load(sigil.paths())?;
    let meta = reg.accounts.get(&addr.account_key()).cloned();
    Ok(Credential {
        address: Address::new(addr.service(), addr.account(), None)?,
        fields,
        meta,
    })
}

/// The envelope as written.
#[derive(Serialize)]
struct EnvelopeOut<'a> {
    format: &'static str,
    version: u32,
    sigil_version: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    exported_at: OffsetDateTime,
    address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<MetaDoc>,
    fields: BTreeMap<&'a str, ValueOut<'a>>,
}

#[derive(Serialize)]
struct ValueOut<'a> {
    encoding: &'static str,
    value: &'a str,
}

/// The metadata part of the envelope: what `accounts.toml` records, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaDoc {
    /// `api_key`, `oauth`, `password` or `totp`.
    pub kind: Kind,
    /// The OAuth provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The OAuth scopes granted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// When the account was first stored.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created: Option<OffsetDateTime>,
    /// When it last changed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub updated: Option<OffsetDateTime>,
    /// When the credential stops working.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
    /// The free-form note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl MetaDoc {
    fn of(m: &AccountMeta) -> MetaDoc {
        MetaDoc {
            kind: m.kind,
            provider: m.provider.clone(),
            scopes: m.scopes.clone(),
            created: Some(m.created),
            updated: Some(m.updated),
            expires_at: m.expires_at,
            note: m.note.clone(),
        }
    }
}

/// The envelope as read back (`format` and `version` are checked through [`Header`] first;
/// keys this version does not know are ignored).
#[derive(Deserialize)]
struct EnvelopeIn {
    address: String,
    #[serde(default)]
    metadata: Option<MetaDoc>,
    fields: BTreeMap<String, ValueIn>,
}

#[derive(Deserialize)]
struct ValueIn {
    encoding: String,
    value: String,
}

/// Just the two fields every version has, read first so that a newer version gets the right
/// error rather than a parse error about a field it renamed.
#[derive(Deserialize)]
struct Header {
    format: String,
    version: u32,
}

/// Encodes a credential as the JSON envelope (the plaintext of an export).
pub fn encode(cred: &Credential, now: OffsetDateTime) -> Result<Zeroizing<Vec<u8>>> {
    // Values that are not UTF-8 travel as base64; the buffers are wiped when dropped.
    let mut b64: Vec<(usize, Zeroizing<String>)> = Vec::new();
    for (i, (_, v)) in cred.fields.iter().enumerate() {
        if v.expose_str().is_none() {
            b64.push((
                i,
                Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(v.expose())),
            ));
        }
    }
    let mut fields = BTreeMap::new();
    for (i, (name, v)) in cred.fields.iter().enumerate() {
        let value = match v.expose_str() {
            Some(text) => ValueOut {
                encoding: "utf-8",
                value: text,
            },
            None => ValueOut {
                encoding: "base64",
                value: b64
                    .iter()
                    .find(|(j, _)| *j == i)
                    .map(|(_, s)| s.as_str())
                    .unwrap_or_default(),
            },
        };
        fields.insert(name.as_str(), value);
    }
    let doc = EnvelopeOut {
        format: FORMAT,
        version: VERSION,
        sigil_version: env!("CARGO_PKG_VERSION"),
        exported_at: now.replace_nanosecond(0).unwrap_or(now),
        address: cred.address.to_string(),
        metadata: cred.meta.as_ref().map(MetaDoc::of),
        fields,
    };
    let mut out = Zeroizing::new(Vec::with_capacity(512));
    serde_json::to_writer_pretty(&mut *out, &doc)
        .map_err(|e| Error::other(format!("cannot encode the export: {e}"), None))?;
    out.push(b'\n');
    Ok(out)
}

/// Encrypts `plaintext` as one age file (ASCII-armored when `armor`) into `out`.
pub fn encrypt(
    plaintext: &[u8],
    encryption: Encryption,
    armor: bool,
    out: impl Write,
) -> Result<()> {
    let encryptor = match encryption {
        Encryption::Passphrase(p) => crate::crypto::passphrase_encryptor(p),
        Encryption::Recipients(rs) => crate::crypto::to_keys(&rs)?,
    };
    let err = |e: io::Error| Error::io("cannot write the export", e);
    let format = if armor {
        age::armor::Format::AsciiArmor
    } else {
        age::armor::Format::Binary
    };
    let armored = age::armor::ArmoredWriter::wrap_output(out, format).map_err(err)?;
    let mut w = encryptor.wrap_output(armored).map_err(err)?;
    w.write_all(plaintext).map_err(err)?;
    let armored = w.finish().map_err(err)?;
    let mut inner = armored.finish().map_err(err)?;
    inner.flush().map_err(err)
}

/// Writes an export to `path` atomically (temporary file, fsync, rename) with mode 0600.
pub fn write_file(
    path: &Path,
    plaintext: &[u8],
    encryption: Encryption,
    armor: bool,
) -> Result<()> {
    let path = std::path::absolute(path)
        .map_err(|e| Error::io(format!("cannot resolve '{}'", path.display()), e))?;
    let mut result = None;
    let written = fsutil::write_atomic(&path, |f| {
        let r = encrypt(plaintext, encryption, armor, io::BufWriter::new(f));
        let ok = r.is_ok();
        result = Some(r);
        if ok {
            Ok(())
        } else {
            // The real error is kept in `result`; this only stops the rename.
            Err(io::Error::other("export failed"))
        }
    });
    match (result, written) {
        (Some(Err(e)), _) => Err(e),
        (_, r) => r,
    }
}

/// Reads an export file (or stdin for `-`), refusing one too large to be an export.
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let shown = path.display();
    if path.as_os_str() == "-" {
        io::stdin()
            .lock()
            .take(MAX_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("cannot read the export from stdin", e))?;
    } else {
        let file = std::fs::File::open(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::NotFound {
                message: format!("export '{shown}' not found"),
                help: None,
            },
            _ => Error::io(format!("cannot open '{shown}'"), e),
        })?;
        file.take(MAX_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(format!("cannot read '{shown}'"), e))?;
    }
    if bytes.len() as u64 > MAX_FILE {
        return Err(Error::Usage(format!(
            "'{shown}' is larger than 64 MiB; that is not a sigil export"
        )));
    }
    Ok(bytes)
}

/// The name an input is shown by in messages.
fn shown(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Why an export cannot be trusted (exit 5).
fn damaged(path: &Path, reason: impl std::fmt::Display) -> Error {
    // age's armor errors name the byte they refused (`Invalid symbol 45, offset 6`): a byte of
    // whatever was pasted in, so only the kind is kept.
    let reason = reason.to_string();
    let reason = if reason.contains("Invalid symbol") || reason.contains("Invalid last symbol") {
        "its armor is not valid base64".to_owned()
    } else {
        reason
    };
    Error::Refused {
        message: format!("'{}' is damaged or altered: {reason}", shown(path)),
        help: Some("nothing was imported; ask for a new export".into()),
    }
}

/// Whether an export is protected by a passphrase (so the caller knows to ask for one).
pub fn is_passphrase_protected(path: &Path, bytes: &[u8]) -> Result<bool> {
    let d = crate::crypto::decryptor_armored(bytes).map_err(|e| damaged(path, e))?;
    Ok(d.is_scrypt())
}

/// Decrypts an export. A wrong identity or passphrase is an authentication error (exit 4);
/// anything else that age refuses — a bad header, a failed MAC, a truncated or extended
/// payload — means the file is damaged or altered (exit 5).
pub fn decrypt(path: &Path, bytes: &[u8], key: &Key) -> Result<Zeroizing<Vec<u8>>> {
    let decryptor = crate::crypto::decryptor_armored(bytes).map_err(|e| damaged(path, e))?;
    let scrypt = decryptor.is_scrypt();
    let result = match key {
        Key::Passphrase(p) => {
            if !scrypt {
                return Err(Error::Usage(format!(
                    "'{}' is encrypted to recipients, not with a passphrase; drop --passphrase",
                    shown(path)
                )));
            }
            let id = age::scrypt::Identity::new(SecretString::from(p.as_str().to_owned()));
            decryptor.decrypt(std::iter::once(&id as &dyn age::Identity))
        }
        Key::Identity(id) => {
            if scrypt {
                return Err(Error::Auth {
                    message: format!("'{}' is protected by a passphrase", shown(path)),
                    help: Some("pass --passphrase".into()),
                });
            }
            decryptor.decrypt(id.as_age())
        }
    };
    let mut reader = result.map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => Error::Auth {
            message: format!(
                "cannot decrypt '{}': it is not encrypted to your identity",
                shown(path)
            ),
            help: Some(
                "it was exported to someone else's key: ask for an export to your public key (`age-keygen -y` on your identity prints it), or check SIGIL_IDENTITY / SIGIL_IDENTITY_FILE"
                    .into(),
            ),
        },
        // With scrypt a wrong passphrase and a damaged key stanza look the same.
        age::DecryptError::DecryptionFailed if scrypt => Error::Auth {
            message: format!("cannot decrypt '{}': wrong passphrase", shown(path)),
            help: Some("check the passphrase the export was made with".into()),
        },
        other => damaged(path, other),
    })?;
    let mut out = Zeroizing::new(Vec::with_capacity(bytes.len()));
    reader.read_to_end(&mut out).map_err(|e| damaged(path, e))?;
    Ok(out)
}

/// Decodes the envelope of a decrypted export into a credential.
pub fn decode(path: &Path, plaintext: &[u8]) -> Result<Credential> {
    let not_export = |why: String| {
        Error::other(
            format!("'{}' is not a sigil export: {why}", shown(path)),
            Some("`sigil import` reads files written by `sigil export`".into()),
        )
    };
    let header: Header =
        serde_json::from_slice(plaintext).map_err(|e| not_export(json_reason(&e)))?;
    if header.format != FORMAT {
        return Err(not_export(format!("its format is not '{FORMAT}'")));
    }
    if header.version != VERSION {
        return Err(Error::other(
            format!(
                "'{}' has export format version {}, this sigil reads version {VERSION}",
                shown(path),
                header.version
            ),
            Some("upgrade sigil".into()),
        ));
    }
    let env: EnvelopeIn =
        serde_json::from_slice(plaintext).map_err(|e| not_export(json_reason(&e)))?;
    // The envelope's text is not repeated: it may be anything, a secret included.
    let address = Address::parse(&env.address)
        .map_err(|_| not_export("its address is not a valid service/account".into()))?;
    if address.field().is_some() {
        return Err(not_export(format!(
            "its address '{address}' names a field; it must name an account"
        )));
    }
    if env.fields.is_empty() {
        return Err(not_export("it holds no field".into()));
    }
    let mut fields = Vec::with_capacity(env.fields.len());
    for (n, (name, v)) in env.fields.into_iter().enumerate() {
        let ValueIn { encoding, value } = v;
        let value = Zeroizing::new(value);
        address
            .with_field(&name)
            .map_err(|_| not_export(format!("the name of field {} is not valid", n + 1)))?;
        let bytes = match encoding.as_str() {
            "utf-8" => value.as_bytes().to_vec(),
            "base64" => base64::engine::general_purpose::STANDARD
                .decode(value.as_bytes())
                .map_err(|e| {
                    not_export(format!(
                        "field '{name}' is not valid base64: {}",
                        base64_kind(&e)
                    ))
                })?,
            _ => {
                return Err(not_export(format!(
                    "field '{name}' has an unknown encoding (utf-8 or base64)"
                )));
            }
        };
        fields.push((name, Secret::new(bytes)));
    }
    let meta = env.metadata.map(|m| {
        let now = OffsetDateTime::now_utc();
        let mut meta = AccountMeta::new(m.kind, "", m.created.unwrap_or(now));
        meta.updated = m.updated.unwrap_or(now);
        meta.provider = m.provider;
        meta.scopes = m.scopes;
        meta.expires_at = m.expires_at;
        meta.note = m.note;
        meta
    });
    Ok(Credential {
        address,
        fields,
        meta,
    })
}

/// A serde_json error without the excerpt of the input it may quote (a secret, maybe).
fn json_reason(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            format!("it is not JSON (line {}, column {})", e.line(), e.column())
        }
        Category::Data => {
            // serde quotes the value it refused (`invalid type: string "…"`): keep the kind.
            let text = e.to_string();
            let msg = text
                .rsplit_once(" at line ")
                .map_or(text.as_str(), |(m, _)| m);
            format!(
                "its envelope is malformed at line {}, column {}: {}",
                e.line(),
                e.column(),
                crate::model::error::kind_of(msg)
            )
        }
    }
}

/// A base64 error without the byte it refused (the byte is part of a secret).
fn base64_kind(e: &base64::DecodeError) -> String {
    use base64::DecodeError as D;
    match e {
        D::InvalidByte(at, _) => format!("a character that is not base64 at offset {at}"),
        D::InvalidLastSymbol(at, _) => format!("an impossible last character at offset {at}"),
        D::InvalidLength(_) => "its length is not a whole number of base64 groups".into(),
        D::InvalidPadding => "its padding is wrong".into(),
    }
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The account written to.
    pub address: Address,
    /// The fields written.
    pub written: Vec<FieldAddress>,
    /// The fields that already existed and were kept (`--on-conflict skip`).
    pub skipped: Vec<FieldAddress>,
    /// The backend they went to.
    pub backend: BackendKind,
}

/// Stores an exported credential under its own address or `target`. A target that names a
/// field renames the export's only field. Conflicts are found before anything is written:
/// under [`OnConflict::Fail`] any existing field refuses the whole import.
pub fn import(
    sigil: &Sigil,
    cred: Credential,
    target: Option<&Address>,
    policy: OnConflict,
) -> Result<Imported> {
    let Credential {
        address,
        fields,
        meta,
    } = cred;
    let account = match target {
        Some(t) => Address::new(t.service(), t.account(), None)?,
        None => address,
    };
    let plan = destinations(fields, target.and_then(Address::field), &account)?;
    let conflicts = conflicts_of(sigil, &plan, policy)?;
    let (skipped, todo): (Vec<_>, Vec<_>) = plan
        .into_iter()
        .partition(|(fa, _)| policy == OnConflict::Skip && conflicts.contains(fa));
    let skipped: Vec<FieldAddress> = skipped.into_iter().map(|(fa, _)| fa).collect();
    let backend = place_all(sigil, &todo)?;
    let written = write_all(sigil, &account, &todo, meta, policy)?;
    Ok(Imported {
        address: account,
        written,
        skipped,
        backend,
    })
}

/// Pairs each exported field with the address it is imported to in `account`: its own name,
/// or `field` when `--as` names one, which only an export of one field can take.
fn destinations(
    fields: Vec<(String, Secret)>,
    field: Option<&str>,
    account: &Address,
) -> Result<Vec<(FieldAddress, Secret)>> {
    let Some(field) = field else {
        return fields
            .into_iter()
            .map(|(name, value)| Ok((account.with_field(&name)?, value)))
            .collect();
    };
    if fields.len() != 1 {
        let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        return Err(Error::UsageHelp {
            message: format!(
                "--as names the field '{field}' but the export holds {} fields ({})",
                names.len(),
                names.join(", ")
            ),
            help: format!("pass --as {account} to keep the fields' names"),
        });
    }
    let (_, value) = fields.into_iter().next().expect("one field");
    Ok(vec![(account.with_field(field)?, value)])
}

/// The planned fields that already hold a value; under [`OnConflict::Fail`] any of them
/// refuses the import, with nothing written.
fn conflicts_of(
    sigil: &Sigil,
    plan: &[(FieldAddress, Secret)],
    policy: OnConflict,
) -> Result<Vec<FieldAddress>> {
    let mut conflicts = Vec::new();
    for (fa, _) in plan {
        if !sigil.fields_of(&fa.clone().into())?.is_empty() {
            conflicts.push(fa.clone());
        }
    }
    if policy == OnConflict::Fail && !conflicts.is_empty() {
        let list: Vec<String> = conflicts.iter().map(|a| format!("'{a}'")).collect();
        return Err(Error::other(
            format!(
                "{} already exist{}; nothing was imported",
                list.join(", "),
                if list.len() == 1 { "s" } else { "" }
            ),
            Some(
                "pass --on-conflict skip to keep them, --on-conflict overwrite to replace them, or --as ADDRESS to import under another name"
                    .into(),
            ),
        ));
    }
    Ok(conflicts)
}

/// Places every write before the first one, so that a backend that cannot be used (or a
/// file store that does not know its own public keys) fails with nothing changed; returns
/// the backend the import goes to. Writing needs no identity.
fn place_all(sigil: &Sigil, todo: &[(FieldAddress, Secret)]) -> Result<BackendKind> {
    let mut backend = sigil.write_backend();
    for (fa, _) in todo {
        backend = sigil.placement(fa)?;
        sigil.store_of(backend)?;
        if backend == BackendKind::File {
            sigil.file_store().own_public_keys()?;
        }
    }
    Ok(backend)
}

/// Writes the fields and the metadata in one change and returns the fields written.
fn write_all(
    sigil: &Sigil,
    account: &Address,
    todo: &[(FieldAddress, Secret)],
    meta: Option<AccountMeta>,
    policy: OnConflict,
) -> Result<Vec<FieldAddress>> {
    let new_account = !Registry::load(sigil.paths())?
        .accounts
        .contains_key(&account.account_key());
    // Every field and the metadata in one change: an import killed or failing halfway leaves
    // nothing of it. `put` records kind, expiry and note; what it does not know (the OAuth
    // provider and scopes, when the account was first made) is restored for an account this
    // import makes.
    let fields: Vec<(FieldAddress, &Secret)> = todo.iter().map(|(fa, v)| (fa.clone(), v)).collect();
    let key = account.account_key();
    if !fields.is_empty() {
        sigil.put_fields(
            &fields,
            &PutOptions {
                force: policy == OnConflict::Overwrite,
                kind: meta.as_ref().map(|m| m.kind),
                expires_at: meta.as_ref().and_then(|m| m.expires_at),
                note: meta.as_ref().and_then(|m| m.note.clone()),
                bound: None,
            },
            &|reg| {
                if let Some(m) = meta.as_ref().filter(|_| new_account)
                    && let Some(rec) = reg.accounts.get_mut(&key)
                {
                    rec.provider = m.provider.clone();
                    rec.scopes = m.scopes.clone();
                    rec.created = m.created;
                }
            },
        )?;
    }
    Ok(fields.into_iter().map(|(fa, _)| fa).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Identity;

    fn cred(fields: &[(&str, &[u8])]) -> Credential {
        Credential {
            address: Address::parse("github/me").unwrap(),
            fields: fields
                .iter()
                .map(|(n, v)| ((*n).to_owned(), Secret::new(v.to_vec())))
                .collect(),
            meta: None,
        }
    }

    #[test]
    fn envelope_round_trips_text_and_binary_values() {
        let c = cred(&[("api_key", b"k\n2"), ("blob", b"\xff\x00raw")]);
        let json = encode(&c, OffsetDateTime::UNIX_EPOCH).unwrap();
        let text = std::str::from_utf8(&json).unwrap();
        assert!(text.contains("\"format\": \"sigil-export\""), "{text}");
        assert!(text.contains("\"encoding\": \"base64\""), "{text}");
        let back = decode(Path::new("x"), &json).unwrap();
        assert_eq!(back.address.to_string(), "github/me");
        assert_eq!(back.fields[0].0, "api_key");
        assert_eq!(back.fields[0].1.expose(), b"k\n2");
        assert_eq!(back.fields[1].1.expose(), b"\xff\x00raw");
    }

    #[test]
    fn encrypted_round_trip_and_tampering() {
        let id = Identity::generate();
        let json = encode(&cred(&[("api_key", b"v")]), OffsetDateTime::now_utc()).unwrap();
        let mut file = Vec::new();
        encrypt(
            &json,
            Encryption::Recipients(id.recipients()),
            false,
            &mut file,
        )
        .unwrap();
        let p = Path::new("e.age");
        let plain = decrypt(p, &file, &Key::Identity(&id)).unwrap();
        assert_eq!(&*plain, &*json);
        let last = file.len() - 3;
        file[last] ^= 1;
        let e = decrypt(p, &file, &Key::Identity(&id)).unwrap_err();
        assert_eq!(e.class(), crate::model::error::ExitClass::Refused, "{e}");
        let other = Identity::generate();
        file[last] ^= 1;
        let e = decrypt(p, &file, &Key::Identity(&other)).unwrap_err();
        assert_eq!(e.class(), crate::model::error::ExitClass::Auth, "{e}");
    }

    #[test]
    fn decode_refuses_bad_envelopes_without_quoting_values() {
        let p = Path::new("x");
        let e = decode(p, b"not json hunter2").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = decode(p, br#"{"format":"hunter2","version":1}"#).unwrap_err();
        assert!(e.to_string().contains("is not 'sigil-export'"), "{e}");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = decode(p, br#"{"format":"sigil-export","version":9}"#).unwrap_err();
        assert!(e.to_string().contains("version 9"), "{e}");
        let e = decode(
            p,
            br#"{"format":"sigil-export","version":1,"address":"a/b","fields":{"../x":{"encoding":"utf-8","value":"hunter2"}}}"#,
        )
        .unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = decode(
            p,
            br#"{"format":"sigil-export","version":1,"address":"a/b","fields":{"x":{"encoding":"utf-8","value":7}}}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("malformed"), "{e}");
    }
}
