//! The `vault` backend: an OpenBao or HashiCorp Vault server's KV version 2 engine, one KV
//! secret per account at `<mount>/data/<prefix>/<service>/<account>` whose keys are the
//! account's fields (docs/vault.md). A value that is not UTF-8 is kept base64-encoded under
//! `<field>:base64` (no field name has a colon). Writes use check-and-set with the version
//! read, so that a write of one field keeps the others even when another client writes the
//! same account; the last field's deletion deletes the secret's metadata, so nothing lingers.
//! Nothing read is cached on disk; a login's token is (`login.rs`).

mod client;
mod login;

pub use login::{JwtSource, Method};

use super::{Store, StoreError};
use crate::model::address::FieldAddress;
use crate::model::config::VaultSettings;
use crate::model::error::Error;
use crate::model::paths::Paths;
use crate::model::secret::Secret;
use base64::Engine as _;
use client::{Client, Reply, shown};
use login::{Cache, Session};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use url::Url;

/// How many times a write is tried again after another client changed the account between
/// its read and its write.
const CAS_ATTEMPTS: usize = 8;

/// The suffix of a key that holds a value that is not UTF-8, base64-encoded.
const BINARY: &str = ":base64";

/// Secrets in an OpenBao or Vault KV version 2 engine.
pub struct VaultStore {
    paths: Paths,
    settings: VaultSettings,
    ready: OnceLock<Ready>,
    session: Mutex<Option<Session>>,
    jwt: OnceLock<JwtSource>,
}

impl std::fmt::Debug for VaultStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultStore")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The settings checked, and the client built from them, on first use.
struct Ready {
    client: Client,
    method: Method,
    mount: Vec<String>,
    prefix: Vec<String>,
    namespace: Option<String>,
    /// The server, namespace and login, which a cached token must have been obtained for.
    key: String,
}

/// What `sigil status --verbose` says of the backend (never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultStatus {
    /// The server.
    pub address: String,
    /// The namespace, if any.
    pub namespace: Option<String>,
    /// `<mount>/<prefix>`.
    pub path: String,
    /// The login method.
    pub auth: &'static str,
    /// The token's TTL as the server reports it, or why it is not known.
    pub token: String,
}

impl VaultStore {
    /// The vault store configured by `[vault]` of config.toml. Nothing is checked or sent
    /// until it is used.
    pub fn new(paths: &Paths, settings: &VaultSettings) -> VaultStore {
        VaultStore {
            paths: paths.clone(),
            settings: settings.clone(),
            ready: OnceLock::new(),
            session: Mutex::new(None),
            jwt: OnceLock::new(),
        }
    }

    /// Lets a JWT login read the token of a sigil OAuth account.
    pub fn set_jwt_source(&self, source: JwtSource) {
        let _ = self.jwt.set(source);
    }

    fn ready(&self) -> Result<&Ready, Error> {
        if let Some(r) = self.ready.get() {
            return Ok(r);
        }
        let r = prepare(&self.settings)?;
        Ok(self.ready.get_or_init(|| r))
    }

    /// The token to send, renewed or obtained anew when due.
    fn session(&self) -> Result<Session, Error> {
        let r = self.ready()?;
        let mut slot = self.session.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = slot.as_ref().filter(|s| !s.due()) {
            return Ok(s.clone());
        }
        if r.method == Method::Token {
            let s = Session {
                token: login::user_token()?,
                expires: None,
                ttl: 0,
                renewable: false,
                key: r.key.clone(),
            };
            *slot = Some(s.clone());
            return Ok(s);
        }
        let cache = Cache::new(&self.paths);
        let held = slot.take().or_else(|| cache.load(&r.key));
        // Only a token that changed is written back: most commands read the cache and go.
        let s = match held {
            Some(s) if !s.due() => s,
            held => {
                let renewed = match held {
                    Some(s) if s.renewable => login::renew(&r.client, &s)?.filter(|n| !n.due()),
                    _ => None,
                };
                let s = match renewed {
                    Some(s) => s,
                    None => login::login(&r.client, &r.method, self.jwt.get(), r.key.clone())?,
                };
                cache.save(&s);
                s
            }
        };
        *slot = Some(s.clone());
        Ok(s)
    }

    /// Forgets the token in use (the server refused it) so the next request logs in again.
    fn forget(&self) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Cache::new(&self.paths).clear();
    }

    /// Sends a request with the token. A 403 whose token the server no longer knows (it
    /// expired, or the server lost it) is retried once after a new login; a 503 is explained.
    fn call(&self, method: &str, url: &Url, body: Option<&Value>) -> Result<Reply, Error> {
        let r = self.ready()?;
        let s = self.session()?;
        let reply = r.client.send(method, url, Some(&s.token), body)?;
        if reply.status == 503 {
            return Err(self.unavailable(r));
        }
        if reply.status != 403 || self.token_works(r, &s.token)? {
            return Ok(reply);
        }
        if r.method == Method::Token {
            return Err(expired(r));
        }
        self.forget();
        let s = self.session()?;
        let reply = r.client.send(method, url, Some(&s.token), body)?;
        if reply.status == 403 && !self.token_works(r, &s.token)? {
            return Err(expired(r));
        }
        Ok(reply)
    }

    fn token_works(&self, r: &Ready, token: &Secret) -> Result<bool, Error> {
        let url = r.client.url(&["auth", "token", "lookup-self"]);
        Ok(r.client.send("GET", &url, Some(token), None)?.status == 200)
    }

    /// A 503: sealed (as `sys/seal-status` says), or not serving for another reason.
    fn unavailable(&self, r: &Ready) -> Error {
        let url = r.client.url(&["sys", "seal-status"]);
        let sealed = r
            .client
            .send("GET", &url, None, None)
            .is_ok_and(|reply| reply.body.get("sealed") == Some(&Value::Bool(true)));
        let at = shown(&r.client.base);
        if sealed {
            return Error::other(
                format!("the vault server at '{at}' is sealed"),
                Some("unseal it (`bao operator unseal` or `vault operator unseal`) and try again; nothing was changed".into()),
            );
        }
        Error::other(
            format!("the vault server at '{at}' is unavailable (503)"),
            Some("it may be starting or a standby; try again shortly, nothing was changed".into()),
        )
    }

    /// The logical path of an account, for messages: `<mount>/<prefix>/<service>/<account>`.
    fn shown_path(&self, r: &Ready, addr: &FieldAddress) -> String {
        let mut parts: Vec<&str> = r.mount.iter().map(String::as_str).collect();
        parts.extend(r.prefix.iter().map(String::as_str));
        parts.extend([addr.service(), addr.account()]);
        parts.join("/")
    }

    fn url_of(&self, r: &Ready, kind: &str, tail: &[&str]) -> Url {
        let mut parts: Vec<&str> = r.mount.iter().map(String::as_str).collect();
        parts.push(kind);
        parts.extend(r.prefix.iter().map(String::as_str));
        parts.extend(tail);
        r.client.url(&parts)
    }

    /// An account's keys and the version they are at (0 when there is no secret).
    fn read(&self, addr: &FieldAddress) -> Result<(u64, Map<String, Value>), Error> {
        let r = self.ready()?;
        let url = self.url_of(r, "data", &[addr.service(), addr.account()]);
        let reply = self.call("GET", &url, None)?;
        let meta_version = |v: &Value| {
            v.pointer("/data/metadata/version")
                .and_then(Value::as_u64)
                .unwrap_or(0)
        };
        match reply.status {
            // Version 1 answers without the metadata that version 2 sends with every read.
            200 if reply.body.pointer("/data/metadata").is_none() => {
                Err(not_kv2(r, &self.shown_path(r, addr)))
            }
            200 => {
                let data = match reply.body.pointer("/data/data") {
                    Some(Value::Object(m)) => m.clone(),
                    _ => Map::new(),
                };
                Ok((meta_version(&reply.body), data))
            }
            // A deleted latest version still has metadata, whose version a write must name.
            404 => Ok((meta_version(&reply.body), Map::new())),
            _ => Err(failed(&reply, &self.shown_path(r, addr))),
        }
    }

    /// Writes an account's keys if it is still at `version`; `false` when it is not.
    fn write(
        &self,
        addr: &FieldAddress,
        version: u64,
        data: Map<String, Value>,
    ) -> Result<bool, Error> {
        let r = self.ready()?;
        let url = self.url_of(r, "data", &[addr.service(), addr.account()]);
        let body = json!({ "options": { "cas": version }, "data": data });
        let reply = self.call("POST", &url, Some(&body))?;
        match reply.status {
            200 => Ok(true),
            // Version 1 writes what it is sent (at `<mount>/data/…`) and answers 204.
            204 => Err(not_kv2(r, &self.shown_path(r, addr))),
            _ if reply.is_cas_mismatch() => Ok(false),
            _ => Err(failed(&reply, &self.shown_path(r, addr))),
        }
    }

    fn remove_secret(&self, addr: &FieldAddress) -> Result<(), Error> {
        let r = self.ready()?;
        let url = self.url_of(r, "metadata", &[addr.service(), addr.account()]);
        let reply = self.call("DELETE", &url, None)?;
        match reply.status {
            200 | 204 | 404 => Ok(()),
            _ => Err(failed(&reply, &self.shown_path(r, addr))),
        }
    }

    /// The keys below a metadata path (`LIST`), empty when there is nothing.
    fn keys(&self, tail: &[&str]) -> Result<Vec<String>, Error> {
        let r = self.ready()?;
        let mut url = self.url_of(r, "metadata", tail);
        url.query_pairs_mut().append_pair("list", "true");
        let reply = self.call("GET", &url, None)?;
        match reply.status {
            200 => Ok(reply
                .body
                .pointer("/data/keys")
                .and_then(Value::as_array)
                .map(|keys| {
                    keys.iter()
                        .filter_map(|k| k.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()),
            404 => Ok(Vec::new()),
            _ => {
                let mut at: Vec<&str> = r.mount.iter().map(String::as_str).collect();
                at.extend(r.prefix.iter().map(String::as_str));
                at.extend(tail);
                Err(failed(&reply, &at.join("/")))
            }
        }
    }

    /// What `sigil status --verbose` says: the server, the login method and the token's TTL.
    pub fn status(&self) -> Result<VaultStatus, Error> {
        let r = self.ready()?;
        let mut path = r.mount.clone();
        path.extend(r.prefix.iter().cloned());
        let token = match self.session() {
            Ok(s) => {
                let url = r.client.url(&["auth", "token", "lookup-self"]);
                match r.client.send("GET", &url, Some(&s.token), None) {
                    Ok(reply) if reply.status == 200 => {
                        match reply.body.pointer("/data/ttl").and_then(Value::as_u64) {
                            Some(0) => "valid, does not expire".to_owned(),
                            Some(t) => format!("valid, TTL {}", login::shown_ttl(t)),
                            None => "valid".to_owned(),
                        }
                    }
                    Ok(reply) => format!("refused ({})", reply.status),
                    Err(e) => e.to_string(),
                }
            }
            Err(e) => e.to_string(),
        };
        Ok(VaultStatus {
            address: shown(&r.client.base),
            namespace: r.namespace.clone(),
            path: path.join("/"),
            auth: r.method.name(),
            token,
        })
    }
}

/// An answer that is not what the operation expects, as an error that says what the
/// server refused, with no more of its words than a known phrase.
fn failed(reply: &Reply, path: &str) -> Error {
    let said = reply
        .known_error()
        .map(|p| format!(": {p}"))
        .unwrap_or_default();
    if reply.status == 403 {
        return Error::Refused {
            message: format!("the vault server denied access to '{path}'{said}"),
            help: Some("the token's policies must allow create, read, update, delete and list on the prefix's data and metadata paths (docs/vault.md)".into()),
        };
    }
    Error::other(
        format!("the vault server answered {} on '{path}'{said}", reply.status),
        Some("check that the mount is a KV version 2 engine (`bao secrets list -detailed`) and `mount` and `prefix` in [vault] of config.toml".into()),
    )
}

fn not_kv2(r: &Ready, path: &str) -> Error {
    let mount = r.mount.join("/");
    Error::other(
        format!("the vault mount '{mount}' is not a KV version 2 engine (at '{path}')"),
        Some(format!(
            "upgrade it (`bao kv enable-versioning {mount}`) or set `mount` in [vault] of config.toml to a KV version 2 mount; remove what was written at '{mount}/data/…'"
        )),
    )
}

fn expired(r: &Ready) -> Error {
    let help = match r.method {
        Method::Token => {
            "get a new token (`bao login` or `vault login`, or set VAULT_TOKEN) and try again"
        }
        _ => {
            "the token sigil got by logging in was refused at once: check the role's token policies and TTL on the server"
        }
    };
    Error::Auth {
        message: format!(
            "the vault server at '{}' does not accept the token: it expired or was revoked",
            shown(&r.client.base)
        ),
        help: Some(help.into()),
    }
}

/// Checks the settings and builds the client.
fn prepare(s: &VaultSettings) -> Result<Ready, Error> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let Some(address) = s.address.clone().or_else(|| env("VAULT_ADDR")) else {
        return Err(Error::UsageHelp {
            message: "the vault backend needs the server's address".into(),
            help: "set VAULT_ADDR, or `address` in [vault] of config.toml".into(),
        });
    };
    let base = Url::parse(&address).map_err(|e| Error::UsageHelp {
        message: format!(
            "the vault address '{}' is not a URL: {e}",
            address.escape_debug()
        ),
        help: "write it as https://host:8200".into(),
    })?;
    if !is_safe(&base) {
        return Err(Error::Refused {
            message: format!(
                "refusing to send a vault token to '{}': only https, or http on loopback",
                shown(&base)
            ),
            help: Some("use the server's https:// address".into()),
        });
    }
    let ca = match s.ca_file.clone().or_else(|| env("VAULT_CACERT")) {
        Some(f) => Some(
            crate::fsutil::read_capped(std::path::Path::new(&f), crate::fsutil::Input::Text)
                .map_err(|e| Error::io(format!("cannot read the CA file '{f}'"), e))?,
        ),
        None => None,
    };
    let namespace = s
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| env("VAULT_NAMESPACE"));
    let client = Client::new(base, namespace.clone(), ca.as_deref()).map_err(|why| {
        Error::UsageHelp {
            message: format!("cannot use the vault CA file: {why}"),
            help: "set `ca_file` in [vault] of config.toml or VAULT_CACERT to a PEM file of CA certificates".into(),
        }
    })?;
    let method = method(s)?;
    let split = |v: &Option<String>, default: &str| -> Vec<String> {
        v.as_deref()
            .unwrap_or(default)
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let who = match &method {
        Method::Token => String::new(),
        Method::AppRole { role_id, mount, .. } => format!("{mount}:{role_id}"),
        Method::Jwt {
            account,
            role,
            mount,
        } => format!("{mount}:{role}:{account}"),
    };
    Ok(Ready {
        key: format!(
            "{}|{}|{}|{who}",
            shown(&client.base),
            namespace.as_deref().unwrap_or(""),
            method.name()
        ),
        client,
        method,
        mount: split(&s.mount, "secret"),
        prefix: split(&s.prefix, "sigil"),
        namespace,
    })
}

fn method(s: &VaultSettings) -> Result<Method, Error> {
    let missing = |what: &str, auth: &str| Error::UsageHelp {
        message: format!("auth = \"{auth}\" in [vault] of config.toml needs `{what}`"),
        help: "docs/vault.md shows the settings of each login method".into(),
    };
    match s.auth.as_deref().unwrap_or("token") {
        "token" => Ok(Method::Token),
        "approle" => Ok(Method::AppRole {
            role_id: s
                .role_id
                .clone()
                .ok_or_else(|| missing("role_id", "approle"))?,
            secret_id_file: s.secret_id_file.as_ref().map(Into::into),
            mount: s.auth_mount.clone().unwrap_or_else(|| "approle".into()),
        }),
        "jwt" => Ok(Method::Jwt {
            account: s
                .jwt_account
                .clone()
                .ok_or_else(|| missing("jwt_account", "jwt"))?,
            role: s.role.clone().ok_or_else(|| missing("role", "jwt"))?,
            mount: s.auth_mount.clone().unwrap_or_else(|| "jwt".into()),
        }),
        other => Err(Error::UsageHelp {
            message: format!("unknown vault login method '{}'", other.escape_debug()),
            help: "auth in [vault] of config.toml is \"token\", \"approle\" or \"jwt\"".into(),
        }),
    }
}

/// Whether a token may go to `url`: https anywhere, http only on loopback.
fn is_safe(url: &Url) -> bool {
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => true,
        ("http", Some(url::Host::Ipv4(ip))) => ip.is_loopback(),
        ("http", Some(url::Host::Ipv6(ip))) => ip.is_loopback(),
        ("http", Some(url::Host::Domain(d))) => d.eq_ignore_ascii_case("localhost"),
        _ => false,
    }
}

/// A field's value in the secret's keys.
fn value_of(data: &Map<String, Value>, field: &str) -> Option<Secret> {
    if let Some(Value::String(s)) = data.get(field) {
        return Some(Secret::from(s.clone()));
    }
    let Some(Value::String(s)) = data.get(&format!("{field}{BINARY}")) else {
        return None;
    };
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .ok()
        .map(Secret::new)
}

/// The fields among a secret's keys, sorted; keys that name no field (another tool's) are
/// left out.
fn fields_of(data: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = data
        .keys()
        .map(|k| k.strip_suffix(BINARY).unwrap_or(k).to_owned())
        .filter(|f| format!("s/a/{f}").parse::<FieldAddress>().is_ok())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn set_value(data: &mut Map<String, Value>, field: &str, secret: &Secret) {
    data.remove(field);
    data.remove(&format!("{field}{BINARY}"));
    match secret.expose_str() {
        Some(text) => data.insert(field.to_owned(), Value::String(text.to_owned())),
        None => data.insert(
            format!("{field}{BINARY}"),
            Value::String(base64::engine::general_purpose::STANDARD.encode(secret.expose())),
        ),
    };
}

impl Store for VaultStore {
    fn name(&self) -> &'static str {
        "vault"
    }

    fn get(&self, addr: &FieldAddress) -> Result<Secret, Error> {
        let (_, data) = self.read(addr)?;
        value_of(&data, addr.field()).ok_or_else(|| {
            StoreError::NotFound {
                address: addr.to_string(),
                available: fields_of(&data),
            }
            .into()
        })
    }

    fn contains(&self, addr: &FieldAddress) -> Result<bool, Error> {
        let (_, data) = self.read(addr)?;
        Ok(fields_of(&data).iter().any(|f| f == addr.field()))
    }

    fn put(&self, addr: &FieldAddress, secret: &Secret) -> Result<(), Error> {
        for _ in 0..CAS_ATTEMPTS {
            let (version, mut data) = self.read(addr)?;
            set_value(&mut data, addr.field(), secret);
            if self.write(addr, version, data)? {
                return Ok(());
            }
        }
        Err(busy(addr))
    }

    fn delete(&self, addr: &FieldAddress) -> Result<bool, Error> {
        for _ in 0..CAS_ATTEMPTS {
            let (version, mut data) = self.read(addr)?;
            let had = data.remove(addr.field()).is_some()
                | data.remove(&format!("{}{BINARY}", addr.field())).is_some();
            if !had {
                return Ok(false);
            }
            if data.is_empty() {
                self.remove_secret(addr)?;
                return Ok(true);
            }
            if self.write(addr, version, data)? {
                return Ok(true);
            }
        }
        Err(busy(addr))
    }

    fn list(&self) -> Result<Vec<FieldAddress>, Error> {
        let mut out = BTreeMap::new();
        for service in self.keys(&[])? {
            let Some(service) = service.strip_suffix('/') else {
                continue;
            };
            for account in self.keys(&[service])? {
                if account.ends_with('/') {
                    continue;
                }
                let probe = format!("{service}/{account}/api_key");
                let Ok(addr) = probe.parse::<FieldAddress>() else {
                    continue;
                };
                let (_, data) = self.read(&addr)?;
                for field in fields_of(&data) {
                    if let Ok(a) = format!("{service}/{account}/{field}").parse::<FieldAddress>() {
                        out.insert(a.to_string(), a);
                    }
                }
            }
        }
        Ok(out.into_values().collect())
    }
}

fn busy(addr: &FieldAddress) -> Error {
    Error::other(
        format!(
            "'{}' kept changing on the vault server while sigil wrote it",
            addr.account_key()
        ),
        Some("another client is writing the same account; try again".into()),
    )
}

#[cfg(test)]
mod tests;
