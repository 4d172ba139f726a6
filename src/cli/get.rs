//! `sigil get`: print one secret, and only it, on stdout.

use super::out;
use crate::model::error::{Error, Result};
use clap::Parser;

/// Print a secret on stdout
#[derive(Debug, Parser)]
#[command(
    name = "sigil-get",
    version,
    about = "Print a secret on stdout",
    long_about = "Print a secret on stdout, followed by a newline, and nothing else.\n\n\
The address is service/account[/field]; without a field, an OAuth account gives its `token` \
and any other account its `api_key`.",
    after_help = "Examples:\n  sigil get github/me | gh auth login --with-token\n  sigil get -n openai/work > /dev/null\n  \
sigil get bank/me/password --clip"
)]
pub struct Args {
    /// The credential: service/account[/field] or auth://service/account[/field]
    #[arg(value_name = "ADDRESS")]
    pub address: String,
    /// Do not print a newline after the secret
    #[arg(short = 'n', long = "no-newline", conflicts_with = "clip")]
    pub no_newline: bool,
    /// Print a JSON object with the address and the value
    #[arg(long, conflicts_with = "clip")]
    pub json: bool,
    /// Print an OAuth token as stored, even when it is about to expire
    #[arg(long)]
    pub no_refresh: bool,
    /// --clip: the clipboard instead of stdout.
    #[command(flatten)]
    pub clip: super::clip::ClipArg,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil get`.
pub fn run(args: Args) -> Result<()> {
    let addr = super::address(&args.address)?;
    let clip = super::clip::Target::wanted(&args.clip)?;
    let usage = match clip {
        Some(_) => crate::model::policy::Use::Clip,
        None => crate::model::policy::Use::Get,
    };
    let sigil = args.backend.open()?.for_use(usage);
    let (full, secret) = sigil.get_address_with(&addr, !args.no_refresh)?;
    if let Some(clip) = clip {
        return clip.copy(&full.to_string(), secret.expose());
    }
    if args.json {
        let value = secret.expose_str().ok_or_else(|| {
            Error::other(
                format!("'{full}' is not UTF-8 text, so it cannot be printed as JSON"),
                Some(format!("print it without --json: `sigil get {full}`")),
            )
        })?;
        let mut doc = serde_json::to_vec(&serde_json::json!({
            "address": full.to_string(),
            "value": value,
        }))
        .map_err(|e| Error::other(format!("cannot encode JSON: {e}"), None))?;
        doc.push(b'\n');
        let doc = zeroize::Zeroizing::new(doc);
        return out(&doc);
    }
    let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(secret.len() + 1));
    bytes.extend_from_slice(secret.expose());
    if !args.no_newline {
        bytes.push(b'\n');
    }
    out(&bytes)
}
