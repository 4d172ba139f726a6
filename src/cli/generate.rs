//! `sigil generate`: store a new random password or passphrase, printed only when asked.

use crate::PutOptions;
use crate::model::error::Result;
use crate::model::secret::Secret;
use crate::ops::add::{Add, Conflict};
use crate::ops::generate::{self, Charset, Class};
use clap::Parser;
use rand::rngs::OsRng;

/// Store a new random password or passphrase
#[derive(Debug, Parser)]
#[command(
    name = "sigil-generate",
    version,
    about = "Store a new random password or passphrase",
    long_about = "Store a new random password or passphrase, drawn uniformly from the operating \
system's random generator, and print it only with --print, or copy it to the clipboard with --clip (cleared after 45 s, as \
`sigil clip`).\n\n\
By default a password of 24 characters from letters, digits and symbols (94 characters, \
6.55 bits each: 157 bits). --words N makes a passphrase of N words from the EFF large word \
list instead (12.92 bits a word: 6 words are 77 bits).",
    after_help = "Examples:\n  sigil generate shop/me --field password\n  \
sigil generate wifi/home --length 32 --charset alnum --print\n  \
sigil generate bank/me --require upper,lower,digit,symbol --length 16\n  \
sigil generate disk/backup --words 6 --separator ' ' -p\n  \
sigil generate shop/me --field password --clip"
)]
pub struct Args {
    /// The credential: service/account[/field]
    #[arg(value_name = "ADDRESS")]
    pub address: String,
    /// The field to store (default: api_key)
    #[arg(long, value_name = "FIELD")]
    pub field: Option<String>,
    /// How many characters (default: 24)
    #[arg(long, short = 'l', value_name = "N")]
    pub length: Option<usize>,
    /// The characters to draw from: classes joined by commas (alnum, alpha, upper, lower,
    /// digits, hex, symbols), then optionally chars:SET for characters of your own (default:
    /// alnum,symbols)
    #[arg(long, value_name = "SET")]
    pub charset: Option<String>,
    /// Leave the symbols out of the character set, as `pass generate --no-symbols` does
    #[arg(long, short = 'n')]
    pub no_symbols: bool,
    /// Classes the password must contain, joined by commas: upper, lower, digit, symbol
    #[arg(long, value_name = "CLASSES")]
    pub require: Option<String>,
    /// A passphrase of N words from the EFF large word list instead of a password
    #[arg(long, short = 'w', value_name = "N",
          conflicts_with_all = ["length", "charset", "no_symbols", "require"])]
    pub words: Option<usize>,
    /// With --words: what goes between the words
    #[arg(long, value_name = "TEXT", requires = "words", default_value = "-")]
    pub separator: String,
    /// Print the value on stdout once stored
    #[arg(long, short = 'p', conflicts_with = "clip")]
    pub print: bool,
    /// --clip: the value to the clipboard once stored.
    #[command(flatten)]
    pub clip: super::clip::ClipArg,
    /// Replace an existing secret
    #[arg(long, short = 'f')]
    pub force: bool,
    /// When it expires: 2026-12-31, 2026-12-31T23:59:00Z or a duration such as 90d
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<String>,
    /// A note kept with the metadata (not secret)
    #[arg(long, value_name = "NOTE")]
    pub note: Option<String>,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil generate`.
pub fn run(args: Args) -> Result<()> {
    let as_add = super::add::Args {
        address: args.address.clone(),
        field: args.field.clone(),
        expires: args.expires.clone(),
        note: args.note.clone(),
        force: args.force,
        totp: false,
        qr_image: None,
        #[cfg(feature = "oauth")]
        oauth: false,
        #[cfg(feature = "oauth")]
        provider: None,
        #[cfg(feature = "oauth")]
        flow: None,
        #[cfg(feature = "oauth")]
        scopes: Vec::new(),
        backend: args.backend.clone(),
    };
    let full = super::add::field_address(&as_add, crate::model::address::DEFAULT_FIELD)?;
    let expires_at = super::add::expiry(&as_add)?;
    // Bad options are reported before the store is opened.
    let secret = value(&args)?;
    let clip = super::clip::Target::wanted(&args.clip)?;
    let sigil = args.backend.open()?;
    sigil.ready_to_add(&full, args.force, &Conflict::EachField)?;
    let opts: PutOptions = super::add::options(as_add, expires_at);
    let kind = sigil.add(&Add::fields(&[(full.clone(), &secret)], &opts))?;
    if args.print {
        let mut line = zeroize::Zeroizing::new(secret.expose().to_vec());
        line.push(b'\n');
        super::out(&line)?;
    } else if let Some(clip) = clip {
        // Stored whatever happens to the copy: say so first.
        eprintln!("generated '{full}' in {}", super::backend_phrase(kind));
        clip.copy(&full.to_string(), secret.expose())?;
    } else {
        eprintln!(
            "generated '{full}' in {} (sigil get {full} prints it)",
            super::backend_phrase(kind)
        );
    }
    Ok(())
}

/// The password or passphrase the options ask for.
fn value(args: &Args) -> Result<Secret> {
    if let Some(words) = args.words {
        return Ok(generate::passphrase(&mut OsRng, words, &args.separator)?);
    }
    let mut charset = match &args.charset {
        Some(spec) => Charset::parse(spec)?,
        None => Charset::default(),
    };
    if args.no_symbols {
        charset = charset.without_symbols()?;
    }
    let required = match &args.require {
        Some(list) => Class::parse_list(list)?,
        None => Vec::new(),
    };
    let length = args.length.unwrap_or(24);
    Ok(generate::password(&mut OsRng, &charset, length, &required)?)
}
