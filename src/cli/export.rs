//! `sigil export`: write one credential (its fields and metadata) to a standard age file, for
//! a colleague or another machine (envelope: `docs/export-format.md`, work: `crate::ops::export`).

use crate::model::error::{Error, Result};
use crate::ops::backup::Encryption;
use crate::ops::export;
use clap::Parser;
use std::io;
use std::path::{Path, PathBuf};

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
        Encryption::Passphrase(super::keys::new_passphrase("passphrase for the export: ")?)
    } else if !args.recipients.is_empty() || !args.recipients_file.is_empty() {
        Encryption::Recipients(super::keys::given_recipients(
            &args.recipients,
            &args.recipients_file,
        )?)
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

/// Whether a path names stdin/stdout.
pub(crate) fn is_dash(p: &Path) -> bool {
    p.as_os_str() == "-"
}
