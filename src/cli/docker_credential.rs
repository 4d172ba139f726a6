//! `docker-credential-sigil`: docker's credential helper, answering docker (and skopeo, podman,
//! buildah) from sigil. The protocol and the server binding live in
//! [`crate::ops::docker_credential`]; this is the process around them: stdin in, the
//! protocol's JSON or its one-line error out, exit 1 on any error.

use super::out;
use crate::model::error::{Error, Result};
use crate::model::policy::Use;
use crate::ops::docker_credential::{self as dc, Credentials, NOT_FOUND, Operation, Outcome};
use clap::Parser;
use std::process::ExitCode;

/// The binary's name, in the notes and errors it writes on stderr.
const BIN: &str = "docker-credential-sigil";

/// Docker credential helper backed by sigil
#[derive(Debug, Parser)]
#[command(
    name = "docker-credential-sigil",
    version,
    about = "Docker credential helper backed by sigil",
    long_about = "Docker credential helper backed by sigil. docker runs it with store, get, erase \
or list and the protocol's input on stdin (docker-credential-helpers): store reads \
{\"ServerURL\",\"Username\",\"Secret\"}, get and erase read a server URL, list reads nothing. It \
is not meant to be run by hand. It never prompts. get prints the same JSON object, or \
\"credentials not found in native keychain\" and exits 1; every error is one line on stdout \
and exit 1, the details on stderr. An identity token travels as the username <token>.\n\n\
Every answer is bound to exactly the server docker names: scheme (when it sends one), host, \
port and path. Hosts compare as URL hosts: case-insensitively, internationalised names in \
their ASCII form. 127.0.0.1:5000, localhost:5000, 127.0.0.1:5001 and https://127.0.0.1:5000 \
are four servers; https://index.docker.io/v1/ (Docker Hub, as docker names it) is neither \
docker.io nor index.docker.io. The first of these that has a credential answers:\n\n\
1. a server mapped in config.toml: [docker.\"ghcr.io\"] with address = \"github/me\" (and \
optionally username = \"…\"), for exactly that server; an OAuth token is refreshed first;\n\
2. a credential docker stored here (store, from docker login), for exactly the server it was \
stored with.\n\n\
store keeps one credential per server, as docker does, filed as HOST[-PORT]/USERNAME (sigil get \
HOST[-PORT]/USERNAME reads it); a mapped server is the user's, and store refuses to change it. \
erase (docker logout) deletes what docker stored for the server and nothing else; erasing \
what is not there succeeds. list names the servers and their usernames, no secrets. A usage \
policy that does not allow docker refuses get, store and erase with an error, never a hang \
or a prompt. Every secret handed out is one audit entry, event docker.",
    after_help = "Setup (~/.docker/config.json):\n  { \"credsStore\": \"sigil\" }\n  \
{ \"credHelpers\": { \"registry.example.com\": \"sigil\" } }   # one registry only\n\n\
Examples:\n  docker login registry.example.com     # stores through sigil\n  \
printf %s registry.example.com | docker-credential-sigil get\n  \
docker-credential-sigil list"
)]
pub struct Args {
    /// What docker asks for: store, get, erase, list or version
    #[arg(value_name = "ACTION")]
    pub action: String,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `docker-credential-sigil`: the protocol's answer on stdout and exit 0, or its error
/// on stdout and exit 1 (docker shows that line; sigil's own report with its advice goes to
/// stderr).
pub fn run(args: Args) -> Result<ExitCode> {
    match answer(&args) {
        Ok(code) => Ok(code),
        Err(e) if e.is_broken_pipe() => Ok(ExitCode::SUCCESS),
        Err(e) => {
            protocol_error(&e.to_string())?;
            crate::exit::report(BIN, &e);
            Ok(ExitCode::FAILURE)
        }
    }
}

fn answer(args: &Args) -> Result<ExitCode> {
    let Some(op) = Operation::parse(&args.action) else {
        return Err(Error::Usage(format!(
            "unknown credential action `{}`: use store, get, erase, list or version",
            args.action.escape_debug()
        )));
    };
    if op == Operation::Version {
        out(format!("{BIN} (sigil) {}\n", env!("CARGO_PKG_VERSION")).as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    // docker runs helpers unattended: a locked identity is an error with the advice to
    // unlock, never a prompt in the middle of a pull.
    crate::identity::never_prompt();
    let input = dc::read_input(std::io::stdin().lock())?;
    let sigil = args.backend.open()?.for_use(Use::Docker);
    match op {
        Operation::Get => {
            let answer = match dc::server_url(&input)? {
                Some(url) => dc::get(&sigil, url)?,
                None => None,
            };
            match answer {
                Some(a) => out(&a.to_protocol()?)?,
                None => {
                    protocol_error(NOT_FOUND)?;
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        Operation::Store => note(&dc::store(&sigil, &Credentials::parse(&input)?)?),
        Operation::Erase => {
            if let Some(url) = dc::server_url(&input)? {
                note(&dc::erase(&sigil, url)?);
            }
        }
        Operation::List => out(&dc::list_to_protocol(&dc::list(&sigil)?)?)?,
        Operation::Version => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// The protocol's error: one line on stdout, which the client reads and shows.
fn protocol_error(message: &str) -> Result<()> {
    let line = crate::model::shown::line(message);
    out(format!("{line}\n").as_bytes())
}

/// Says on stderr what the user would not expect; everything else docker does quietly.
fn note(outcome: &Outcome) {
    if let Outcome::MappedKept(addr) = outcome {
        eprintln!(
            "{BIN}: kept '{addr}': config.toml maps this server to it, and docker does not \
             delete it (`sigil rm {addr}` does)"
        );
    }
}
