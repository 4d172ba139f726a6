//! `sigil add`: store a secret read from a no-echo prompt or stdin, never from argv.

use crate::PutOptions;
use crate::model::error::{Error, Result};
use crate::model::when;
use clap::Parser;

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
    let addr = super::address(&args.address)?;
    let full = match (addr.field(), args.field.as_deref()) {
        (Some(a), Some(b)) if a != b => {
            return Err(Error::Usage(format!(
                "the address names the field '{a}' but --field says '{b}'"
            )));
        }
        (Some(_), _) => addr.to_field_address().expect("has a field"),
        (None, Some(f)) => addr.with_field(f)?,
        (None, None) => addr.with_field(crate::model::address::DEFAULT_FIELD)?,
    };
    let now = time::OffsetDateTime::now_utc();
    let expires_at = args
        .expires
        .as_deref()
        .map(|w| when::parse(w, now))
        .transpose()?;
    let sigil = args.backend.open()?;
    // Fail before prompting when nothing could be stored anyway.
    let kind = sigil.placement(&full)?;
    let store = sigil.store_of(kind)?;
    if kind == crate::store::backend::BackendKind::File {
        crate::identity::Identity::load(sigil.paths())?;
    }
    if !args.force && store.contains(&full)? {
        return Err(crate::store::StoreError::Exists {
            address: full.to_string(),
        }
        .into());
    }
    let secret = super::read_secret(&format!("secret for '{full}': "))?;
    sigil.put(
        &full,
        &secret,
        &PutOptions {
            force: args.force,
            kind: None,
            expires_at,
            note: args.note,
            bound: None,
        },
    )?;
    eprintln!("stored '{full}' in {}", super::backend_phrase(kind));
    Ok(())
}
