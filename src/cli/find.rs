//! `sigil find`: the accounts whose names, notes or providers match a pattern, never values.

use super::list::{json, tree};
use super::out;
use crate::model::error::{Error, Result};
use crate::model::shown;
use crate::ops::find::{Matcher, find};
use clap::Parser;
use time::OffsetDateTime;

/// Find stored credentials by name, note or provider (never their values)
#[derive(Debug, Parser)]
#[command(
    name = "sigil-find",
    version,
    about = "Find stored credentials by name, note or provider (never their values)",
    long_about = "Find stored credentials whose address (service/account), field address, note \
or OAuth provider matches PATTERN, ignoring case. PATTERN is a substring, or a shell glob \
matching the whole text when it holds *, ? or [. Prints one address per line; exits 3 when \
nothing matches. Values are never read and the identity is not needed."
)]
pub struct Args {
    /// A substring, or a glob (`*`, `?`, `[…]`)
    #[arg(value_name = "PATTERN")]
    pub pattern: String,
    /// Print the matches as a tree (service, account, fields), as `pass find` does
    #[arg(long)]
    pub tree: bool,
    /// Print a JSON array, as `sigil list --json` does
    #[arg(long, conflicts_with = "tree")]
    pub json: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil find`.
pub fn run(args: Args) -> Result<()> {
    let matcher = Matcher::new(&args.pattern)?;
    let sigil = args.backend.open()?;
    let accounts = find(&sigil, &matcher)?;
    if accounts.is_empty() {
        return Err(Error::NotFound {
            message: format!("no credential matches '{}'", args.pattern),
            help: Some("`sigil list` shows what is stored".into()),
        });
    }
    if args.json {
        let warn = sigil.config().defaults.expiry_warning();
        return out(json(&accounts, OffsetDateTime::now_utc(), warn)?.as_bytes());
    }
    if args.tree {
        let head = format!("Search Terms: {}\n", shown::line(&args.pattern));
        return out((head + &tree(&accounts)).as_bytes());
    }
    let mut s = String::new();
    for a in &accounts {
        s.push_str(&shown::line(&a.address.to_string()));
        s.push('\n');
    }
    out(s.as_bytes())
}
