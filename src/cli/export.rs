//! `sigil export`: write one credential (its fields and metadata) to a standard age file, for
//! a colleague or another machine (envelope: `docs/export-format.md`, work: `crate::export`).

use super::stdin_is_tty;
use crate::backup::{self, Encryption};
use crate::error::{Error, Result};
use crate::export;
use age::secrecy::SecretString;
use age::x25519;
use clap::Parser;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use zeroize::Zeroizing;

/// Write one credential to a standard age file
#[derive(Debug, Parser)]
#[command(
    name = "sigil-export",
    version,
    about = "Write one credential to a standard age file",
    long_about = "Write one credential — every field of an account, or the one field the \
address names, with its metadata (kind, expiry, note) — to a standard age file holding a \
small versioned JSON envelope. By default it is encrypted to your own identity (to move it to \
another machine); --recipient encrypts it to a colleague's age public key, --passphrase to a \
passphrase. `sigil import` reads it back, and `age -d` alone opens it.",
    after_help = "Examples:\n  sigil export github/me -r \"$ALICE_KEY\" -o github-me.age\n  sigil export aws/prod --passphrase -o aws-prod.age\n  sigil export github/me -o - | ssh laptop sigil import -"
)]
pub struct Args {
    /// The credential: service/account (every field) or service/account/field
    #[arg(value_name = "ADDRESS")]
    pub address: String,
    /// Where to write it (`-` for stdout; default: SERVICE-ACCOUNT.age here)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Encrypt to this age public key instead of your own (repeatable)
    #[arg(long = "recipient", short = 'r', value_name = "KEY")]
    pub recipients: Vec<String>,
    /// Encrypt to the public keys listed in this file (one per line, # comments)
    #[arg(long = "recipients-file", short = 'R', value_name = "FILE")]
    pub recipients_file: Vec<PathBuf>,
    /// Encrypt with a passphrase (asked twice on a terminal, else read from stdin)
    #[arg(long, conflicts_with_all = ["recipients", "recipients_file"])]
    pub passphrase: bool,
    /// Write ASCII armor (PEM-style text) instead of binary, to paste into a message
    #[arg(long, short = 'a')]
    pub armor: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil export`.
pub fn run(args: Args) -> Result<()> {
    let addr = super::address(&args.address)?;
    let output = args.output.clone().unwrap_or_else(|| {
        let mut name = format!("{}-{}", addr.service(), addr.account());
        if let Some(f) = addr.field() {
            name.push('-');
            name.push_str(f);
        }
        PathBuf::from(format!("{name}.age"))
    });
    let to_stdout = output.as_os_str() == "-";
    if to_stdout && !args.armor && super::stdout_is_tty() {
        return Err(Error::UsageHelp {
            message: "refusing to write an age file to a terminal".into(),
            help: "redirect stdout to a file, use -o FILE, or pass --armor".into(),
        });
    }
    let sigil = args.backend.open()?;
    // Read the credential before asking for a passphrase, so a typo in the address does not
    // cost the user a prompt.
    let cred = export::collect(&sigil, &addr)?;
    let encryption = if args.passphrase {
        Encryption::Passphrase(new_passphrase("passphrase for the export: ")?)
    } else if !args.recipients.is_empty() || !args.recipients_file.is_empty() {
        Encryption::Recipients(given_recipients(&args.recipients, &args.recipients_file)?)
    } else {
        Encryption::Recipients(sigil.file_store().identity()?.recipients())
    };
    let plaintext = export::encode(&cred, time::OffsetDateTime::now_utc())?;
    if to_stdout {
        let stdout = io::stdout().lock();
        export::encrypt(
            &plaintext,
            encryption,
            args.armor,
            io::BufWriter::new(stdout),
        )?;
    } else {
        export::write_file(&output, &plaintext, encryption, args.armor)?;
    }
    let n = cred.fields.len();
    let names: Vec<&str> = cred.fields.iter().map(|(f, _)| f.as_str()).collect();
    let to = if to_stdout {
        "stdout".to_owned()
    } else {
        format!("'{}'", output.display())
    };
    eprintln!(
        "exported '{}' ({n} field{}: {}) to {to}",
        cred.address,
        if n == 1 { "" } else { "s" },
        names.join(", ")
    );
    Ok(())
}

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
) -> Result<Vec<x25519::Recipient>> {
    let mut out = Vec::new();
    for k in keys {
        out.push(parse_recipient(k)?);
    }
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| Error::NotFound {
            message: format!("cannot read the recipients file '{}': {e}", f.display()),
            help: None,
        })?;
        out.extend(backup::parse_recipients(f, &text)?);
    }
    Ok(out)
}

/// One age public key given on the command line.
pub(crate) fn parse_recipient(key: &str) -> Result<x25519::Recipient> {
    x25519::Recipient::from_str(key.trim()).map_err(|e| Error::UsageHelp {
        message: format!("'{key}' is not an age public key: {e}"),
        help: "a recipient looks like age1… (`age-keygen -y identity.txt` prints yours)".into(),
    })
}

/// Whether a path names stdin/stdout.
pub(crate) fn is_dash(p: &Path) -> bool {
    p.as_os_str() == "-"
}
