//! `sigil keyring`: the Python `keyring` command's `get` for pip's and uv's
//! `--keyring-provider subprocess`, answering from sigil. The index binding lives in
//! [`crate::ops::pip_keyring`]; this is the process around it: arguments in, the password (or
//! username and password) on stdout, exit 1 with nothing on stdout for "not found" or an error.

use super::out;
use crate::model::error::{Error, Result};
use crate::model::policy::Use;
use crate::ops::pip_keyring::{self as pk, Mode, Output};
use clap::Parser;
use std::process::ExitCode;

/// The binary's name, in the notes and errors it writes on stderr.
const BIN: &str = "sigil-keyring";

/// Python keyring command for pip and uv, backed by sigil
#[derive(Debug, Parser)]
#[command(
    name = "sigil-keyring",
    version,
    about = "Python keyring command for pip and uv, backed by sigil",
    long_about = "Python keyring command for pip and uv, backed by sigil. pip and uv run it as \
`keyring` with --keyring-provider subprocess: `keyring get URL USERNAME` prints the password, \
`keyring get URL --mode creds` prints the username and then the password, one line each, and \
recent pip (26.3, as tested) asks with --mode=creds --output=json for {\"username\",\"password\"}. It is \
not meant to be run by hand, and it never prompts. \"Not found\" is exit 1 with nothing on \
stdout, after which pip goes on without credentials; every error is exit 1 too, the details on \
stderr. set and del are refused: sigil stores nothing for pip.\n\n\
Only an index mapped in config.toml answers: [pip.\"https://pypi.corp.example/simple\"] with \
address = \"corp/pypi\" (and optionally username = \"…\"; the account's name otherwise), for \
exactly that index: scheme, host, port and path, trailing slashes aside. Hosts compare as URL \
hosts. https://host/simple, http://host/simple, https://host/other and the bare host:port pip \
also asks about are four indexes. A username pip sends must be the mapping's. An OAuth token is \
refreshed first. A usage policy that does not allow pip refuses with exit 1, never a hang or a \
prompt. Every secret handed out is one audit entry, event pip.\n\n\
pip looks for an executable named keyring on PATH. sigil never installs one: link this \
command as keyring in a directory of your choice and put that directory on pip's PATH.",
    after_help = "Setup:\n  mkdir -p ~/.local/share/sigil/pip-bin\n  \
ln -s \"$(command -v sigil-keyring)\" ~/.local/share/sigil/pip-bin/keyring\n  \
PATH=~/.local/share/sigil/pip-bin:$PATH pip install --keyring-provider subprocess \\\n      \
--index-url https://me@pypi.corp.example/simple/ corp-package\n\n\
Examples:\n  sigil keyring get https://pypi.corp.example/simple/ me\n  \
sigil keyring --mode creds get https://pypi.corp.example/simple/"
)]
pub struct Args {
    /// What to print for a found credential: password, or creds (username, then password)
    #[arg(long, value_name = "MODE", default_value = "password", value_parser = ["password", "creds"])]
    pub mode: String,
    /// How to print it: plain (one value a line) or json ({"username","password"})
    #[arg(long, value_name = "FORMAT", default_value = "plain", value_parser = ["plain", "json"])]
    pub output: String,
    /// What pip asks for: get (set and del are refused)
    #[arg(value_name = "OPERATION")]
    pub operation: String,
    /// The index URL (or host:port) pip asks about
    #[arg(value_name = "SERVICE")]
    pub service: String,
    /// The username pip sends with it
    #[arg(value_name = "USERNAME")]
    pub username: Option<String>,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil keyring`: the answer on stdout and exit 0; "not found" and every error exit 1
/// with nothing on stdout (sigil's report on stderr), as the keyring command does.
pub fn run(args: Args) -> Result<ExitCode> {
    match answer(&args) {
        Ok(code) => Ok(code),
        Err(e) if e.is_broken_pipe() => Ok(ExitCode::SUCCESS),
        Err(e @ Error::Usage(_)) => Err(e),
        Err(e) => {
            crate::exit::report(BIN, &e);
            Ok(ExitCode::FAILURE)
        }
    }
}

fn answer(args: &Args) -> Result<ExitCode> {
    match args.operation.as_str() {
        "get" => {}
        "set" | "del" => {
            return Err(Error::Refused {
                message: format!(
                    "sigil keyring does not {}: it stores nothing for pip",
                    args.operation
                ),
                help: Some(
                    "store the credential with `sigil add` and map the index to it with \
                     [pip.\"URL\"] in config.toml"
                        .into(),
                ),
            });
        }
        other => {
            return Err(Error::Usage(format!(
                "unknown keyring operation `{}`: use get",
                other.escape_debug()
            )));
        }
    }
    let mode = Mode::parse(&args.mode).unwrap_or(Mode::Password);
    let output = Output::parse(&args.output).unwrap_or(Output::Plain);
    // pip runs the provider unattended, stdin closed: a locked identity is an error with the
    // advice to unlock, never a prompt in the middle of an install.
    crate::identity::never_prompt();
    let sigil = args.backend.open()?.for_use(Use::Pip);
    match pk::get(&sigil, &args.service, args.username.as_deref())? {
        Some(a) => out(&a.to_protocol(mode, output)?)?,
        None => return Ok(ExitCode::FAILURE),
    }
    Ok(ExitCode::SUCCESS)
}
