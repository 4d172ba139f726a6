//! `sigil otp`: print the current TOTP code of an account, or draw its seed as a QR code; and
//! `sigil add --totp`, which stores the seed (work: `crate::model::otp`).

use super::out;
use crate::model::address::Address;
use crate::model::error::{Error, Result};
use crate::model::otp::{self, Otp};
use crate::model::registry::Kind;
use crate::ops::add::{Add, Conflict};
use clap::Parser;
use std::path::Path;
use zeroize::Zeroizing;

/// Print the current TOTP code of an account
#[derive(Debug, Parser)]
#[command(
    name = "sigil-otp",
    version,
    about = "Print the current TOTP code of an account",
    long_about = "Print the current TOTP code (RFC 6238) of an account whose seed was stored \
with `sigil add ADDRESS --totp`. --json adds how many seconds the code stays valid; --qr draws \
the seed as a QR code in the terminal, to move the account to a phone.",
    after_help = "Examples:\n  sigil otp github/me\n  sigil otp github/me --clip\n  sigil otp github/me --json\n  sigil otp github/me --qr"
)]
pub struct Args {
    /// The account: service/account (field totp) or service/account/field
    #[arg(value_name = "ADDRESS")]
    pub address: String,
    /// Print the code, the seconds it has left and its parameters as JSON
    #[arg(long, conflicts_with_all = ["qr", "clip"])]
    pub json: bool,
    /// Draw the otpauth:// URI as a QR code (it holds the secret: clear the screen after)
    #[arg(long, conflicts_with = "clip")]
    pub qr: bool,
    /// --clip: the code to the clipboard instead of stdout, as `pass otp -c`.
    #[command(flatten)]
    pub clip: super::clip::ClipArg,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil otp`.
pub fn run(args: Args) -> Result<()> {
    let addr = super::address(&args.address)?;
    let full = match addr.to_field_address() {
        Some(f) => f,
        None => addr.with_field(otp::FIELD)?,
    };
    let clip = super::clip::Target::wanted(&args.clip)?;
    let mut sigil = args.backend.open()?;
    if clip.is_some() {
        sigil = sigil.for_use(crate::model::policy::Use::Clip);
    }
    let (full, seed) = sigil
        .get_address_with(&full.into(), false)
        .map_err(|e| match e {
            Error::Store(crate::store::StoreError::NotFound { ref address, .. })
                if addr.field().is_none() =>
            {
                Error::NotFound {
                    message: format!("'{address}' not found: '{addr}' has no TOTP seed"),
                    help: Some(format!(
                        "store one with `sigil add {addr} --totp` (an otpauth:// URI, a base32 secret, or --qr-image FILE)"
                    )),
                }
            }
            e => e,
        })?;
    let otp = Otp::from_stored(&full, &seed)?;
    if args.qr {
        let uri = otp.uri()?;
        let code = qrcode::QrCode::new(uri.expose())
            .map_err(|e| Error::other(format!("cannot draw '{full}' as a QR code: {e}"), None))?;
        use qrcode::render::unicode::Dense1x2;
        // Dark modules drawn as blank (the terminal's background) and light ones as blocks
        // suit the usual light-on-dark terminal; the quiet zone is included.
        let art = Zeroizing::new(
            code.render::<Dense1x2>()
                .dark_color(Dense1x2::Light)
                .light_color(Dense1x2::Dark)
                .build(),
        );
        out(format!("{}\n", art.as_str()).as_bytes())?;
        eprintln!(
            "this QR code holds the secret of '{full}': scan it, then clear the screen (`clear`)"
        );
        return Ok(());
    }
    let now = otp::now();
    let code = otp.code_at(now);
    if let Some(clip) = clip {
        return clip.copy(&full.to_string(), code.as_bytes());
    }
    if args.json {
        let doc = Zeroizing::new(
            serde_json::to_vec(&serde_json::json!({
                "address": full.to_string(),
                "code": code.as_str(),
                "seconds_left": otp.seconds_left(now),
                "period": otp.period(),
                "digits": otp.digits(),
                "algorithm": otp.algorithm(),
            }))
            .map_err(|e| Error::other(format!("cannot encode JSON: {e}"), None))?,
        );
        out(&doc)?;
        return out(b"\n");
    }
    out(format!("{}\n", code.as_str()).as_bytes())
}

/// `sigil add ADDRESS --totp [--qr-image FILE]`: validates the seed and stores it as a
/// normalized otpauth:// URI.
pub(crate) fn add(args: super::add::Args) -> Result<()> {
    let full = super::add::field_address(&args, otp::FIELD)?;
    let expires_at = super::add::expiry(&args)?;
    let sigil = args.backend.open()?;
    // Fail before prompting when nothing could be stored anyway.
    sigil.ready_to_add(&full, args.force, &Conflict::EachField)?;
    let input = match &args.qr_image {
        Some(path) => read_qr_image(path)?,
        None => {
            let s = super::read_secret(&format!("otpauth:// URI or base32 secret for '{full}': "))?;
            Zeroizing::new(
                s.expose_str()
                    .ok_or_else(|| Error::UsageHelp {
                        message: "the TOTP secret is not text".into(),
                        help: "give the otpauth://totp/… URI or the base32 secret the site shows"
                            .into(),
                    })?
                    .to_owned(),
            )
        }
    };
    let seed = Otp::parse(&input, &full)?;
    let uri = seed.uri()?;
    let opts = super::add::options(args, expires_at);
    // A new account is a TOTP account; a TOTP field added to an existing account (a
    // password, say) leaves its kind alone.
    let kind = sigil.add(&Add {
        new_account_kind: Some(Kind::Totp),
        ..Add::fields(&[(full.clone(), &uri)], &opts)
    })?;
    let account: Address = full.account_address();
    let shown = if full.field() == otp::FIELD {
        account.to_string()
    } else {
        full.to_string()
    };
    eprintln!(
        "stored the TOTP seed '{full}' in {} ({}, {} digits, every {} s); `sigil otp {shown}` prints the code",
        super::backend_phrase(kind),
        seed.algorithm(),
        seed.digits(),
        seed.period()
    );
    Ok(())
}

/// The text of the QR code in a screenshot (PNG or JPEG), read up to its size limit.
fn read_qr_image(path: &Path) -> Result<Zeroizing<String>> {
    let shown = path.display().to_string();
    // The file shows the seed: its bytes are wiped once decoded.
    let bytes = Zeroizing::new(
        crate::fsutil::read_capped(path, crate::fsutil::Input::Image).map_err(|e| {
            match e.kind() {
                std::io::ErrorKind::NotFound => Error::NotFound {
                    message: format!("image '{shown}' not found"),
                    help: None,
                },
                _ => Error::io(format!("cannot read '{shown}'"), e),
            }
        })?,
    );
    qr_text(&bytes, &shown)
}

#[doc(hidden)]
/// The text of the QR code in an image held in memory (what `--qr-image` reads from a file);
/// public for the fuzz target.
pub fn qr_in_image(bytes: &[u8]) -> Result<Zeroizing<String>> {
    qr_text(bytes, "the image")
}

/// The otpauth:// URI in the QR code of an image; `shown` names the image in errors.
fn qr_text(bytes: &[u8], shown: &str) -> Result<Zeroizing<String>> {
    let img = super::qr_image::decode(bytes, shown)?;
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(img.width, img.height, |x, y| {
            img.pixels[y * img.width + x]
        });
    let grids = prepared.detect_grids();
    let no_code = || {
        Error::UsageHelp {
        message: format!("no QR code could be read in '{shown}'"),
        help: "crop the screenshot to the QR code, make it larger, or paste the otpauth:// URI or base32 secret instead".into(),
    }
    };
    let mut read_one = false;
    for g in grids {
        if let Ok((_, content)) = g.decode() {
            read_one = true;
            let content = Zeroizing::new(content);
            if content
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("otpauth://")
            {
                return Ok(content);
            }
        }
    }
    if !read_one {
        return Err(no_code());
    }
    Err(Error::UsageHelp {
        message: format!("the QR code in '{shown}' holds no otpauth:// URI"),
        help: "it must be the code a site shows to set up an authenticator app".into(),
    })
}
