//! `sigil env`: print resolved variables for CI and shells.

use super::out;
use super::run::gather_env;
use crate::model::dotenv;
use crate::model::error::{Error, Result};
use crate::ops::reference::Resolver;
use clap::{Parser, ValueEnum};
use std::fmt::Write as _;
use std::path::PathBuf;

/// How to print the variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `export NAME='value'` lines for `eval`
    Shell,
    /// `NAME=value` lines, quoted where needed
    Dotenv,
    /// One JSON object
    Json,
    /// GitHub Actions: `::add-mask::` lines, and the variables appended to $GITHUB_ENV
    Github,
}

/// Print resolved environment variables (for CI and `eval`)
#[derive(Debug, Parser)]
#[command(
    name = "sigil-env",
    version,
    about = "Print resolved environment variables (for CI and `eval`)",
    long_about = "Print the variables of the --env-file files (later ones win) and every \
variable of the current environment whose value is a reference, with references resolved. \
`github` prints an ::add-mask:: line for each secret (each line of a multi-line one) and \
appends NAME<<DELIMITER blocks to the file named by $GITHUB_ENV.",
    after_help = "Examples:\n  eval \"$(sigil env --env-file .env)\"\n  sigil env --env-file ci.env --format github"
)]
pub struct Args {
    /// The output format
    #[arg(long, value_enum, default_value_t = Format::Shell)]
    pub format: Format,
    /// A dotenv file whose variables to print (repeatable)
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Whether a name is one a POSIX shell can `export`: ASCII letters, digits and `_`, not
/// starting with a digit. Every format is held to it, since each ends up as environment
/// variables (`eval`, a sourced dotenv file, `$GITHUB_ENV`), and a name is printed as is: any
/// other character could end the name and start a command.
fn is_shell_name(name: &std::ffi::OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The refusal of a name that is not a shell name, showing it escaped (it may hold newlines
/// or terminal escapes) and where it came from.
fn bad_name(v: &super::run::Var) -> Error {
    let shown = v.name.to_string_lossy().escape_debug().to_string();
    // An environment variable's origin repeats its raw name; say only where it was.
    let place = if v.origin.starts_with("the environment variable") {
        "in the environment".to_owned()
    } else {
        format!("at {}", v.origin)
    };
    Error::UsageHelp {
        message: format!("'{shown}' {place} is not a valid variable name"),
        help: "sigil env prints only names of ASCII letters, digits and _ that do not start with \
               a digit; rename it, or hand it to the program with `sigil run`"
            .into(),
    }
}

/// Single-quotes a value for POSIX shells.
fn shell_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// Escapes data of a GitHub workflow command.
fn gh_escape(v: &str) -> String {
    v.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Runs `sigil env`.
pub fn run(args: Args) -> Result<()> {
    let sigil = args.backend.open()?.for_use(crate::model::policy::Use::Env);
    let mut resolver = Resolver::new(&sigil);
    let vars = gather_env(&args.env_files, &[], &mut resolver)?;
    let mut chosen = Vec::new();
    for v in vars {
        let secret = v.secret;
        if !(secret || v.from_file) {
            continue;
        }
        let name = v.name.to_string_lossy().into_owned();
        if !is_shell_name(&v.name) {
            return Err(bad_name(&v));
        }
        let value = v.value.into_string().map_err(|_| {
            Error::other(
                format!("the value of '{name}' is not UTF-8 text, so it cannot be printed"),
                None,
            )
        })?;
        chosen.push((name, zeroize::Zeroizing::new(value), secret));
    }
    let mut text = zeroize::Zeroizing::new(String::new());
    match args.format {
        Format::Shell => {
            for (n, v, _) in &chosen {
                let _ = writeln!(text, "export {n}={}", shell_quote(v));
            }
        }
        Format::Dotenv => {
            for (n, v, _) in &chosen {
                let _ = writeln!(text, "{n}={}", dotenv::quote(v));
            }
        }
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = chosen
                .iter()
                .map(|(n, v, _)| (n.clone(), serde_json::Value::String(v.to_string())))
                .collect();
            let _ = writeln!(text, "{}", serde_json::Value::Object(map));
        }
        Format::Github => {
            for (_, v, secret) in &chosen {
                if *secret {
                    for line in v.lines().filter(|l| !l.trim().is_empty()) {
                        let _ = writeln!(text, "::add-mask::{}", gh_escape(line));
                    }
                }
            }
            match std::env::var_os("GITHUB_ENV").filter(|p| !p.is_empty()) {
                Some(path) => append_github_env(&PathBuf::from(path), &chosen)?,
                None => eprintln!(
                    "sigil-env: GITHUB_ENV is not set, so only the mask lines were printed"
                ),
            }
        }
    }
    out(text.as_bytes())
}

/// Appends `NAME<<DELIM` blocks, with a delimiter that no value contains.
fn append_github_env(
    path: &std::path::Path,
    vars: &[(String, zeroize::Zeroizing<String>, bool)],
) -> Result<()> {
    use std::io::Write;
    let mut block = zeroize::Zeroizing::new(String::new());
    for (n, v, _) in vars {
        let mut delim = format!("ghadelimiter_sigil_{}", std::process::id());
        let mut k = 0;
        while v.contains(&delim) {
            k += 1;
            delim = format!("ghadelimiter_sigil_{}_{k}", std::process::id());
        }
        let _ = write!(block, "{n}<<{delim}\n{}\n{delim}\n", v.as_str());
    }
    // The runner creates GITHUB_ENV; should sigil be the one to, the values in it are
    // secrets, so it is private whatever the umask (it was 0666 under `umask 000`).
    let mut f = crate::fsutil::open_append_private(path)
        .map_err(|e| Error::io(format!("cannot open GITHUB_ENV '{}'", path.display()), e))?;
    f.write_all(block.as_bytes())
        .map_err(|e| Error::io(format!("cannot write GITHUB_ENV '{}'", path.display()), e))
}
