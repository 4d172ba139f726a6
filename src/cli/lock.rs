//! `sigil lock`: forget the identity cached by `sigil unlock`.

use crate::model::error::Result;
use crate::model::paths::Paths;
use clap::Parser;

/// Forget the identity cached by sigil unlock
#[derive(Debug, Parser)]
#[command(
    name = "sigil-lock",
    version,
    about = "Forget the identity cached by sigil unlock",
    long_about = "Remove the decrypted identity that `sigil unlock` left in the kernel keyring, \
so that the next command asks for the passphrase again.",
    after_help = "Example:\n  sigil lock"
)]
pub struct Args {}

/// Runs `sigil lock`.
pub fn run(_args: Args) -> Result<()> {
    let paths = Paths::from_env()?;
    // The unlocked identity keys the audit entry, while it is still there.
    let id = crate::unlock::cached(&paths).and_then(|(text, _)| {
        crate::identity::Identity::parse(&text, crate::identity::IdentitySource::Given).ok()
    });
    if crate::unlock::lock(&paths)? {
        crate::identity::audit(&paths, id.as_ref(), "lock", crate::audit::Outcome::Ok, None);
        eprintln!("sigil-lock: locked");
    } else {
        eprintln!("sigil-lock: already locked");
    }
    Ok(())
}
