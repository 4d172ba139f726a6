//! `sigil import`: store a credential written by `sigil export` (work: `crate::ops::export`).

use super::export::is_dash;
use super::keys::read_passphrase;
use super::stdin_is_tty;
use crate::model::error::{Error, Result};
use crate::ops::backup::{Key, OnConflict};
use crate::ops::export;
use clap::Parser;
use std::path::PathBuf;

/// Read a credential written by sigil export
#[derive(Debug, Parser)]
#[command(
    name = "sigil-import",
    version,
    about = "Read a credential written by sigil export",
    long_about = "Store a credential written by `sigil export`: every field it holds, with its \
metadata, under its own address or the one --as gives. A file encrypted to you is opened with \
your identity; one protected by a passphrase asks for it (on a terminal, else the first line of \
stdin). Conflicts are checked before anything is written.",
    after_help = "Examples:\n  sigil import github-me.age\n  sigil import github-me.age --as github/work\n  printf '%s\\n' \"$PASSPHRASE\" | sigil import aws-prod.age --on-conflict overwrite"
)]
pub struct Args {
    /// The export file (`-` for stdin)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Store it under this address instead: service/account, or service/account/field for an
    /// export of one field
    #[arg(long = "as", value_name = "ADDRESS")]
    pub as_address: Option<String>,
    /// What to do with fields that already exist
    #[arg(long, value_enum, default_value_t = OnConflict::Fail, value_name = "POLICY")]
    pub on_conflict: OnConflict,
    /// Open it with a passphrase (detected by itself; asked on a terminal, else stdin)
    #[arg(long)]
    pub passphrase: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil import`.
pub fn run(args: Args) -> Result<()> {
    let target = args.as_address.as_deref().map(super::address).transpose()?;
    let policy = args.on_conflict;
    let sigil = args.backend.open()?;
    let bytes = export::read_input(&args.file)?;
    let passphrase = args.passphrase || export::is_passphrase_protected(&args.file, &bytes)?;
    let plaintext = if passphrase {
        if is_dash(&args.file) && !stdin_is_tty() {
            return Err(Error::UsageHelp {
                message:
                    "the export on stdin is protected by a passphrase, and stdin cannot carry both"
                        .into(),
                help: "save it to a file first: sigil import FILE".into(),
            });
        }
        let p = read_passphrase("passphrase of the export: ")?;
        export::decrypt(&args.file, &bytes, &Key::Passphrase(p))?
    } else {
        let id = sigil.file_store().identity()?;
        export::decrypt(&args.file, &bytes, &Key::Identity(id))?
    };
    let cred = export::decode(&args.file, &plaintext)?;
    let done = export::import(&sigil, cred, target.as_ref(), policy)?;
    let fields = |v: &[crate::model::address::FieldAddress]| -> String {
        v.iter().map(|f| f.field()).collect::<Vec<_>>().join(", ")
    };
    let n = done.written.len();
    if n == 0 {
        eprintln!(
            "imported nothing: '{}' already has {}",
            done.address,
            fields(&done.skipped)
        );
        return Ok(());
    }
    let mut msg = {
        format!(
            "imported '{}' ({n} field{}: {}) into {}",
            done.address,
            if n == 1 { "" } else { "s" },
            fields(&done.written),
            super::backend_phrase(done.backend)
        )
    };
    if !done.skipped.is_empty() {
        msg.push_str(&format!("; kept the existing {}", fields(&done.skipped)));
    }
    eprintln!("{msg}");
    Ok(())
}
