//! `sigil netrc`: prints a `.netrc` for the hosts mapped in config.toml. The mapping and the
//! rendering live in [`crate::ops::netrc`]; `sigil run --netrc` hands the same text to a
//! command in a private temporary file instead.

use super::out;
use crate::model::error::Result;
use crate::model::policy::Use;
use crate::ops::netrc;
use clap::Parser;

/// Print a .netrc for hosts mapped in config.toml
#[derive(Debug, Parser)]
#[command(
    name = "sigil-netrc",
    version,
    about = "Print a .netrc for hosts mapped in config.toml",
    long_about = "Print a .netrc (machine HOST login USER password SECRET, one line per host) \
for the named hosts, or for every mapped host when none is named. Only hosts mapped in \
config.toml get a line: [netrc.\"api.example.com\"] with address = \"corp/me\" (and optionally \
username = \"…\", by default the account), one table per host name, without scheme or port. A \
named host that is not mapped is an error (exit 3) before any secret is read. An OAuth token \
is refreshed first. A value with white space, a quote, a backslash or a control character \
cannot be a netrc token and is an error.\n\n\
To hand a netrc to one command without writing it to disk, use sigil run --netrc, which puts \
it in a private temporary file for the command's lifetime. A usage policy that does not allow \
netrc refuses. Every password printed is one audit entry, event netrc.",
    after_help = "config.toml:\n  [netrc.\"api.example.com\"]\n  address = \"corp/me\"\n\n\
Examples:\n  sigil netrc api.example.com\n  sigil run --netrc -- curl -n https://api.example.com/\n  \
sigil run --netrc=api.example.com -- python3 fetch.py   # netrc.netrc(os.environ[\"NETRC\"])"
)]
pub struct Args {
    /// Hosts to print (default: every host mapped in config.toml)
    #[arg(value_name = "HOST")]
    pub hosts: Vec<String>,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil netrc`.
pub fn run(args: Args) -> Result<()> {
    let sigil = args.backend.open()?.for_use(Use::Netrc);
    let entries = netrc::entries(&sigil, &args.hosts)?;
    let text = netrc::render(&entries)?;
    match out(&text) {
        Err(e) if e.is_broken_pipe() => Ok(()),
        other => other,
    }
}
