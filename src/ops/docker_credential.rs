//! Docker's credential helper protocol over sigil (docker-credential-helpers): what
//! `docker-credential-sigil store|get|erase|list` does, kept in the library so that other
//! programs bind registry servers the same way.
//!
//! docker (and skopeo, podman, buildah, through `credHelpers`) runs the helper with one action
//! and writes its input on stdin: `store` gets `{"ServerURL","Username","Secret"}` as JSON,
//! `get` and `erase` get the server URL as text, `list` gets nothing. `get` answers with the
//! same JSON object, or with "credentials not found in native keychain" and exit 1; every
//! error is one line on stdout and exit 1. An identity token travels as the username
//! `<token>`.
//!
//! The client, not the registry, chooses the server URL, and it takes it from an image
//! reference that anyone can write (`FROM evil.example:5000/x`), so every answer is bound to
//! exactly one server ([`Server`]): scheme (when the client sends one), host, port and path.
//! `127.0.0.1:5000`, `localhost:5000`, `https://127.0.0.1:5000` and `127.0.0.1:5001` are four
//! servers, and `https://index.docker.io/v1/` (docker's name for Docker Hub) is neither
//! `index.docker.io` nor `docker.io`. Two sources answer, the first that has something
//! winning:
//!
//! 1. a server the user mapped in `config.toml` (`[docker."ghcr.io"] address = "github/me"`),
//!    for exactly that server: an account of sigil's, OAuth tokens refreshed on the way;
//! 2. a credential docker itself stored (`store`), recorded in `accounts.toml` with the
//!    server it came from ([`Binding`] by `docker`), for exactly that server.
//!
//! `store` and `erase` change only what docker stored: a mapped account belongs to the user.

use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, ExitClass, Result};
use crate::model::registry::{Binding, Kind, Registry};
use crate::model::secret::Secret;
use crate::ops::add::{Add, Conflict};
use crate::ops::git_credential::{default_port, normalise_host};
use crate::{PutOptions, Sigil};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use zeroize::Zeroizing;

/// The most input the helper reads: docker sends a few hundred bytes.
pub const MAX_INPUT: usize = 1 << 20;

/// The `by` of the credentials this helper stores.
pub const HELPER: &str = "docker";

/// The field a docker-stored credential keeps its secret in: the default one, so that
/// `sigil get HOST/USER` reads it as git's stored credentials are read.
pub const SECRET_FIELD: &str = crate::model::address::DEFAULT_FIELD;

/// The username that says the secret is an identity token (an OAuth refresh token the
/// registry issued), not a password.
pub const TOKEN_USERNAME: &str = "<token>";

/// The protocol's "not found": the client takes exactly this text as "no credentials" and
/// goes on without them (an anonymous pull, a login prompt).
pub const NOT_FOUND: &str = "credentials not found in native keychain";

/// The protocol's error for input without a server URL.
pub const MISSING_SERVER_URL: &str = "no credentials server URL";

/// The protocol's error for `store` without a username.
pub const MISSING_USERNAME: &str = "no credentials username";

/// An action the client asks the helper for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Save credentials that worked (`docker login`).
    Store,
    /// Answer with the credentials of a server, if there are any.
    Get,
    /// Forget a server's credentials (`docker logout`).
    Erase,
    /// Name every server there are credentials for, with its username.
    List,
    /// Print the helper's name and version.
    Version,
}

impl Operation {
    /// The action named `name`; `None` for any other, which the protocol answers with an
    /// error.
    pub fn parse(name: &str) -> Option<Operation> {
        Some(match name {
            "store" => Operation::Store,
            "get" => Operation::Get,
            "erase" => Operation::Erase,
            "list" => Operation::List,
            "version" => Operation::Version,
            _ => return None,
        })
    }
}

/// What the helper reads from stdin, at most [`MAX_INPUT`] bytes, kept in memory that is
/// wiped when dropped (a `store` carries the secret). The buffer has room for all of it from
/// the start, so that growing it never leaves a copy behind in freed memory; pages that are
/// never written cost nothing.
pub fn read_input(input: impl Read) -> Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX_INPUT + 1));
    input
        .take(MAX_INPUT as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io("cannot read the helper's input", e))?;
    if buf.len() > MAX_INPUT {
        return Err(Error::Usage(
            "the helper's input is larger than 1 MiB".into(),
        ));
    }
    Ok(buf)
}

/// The server URL of a `get` or `erase`: the input with surrounding white space removed, as
/// the protocol reads it. Input that is not UTF-8 names no server that sigil could have.
pub fn server_url(input: &[u8]) -> Result<Option<&str>> {
    let Ok(text) = std::str::from_utf8(input) else {
        return Ok(None);
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::Usage(MISSING_SERVER_URL.into()));
    }
    Ok(Some(text))
}

/// A registry server as credentials are bound to it, normalised so that two spellings of
/// one server compare equal and nothing else does: the scheme when the client sent one
/// (`http` or `https`), the host as a URL host (lowercased, internationalised names in their
/// ASCII form, IP addresses canonical), the port (dropped only when it is the scheme's
/// default), and the path without trailing slashes. A userinfo, query, fragment, percent
/// escape, backslash, white space or control character makes no server at all: none is in a
/// name docker sends, and each is a way to make one server look like another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Server(String);

impl Server {
    /// The server named by `text`, or `None` when it names none.
    pub fn parse(text: &str) -> Option<Server> {
        if text.is_empty()
            || text
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "@?#%\\".contains(c))
        {
            return None;
        }
        let (scheme, rest) = match text.split_once("://") {
            Some((scheme, rest)) => {
                let scheme = scheme.to_ascii_lowercase();
                if scheme != "http" && scheme != "https" {
                    return None;
                }
                (Some(scheme), rest)
            }
            None => (None, text),
        };
        let (authority, path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], rest[slash..].trim_end_matches('/')),
            None => (rest, ""),
        };
        let (host, port) = normalise_host(authority).filter(|(h, _)| !h.is_empty())?;
        let port = port.filter(|&p| scheme.as_deref().is_none_or(|s| default_port(s) != Some(p)));
        let mut out = scheme.map(|s| format!("{s}://")).unwrap_or_default();
        out.push_str(&host);
        if let Some(p) = port {
            out.push_str(&format!(":{p}"));
        }
        out.push_str(path);
        Some(Server(out))
    }

    /// The normalised text, as recorded with a stored credential.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The service name a new docker-stored credential for this server is filed under: the
    /// host and port, made to fit the service grammar. Only a name: the server recorded
    /// with the credential is what it is matched on.
    fn service_name(&self) -> String {
        crate::ops::add::service_of_server(&self.0)
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What `store` reads: the protocol's JSON object. Keys match case-insensitively, as the
/// protocol's own decoder matches them; other keys are ignored.
#[derive(Debug)]
pub struct Credentials {
    /// `ServerURL`, as sent.
    pub server_url: String,
    /// `Username`, or [`TOKEN_USERNAME`].
    pub username: String,
    /// `Secret`: the password or identity token.
    pub secret: Secret,
}

impl Credentials {
    /// Parses `store`'s input: the first JSON value in it, which must be an object with a
    /// server URL and a username. The error never repeats the input, which holds a secret.
    pub fn parse(input: &[u8]) -> Result<Credentials> {
        let creds = serde_json::Deserializer::from_slice(input)
            .into_iter::<Credentials>()
            .next()
            .ok_or_else(|| Error::Usage("the helper's input holds no credentials".into()))?
            .map_err(not_credentials)?;
        if creds.server_url.is_empty() {
            return Err(Error::Usage(MISSING_SERVER_URL.into()));
        }
        if creds.username.is_empty() {
            return Err(Error::Usage(MISSING_USERNAME.into()));
        }
        Ok(creds)
    }
}

/// A JSON error without serde's words, which repeat a value of the wrong type (a secret
/// given as a number): only what kind of error it is and where.
fn not_credentials(e: serde_json::Error) -> Error {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "cannot be read",
        Category::Syntax => "is not JSON",
        Category::Data => "is not a JSON object of strings",
        Category::Eof => "ends inside its JSON",
    };
    Error::Usage(format!(
        "the helper's input is not the credentials: it {what} at line {} column {}",
        e.line(),
        e.column()
    ))
}

impl<'de> serde::Deserialize<'de> for Credentials {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Credentials;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object with ServerURL, Username and Secret")
            }
            fn visit_map<M: MapAccess<'de>>(
                self,
                mut m: M,
            ) -> std::result::Result<Self::Value, M::Error> {
                let mut c = Credentials {
                    server_url: String::new(),
                    username: String::new(),
                    secret: Secret::new(Vec::new()),
                };
                while let Some(key) = m.next_key::<String>()? {
                    let is = |name: &str| key.eq_ignore_ascii_case(name);
                    if is("ServerURL") {
                        c.server_url = m.next_value::<Option<String>>()?.unwrap_or_default();
                    } else if is("Username") {
                        c.username = m.next_value::<Option<String>>()?.unwrap_or_default();
                    } else if is("Secret") {
                        let v = m.next_value::<Option<String>>()?.unwrap_or_default();
                        c.secret = Secret::new(v.into_bytes());
                    } else {
                        m.next_value::<de::IgnoredAny>()?;
                    }
                }
                Ok(c)
            }
        }
        d.deserialize_map(Fields)
    }
}

/// What `get` answers.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The server URL exactly as the client sent it.
    pub server_url: String,
    /// Where the secret was read.
    pub address: FieldAddress,
    /// `Username` (or [`TOKEN_USERNAME`]).
    pub username: String,
    /// `Secret`.
    pub secret: Secret,
}

impl Answer {
    /// The answer as the protocol's JSON object, with a newline. A secret that is not text
    /// is an error that names the address, never the value.
    pub fn to_protocol(&self) -> Result<Zeroizing<Vec<u8>>> {
        let secret = std::str::from_utf8(self.secret.expose()).map_err(|_| {
            Error::other(
                format!(
                    "'{}' is not UTF-8 text, which docker's credential protocol cannot carry",
                    self.address
                ),
                Some("store a text password or token for docker in that field".into()),
            )
        })?;
        #[derive(serde::Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Wire<'a> {
            #[serde(rename = "ServerURL")]
            server_url: &'a str,
            username: &'a str,
            secret: &'a str,
        }
        // Room for the worst escaping up front, so the buffer holding the secret never moves.
        let room = 6 * (secret.len() + self.username.len() + self.server_url.len()) + 64;
        let mut out = Zeroizing::new(Vec::with_capacity(room));
        let wire = Wire {
            server_url: &self.server_url,
            username: &self.username,
            secret,
        };
        serde_json::to_writer(&mut *out, &wire)
            .map_err(|e| Error::other(format!("cannot write the answer: {e}"), None))?;
        out.push(b'\n');
        Ok(out)
    }
}

/// What `store` or `erase` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do: the input names no server sigil could hold, or nothing is stored there.
    Nothing,
    /// `store`: the credential already held this value.
    Unchanged(FieldAddress),
    /// `store`: saved a new credential for the server.
    Stored(FieldAddress),
    /// `store`: replaced the server's credential.
    Replaced(FieldAddress),
    /// `erase`: deleted these.
    Erased(Vec<FieldAddress>),
    /// `erase`: the server is mapped to an account of the user's, which stays.
    MappedKept(Address),
}

/// The account mapped to `server` in `config.toml`, with the username sent with it. A
/// malformed `[docker]` table is an error on every call, so that a typo never silently
/// sends a credential elsewhere.
fn mapping(sigil: &Sigil, server: &Server) -> Result<Option<(Address, String)>> {
    let mut found = None;
    for (key, m) in &sigil.config().docker {
        let bad = |why: String| {
            Error::other(
                format!(
                    "config.toml maps the docker server '{}', which {why}",
                    key.escape_debug()
                ),
                Some(
                    "write it as docker names it, [docker.\"host[:port]\"] with address = \
                     \"service/account\""
                        .into(),
                ),
            )
        };
        let mapped = Server::parse(key)
            .ok_or_else(|| bad("is not a registry server (host[:port][/path])".into()))?;
        let address = Address::parse(&m.address).map_err(|e| bad(format!("names {e}")))?;
        if mapped == *server {
            if found.is_some() {
                return Err(bad(format!("is mapped twice (as '{server}')")));
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

/// The accounts docker stored for exactly `server`, with the username each goes with.
fn stored_for(reg: &Registry, server: &Server) -> Vec<(Address, String)> {
    reg.accounts
        .iter()
        .filter_map(|(key, meta)| {
            let b = meta.bound.as_ref()?;
            (b.by == HELPER && b.origin == server.as_str())
                .then(|| Some((key.parse::<Address>().ok()?, b.username.clone())))?
        })
        .collect()
}

/// `get`: the credentials for exactly the server named by `url`, or `None` (the protocol's
/// "not found"). A server with two stored credentials (an interrupted `store`) answers none.
/// Failures other than "not found" (a policy, a locked identity, an unavailable keyring) are
/// errors; the read is audited as a `docker` use.
pub fn get(sigil: &Sigil, url: &str) -> Result<Option<Answer>> {
    let Some(server) = Server::parse(url) else {
        return Ok(None);
    };
    let (address, username) = match mapping(sigil, &server)? {
        Some(mapped) => mapped,
        None => {
            let reg = Registry::load(sigil.paths())?;
            let mut found = stored_for(&reg, &server);
            if found.len() != 1 {
                return Ok(None);
            }
            let (account, username) = found.remove(0);
            (account.with_field(SECRET_FIELD)?.into(), username)
        }
    };
    let (address, secret) = match sigil.get_address(&address) {
        Ok(found) => found,
        Err(e) if e.class() == ExitClass::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(Answer {
        server_url: url.to_owned(),
        address,
        username,
        secret,
    }))
}

/// `store`: saves what the client logged in with, for exactly its server, as the server's
/// one credential (docker keeps one per server): the credential docker stored earlier for
/// the same server and username is replaced, one for another username gives way to the new
/// one. A mapped server is the user's: storing the value it already holds is a no-op, and
/// any other value is an error.
pub fn store(sigil: &Sigil, creds: &Credentials) -> Result<Outcome> {
    let server = Server::parse(creds.server_url.trim()).ok_or_else(|| {
        Error::Usage(format!(
            "'{}' is not a registry server (host[:port][/path])",
            creds.server_url.escape_debug()
        ))
    })?;
    if let Some((address, _)) = mapping(sigil, &server)? {
        crate::ops::policy::admit(sigil, &address)?;
        let field = sigil.resolve_field(&address)?;
        if stored_value(sigil, &field)?.is_some_and(|v| v == creds.secret) {
            return Ok(Outcome::Unchanged(field));
        }
        return Err(Error::Refused {
            message: format!(
                "'{server}' is mapped to '{address}' in config.toml, which docker does not change"
            ),
            help: Some(format!(
                "change it with `sigil add {address} --force`, or remove [docker.\"{server}\"] \
                 from config.toml to let docker store its own"
            )),
        });
    }
    let reg = Registry::load(sigil.paths())?;
    let existing = stored_for(&reg, &server);
    for (account, _) in &existing {
        crate::ops::policy::admit(sigil, account)?;
    }
    let same = existing
        .iter()
        .find(|(_, u)| *u == creds.username)
        .map(|(a, _)| a.clone());
    let account = match &same {
        Some(a) => a.clone(),
        None => fresh_account(&reg, &server, &creds.username)?,
    };
    let field = account.with_field(SECRET_FIELD)?;
    let unchanged = same.is_some()
        && existing.len() == 1
        && stored_value(sigil, &field)?.is_some_and(|v| v == creds.secret);
    if unchanged {
        return Ok(Outcome::Unchanged(field));
    }
    let opts = PutOptions {
        // Only docker's own credential is replaced: a fresh name that someone took meanwhile
        // is refused, not overwritten.
        force: same.is_some(),
        kind: Some(Kind::Password),
        bound: Some(Binding {
            by: HELPER.to_owned(),
            origin: server.to_string(),
            username: creds.username.clone(),
        }),
        ..PutOptions::default()
    };
    let fields = [(field.clone(), &creds.secret)];
    sigil.add(&Add {
        fields: &fields,
        drop: &[],
        opts: &opts,
        new_account_kind: Some(Kind::Password),
        conflict: Conflict::EachField,
        event: "add",
        shown: vec![field.to_string()],
        adjust: &|_| {},
    })?;
    // The server's other credentials go once the new one is in: an interruption between the
    // two leaves two, which `get` answers with neither rather than with the wrong one.
    for (old, _) in existing.iter().filter(|(a, _)| Some(a) != same.as_ref()) {
        delete(sigil, old)?;
    }
    Ok(match same {
        Some(_) => Outcome::Replaced(field),
        None if existing.is_empty() => Outcome::Stored(field),
        None => Outcome::Replaced(field),
    })
}

/// `erase`: deletes what docker stored for exactly the server named by `url`. A mapped
/// account is the user's and stays. Erasing what is not there succeeds: `docker logout`
/// erases each spelling of a server it might have stored under.
pub fn erase(sigil: &Sigil, url: &str) -> Result<Outcome> {
    let Some(server) = Server::parse(url) else {
        return Ok(Outcome::Nothing);
    };
    let reg = Registry::load(sigil.paths())?;
    let mut erased = Vec::new();
    for (account, _) in stored_for(&reg, &server) {
        crate::ops::policy::admit(sigil, &account)?;
        erased.extend(delete(sigil, &account)?);
    }
    if !erased.is_empty() {
        return Ok(Outcome::Erased(erased));
    }
    Ok(match mapping(sigil, &server)? {
        Some((address, _)) => Outcome::MappedKept(address),
        None => Outcome::Nothing,
    })
}

/// `list`: every server there are credentials for (docker's own and the mapped ones), with
/// its username. Names only: no secret is read, so nothing is audited or refused.
pub fn list(sigil: &Sigil) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (_, meta) in Registry::load(sigil.paths())?.accounts {
        if let Some(b) = meta.bound.filter(|b| b.by == HELPER) {
            out.insert(b.origin, b.username);
        }
    }
    for key in sigil.config().docker.keys() {
        if let Some(server) = Server::parse(key)
            && let Some((_, username)) = mapping(sigil, &server)?
        {
            out.insert(server.to_string(), username);
        }
    }
    Ok(out)
}

/// `list`'s answer: the protocol's JSON object of server to username, with a newline.
pub fn list_to_protocol(list: &BTreeMap<String, String>) -> Result<Vec<u8>> {
    let mut out = serde_json::to_vec(list)
        .map_err(|e| Error::other(format!("cannot write the list: {e}"), None))?;
    out.push(b'\n');
    Ok(out)
}

/// Deletes an account; one that is gone already is not an error.
fn delete(sigil: &Sigil, account: &Address) -> Result<Vec<FieldAddress>> {
    match sigil.delete(account) {
        Ok(gone) => Ok(gone),
        Err(e) if e.class() == ExitClass::NotFound => Ok(vec![]),
        Err(e) => Err(e),
    }
}

/// A free `service/account` for a new docker-stored credential: the server's host and port
/// and the username (`ops::add::fresh_account`); an identity token is `identity-token`.
fn fresh_account(reg: &Registry, server: &Server, username: &str) -> Result<Address> {
    let username = if username == TOKEN_USERNAME {
        "identity-token"
    } else {
        username
    };
    crate::ops::add::fresh_account(reg, &server.service_name(), username, server)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn server(text: &str) -> Option<String> {
        Server::parse(text).map(|s| s.to_string())
    }

    #[test]
    fn servers_are_normalised_and_nothing_else() {
        for (text, want) in [
            ("127.0.0.1:5000", "127.0.0.1:5000"),
            ("LOCALHOST:5000", "localhost:5000"),
            ("https://index.docker.io/v1/", "https://index.docker.io/v1"),
            ("HTTPS://Index.Docker.IO/v1//", "https://index.docker.io/v1"),
            ("https://ghcr.io:443", "https://ghcr.io"),
            ("http://ghcr.io:80/", "http://ghcr.io"),
            ("http://ghcr.io:443", "http://ghcr.io:443"),
            ("ghcr.io:443", "ghcr.io:443"),
            ("[::1]:5000", "[::1]:5000"),
            ("bücher.example", "xn--bcher-kva.example"),
            ("registry.example.", "registry.example."),
        ] {
            assert_eq!(server(text).as_deref(), Some(want), "{text}");
        }
        for text in [
            "",
            "user@ghcr.io",
            "https://user:pw@ghcr.io",
            "ghcr.io?x=1",
            "ghcr.io#x",
            "ghcr%2eio",
            "ghcr.io\\x",
            "ghcr .io",
            "ghcr.io\n",
            "ftp://ghcr.io",
            "file:///etc",
            "https://",
            ":5000",
            "ghcr.io:",
            "ghcr.io:99999",
            "ghcr.io:5x",
            "/v1",
        ] {
            assert_eq!(server(text), None, "{text:?}");
        }
        // Distinct servers stay distinct.
        let all = [
            "127.0.0.1:5000",
            "127.0.0.1:5001",
            "localhost:5000",
            "https://127.0.0.1:5000",
            "http://127.0.0.1:5000",
            "127.0.0.1:5000/other",
            "https://index.docker.io/v1/",
            "index.docker.io",
            "docker.io",
            "registry-1.docker.io",
        ];
        let parsed: std::collections::BTreeSet<String> =
            all.iter().map(|t| server(t).unwrap()).collect();
        assert_eq!(parsed.len(), all.len());
    }

    #[test]
    fn operations() {
        for name in ["store", "get", "erase", "list", "version"] {
            assert!(Operation::parse(name).is_some(), "{name}");
        }
        for name in ["", "GET", "get ", "capability", "fill"] {
            assert_eq!(Operation::parse(name), None, "{name}");
        }
    }

    #[test]
    fn credentials_parse_as_the_protocol_reads_them() {
        let c = Credentials::parse(
            br#"{"serverurl":"127.0.0.1:5000","USERNAME":"alice","Secret":"s\u0033cret","x":[1]} trailing"#,
        )
        .unwrap();
        assert_eq!(c.server_url, "127.0.0.1:5000");
        assert_eq!(c.username, "alice");
        assert_eq!(c.secret.expose(), b"s3cret");
        for (input, want) in [
            (&b""[..], "holds no credentials"),
            (b"not json", "is not the credentials"),
            (b"[1,2]", "is not the credentials"),
            (br#"{"ServerURL":1}"#, "is not the credentials"),
            (br#"{"Username":"a","Secret":"s"}"#, MISSING_SERVER_URL),
            (br#"{"ServerURL":"h","Secret":"s"}"#, MISSING_USERNAME),
            (br#"{"ServerURL":"h","Username":null}"#, MISSING_USERNAME),
        ] {
            let e = Credentials::parse(input).unwrap_err().to_string();
            assert!(e.contains(want), "{input:?}: {e}");
        }
        // The secret is never in an error, nor in the Debug form.
        let e = Credentials::parse(br#"{"Secret":"hunter2","ServerURL":"h""#)
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        // Nor the value of a field of the wrong type, nor a bare string.
        for input in [
            &br#"{"ServerURL":"h","Username":"u","Secret":7654321}"#[..],
            br#"{"ServerURL":"h","Username":"u","Secret":["hunter2"]}"#,
            br#""hunter2""#,
            br#"{"ServerURL":"h","Username":"u","Secret":"hunter2\q"}"#,
        ] {
            let e = Credentials::parse(input).unwrap_err().to_string();
            assert!(!e.contains("hunter2") && !e.contains("7654321"), "{e}");
            assert!(e.contains("at line 1 column"), "{e}");
        }
        let c = Credentials::parse(br#"{"ServerURL":"h","Username":"u","Secret":"hunter2"}"#);
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn server_urls_are_trimmed_and_empty_is_an_error() {
        assert_eq!(
            server_url(b" 127.0.0.1:5000\n").unwrap(),
            Some("127.0.0.1:5000")
        );
        assert_eq!(server_url(b"\xff\xfe").unwrap(), None);
        for blank in [&b""[..], b"\n", b" \t\r\n"] {
            let e = server_url(blank).unwrap_err().to_string();
            assert_eq!(e, MISSING_SERVER_URL);
        }
    }

    #[test]
    fn answers_are_the_protocols_json() {
        let answer = Answer {
            server_url: "https://index.docker.io/v1/".into(),
            address: "index.docker.io/alice/api_key".parse().unwrap(),
            username: "alice".into(),
            secret: Secret::from("p\"w\\\n<"),
        };
        assert_eq!(
            String::from_utf8(answer.to_protocol().unwrap().to_vec()).unwrap(),
            "{\"ServerURL\":\"https://index.docker.io/v1/\",\"Username\":\"alice\",\
             \"Secret\":\"p\\\"w\\\\\\n<\"}\n"
        );
        let binary = Answer {
            secret: Secret::new(vec![0xff, 0x00]),
            ..answer
        };
        let e = binary.to_protocol().unwrap_err().to_string();
        assert!(e.contains("index.docker.io/alice/api_key"), "{e}");
    }

    #[test]
    fn new_credentials_get_readable_names() {
        let reg = Registry::default();
        let name = |s: &str, u: &str| {
            fresh_account(&reg, &Server::parse(s).unwrap(), u)
                .unwrap()
                .to_string()
        };
        assert_eq!(name("127.0.0.1:5000", "alice"), "127.0.0.1-5000/alice");
        assert_eq!(
            name("https://index.docker.io/v1/", "alice"),
            "index.docker.io/alice"
        );
        assert_eq!(name("ghcr.io", TOKEN_USERNAME), "ghcr.io/identity-token");
        assert_eq!(name("[::1]:5000", "a b"), "1-5000/a-b");
    }
}
