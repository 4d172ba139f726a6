//! What every source parser shares (line positions, the patterns that pick credentials, the
//! names addresses are made of), and reading a source: its format picks its parser.

use super::source_aws::parse_aws;
use super::source_dotenv::parse_dotenv;
use super::source_gh_hosts::parse_gh_hosts;
use super::source_git_credentials::parse_git_credentials;
use super::source_json::parse_json;
use super::source_netrc::parse_netrc;
use super::source_toml::parse_toml;
use super::{Action, Expanded, Format, Item, Options, SourcePlan};
use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, Result};
use crate::model::secret::Secret;
use std::fs;
use std::path::Path;

/// Names that match a pattern but are not secrets.
const NOT_SECRET: &[&str] = &["*_PUBLIC_KEY", "*_PUBLISHABLE_KEY", "*public_key"];

fn glob(pattern: &str, text: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    let t = text.to_ascii_lowercase();
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let mut rest = t.as_str();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    let Some(r) = rest.strip_prefix(first) else {
        return false;
    };
    rest = r;
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(at) => rest = &rest[at + mid.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

pub(super) fn matches(patterns: &[String], defaults: &[&str], name: &str) -> bool {
    if NOT_SECRET.iter().any(|p| glob(p, name)) && patterns.is_empty() {
        return false;
    }
    if patterns.is_empty() {
        defaults.iter().any(|p| glob(p, name))
    } else {
        patterns.iter().any(|p| glob(p, name))
    }
}

/// Turns free text into a service: lowercase, `[a-z0-9._-]`.
pub(super) fn service_of(text: &str) -> String {
    let s: String = text
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    s.trim_matches(|c| c == '-' || c == '.').to_owned()
}

/// Turns free text into an account: `[A-Za-z0-9@._+-]`.
pub(super) fn account_of(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "@._+-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('.').to_owned();
    if s.is_empty() { "default".into() } else { s }
}

/// Turns free text into a field: `[a-z0-9_]`, at most 32.
pub(super) fn field_of(text: &str) -> String {
    let s: String = text
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(32)
        .collect();
    if s.is_empty() {
        crate::model::address::DEFAULT_FIELD.into()
    } else {
        s
    }
}

pub(super) fn with_prefix(opts: &Options, service: String) -> String {
    match &opts.prefix {
        Some(p) => format!("{}-{service}", service_of(p)),
        None => service,
    }
}

pub(super) fn lines_of(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

pub(super) fn line_at(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset)
}

pub(super) fn dir_name(path: &Path) -> String {
    path.parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "default".into())
}

/// Whether a value is already a reference (left alone): exactly what
/// [`crate::ops::reference::is_reference`] says, for every format, for `migrate`, `--scan`,
/// `sigil status` and `sigil check` alike.
pub(super) fn is_reference(v: &str) -> bool {
    crate::ops::reference::is_reference(v)
}

pub(super) fn item(
    line: usize,
    name: &str,
    address: FieldAddress,
    value: &str,
    span: (usize, usize),
    remove: bool,
    quote: Option<char>,
) -> Item {
    Item {
        line,
        name: name.to_owned(),
        address,
        value: Secret::new(value.as_bytes().to_vec()),
        action: Action::Store,
        span,
        remove,
        quote,
        bound: None,
        replacement: None,
        kind: None,
        note: None,
    }
}

fn config_service(opts: &Options, path: &Path) -> String {
    if let Some(s) = &opts.service {
        return s.clone();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = stem.trim_start_matches('.');
    let generic = ["config", "settings", "credentials", "secrets", "auth"];
    let base = if stem.is_empty() || generic.contains(&stem) {
        dir_name(path)
    } else {
        stem.to_owned()
    };
    with_prefix(opts, service_of(base.trim_start_matches('.')))
}

pub(super) fn config_item(
    opts: &Options,
    path: &Path,
    seen: &mut std::collections::HashMap<String, usize>,
    key: &str,
) -> Result<FieldAddress> {
    let mut field = field_of(key);
    let n = seen.entry(field.clone()).or_insert(0);
    *n += 1;
    if *n > 1 {
        // The same key twice (in two tables): number the later ones, in file order.
        field = format!("{}_{n}", &field[..field.len().min(29)]);
    }
    let account = opts.account.clone().unwrap_or_else(|| "default".into());
    Ok(
        Address::new(&config_service(opts, path), &account, Some(&field))?
            .to_field_address()
            .expect("a field was given"),
    )
}

#[doc(hidden)]
/// The entries of a source's text in `format`; `path` only names it (and, for dotenv, JSON
/// and TOML, gives the derived service). Public for the fuzz targets, which need no file.
pub fn parse_text(path: &Path, format: Format, text: &str, opts: &Options) -> Result<Vec<Item>> {
    parse_source(path, format, text, opts).map(|(items, _)| items)
}

/// The entries of a source's text and, for dotenv, the values left alone because they expand.
fn parse_source(
    path: &Path,
    format: Format,
    text: &str,
    opts: &Options,
) -> Result<(Vec<Item>, Vec<Expanded>)> {
    Ok(match format {
        Format::Dotenv => parse_dotenv(path, text, opts)?,
        Format::Netrc => (parse_netrc(text)?, Vec::new()),
        Format::GitCredentials => (parse_git_credentials(text)?, Vec::new()),
        Format::GhHosts => (parse_gh_hosts(text)?, Vec::new()),
        Format::Json => (parse_json(path, text, opts)?, Vec::new()),
        Format::Toml => (parse_toml(path, text, opts)?, Vec::new()),
        Format::Aws => (parse_aws(path, text, opts)?, Vec::new()),
        Format::Bitwarden => (
            super::source_vault::parse_bitwarden(path, text, opts)?.0,
            Vec::new(),
        ),
        Format::KeepassCsv | Format::OnePasswordCsv => (
            super::source_vault::parse_csv(path, text, opts)?.0,
            Vec::new(),
        ),
        Format::Pass | Format::Passage | Format::Gopass | Format::OnePux => {
            return Err(Error::Usage(format!(
                "a {} is not read from text",
                format.label()
            )));
        }
    })
}

/// Reads another password manager's store or export: its entries, and what reading them
/// reported. Nothing of it is kept: it is never rewritten.
fn read_vault(
    path: std::path::PathBuf,
    format: Format,
    text: Option<&str>,
    opts: &Options,
) -> Result<SourcePlan> {
    use super::source_vault as v;
    let (items, notes) = match (format, text) {
        (Format::Pass | Format::Passage | Format::Gopass, _) => {
            super::source_pass::read_store(&path, format, opts)?
        }
        (Format::OnePux, _) => v::read_1pux(&path, opts)?,
        (Format::Bitwarden, Some(t)) => v::parse_bitwarden(&path, t, opts)?,
        (_, Some(t)) => v::parse_csv(&path, t, opts)?,
        (_, None) => unreachable!("a text export is read as text"),
    };
    Ok(SourcePlan {
        path,
        format,
        original: Vec::new(),
        items,
        expanded: Vec::new(),
        notes,
    })
}

/// Reads and parses one source (no store access).
pub fn read_source(path: &Path, opts: &Options) -> Result<SourcePlan> {
    let path = std::path::absolute(path)
        .map_err(|e| Error::io(format!("cannot resolve '{}'", path.display()), e))?;
    // The name the user gave says the format: a dotfile manager links `~/.aws/credentials`
    // or `~/.netrc` to files of other names, which read as dotenv would be mangled.
    if path.is_dir() {
        let format = super::source_pass::store_format(&path).ok_or_else(|| Error::UsageHelp {
            message: format!("'{}' is a directory, and no password store", path.display()),
            help: "sigil migrates files, and pass, gopass (a folder with .gpg-id) and passage \
                   stores (with .age-recipients, or ~/.passage/store)"
                .into(),
        })?;
        let path = fs::canonicalize(&path).unwrap_or(path);
        return read_vault(path, format, None, opts);
    }
    let given = Format::of(&path);
    if given == Format::OnePux {
        let path = fs::canonicalize(&path).unwrap_or(path);
        return read_vault(path, given, None, opts);
    }
    // Rewrite what a symlink points at, not the link: a rename over it would replace the
    // link by a file.
    let path = fs::canonicalize(&path).unwrap_or(path);
    let original = crate::fsutil::read_capped(&path, crate::fsutil::Input::Text).map_err(|e| {
        match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound {
                message: format!("'{}' not found", path.display()),
                help: Some("`sigil migrate --scan` lists the files sigil knows".into()),
            },
            _ => Error::io(format!("cannot read '{}'", path.display()), e),
        }
    })?;
    let text = std::str::from_utf8(&original).map_err(|_| {
        Error::Usage(format!(
            "'{}' is not UTF-8 text; sigil migrates text files only",
            path.display()
        ))
    })?;
    let format = match given {
        Format::Dotenv => Format::of(&path),
        named => named,
    };
    let format = match format {
        Format::Json if super::source_vault::is_bitwarden(text) => Format::Bitwarden,
        Format::KeepassCsv => super::source_vault::csv_format(&path, text)?,
        f => f,
    };
    if format.read_only() {
        let plan = read_vault(path, format, Some(text), opts);
        let mut original = original;
        zeroize::Zeroize::zeroize(&mut original);
        return plan;
    }
    let (items, expanded) = parse_source(&path, format, text, opts)?;
    Ok(SourcePlan {
        path,
        format,
        original,
        items,
        expanded,
        notes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::migrate::{CONFIG_PATTERNS, DOTENV_PATTERNS, mask};

    #[test]
    fn patterns_and_masks() {
        assert!(matches(&[], DOTENV_PATTERNS, "OPENAI_API_KEY"));
        assert!(matches(&[], DOTENV_PATTERNS, "db_password"));
        assert!(!matches(&[], DOTENV_PATTERNS, "STRIPE_PUBLIC_KEY"));
        assert!(!matches(&[], DOTENV_PATTERNS, "PORT"));
        assert!(matches(&["MY_*".into()], DOTENV_PATTERNS, "MY_THING"));
        assert!(matches(&[], CONFIG_PATTERNS, "client_secret"));
        assert!(!matches(&[], CONFIG_PATTERNS, "max_tokens"));
        assert_eq!(mask(b"sk-test-1234567890abcd11"), "sk-t…");
        assert_eq!(mask(b"short"), "…");
    }
}
