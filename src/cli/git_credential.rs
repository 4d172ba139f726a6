//! `git-credential-sigil`: git's credential helper, answering git from sigil. The protocol and
//! the host/username mapping live in [`crate::ops::git_credential`]; this is the process around
//! them: stdin in, protocol lines (and only those) out, real errors on stderr.

use super::out;
use crate::model::error::Result;
use crate::ops::git_credential::{self as gc, Operation, Outcome, Request};
use clap::Parser;

/// Git credential helper backed by sigil
#[derive(Debug, Parser)]
#[command(
    name = "git-credential-sigil",
    version,
    about = "Git credential helper backed by sigil",
    long_about = "Git credential helper backed by sigil. git runs it with get, store or erase \
and a credential description on stdin (see gitcredentials(7)); it is not meant to be run by hand. \
It never prompts and prints nothing but protocol lines on stdout.\n\n\
Every answer is bound to one origin: protocol, host, port (unless it is the protocol's default) \
and path (when git sends one, with credential.useHttpPath). Hosts compare as URL hosts: \
case-insensitively, internationalised names in their ASCII form. A request that differs in any \
of these gets no answer, so git asks the next helper or the user. The first of these that has a \
credential answers:\n\n\
1. an origin mapped in config.toml: [git.\"https://git.corp.example\"] with address = \
\"corp/me\" (and optionally username = \"…\"), for exactly that origin;\n\
2. a credential git stored here (store), for exactly the origin and username it was stored \
with;\n\
3. github.com, gist.github.com, gitlab.com and bitbucket.org over https on the default port: \
the accounts of github, gitlab or bitbucket (sigil add, sigil login). A host that merely shares \
a service's name (http://github:8080) is not one of them.\n\n\
Without a username, the origin's one credential answers; with several, none does. An OAuth \
token is refreshed first and sent with password_expiry_utc. store saves what git approved: into \
the mapped credential, else as git's own credential for the origin (with its \
password_expiry_utc and oauth_refresh_token), never over an account git did not store; \
ephemeral credentials are not stored. erase deletes, among what git stored or the user \
mapped, the credentials whose password is the one git rejected; a rejected OAuth token is \
marked expired so that the next get refreshes it; nothing else is ever deleted. A usage \
policy that does not allow git refuses get, store and erase alike. Other operations are \
ignored.",
    after_help = "Setup:\n  git config --global credential.helper sigil\n  \
sigil login github          # or: printf %s \"$TOKEN\" | sigil add github/YOUR-LOGIN\n\n\
Examples:\n  printf 'url=https://me@github.com\\n' | git credential-sigil get\n  \
git -c credential.helper=sigil clone https://git.corp.example/team/repo.git"
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
    // git runs helpers unattended, often with the user's terminal attached: a locked
    // identity is an error with the advice to unlock, never a prompt in the middle of a pull.
    crate::identity::never_prompt();
    let req = Request::read(std::io::stdin().lock())?;
    let sigil = args.backend.open()?.for_use(crate::model::policy::Use::Git);
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
    match outcome {
        Outcome::OauthKept(addr) => eprintln!(
            "git-credential-sigil: kept '{addr}': it is an OAuth token, which git does not \
             change (`sigil login {}` renews it)",
            addr.account_address()
        ),
        Outcome::OauthExpired(addr) => eprintln!(
            "git-credential-sigil: '{addr}' was rejected; it is marked expired and will be \
             refreshed when git asks next"
        ),
        Outcome::NotOwned(addr) => eprintln!(
            "git-credential-sigil: kept '{addr}': git rejected it, but git did not store it \
             (replace it with `sigil add {} --force`)",
            addr.account_address()
        ),
        _ => {}
    }
}
