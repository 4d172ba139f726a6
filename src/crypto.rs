//! age encryption: the one place that builds an age `Encryptor` or `Decryptor`. Every file
//! sigil encrypts — secrets, a migration's kept originals, backups and what a restore keeps,
//! exports, a protected identity, a key rotation's staged identity — is a standard age file
//! made here, so that a change of format or of the age crate's interface is made once.

use crate::model::error::Error;
use age::x25519;
use age::{DecryptError, Decryptor, EncryptError, Encryptor};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::str::FromStr;

/// A public key sigil encrypts to: an age X25519 key (`age1…`) or an SSH public key
/// (`ssh-ed25519`, `ssh-rsa`), which age encrypts to natively. Parsed only here, by the age
/// crate, so that every recipients file and command-line key is read the same way.
#[derive(Clone, Debug)]
pub enum Recipient {
    /// An age X25519 public key.
    X25519(x25519::Recipient),
    /// An SSH public key (its comment dropped).
    Ssh(age::ssh::Recipient),
}

impl Recipient {
    /// Parses one recipient: `age1…`, or `ssh-ed25519 AAAA… [comment]` / `ssh-rsa …`. The
    /// error says why, without repeating the text (it may be an identity pasted by mistake).
    pub fn parse(text: &str) -> Result<Recipient, String> {
        let t = text.trim();
        if t.starts_with("age1") {
            return x25519::Recipient::from_str(t)
                .map(Recipient::X25519)
                .map_err(|e| e.to_string());
        }
        if t.starts_with("ssh-") || t.starts_with("ecdsa-") || t.starts_with("sk-") {
            return ssh_recipient(t);
        }
        Err("it is neither an age public key (age1…) nor an SSH public key (ssh-ed25519 …, ssh-rsa …)".into())
    }

    /// The SSH comment of a public key line (`ssh-ed25519 AAAA… alice@laptop` → `alice@laptop`).
    pub fn ssh_comment(text: &str) -> Option<&str> {
        let t = text.trim();
        if !t.starts_with("ssh-") {
            return None;
        }
        let mut parts = t.splitn(3, char::is_whitespace);
        parts.next()?;
        parts.next()?;
        parts.next().map(str::trim).filter(|c| !c.is_empty())
    }

    /// Whether this is an SSH key (sigil's own identity is never one unless given as one).
    pub fn is_ssh(&self) -> bool {
        matches!(self, Recipient::Ssh(_))
    }

    /// The age crate's view of it, for an encryptor.
    pub fn as_dyn(&self) -> &dyn age::Recipient {
        match self {
            Recipient::X25519(r) => r,
            Recipient::Ssh(r) => r,
        }
    }
}

fn ssh_recipient(t: &str) -> Result<Recipient, String> {
    use age::ssh::ParseRecipientKeyError as E;
    age::ssh::Recipient::from_str(t)
        .map(Recipient::Ssh)
        .map_err(|e| match e {
            E::Unsupported(kind) => format!(
                "'{}' keys are not supported: age encrypts to ssh-ed25519 and ssh-rsa keys",
                crate::model::shown::line(&kind)
            ),
            E::RsaModulusTooSmall => "the ssh-rsa key is shorter than 2048 bits".into(),
            E::RsaModulusTooLarge => "the ssh-rsa key is longer than age supports".into(),
            E::Ignore => {
                "this SSH key type is not supported: age encrypts to ssh-ed25519 and ssh-rsa keys"
                    .into()
            }
            _ => "it is not a valid SSH public key".into(),
        })
}

impl fmt::Display for Recipient {
    /// The canonical form: `age1…`, or `ssh-ed25519 AAAA…` without the comment.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipient::X25519(r) => r.fmt(f),
            Recipient::Ssh(r) => r.fmt(f),
        }
    }
}

impl PartialEq for Recipient {
    fn eq(&self, other: &Recipient) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for Recipient {}

impl From<x25519::Recipient> for Recipient {
    fn from(r: x25519::Recipient) -> Recipient {
        Recipient::X25519(r)
    }
}

impl std::str::FromStr for Recipient {
    type Err = String;
    fn from_str(s: &str) -> Result<Recipient, String> {
        Recipient::parse(s)
    }
}

/// An encryptor to these recipients (any kind: X25519 keys, scrypt, plugins).
pub(crate) fn encryptor<'a>(
    recipients: impl Iterator<Item = &'a dyn age::Recipient>,
) -> Result<Encryptor, EncryptError> {
    Encryptor::with_recipients(recipients)
}

/// An encryptor to these public keys (`age1…`, SSH).
pub(crate) fn to_keys(recipients: &[Recipient]) -> Result<Encryptor, EncryptError> {
    encryptor(recipients.iter().map(Recipient::as_dyn))
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
    recipients: &[Recipient],
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
