//! `cargo-credential-sigil`: cargo's credential provider, answering cargo from sigil. The
//! protocol and the index binding live in [`crate::ops::cargo_credential`]; this is the
//! process around them: the hello, then one JSON answer line per request line on stdin.

use super::out;
use crate::model::error::{Error, Result};
use crate::model::policy::Use;
use crate::ops::cargo_credential::{self as cc, Action, HELLO, Outcome, Request, Response};
use clap::Parser;
use std::process::ExitCode;

/// The binary's name, in the notes and errors it writes on stderr.
const BIN: &str = "cargo-credential-sigil";

/// Cargo credential provider backed by sigil
#[derive(Debug, Parser)]
#[command(
    name = "cargo-credential-sigil",
    version,
    about = "Cargo credential provider backed by sigil",
    long_about = "Cargo credential provider backed by sigil. cargo runs it as \
`cargo-credential-sigil --cargo-plugin` and speaks its credential provider protocol on stdin \
and stdout, one JSON object a line: the provider's hello {\"v\":[1]}, then requests of kind \
get, login or logout for a registry index URL. It is not meant to be run by hand, and without \
--cargo-plugin it prints nothing on stdout and exits 2. It never prompts. Every answer, an \
error included, is one line on stdout and exit 0, as cargo expects; sigil's own report, with \
its advice, goes to stderr.\n\n\
Every answer is bound to exactly the index URL cargo names: scheme, host, port and path. \
Hosts compare as URL hosts: case-insensitively, internationalised names in their ASCII form. \
sparse+http://127.0.0.1:8080/index/, sparse+http://localhost:8080/index/, \
sparse+http://127.0.0.1:8081/index/, sparse+https://127.0.0.1:8080/index/ and \
sparse+http://127.0.0.1:8080/other/ are five registries. The first of these that has a token \
answers:\n\n\
1. an index URL mapped in config.toml: [cargo.\"sparse+https://cargo.corp.example/index/\"] \
with address = \"corp/cargo\", for exactly that URL; an OAuth token is refreshed first, and \
cargo keeps it no longer than it lives;\n\
2. a token cargo stored here (login, from cargo login), for exactly the index URL it was \
stored with.\n\n\
login keeps one token per index URL, filed as HOST[-PORT]/NAME, NAME being the registry's \
name in cargo's configuration (sigil get HOST[-PORT]/NAME reads it); a mapped registry is the \
user's, and login refuses to change it. logout deletes what cargo stored for the index URL \
and nothing else, and is \"not found\" when there is nothing. get for another registry is \
\"not found\", and cargo goes on to its next provider. A usage policy that does not allow \
cargo refuses get, login and logout with the protocol's error, never a hang or a prompt. \
Every token handed out is one audit entry, event cargo.\n\n\
Words after the provider's name in cargo's configuration come in the request's args: \
--backend NAME chooses the backend.",
    after_help = "Setup (cargo's config.toml, ~/.cargo/config.toml):\n  \
[registry]\n  global-credential-providers = [\"cargo-credential-sigil\"]\n\n  \
[registries.corp]                # one registry only\n  \
index = \"sparse+https://cargo.corp.example/index/\"\n  \
credential-provider = \"cargo-credential-sigil\"\n\n\
Examples:\n  cargo login --registry corp      # the token on stdin; stored through sigil\n  \
cargo logout --registry corp"
)]
pub struct Args {
    /// How cargo runs a credential provider; required
    #[arg(long = "cargo-plugin")]
    pub cargo_plugin: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `cargo-credential-sigil --cargo-plugin`: the hello, then an answer line for each
/// request line until stdin ends. Exit 0 whatever the answers were (cargo reads the error
/// from the line and would put "failed with status" in its place); 2 without
/// `--cargo-plugin`, with nothing on stdout.
pub fn run(args: Args) -> Result<ExitCode> {
    if !args.cargo_plugin {
        return Err(Error::Usage(
            "cargo-credential-sigil speaks cargo's credential provider protocol, and cargo runs \
             it with --cargo-plugin; name it in cargo's config.toml (credential-provider = \
             \"cargo-credential-sigil\"), or read a token with `sigil get`"
                .into(),
        ));
    }
    // cargo runs providers unattended: a locked identity is an error with the advice to
    // unlock, never a prompt in the middle of a build.
    crate::identity::never_prompt();
    match serve(&args) {
        Err(e) if e.is_broken_pipe() => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

fn serve(args: &Args) -> Result<()> {
    out(HELLO.as_bytes())?;
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    loop {
        let line = match cc::read_line(&mut input) {
            Ok(Some(line)) => line,
            Ok(None) => return Ok(()),
            Err(e) => return fail(&e),
        };
        // Blank lines between requests are nothing.
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let request = match Request::parse(&line) {
            Ok(r) => r,
            // Input that is not a request ends the conversation, as cargo-credential's
            // providers end it: the error, then exit.
            Err(e) => return fail(&e),
        };
        drop(line);
        match answer(args, &request) {
            Ok(()) => {}
            Err(e) if e.is_broken_pipe() => return Err(e),
            Err(e) => {
                fail(&e)?;
            }
        }
    }
}

/// The protocol's error line for `e` on stdout, and sigil's report with its advice on stderr.
fn fail(e: &Error) -> Result<()> {
    let message = crate::model::shown::line(&e.to_string()).into_owned();
    out(&Response::Other(&message).to_protocol()?)?;
    crate::exit::report(BIN, e);
    Ok(())
}

/// The backend a request chooses with its args (`--backend NAME`), else the command line's.
fn backend(args: &Args, request: &Request) -> Result<super::BackendArg> {
    let mut chosen = args.backend.clone();
    let mut words = request.args.iter();
    while let Some(word) = words.next() {
        if let Some(name) = word.strip_prefix("--backend=") {
            chosen.backend = Some(name.to_owned());
        } else if word == "--backend" {
            let name = words.next().ok_or_else(|| {
                Error::Usage("--backend in cargo's args needs a backend name".into())
            })?;
            chosen.backend = Some(name.clone());
        } else {
            return Err(Error::Usage(format!(
                "unknown argument '{}' in cargo's args for cargo-credential-sigil: use \
                 --backend NAME",
                word.escape_debug()
            )));
        }
    }
    Ok(chosen)
}

fn answer(args: &Args, request: &Request) -> Result<()> {
    if request.action == Action::Unknown {
        return out(&Response::NotSupported.to_protocol()?);
    }
    let sigil = backend(args, request)?.open()?.for_use(Use::Cargo);
    let url = request.index_url.as_str();
    let response = match request.action {
        Action::Get => match cc::get(&sigil, url)? {
            Some(a) => return out(&Response::Token(&a).to_protocol()?),
            None => Response::NotFound,
        },
        Action::Login => {
            let token = request.token.as_ref().ok_or_else(|| {
                Error::Usage(
                    "cargo sent no token, and cargo-credential-sigil never prompts: give it on \
                 stdin (`cargo login --registry NAME < token-file`)"
                        .into(),
                )
            })?;
            match cc::login(&sigil, url, request.name.as_deref(), token) {
                Ok(outcome) => {
                    note(&outcome);
                    Response::LoggedIn
                }
                Err(e) => return Err(e),
            }
        }
        Action::Logout => match cc::logout(&sigil, url)? {
            Outcome::Nothing => Response::NotFound,
            outcome => {
                note(&outcome);
                Response::LoggedOut
            }
        },
        Action::Unknown => Response::NotSupported,
    };
    out(&response.to_protocol()?)
}

/// Says on stderr where a token went, which cargo does not say.
fn note(outcome: &Outcome) {
    match outcome {
        Outcome::Stored(f) | Outcome::Replaced(f) => eprintln!("{BIN}: stored '{f}'"),
        Outcome::Erased(fields) => {
            for f in fields {
                eprintln!("{BIN}: deleted '{f}'");
            }
        }
        _ => {}
    }
}
