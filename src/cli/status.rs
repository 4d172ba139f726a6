//! `sigil status`: where things are, which backend and identity, and what needs fixing.

use super::out;
use crate::model::error::{Error, Result};
use clap::Parser;
use std::fmt::Write;

/// Show the backend, identity, counts and problems
#[derive(Debug, Parser)]
#[command(
    name = "sigil-status",
    version,
    about = "Show the backend, identity, counts and problems",
    long_about = "Show where sigil keeps its files, which backend and identity are in use and \
why, how many credentials there are, which are expiring, and any problem to fix (permissions, \
missing secrets, an interrupted `recipients add` or `rm`) with the command that fixes it."
)]
pub struct Args {
    /// Also show how the backend was chosen, step by step
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Print a JSON object
    #[arg(long)]
    pub json: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil status`.
pub fn run(args: Args) -> Result<()> {
    // Reports an interrupted `recipients` edit instead of finishing it (see `status::gather`).
    let sigil = args.backend.open_leaving_recipients()?;
    let st = crate::ops::status::gather(&sigil)?;
    if args.json {
        let mut s = serde_json::to_string_pretty(&st)
            .map_err(|e| Error::other(format!("cannot encode JSON: {e}"), None))?;
        s.push('\n');
        return out(s.as_bytes());
    }
    let mut s = String::new();
    let _ = writeln!(s, "home      {}", st.home.display());
    if st.config_dir != st.home {
        let _ = writeln!(s, "config    {}", st.config_dir.display());
    }
    let _ = writeln!(s, "store     {}", st.store.display());
    let _ = writeln!(s, "backend   {}", st.backend);
    if args.verbose {
        for step in &st.backend_decision {
            let _ = writeln!(s, "          - {step}");
        }
    }
    match (&st.identity.source, &st.identity.error) {
        (Some(src), _) => {
            let _ = writeln!(s, "identity  {src}");
            for k in &st.identity.public_keys {
                let _ = writeln!(s, "          public key {k}");
            }
        }
        (None, Some(e)) => {
            let _ = writeln!(s, "identity  none ({e})");
        }
        (None, None) => {}
    }
    if !st.audit {
        let _ = writeln!(s, "audit     off (audit = false in config.toml)");
    }
    let _ = writeln!(s, "accounts  {}", st.accounts);
    let _ = writeln!(s, "secrets   {}", st.secrets);
    for e in &st.expiring {
        let _ = writeln!(s, "{:<9} {} ({})", e.state, e.address, e.expires_at);
    }
    if let Some(sync) = &st.sync {
        let remote = if sync.remote {
            "remote 'origin'"
        } else {
            "no remote"
        };
        let _ = writeln!(s, "sync      git, {remote}");
        if let Some(n) = sync.readable {
            let _ = writeln!(s, "readable  {n} of {} secrets", n + sync.unreadable.len());
        }
        for a in &sync.unreadable {
            let _ = writeln!(s, "          cannot read {a} (not a recipient)");
        }
    }
    if st.problems.is_empty() {
        let _ = writeln!(s, "problems  none");
    } else {
        let _ = writeln!(s, "problems  {}", st.problems.len());
        for p in &st.problems {
            let _ = writeln!(s, "  - {}", p.message);
            if let Some(fix) = &p.fix {
                let _ = writeln!(s, "    fix: {fix}");
            }
        }
    }
    // Problems quote files and keyring answers: nothing of them may drive the terminal.
    out(crate::model::shown::block(&s).as_bytes())
}
