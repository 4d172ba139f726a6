//! `sigil add`: store a secret read from a no-echo prompt or stdin, never from argv.

use crate::PutOptions;
use crate::model::address::FieldAddress;
use crate::model::error::{Error, Result};
use crate::model::when;
use crate::ops::add::{Add, Conflict};
use clap::Parser;
use time::OffsetDateTime;

/// Store a secret
#[derive(Debug, Parser)]
#[command(
    name = "sigil-add",
    version,
    about = "Store a secret",
    long_about = "Store a secret, read from a no-echo prompt on a terminal or from stdin \
otherwise (one trailing newline is dropped). Secrets are never taken from the command line.",
    after_help = "Examples:\n  sigil add github/me\n  printf %s \"$TOKEN\" | sigil add openai/work --note 'CI key' --expires 90d"
)]
pub struct Args {
    /// The credential: service/account[/field]
    #[arg(value_name = "ADDRESS")]
    pub address: String,
    /// The field to store (default: api_key)
    #[arg(long, value_name = "FIELD")]
    pub field: Option<String>,
    /// When it expires: 2026-12-31, 2026-12-31T23:59:00Z or a duration such as 90d
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<String>,
    /// A note kept with the metadata (not secret)
    #[arg(long, value_name = "NOTE")]
    pub note: Option<String>,
    /// Replace an existing secret
    #[arg(long, short = 'f')]
    pub force: bool,
    /// Store a TOTP seed (field totp): an otpauth://totp/ URI or a base32 secret, read like
    /// any secret; `sigil otp` then prints the codes
    #[arg(long)]
    pub totp: bool,
    /// With --totp: read the otpauth:// URI from a screenshot of its QR code (PNG or JPEG)
    #[arg(long, value_name = "FILE", requires = "totp")]
    pub qr_image: Option<std::path::PathBuf>,
    /// Run an OAuth login and store the token set, as `sigil login` does
    #[cfg(feature = "oauth")]
    #[arg(long, conflicts_with_all = ["field", "expires", "totp"])]
    pub oauth: bool,
    /// With --oauth: the provider (default: the service name)
    #[cfg(feature = "oauth")]
    #[arg(long, value_name = "NAME", requires = "oauth")]
    pub provider: Option<String>,
    /// With --oauth: pkce, device or client-credentials
    #[cfg(feature = "oauth")]
    #[arg(long, value_name = "FLOW", requires = "oauth")]
    pub flow: Option<String>,
    /// With --oauth: a scope to ask for (repeatable)
    #[cfg(feature = "oauth")]
    #[arg(long = "scope", value_name = "SCOPE", requires = "oauth")]
    pub scopes: Vec<String>,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil add`.
pub fn run(args: Args) -> Result<()> {
    #[cfg(feature = "oauth")]
    if args.oauth {
        return super::login::run(super::login::Args::from_add(
            args.address,
            args.provider,
            args.flow,
            args.scopes,
            args.force,
            args.backend,
        ));
    }
    if args.totp {
        return super::otp::add(args);
    }
    let full = field_address(&args, crate::model::address::DEFAULT_FIELD)?;
    let expires_at = expiry(&args)?;
    let sigil = args.backend.open()?;
    // Fail before prompting when nothing could be stored anyway.
    sigil.ready_to_add(&full, args.force, &Conflict::EachField)?;
    let secret = super::read_secret(&format!("secret for '{full}': "))?;
    let opts = options(args, expires_at);
    let kind = sigil.add(&Add::fields(&[(full.clone(), &secret)], &opts))?;
    eprintln!("stored '{full}' in {}", super::backend_phrase(kind));
    Ok(())
}

/// The field `sigil add` (or `--totp`) stores: the address's, else `--field`, else `default`;
/// an address and a `--field` that name two fields are an error.
pub(super) fn field_address(args: &Args, default: &str) -> Result<FieldAddress> {
    let addr = super::address(&args.address)?;
    match (addr.field(), args.field.as_deref()) {
        (Some(a), Some(b)) if a != b => Err(Error::Usage(format!(
            "the address names the field '{a}' but --field says '{b}'"
        ))),
        (Some(_), _) => Ok(addr.to_field_address().expect("has a field")),
        (None, Some(f)) => Ok(addr.with_field(f)?),
        (None, None) => Ok(addr.with_field(default)?),
    }
}

/// `--expires`, read against the time now.
pub(super) fn expiry(args: &Args) -> Result<Option<OffsetDateTime>> {
    let now = OffsetDateTime::now_utc();
    args.expires
        .as_deref()
        .map(|w| when::parse(w, now))
        .transpose()
}

/// How the value is stored: `--force` and `--note`, and the expiry read from `--expires`.
pub(super) fn options(args: Args, expires_at: Option<OffsetDateTime>) -> PutOptions {
    PutOptions {
        force: args.force,
        kind: None,
        expires_at,
        note: args.note,
        bound: None,
    }
}
