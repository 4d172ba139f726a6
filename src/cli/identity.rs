//! `sigil identity`: protect the identity with a passphrase (a standard age passphrase file),
//! remove the protection, or change the passphrase. The work is in `crate::identity`.

use crate::identity;
use crate::model::error::{Error, Result};
use crate::model::paths::Paths;
use clap::{Parser, Subcommand};

/// Protect the identity with a passphrase, or remove or change it
#[derive(Debug, Parser)]
#[command(
    name = "sigil-identity",
    version,
    about = "Protect the identity with a passphrase, or remove or change it",
    long_about = "Protect the identity with a passphrase: it moves from identity.txt (or the OS \
keyring) into identity.age, a standard age passphrase file that `age -d identity.age` opens. \
Commands that need it then ask for the passphrase once on a terminal; elsewhere they read it \
from the 0600 file named by SIGIL_PASSPHRASE_FILE or the inherited descriptor named by \
SIGIL_PASSPHRASE_FD, never from the command line. Three wrong tries exit 4, and failures in a \
row make the next try wait longer. `sigil unlock` keeps it open for a while.",
    after_help = "Examples:\n  sigil identity protect\n  sigil identity passwd\n  \
SIGIL_PASSPHRASE_FILE=~/.pass sigil get github/me\n  SIGIL_PASSPHRASE_FD=3 sigil get github/me 3<pass.txt\n  \
sigil identity unprotect\n\nA new passphrase comes from the terminal (typed twice), else from \
SIGIL_PASSPHRASE_FILE / SIGIL_PASSPHRASE_FD for `protect`, and from SIGIL_NEW_PASSPHRASE_FILE / \
SIGIL_NEW_PASSPHRASE_FD for `passwd`."
)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Encrypt the identity with a passphrase (identity.txt is overwritten, then removed)
    Protect,
    /// Store the identity as a plain 0600 identity.txt again
    Unprotect,
    /// Change the passphrase
    Passwd,
}

/// Runs `sigil identity`.
pub fn run(args: Args) -> Result<()> {
    let paths = Paths::from_env()?;
    if crate::ops::rekey::pending(&paths) {
        return Err(Error::other(
            "a key rotation was interrupted",
            Some("run `sigil rekey` to finish it first".into()),
        ));
    }
    match args.command {
        Command::Protect => {
            identity::place(&paths)?;
            let pass =
                identity::read_new_passphrase("SIGIL_PASSPHRASE_FILE", "SIGIL_PASSPHRASE_FD")?;
            let file = identity::protect(&paths, &pass)?;
            eprintln!(
                "sigil-identity: the identity is now in '{}', encrypted with the passphrase \
                 (`age -d` opens it)",
                file.display()
            );
        }
        Command::Unprotect => {
            let file = identity::unprotect(&paths)?;
            eprintln!(
                "sigil-identity: the identity is in '{}' again, without a passphrase",
                file.display()
            );
        }
        Command::Passwd => {
            let file = identity::passwd(&paths)?;
            eprintln!(
                "sigil-identity: changed the passphrase of '{}'",
                file.display()
            );
        }
    }
    Ok(())
}
