//! `sigil migrate`: moves plaintext credentials (dotenv files, `~/.netrc`,
//! `~/.git-credentials`, gh's `hosts.yml`, JSON/TOML configs) into the store, rewrites the
//! sources, and undoes it byte for byte.
//!
//! Zero loss is the bar, so an apply is journaled: under `<home>/migrations/<id>/` the journal
//! and every original source (encrypted to the identity, like any secret) are written before
//! anything else changes, and `<home>/migrations/.pending` names the migration while it runs.
//! Whatever interrupts it (an error, a full disk, a kill), the sources are restored from those
//! copies — at once for an error, or by the next sigil that opens the store for a kill.

use crate::address::{Address, FieldAddress};
use crate::error::{Error, Result};
use crate::fsutil;
use crate::git_credential::{account_for_username, service_for_host};
use crate::secret::Secret;
use crate::{PutOptions, Sigil};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Where migrations live under the sigil home.
pub const DIR: &str = "migrations";
/// The marker of a migration that has not finished; its content is the migration's id.
pub const PENDING: &str = ".pending";

/// Names of dotenv variables taken by default (case-insensitive globs).
pub const DOTENV_PATTERNS: &[&str] = &[
    "*_KEY",
    "*_TOKEN",
    "*_SECRET",
    "*_PASSWORD",
    "*_PASS",
    "*_PASSWD",
    "*_PWD",
    "*_CREDENTIALS",
    "*_AUTH",
    "TOKEN",
    "SECRET",
    "PASSWORD",
];

/// Keys of JSON/TOML configs taken by default (case-insensitive globs).
pub const CONFIG_PATTERNS: &[&str] = &[
    "*api_key",
    "*apikey",
    "*api-key",
    "*token",
    "*secret",
    "*password",
    "*passwd",
    "*private_key",
    "*access_key",
];

/// Names that match a pattern but are not secrets.
const NOT_SECRET: &[&str] = &["*_PUBLIC_KEY", "*_PUBLISHABLE_KEY", "*public_key"];

/// Suffixes that become the field of a dotenv variable's address, longest first.
const SUFFIXES: &[&str] = &[
    "_CLIENT_SECRET",
    "_ACCESS_TOKEN",
    "_PRIVATE_KEY",
    "_ACCESS_KEY",
    "_SECRET_KEY",
    "_AUTH_TOKEN",
    "_API_TOKEN",
    "_API_KEY",
    "_CREDENTIALS",
    "_PASSWORD",
    "_PASSWD",
    "_SECRET",
    "_TOKEN",
    "_PASS",
    "_AUTH",
    "_KEY",
    "_PWD",
];

pub use crate::store::OnConflict;

/// How a migration derives names and treats conflicts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Take every dotenv value, not only credential-looking names.
    pub all: bool,
    /// Prepended to derived services (`<prefix>-<service>`).
    pub prefix: Option<String>,
    /// One service for every entry of dotenv/JSON/TOML sources.
    pub service: Option<String>,
    /// The account instead of the source's directory name.
    pub account: Option<String>,
    /// Replaces the default name/key patterns.
    pub key_patterns: Vec<String>,
    /// The conflict policy.
    pub on_conflict: OnConflict,
    /// Read malformed JSON and TOML (comments, trailing commas) string by string instead of
    /// refusing them: what `--scan` does, which only reports.
    pub(crate) lenient: bool,
}

/// The format of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `NAME=value` lines.
    Dotenv,
    /// `~/.netrc`.
    Netrc,
    /// `~/.git-credentials`.
    GitCredentials,
    /// gh's `hosts.yml`.
    GhHosts,
    /// A JSON config.
    Json,
    /// A TOML config.
    Toml,
}

impl Format {
    /// Guesses the format from the file name.
    pub fn of(path: &Path) -> Format {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        let parent = path
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match name.as_str() {
            ".netrc" | "_netrc" => Format::Netrc,
            ".git-credentials" => Format::GitCredentials,
            "credentials" if parent == "git" => Format::GitCredentials,
            "hosts.yml" | "hosts.yaml" => Format::GhHosts,
            n if n.ends_with(".json") => Format::Json,
            n if n.ends_with(".toml") => Format::Toml,
            _ => Format::Dotenv,
        }
    }

    /// What happens to a source of this format.
    pub fn effect(self) -> &'static str {
        match self {
            Format::Dotenv => "values become auth:// references",
            Format::Netrc | Format::GitCredentials => {
                "entries removed; git asks git-credential-sigil"
            }
            Format::GhHosts => "oauth_token lines removed",
            Format::Json | Format::Toml => "values become auth:// references",
        }
    }
}

/// What happens to one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Stored at a free address.
    Store,
    /// The address already holds exactly this value: only the source changes.
    Same,
    /// Replaces a different stored value.
    Overwrite,
    /// Left in the source (conflict, `--on-conflict skip`).
    Skip,
    /// The address holds a different value (`--on-conflict fail`).
    Conflict,
}

/// One credential found in a source.
#[derive(Debug)]
pub struct Item {
    /// 1-based line.
    pub line: usize,
    /// The variable, key or host it was found under.
    pub name: String,
    /// Where it goes.
    pub address: FieldAddress,
    /// The value (never printed).
    pub value: Secret,
    /// What happens to it.
    pub action: Action,
    /// Byte range in the source to replace (by a reference) or remove.
    span: (usize, usize),
    /// Whether `span` is removed (true) or replaced by a reference.
    remove: bool,
    /// The quote to write a reference with.
    quote: Option<char>,
    /// For a credential git stored: the origin it stays bound to.
    bound: Option<crate::registry::Binding>,
}

/// The line and name of a credential-looking dotenv variable built by `${…}` expansion.
pub type Expanded = (usize, String);

/// One source file of a plan.
#[derive(Debug)]
pub struct SourcePlan {
    /// Its absolute path.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// Its bytes now.
    pub original: Vec<u8>,
    /// What was found.
    pub items: Vec<Item>,
    /// Line and name of the credential-looking dotenv variables left as they are because
    /// they are built by `${…}` expansion.
    pub expanded: Vec<Expanded>,
}

impl SourcePlan {
    /// The content after the migration: every taken item replaced or removed.
    pub fn rewritten(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.original.len());
        let mut at = 0;
        let mut items: Vec<&Item> = self.items.iter().filter(|i| i.taken()).collect();
        items.sort_by_key(|i| i.span.0);
        for i in items {
            out.extend_from_slice(&self.original[at..i.span.0]);
            if !i.remove {
                let r = i.address.to_reference();
                match i.quote {
                    Some(q) => out.extend_from_slice(format!("{q}{r}{q}").as_bytes()),
                    None => out.extend_from_slice(r.as_bytes()),
                }
            }
            at = i.span.1;
        }
        out.extend_from_slice(&self.original[at..]);
        out
    }
}

impl Item {
    /// Whether the migration moves it (so the source changes there).
    pub fn taken(&self) -> bool {
        matches!(
            self.action,
            Action::Store | Action::Same | Action::Overwrite
        )
    }
}

/// A whole migration, before it runs.
#[derive(Debug)]
pub struct Plan {
    /// The sources, in the order given.
    pub sources: Vec<SourcePlan>,
}

impl Plan {
    /// Every item.
    pub fn items(&self) -> impl Iterator<Item = (&SourcePlan, &Item)> {
        self.sources
            .iter()
            .flat_map(|s| s.items.iter().map(move |i| (s, i)))
    }

    /// Items in conflict under `--on-conflict fail`.
    pub fn conflicts(&self) -> Vec<(&SourcePlan, &Item)> {
        self.items()
            .filter(|(_, i)| i.action == Action::Conflict)
            .collect()
    }
}

/// Masks a value for display: its first 4 characters (`sk-t…`, enough to tell a token's
/// kind), or `…` alone when it is shorter than 16, for which 4 would be too much of it.
pub fn mask(value: &[u8]) -> String {
    let s = String::from_utf8_lossy(value);
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 16 {
        return "…".into();
    }
    let head: String = chars[..4].iter().collect();
    format!("{head}…")
}

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

fn matches(patterns: &[String], defaults: &[&str], name: &str) -> bool {
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
fn service_of(text: &str) -> String {
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
fn account_of(text: &str) -> String {
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
fn field_of(text: &str) -> String {
    let s: String = text
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(32)
        .collect();
    if s.is_empty() {
        crate::address::DEFAULT_FIELD.into()
    } else {
        s
    }
}

fn with_prefix(opts: &Options, service: String) -> String {
    match &opts.prefix {
        Some(p) => format!("{}-{service}", service_of(p)),
        None => service,
    }
}

/// The address of a dotenv variable: `<prefix>/<dir>/<suffix>`, e.g. `OPENAI_API_KEY` in
/// `app/.env` → `openai/app/api_key`; `--service S` → `S/<dir>/<name>`.
pub fn dotenv_address(opts: &Options, dir: &str, name: &str) -> Result<FieldAddress> {
    let account = opts.account.clone().unwrap_or_else(|| account_of(dir));
    let upper = name.to_ascii_uppercase();
    let (service, field) = match &opts.service {
        Some(s) => (s.clone(), field_of(name)),
        None => match SUFFIXES
            .iter()
            .find(|s| upper.ends_with(*s) && upper.len() > s.len())
        {
            Some(suf) => (
                with_prefix(opts, service_of(&upper[..upper.len() - suf.len()])),
                field_of(&suf[1..]),
            ),
            None => (
                with_prefix(opts, service_of(name)),
                crate::address::DEFAULT_FIELD.into(),
            ),
        },
    };
    Ok(Address::new(&service, &account, Some(&field))?
        .to_field_address()
        .expect("a field was given"))
}

fn lines_of(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

fn line_at(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset)
}

fn dir_name(path: &Path) -> String {
    path.parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "default".into())
}

/// Whether a value is already a reference (left alone): exactly what
/// [`crate::reference::is_reference`] says, for every format, for `migrate`, `--scan`,
/// `sigil status` and `sigil check` alike.
fn is_reference(v: &str) -> bool {
    crate::reference::is_reference(v)
}

fn item(
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
    }
}

/// The credentials of a dotenv file, each at the span the parser read its value from, so
/// that the rewrite replaces exactly that (and [`verify_dotenv_rewrite`] checks it). Also
/// the credential-named variables left as they are because they are built by `${…}`
/// expansion.
fn parse_dotenv(path: &Path, text: &str, opts: &Options) -> Result<(Vec<Item>, Vec<Expanded>)> {
    let origin = path.display().to_string();
    let entries = crate::dotenv::parse(text, &origin)?;
    let dir = dir_name(path);
    let mut out = Vec::new();
    let mut expanded = Vec::new();
    for e in entries {
        if e.value.is_empty() || is_reference(&e.value) {
            continue;
        }
        if !opts.all && !matches(&opts.key_patterns, DOTENV_PATTERNS, &e.name) {
            continue;
        }
        // What `${…}` gives is known only when the program runs, and the variables it names
        // may be references by then: storing today's expansion would freeze it, storing the
        // text would store no secret. Such a value stays as it is.
        if e.expands() {
            expanded.push((e.line, e.name));
            continue;
        }
        let address = dotenv_address(opts, &dir, &e.name)?;
        out.push(item(
            e.line,
            &e.name,
            address,
            &e.value,
            (e.span.start, e.span.end),
            false,
            e.quote,
        ));
    }
    Ok((out, expanded))
}

/// Checks, before a dotenv source is replaced, that its rewrite reads back as intended:
/// the same assignments on the same lines, each taken value now its reference and every
/// other value as it was. The rewrite is built from the parser's spans, so this never
/// fails; it is the guard that a future change to either cannot slip past.
pub(crate) fn verify_dotenv_rewrite(s: &SourcePlan) -> Result<()> {
    let origin = s.path.display().to_string();
    let failed = |line: usize| {
        Error::other(
            format!("'{origin}' line {line}: the rewritten file would not read back as intended"),
            Some("nothing was changed; please report this".into()),
        )
    };
    let before_text = String::from_utf8_lossy(&s.original);
    let before = crate::dotenv::parse(&before_text, &origin)?;
    let new = s.rewritten();
    let after = std::str::from_utf8(&new)
        .ok()
        .and_then(|t| crate::dotenv::parse(t, &origin).ok())
        .ok_or_else(|| failed(1))?;
    let taken: std::collections::HashMap<usize, String> = s
        .items
        .iter()
        .filter(|i| i.taken())
        .map(|i| (i.span.0, i.address.to_reference()))
        .collect();
    if before.len() != after.len() {
        return Err(failed(1));
    }
    // A multi-line value replaced by its one-line reference moves the lines after it up.
    let mut moved_up = 0;
    for (b, a) in before.iter().zip(&after) {
        let value_ok = match taken.get(&b.span.start) {
            Some(r) => a.value == *r && !a.expands(),
            None => a.value == b.value && a.pieces == b.pieces,
        };
        let same = a.name == b.name && a.export == b.export && a.line + moved_up == b.line;
        if !same || !value_ok {
            return Err(failed(b.line));
        }
        if taken.contains_key(&b.span.start) {
            moved_up += crate::dotenv::line_ends(&before_text[b.span.clone()]);
        }
    }
    Ok(())
}

/// A token of a netrc file with its byte range.
fn netrc_tokens(text: &str) -> Vec<(usize, usize, String)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if b[i] == b'"' {
            let mut s = String::new();
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                }
                s.push(b[i] as char);
                i += 1;
            }
            i = (i + 1).min(b.len());
            out.push((start, i, s));
        } else {
            while i < b.len() && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            out.push((start, i, text[start..i].to_owned()));
        }
    }
    out
}

fn parse_netrc(text: &str) -> Result<Vec<Item>> {
    let tokens = netrc_tokens(text);
    let starts = lines_of(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].2 != "machine" {
            if tokens[i].2 == "macdef" {
                // A macro runs to the next blank line and may contain anything: stop here
                // rather than misread it.
                break;
            }
            i += 1;
            continue;
        }
        let start = tokens[i].0;
        let host = tokens.get(i + 1).map(|t| t.2.clone()).unwrap_or_default();
        let (mut login, mut password, mut line) = (None, None, 0);
        let mut j = i + 2;
        while j < tokens.len() && !matches!(tokens[j].2.as_str(), "machine" | "default" | "macdef")
        {
            match (tokens[j].2.as_str(), tokens.get(j + 1)) {
                ("login", Some(t)) => login = Some(t.2.clone()),
                ("password", Some(t)) => {
                    password = Some(t.2.clone());
                    line = line_at(&starts, t.0);
                }
                _ => {}
            }
            j += 2;
        }
        j = j.min(tokens.len());
        let end = tokens.get(j).map_or(text.len(), |t| t.0);
        i = j;
        let (Some(login), Some(password)) = (login, password) else {
            continue;
        };
        if is_reference(&password) {
            continue;
        }
        // curl sends a `machine` entry to that host over any protocol; sigil keeps it for
        // git over https only (plain http needs a mapping the user makes on purpose).
        let Some((account, bound)) =
            crate::git_credential::import_target("https", &host, None, &login)
        else {
            continue;
        };
        let address = account.with_field(crate::address::DEFAULT_FIELD)?;
        let mut found = item(line, &host, address, &password, (start, end), true, None);
        found.bound = bound;
        out.push(found);
    }
    Ok(out)
}

/// `%XX` decoded, byte by byte: the two bytes after a `%` may be part of a multi-byte
/// character (slicing the text there would panic), and only hex digits make an escape
/// (`u8::from_str_radix` would also take `%+5`).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let digit = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (digit(b[i + 1]), digit(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_git_credentials(text: &str) -> Result<Vec<Item>> {
    let starts = lines_of(text);
    let mut out = Vec::new();
    for (n, &ls) in starts.iter().enumerate() {
        let le = starts.get(n + 1).copied().unwrap_or(text.len());
        let line = text[ls..le].trim_end_matches(['\n', '\r']);
        let Some((_, rest)) = line.split_once("://") else {
            continue;
        };
        let protocol = &line[..line.len() - rest.len() - 3];
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let Some((userinfo, host)) = authority.rsplit_once('@') else {
            continue;
        };
        let Some((user, pass)) = userinfo.split_once(':') else {
            continue;
        };
        let (user, pass) = (percent_decode(user), percent_decode(pass));
        if is_reference(&pass) {
            continue;
        }
        let path = percent_decode(path);
        let path = path.trim_matches('/');
        let Some((account, bound)) = crate::git_credential::import_target(
            protocol,
            &percent_decode(host),
            (!path.is_empty()).then_some(path),
            &user,
        ) else {
            continue;
        };
        let address = account.with_field(crate::address::DEFAULT_FIELD)?;
        let mut found = item(n + 1, host, address, &pass, (ls, le), true, None);
        found.bound = bound;
        out.push(found);
    }
    Ok(out)
}

fn unquote_yaml(v: &str) -> String {
    let v = v.trim();
    if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        return v[1..v.len() - 1].to_owned();
    }
    v.to_owned()
}

/// gh's `hosts.yml`: the small subset gh writes (hosts at column 0, `user:`, `oauth_token:`
/// and a `users:` map), parsed by lines so the rest of the file stays as it was.
fn parse_gh_hosts(text: &str) -> Result<Vec<Item>> {
    let starts = lines_of(text);
    let line = |n: usize| {
        let le = starts.get(n + 1).copied().unwrap_or(text.len());
        (starts[n], le, &text[starts[n]..le])
    };
    // First pass: each host's `user:`, which gh may write after the token.
    let mut users = std::collections::HashMap::new();
    let mut host = String::new();
    for n in 0..starts.len() {
        let (_, _, l) = line(n);
        let t = l.trim_end();
        if !t.starts_with([' ', '\t']) && t.ends_with(':') && !t.starts_with('#') {
            host = unquote_yaml(&t[..t.len() - 1]);
        } else if let Some(u) = t.trim_start().strip_prefix("user:") {
            users.insert(host.clone(), unquote_yaml(u));
        }
    }
    let mut out = Vec::new();
    let (mut host, mut under_users, mut user_key) = (String::new(), None::<usize>, None);
    for n in 0..starts.len() {
        let (ls, le, l) = line(n);
        let t = l.trim_end();
        let indent = t.len() - t.trim_start().len();
        let body = t.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if indent == 0 {
            host = unquote_yaml(body.trim_end_matches(':'));
            under_users = None;
            user_key = None;
            continue;
        }
        if body == "users:" {
            under_users = Some(indent);
            continue;
        }
        match under_users {
            Some(ui) if indent <= ui => under_users = None,
            Some(_) if body.ends_with(':') => {
                user_key = Some(unquote_yaml(&body[..body.len() - 1]));
                continue;
            }
            _ => {}
        }
        let Some(v) = body.strip_prefix("oauth_token:") else {
            continue;
        };
        let token = unquote_yaml(v);
        if token.is_empty() || is_reference(&token) {
            continue;
        }
        let user = match (&under_users, &user_key) {
            (Some(_), Some(u)) => u.clone(),
            _ => users
                .get(&host)
                .cloned()
                .unwrap_or_else(|| "default".into()),
        };
        let (Some(service), Some(account)) = (service_for_host(&host), account_for_username(&user))
        else {
            continue;
        };
        let address = Address::new(&service, &account, Some(crate::address::OAUTH_FIELD))?
            .to_field_address()
            .expect("a field was given");
        out.push(item(n + 1, &host, address, &token, (ls, le), true, None));
    }
    Ok(out)
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

fn config_item(
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

/// A serde_json error as the kind of problem alone: its position is reported beside it, and
/// its text may quote the input (a secret).
fn json_kind(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let msg = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(m, _)| m);
    crate::error::kind_of(msg)
}

/// Ends of a JSON string token starting at `i` (a `"`).
fn json_string_end(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() && b[i] != b'"' {
        if b[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    (i + 1).min(b.len())
}

fn parse_json(path: &Path, text: &str, opts: &Options) -> Result<Vec<Item>> {
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        if opts.lenient {
            return json_strings(path, text, opts);
        }
        return Err(crate::error::MalformedFile {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            message: json_kind(&e),
        }
        .into());
    }
    json_strings(path, text, opts)
}

/// Every `"key": "value"` pair whose key looks like a credential, found by scanning the text
/// for string tokens: the same for valid JSON and for JSON with comments or trailing commas
/// (which `--scan` reads this way rather than skipping).
fn json_strings(path: &Path, text: &str, opts: &Options) -> Result<Vec<Item>> {
    let starts = lines_of(text);
    let b = text.as_bytes();
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::new();
    let mut i = 0;
    let skip_ws = |mut j: usize| {
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        j
    };
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let kend = json_string_end(b, i);
        let key: String = serde_json::from_str(&text[i..kend]).unwrap_or_default();
        let c = skip_ws(kend);
        if c < b.len() && b[c] == b':' {
            let v = skip_ws(c + 1);
            if v < b.len() && b[v] == b'"' {
                let vend = json_string_end(b, v);
                let value: String = serde_json::from_str(&text[v..vend]).unwrap_or_default();
                if !value.is_empty()
                    && !is_reference(&value)
                    && matches(&opts.key_patterns, CONFIG_PATTERNS, &key)
                {
                    let address = config_item(opts, path, &mut seen, &key)?;
                    out.push(item(
                        line_at(&starts, v),
                        &key,
                        address,
                        &value,
                        (v, vend),
                        false,
                        Some('"'),
                    ));
                }
                i = vend;
                continue;
            }
        }
        i = kend;
    }
    Ok(out)
}

/// TOML: single-line `key = "value"` / `key = 'value'` assignments are taken; the document
/// is parsed first so that a malformed file is refused, not half-understood.
fn parse_toml(path: &Path, text: &str, opts: &Options) -> Result<Vec<Item>> {
    if let Err(e) = crate::error::parse_toml::<toml::Table>(path, text)
        && !opts.lenient
    {
        return Err(e.into());
    }
    let starts = lines_of(text);
    let mut seen = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (n, &ls) in starts.iter().enumerate() {
        let le = starts.get(n + 1).copied().unwrap_or(text.len());
        let line = &text[ls..le];
        let Some((k, rest)) = line.split_once('=') else {
            continue;
        };
        let key = k.trim().trim_matches(['"', '\'']);
        if key.is_empty() || k.trim_start().starts_with('#') || k.trim_start().starts_with('[') {
            continue;
        }
        let lead = rest.len() - rest.trim_start().len();
        let vs = ls + k.len() + 1 + lead;
        let q = text.as_bytes().get(vs).copied();
        if !matches!(q, Some(b'"') | Some(b'\'')) {
            continue;
        }
        let q = q.expect("checked") as char;
        if text[vs..].starts_with(&format!("{q}{q}{q}")) {
            continue;
        }
        let b = text.as_bytes();
        let mut e = vs + 1;
        while e < le && b[e] != q as u8 {
            if q == '"' && b[e] == b'\\' {
                e += 1;
            }
            e += 1;
        }
        let vend = (e + 1).min(le);
        let Ok(t) = toml::from_str::<toml::Table>(&format!("v = {}", &text[vs..vend])) else {
            continue;
        };
        let Some(value) = t.get("v").and_then(|v| v.as_str()).map(str::to_owned) else {
            continue;
        };
        if value.is_empty()
            || is_reference(&value)
            || !matches(&opts.key_patterns, CONFIG_PATTERNS, key)
        {
            continue;
        }
        let address = config_item(opts, path, &mut seen, key)?;
        out.push(item(
            n + 1,
            key,
            address,
            &value,
            (vs, vend),
            false,
            Some('"'),
        ));
    }
    Ok(out)
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
    })
}

/// Reads and parses one source (no store access).
pub fn read_source(path: &Path, opts: &Options) -> Result<SourcePlan> {
    let path = std::path::absolute(path)
        .map_err(|e| Error::io(format!("cannot resolve '{}'", path.display()), e))?;
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
    let format = Format::of(&path);
    let (items, expanded) = parse_source(&path, format, text, opts)?;
    Ok(SourcePlan {
        path,
        format,
        original,
        items,
        expanded,
    })
}

/// Reads the sources and decides, against the store, what happens to each entry. Writes
/// nothing.
pub fn plan(sigil: &Sigil, paths: &[PathBuf], opts: &Options) -> Result<Plan> {
    let mut sources: Vec<SourcePlan> = Vec::new();
    for p in paths {
        let s = read_source(p, opts)?;
        if sources.iter().any(|o| o.path == s.path) {
            continue;
        }
        sources.push(s);
    }
    // Two entries for one address would make one of them silently lost.
    let mut seen: std::collections::HashMap<String, (&Path, usize, Vec<u8>)> =
        std::collections::HashMap::new();
    for s in &sources {
        for i in &s.items {
            let key = i.address.to_string();
            if let Some((p, l, v)) = seen.get(&key)
                && v.as_slice() != i.value.expose()
            {
                return Err(Error::UsageHelp {
                    message: format!(
                        "'{}:{}' and '{}:{}' both map to '{key}' with different values",
                        p.display(),
                        l,
                        s.path.display(),
                        i.line
                    ),
                    help: "migrate them separately with --service, --prefix or --account".into(),
                });
            }
            seen.insert(key, (&s.path, i.line, i.value.expose().to_vec()));
        }
    }
    // Ask the stores only about addresses that may exist: a stat in the file store, the
    // record for the others (a failed `get` would list suggestions, costly 10,000 times).
    use crate::store::Store;
    let reg = crate::registry::Registry::load(sigil.paths())?;
    let forced = sigil.choice().kind != crate::BackendKind::Auto;
    for s in &mut sources {
        for i in &mut s.items {
            let recorded = reg
                .accounts
                .get(&i.address.account_key())
                .is_some_and(|m| m.fields.contains(i.address.field()));
            let maybe = forced
                || recorded
                || sigil.file_store().contains(&i.address)?
                || std::env::var_os(crate::store::var_name(&i.address)).is_some();
            if !maybe {
                i.action = Action::Store;
                continue;
            }
            let existing = match sigil.peek(&i.address) {
                Ok(v) => Some(v),
                Err(e) if e.class() == crate::ExitClass::NotFound => None,
                Err(e) => return Err(e),
            };
            i.action = match existing {
                None => Action::Store,
                Some(v) if v.expose() == i.value.expose() => Action::Same,
                Some(_) => match opts.on_conflict {
                    OnConflict::Fail => Action::Conflict,
                    OnConflict::Skip => Action::Skip,
                    OnConflict::Overwrite => Action::Overwrite,
                },
            };
        }
    }
    Ok(Plan { sources })
}

/// The state of a migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Running, or interrupted (then `.pending` names it).
    Applying,
    /// Finished.
    Done,
    /// Undone by `--rollback`.
    RolledBack,
    /// Failed and undone by itself.
    Failed,
}

/// A source as the journal keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Its absolute path.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// SHA-256 of the original bytes.
    pub sha256: String,
    /// SHA-256 of what the migration wrote.
    pub new_sha256: String,
    /// Permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// The encrypted original, inside the migration's directory.
    pub original: String,
    /// How many entries were moved.
    pub entries: usize,
}

/// A credential as the journal keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecretRecord {
    /// `service/account/field`.
    pub address: String,
    /// The encrypted value it replaced (`--on-conflict overwrite`), to restore on rollback.
    pub previous: Option<String>,
}

/// `<home>/migrations/<id>/journal.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    /// The id (also the directory name).
    pub id: String,
    /// When it started (RFC 3339).
    pub created: String,
    /// Where it is.
    pub state: State,
    /// The sources it rewrote.
    pub sources: Vec<SourceRecord>,
    /// The credentials it created or replaced.
    pub secrets: Vec<SecretRecord>,
    /// A move between backends: `[from, to]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backends: Option<[String; 2]>,
    /// The credentials moved between backends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved: Vec<String>,
    /// The encrypted file of the values stored, so that a rollback can tell a credential
    /// changed since (rotated) from the one it stored, and keep it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<String>,
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn root(sigil: &Sigil) -> PathBuf {
    sigil.paths().home().join(DIR)
}

fn journal_path(sigil: &Sigil, id: &str) -> PathBuf {
    root(sigil).join(id).join("journal.json")
}

fn save_journal(sigil: &Sigil, j: &Journal) -> Result<()> {
    let text = serde_json::to_vec_pretty(j).expect("a journal serializes");
    fsutil::write_atomic(&journal_path(sigil, &j.id), |f| f.write_all(&text))
}

/// Reads a migration's journal.
pub fn load_journal(sigil: &Sigil, id: &str) -> Result<Journal> {
    let p = journal_path(sigil, id);
    let bytes =
        crate::fsutil::read_capped(&p, crate::fsutil::Input::Metadata).map_err(|e| {
            match e.kind() {
                std::io::ErrorKind::NotFound => Error::NotFound {
                    message: format!("migration '{id}' not found"),
                    help: Some("`sigil migrate --list` shows the migrations".into()),
                },
                _ => Error::io(format!("cannot read '{}'", p.display()), e),
            }
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::other(
            format!(
                "'{}' is damaged at line {}, column {}: {}",
                p.display(),
                e.line(),
                e.column(),
                json_kind(&e)
            ),
            None,
        )
    })
}

/// Every migration, oldest first.
pub fn list(sigil: &Sigil) -> Result<Vec<Journal>> {
    let mut out = Vec::new();
    let Ok(rd) = fs::read_dir(root(sigil)) else {
        return Ok(out);
    };
    let mut ids: Vec<String> = rd
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    ids.sort();
    for id in ids {
        if let Ok(j) = load_journal(sigil, &id) {
            out.push(j);
        }
    }
    Ok(out)
}

/// A migration's kept file (an original, an overwritten value), encrypted to the identity.
fn encrypt_to(sigil: &Sigil, path: &Path, bytes: &[u8]) -> Result<()> {
    crate::crypto::write_file(path, &sigil.file_store().identity()?.recipients(), bytes)
}

fn decrypt(sigil: &Sigil, path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    crate::crypto::read_file(path, sigil.file_store().identity()?.as_age())
}

/// Replaces `path` atomically by `bytes`, with the given mode and (where permitted) owner.
fn replace_file(path: &Path, bytes: &[u8], mode: u32, uid: u32, gid: u32) -> Result<()> {
    let dir = path.parent().expect("a file path has a parent");
    let ctx = |e: std::io::Error| Error::io(format!("cannot write '{}'", path.display()), e);
    let mut tmp = tempfile::Builder::new()
        .prefix(".sigil-migrate-")
        .tempfile_in(dir)
        .map_err(ctx)?;
    tmp.as_file_mut().write_all(bytes).map_err(ctx)?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode & 0o7777))
        .map_err(ctx)?;
    // Only root may give a file away; for anyone else the owner is already right.
    let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(uid), Some(gid));
    tmp.as_file().sync_all().map_err(ctx)?;
    tmp.persist(path).map_err(|e| ctx(e.error))?;
    fsutil::sync_dir(dir).map_err(ctx)
}

/// Test hooks, compiled into debug (test) builds only: stop at a named step of an apply (to be
/// killed there) or fail at it. Release binaries never read these variables.
/// A named step of a migration, where the tests kill it or make it fail
/// ([`fsutil::point`]).
fn pause(step: &str) -> Result<()> {
    fsutil::point(step).map_err(|e| Error::other(e.to_string(), None))
}

fn new_id(sigil: &Sigil) -> String {
    let now = time::OffsetDateTime::now_utc();
    let base = format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let mut id = base.clone();
    let mut n = 1;
    while root(sigil).join(&id).exists() {
        n += 1;
        id = format!("{base}-{n}");
    }
    id
}

/// The migrations lock: one apply, rollback or heal at a time. Separate from the store lock,
/// which `put` and `delete` take themselves.
fn lock(sigil: &Sigil) -> Result<fsutil::Lock> {
    fsutil::Lock::acquire(&root(sigil).join(".lock"))
}

/// What an apply did.
#[derive(Debug)]
pub struct Applied {
    /// Its id.
    pub id: String,
    /// Credentials stored.
    pub stored: usize,
    /// Sources rewritten.
    pub sources: usize,
}

/// Runs a plan: journal and encrypted originals first, then the secrets (each read back),
/// then the sources. Any error undoes everything before it returns.
pub fn apply(sigil: &Sigil, plan: &Plan) -> Result<Applied> {
    apply_with(sigil, plan, &mut |_| {})
}

/// [`apply`], calling `progress` with the number of credentials stored and verified so far.
pub fn apply_with(sigil: &Sigil, plan: &Plan, progress: &mut dyn FnMut(usize)) -> Result<Applied> {
    if let Some((s, i)) = plan.conflicts().first() {
        return Err(conflict_error(plan.conflicts().len(), s, i));
    }
    // Fail early and write nothing when the originals could not be encrypted.
    sigil.file_store().identity()?;
    crate::audit::ready(sigil)?;
    let _lock = lock(sigil)?;
    let id = new_id(sigil);
    let dir = root(sigil).join(&id);
    fsutil::create_private_dir(&dir)?;
    let mut journal = Journal {
        id: id.clone(),
        created: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        state: State::Applying,
        sources: vec![],
        secrets: vec![],
        backends: None,
        moved: vec![],
        values: None,
    };
    let pending = root(sigil).join(PENDING);
    fsutil::write_atomic(&pending, |f| f.write_all(id.as_bytes()))?;
    let result = apply_steps(sigil, plan, &dir, &mut journal, progress);
    match result {
        Ok(applied) => {
            journal.state = State::Done;
            save_journal(sigil, &journal)?;
            remove_pending(sigil);
            Ok(applied)
        }
        Err(e) => {
            if let Err(undo) = undo(sigil, &mut journal, State::Failed) {
                return Err(Error::other(
                    format!("{e}; and undoing it failed: {undo}"),
                    Some(format!(
                        "the originals are kept in '{}'; the next sigil command retries",
                        dir.display()
                    )),
                ));
            }
            remove_pending(sigil);
            Err(e)
        }
    }
}

fn remove_pending(sigil: &Sigil) {
    let _ = fs::remove_file(root(sigil).join(PENDING));
    let _ = fsutil::sync_dir(&root(sigil));
}

fn conflict_error(n: usize, s: &SourcePlan, i: &Item) -> Error {
    Error::other(
        format!(
            "'{}' already holds a different value ('{}:{}'){}",
            i.address,
            s.path.display(),
            i.line,
            if n > 1 {
                format!(", and {} more conflicts", n - 1)
            } else {
                String::new()
            }
        ),
        Some(
            "nothing was changed; pass --on-conflict skip or --on-conflict overwrite, or choose \
             other names with --service/--prefix/--account"
                .into(),
        ),
    )
}

fn apply_steps(
    sigil: &Sigil,
    plan: &Plan,
    dir: &Path,
    journal: &mut Journal,
    progress: &mut dyn FnMut(usize),
) -> Result<Applied> {
    for (n, s) in plan.sources.iter().enumerate() {
        if !s.items.iter().any(Item::taken) {
            continue;
        }
        let meta = fs::metadata(&s.path)
            .map_err(|e| Error::io(format!("cannot read '{}'", s.path.display()), e))?;
        if s.format == Format::Dotenv {
            verify_dotenv_rewrite(s)?;
        }
        let original = format!("source-{n}.age");
        encrypt_to(sigil, &dir.join(&original), &s.original)?;
        journal.sources.push(SourceRecord {
            path: s.path.clone(),
            format: s.format,
            sha256: sha256(&s.original),
            new_sha256: sha256(&s.rewritten()),
            mode: meta.mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
            original,
            entries: s.items.iter().filter(|i| i.taken()).count(),
        });
    }
    let mut secrets = 0;
    // One credential found in two places (gh's hosts.yml repeats its token) is stored once.
    let mut once = std::collections::HashSet::new();
    for (_, i) in plan.items() {
        if !once.insert(i.address.to_string()) {
            continue;
        }
        match i.action {
            Action::Store => journal.secrets.push(SecretRecord {
                address: i.address.to_string(),
                previous: None,
            }),
            Action::Overwrite => {
                let old = sigil.peek(&i.address)?;
                let name = format!("previous-{secrets}.age");
                secrets += 1;
                encrypt_to(sigil, &dir.join(&name), old.expose())?;
                journal.secrets.push(SecretRecord {
                    address: i.address.to_string(),
                    previous: Some(name),
                });
            }
            _ => {}
        }
    }
    let values: std::collections::BTreeMap<String, String> = plan
        .items()
        .filter(|(_, i)| matches!(i.action, Action::Store | Action::Overwrite))
        .map(|(_, i)| {
            let v = String::from_utf8_lossy(i.value.expose()).into_owned();
            (i.address.to_string(), v)
        })
        .collect();
    let text = zeroize::Zeroizing::new(serde_json::to_vec(&values).expect("strings serialize"));
    encrypt_to(sigil, &dir.join("values.age"), &text)?;
    journal.values = Some("values.age".into());
    save_journal(sigil, journal)?;
    pause("journal")?;
    let mut stored = 0;
    let mut once = std::collections::HashSet::new();
    let todo: Vec<&Item> = plan
        .items()
        .map(|(_, i)| i)
        .filter(|i| {
            matches!(i.action, Action::Store | Action::Overwrite)
                && once.insert(i.address.to_string())
        })
        .collect();
    let batched = put_batch(sigil, &todo)?;
    // A batch is read back by a few threads too: every value decrypted and compared.
    let read_back: Vec<Option<Result<Secret>>> = if batched {
        let addrs: Vec<FieldAddress> = todo.iter().map(|i| i.address.clone()).collect();
        sigil
            .file_store()
            .get_many(&addrs)
            .into_iter()
            .map(Some)
            .collect()
    } else {
        todo.iter().map(|_| None).collect()
    };
    for (i, back) in todo.into_iter().zip(read_back) {
        if !batched {
            let opts = PutOptions {
                force: i.action == Action::Overwrite,
                bound: i.bound.clone(),
                ..PutOptions::default()
            };
            sigil.put(&i.address, &i.value, &opts)?;
        }
        let back = match back {
            Some(back) => back?,
            None => sigil.peek(&i.address)?,
        };
        if back.expose() != i.value.expose() {
            return Err(Error::other(
                format!("'{}' did not read back as it was written", i.address),
                Some("nothing was changed; check the backend with `sigil status`".into()),
            ));
        }
        stored += 1;
        progress(stored);
        if stored == 1 {
            pause("secret")?;
        }
    }
    pause("secrets")?;
    let mut rewritten = 0;
    for (s, rec) in plan
        .sources
        .iter()
        .filter(|s| s.items.iter().any(Item::taken))
        .zip(journal.sources.iter())
    {
        // A source edited since it was read would lose that edit: refuse.
        let now = fs::read(&s.path)
            .map_err(|e| Error::io(format!("cannot read '{}'", s.path.display()), e))?;
        if sha256(&now) != rec.sha256 {
            return Err(Error::other(
                format!("'{}' changed while it was being migrated", s.path.display()),
                Some("nothing was changed; run the migration again".into()),
            ));
        }
        replace_file(&s.path, &s.rewritten(), rec.mode, rec.uid, rec.gid)?;
        rewritten += 1;
        pause("source")?;
    }
    Ok(Applied {
        id: journal.id.clone(),
        stored,
        sources: rewritten,
    })
}

/// Stores many secrets at once when they all go to the file store: one lock, one
/// `accounts.toml` rewrite and one flush to disk instead of one of each per secret, which is
/// what keeps a 10,000-line `.env` within seconds. Returns false (having written nothing) when
/// some go elsewhere; the caller then stores them one by one.
fn put_batch(sigil: &Sigil, items: &[&Item]) -> Result<bool> {
    use crate::backend::BackendKind;
    use crate::registry::{AccountMeta, Kind, Registry};
    use crate::store::Store;
    if items.len() < 2 {
        return Ok(false);
    }
    let paths = sigil.paths();
    let _lock = fsutil::Lock::acquire(&paths.lock_file())?;
    let mut reg = Registry::load(paths)?;
    let kind_of = |i: &Item| {
        reg.accounts
            .get(&i.address.account_key())
            .and_then(|m| m.backend.parse::<BackendKind>().ok())
            .unwrap_or_else(|| sigil.write_backend())
    };
    if items.iter().any(|i| kind_of(i) != BackendKind::File)
        || !matches!(sigil.choice().kind, BackendKind::File | BackendKind::Auto)
    {
        return Ok(false);
    }
    let file = sigil.file_store();
    for i in items {
        if i.action == Action::Store && file.contains(&i.address)? {
            return Err(crate::store::StoreError::Exists {
                address: i.address.to_string(),
            }
            .into());
        }
    }
    // A few threads encrypt and write; one flush makes it all durable before the registry
    // names any of it.
    let batch: Vec<(FieldAddress, &Secret)> = items
        .iter()
        .map(|i| (i.address.clone(), &i.value))
        .collect();
    file.put_many(&batch)?;
    let now = time::OffsetDateTime::now_utc();
    for i in items {
        let kind = if i.address.field() == "password" {
            Kind::Password
        } else {
            Kind::ApiKey
        };
        let meta = reg
            .accounts
            .entry(i.address.account_key())
            .or_insert_with(|| AccountMeta::new(kind, BackendKind::File.as_str(), now));
        meta.fields.insert(i.address.field().to_owned());
        meta.updated = now;
        if i.bound.is_some() {
            meta.bound = i.bound.clone();
        }
    }
    reg.save(paths)?;
    Ok(true)
}

/// Removes many file-store secrets the migration created: one lock, one registry rewrite
/// and one flush. False when some are not in the file store (then one by one).
fn delete_batch(sigil: &Sigil, addrs: &[FieldAddress]) -> Result<bool> {
    use crate::backend::BackendKind;
    use crate::registry::Registry;
    if addrs.len() < 2 {
        return Ok(false);
    }
    let paths = sigil.paths();
    let _lock = fsutil::Lock::acquire(&paths.lock_file())?;
    let mut reg = Registry::load(paths)?;
    let in_file = |a: &FieldAddress| {
        reg.accounts
            .get(&a.account_key())
            .is_none_or(|m| m.backend == BackendKind::File.as_str())
    };
    if !addrs.iter().all(in_file) {
        return Ok(false);
    }
    for a in addrs {
        if let Some(m) = reg.accounts.get_mut(&a.account_key()) {
            m.fields.remove(a.field());
            if m.fields.is_empty() {
                reg.accounts.remove(&a.account_key());
            }
        }
    }
    sigil.file_store().delete_many(addrs)?;
    reg.save(paths)?;
    Ok(true)
}

/// Undoes a migration: sources back from their encrypted originals (checksum verified),
/// created credentials removed, replaced ones restored. A source that is neither the
/// original nor what was written is the user's edit, and is kept beside it.
fn undo(sigil: &Sigil, j: &mut Journal, to: State) -> Result<()> {
    undo_keeping(sigil, j, to, &std::collections::HashSet::new())
}

/// [`undo`], leaving the credentials in `keep` (changed since the migration) as they are.
fn undo_keeping(
    sigil: &Sigil,
    j: &mut Journal,
    to: State,
    keep: &std::collections::HashSet<String>,
) -> Result<()> {
    let dir = root(sigil).join(&j.id);
    for rec in &j.sources {
        let current = fs::read(&rec.path).ok();
        let current_sum = current.as_deref().map(sha256);
        if current_sum.as_deref() == Some(rec.sha256.as_str()) {
            continue;
        }
        let original = decrypt(sigil, &dir.join(&rec.original))?;
        if sha256(&original) != rec.sha256 {
            return Err(Error::other(
                format!(
                    "the saved copy of '{}' does not match its checksum",
                    rec.path.display()
                ),
                Some(format!(
                    "the copy is '{}'",
                    dir.join(&rec.original).display()
                )),
            ));
        }
        if let Some(cur) = &current
            && current_sum.as_deref() != Some(rec.new_sha256.as_str())
        {
            // Edited after the migration (rollback --force) or during it: keep that version.
            let beside = rec.path.with_file_name(format!(
                "{}.sigil-{}",
                rec.path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                j.id
            ));
            replace_file(&beside, cur, rec.mode, rec.uid, rec.gid)?;
        }
        replace_file(&rec.path, &original, rec.mode, rec.uid, rec.gid)?;
    }
    if let Some([from, to]) = &j.backends {
        unmove(sigil, from, to, &j.moved)?;
    }
    let created: Vec<FieldAddress> = j
        .secrets
        .iter()
        .filter(|r| r.previous.is_none() && !keep.contains(&r.address))
        .map(|r| r.address.parse())
        .collect::<Result<_, _>>()?;
    let batched = delete_batch(sigil, &created)?;
    for rec in &j.secrets {
        if keep.contains(&rec.address) {
            continue;
        }
        let addr: FieldAddress = rec.address.parse()?;
        match &rec.previous {
            None if batched => {}
            Some(name) => {
                let old = decrypt(sigil, &dir.join(name))?;
                let opts = PutOptions {
                    force: true,
                    ..PutOptions::default()
                };
                sigil.put(&addr, &Secret::new(old.to_vec()), &opts)?;
            }
            None => match sigil.delete(&addr.clone().into()) {
                Ok(_) => {}
                Err(e) if e.class() == crate::ExitClass::NotFound => {}
                Err(e) => return Err(e),
            },
        }
    }
    j.state = to;
    save_journal(sigil, j)
}

fn backend(name: &str) -> Result<crate::BackendKind> {
    let kind: crate::BackendKind = name
        .parse()
        .map_err(|_| Error::Usage(format!("'{name}' is not a backend (file or keyring)")))?;
    if !matches!(kind, crate::BackendKind::File | crate::BackendKind::Keyring) {
        return Err(Error::Usage(format!(
            "credentials move between the file and keyring backends, not '{name}'"
        )));
    }
    Ok(kind)
}

/// The credentials a move from one backend to another takes: every field of every account
/// `accounts.toml` records in `from`.
pub fn plan_move(sigil: &Sigil, from: &str, to: &str) -> Result<Vec<FieldAddress>> {
    let (f, t) = (backend(from)?, backend(to)?);
    if f == t {
        return Err(Error::Usage(format!(
            "--from-backend and --to are both '{from}'"
        )));
    }
    let reg = crate::registry::Registry::load(sigil.paths())?;
    let mut out = Vec::new();
    for (key, meta) in &reg.accounts {
        if meta.backend != f.as_str() {
            continue;
        }
        for field in &meta.fields {
            out.push(format!("{key}/{field}").parse()?);
        }
    }
    Ok(out)
}

/// Moves credentials between backends, journaled like a file migration: each is copied and
/// read back, then `accounts.toml` points at the new backend, then the old copies go. A
/// credential already in the target refuses the move (nothing is written).
pub fn move_backend(sigil: &Sigil, from: &str, to: &str) -> Result<Applied> {
    let addrs = plan_move(sigil, from, to)?;
    let (src, dst) = (
        sigil.store_of(backend(from)?)?,
        sigil.store_of(backend(to)?)?,
    );
    for a in &addrs {
        if dst.contains(a)? {
            return Err(Error::other(
                format!("'{a}' is already in the {to} backend"),
                Some(format!("nothing was changed; remove it from {to} first")),
            ));
        }
    }
    let _lock = lock(sigil)?;
    let id = new_id(sigil);
    fsutil::create_private_dir(&root(sigil).join(&id))?;
    let mut j = Journal {
        id: id.clone(),
        created: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        state: State::Applying,
        sources: vec![],
        secrets: vec![],
        backends: Some([from.to_owned(), to.to_owned()]),
        moved: addrs.iter().map(ToString::to_string).collect(),
        values: None,
    };
    fsutil::write_atomic(&root(sigil).join(PENDING), |f| f.write_all(id.as_bytes()))?;
    let run = || -> Result<()> {
        save_journal(sigil, &j)?;
        pause("journal")?;
        for a in &addrs {
            let v = src.get(a)?;
            dst.put(a, &v)?;
            if dst.get(a)?.expose() != v.expose() {
                return Err(Error::other(
                    format!("'{a}' did not read back from the {to} backend"),
                    None,
                ));
            }
        }
        pause("secrets")?;
        set_backend(sigil, &addrs, to)?;
        for a in &addrs {
            src.delete(a)?;
        }
        Ok(())
    };
    match run() {
        Ok(()) => {
            j.state = State::Done;
            save_journal(sigil, &j)?;
            remove_pending(sigil);
            Ok(Applied {
                id,
                stored: addrs.len(),
                sources: 0,
            })
        }
        Err(e) => {
            undo(sigil, &mut j, State::Failed)?;
            remove_pending(sigil);
            Err(e)
        }
    }
}

fn set_backend(sigil: &Sigil, addrs: &[FieldAddress], to: &str) -> Result<()> {
    let _lock = fsutil::Lock::acquire(&sigil.paths().lock_file())?;
    let mut reg = crate::registry::Registry::load(sigil.paths())?;
    for a in addrs {
        if let Some(m) = reg.accounts.get_mut(&a.account_key()) {
            m.backend = to.to_owned();
        }
    }
    reg.save(sigil.paths())
}

/// Moves credentials back to `from`: copies what `from` lacks, points `accounts.toml` back,
/// and removes the copies in `to`.
fn unmove(sigil: &Sigil, from: &str, to: &str, moved: &[String]) -> Result<()> {
    let (src, dst) = (
        sigil.store_of(backend(from)?)?,
        sigil.store_of(backend(to)?)?,
    );
    let addrs: Vec<FieldAddress> = moved.iter().map(|a| a.parse()).collect::<Result<_, _>>()?;
    for a in &addrs {
        if !src.contains(a)? {
            let v = dst.get(a)?;
            src.put(a, &v)?;
        }
    }
    set_backend(sigil, &addrs, from)?;
    for a in &addrs {
        dst.delete(a)?;
    }
    Ok(())
}

/// `sigil migrate --rollback`: undoes a finished migration (the latest by default). A source
/// changed since is refused unless `force`, and then kept beside as `<name>.sigil-<id>`.
pub fn rollback(sigil: &Sigil, id: Option<&str>, force: bool) -> Result<Journal> {
    crate::audit::ready(sigil)?;
    let _lock = lock(sigil)?;
    let mut j = match id {
        Some(id) => load_journal(sigil, id)?,
        None => list(sigil)?
            .into_iter()
            .rev()
            .find(|j| j.state == State::Done)
            .ok_or_else(|| Error::NotFound {
                message: "no migration to roll back".into(),
                help: Some("`sigil migrate --list` shows the migrations".into()),
            })?,
    };
    match j.state {
        State::Done => {}
        State::RolledBack | State::Failed => {
            return Err(Error::UsageHelp {
                message: format!("migration '{}' was already rolled back", j.id),
                help: "`sigil migrate --list` shows the migrations".into(),
            });
        }
        State::Applying => {
            return Err(Error::other(
                format!("migration '{}' is still running", j.id),
                None,
            ));
        }
    }
    if !force {
        for rec in &j.sources {
            let cur = fs::read(&rec.path).ok().map(|b| sha256(&b));
            if cur.as_deref() != Some(rec.new_sha256.as_str())
                && cur.as_deref() != Some(rec.sha256.as_str())
            {
                return Err(Error::other(
                    format!(
                        "'{}' changed since migration '{}'",
                        rec.path.display(),
                        j.id
                    ),
                    Some(
                        "nothing was changed; pass --force to restore it anyway (the current \
                         version is kept beside it)"
                            .into(),
                    ),
                ));
            }
        }
    }
    let changed = changed_since(sigil, &j)?;
    if let Some(a) = changed.iter().next()
        && !force
    {
        return Err(Error::other(
            format!("'{a}' changed since migration '{}'", j.id),
            Some(
                "nothing was changed; pass --force to roll back anyway (changed credentials are \
                 kept)"
                    .into(),
            ),
        ));
    }
    undo_keeping(sigil, &mut j, State::RolledBack, &changed)?;
    Ok(j)
}

/// The credentials a migration stored whose value is no longer the one it stored.
fn changed_since(sigil: &Sigil, j: &Journal) -> Result<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    let Some(name) = &j.values else {
        return Ok(out);
    };
    let text = decrypt(sigil, &root(sigil).join(&j.id).join(name))?;
    let values: std::collections::BTreeMap<String, String> = serde_json::from_slice(&text)
        .map_err(|e| {
            Error::other(
                format!(
                    "the values of migration '{}' are damaged: {}",
                    j.id,
                    json_kind(&e)
                ),
                None,
            )
        })?;
    for (addr, v) in values.iter() {
        let a: FieldAddress = addr.parse()?;
        match sigil.peek(&a) {
            Ok(now) if now.expose() != v.as_bytes() => {
                out.insert(addr.clone());
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Whether an interrupted migration waits to be undone: one `stat`, cheap enough for every
/// command that opens the store.
pub fn pending(home: &Path) -> bool {
    fs::symlink_metadata(home.join(DIR).join(PENDING)).is_ok()
}

/// Completes the rollback of an interrupted migration. Returns its id when it undid one;
/// `None` when there was none or one is running right now (its process holds the lock).
pub fn heal(sigil: &Sigil) -> Result<Option<String>> {
    // Through fsutil's lock, like every other lock file: it is created 0600 whatever the
    // umask (a plain open here created a missing one 0666 under `umask 000`).
    let Some(lock) = fsutil::Lock::try_acquire(&root(sigil).join(".lock"))? else {
        return Ok(None);
    };
    let Ok(id) = fs::read_to_string(root(sigil).join(PENDING)) else {
        return Ok(None);
    };
    let id = id.trim().to_owned();
    match load_journal(sigil, &id) {
        Ok(mut j) if j.state == State::Applying => undo(sigil, &mut j, State::Failed)?,
        Ok(_) => {}
        // Killed before the journal was written: nothing had changed yet.
        Err(e) if e.class() == crate::ExitClass::NotFound => {}
        Err(e) => return Err(e),
    }
    remove_pending(sigil);
    drop(lock);
    Ok(Some(id))
}

/// A plaintext credential found by [`scan`].
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// Variable, key or host.
    pub name: String,
    /// The value, masked (for people: never in the JSON, which is read by programs and
    /// ends up in logs).
    #[serde(skip)]
    pub masked: String,
    /// Where `sigil migrate` would put it.
    pub address: String,
}

/// The files sigil knows to hold credentials, under `home` (the user's HOME).
pub fn known_locations(home: &Path) -> Vec<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| home.join(".config"));
    vec![
        home.join(".netrc"),
        home.join(".git-credentials"),
        config.join("git/credentials"),
        config.join("gh/hosts.yml"),
    ]
}

fn looks_like_dotenv(name: &str) -> bool {
    name == ".env" || name.starts_with(".env.") || name.ends_with(".env")
}

/// Why [`read_source`] could not read a file, without the file's name (said beside it).
fn unread_reason(e: &Error) -> String {
    match e {
        Error::Io { source, .. } => source.kind().to_string(),
        Error::Usage(m) if m.contains("is not UTF-8") => "not UTF-8 text".into(),
        // A file over the size limit: the message after the file's name says which limit.
        Error::UsageHelp { message, .. } => message
            .split_once("': ")
            .map_or(message.as_str(), |(_, why)| why)
            .to_owned(),
        e => e.to_string(),
    }
}

/// A file [`scan`] could not read, or read only line by line, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unread {
    /// The file or directory.
    pub path: PathBuf,
    /// Why: the kind of problem, never the file's content.
    pub reason: String,
    /// Whether its credential-looking lines were still read (malformed JSON or TOML).
    pub read_by_line: bool,
}

/// What [`scan`] found, and what it could not read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scan {
    /// The plaintext credentials.
    pub found: Vec<Finding>,
    /// The files it skipped or read only line by line: a scan that is silent about them
    /// would say "nothing found" of a config it never understood.
    pub unread: Vec<Unread>,
}

/// Finds plaintext credentials in `paths` (files, or directories searched three levels deep
/// for dotenv files), reading only. A file that cannot be read is listed in
/// [`Scan::unread`] with the reason; malformed JSON and TOML are read string by string and
/// listed there too.
pub fn scan(paths: &[PathBuf], opts: &Options) -> Scan {
    let mut out = Scan::default();
    let unread = |out: &mut Scan, path: &Path, reason: String, read_by_line: bool| {
        out.unread.push(Unread {
            path: path.to_owned(),
            reason,
            read_by_line,
        });
    };
    let mut files = Vec::new();
    let mut stack: Vec<(PathBuf, usize)> = paths.iter().rev().map(|p| (p.clone(), 0)).collect();
    while let Some((p, depth)) = stack.pop() {
        let meta = match fs::metadata(&p) {
            Ok(m) => m,
            // The known locations are looked for whether or not they exist.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && depth == 0 => continue,
            Err(e) => {
                unread(&mut out, &p, e.kind().to_string(), false);
                continue;
            }
        };
        if meta.is_file() {
            files.push(p);
        } else if meta.is_dir() && depth < 3 {
            let rd = match fs::read_dir(&p) {
                Ok(rd) => rd,
                Err(e) => {
                    unread(&mut out, &p, e.kind().to_string(), false);
                    continue;
                }
            };
            let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
            entries.sort();
            for e in entries.into_iter().rev() {
                let name = e.file_name().map(|n| n.to_string_lossy().into_owned());
                let name = name.unwrap_or_default();
                let dir = e.is_dir() && !name.starts_with('.') && name != "node_modules";
                if dir || looks_like_dotenv(&name) {
                    stack.push((e, depth + 1));
                }
            }
        }
    }
    let strict = Options {
        lenient: false,
        ..opts.clone()
    };
    let lenient = Options {
        lenient: true,
        ..opts.clone()
    };
    for f in files {
        let s = match read_source(&f, &strict) {
            Ok(s) => s,
            Err(Error::Malformed(m)) => {
                let reason = format!(
                    "malformed at line {}, column {}: {}",
                    m.line, m.column, m.message
                );
                match read_source(&f, &lenient) {
                    Ok(s) => {
                        unread(&mut out, &f, reason, true);
                        s
                    }
                    Err(_) => {
                        unread(&mut out, &f, reason, false);
                        continue;
                    }
                }
            }
            Err(e) => {
                unread(&mut out, &f, unread_reason(&e), false);
                continue;
            }
        };
        for i in s.items {
            out.found.push(Finding {
                path: s.path.clone(),
                line: i.line,
                name: i.name,
                masked: mask(i.value.expose()),
                address: i.address.to_string(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_derived_predictably() {
        let o = Options::default();
        let a = |n: &str| dotenv_address(&o, "app", n).unwrap().to_string();
        assert_eq!(a("OPENAI_API_KEY"), "openai/app/api_key");
        assert_eq!(a("GITHUB_TOKEN"), "github/app/token");
        assert_eq!(a("DB_PASSWORD"), "db/app/password");
        assert_eq!(a("AWS_SECRET_ACCESS_KEY"), "aws-secret/app/access_key");
        assert_eq!(a("PORT"), "port/app/api_key");
        let o = Options {
            prefix: Some("acme".into()),
            account: Some("prod".into()),
            ..Options::default()
        };
        assert_eq!(
            dotenv_address(&o, "app", "STRIPE_KEY").unwrap().to_string(),
            "acme-stripe/prod/key"
        );
    }

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

    /// Found by the `dotenv` fuzz target: whitespace other than spaces and tabs before a
    /// quoted value made the rewrite replace only the opening quote, leaving the secret in
    /// the file and the file unreadable.
    #[test]
    fn dotenv_value_after_other_whitespace_is_replaced_whole() {
        for gap in ["\u{b}", "\u{c}", " \u{a0}\t", "\u{3000}"] {
            let text = format!("API_KEY={gap}\"sk-1\nsk-2\"\r\nPORT=1\n");
            let (items, expanded) =
                parse_dotenv(Path::new("/x/app/.env"), &text, &Options::default()).unwrap();
            assert_eq!(items.len(), 1, "{gap:?}");
            let plan = SourcePlan {
                path: "/x/app/.env".into(),
                format: Format::Dotenv,
                original: text.as_bytes().to_vec(),
                items,
                expanded,
            };
            assert_eq!(
                String::from_utf8(plan.rewritten()).unwrap(),
                format!("API_KEY={gap}\"auth://api/app/key\"\r\nPORT=1\n"),
                "{gap:?}"
            );
        }
    }

    /// Found by the `git_credentials` fuzz target: a `%` before a multi-byte character
    /// panicked (the escape was sliced out of the text as a string).
    #[test]
    fn git_credentials_percent_before_multibyte_text_is_kept() {
        assert_eq!(percent_decode("ci%4Йo"), "ci%4Йo");
        assert_eq!(percent_decode("%Йx%41"), "%ЙxA");
        assert_eq!(percent_decode("a%+5b%40"), "a%+5b@");
        let text = "https://ci%4Йo:pw@git.example.com\nhttps://me%40corp:pw@github.com\n";
        let items = parse_git_credentials(text).unwrap();
        assert!(items.iter().all(|i| i.value.expose() == b"pw"));
    }

    #[test]
    fn netrc_entries_are_cut_whole() {
        let text = "machine a.example login u password p1\n# c\nmachine b.example\n  login v\n  password p2\ndefault login x password y\n";
        let items = parse_netrc(text).unwrap();
        assert_eq!(items.len(), 2);
        let plan = SourcePlan {
            path: "/x/.netrc".into(),
            format: Format::Netrc,
            original: text.as_bytes().to_vec(),
            items,
            expanded: vec![],
        };
        assert_eq!(
            String::from_utf8(plan.rewritten()).unwrap(),
            "default login x password y\n"
        );
    }

    /// xorshift64*: a deterministic generator, so a failing file is reproduced by its seed.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.below(from.len())]
        }

        fn text(&mut self, soup: &[&str], max: usize) -> String {
            (0..self.below(max)).map(|_| self.pick(soup)).collect()
        }
    }

    /// Pieces of values: blanks and hashes (comments), quotes and backslashes (escapes),
    /// expansions, reference look-alikes, non-ASCII.
    const SOUP: &[&str] = &[
        "a",
        "Z",
        "0",
        "#",
        " ",
        "\t",
        "'",
        "\"",
        "\\",
        "$",
        "{",
        "}",
        "${A}",
        "${B:-x}",
        "=",
        "é",
        "auth://",
        "auth://svc/acct",
        "ref+",
        "ref+vault://x",
        "{{",
        "}}",
        ":",
        "\\n",
    ];

    /// A random dotenv file: assignments in every style, comments, blank and bare lines,
    /// some garbage, every line ending, sometimes a byte order mark.
    fn random_dotenv(r: &mut Rng) -> String {
        let mut text = String::new();
        if r.below(8) == 0 {
            text.push('\u{feff}');
        }
        let names = [
            "API_KEY",
            "DB_PASSWORD",
            "A_TOKEN",
            "TOKEN",
            "x.y",
            "'Q K'",
            "CLÉ_KEY",
        ];
        for _ in 0..r.below(8) {
            let line = match r.below(10) {
                0 => r.pick(&["", " ", "\t "]).to_owned(),
                1 => format!("{}# {}", r.pick(&["", "  "]), r.text(SOUP, 6)),
                2 => r.text(SOUP, 8),
                3 => r.pick(&names).to_owned(),
                _ => {
                    let body = r.text(SOUP, 8);
                    let multi = r.text(&["\n", "\r\n", "\r", "x"], 3);
                    let value = match r.below(4) {
                        0 => body,
                        1 => format!("'{body}{multi}'"),
                        2 => format!("\"{body}{multi}\""),
                        _ => String::new(),
                    };
                    format!(
                        "{}{}{}{}={}{value}{}",
                        r.pick(&["", " ", "\t"]),
                        r.pick(&["", "export ", "export\t"]),
                        r.pick(&names),
                        r.pick(&["", " "]),
                        r.pick(&["", " ", "\t"]),
                        r.pick(&["", " ", "\t# c", " # c", "#c", " #", "\t"]),
                    )
                }
            };
            text.push_str(&line);
            text.push_str(r.pick(&["\n", "\n", "\r\n", "\r", ""]));
        }
        text
    }

    /// The property behind migrate's rewrite: for every file the parser reads, the rewrite
    /// reads back with a reference exactly where each plaintext value was, every other value
    /// and every other byte as they were.
    #[test]
    fn a_rewrite_reads_back_with_references_exactly_where_the_values_were() {
        // One service, so that any name the garbage lines make has an address.
        let opts = Options {
            all: true,
            service: Some("svc".into()),
            ..Options::default()
        };
        let path = Path::new("/p/app/.env");
        let mut parsed = 0;
        for seed in 1..=20_000u64 {
            let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let text = random_dotenv(&mut r);
            let Ok(before) = crate::dotenv::parse(&text, "t") else {
                continue;
            };
            parsed += 1;
            let (items, _) = parse_dotenv(path, &text, &opts).unwrap();
            let plan = SourcePlan {
                path: path.into(),
                format: Format::Dotenv,
                original: text.as_bytes().to_vec(),
                items,
                expanded: vec![],
            };
            let new = String::from_utf8(plan.rewritten()).unwrap();
            let after = crate::dotenv::parse(&new, "t")
                .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text:?}\n{new:?}"));
            assert_eq!(before.len(), after.len(), "seed {seed}: {text:?}");
            let (mut kept_old, mut kept_new) = (String::new(), String::new());
            let (mut at_old, mut at_new) = (0, 0);
            let mut moved_up = 0;
            for (b, a) in before.iter().zip(&after) {
                let why = format!("seed {seed}, line {}: {text:?} → {new:?}", b.line);
                let now = (&a.name, a.line + moved_up, a.export);
                assert_eq!(now, (&b.name, b.line, b.export), "{why}");
                let plaintext = !b.value.is_empty() && !b.expands() && !is_reference(&b.value);
                let item = plan.items.iter().find(|i| i.span.0 == b.span.start);
                assert_eq!(item.is_some(), plaintext, "{why}");
                match item {
                    Some(i) => {
                        assert_eq!(a.value, i.address.to_reference(), "{why}");
                        assert_eq!(i.value.expose(), b.value.as_bytes(), "{why}");
                        kept_old.push_str(&text[at_old..b.span.start]);
                        kept_new.push_str(&new[at_new..a.span.start]);
                        (at_old, at_new) = (b.span.end, a.span.end);
                        moved_up += crate::dotenv::line_ends(&text[b.span.clone()]);
                    }
                    None => assert_eq!((&a.value, &a.pieces), (&b.value, &b.pieces), "{why}"),
                }
            }
            kept_old.push_str(&text[at_old..]);
            kept_new.push_str(&new[at_new..]);
            assert_eq!(
                kept_old, kept_new,
                "seed {seed}: bytes outside the values changed"
            );
            verify_dotenv_rewrite(&plan).unwrap();
        }
        // Most files must parse, or the property says little.
        assert!(parsed > 6_000, "only {parsed} of 20,000 files parsed");
    }
}
