//! cargo's credential provider protocol over sigil: what `cargo-credential-sigil
//! --cargo-plugin` answers, kept in the library so that other programs bind registry index
//! URLs the same way.
//!
//! cargo starts the provider with `--cargo-plugin`, reads one JSON line from it first (the
//! hello, `{"v":[1]}`), then writes one request per line: `{"v":1,"registry":{"index-url":…,
//! "name":…,"headers":[…]},"kind":"get"|"login"|"logout",…,"args":[…]}`. Each is answered with
//! one line, `{"Ok":{…}}` or `{"Err":{"kind":"not-found"|"operation-not-supported"|"other",…}}`.
//! `get` answers with the token cargo sends as the `Authorization` header, and how long cargo
//! may keep it (`cache`); `login` gets the token in the request; `logout` removes it.
//!
//! cargo, not the registry, names the index URL, but it takes it from configuration and
//! lockfiles that anyone can write (`--index`, a `registry-index` of a dependency), so every
//! answer is bound to exactly one index URL ([`IndexUrl`]): scheme (`sparse+https`, `https`,
//! …), host, port and path. Two sources answer, the first that has something winning:
//!
//! 1. an index URL the user mapped in `config.toml` (`[cargo."sparse+https://…/index/"]
//!    address = "corp/me"`), for exactly that URL: an account of sigil's, OAuth tokens
//!    refreshed on the way;
//! 2. a token `cargo login` stored, recorded in `accounts.toml` with the index URL it came
//!    with ([`Binding`] by `cargo`), for exactly that URL.
//!
//! `login` and `logout` change only what cargo stored: a mapped account belongs to the user.

use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, ExitClass, Result};
use crate::model::registry::{Binding, Kind, Registry};
use crate::model::secret::Secret;
use crate::ops::add::{Add, Conflict};
use crate::ops::git_credential::{default_port, normalise_host};
use crate::{PutOptions, Sigil};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::io::BufRead;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// The most one request line may be: cargo sends a few hundred bytes.
pub const MAX_LINE: usize = 1 << 20;

/// The protocol version sigil speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The `by` of the tokens this provider stores.
pub const HELPER: &str = "cargo";

/// The field a cargo-stored token keeps its secret in: the default one, so that
/// `sigil get HOST/NAME` reads it.
pub const SECRET_FIELD: &str = crate::model::address::DEFAULT_FIELD;

/// The hello the provider writes first: the protocol versions it speaks, with a newline.
pub const HELLO: &str = "{\"v\":[1]}\n";

/// An index URL as tokens are bound to it, normalised so that two spellings of one index
/// compare equal and nothing else does: the scheme (lowercased: `sparse+https`,
/// `sparse+http`, `https`, `http`, `ssh` or `git`), the host as a URL host (lowercased,
/// internationalised names in their ASCII form, IP addresses canonical), the port (dropped
/// only when it is the scheme's default) and the path without trailing slashes. A userinfo,
/// query, fragment, percent escape, backslash, white space or control character makes no
/// index URL at all: each is a way to make one host look like another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexUrl(String);

/// The schemes an index URL may have.
const SCHEMES: [&str; 6] = ["sparse+https", "sparse+http", "https", "http", "ssh", "git"];

impl IndexUrl {
    /// The index URL named by `text`, or `None` when it names none.
    pub fn parse(text: &str) -> Option<IndexUrl> {
        if text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "@?#%\\".contains(c))
        {
            return None;
        }
        let (scheme, rest) = text.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if !SCHEMES.contains(&scheme.as_str()) {
            return None;
        }
        let (authority, path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], rest[slash..].trim_end_matches('/')),
            None => (rest, ""),
        };
        let (host, port) = normalise_host(authority).filter(|(h, _)| !h.is_empty())?;
        let transport = scheme.strip_prefix("sparse+").unwrap_or(&scheme);
        let port = port.filter(|&p| default_port(transport) != Some(p));
        let mut out = format!("{scheme}://{host}");
        if let Some(p) = port {
            out.push_str(&format!(":{p}"));
        }
        out.push_str(path);
        Some(IndexUrl(out))
    }

    /// The normalised text, as recorded with a stored token.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The service name a new cargo-stored token for this index is filed under: the host and
    /// port, made to fit the service grammar. Only a name: the index URL recorded with the
    /// token is what it is matched on.
    fn service_name(&self) -> String {
        crate::ops::add::service_of_server(&self.0)
    }
}

impl fmt::Display for IndexUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What cargo asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A token for the registry (`operation` says what for: read, publish, yank, …).
    Get,
    /// Keep the token the request carries (`cargo login`).
    Login,
    /// Forget the registry's token (`cargo logout`).
    Logout,
    /// A kind this provider does not know: the protocol's "operation not supported".
    Unknown,
}

/// One request from cargo. Its `Debug` form never shows the token.
pub struct Request {
    /// `v`: the protocol version cargo chose.
    pub version: u32,
    /// `registry.index-url`, as sent.
    pub index_url: String,
    /// `registry.name`, when cargo knows it.
    pub name: Option<String>,
    /// `kind`.
    pub action: Action,
    /// `token` of a `login`, when cargo sends one.
    pub token: Option<Secret>,
    /// `args`: the words after the provider's name in cargo's configuration.
    pub args: Vec<String>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("version", &self.version)
            .field("index_url", &self.index_url)
            .field("name", &self.name)
            .field("action", &self.action)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("args", &self.args)
            .finish()
    }
}

impl Request {
    /// Parses one request line. The error never repeats the line, which may hold a token:
    /// it says only what kind of error it is and where.
    pub fn parse(line: &[u8]) -> Result<Request> {
        let wire = serde_json::Deserializer::from_slice(line)
            .into_iter::<Wire>()
            .next()
            .ok_or_else(|| Error::Usage("the request from cargo is empty".into()))?
            .map_err(not_a_request)?;
        let missing = |what: &str| Error::Usage(format!("the request from cargo has no {what}"));
        let version = wire.v.ok_or_else(|| missing("protocol version (v)"))?;
        if version != PROTOCOL_VERSION {
            return Err(Error::Usage(format!(
                "the request from cargo is in protocol version {version}; \
                 cargo-credential-sigil speaks version {PROTOCOL_VERSION}"
            )));
        }
        let index_url = wire
            .index_url
            .filter(|u| !u.is_empty())
            .ok_or_else(|| missing("registry index URL (registry.index-url)"))?;
        let action = match wire.kind.as_deref() {
            Some("get") => Action::Get,
            Some("login") => Action::Login,
            Some("logout") => Action::Logout,
            Some(_) => Action::Unknown,
            None => return Err(missing("kind")),
        };
        Ok(Request {
            version,
            index_url,
            name: wire.name,
            action,
            token: wire.token,
            args: wire.args,
        })
    }
}

/// A JSON error without serde's words, which repeat a value of the wrong type (a token
/// given as a number): only what kind of error it is and where.
fn not_a_request(e: serde_json::Error) -> Error {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "cannot be read",
        Category::Syntax => "is not JSON",
        Category::Data => "is not a request of the credential provider protocol",
        Category::Eof => "ends inside its JSON",
    };
    Error::Usage(format!(
        "the request from cargo {what} at line {} column {}",
        e.line(),
        e.column()
    ))
}

/// The request as it travels: only the keys sigil reads, each checked for its type; other
/// keys (the operation's crate name, version, checksum, the headers) are skipped unread.
#[derive(Default)]
struct Wire {
    v: Option<u32>,
    index_url: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    token: Option<Secret>,
    args: Vec<String>,
}

/// `registry`: the index URL and name.
#[derive(Default)]
struct RegistryWire {
    index_url: Option<String>,
    name: Option<String>,
}

impl<'de> serde::Deserialize<'de> for RegistryWire {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = RegistryWire;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a registry object")
            }
            fn visit_map<M: MapAccess<'de>>(
                self,
                mut m: M,
            ) -> std::result::Result<Self::Value, M::Error> {
                let mut r = RegistryWire::default();
                while let Some(key) = m.next_key::<String>()? {
                    match key.as_str() {
                        "index-url" => r.index_url = m.next_value()?,
                        "name" => r.name = m.next_value()?,
                        _ => {
                            m.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(r)
            }
        }
        d.deserialize_map(Fields)
    }
}

impl<'de> serde::Deserialize<'de> for Wire {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Wire;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a credential request object")
            }
            fn visit_map<M: MapAccess<'de>>(
                self,
                mut m: M,
            ) -> std::result::Result<Self::Value, M::Error> {
                let mut w = Wire::default();
                while let Some(key) = m.next_key::<String>()? {
                    match key.as_str() {
                        "v" => w.v = m.next_value()?,
                        "registry" => {
                            let r = m.next_value::<RegistryWire>()?;
                            w.index_url = r.index_url;
                            w.name = r.name;
                        }
                        "kind" => w.kind = m.next_value()?,
                        "token" => {
                            // Moved into the wiped secret without a copy.
                            w.token = m
                                .next_value::<Option<String>>()?
                                .map(|t| Secret::new(t.into_bytes()));
                        }
                        "args" => {
                            w.args = m.next_value::<Option<Vec<String>>>()?.unwrap_or_default()
                        }
                        _ => {
                            m.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(w)
            }
        }
        d.deserialize_map(Fields)
    }
}

/// Reads one request line from `input`: at most [`MAX_LINE`] bytes, into memory that is
/// wiped when dropped (a `login` carries the token) and has room for all of it from the
/// start, so that growing it never leaves a copy behind. `None` at the end of the input.
pub fn read_line(input: &mut impl BufRead) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX_LINE + 1));
    let n = std::io::Read::take(input, MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut buf)
        .map_err(|e| Error::io("cannot read the request from cargo", e))?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() > MAX_LINE {
        return Err(Error::Usage(
            "the request from cargo is longer than 1 MiB".into(),
        ));
    }
    Ok(Some(buf))
}

/// How long cargo may keep a token it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// For the rest of the cargo command: a token with no known expiry.
    Session,
    /// Until this time (cargo stops using it a minute before): an OAuth access token.
    Expires(OffsetDateTime),
    /// Not at all: a token that expires within the minute.
    Never,
}

/// What `get` answers.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Where the token was read.
    pub address: FieldAddress,
    /// The token.
    pub token: Secret,
    /// How long cargo may keep it.
    pub cache: Cache,
}

/// What `login` or `logout` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `logout`: nothing stored for the index (the protocol's "not found").
    Nothing,
    /// `login`: the token already held this value.
    Unchanged(FieldAddress),
    /// `login`: saved a new token for the index.
    Stored(FieldAddress),
    /// `login`: replaced the index's token.
    Replaced(FieldAddress),
    /// `logout`: deleted these.
    Erased(Vec<FieldAddress>),
}

/// The index named by `text`, or an error that says why it names none.
fn index_or_error(text: &str) -> Result<IndexUrl> {
    IndexUrl::parse(text).ok_or_else(|| {
        Error::Usage(format!(
            "'{}' is not a registry index URL that sigil binds tokens to \
             (sparse+https://host[:port]/path, without a username, query or fragment)",
            text.escape_debug()
        ))
    })
}

/// The account mapped to `index` in `config.toml`. A malformed `[cargo]` table is an error
/// on every call, so that a typo never silently sends a token elsewhere.
fn mapping(sigil: &Sigil, index: &IndexUrl) -> Result<Option<Address>> {
    let mut found = None;
    for (key, m) in &sigil.config().cargo {
        let bad = |why: String| {
            Error::other(
                format!(
                    "config.toml maps the cargo registry '{}', which {why}",
                    key.escape_debug()
                ),
                Some(
                    "write the index URL as cargo's config.toml does, \
                     [cargo.\"sparse+https://host/index/\"] with address = \"service/account\""
                        .into(),
                ),
            )
        };
        let mapped =
            IndexUrl::parse(key).ok_or_else(|| bad("is not a registry index URL".into()))?;
        let address = Address::parse(&m.address).map_err(|e| bad(format!("names {e}")))?;
        if mapped == *index {
            if found.is_some() {
                return Err(bad(format!("is mapped twice (as '{index}')")));
            }
            found = Some(address);
        }
    }
    Ok(found)
}

/// The accounts cargo stored for exactly `index`.
fn stored_for(reg: &Registry, index: &IndexUrl) -> Vec<Address> {
    reg.accounts
        .iter()
        .filter_map(|(key, meta)| {
            let b = meta.bound.as_ref()?;
            (b.by == HELPER && b.origin == index.as_str()).then(|| key.parse::<Address>().ok())?
        })
        .collect()
}

/// `get`: the token for exactly the index named by `url`, or `None` (the protocol's "not
/// found"). An index with two stored tokens (an interrupted `login`) answers none. Failures
/// other than "not found" (a policy, a locked identity, an unavailable keyring) are errors;
/// the read is audited as a `cargo` use. An OAuth token is refreshed first when due, and
/// cargo may keep it only until it expires.
pub fn get(sigil: &Sigil, url: &str) -> Result<Option<Answer>> {
    let Some(index) = IndexUrl::parse(url) else {
        return Ok(None);
    };
    let address = match mapping(sigil, &index)? {
        Some(mapped) => mapped,
        None => {
            let reg = Registry::load(sigil.paths())?;
            let mut found = stored_for(&reg, &index);
            if found.len() != 1 {
                return Ok(None);
            }
            found.remove(0).with_field(SECRET_FIELD)?.into()
        }
    };
    let (address, token) = match sigil.get_address(&address) {
        Ok(found) => found,
        Err(e) if e.class() == ExitClass::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let cache = cache_for(sigil, &address, OffsetDateTime::now_utc())?;
    Ok(Some(Answer {
        address,
        token,
        cache,
    }))
}

/// How long cargo may keep the token read at `address`: an OAuth access token until its
/// expiry (never when that is within the minute, which cargo would not use it for anyway),
/// anything else for the cargo command.
fn cache_for(sigil: &Sigil, address: &FieldAddress, now: OffsetDateTime) -> Result<Cache> {
    let reg = Registry::load(sigil.paths())?;
    let expires = reg
        .accounts
        .get(&address.account_key())
        .filter(|m| m.kind == Kind::Oauth && address.field() == crate::model::address::OAUTH_FIELD)
        .and_then(|m| m.expires_at);
    Ok(match expires {
        None => Cache::Session,
        Some(at) if at > now + time::Duration::minutes(1) => Cache::Expires(at),
        Some(_) => Cache::Never,
    })
}

/// `login`: keeps the token cargo was given, for exactly its index, as the index's one
/// token: the token cargo stored earlier for the index is replaced. A mapped index is the
/// user's: a login with the token it holds is nothing, any other token is an error.
pub fn login(sigil: &Sigil, url: &str, name: Option<&str>, token: &Secret) -> Result<Outcome> {
    let index = index_or_error(url)?;
    if token.expose().is_empty() {
        return Err(Error::Usage("cargo sent an empty token".into()));
    }
    if let Some(address) = mapping(sigil, &index)? {
        crate::ops::policy::admit(sigil, &address)?;
        let field = sigil.resolve_field(&address)?;
        if stored_value(sigil, &field)?.is_some_and(|v| v == *token) {
            return Ok(Outcome::Unchanged(field));
        }
        return Err(Error::Refused {
            message: format!(
                "'{index}' is mapped to '{address}' in config.toml, which cargo does not change"
            ),
            help: Some(format!(
                "change it with `sigil add {address} --force`, or remove [cargo.\"{url}\"] \
                 from config.toml to let cargo keep its own"
            )),
        });
    }
    let reg = Registry::load(sigil.paths())?;
    let existing = stored_for(&reg, &index);
    for account in &existing {
        crate::ops::policy::admit(sigil, account)?;
    }
    let same = existing.first().cloned();
    let account = match &same {
        Some(a) => a.clone(),
        None => fresh_account(&reg, &index, name)?,
    };
    let field = account.with_field(SECRET_FIELD)?;
    if existing.len() == 1 && stored_value(sigil, &field)?.is_some_and(|v| v == *token) {
        return Ok(Outcome::Unchanged(field));
    }
    let opts = PutOptions {
        // Only cargo's own token is replaced: a fresh name that someone took meanwhile is
        // refused, not overwritten.
        force: same.is_some(),
        kind: Some(Kind::ApiKey),
        bound: Some(Binding {
            by: HELPER.to_owned(),
            origin: index.to_string(),
            username: name.unwrap_or_default().to_owned(),
        }),
        ..PutOptions::default()
    };
    let fields = [(field.clone(), token)];
    sigil.add(&Add {
        fields: &fields,
        drop: &[],
        opts: &opts,
        new_account_kind: Some(Kind::ApiKey),
        conflict: Conflict::EachField,
        event: "add",
        shown: vec![field.to_string()],
        adjust: &|_| {},
    })?;
    // Other tokens of the index (an interrupted login) go once the new one is in.
    for old in existing.iter().filter(|a| Some(*a) != same.as_ref()) {
        delete(sigil, old)?;
    }
    Ok(match same {
        Some(_) => Outcome::Replaced(field),
        None => Outcome::Stored(field),
    })
}

/// `logout`: deletes what cargo stored for exactly the index named by `url`; `Nothing` when
/// there is nothing (the protocol's "not found"). A mapped account is the user's, and a
/// logout of it is an error that says so.
pub fn logout(sigil: &Sigil, url: &str) -> Result<Outcome> {
    let Some(index) = IndexUrl::parse(url) else {
        return Ok(Outcome::Nothing);
    };
    if let Some(address) = mapping(sigil, &index)? {
        return Err(Error::Refused {
            message: format!(
                "'{index}' is mapped to '{address}' in config.toml, which cargo does not delete"
            ),
            help: Some(format!(
                "delete it with `sigil rm {address}`, or remove [cargo.\"{url}\"] from \
                 config.toml"
            )),
        });
    }
    let reg = Registry::load(sigil.paths())?;
    let mut erased = Vec::new();
    for account in stored_for(&reg, &index) {
        crate::ops::policy::admit(sigil, &account)?;
        erased.extend(delete(sigil, &account)?);
    }
    Ok(if erased.is_empty() {
        Outcome::Nothing
    } else {
        Outcome::Erased(erased)
    })
}

/// Deletes an account; one that is gone already is not an error.
fn delete(sigil: &Sigil, account: &Address) -> Result<Vec<FieldAddress>> {
    match sigil.delete(account) {
        Ok(gone) => Ok(gone),
        Err(e) if e.class() == ExitClass::NotFound => Ok(vec![]),
        Err(e) => Err(e),
    }
}

/// A free `service/account` for a new cargo-stored token: the index's host and port, and
/// the registry's name in cargo's configuration made to fit the grammar (`token` when cargo
/// sends none), with `-2`, `-3`, … on the service when taken.
fn fresh_account(reg: &Registry, index: &IndexUrl, name: Option<&str>) -> Result<Address> {
    let mut account: String = name
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "@._+-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(128)
        .collect();
    if account.is_empty() || account.chars().all(|c| c == '.') {
        account = "token".into();
    }
    let base = index.service_name();
    for n in 1..10_000 {
        let service = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        if let Ok(a) = Address::new(&service, &account, None)
            && !reg.accounts.contains_key(&a.account_key())
        {
            return Ok(a);
        }
    }
    Err(Error::other(
        format!("cannot find a free name for a token of '{index}'"),
        None,
    ))
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

/// One answer line of the protocol.
#[derive(Debug)]
pub enum Response<'a> {
    /// `{"Ok":{"kind":"get",…}}`.
    Token(&'a Answer),
    /// `{"Ok":{"kind":"login"}}`.
    LoggedIn,
    /// `{"Ok":{"kind":"logout"}}`.
    LoggedOut,
    /// `{"Err":{"kind":"not-found"}}`: cargo tries its next provider, or goes on without.
    NotFound,
    /// `{"Err":{"kind":"operation-not-supported"}}`.
    NotSupported,
    /// `{"Err":{"kind":"other","message":…}}`: cargo stops and shows the message.
    Other(&'a str),
}

impl Response<'_> {
    /// The line as the protocol's JSON, with a newline. A token that is not text is an error
    /// that names the address, never the value.
    pub fn to_protocol(&self) -> Result<Zeroizing<Vec<u8>>> {
        #[derive(serde::Serialize)]
        #[serde(tag = "kind", rename_all = "kebab-case")]
        enum OkWire<'a> {
            Get {
                token: &'a str,
                cache: &'static str,
                #[serde(skip_serializing_if = "Option::is_none")]
                expiration: Option<i64>,
                operation_independent: bool,
            },
            Login,
            Logout,
        }
        #[derive(serde::Serialize)]
        #[serde(tag = "kind", rename_all = "kebab-case")]
        enum ErrWire<'a> {
            NotFound,
            OperationNotSupported,
            Other { message: &'a str },
        }
        #[derive(serde::Serialize)]
        enum Wire<'a> {
            Ok(OkWire<'a>),
            Err(ErrWire<'a>),
        }
        let (wire, room) = match self {
            Response::Token(a) => {
                let token = std::str::from_utf8(a.token.expose()).map_err(|_| {
                    Error::other(
                        format!(
                            "'{}' is not UTF-8 text, which cargo's credential protocol cannot \
                             carry",
                            a.address
                        ),
                        Some("store a text token for cargo in that field".into()),
                    )
                })?;
                let (cache, expiration) = match a.cache {
                    Cache::Session => ("session", None),
                    Cache::Never => ("never", None),
                    Cache::Expires(at) => ("expires", Some(at.unix_timestamp())),
                };
                let get = OkWire::Get {
                    token,
                    cache,
                    expiration,
                    operation_independent: true,
                };
                (Wire::Ok(get), 6 * token.len() + 128)
            }
            Response::LoggedIn => (Wire::Ok(OkWire::Login), 64),
            Response::LoggedOut => (Wire::Ok(OkWire::Logout), 64),
            Response::NotFound => (Wire::Err(ErrWire::NotFound), 64),
            Response::NotSupported => (Wire::Err(ErrWire::OperationNotSupported), 64),
            Response::Other(message) => (
                Wire::Err(ErrWire::Other { message }),
                6 * message.len() + 64,
            ),
        };
        // Room for the worst escaping up front, so the buffer holding the token never moves.
        let mut out = Zeroizing::new(Vec::with_capacity(room));
        serde_json::to_writer(&mut *out, &wire)
            .map_err(|e| Error::other(format!("cannot write the answer: {e}"), None))?;
        out.push(b'\n');
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(text: &str) -> Option<String> {
        IndexUrl::parse(text).map(|s| s.to_string())
    }

    #[test]
    fn index_urls_are_normalised_and_nothing_else() {
        for (text, want) in [
            (
                "sparse+http://127.0.0.1:8080/index/",
                "sparse+http://127.0.0.1:8080/index",
            ),
            (
                "SPARSE+HTTPS://Index.Crates.IO/",
                "sparse+https://index.crates.io",
            ),
            (
                "sparse+https://cargo.example:443/api/v1/crates/",
                "sparse+https://cargo.example/api/v1/crates",
            ),
            (
                "sparse+http://cargo.example:80/i/",
                "sparse+http://cargo.example/i",
            ),
            (
                "https://github.com/rust-lang/crates.io-index",
                "https://github.com/rust-lang/crates.io-index",
            ),
            ("sparse+http://[::1]:9/x/", "sparse+http://[::1]:9/x"),
            (
                "sparse+https://bücher.example/",
                "sparse+https://xn--bcher-kva.example",
            ),
        ] {
            assert_eq!(index(text).as_deref(), Some(want), "{text}");
        }
        for text in [
            "",
            "127.0.0.1:8080/index/",
            "sparse+ftp://h/",
            "file:///srv/index",
            "sparse+https://user@h/",
            "sparse+https://h/?x",
            "sparse+https://h/#x",
            "sparse+https://h/%2e/",
            "sparse+https://h\\x/",
            "sparse+https://h /",
            "sparse+https:///index/",
            "sparse+https://h:99999/",
            "sparse+https://h:/",
        ] {
            assert_eq!(index(text), None, "{text:?}");
        }
        let all = [
            "sparse+http://127.0.0.1:8080/index/",
            "sparse+http://127.0.0.1:8081/index/",
            "sparse+http://localhost:8080/index/",
            "sparse+https://127.0.0.1:8080/index/",
            "http://127.0.0.1:8080/index/",
            "sparse+http://127.0.0.1:8080/other/",
            "sparse+http://127.0.0.1:8080/index/x/",
            "sparse+http://127.0.0.1:8080/Index/",
            "sparse+https://index.crates.io/",
        ];
        let parsed: std::collections::BTreeSet<String> =
            all.iter().map(|t| index(t).unwrap()).collect();
        assert_eq!(parsed.len(), all.len());
    }

    #[test]
    fn requests_parse_as_cargo_sends_them() {
        let r = Request::parse(
            br#"{"v":1,"registry":{"index-url":"sparse+http://h/i/","name":"local","headers":["WWW-Authenticate: Cargo"],"x":1},"kind":"get","operation":"publish","name":"c","vers":"1.0.0","cksum":"ab","args":["--backend","file"]}"#,
        )
        .unwrap();
        assert_eq!(
            (r.version, r.index_url.as_str(), r.name.as_deref(), r.action),
            (1, "sparse+http://h/i/", Some("local"), Action::Get)
        );
        assert_eq!(r.args, ["--backend", "file"]);
        let r = Request::parse(
            br#"{"v":1,"registry":{"index-url":"u"},"kind":"login","token":"t\u006fk","login-url":"x"}"#,
        )
        .unwrap();
        assert_eq!(r.action, Action::Login);
        assert_eq!(r.token.as_ref().unwrap().expose(), b"tok");
        assert!(!format!("{r:?}").contains("tok\""), "{r:?}");
        let r = Request::parse(br#"{"v":1,"registry":{"index-url":"u"},"kind":"frob"}"#).unwrap();
        assert_eq!(r.action, Action::Unknown);
        for (line, want) in [
            (&b""[..], "is empty"),
            (b"not json", "is not JSON"),
            (b"[1]", "is not a request"),
            (br#"{"v":"1"}"#, "is not a request"),
            (br#"{"v":1,"registry":{"index-url":"u"}"#, "ends inside"),
            (
                br#"{"registry":{"index-url":"u"},"kind":"get"}"#,
                "no protocol version",
            ),
            (
                br#"{"v":2,"registry":{"index-url":"u"},"kind":"get"}"#,
                "version 2",
            ),
            (br#"{"v":1,"kind":"get"}"#, "no registry index URL"),
            (br#"{"v":1,"registry":{"index-url":"u"}}"#, "no kind"),
        ] {
            let e = Request::parse(line).unwrap_err().to_string();
            assert!(e.contains(want), "{line:?}: {e}");
        }
        // A token of the wrong type is never repeated.
        for line in [
            &br#"{"v":1,"registry":{"index-url":"u"},"kind":"login","token":7654321}"#[..],
            br#"{"v":1,"registry":{"index-url":"u"},"kind":"login","token":["hunter2"]}"#,
            br#"{"v":1,"registry":{"index-url":"u"},"kind":"login","token":"hunter2\q"}"#,
        ] {
            let e = Request::parse(line).unwrap_err().to_string();
            assert!(!e.contains("hunter2") && !e.contains("7654321"), "{e}");
            assert!(e.contains("at line 1 column"), "{e}");
        }
    }

    #[test]
    fn answers_are_the_protocols_json() {
        let line = |r: Response| String::from_utf8(r.to_protocol().unwrap().to_vec()).unwrap();
        let mut answer = Answer {
            address: "h/local/api_key".parse().unwrap(),
            token: Secret::from("t\"k"),
            cache: Cache::Session,
        };
        assert_eq!(
            line(Response::Token(&answer)),
            "{\"Ok\":{\"kind\":\"get\",\"token\":\"t\\\"k\",\"cache\":\"session\",\
             \"operation_independent\":true}}\n"
        );
        answer.cache = Cache::Expires(OffsetDateTime::from_unix_timestamp(1693928537).unwrap());
        assert_eq!(
            line(Response::Token(&answer)),
            "{\"Ok\":{\"kind\":\"get\",\"token\":\"t\\\"k\",\"cache\":\"expires\",\
             \"expiration\":1693928537,\"operation_independent\":true}}\n"
        );
        answer.cache = Cache::Never;
        assert!(line(Response::Token(&answer)).contains("\"cache\":\"never\""));
        assert_eq!(line(Response::LoggedIn), "{\"Ok\":{\"kind\":\"login\"}}\n");
        assert_eq!(
            line(Response::LoggedOut),
            "{\"Ok\":{\"kind\":\"logout\"}}\n"
        );
        assert_eq!(
            line(Response::NotFound),
            "{\"Err\":{\"kind\":\"not-found\"}}\n"
        );
        assert_eq!(
            line(Response::NotSupported),
            "{\"Err\":{\"kind\":\"operation-not-supported\"}}\n"
        );
        assert_eq!(
            line(Response::Other("no \"x\"")),
            "{\"Err\":{\"kind\":\"other\",\"message\":\"no \\\"x\\\"\"}}\n"
        );
        answer.token = Secret::new(vec![0xff]);
        let e = Response::Token(&answer)
            .to_protocol()
            .unwrap_err()
            .to_string();
        assert!(e.contains("h/local/api_key"), "{e}");
        assert_eq!(HELLO, "{\"v\":[1]}\n");
    }

    #[test]
    fn new_tokens_get_readable_names() {
        let reg = Registry::default();
        let name = |u: &str, n: Option<&str>| {
            fresh_account(&reg, &IndexUrl::parse(u).unwrap(), n)
                .unwrap()
                .to_string()
        };
        assert_eq!(
            name("sparse+http://127.0.0.1:8080/index/", Some("local")),
            "127.0.0.1-8080/local"
        );
        assert_eq!(
            name("sparse+https://index.crates.io/", Some("crates-io")),
            "index.crates.io/crates-io"
        );
        assert_eq!(name("sparse+https://h.example/", None), "h.example/token");
        assert_eq!(name("sparse+http://[::1]:9/", Some("a b")), "1-9/a-b");
    }

    #[test]
    fn lines_are_bounded() {
        let mut input = std::io::Cursor::new(b"{\"v\":1}\nsecond".to_vec());
        assert_eq!(&**read_line(&mut input).unwrap().unwrap(), b"{\"v\":1}\n");
        assert_eq!(&**read_line(&mut input).unwrap().unwrap(), b"second");
        assert!(read_line(&mut input).unwrap().is_none());
        let mut big = std::io::Cursor::new(vec![b'x'; MAX_LINE + 5]);
        let e = read_line(&mut big).unwrap_err().to_string();
        assert!(e.contains("longer than 1 MiB"), "{e}");
    }
}
