//! git's credential helper protocol over sigil (gitcredentials(7), git-credential(1)): what
//! `git-credential-sigil get|store|erase` does, kept in the library so that other programs map
//! origins the same way.
//!
//! git writes a description (`key=value` lines, ended by a blank line or end of input) and the
//! helper answers `get` with `username=` and `password=` lines, or with nothing, so that git
//! asks the next helper or the user. A helper is trusted to answer only for the exact origin
//! it was asked about, because a repository chooses the URLs git fetches (a submodule's
//! `http://github:8080/x.git`), so every answer is bound to an origin: protocol, host, port
//! (when not the protocol's default) and path (when git sends one, `credential.useHttpPath`).
//! Three sources answer, the first that has something winning:
//!
//! 1. an origin the user mapped in `config.toml` (`[git."https://git.corp.example"]
//!    address = "corp/me"`), for exactly that origin;
//! 2. a credential git itself stored (`store`), recorded in `accounts.toml` with the origin
//!    it came from ([`Binding`]), for exactly that origin;
//! 3. the provider catalogue's git hosts (`github.com` → `github`, …), over `https` on the
//!    default port only, for the accounts of that service (`sigil add github/me`, `sigil
//!    login github`): a host that is merely a service's name (`http://github:8080`) is not
//!    one of them.
//!
//! `store` and `erase` change only what git owns: credentials it stored (source 2) and those
//! the user mapped to the origin (source 1). An account of the catalogue is never replaced or
//! deleted through git; when git rejects an OAuth access token, the token is marked expired so
//! that the next `get` refreshes it.

use crate::model::address::{self, Address, FieldAddress};
use crate::model::error::{Error, ExitClass, Result};
use crate::model::registry::{AccountMeta, Binding, Kind, Registry};
use crate::model::secret::Secret;
use crate::{PutOptions, Sigil};
use std::fmt;
use std::io::BufRead;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// The most input a credential description may be: git sends a few hundred bytes.
pub const MAX_INPUT: usize = 1 << 20;

/// Hosts of well-known providers and the service each maps to, for `https` on the default
/// port. These are the git hosts of the OAuth provider catalogue, so that `sigil login
/// github` and git share `github/ACCOUNT`.
pub const CATALOGUE_HOSTS: &[(&str, &str)] = &[
    ("github.com", "github"),
    ("gist.github.com", "github"),
    ("gitlab.com", "gitlab"),
    ("bitbucket.org", "bitbucket"),
];

/// The `by` of the credentials this helper stores.
pub const HELPER: &str = "git";

/// Where a git-stored credential keeps the refresh token git gave with it.
pub const REFRESH_FIELD: &str = "oauth_refresh_token";

/// An operation git asks a helper for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Answer with a credential, if there is one.
    Get,
    /// Save a credential that worked.
    Store,
    /// Remove a credential that was rejected.
    Erase,
}

impl Operation {
    /// `get`, `store` or `erase`; `None` for anything else (`capability` included), which a
    /// helper ignores so that git can add operations later.
    pub fn parse(name: &str) -> Option<Operation> {
        match name {
            "get" => Some(Operation::Get),
            "store" => Some(Operation::Store),
            "erase" => Some(Operation::Erase),
            _ => None,
        }
    }
}

/// The attributes of a credential description that sigil uses. An attribute given with an
/// empty value is an empty value (`username=` is the empty username), as it is for git;
/// unknown attributes (`wwwauth[]`, `state[]`, `authtype`, `credential`, …) are dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// `https`, `http`, `smtp`, …
    pub protocol: Option<String>,
    /// The host, with its port when the URL had one (`example.com:8443`).
    pub host: Option<String>,
    /// The path, when git sends it (`credential.useHttpPath`).
    pub path: Option<String>,
    /// The username.
    pub username: Option<String>,
    /// The password (`store`: the one that worked; `erase`: the one that was rejected).
    pub password: Option<Secret>,
    /// `password_expiry_utc`: when the password stops working, in Unix seconds.
    pub password_expiry_utc: Option<i64>,
    /// `oauth_refresh_token`, stored and returned with the password.
    pub oauth_refresh_token: Option<Secret>,
    /// `ephemeral`: the credential is not to be stored.
    pub ephemeral: bool,
    /// Some attribute sigil matches on was not UTF-8: such a request is never answered.
    pub malformed: bool,
}

impl Request {
    /// Reads a description: `key=value` lines until a blank line or the end of the input.
    /// A line without `=` is an error, as it is for git; its text is not repeated, since it
    /// may hold a secret.
    pub fn read(input: impl BufRead) -> Result<Request> {
        let mut input = input.take(MAX_INPUT as u64 + 1);
        let mut req = Request::default();
        let mut line = Zeroizing::new(Vec::with_capacity(4096));
        let mut total = 0usize;
        let mut number = 0usize;
        loop {
            line.clear();
            let n = input
                .read_until(b'\n', &mut line)
                .map_err(|e| Error::io("cannot read the credential description", e))?;
            if n == 0 {
                break;
            }
            total += n;
            number += 1;
            if total > MAX_INPUT {
                return Err(Error::Usage(
                    "the credential description is larger than 1 MiB".into(),
                ));
            }
            if line.last() == Some(&b'\n') {
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
            }
            if line.is_empty() {
                break;
            }
            req.apply(&line).map_err(|what| {
                Error::Usage(format!(
                    "line {number} of the credential description {what}"
                ))
            })?;
        }
        Ok(req)
    }

    /// Parses a description from bytes (see [`Request::read`]).
    pub fn parse(input: &[u8]) -> Result<Request> {
        Request::read(input)
    }

    fn apply(&mut self, line: &[u8]) -> std::result::Result<(), String> {
        let eq = line
            .iter()
            .position(|&b| b == b'=')
            .ok_or_else(|| "is not key=value".to_owned())?;
        let (key, value) = (&line[..eq], &line[eq + 1..]);
        match key {
            b"protocol" => self.protocol = self.text(value),
            b"host" => self.host = self.text(value),
            b"path" => self.path = self.text(value),
            b"username" => self.username = self.text(value),
            b"password" => self.password = Some(Secret::new(value.to_vec())),
            b"password_expiry_utc" => self.password_expiry_utc = expiry(value),
            b"oauth_refresh_token" => self.oauth_refresh_token = Some(Secret::new(value.to_vec())),
            b"ephemeral" => self.ephemeral = truthy(value),
            b"url" => *self = Request::from_url(value).map_err(|why| format!("has a url {why}"))?,
            _ => {}
        }
        Ok(())
    }

    /// An attribute's text; bytes that are not UTF-8 mark the request malformed.
    fn text(&mut self, value: &[u8]) -> Option<String> {
        match std::str::from_utf8(value) {
            Ok(s) => Some(s.to_owned()),
            Err(_) => {
                self.malformed = true;
                None
            }
        }
    }

    /// Splits a URL the way git's `credential_from_url` does (credential.c), so that `url=`
    /// means exactly what it means to git: `proto://[user[:pass]@]host[:port][/path]`, the
    /// host ending at the first `/`, `?` or `#`, `%XX` decoded in every part but the protocol,
    /// slashes trimmed from the path, everything read before it forgotten. Parts the URL
    /// lacks stay unset. (A general URL parser would normalise hosts and reject what git
    /// accepts; hosts are normalised later, by [`Origin`].)
    fn from_url(url: &[u8]) -> std::result::Result<Request, &'static str> {
        let proto_end = find(url, b"://")
            .filter(|&i| i > 0)
            .ok_or("with no scheme")?;
        let rest = &url[proto_end + 3..];
        let slash = rest
            .iter()
            .position(|b| b"/?#".contains(b))
            .unwrap_or(rest.len());
        let at = rest.iter().position(|&b| b == b'@');
        let colon = rest.iter().position(|&b| b == b':');
        let mut req = Request::default();
        req.protocol = req.text(&url[..proto_end]);
        let host = match at {
            Some(at) if at < slash => {
                match colon {
                    Some(c) if c < at => {
                        req.username = req.text(&component(&rest[..c])?);
                        req.password = Some(Secret::new(component(&rest[c + 1..at])?));
                    }
                    _ => req.username = req.text(&component(&rest[..at])?),
                }
                &rest[at + 1..slash]
            }
            _ => &rest[..slash],
        };
        req.host = req.text(&component(host)?);
        let mut path = &rest[slash..];
        while let [b'/', tail @ ..] = path {
            path = tail;
        }
        let mut path = component(path)?;
        while path.len() > 1 && path.last() == Some(&b'/') {
            path.pop();
        }
        if !path.is_empty() {
            req.path = req.text(&path);
        }
        Ok(req)
    }

    /// The origin the request is about, or `None` when it names none that sigil can bind
    /// a credential to (no protocol, a host that is not a host, bytes that are not UTF-8).
    pub fn origin(&self) -> Option<Origin> {
        if self.malformed {
            return None;
        }
        Origin::new(
            self.protocol.as_deref()?,
            self.host.as_deref().unwrap_or(""),
            self.path.as_deref(),
        )
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A URL component, `%XX`-decoded as git does (no `+` for space; a bad escape stays as it
/// is); a line break or NUL in it is refused, as git refuses it.
fn component(raw: &[u8]) -> std::result::Result<Vec<u8>, &'static str> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%'
            && i + 2 < raw.len()
            && let (Some(h), Some(l)) = (hex(raw[i + 1]), hex(raw[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(raw[i]);
        i += 1;
    }
    if out.iter().any(|&b| b == b'\n' || b == 0) {
        use zeroize::Zeroize;
        out.zeroize();
        return Err("with a line break or NUL in it");
    }
    Ok(out)
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `password_expiry_utc` as git reads it: a positive number of seconds; anything else
/// (empty, zero, out of range, not a number) means no expiry.
fn expiry(value: &[u8]) -> Option<i64> {
    std::str::from_utf8(value)
        .ok()?
        .parse::<i64>()
        .ok()
        .filter(|&t| t > 0)
}

/// A boolean attribute as git's config reads one.
fn truthy(value: &[u8]) -> bool {
    let v = String::from_utf8_lossy(value).to_ascii_lowercase();
    matches!(v.as_str(), "1" | "true" | "yes" | "on")
}

/// Where a credential may be sent: protocol, host, port and path, normalised so that two
/// spellings of one origin compare equal and nothing else does.
///
/// The host is compared as a URL host: lowercased, internationalised names as their ASCII
/// (IDNA) form, IPv4 and IPv6 addresses in their canonical form. A trailing dot is kept,
/// since `example.com.` and `example.com` may resolve differently. The port is dropped when
/// it is the protocol's default (`https://x:443` is `https://x`). The path is kept exactly.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    protocol: String,
    host: String,
    port: Option<u16>,
    path: Option<String>,
}

impl Origin {
    /// The origin of git's `protocol`, `host` (with its port) and `path` attributes; `None`
    /// when they do not make one.
    pub fn new(protocol: &str, host: &str, path: Option<&str>) -> Option<Origin> {
        let protocol = protocol.to_ascii_lowercase();
        let mut chars = protocol.chars();
        if !chars.next()?.is_ascii_lowercase()
            || !chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        {
            return None;
        }
        let (host, port) = normalise_host(host)?;
        let port = port.filter(|&p| Some(p) != default_port(&protocol));
        let path = path.filter(|p| !p.is_empty()).map(str::to_owned);
        if host.is_empty() && (port.is_some() || path.is_none()) {
            return None;
        }
        Some(Origin {
            protocol,
            host,
            port,
            path,
        })
    }

    /// Parses an origin as a user writes one in `config.toml`: `protocol://host[:port][/path]`
    /// with no username, password, query or fragment.
    pub fn parse(text: &str) -> std::result::Result<Origin, String> {
        let req = Request::from_url(text.as_bytes()).map_err(|e| format!("is a URL {e}"))?;
        if req.username.is_some() || req.password.is_some() {
            return Err("holds a username or password (name the account in `address`)".into());
        }
        if text.contains(['?', '#']) {
            return Err("has a query or fragment".into());
        }
        req.origin()
            .ok_or_else(|| "is not protocol://host[:port][/path]".to_owned())
    }

    /// The service of the provider catalogue this origin belongs to: a catalogue host over
    /// `https` on the default port, whatever the path.
    pub fn catalogue_service(&self) -> Option<&'static str> {
        if self.protocol != "https" || self.port.is_some() {
            return None;
        }
        CATALOGUE_HOSTS
            .iter()
            .find(|(h, _)| *h == self.host)
            .map(|(_, s)| *s)
    }

    /// The service name a new git-stored credential for this origin is filed under: the
    /// host, then its port (`git.example.com-8443`), made to fit the service grammar. Only a
    /// name: the origin recorded with the credential is what it is matched on.
    fn service_name(&self) -> String {
        let mut name: String = self
            .host
            .chars()
            .map(|c| match c {
                'a'..='z' | '0'..='9' | '.' | '-' => c,
                _ => '-',
            })
            .collect();
        name = name.trim_matches(['-', '.']).to_owned();
        if name.is_empty() {
            name = self.protocol.replace('+', "-");
        }
        if let Some(p) = self.port {
            name.push_str(&format!("-{p}"));
        }
        name.truncate(58);
        name
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.protocol, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        if let Some(p) = &self.path {
            write!(f, "/{p}")?;
        }
        Ok(())
    }
}

/// Splits `host[:port]` (an IPv6 address in brackets) and normalises the host as a URL host.
pub(crate) fn normalise_host(host: &str) -> Option<(String, Option<u16>)> {
    if host.is_empty() {
        return Some((String::new(), None));
    }
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => {
            let close = rest.find(']')?;
            let after = &rest[close + 1..];
            let port = if after.is_empty() {
                None
            } else {
                Some(after.strip_prefix(':')?)
            };
            (&host[..close + 2], port)
        }
        None => match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse().ok()?),
        Some(_) => return None,
    };
    let parsed = url::Host::parse(name).ok()?.to_string();
    (!parsed.is_empty()).then_some((parsed, port))
}

/// The port a protocol uses when a URL names none.
pub(crate) fn default_port(protocol: &str) -> Option<u16> {
    Some(match protocol {
        "http" => 80,
        "https" => 443,
        "ftp" => 21,
        "ftps" => 990,
        "ssh" => 22,
        "smtp" => 25,
        "smtps" => 465,
        "imap" => 143,
        "imaps" => 993,
        _ => return None,
    })
}

/// The service an importer (`sigil migrate` of `~/.netrc` or gh's `hosts.yml`) files a
/// host's credential under: a catalogue host's provider, else the host itself, lowercased,
/// without its port or a trailing dot. Only a name: git answers by origin, not by it.
/// `None` when the result does not fit the service grammar (an IPv6 literal, non-ASCII
/// letters, an empty host).
pub fn service_for_host(host: &str) -> Option<String> {
    if host.starts_with('[') {
        return None;
    }
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        Some(_) => return None,
        None => host,
    };
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    let service = CATALOGUE_HOSTS
        .iter()
        .find(|(h, _)| *h == name)
        .map_or(name, |(_, s)| (*s).to_owned());
    Address::new(&service, "x", None).ok()?;
    Some(service)
}

/// The account a username is filed under by importers: itself, when it fits the grammar.
pub fn account_for_username(username: &str) -> Option<String> {
    Address::new("x", username, None).ok()?;
    Some(username.to_owned())
}

/// Where a credential found in `~/.git-credentials` goes, so that git keeps getting it for
/// the origin it was stored for: a catalogue origin's service (an ordinary account there),
/// or a credential git owns, bound to its origin. `None` when the line names no origin.
pub fn import_target(
    protocol: &str,
    host: &str,
    path: Option<&str>,
    username: &str,
) -> Option<(Address, Option<Binding>)> {
    let origin = Origin::new(protocol, host, path)?;
    let account = account_for_username(username)?;
    if let Some(service) = origin.catalogue_service() {
        return Some((Address::new(service, &account, None).ok()?, None));
    }
    let address = Address::new(&origin.service_name(), &account, None).ok()?;
    let binding = Binding {
        by: HELPER.to_owned(),
        origin: origin.to_string(),
        username: username.to_owned(),
    };
    Some((address, Some(binding)))
}

/// Where an answer comes from (see the module's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An origin the user mapped in `config.toml`.
    Mapped,
    /// A credential git stored for this origin.
    Stored,
    /// An account of the provider catalogue's service.
    Catalogue,
}

/// One credential that may answer for an origin.
#[derive(Debug, Clone)]
struct Candidate {
    /// The account, or the field the user mapped.
    address: Address,
    /// The username git gets with it.
    username: String,
    source: Source,
    meta: Option<AccountMeta>,
}

/// A `[git."…"]` key as shown in errors: a password written into it by mistake
/// (`https://me:hunter2@host`) is replaced by `…`, and so is the username beside it.
fn without_userinfo(key: &str) -> String {
    let Some((scheme, rest)) = key.split_once("://") else {
        return key.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://…@{}", &rest[at + 1..]),
        None => key.to_owned(),
    }
}

/// The user's mapping of `origin`, if any. A malformed `[git]` table is an error on every
/// call, so that a typo never silently sends a credential elsewhere.
fn mapping(sigil: &Sigil, origin: &Origin) -> Result<Option<(Address, String)>> {
    let mut found = None;
    for (key, m) in &sigil.config().git {
        let bad = |why: String| {
            Error::other(
                format!(
                    "config.toml maps the git origin '{}', which {why}",
                    without_userinfo(key)
                ),
                Some("write it as [git.\"https://host[:port][/path]\"] with address = \"service/account\"".into()),
            )
        };
        let mapped = Origin::parse(key).map_err(bad)?;
        let address = Address::parse(&m.address).map_err(|e| bad(format!("names {e}")))?;
        if mapped == *origin {
            if found.is_some() {
                return Err(bad(format!("is mapped twice (as '{origin}')")));
            }
            let username = m
                .username
                .clone()
                .unwrap_or_else(|| address.account().to_owned());
            found = Some((address, username));
        }
    }
    Ok(found)
}

/// The accounts git stored for exactly `origin` (and `username`, when given).
fn stored_for<'r>(
    reg: &'r Registry,
    origin: &Origin,
    username: Option<&str>,
) -> Vec<(Address, &'r AccountMeta, &'r Binding)> {
    let origin = origin.to_string();
    reg.accounts
        .iter()
        .filter_map(|(key, meta)| {
            let b = meta.bound.as_ref()?;
            let fits =
                b.by == HELPER && b.origin == origin && username.is_none_or(|u| u == b.username);
            fits.then(|| Some((key.parse::<Address>().ok()?, meta, b)))?
        })
        .collect()
}

/// The credentials that may answer for `origin` and `username`: those of the first source
/// that has any.
fn candidates(sigil: &Sigil, origin: &Origin, username: Option<&str>) -> Result<Vec<Candidate>> {
    if let Some((address, mapped_user)) = mapping(sigil, origin)?
        && username.is_none_or(|u| u == mapped_user)
    {
        let meta = Registry::load(sigil.paths())?
            .accounts
            .get(&address.account_key())
            .cloned();
        return Ok(vec![Candidate {
            address,
            username: mapped_user,
            source: Source::Mapped,
            meta,
        }]);
    }
    let reg = Registry::load(sigil.paths())?;
    let stored: Vec<Candidate> = stored_for(&reg, origin, username)
        .into_iter()
        .map(|(address, meta, b)| Candidate {
            address,
            username: b.username.clone(),
            source: Source::Stored,
            meta: Some(meta.clone()),
        })
        .collect();
    if !stored.is_empty() {
        return Ok(stored);
    }
    let Some(service) = origin.catalogue_service() else {
        return Ok(vec![]);
    };
    Ok(sigil
        .list(Some(service))?
        .into_iter()
        .filter(|a| a.meta.bound.is_none())
        .filter(|a| username.is_none_or(|u| u == a.address.account()))
        .map(|a| Candidate {
            username: a.address.account().to_owned(),
            address: a.address,
            source: Source::Catalogue,
            meta: Some(a.meta),
        })
        .collect())
}

/// What `get` answers.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Where the password was read.
    pub address: FieldAddress,
    /// Which source answered.
    pub source: Source,
    /// `username=`.
    pub username: String,
    /// `password=`.
    pub password: Secret,
    /// `password_expiry_utc=`: when it stops working (an OAuth token's expiry).
    pub expires_at: Option<OffsetDateTime>,
    /// `oauth_refresh_token=`, for a credential git stored with one.
    pub refresh_token: Option<Secret>,
}

impl Answer {
    /// The answer in the protocol. A value git cannot carry (a line break, a NUL, a carriage
    /// return at its end) is an error that names the address, never the value.
    pub fn to_protocol(&self) -> Result<Zeroizing<Vec<u8>>> {
        let pw = self.password.expose();
        let carries =
            |v: &[u8]| !(v.contains(&b'\n') || v.contains(&0) || v.last() == Some(&b'\r'));
        let refresh = self.refresh_token.as_ref().map(Secret::expose);
        if !carries(pw) || !refresh.is_none_or(carries) || !carries(self.username.as_bytes()) {
            return Err(Error::other(
                format!(
                    "'{}' holds a line break or NUL byte, which git's credential protocol cannot carry",
                    self.address
                ),
                Some("store a one-line password for git in that field".into()),
            ));
        }
        let mut out = Zeroizing::new(Vec::with_capacity(pw.len() + self.username.len() + 64));
        out.extend_from_slice(b"username=");
        out.extend_from_slice(self.username.as_bytes());
        out.extend_from_slice(b"\npassword=");
        out.extend_from_slice(pw);
        out.push(b'\n');
        if let Some(at) = self.expires_at {
            out.extend_from_slice(
                format!("password_expiry_utc={}\n", at.unix_timestamp()).as_bytes(),
            );
        }
        if let Some(r) = refresh {
            out.extend_from_slice(b"oauth_refresh_token=");
            out.extend_from_slice(r);
            out.push(b'\n');
        }
        Ok(out)
    }
}

/// What `store` or `erase` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do: no origin, username or password to act on, or nothing stored there.
    Nothing,
    /// `store`: the credential already held this value.
    Unchanged(FieldAddress),
    /// `store`: saved a new credential for the origin.
    Stored(FieldAddress),
    /// `store`: replaced an older value.
    Replaced(FieldAddress),
    /// `erase`: deleted these.
    Erased(Vec<FieldAddress>),
    /// `erase`: the rejected password is not the stored one (a newer credential), so it stays.
    Newer(FieldAddress),
    /// An OAuth account, which `sigil login` and refresh manage; git does not change it.
    OauthKept(FieldAddress),
    /// `erase`: an OAuth access token was rejected; it is marked expired, so the next `get`
    /// refreshes it.
    OauthExpired(FieldAddress),
    /// `erase`: a catalogue account that git did not store was rejected; it stays.
    NotOwned(FieldAddress),
}

/// `get`: the credential for exactly the request's origin (and username, when given), or
/// `None` (git then asks the next helper or the user). Without a username, the origin's one
/// credential answers; with several, none does. Failures other than "not found" (permissions,
/// a wrong identity, an unavailable keyring, a policy) are errors.
pub fn get(sigil: &Sigil, req: &Request) -> Result<Option<Answer>> {
    let Some(origin) = req.origin() else {
        return Ok(None);
    };
    let now = OffsetDateTime::now_utc();
    let mut found = candidates(sigil, &origin, req.username.as_deref())?;
    // An expired password that git stored is not offered: git would drop it anyway.
    found.retain(|c| {
        c.source != Source::Stored
            || c.meta
                .as_ref()
                .and_then(|m| m.expires_at)
                .is_none_or(|t| t > now)
    });
    let [c] = found.as_slice() else {
        return Ok(None);
    };
    let password = match c.source {
        Source::Stored => c.address.with_field(address::DEFAULT_FIELD)?.into(),
        _ => c.address.clone(),
    };
    let (field, password) = match sigil.get_address(&password) {
        Ok(found) => found,
        Err(e) if e.class() == ExitClass::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    // Read again: a refresh inside `get_address` moved the expiry.
    let meta = Registry::load(sigil.paths())?
        .accounts
        .remove(&field.account_key());
    let refresh_token = match c.source {
        Source::Stored => stored_value(sigil, &field.account_address().with_field(REFRESH_FIELD)?)?,
        _ => None,
    };
    Ok(Some(Answer {
        address: field,
        source: c.source,
        username: c.username.clone(),
        password,
        expires_at: meta.and_then(|m| m.expires_at),
        refresh_token,
    }))
}

/// `store`: saves what git approved, for exactly its origin and username. A mapped origin's
/// credential is updated in place; otherwise the credential git stored earlier for the same
/// origin and username is replaced, or a new one is filed. A catalogue account is never
/// changed: approving the value it gave is a no-op, and a different value is stored as git's
/// own for the origin. `ephemeral` credentials are not stored.
pub fn store(sigil: &Sigil, req: &Request) -> Result<Outcome> {
    let (Some(origin), Some(username), Some(password), false) = (
        req.origin(),
        req.username.as_deref(),
        req.password.as_ref(),
        req.ephemeral,
    ) else {
        return Ok(Outcome::Nothing);
    };
    if let Some((address, mapped_user)) = mapping(sigil, &origin)?
        && mapped_user == username
    {
        return store_mapped(sigil, &address, password);
    }
    for c in candidates(sigil, &origin, Some(username))? {
        if c.source == Source::Catalogue {
            let field = sigil.resolve_field(&c.address)?;
            if stored_value(sigil, &field)?.is_some_and(|v| v == *password) {
                return Ok(Outcome::Unchanged(field));
            }
        }
    }
    let expires_at = req
        .password_expiry_utc
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok());
    let written = write_stored(
        sigil,
        &origin,
        username,
        password,
        expires_at,
        req.oauth_refresh_token.as_ref(),
    );
    let shown = match &written {
        Ok(Outcome::Stored(f) | Outcome::Replaced(f)) => vec![f.to_string()],
        _ => vec![origin.to_string()],
    };
    if !matches!(written, Ok(Outcome::Unchanged(_))) {
        crate::audit::record(sigil, "add", &shown, &written);
    }
    written
}

/// `store` into the field the user mapped: replaced when it differs, unless it is an OAuth
/// token.
fn store_mapped(sigil: &Sigil, address: &Address, password: &Secret) -> Result<Outcome> {
    crate::ops::policy::admit(sigil, address)?;
    let field = sigil.resolve_field(address)?;
    let current = stored_value(sigil, &field)?;
    if current.as_ref() == Some(password) {
        return Ok(Outcome::Unchanged(field));
    }
    if is_oauth(sigil, address)? {
        return Ok(Outcome::OauthKept(field));
    }
    let opts = PutOptions {
        force: true,
        ..PutOptions::default()
    };
    sigil.put(&field, password, &opts)?;
    Ok(match current {
        Some(_) => Outcome::Replaced(field),
        None => Outcome::Stored(field),
    })
}

/// Writes git's own credential for `origin` and `username` under one hold of the store
/// lock: found again under the lock (so two racing `store`s make one account), or filed
/// under a fresh name. The refresh token goes first, the password last, then the metadata.
fn write_stored(
    sigil: &Sigil,
    origin: &Origin,
    username: &str,
    password: &Secret,
    expires_at: Option<OffsetDateTime>,
    refresh: Option<&Secret>,
) -> Result<Outcome> {
    let _lock = sigil.lock_for_change()?;
    let mut reg = Registry::load(sigil.paths())?;
    let existing = stored_for(&reg, origin, Some(username))
        .first()
        .map(|(a, m, _)| (a.clone(), (*m).clone()));
    let account = match &existing {
        Some((a, _)) => a.clone(),
        None => fresh_account(&reg, origin, username)?,
    };
    let pw_field = account.with_field(address::DEFAULT_FIELD)?;
    let refresh_field = account.with_field(REFRESH_FIELD)?;
    let kind = sigil.placement_in(&reg, &pw_field)?;
    let store = sigil.store_of(kind)?;
    if let Some((_, meta)) = &existing {
        crate::ops::policy::admit(sigil, &account)?;
        let same_pw = store.contains(&pw_field)? && store.get(&pw_field)? == *password;
        let old_refresh =
            if meta.fields.contains(REFRESH_FIELD) && store.contains(&refresh_field)? {
                Some(store.get(&refresh_field)?)
            } else {
                None
            };
        if same_pw && old_refresh.as_ref() == refresh && meta.expires_at == expires_at {
            return Ok(Outcome::Unchanged(pw_field));
        }
    }
    // The secrets and the metadata change together or not at all.
    let change = sigil.begin_change_of(&[(kind, &refresh_field), (kind, &pw_field)])?;
    let written = (|| {
        match refresh {
            Some(r) => store.put(&refresh_field, r)?,
            None => {
                store.delete(&refresh_field)?;
            }
        }
        store.put(&pw_field, password)?;
        record_stored(
            sigil,
            &mut reg,
            &account,
            kind,
            origin,
            username,
            refresh.is_some(),
            expires_at,
        )
    })();
    match written {
        Ok(()) => change.commit(),
        Err(e) => {
            change.abort();
            return Err(e);
        }
    }
    Ok(match existing {
        Some(_) => Outcome::Replaced(pw_field),
        None => Outcome::Stored(pw_field),
    })
}

/// Records git's stored credential in the metadata and writes it.
#[allow(clippy::too_many_arguments)]
fn record_stored(
    sigil: &Sigil,
    reg: &mut Registry,
    account: &Address,
    kind: crate::store::backend::BackendKind,
    origin: &Origin,
    username: &str,
    has_refresh: bool,
    expires_at: Option<OffsetDateTime>,
) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let meta = reg
        .accounts
        .entry(account.account_key())
        .or_insert_with(|| AccountMeta::new(Kind::Password, kind.as_str(), now));
    meta.fields.retain(|f| f != REFRESH_FIELD);
    meta.fields.insert(address::DEFAULT_FIELD.to_owned());
    if has_refresh {
        meta.fields.insert(REFRESH_FIELD.to_owned());
    }
    meta.backend = kind.as_str().to_owned();
    meta.expires_at = expires_at;
    meta.updated = now;
    meta.bound = Some(Binding {
        by: HELPER.to_owned(),
        origin: origin.to_string(),
        username: username.to_owned(),
    });
    reg.save(sigil.paths())
}

/// A free `service/account` for a new git-stored credential: the origin's host (and port)
/// and the username (`ops::add::fresh_account`).
fn fresh_account(reg: &Registry, origin: &Origin, username: &str) -> Result<Address> {
    crate::ops::add::fresh_account(reg, &origin.service_name(), username, origin)
}

/// `erase`: forgets what git rejected, among what git owns for the origin. Every credential
/// git stored for the origin (and username, when given) whose password is the rejected one
/// (or any, when git sent none) is deleted; a mapped credential is deleted the same way. An
/// OAuth token is never deleted but marked expired, so that the next `get` refreshes it. A
/// catalogue account that git did not store is left alone.
pub fn erase(sigil: &Sigil, req: &Request) -> Result<Outcome> {
    let Some(origin) = req.origin() else {
        return Ok(Outcome::Nothing);
    };
    let username = req.username.as_deref();
    let rejected = req.password.as_ref();
    let mut erased = Vec::new();
    let mut kept = Outcome::Nothing;
    for c in candidates(sigil, &origin, username)? {
        let field = match c.source {
            Source::Stored => c.address.with_field(address::DEFAULT_FIELD)?,
            _ => sigil.resolve_field(&c.address)?,
        };
        let Some(current) = stored_value(sigil, &field)? else {
            continue;
        };
        if rejected.is_some_and(|p| *p != current) {
            kept = Outcome::Newer(field);
            continue;
        }
        if c.meta.as_ref().is_some_and(|m| m.kind == Kind::Oauth) {
            kept = match rejected {
                Some(p) if expire_oauth(sigil, &field, p)? => Outcome::OauthExpired(field),
                _ => Outcome::OauthKept(field),
            };
            continue;
        }
        match c.source {
            // Named in a note only when git rejected exactly this credential.
            Source::Catalogue if rejected.is_some() => kept = Outcome::NotOwned(field),
            Source::Catalogue => {}
            Source::Stored | Source::Mapped => {
                crate::ops::policy::admit(sigil, &c.address)?;
                let target = match c.source {
                    Source::Stored => c.address.clone(),
                    _ => Address::from(field.clone()),
                };
                match sigil.delete(&target) {
                    Ok(gone) => erased.extend(gone),
                    Err(e) if e.class() == ExitClass::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(if erased.is_empty() {
        kept
    } else {
        Outcome::Erased(erased)
    })
}

/// Marks an OAuth account's access token expired when it is still `rejected`, so that the
/// next `get` refreshes it (and fails as `sigil get` does when the refresh token was revoked
/// too). `false` when the token changed meanwhile.
fn expire_oauth(sigil: &Sigil, field: &FieldAddress, rejected: &Secret) -> Result<bool> {
    crate::ops::policy::admit(sigil, &field.account_address())?;
    let _lock = sigil.lock_for_change()?;
    let mut reg = Registry::load(sigil.paths())?;
    let key = field.account_key();
    let kind = sigil.placement_in(&reg, field)?;
    if sigil.store_of(kind)?.get(field)? != *rejected {
        return Ok(false);
    }
    let Some(meta) = reg.accounts.get_mut(&key) else {
        return Ok(false);
    };
    let now = OffsetDateTime::now_utc();
    meta.expires_at = Some(now);
    meta.updated = now;
    let saved = reg.save(sigil.paths());
    crate::audit::record(sigil, "expire", &[field.to_string()], &saved);
    saved.map(|()| true)
}

fn is_oauth(sigil: &Sigil, addr: &Address) -> Result<bool> {
    Ok(Registry::load(sigil.paths())?
        .accounts
        .get(&addr.account_key())
        .is_some_and(|m| m.kind == Kind::Oauth))
}

/// The value stored at an address as it is, without the refresh a `get` may do, or `None`.
fn stored_value(sigil: &Sigil, field: &FieldAddress) -> Result<Option<Secret>> {
    for (f, kind) in sigil.fields_of(&Address::from(field.clone()))? {
        if f == *field {
            return match sigil.store_of(kind)?.get(&f) {
                Ok(v) => Ok(Some(v)),
                Err(e) if e.class() == ExitClass::NotFound => Ok(None),
                Err(e) => Err(e),
            };
        }
    }
    Ok(None)
}

/// Accounts that look like what the helper stored before credentials were bound to their
/// origin (a service named after a host, holding an `api_key`) and that git no longer gets,
/// because no `[git."…"]` table maps them: `sigil status` names them with the fix.
pub fn unreachable(sigil: &Sigil) -> Result<Vec<Address>> {
    let mapped: Vec<String> = sigil
        .config()
        .git
        .values()
        .filter_map(|m| Address::parse(&m.address).ok())
        .map(|a| a.account_key())
        .collect();
    Ok(sigil
        .list(None)?
        .into_iter()
        .filter(|a| a.meta.bound.is_none() && a.meta.kind != Kind::Oauth)
        .filter(|a| a.meta.fields.contains(address::DEFAULT_FIELD))
        .filter(|a| {
            let s = a.address.service();
            s.contains('.') || s == "localhost"
        })
        .filter(|a| !mapped.contains(&a.address.account_key()))
        .map(|a| a.address)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(text: &str) -> Request {
        Request::parse(text.as_bytes()).unwrap()
    }

    fn pw(r: &Request) -> Option<&[u8]> {
        r.password.as_ref().map(Secret::expose)
    }

    #[test]
    fn reads_attributes_until_a_blank_line() {
        let r = req(
            "protocol=https\nhost=Example.com:8443\npath=a/b.git\nusername=bob\n\
                     password=p=w\nwwwauth[]=Basic realm=\"x\"\ncapability[]=authtype\n\
                     password_expiry_utc=1700000000\noauth_refresh_token=r\nquit=1\n\nhost=later\n",
        );
        assert_eq!(r.protocol.as_deref(), Some("https"));
        assert_eq!(r.host.as_deref(), Some("Example.com:8443"));
        assert_eq!(r.path.as_deref(), Some("a/b.git"));
        assert_eq!(r.username.as_deref(), Some("bob"));
        assert_eq!(pw(&r), Some(&b"p=w"[..]));
        assert_eq!(r.password_expiry_utc, Some(1_700_000_000));
        assert_eq!(
            r.oauth_refresh_token.as_ref().map(Secret::expose),
            Some(&b"r"[..])
        );
        assert!(!r.ephemeral);
        assert_eq!(
            req("host=a\r\nusername=b\r\n").username.as_deref(),
            Some("b")
        );
        assert_eq!(req("").host, None);
        assert_eq!(req("host=a").host.as_deref(), Some("a"), "no final newline");
        for (v, want) in [
            ("0", None),
            ("-5", None),
            ("soon", None),
            ("", None),
            ("99999999999999999999", None),
        ] {
            assert_eq!(
                req(&format!("password_expiry_utc={v}\n")).password_expiry_utc,
                want,
                "{v}"
            );
        }
        assert!(req("ephemeral=1\n").ephemeral);
        assert!(req("ephemeral=true\n").ephemeral);
        assert!(!req("ephemeral=0\n").ephemeral);
    }

    #[test]
    fn empty_values_are_values_and_later_values_win() {
        let r = req("username=bob\nusername=\npassword=x\npassword=\nhost=a\nhost=b\n");
        assert_eq!(r.username.as_deref(), Some(""));
        assert_eq!(pw(&r), Some(&b""[..]));
        assert_eq!(r.host.as_deref(), Some("b"));
        let r = Request::parse(b"protocol=https\nhost=a.org\nusername=\xff\n").unwrap();
        assert!(r.malformed);
        assert_eq!(
            r.origin(),
            None,
            "a request with bytes that are not UTF-8 is not answered"
        );
    }

    #[test]
    fn a_line_without_equals_is_an_error_that_hides_the_line() {
        let e = Request::parse(b"host=a\nhunter2\n").unwrap_err();
        assert_eq!(e.class(), ExitClass::Usage);
        assert_eq!(
            e.to_string(),
            "line 2 of the credential description is not key=value"
        );
        let big = vec![b'x'; MAX_INPUT + 1];
        assert!(Request::parse(&big).is_err());
    }

    #[test]
    fn url_replaces_what_came_before_as_git_does() {
        let r = req("host=old\nusername=old\npassword=old\nurl=https://example.com\n");
        assert_eq!(
            r,
            Request {
                protocol: Some("https".into()),
                host: Some("example.com".into()),
                ..Request::default()
            }
        );
        let r = req("url=http://al%69ce:p%40ss:w@127.0.0.1:8080//repo.git//?q#f\n");
        assert_eq!(r.protocol.as_deref(), Some("http"));
        assert_eq!(r.username.as_deref(), Some("alice"));
        assert_eq!(pw(&r), Some(&b"p@ss:w"[..]));
        assert_eq!(r.host.as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(r.path.as_deref(), Some("repo.git//?q#f"));
        let r = req("url=https://me@x.org\nusername=other\n");
        assert_eq!(r.username.as_deref(), Some("other"), "later attributes win");
        let r = req("url=https://@x.org\n");
        assert_eq!(
            r.username.as_deref(),
            Some(""),
            "an empty username is a username"
        );
        let r = req("url=https://x.org/a@b\n");
        assert_eq!((r.username, r.host.as_deref()), (None, Some("x.org")));
        let r = req("url=https://x.org?u@v\n");
        assert_eq!(r.host.as_deref(), Some("x.org"));
        let r = req("url=cert:///etc/cert.pem\n");
        assert_eq!(
            (r.host.as_deref(), r.path.as_deref()),
            (Some(""), Some("etc/cert.pem"))
        );
        let r = req("url=https://x%2.org/%zz%4\n");
        assert_eq!(r.host.as_deref(), Some("x%2.org"));
        assert_eq!(r.path.as_deref(), Some("%zz%4"));
        for bad in [
            "url=example.com",
            "url=://x",
            "url=https://a%0Ab@x",
            "url=https://x/%00",
        ] {
            let e = Request::parse(bad.as_bytes()).unwrap_err();
            assert_eq!(e.class(), ExitClass::Usage, "{bad}");
            assert!(!e.to_string().contains("a%0Ab"), "{e}");
        }
    }

    fn origin(text: &str) -> Option<String> {
        req(text).origin().map(|o| o.to_string())
    }

    #[test]
    fn origins_are_normalised_and_nothing_else() {
        let same = [
            ("protocol=https\nhost=github.com\n", "https://github.com"),
            (
                "protocol=HTTPS\nhost=GitHub.COM:443\n",
                "https://github.com",
            ),
            ("url=https://me@github.com:443/\n", "https://github.com"),
            ("protocol=http\nhost=x.org:80\n", "http://x.org"),
            ("protocol=http\nhost=x.org:8080\n", "http://x.org:8080"),
            ("protocol=https\nhost=x.org:80\n", "https://x.org:80"),
            (
                "protocol=https\nhost=x.org\npath=a/b.git\n",
                "https://x.org/a/b.git",
            ),
            ("protocol=https\nhost=github.com.\n", "https://github.com."),
            (
                "protocol=https\nhost=bücher.example\n",
                "https://xn--bcher-kva.example",
            ),
            (
                "protocol=https\nhost=B%C3%BCcher.example\n",
                "https://xn--bcher-kva.example",
            ),
            ("protocol=https\nhost=[::1]:8443\n", "https://[::1]:8443"),
            ("protocol=https\nhost=[0:0::1]\n", "https://[::1]"),
            (
                "protocol=https\nhost=127.0.0.1:39001\n",
                "https://127.0.0.1:39001",
            ),
            ("url=cert:///etc/cert.pem\n", "cert:///etc/cert.pem"),
        ];
        for (text, want) in same {
            assert_eq!(origin(text).as_deref(), Some(want), "{text:?}");
        }
        for none in [
            "host=github.com\n",
            "protocol=https\n",
            "protocol=https\nhost=\n",
            "protocol=https\nhost=x.org:\n",
            "protocol=https\nhost=x.org:https\n",
            "protocol=https\nhost=x.org:99999\n",
            "protocol=https\nhost=::1\n",
            "protocol=https\nhost=exa mple.com\n",
            "protocol=ht tp\nhost=x.org\n",
            "protocol=1http\nhost=x.org\n",
        ] {
            assert_eq!(origin(none), None, "{none:?}");
        }
    }

    #[test]
    fn only_https_catalogue_hosts_on_the_default_port_are_the_catalogue() {
        let cat = |t: &str| req(t).origin().and_then(|o| o.catalogue_service());
        assert_eq!(cat("protocol=https\nhost=github.com\n"), Some("github"));
        assert_eq!(
            cat("protocol=https\nhost=GitHub.com:443\npath=a/b\n"),
            Some("github")
        );
        assert_eq!(
            cat("protocol=https\nhost=gist.github.com\n"),
            Some("github")
        );
        assert_eq!(cat("protocol=https\nhost=gitlab.com\n"), Some("gitlab"));
        assert_eq!(
            cat("protocol=https\nhost=bitbucket.org\n"),
            Some("bitbucket")
        );
        for not in [
            "protocol=http\nhost=github.com\n",
            "protocol=https\nhost=github.com:8443\n",
            "protocol=https\nhost=github\n",
            "protocol=https\nhost=github.com.\n",
            "protocol=https\nhost=github.com.evil.example\n",
            "protocol=https\nhost=gitlab.example.com\n",
            "protocol=ssh\nhost=github.com\n",
        ] {
            assert_eq!(cat(not), None, "{not:?}");
        }
    }

    #[test]
    fn config_origins_parse_strictly() {
        let p = |t: &str| Origin::parse(t).map(|o| o.to_string());
        assert_eq!(
            p("https://Git.Corp.example:443").unwrap(),
            "https://git.corp.example"
        );
        assert_eq!(
            p("http://127.0.0.1:8080/team/repo.git/").unwrap(),
            "http://127.0.0.1:8080/team/repo.git"
        );
        for bad in [
            "git.corp.example",
            "https://me@x.org",
            "https://me:pw@x.org",
            "https://x.org?q",
            "https://x.org#f",
            "https://",
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn new_credentials_get_readable_free_names() {
        let o = |t: &str| req(t).origin().unwrap();
        let mut reg = Registry::empty();
        let name =
            |reg: &Registry, t: &str, u: &str| fresh_account(reg, &o(t), u).unwrap().to_string();
        assert_eq!(
            name(&reg, "protocol=https\nhost=git.example.com\n", "alice"),
            "git.example.com/alice"
        );
        assert_eq!(
            name(&reg, "protocol=http\nhost=github:18080\n", "me"),
            "github-18080/me"
        );
        assert_eq!(
            name(&reg, "protocol=https\nhost=[::1]:8443\n", "a b"),
            "1-8443/a-b"
        );
        assert_eq!(name(&reg, "url=cert:///etc/c.pem\n", ""), "cert/default");
        let taken = AccountMeta::new(Kind::ApiKey, "file", OffsetDateTime::UNIX_EPOCH);
        reg.accounts
            .insert("git.example.com/alice".into(), taken.clone());
        reg.accounts.insert("git.example.com-2/alice".into(), taken);
        assert_eq!(
            name(&reg, "protocol=http\nhost=git.example.com\n", "alice"),
            "git.example.com-3/alice"
        );
    }

    #[test]
    fn operations() {
        assert_eq!(Operation::parse("get"), Some(Operation::Get));
        assert_eq!(Operation::parse("store"), Some(Operation::Store));
        assert_eq!(Operation::parse("erase"), Some(Operation::Erase));
        assert_eq!(Operation::parse("capability"), None);
        assert_eq!(Operation::parse("GET"), None);
    }

    #[test]
    fn answers_only_what_git_can_carry() {
        let a = |v: &[u8]| Answer {
            address: "h/u/api_key".parse().unwrap(),
            source: Source::Stored,
            username: "u".into(),
            password: Secret::new(v.to_vec()),
            expires_at: None,
            refresh_token: None,
        };
        assert_eq!(
            &a(b"p w=\xff").to_protocol().unwrap()[..],
            b"username=u\npassword=p w=\xff\n"
        );
        let mut full = a(b"pw");
        full.expires_at = OffsetDateTime::from_unix_timestamp(9_999_999_999).ok();
        full.refresh_token = Some(Secret::from("rt"));
        assert_eq!(
            &full.to_protocol().unwrap()[..],
            b"username=u\npassword=pw\npassword_expiry_utc=9999999999\noauth_refresh_token=rt\n"
        );
        for bad in [&b"a\nb"[..], b"a\0", b"ab\r"] {
            let e = a(bad).to_protocol().unwrap_err();
            assert_eq!(
                e.to_string(),
                "'h/u/api_key' holds a line break or NUL byte, which git's credential protocol cannot carry"
            );
        }
    }

    fn memory() -> (tempfile::TempDir, Sigil) {
        let dir = tempfile::tempdir().unwrap();
        let sigil = Sigil::builder()
            .home(dir.path().join("home"))
            .memory()
            .open()
            .unwrap();
        (dir, sigil)
    }

    fn put(sigil: &Sigil, addr: &str, v: &str, kind: Option<Kind>) {
        let opts = PutOptions {
            kind,
            ..PutOptions::default()
        };
        sigil
            .put(&addr.parse().unwrap(), &Secret::from(v), &opts)
            .unwrap();
    }

    fn answer(sigil: &Sigil, text: &str) -> Option<(String, String)> {
        get(sigil, &req(text))
            .unwrap()
            .map(|a| (a.username, a.password.expose_str().unwrap().to_owned()))
    }

    #[test]
    fn store_get_erase_are_bound_to_the_origin() {
        let (_d, s) = memory();
        let f = |a: &str| a.parse::<FieldAddress>().unwrap();
        let at = "protocol=https\nhost=git.example.com\n";
        let with = |rest: &str| req(&format!("{at}{rest}"));
        assert_eq!(answer(&s, &format!("{at}username=me\n")), None);
        let o = store(&s, &with("username=me\npassword=t1\n")).unwrap();
        assert_eq!(o, Outcome::Stored(f("git.example.com/me/api_key")));
        let o = store(&s, &with("username=me\npassword=t1\n")).unwrap();
        assert_eq!(o, Outcome::Unchanged(f("git.example.com/me/api_key")));
        assert_eq!(answer(&s, at), Some(("me".into(), "t1".into())));
        for other in [
            "protocol=http\nhost=git.example.com\n",
            "protocol=https\nhost=git.example.com:8443\n",
            "protocol=https\nhost=git.example.com\npath=x.git\n",
            "protocol=https\nhost=example.com\n",
            "protocol=https\nhost=git.example.com.\n",
        ] {
            assert_eq!(answer(&s, other), None, "{other:?}");
        }
        let o = store(&s, &with("username=me\npassword=t2\n")).unwrap();
        assert_eq!(o, Outcome::Replaced(f("git.example.com/me/api_key")));
        let o = erase(&s, &with("username=me\npassword=t1\n")).unwrap();
        assert_eq!(o, Outcome::Newer(f("git.example.com/me/api_key")));
        assert_eq!(answer(&s, at), Some(("me".into(), "t2".into())));
        // The same username at another port is another credential.
        let o = store(&s, &req("url=https://me:p@git.example.com:8443\n")).unwrap();
        assert_eq!(o, Outcome::Stored(f("git.example.com-8443/me/api_key")));
        let o = erase(&s, &with("")).unwrap();
        assert_eq!(o, Outcome::Erased(vec![f("git.example.com/me/api_key")]));
        assert_eq!(answer(&s, at), None);
        assert_eq!(
            answer(&s, "url=https://git.example.com:8443\n"),
            Some(("me".into(), "p".into()))
        );
        // Ephemeral credentials, and requests without a password, are not stored.
        for nothing in [
            "username=me\npassword=x\nephemeral=1\n",
            "username=me\n",
            "password=x\n",
        ] {
            assert_eq!(
                store(&s, &with(nothing)).unwrap(),
                Outcome::Nothing,
                "{nothing}"
            );
        }
        assert_eq!(s.list(None).unwrap().len(), 1);
    }

    #[test]
    fn catalogue_accounts_are_answered_but_never_changed_by_git() {
        let (_d, s) = memory();
        put(&s, "github/me/api_key", "pat", None);
        put(&s, "gitlab/me/token", "at", Some(Kind::Oauth));
        let gh = "protocol=https\nhost=github.com\nusername=me\n";
        assert_eq!(answer(&s, gh), Some(("me".into(), "pat".into())));
        assert_eq!(
            answer(&s, "protocol=http\nhost=github.com\nusername=me\n"),
            None
        );
        assert_eq!(
            answer(&s, "protocol=https\nhost=github\nusername=me\n"),
            None
        );
        let with = |q: &str, p: &str| req(&format!("{q}password={p}\n"));
        let pat = "github/me/api_key".parse::<FieldAddress>().unwrap();
        assert_eq!(
            store(&s, &with(gh, "pat")).unwrap(),
            Outcome::Unchanged(pat.clone())
        );
        assert_eq!(
            erase(&s, &with(gh, "pat")).unwrap(),
            Outcome::NotOwned(pat.clone())
        );
        assert_eq!(answer(&s, gh), Some(("me".into(), "pat".into())));
        // A different password that worked is git's own, and answers from then on.
        let o = store(&s, &with(gh, "typed")).unwrap();
        assert_eq!(o, Outcome::Stored("github.com/me/api_key".parse().unwrap()));
        assert_eq!(answer(&s, gh), Some(("me".into(), "typed".into())));
        assert_eq!(s.get("github/me").unwrap().expose(), b"pat");
        let gl = "protocol=https\nhost=gitlab.com\nusername=me\n";
        let token = "gitlab/me/token".parse::<FieldAddress>().unwrap();
        assert_eq!(answer(&s, gl), Some(("me".into(), "at".into())));
        assert_eq!(
            store(&s, &with(gl, "at")).unwrap(),
            Outcome::Unchanged(token.clone())
        );
        assert_eq!(
            erase(&s, &with(gl, "old")).unwrap(),
            Outcome::Newer(token.clone())
        );
        assert_eq!(s.get("gitlab/me").unwrap().expose(), b"at");
    }
}
