//! `sigil init`: create the home, the identity and the config; safe to run again.

use crate::model::error::Result;
use clap::Parser;
use std::io::Write;

/// Create sigil's home, identity and config (idempotent)
#[derive(Debug, Parser)]
#[command(
    name = "sigil-init",
    version,
    about = "Create sigil's home, identity and config (idempotent)",
    long_about = "Create sigil's home and store (mode 0700), an age identity (unless one is \
given by SIGIL_IDENTITY or SIGIL_IDENTITY_FILE) and a commented config.toml, and say where \
each is. Running it again changes nothing that exists."
)]
pub struct Args {
    /// Protect the identity with a passphrase (as `sigil identity protect` does)
    #[arg(long)]
    pub passphrase: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil init`.
pub fn run(args: Args) -> Result<()> {
    let sigil = args.backend.open()?;
    // Asked before anything is created, so a missing passphrase leaves nothing half done.
    let pass = if args.passphrase && !crate::identity::is_protected(sigil.paths()) {
        Some(crate::identity::read_new_passphrase(
            "SIGIL_PASSPHRASE_FILE",
            "SIGIL_PASSPHRASE_FD",
        )?)
    } else {
        None
    };
    let report = crate::ops::init::init(&sigil);
    crate::audit::record(&sigil, "init", &[], &report);
    let report = report?;
    let mut err = std::io::stderr().lock();
    let verb = if report.iter().any(|(_, _, created)| *created) {
        "initialized"
    } else {
        "already initialized, nothing changed"
    };
    let _ = writeln!(err, "sigil-init: {verb}");
    for (what, where_, created) in report {
        let mark = if created { " (created)" } else { "" };
        let _ = writeln!(err, "  {what:<10} {where_}{mark}");
    }
    if let Some(pass) = pass {
        let file = crate::identity::protect(sigil.paths(), &pass)?;
        let _ = writeln!(
            err,
            "  {:<10} protected with the passphrase: '{}'",
            "identity",
            file.display()
        );
    }
    Ok(())
}
