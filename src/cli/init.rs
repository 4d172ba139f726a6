//! `sigil init`: create the home, the identity and the config; safe to run again.

use crate::error::Result;
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
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil init`.
pub fn run(args: Args) -> Result<()> {
    let sigil = args.backend.open()?;
    let report = crate::init::init(&sigil)?;
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
    Ok(())
}
