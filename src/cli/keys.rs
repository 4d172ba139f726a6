//! What the commands that encrypt to someone share (backup, export, import): passphrases
//! read from a no-echo prompt or stdin, and recipients given on the command line.

use super::stdin_is_tty;
use crate::model::error::{Error, Result};
use age::secrecy::SecretString;
use std::io::{self, Read};
use std::path::PathBuf;
use zeroize::Zeroizing;

/// A passphrase for a new file: twice on a terminal, once from stdin otherwise.
pub(crate) fn new_passphrase(prompt: &str) -> Result<SecretString> {
    let first = read_passphrase(prompt)?;
    if stdin_is_tty() {
        let again = read_passphrase("the same passphrase again: ")?;
        if *again != *first {
            return Err(Error::Usage("the passphrases differ".into()));
        }
    }
    Ok(SecretString::from(first.as_str().to_owned()))
}

/// One passphrase: a no-echo prompt on a terminal, else the first line of stdin.
pub(crate) fn read_passphrase(prompt: &str) -> Result<Zeroizing<String>> {
    let p = if stdin_is_tty() {
        Zeroizing::new(
            rpassword::prompt_password(prompt)
                .map_err(|e| Error::io("cannot read the passphrase from the terminal", e))?,
        )
    } else {
        let mut buf = Zeroizing::new(String::new());
        io::stdin()
            .lock()
            .take(1 << 16)
            .read_to_string(&mut buf)
            .map_err(|e| Error::io("cannot read the passphrase from stdin", e))?;
        Zeroizing::new(buf.lines().next().unwrap_or("").to_owned())
    };
    if p.is_empty() {
        return Err(Error::Usage(
            "no passphrase given: the input was empty".into(),
        ));
    }
    Ok(p)
}

/// Recipients from `--recipient` and `--recipients-file`.
pub(crate) fn given_recipients(
    keys: &[String],
    files: &[PathBuf],
) -> Result<Vec<crate::crypto::Recipient>> {
    let mut out = Vec::new();
    for k in keys {
        out.push(parse_recipient(k)?);
    }
    for f in files {
        let text =
            crate::fsutil::read_capped_string(f, crate::fsutil::Input::Key).map_err(|e| {
                Error::reading(
                    format!("cannot read the recipients file '{}'", f.display()),
                    e,
                )
            })?;
        out.extend(crate::store::parse_recipients(f, &text)?);
    }
    Ok(out)
}

/// One age public key given on the command line.
pub(crate) fn parse_recipient(key: &str) -> Result<crate::crypto::Recipient> {
    crate::ops::recipients::parse_public_key(key)
}
