//! age encryption: the one place that builds an age `Encryptor` or `Decryptor`. Every file
//! sigil encrypts — secrets, a migration's kept originals, backups and what a restore keeps,
//! exports, a protected identity, a key rotation's staged identity — is a standard age file
//! made here, so that a change of format or of the age crate's interface is made once.

use crate::model::error::Error;
use age::x25519;
use age::{DecryptError, Decryptor, EncryptError, Encryptor};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

/// An encryptor to these recipients (any kind: X25519 keys, scrypt, plugins).
pub(crate) fn encryptor<'a>(
    recipients: impl Iterator<Item = &'a dyn age::Recipient>,
) -> Result<Encryptor, EncryptError> {
    Encryptor::with_recipients(recipients)
}

/// An encryptor to these X25519 public keys (`age1…`).
pub(crate) fn to_keys(recipients: &[x25519::Recipient]) -> Result<Encryptor, EncryptError> {
    encryptor(recipients.iter().map(|r| r as &dyn age::Recipient))
}

/// An encryptor to a passphrase (scrypt).
pub(crate) fn passphrase_encryptor(passphrase: age::secrecy::SecretString) -> Encryptor {
    Encryptor::with_user_passphrase(passphrase)
}

/// A decryptor of a binary age file.
pub(crate) fn decryptor<R: BufRead>(input: R) -> Result<Decryptor<R>, DecryptError> {
    Decryptor::new_buffered(input)
}

/// A decryptor of an age file, binary or ASCII-armored (`-----BEGIN AGE ENCRYPTED FILE-----`).
pub(crate) fn decryptor_armored<R: Read>(
    input: R,
) -> Result<Decryptor<age::armor::ArmoredReader<BufReader<R>>>, DecryptError> {
    Decryptor::new_buffered(age::armor::ArmoredReader::new(input))
}

/// Writes `plaintext` encrypted to `recipients` into `path`, atomically and 0600 (a kept
/// value, a migration's original).
pub(crate) fn write_file(
    path: &Path,
    recipients: &[x25519::Recipient],
    plaintext: &[u8],
) -> Result<(), Error> {
    let enc = to_keys(recipients)
        .map_err(|e| Error::other(format!("cannot encrypt '{}': {e}", path.display()), None))?;
    crate::fsutil::write_atomic(path, |f| {
        let mut w = enc.wrap_output(f)?;
        w.write_all(plaintext)?;
        w.finish().map(|_| ())
    })
}
