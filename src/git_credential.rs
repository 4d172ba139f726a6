//! git's credential helper protocol over sigil (gitcredentials(7), git-credential(1)): what
//! `git-credential-sigil get|store|erase` does, kept in the library so that other programs
//! (and `sigil migrate`, which moves `~/.git-credentials` here) map hosts the same way.
//!
//! git writes a description (`key=value` lines, ended by a blank line or end of input) and the
//! helper answers `get` with `username=` and `password=` lines, or with nothing when it has
//! nothing, so that git asks the next helper or the user. The host names the service, the
//! username the account:
//!
//! - a host of the provider catalogue maps to its provider (`github.com` → `github`), any
//!   other host is its own service, lowercased (`git.example.com`, `127.0.0.1`);
//! - a port is dropped (`git.example.com:8443` → `git.example.com`), as `~/.netrc` does: one
//!   server's ports share a credential, and a random test port does not make a new service;
//! - a host or username that does not fit the address grammar (an IPv6 literal, a name with
//!   non-ASCII letters, `me:pw`) gets no answer rather than a guess.
//!
//! `get` answers with the account's default field, read as `sigil get` reads it (so an OAuth
//! token is refreshed first). `store` saves what git approved in that field; `erase` deletes
//! it, but only when the password git rejected is the one stored, so that a newer credential
//! survives the rejection of an old one. An OAuth account is managed by `sigil login` and its
//! refresh, never by git: `store` and `erase` leave it alone.

use crate::address::{Address, FieldAddress};
use crate::error::{Error, ExitClass, Result};
use crate::registry::{AccountMeta, Kind};
use crate::{PutOptions, Secret, Sigil};
use std::io::BufRead;
use zeroize::Zeroizing;

/// The most input a credential description may be: git sends a few hundred bytes.
pub const MAX_INPUT: usize = 1 << 20;

/// Hosts of well-known providers and the service each maps to; every other host is its own
/// service. These are the git hosts of the OAuth provider catalogue (SPEC §6), so that
/// `sigil login github` and git share `github/ACCOUNT`. The catalogue should become the single
/// source of this table once it lists each provider's hosts.
pub const CATALOGUE_HOSTS: &[(&str, &str)] = &[
    ("github.com", "github"),
    ("gist.github.com", "github"),
    ("gitlab.com", "gitlab"),
    ("bitbucket.org", "bitbucket"),
];

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
    /// `get`, `store` or `erase`; `None` for anything else, which a helper ignores so that
    /// git can add operations later.
    pub fn parse(name: &str) -> Option<Operation> {
        match name {
            "get" => Some(Operation::Get),
            "store" => Some(Operation::Store),
            "erase" => Some(Operation::Erase),
            _ => None,
        }
    }
}

/// The attributes of a credential description that sigil uses. Unknown attributes
/// (`wwwauth[]`, `capability[]`, `password_expiry_utc`, `oauth_refresh_token`, …) are
/// dropped as git asks; an attribute given an empty value is unset.
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
            b"protocol" => self.protocol = text(value),
            b"host" => self.host = text(value),
            b"path" => self.path = text(value),
            b"username" => self.username = text(value),
            b"password" => self.password = secret(value.to_vec()),
            b"url" => *self = Request::from_url(value).map_err(|why| format!("has a url {why}"))?,
            _ => {}
        }
        Ok(())
    }

    /// Splits a URL the way git's `credential_from_url` does (credential.c), so that `url=`
    /// means exactly what it means to git: `proto://[user[:pass]@]host[:port][/path]`, the
    /// host ending at the first `/`, `?` or `#`, `%XX` decoded in every part but the protocol,
    /// slashes trimmed from the path, everything read before it forgotten. (A general URL
    /// parser would normalise hosts and reject what git accepts.)
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
        let mut req = Request {
            protocol: text(&url[..proto_end]),
            ..Request::default()
        };
        let host = match at {
            Some(at) if at < slash => {
                match colon {
                    Some(c) if c < at => {
                        req.username = text(&component(&rest[..c])?);
                        req.password = secret(component(&rest[c + 1..at])?);
                    }
                    _ => req.username = text(&component(&rest[..at])?),
                }
                &rest[at + 1..slash]
            }
            _ => &rest[..slash],
        };
        req.host = text(&component(host)?);
        let mut path = &rest[slash..];
        while let [b'/', tail @ ..] = path {
            path = tail;
        }
        let mut path = component(path)?;
        while path.len() > 1 && path.last() == Some(&b'/') {
            path.pop();
        }
        req.path = text(&path);
        Ok(req)
    }

    /// The service the host maps to ([`service_for_host`]).
    pub fn service(&self) -> Option<String> {
        self.host.as_deref().and_then(service_for_host)
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

/// An attribute's text; empty means unset. Bytes that are not UTF-8 become U+FFFD, which no
/// service or account name contains, so such a request simply gets no answer.
fn text(value: &[u8]) -> Option<String> {
    (!value.is_empty()).then(|| String::from_utf8_lossy(value).into_owned())
}

fn secret(value: Vec<u8>) -> Option<Secret> {
    let s = Secret::new(value);
    (!s.is_empty()).then_some(s)
}

/// The service a host maps to: a catalogue host's provider, else the host itself, lowercased,
/// without its port or a trailing dot. `None` when the result does not fit the service grammar
/// (an IPv6 literal, non-ASCII letters, an empty host).
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

/// The account a username maps to: itself, when it fits the account grammar.
pub fn account_for_username(username: &str) -> Option<String> {
    Address::new("x", username, None).ok()?;
    Some(username.to_owned())
}

/// What `get` answers.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Where the password was read.
    pub address: FieldAddress,
    /// `username=`: the account.
    pub username: String,
    /// `password=`: the account's default field.
    pub password: Secret,
}

impl Answer {
    /// The answer in the protocol: `username=…` and `password=…` lines. A value git cannot
    /// carry (a line break, a NUL, a carriage return at its end) is an error that names the
    /// address, never the value.
    pub fn to_protocol(&self) -> Result<Zeroizing<Vec<u8>>> {
        let pw = self.password.expose();
        if pw.contains(&b'\n') || pw.contains(&0) || pw.last() == Some(&b'\r') {
            return Err(Error::other(
                format!(
                    "'{}' holds a line break or NUL byte, which git's credential protocol cannot carry",
                    self.address
                ),
                Some("store a one-line password for git in that field".into()),
            ));
        }
        let mut out = Zeroizing::new(Vec::with_capacity(pw.len() + self.username.len() + 20));
        out.extend_from_slice(b"username=");
        out.extend_from_slice(self.username.as_bytes());
        out.extend_from_slice(b"\npassword=");
        out.extend_from_slice(pw);
        out.push(b'\n');
        Ok(out)
    }
}

/// What `store` or `erase` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do: no host, username or password to act on, or nothing stored there.
    Nothing,
    /// `store`: the account already held this value.
    Unchanged(FieldAddress),
    /// `store`: saved a new credential.
    Stored(FieldAddress),
    /// `store`: replaced an older value.
    Replaced(FieldAddress),
    /// `erase`: deleted it.
    Erased(FieldAddress),
    /// `erase`: the rejected password is not the stored one (a newer credential), so it stays.
    Newer(FieldAddress),
    /// An OAuth account, which `sigil login` and refresh manage; git does not change it.
    OauthKept(FieldAddress),
}

/// `get`: the account's username and default field, or `None` when sigil has nothing for
/// this request (git then asks the next helper or the user). Without a username, the one
/// account of the service answers; with several, none does. Failures other than "not found"
/// (permissions, a wrong identity, an unavailable keyring) are errors.
pub fn get(sigil: &Sigil, req: &Request) -> Result<Option<Answer>> {
    let Some(service) = req.service() else {
        return Ok(None);
    };
    let account = match req.username.as_deref() {
        Some(u) => account_for_username(u),
        None => only_account(sigil, &service)?,
    };
    let Some(account) = account else {
        return Ok(None);
    };
    let addr = Address::new(&service, &account, None)?;
    match sigil.get_address(&addr) {
        Ok((address, password)) => Ok(Some(Answer {
            address,
            username: account,
            password,
        })),
        Err(e) if e.class() == ExitClass::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// `store`: saves the password git approved in the account's default field (`api_key` for a
/// new account). An account that already holds it is not touched; an older value is
/// replaced, since git approves only a credential that just worked.
pub fn store(sigil: &Sigil, req: &Request) -> Result<Outcome> {
    let (Some(service), Some(username), Some(password)) = (
        req.service(),
        req.username.as_deref(),
        req.password.as_ref(),
    ) else {
        return Ok(Outcome::Nothing);
    };
    let Some(account) = account_for_username(username) else {
        return Ok(Outcome::Nothing);
    };
    let addr = Address::new(&service, &account, None)?;
    let oauth = is_oauth(sigil, &addr)?;
    let field = sigil.resolve_field(&addr)?;
    match stored_value(sigil, &field)? {
        Some(current) if current == *password => Ok(Outcome::Unchanged(field)),
        _ if oauth => Ok(Outcome::OauthKept(field)),
        current => {
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
    }
}

/// `erase`: deletes the account's default field when the password git rejected is the one
/// stored (or git sent none). Without a username it acts on the service's only account, and
/// only when git sent a password to compare.
pub fn erase(sigil: &Sigil, req: &Request) -> Result<Outcome> {
    let Some(service) = req.service() else {
        return Ok(Outcome::Nothing);
    };
    let account = match (req.username.as_deref(), &req.password) {
        (Some(u), _) => account_for_username(u),
        (None, Some(_)) => only_account(sigil, &service)?,
        (None, None) => None,
    };
    let Some(account) = account else {
        return Ok(Outcome::Nothing);
    };
    let addr = Address::new(&service, &account, None)?;
    let field = sigil.resolve_field(&addr)?;
    let Some(current) = stored_value(sigil, &field)? else {
        return Ok(Outcome::Nothing);
    };
    if req.password.as_ref().is_some_and(|p| *p != current) {
        return Ok(Outcome::Newer(field));
    }
    if is_oauth(sigil, &addr)? {
        return Ok(Outcome::OauthKept(field));
    }
    match sigil.delete(&Address::from(field.clone())) {
        Ok(_) => Ok(Outcome::Erased(field)),
        Err(e) if e.class() == ExitClass::NotFound => Ok(Outcome::Nothing),
        Err(e) => Err(e),
    }
}

/// The service's account when it has exactly one.
fn only_account(sigil: &Sigil, service: &str) -> Result<Option<String>> {
    let accounts = sigil.list(Some(service))?;
    Ok(match accounts.as_slice() {
        [one] => Some(one.address.account().to_owned()),
        _ => None,
    })
}

fn meta_of(sigil: &Sigil, addr: &Address) -> Result<Option<AccountMeta>> {
    Ok(sigil
        .list(Some(addr.service()))?
        .into_iter()
        .find(|a| a.address.account() == addr.account())
        .map(|a| a.meta))
}

fn is_oauth(sigil: &Sigil, addr: &Address) -> Result<bool> {
    Ok(meta_of(sigil, addr)?.is_some_and(|m| m.kind == Kind::Oauth))
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
                     password_expiry_utc=1\noauth_refresh_token=r\nquit=1\n\nhost=later\n",
        );
        assert_eq!(r.protocol.as_deref(), Some("https"));
        assert_eq!(r.host.as_deref(), Some("Example.com:8443"));
        assert_eq!(r.path.as_deref(), Some("a/b.git"));
        assert_eq!(r.username.as_deref(), Some("bob"));
        assert_eq!(pw(&r), Some(&b"p=w"[..]));
        assert_eq!(
            req("host=a\r\nusername=b\r\n").username.as_deref(),
            Some("b")
        );
        assert_eq!(req("").host, None);
        assert_eq!(req("host=a").host.as_deref(), Some("a"), "no final newline");
    }

    #[test]
    fn empty_values_unset_and_later_values_win() {
        let r = req("username=bob\nusername=\npassword=x\npassword=\nhost=a\nhost=b\n");
        assert_eq!(r.username, None);
        assert_eq!(r.password, None);
        assert_eq!(r.host.as_deref(), Some("b"));
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
        let r = req("url=https://x.org/a@b\n");
        assert_eq!((r.username, r.host.as_deref()), (None, Some("x.org")));
        let r = req("url=https://x.org?u@v\n");
        assert_eq!(r.host.as_deref(), Some("x.org"));
        let r = req("url=cert:///etc/cert.pem\n");
        assert_eq!((r.host, r.path.as_deref()), (None, Some("etc/cert.pem")));
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

    #[test]
    fn hosts_map_to_services() {
        let s = |h: &str| service_for_host(h);
        assert_eq!(s("github.com").as_deref(), Some("github"));
        assert_eq!(s("GitHub.com:443").as_deref(), Some("github"));
        assert_eq!(s("gist.github.com").as_deref(), Some("github"));
        assert_eq!(s("gitlab.com").as_deref(), Some("gitlab"));
        assert_eq!(s("bitbucket.org.").as_deref(), Some("bitbucket"));
        assert_eq!(
            s("git.Example.com:8443").as_deref(),
            Some("git.example.com")
        );
        assert_eq!(s("127.0.0.1:39001").as_deref(), Some("127.0.0.1"));
        assert_eq!(s("localhost:").as_deref(), Some("localhost"));
        assert_eq!(
            s("gitlab.example.com").as_deref(),
            Some("gitlab.example.com")
        );
        for bad in [
            "",
            ":443",
            "[::1]:8080",
            "::1",
            "host:port",
            "bücher.de",
            "a_b c",
            "-x.org",
            &"a".repeat(65),
        ] {
            assert_eq!(s(bad), None, "{bad:?}");
        }
        assert_eq!(s(&"a".repeat(64)), Some("a".repeat(64)));
    }

    #[test]
    fn usernames_map_to_accounts() {
        assert_eq!(account_for_username("alice").as_deref(), Some("alice"));
        assert_eq!(
            account_for_username("a.b+c@x.org").as_deref(),
            Some("a.b+c@x.org")
        );
        for bad in ["", "a b", "me:pw", "a/b", "..", "ü", &"a".repeat(129)] {
            assert_eq!(account_for_username(bad), None, "{bad:?}");
        }
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
            username: "u".into(),
            password: Secret::new(v.to_vec()),
        };
        assert_eq!(
            &a(b"p w=\xff").to_protocol().unwrap()[..],
            b"username=u\npassword=p w=\xff\n"
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
    fn get_store_erase_on_memory() {
        let (_d, s) = memory();
        let f = |a: &str| a.parse::<FieldAddress>().unwrap();
        assert_eq!(answer(&s, "host=github.com\nusername=me\n"), None);
        let o = store(&s, &req("host=github.com\nusername=me\npassword=t1\n")).unwrap();
        assert_eq!(o, Outcome::Stored(f("github/me/api_key")));
        let o = store(&s, &req("host=github.com\nusername=me\npassword=t1\n")).unwrap();
        assert_eq!(o, Outcome::Unchanged(f("github/me/api_key")));
        assert_eq!(
            answer(&s, "protocol=https\nhost=github.com\n"),
            Some(("me".into(), "t1".into())),
            "the only account answers without a username"
        );
        let o = store(&s, &req("host=github.com\nusername=me\npassword=t2\n")).unwrap();
        assert_eq!(o, Outcome::Replaced(f("github/me/api_key")));
        let o = erase(&s, &req("host=github.com\nusername=me\npassword=t1\n")).unwrap();
        assert_eq!(o, Outcome::Newer(f("github/me/api_key")));
        assert_eq!(
            answer(&s, "host=github.com\nusername=me\n"),
            Some(("me".into(), "t2".into()))
        );
        put(&s, "github/other/api_key", "o", None);
        assert_eq!(
            answer(&s, "host=github.com\n"),
            None,
            "two accounts: no guess"
        );
        assert_eq!(
            erase(&s, &req("host=github.com\npassword=o\n")).unwrap(),
            Outcome::Nothing
        );
        let o = erase(&s, &req("host=github.com\nusername=me\npassword=t2\n")).unwrap();
        assert_eq!(o, Outcome::Erased(f("github/me/api_key")));
        assert_eq!(answer(&s, "host=github.com\nusername=me\n"), None);
        let o = erase(&s, &req("host=github.com\nusername=other\n")).unwrap();
        assert_eq!(
            o,
            Outcome::Erased(f("github/other/api_key")),
            "no password: erase"
        );
        assert!(s.list(None).unwrap().is_empty());
        for nothing in [
            "host=github.com\npassword=x\n",
            "host=github.com\nusername=me\n",
            "username=me\npassword=x\n",
            "host=[::1]\nusername=me\npassword=x\n",
            "host=github.com\nusername=m e\npassword=x\n",
        ] {
            assert_eq!(
                store(&s, &req(nothing)).unwrap(),
                Outcome::Nothing,
                "{nothing}"
            );
            assert_eq!(
                erase(&s, &req(nothing)).unwrap(),
                Outcome::Nothing,
                "{nothing}"
            );
        }
        assert!(s.list(None).unwrap().is_empty());
    }

    #[test]
    fn an_oauth_account_is_answered_but_never_changed_by_git() {
        let (_d, s) = memory();
        put(&s, "gitlab/me/token", "at", Some(Kind::Oauth));
        put(&s, "gitlab/me/refresh_token", "rt", Some(Kind::Oauth));
        let token = "gitlab/me/token".parse::<FieldAddress>().unwrap();
        let q = "host=gitlab.com\nusername=me\n";
        assert_eq!(answer(&s, q), Some(("me".into(), "at".into())));
        let with = |p: &str| req(&format!("{q}password={p}\n"));
        assert_eq!(
            store(&s, &with("at")).unwrap(),
            Outcome::Unchanged(token.clone())
        );
        assert_eq!(
            store(&s, &with("pat")).unwrap(),
            Outcome::OauthKept(token.clone())
        );
        assert_eq!(
            erase(&s, &with("old")).unwrap(),
            Outcome::Newer(token.clone())
        );
        assert_eq!(
            erase(&s, &with("at")).unwrap(),
            Outcome::OauthKept(token.clone())
        );
        assert_eq!(answer(&s, q), Some(("me".into(), "at".into())));
    }
}
