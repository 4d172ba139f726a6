//! `sigil askpass`: the ASKPASS program for git, ssh and sudo, answering a prompt from sigil.
//! The prompt grammar and the mapping live in [`crate::ops::askpass`]; this is the process
//! around them: the prompt in argv\[1\], the answer on stdout, exit 1 with nothing on stdout
//! for a prompt it does not answer.

use super::out;
use crate::model::error::{Error, Result};
use crate::model::policy::Use;
use crate::ops::askpass::{self as ap, Refusal};
use clap::Parser;
use std::process::ExitCode;

/// The binary's name, in the notes and errors it writes on stderr.
const BIN: &str = "sigil-askpass";

/// ASKPASS program for git, ssh and sudo, backed by sigil
#[derive(Debug, Parser)]
#[command(
    name = "sigil-askpass",
    version,
    about = "ASKPASS program for git, ssh and sudo, backed by sigil",
    long_about = "ASKPASS program for git, ssh and sudo, backed by sigil. Name it in GIT_ASKPASS, \
SSH_ASKPASS (with SSH_ASKPASS_REQUIRE=force) or SUDO_ASKPASS (with sudo -A): the client runs it \
with its prompt as the one argument and reads the answer from stdout. It never prompts and never \
reads stdin.\n\n\
A prompt is answered only when it is exactly one of these forms and what it names is exactly \
a key of the [askpass] table in config.toml, never a part of one:\n\n\
  Username for 'URL': and Password for 'SCHEME://USER@HOST…': (git): [askpass.\"SCHEME://USER@HOST…\"] \
(the URL as git shows it; or without USER@ and with username = \"USER\")\n\
  USER@HOST's password: and (USER@HOST) Password: (ssh): [askpass.\"ssh:USER@HOST\"]\n\
  Enter passphrase for key 'PATH': (ssh) and Enter passphrase for /PATH: (ssh-add): \
[askpass.\"ssh-key:PATH\"]\n\
  [sudo] password for USER: (sudo): [askpass.\"sudo:USER\"]\n\n\
each with address = \"service/account[/field]\". Any other prompt, ssh's host-key questions \
among them, and any prompt without a mapping is refused: exit 1, nothing on stdout, the reason \
on stderr. A usage policy that does not allow askpass refuses the same way. Every secret handed \
out is one audit entry, event askpass; a username answer reads no secret.",
    after_help = "Setup:\n  GIT_ASKPASS=sigil-askpass git clone https://git.corp.example/team/app.git\n  \
SUDO_ASKPASS=\"$(command -v sigil-askpass)\" sudo -A true\n  \
SSH_ASKPASS=sigil-askpass SSH_ASKPASS_REQUIRE=force ssh-add ~/.ssh/id_ed25519\n\n\
config.toml:\n  [askpass.\"https://me@git.corp.example\"]\n  address = \"corp/git\"\n  \
[askpass.\"sudo:me\"]\n  address = \"local/sudo\""
)]
pub struct Args {
    /// The prompt the client would have shown
    #[arg(value_name = "PROMPT")]
    pub prompt: String,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil askpass`: the answer on stdout and exit 0; a refusal and every error exit 1
/// with nothing on stdout (the reason on stderr).
pub fn run(args: Args) -> Result<ExitCode> {
    match answer(&args) {
        Ok(code) => Ok(code),
        Err(e) if e.is_broken_pipe() => Ok(ExitCode::SUCCESS),
        Err(e) => {
            crate::exit::report(BIN, &e);
            Ok(ExitCode::FAILURE)
        }
    }
}

fn answer(args: &Args) -> Result<ExitCode> {
    // The client runs askpass because there is no terminal to ask on, or in place of it: a
    // locked identity is an error with the advice to unlock, never a prompt of sigil's own.
    crate::identity::never_prompt();
    let sigil = args.backend.open()?.for_use(Use::Askpass);
    match ap::answer(&sigil, &args.prompt)? {
        Ok(a) => out(&a.to_protocol()?)?,
        Err(why) => {
            let what = match why {
                Refusal::UnknownPrompt => "is not a prompt sigil answers",
                Refusal::NoMapping => "names nothing mapped in [askpass] in config.toml",
            };
            return Err(Error::Refused {
                message: format!("the prompt '{}' {what}", args.prompt.escape_debug()),
                help: Some(
                    "map what it names in config.toml (see `sigil askpass --help`); host-key \
                     questions are never answered"
                        .into(),
                ),
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}
