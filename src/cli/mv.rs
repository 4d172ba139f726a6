//! `sigil mv` and `sigil cp`: carry a field, an account or a service to another address.

use crate::model::error::Result;
use crate::ops::mv::{Done, Mode, Target};
use clap::Parser;

const LONG: &str = "SRC and DST are each a service, service/account or \
service/account/field. A field goes to a field or into an account (keeping its name), an \
account to an account or into a service (keeping its name), a service to another service. \
The metadata goes along: kind, note, expiry, OAuth provider and scopes, the usage policy and \
its use count.\n\nA secret is encrypted to the recipients of the folder it lands in. When those \
are the source folder's, its age file is carried as it is, without decrypting it, so no \
identity is needed; otherwise it is decrypted and encrypted to the destination's recipients. \
The command is one change: killed or failing at any point, every credential is at its source \
or at its destination, and the next sigil command finishes or takes back what was left. A \
destination that is there is refused (exit 1) unless --force.";

/// Move a credential, an account or a service to another address
#[derive(Debug, Parser)]
#[command(
    name = "sigil-mv",
    version,
    about = "Move a credential, an account or a service to another address",
    long_about = format!("Move a credential, an account or a service to another address, with \
its metadata, policy and use count.\n\n{LONG}"),
    after_help = "Examples:\n  sigil mv github/me github/work\n  sigil mv openai/me/api_key team/openai\n  sigil mv oldname newname --force"
)]
pub struct MvArgs {
    /// What to move: service, service/account or service/account/field
    #[arg(value_name = "SRC")]
    pub from: String,
    /// Where to: service, service/account or service/account/field
    #[arg(value_name = "DST")]
    pub to: String,
    /// Replace what is at the destination (a whole account is replaced by the source's)
    #[arg(long, short = 'f')]
    pub force: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Copy a credential, an account or a service to another address
#[derive(Debug, Parser)]
#[command(
    name = "sigil-cp",
    version,
    about = "Copy a credential, an account or a service to another address",
    long_about = format!("Copy a credential, an account or a service to another address, with \
its metadata and policy.\n\n{LONG}\n\nA copy is a new credential: created now, with the \
source's usage policy and no uses yet. A credential whose policy limits its uses \
(--max-uses) is not copied (exit 5): the copy would be a second budget of uses."),
    after_help = "Examples:\n  sigil cp github/me/token github/ci\n  sigil cp staging prod"
)]
pub struct CpArgs {
    /// What to copy: service, service/account or service/account/field
    #[arg(value_name = "SRC")]
    pub from: String,
    /// Where to: service, service/account or service/account/field
    #[arg(value_name = "DST")]
    pub to: String,
    /// Replace what is at the destination (a whole account is replaced by the source's)
    #[arg(long, short = 'f')]
    pub force: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

fn transfer(
    mode: Mode,
    from: &str,
    to: &str,
    force: bool,
    backend: &super::BackendArg,
) -> Result<()> {
    let from = Target::parse(from)?;
    let to = Target::parse(to)?;
    let sigil = backend.open()?;
    let done = sigil.transfer(mode, &from, &to, force)?;
    report(mode, &done);
    Ok(())
}

fn report(mode: Mode, done: &Done) {
    let verb = match mode {
        Mode::Move => "moved",
        Mode::Copy => "copied",
    };
    for r in &done.removed {
        eprintln!("removed '{r}' (replaced with --force)");
    }
    for c in &done.carried {
        let how = if c.reencrypted {
            " (re-encrypted to the destination's recipients)"
        } else {
            ""
        };
        eprintln!("{verb} '{}' to '{}'{how}", c.from, c.to);
    }
    for (a, b) in &done.metadata_only {
        eprintln!("{verb} the metadata of '{a}' to '{b}'");
    }
}

/// Runs `sigil mv`.
pub fn run_mv(args: MvArgs) -> Result<()> {
    transfer(Mode::Move, &args.from, &args.to, args.force, &args.backend)
}

/// Runs `sigil cp`.
pub fn run_cp(args: CpArgs) -> Result<()> {
    transfer(Mode::Copy, &args.from, &args.to, args.force, &args.backend)
}
