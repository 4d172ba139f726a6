//! `sigil rekey`: rotate the identity and re-encrypt every file-store secret (the work is in
//! `crate::ops::rekey`).

use crate::model::error::Result;
use crate::model::paths::Paths;
use crate::ops::rekey;
use clap::Parser;

/// Rotate the identity and re-encrypt every file-store secret
#[derive(Debug, Parser)]
#[command(
    name = "sigil-rekey",
    version,
    about = "Rotate the identity and re-encrypt every file-store secret",
    long_about = "Make a new identity and re-encrypt every secret of the file store to it (and \
the encrypted originals kept by migrate and restore), one file atomically at a time, replacing \
the old public key by the new one in every .age-recipients. The rotation is journaled: if it \
is interrupted, every secret stays readable by the old or the new identity, and the next sigil \
command finishes it. The new identity goes where the old one was (identity.txt, the OS \
keyring, or identity.age under the same passphrase); the old one is kept in \
identity.old.age, encrypted to the new one, until `sigil rekey --purge-old`. Secrets in the \
OS keyring are not encrypted with the identity and are left alone.",
    after_help = "Examples:\n  sigil rekey\n  sigil rekey --purge-old"
)]
pub struct Args {
    /// Do not rotate: delete the old identities kept by earlier rotations
    #[arg(long)]
    pub purge_old: bool,
}

/// Runs `sigil rekey`.
pub fn run(args: Args) -> Result<()> {
    let paths = Paths::from_env()?;
    if args.purge_old {
        let file = crate::identity::old_file(&paths);
        if rekey::purge_old(&paths)? {
            eprintln!(
                "sigil-rekey: deleted the old identities in '{}'",
                file.display()
            );
        } else {
            eprintln!("sigil-rekey: no old identity is kept");
        }
        return Ok(());
    }
    let r = rekey::rekey(&paths)?;
    eprintln!(
        "sigil-rekey: rotated the identity: {} -> {}",
        r.old.join(", "),
        r.new
    );
    eprintln!(
        "  re-encrypted {} file(s); updated {} .age-recipients file(s)",
        r.files, r.recipients_files
    );
    for f in &r.unreadable {
        eprintln!(
            "  warning: '{}' opens with neither identity; left as it was",
            f.display()
        );
    }
    eprintln!(
        "  the old identity is kept in '{}', encrypted to the new one, until `sigil rekey --purge-old`",
        crate::identity::old_file(&paths).display()
    );
    Ok(())
}
