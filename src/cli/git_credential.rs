//! `git-credential-sigil`: git's credential helper, answering git from sigil. The protocol and
//! the host/username mapping live in [`crate::git_credential`]; this is the process around
//! them: stdin in, protocol lines (and only those) out, real errors on stderr.

use super::out;
use crate::error::Result;
use crate::git_credential::{self as gc, Operation, Outcome, Request};
use clap::Parser;

/// Git credential helper backed by sigil
#[derive(Debug, Parser)]
#[command(
    name = "git-credential-sigil",
    version,
    about = "Git credential helper backed by sigil",
    long_about = "Git credential helper backed by sigil. git runs it with get, store or erase \
and a credential description on stdin (see gitcredentials(7)); it is not meant to be run by hand.\n\n\
The host names the service: github.com, gist.github.com, gitlab.com and bitbucket.org map to \
github, gitlab and bitbucket; any other host is its own service, lowercased and without its \
port (git.example.com:8443 is git.example.com). The username names the account; without one, \
a service's only account answers.\n\n\
get prints username= and password= (the account's default field, refreshed first when it is \
an OAuth token), or nothing when sigil has no such credential, so that git asks the next \
helper or the user. store saves a password that worked in the default field (api_key for a \
new account), replacing an older one. erase deletes it, but only when the password git \
rejected is the one stored. OAuth accounts are never changed by git; `sigil login` manages \
them. Other operations are ignored.",
    after_help = "Setup:\n  git config --global credential.helper sigil\n  \
printf %s \"$TOKEN\" | sigil add github/YOUR-LOGIN\n\n\
Examples:\n  printf 'url=https://me@git.example.com\\n' | git credential-sigil get\n  \
git -c credential.helper=sigil clone https://me@git.example.com/team/repo.git"
)]
pub struct Args {
    /// What git asks for: get, store or erase (any other operation is ignored)
    #[arg(value_name = "OPERATION")]
    pub operation: String,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `git-credential-sigil`.
pub fn run(args: Args) -> Result<()> {
    // git may add operations; a helper that does not know one stays silent.
    let Some(op) = Operation::parse(&args.operation) else {
        return Ok(());
    };
    let req = Request::read(std::io::stdin().lock())?;
    let sigil = args.backend.open()?.for_use(crate::policy::Use::Git);
    match op {
        Operation::Get => {
            if let Some(answer) = gc::get(&sigil, &req)? {
                out(&answer.to_protocol()?)?;
            }
        }
        Operation::Store => note(&gc::store(&sigil, &req)?),
        Operation::Erase => note(&gc::erase(&sigil, &req)?),
    }
    Ok(())
}

/// Says on stderr what the user would not expect; everything else git does quietly.
fn note(outcome: &Outcome) {
    if let Outcome::OauthKept(addr) = outcome {
        eprintln!(
            "git-credential-sigil: kept '{addr}': it is an OAuth token, which git does not \
             change (`sigil login {}` renews it)",
            addr.account_address()
        );
    }
}
