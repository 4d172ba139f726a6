//! `sigil sync`: share the store through a git repository (the work is in `crate::ops::sync`).

use super::out;
use crate::model::error::{Error, Result};
use crate::model::paths::Paths;
use crate::ops::sync::{self, Keep, Report};
use clap::{Parser, Subcommand, ValueEnum};
use std::fmt::Write;
use std::path::PathBuf;

/// Share the store through a git repository
#[derive(Debug, Parser)]
#[command(
    name = "sigil-sync",
    version,
    about = "Share the store through a git repository",
    long_about = "Without a subcommand: commit the store's changes (the message names addresses, \
never values), pull the remote's and merge them, then push. Only age files, .age-recipients \
files and accounts.toml are shared; the identity, config.toml, the audit log, journals and \
caches never leave this machine. accounts.toml merges account by account; a secret changed on \
two machines keeps this machine's value in the store and the other, still encrypted, under \
conflicts/ until `sigil sync resolve`. A pull that changes who can read a folder is told \
loudly. With sync = \"auto\" in config.toml every command that changes the store syncs after \
it. See docs/teams.md.",
    after_help = "Examples:\n  sigil sync init git@github.com:team/secrets.git\n  sigil sync\n  \
sigil sync clone git@github.com:team/secrets.git\n  sigil sync resolve github/ci/token --keep theirs",
    args_conflicts_with_subcommands = true
)]
pub struct Args {
    /// What to do (default: commit, pull, push)
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Print a JSON object
    #[arg(long)]
    pub json: bool,
    /// Merge accounts.toml as git's merge driver (git runs this, not people)
    #[arg(
        long,
        num_args = 4,
        value_names = ["BASE", "OURS", "THEIRS", "PATH"],
        hide = true
    )]
    pub merge_driver: Option<Vec<PathBuf>>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make this home's store a git repository and set its remote
    Init {
        /// The repository to share through (any URL git takes)
        #[arg(value_name = "REMOTE")]
        remote: Option<String>,
    },
    /// Take a shared store onto this machine
    Clone {
        /// The repository to take it from
        #[arg(value_name = "REMOTE")]
        remote: String,
    },
    /// End a conflict: keep this machine's value or the other one
    Resolve {
        /// The secret, service/account/field
        #[arg(value_name = "ADDRESS")]
        address: String,
        /// mine: the value in this store; theirs: the copy kept under conflicts/
        #[arg(long, value_enum)]
        keep: Side,
    },
}

/// `--keep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Side {
    /// The value in the store on this machine.
    Mine,
    /// The other machine's value.
    Theirs,
}

/// Runs `sigil sync`.
pub fn run(args: Args) -> Result<()> {
    if let Some(files) = &args.merge_driver {
        let name = files[3].to_string_lossy();
        return sync::merge::merge_driver(&files[0], &files[1], &files[2], &name);
    }
    let paths = Paths::from_env()?;
    let report = match &args.command {
        None => sync::sync(&paths)?,
        Some(Command::Init { remote }) => sync::init(&paths, remote.as_deref())?,
        Some(Command::Clone { remote }) => sync::clone(&paths, remote)?,
        Some(Command::Resolve { address, keep }) => {
            let addr =
                super::address(address)?
                    .to_field_address()
                    .ok_or_else(|| Error::UsageHelp {
                        message: format!("'{address}' names no field"),
                        help: "name the secret as service/account/field (`sigil status` lists the \
                           conflicts)"
                            .into(),
                    })?;
            let keep = match keep {
                Side::Mine => Keep::Mine,
                Side::Theirs => Keep::Theirs,
            };
            sync::resolve(&paths, &addr, keep)?;
            let side = if keep == Keep::Mine { "mine" } else { "theirs" };
            return out(
                format!("resolved '{addr}': kept {side}; run `sigil sync` to share it\n")
                    .as_bytes(),
            );
        }
    };
    if args.json {
        let mut s = serde_json::to_string_pretty(&report)
            .map_err(|e| Error::other(format!("cannot encode JSON: {e}"), None))?;
        s.push('\n');
        return out(s.as_bytes());
    }
    out(crate::model::shown::block(&render(&args.command, &report)).as_bytes())
}

fn render(command: &Option<Command>, r: &Report) -> String {
    let mut s = String::new();
    match command {
        Some(Command::Init { .. }) => s.push_str("the store is a git repository now\n"),
        Some(Command::Clone { .. }) => {
            s.push_str("cloned the store; `sigil status` says which secrets you can read\n");
        }
        _ => {}
    }
    if let Some(m) = &r.committed {
        let _ = writeln!(s, "committed: {}", m.lines().next().unwrap_or_default());
    }
    if !r.remote {
        s.push_str("no remote: nothing pushed; set one with `sigil sync init REMOTE`\n");
    }
    if r.pulled && !matches!(command, Some(Command::Clone { .. })) {
        s.push_str("merged the remote's changes\n");
    }
    if r.pushed {
        let _ = writeln!(s, "pushed to '{}'", sync::REMOTE);
    }
    for c in &r.unresolved {
        let _ = writeln!(s, "conflict: {}", sync::conflict_notice(c));
    }
    if s.is_empty() {
        s.push_str("nothing to sync\n");
    }
    s
}
