//! OAuth 2.0: the flows that obtain a token set, how a token set is kept (one
//! secret per field: `token`, `refresh_token`, `id_token`, `client_id`, `client_secret`, with
//! expiry, scopes and provider in `accounts.toml`), the refresh that `get` does under the store
//! lock, and best-effort revocation when an account is deleted.
//!
//! Every module here handles what a remote server sends, so none may do arithmetic that can
//! overflow or panic (`clippy::arithmetic_side_effects` is denied in each).
#![deny(clippy::arithmetic_side_effects)]

pub mod answer;
pub mod flows;
pub mod http;
pub(crate) mod pages;
pub mod providers;

pub use providers::Provider;

use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, Result};
use crate::model::registry::{AccountMeta, Kind, Registry};
use crate::model::secret::Secret;
use crate::model::token::TokenSet;
use crate::ops::add::{Add, Conflict};
use crate::store::Store;
use crate::store::backend::BackendKind;
use crate::{PutOptions, Sigil};
use http::{Cause, HttpError};
use oauth2::TokenResponse as _;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
};
use oauth2::{
    AuthType, AuthUrl, ClientId, ClientSecret, DeviceAuthorizationUrl, EndpointMaybeSet,
    EndpointNotSet, ErrorResponseType, RequestTokenError, RevocationUrl, StandardErrorResponse,
    StandardRevocableToken, TokenUrl,
};
use std::time::Duration;
use time::OffsetDateTime;

/// Fields an OAuth account keeps, each one secret in the account's backend.
pub const TOKEN_FIELD: &str = "token";
/// The refresh token.
pub const REFRESH_FIELD: &str = "refresh_token";
/// The OIDC ID token.
pub const ID_TOKEN_FIELD: &str = "id_token";
/// The client the tokens belong to (not secret, but refresh needs it and it may have come from
/// a flag rather than config.toml).
pub const CLIENT_ID_FIELD: &str = "client_id";
/// The client secret, when the login used one.
pub const CLIENT_SECRET_FIELD: &str = "client_secret";

/// The default refresh skew (60 s).
pub const DEFAULT_SKEW: Duration = Duration::from_secs(60);

/// An OAuth grant sigil can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Authorization code with PKCE and a loopback redirect.
    Pkce,
    /// Device authorization (RFC 8628).
    Device,
    /// Client credentials (no user).
    ClientCredentials,
}

impl Flow {
    /// The name users write.
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Pkce => "pkce",
            Flow::Device => "device",
            Flow::ClientCredentials => "client-credentials",
        }
    }
}

impl std::fmt::Display for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Flow {
    type Err = Error;
    fn from_str(s: &str) -> Result<Flow> {
        match s {
            "pkce" | "code" | "authorization-code" => Ok(Flow::Pkce),
            "device" | "device-code" => Ok(Flow::Device),
            "client-credentials" | "client_credentials" => Ok(Flow::ClientCredentials),
            other => Err(Error::Usage(format!(
                "unknown OAuth flow '{other}': use pkce, device or client-credentials"
            ))),
        }
    }
}

/// The registered client a login uses.
#[derive(Clone)]
pub struct Client {
    /// `client_id`.
    pub id: String,
    /// `client_secret`, for confidential clients.
    pub secret: Option<Secret>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("id", &self.id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A token endpoint's answer.
pub use answer::Answer;

type ClientOf<A, D, R, T> = oauth2::Client<
    BasicErrorResponse,
    Answer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    A,
    D,
    EndpointNotSet,
    R,
    T,
>;

/// An `oauth2` client whose endpoints are known at run time.
pub type OauthClient =
    ClientOf<EndpointMaybeSet, EndpointMaybeSet, EndpointMaybeSet, EndpointMaybeSet>;

/// Builds the `oauth2` client for a provider and registered client.
pub fn oauth_client(p: &Provider, client: &Client) -> Result<OauthClient> {
    let mut c: OauthClient = ClientOf::<
        EndpointNotSet,
        EndpointNotSet,
        EndpointNotSet,
        EndpointNotSet,
    >::new(ClientId::new(client.id.clone()))
    .set_auth_uri_option(p.auth_url.clone().map(AuthUrl::from_url))
    .set_device_authorization_url_option(p.device_url.clone().map(DeviceAuthorizationUrl::from_url))
    .set_revocation_url_option(p.revoke_url.clone().map(RevocationUrl::from_url))
    .set_token_uri_option(p.token_url.clone().map(TokenUrl::from_url));
    if let Some(secret) = &client.secret {
        let text = secret.expose_str().ok_or_else(|| {
            Error::Usage(format!(
                "the client secret for provider '{}' is not UTF-8 text",
                p.key
            ))
        })?;
        c = c.set_client_secret(ClientSecret::new(text.to_owned()));
    }
    if p.secret_in_body {
        c = c.set_auth_type(AuthType::RequestBody);
    }
    Ok(c)
}

/// Turns a token endpoint's answer into what sigil keeps. `asked` stands in for the granted
/// scopes when the server does not list them (RFC 6749 §5.1: then they are the ones asked).
pub fn token_set(answer: &Answer, asked: &[String], now: OffsetDateTime) -> TokenSet {
    TokenSet {
        access_token: Secret::from(answer.access_token().secret().clone()),
        token_type: answer.token_type().as_ref().to_owned(),
        refresh_token: answer
            .refresh_token()
            .map(|r| Secret::from(r.secret().clone())),
        id_token: answer.id_token().map(Secret::from),
        expires_at: answer::expires_at(answer.lifetime(), now),
        scopes: match answer.scopes() {
            Some(s) => s.iter().map(|x| x.to_string()).collect(),
            None => asked.to_vec(),
        },
    }
}

/// A failed request to an authorization server, and whether it failed for a passing reason (no
/// answer, or 429 or a 5xx, until the retry budget was spent): then trying later may work, and
/// a refresh can hand out the stored token while it is still valid.
#[derive(Debug)]
pub struct Failure {
    /// What to report.
    pub error: Error,
    /// Whether the cause may pass.
    pub passing: bool,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure {
            error,
            passing: false,
        }
    }
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Error {
        f.error
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

/// What to do about a provider that stayed unavailable.
pub(crate) fn passing_help(key: &str) -> String {
    format!(
        "'{key}' may be down or overloaded: try again later (`oauth_retry` under [defaults] in \
         config.toml sets how long sigil retries)"
    )
}

/// [`request_error`], with whether the failure may pass.
pub fn failure<T>(
    p: &Provider,
    what: &str,
    e: RequestTokenError<HttpError, StandardErrorResponse<T>>,
) -> Failure
where
    T: ErrorResponseType + std::fmt::Display + 'static,
{
    let passing = matches!(&e, RequestTokenError::Request(h) if h.is_passing());
    Failure {
        error: request_error(p, what, e),
        passing,
    }
}

/// An error from a token, device or revocation endpoint, in sigil's terms: an authentication
/// failure (exit 4) that names the provider and the OAuth error code. Bodies are never
/// echoed: an unparsable answer might hold a token.
pub fn request_error<T>(
    p: &Provider,
    what: &str,
    e: RequestTokenError<HttpError, StandardErrorResponse<T>>,
) -> Error
where
    T: ErrorResponseType + std::fmt::Display + 'static,
{
    let (message, help) = match e {
        RequestTokenError::ServerResponse(r) => {
            // The code and description are the server's words: shown on one line, escaped.
            let code = r.error().to_string();
            let detail = r
                .error_description()
                .map(|d| {
                    let d: String = d.chars().take(200).collect();
                    format!(" ({})", crate::model::shown::line(&d))
                })
                .unwrap_or_default();
            let hint = hint_for(&code, p);
            let code =
                crate::model::shown::line(&code.chars().take(100).collect::<String>()).into_owned();
            (
                format!("{what} failed at '{}': {code}{detail}", p.key),
                hint,
            )
        }
        RequestTokenError::Request(e) => match e.cause() {
            Cause::Unavailable => (
                format!("{what} failed: '{}' is unavailable: {e}", p.key),
                Some(passing_help(&p.key)),
            ),
            Cause::NoAnswer => (
                format!("{what} failed: cannot reach '{}': {e}", p.key),
                Some(
                    "check the network and the provider's endpoints in config.toml, or try \
                     again later"
                        .to_owned(),
                ),
            ),
            Cause::Permanent => (
                format!("{what} failed: cannot reach '{}': {e}", p.key),
                Some("check the network and the provider's endpoints in config.toml".to_owned()),
            ),
        },
        RequestTokenError::Parse(e, _) => (
            format!(
                "{what} failed: '{}' answered something that is not an OAuth token response{}",
                p.key,
                field_of(&e.path().to_string())
                    .map(|f| format!(" (at '{f}')"))
                    .unwrap_or_default()
            ),
            Some("check token_url in the provider's settings".to_owned()),
        ),
        RequestTokenError::Other(m) => (format!("{what} failed at '{}': {m}", p.key), None),
    };
    Error::Auth { message, help }
}

/// The token-response field a parse error is about, when it is one of the fields a token
/// response has. The path is the server's text: any other key it names is not shown, since
/// a malformed answer may have a token where a key should be.
fn field_of(path: &str) -> Option<&'static str> {
    const FIELDS: [&str; 9] = [
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "scope",
        "id_token",
        "error",
        "error_description",
        "error_uri",
    ];
    FIELDS.into_iter().find(|f| {
        path.strip_prefix(f)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
    })
}

fn hint_for(code: &str, p: &Provider) -> Option<String> {
    match code {
        "invalid_client" | "unauthorized_client" => Some(format!(
            "check client_id (and client_secret) for provider '{}' in config.toml{}",
            p.key,
            p.register
                .as_deref()
                .map(|r| format!("; to register one: {r}"))
                .unwrap_or_default()
        )),
        "invalid_scope" => Some("ask for other scopes with --scope".to_owned()),
        "access_denied" => Some("the login was not approved; run it again to retry".to_owned()),
        "expired_token" => Some("the code was not entered in time; run the login again".to_owned()),
        _ => None,
    }
}

/// When a token must be refreshed before it is handed out. A skew too large to add to the
/// date makes every token due.
fn due(expires_at: Option<OffsetDateTime>, skew: Duration, now: OffsetDateTime) -> bool {
    expires_at.is_some_and(|at| crate::model::when::within(at, skew, now))
}

/// Asks the provider for a fresh token set for the account `key`: with its refresh token, or
/// for a client-credentials account (no refresh token, a client secret) by asking again. A
/// failure says which account could not be refreshed and how to log in again.
fn renew(
    provider: &Provider,
    client: &Client,
    refresh_token: Option<Secret>,
    meta: &AccountMeta,
    key: &str,
    now: OffsetDateTime,
) -> std::result::Result<TokenSet, Failure> {
    match refresh_token {
        Some(rt) => flows::refresh(provider, client, &rt, &meta.scopes, now),
        // A client-credentials token is renewed by asking again.
        None if client.secret.is_some() => {
            flows::client_credentials_or_fail(provider, client, &meta.scopes, now)
        }
        None => Err(Failure::from(Error::Auth {
            message: format!("'{key}' expired and has no refresh token"),
            help: None,
        })),
    }
    .map_err(|f| Failure {
        passing: f.passing,
        error: match f.error {
            // Logging in again is no cure for a server that is down: that help stays.
            Error::Auth { message, help } => Error::Auth {
                message: format!("cannot refresh '{key}': {message}"),
                help: if f.passing {
                    help
                } else {
                    Some(login_hint(key, meta.provider.as_deref()))
                },
            },
            other => other,
        },
    })
}

/// After a refresh that failed: `None` when it failed for a passing reason, no server has
/// rejected the stored token and it is still valid (the refresh was ahead of its expiry), so
/// that the caller hands it out, with a warning; the error otherwise.
fn fall_back(
    failed: Failure,
    meta: &AccountMeta,
    rejected: bool,
    now: OffsetDateTime,
) -> Result<Option<Secret>> {
    let left = meta
        .expires_at
        .and_then(|at| at.unix_timestamp().checked_sub(now.unix_timestamp()))
        .filter(|s| *s > 0);
    match left {
        Some(left) if failed.passing && !rejected => {
            crate::model::notice::warn(format!(
                "{}; the stored token, valid for {left} s more, is handed out instead",
                failed.error
            ));
            Ok(None)
        }
        _ => Err(failed.error),
    }
}

/// Writes a refreshed token set where `full` (the account's `token`) is kept, refresh token
/// first, and records its expiry, scopes and fields in `reg`, which the caller saves.
fn keep_renewed(
    store: &dyn Store,
    reg: &mut Registry,
    full: &FieldAddress,
    fresh: &TokenSet,
    now: OffsetDateTime,
) -> Result<()> {
    let account = full.account_address();
    // Not one change that a failure takes back: a provider that rotates refresh tokens
    // has already retired the old one, so the new tokens are kept as far as they were
    // written, refresh token first. Metadata left behind (the old expiry) only makes the
    // next `get` refresh again, with the new refresh token.
    if let Some(rt) = &fresh.refresh_token {
        store.put(&account.with_field(REFRESH_FIELD)?, rt)?;
    }
    if let Some(id) = &fresh.id_token {
        store.put(&account.with_field(ID_TOKEN_FIELD)?, id)?;
    }
    store.put(full, &fresh.access_token)?;
    if let Some(m) = reg.accounts.get_mut(&full.account_key()) {
        m.expires_at = fresh.expires_at;
        if !fresh.scopes.is_empty() {
            m.scopes = fresh.scopes.clone();
        }
        if fresh.refresh_token.is_some() {
            m.fields.insert(REFRESH_FIELD.to_owned());
        }
        if fresh.id_token.is_some() {
            m.fields.insert(ID_TOKEN_FIELD.to_owned());
        }
        m.updated = now;
    }
    Ok(())
}

/// How to log in again, for messages.
pub fn login_hint(account: &str, provider: Option<&str>) -> String {
    match provider {
        Some(p) => format!("log in again: `sigil login {account} --provider {p} --force`"),
        None => format!("log in again: `sigil login {account} --force`"),
    }
}

/// A login (`sigil login`, `sigil add --oauth`): checks that the account could be stored
/// before the person spends a minute in the browser, runs `flow` to obtain the token set, and
/// stores it ([`Sigil::store_login`]). A flow that fails is recorded in the audit log as a
/// failed `login`, as a failed store is.
pub fn login(
    sigil: &Sigil,
    account: &Address,
    provider: &str,
    client: &Client,
    force: bool,
    flow: impl FnOnce() -> Result<TokenSet>,
) -> Result<(BackendKind, TokenSet)> {
    let token = account.with_field(TOKEN_FIELD)?;
    sigil.ready_to_add(&token, force, &Conflict::Account(token.clone()))?;
    let tokens = flow();
    if tokens.is_err() {
        crate::audit::record(sigil, "login", &[account.to_string()], &tokens);
    }
    let tokens = tokens?;
    let kind = sigil.store_login(account, provider, client, &tokens, force)?;
    Ok((kind, tokens))
}

impl Sigil {
    /// The refresh skew in use (`[defaults] refresh_skew`, default 60 s).
    pub fn refresh_skew(&self) -> Duration {
        self.config.defaults.refresh_skew.unwrap_or(DEFAULT_SKEW)
    }

    /// Stores a token set from a login under one lock: the refresh token first (the one that
    /// matters if anything is interrupted), the access token last, then the metadata. Fields of
    /// an earlier login that the new one lacks are removed, so no stale refresh token is kept.
    /// The audit log records it as a `login` of the account.
    pub fn store_login(
        &self,
        account: &Address,
        provider: &str,
        client: &Client,
        tokens: &TokenSet,
        force: bool,
    ) -> Result<BackendKind> {
        let mut values: Vec<(&str, Secret)> = Vec::new();
        if let Some(r) = &tokens.refresh_token {
            values.push((REFRESH_FIELD, r.clone()));
        }
        if let Some(i) = &tokens.id_token {
            values.push((ID_TOKEN_FIELD, i.clone()));
        }
        values.push((CLIENT_ID_FIELD, Secret::from(client.id.as_str())));
        if let Some(s) = &client.secret {
            values.push((CLIENT_SECRET_FIELD, s.clone()));
        }
        values.push((TOKEN_FIELD, tokens.access_token.clone()));
        let mut stale = Vec::new();
        for f in [REFRESH_FIELD, ID_TOKEN_FIELD, CLIENT_SECRET_FIELD] {
            if !values.iter().any(|(kept, _)| *kept == f) {
                stale.push(account.with_field(f)?);
            }
        }
        let mut fresh = Vec::new();
        for (field, value) in &values {
            fresh.push((account.with_field(field)?, value));
        }
        // The tokens and the metadata change together or not at all: a login that fails or
        // is killed halfway leaves the earlier login as it was.
        let key = account.account_key();
        self.add(&Add {
            fields: &fresh,
            drop: &stale,
            opts: &PutOptions {
                force,
                kind: Some(Kind::Oauth),
                ..PutOptions::default()
            },
            new_account_kind: None,
            conflict: Conflict::Account(account.with_field(TOKEN_FIELD)?),
            event: "login",
            shown: vec![account.to_string()],
            adjust: &|reg| {
                if let Some(meta) = reg.accounts.get_mut(&key) {
                    meta.provider = Some(provider.to_owned());
                    meta.scopes = tokens.scopes.clone();
                    // A login's expiry is its access token's, none included.
                    meta.expires_at = tokens.expires_at;
                }
            },
        })
    }

    /// For `get` of an OAuth account's `token`: when it expires within the skew, refreshes it
    /// and returns the new one; `None` when no refresh is needed (or the account is not
    /// OAuth), so the caller reads the stored value as usual.
    ///
    /// Racing processes are serialized by the store lock, and the expiry is checked again
    /// under it: the first refreshes, the others find a fresh token and just read it. A
    /// rotated refresh token is stored before the new access token.
    pub(crate) fn refresh_if_due(
        &self,
        full: &FieldAddress,
        rejected: Option<&Secret>,
    ) -> Result<Option<Secret>> {
        let skew = self.refresh_skew();
        let reg = Registry::load(&self.paths)?;
        let key = full.account_key();
        match reg.accounts.get(&key) {
            Some(m) if m.kind == Kind::Oauth => {
                if rejected.is_none() && !due(m.expires_at, skew, OffsetDateTime::now_utc()) {
                    return Ok(None);
                }
            }
            _ => return Ok(None),
        }
        let _lock = self.lock_for_change()?;
        let mut reg = Registry::load(&self.paths)?;
        let Some(meta) = reg.accounts.get(&key).cloned() else {
            return Ok(None);
        };
        if meta.kind != Kind::Oauth {
            return Ok(None);
        }
        let account = full.account_address();
        let kind = self.placement_in(&reg, full)?;
        let store = self.store_of(kind)?;
        if !due(meta.expires_at, skew, OffsetDateTime::now_utc()) {
            match rejected {
                None => return Ok(None),
                // A server said no to this token. If another thread or process has replaced
                // it meanwhile, that one is the fresh token; only the first caller refreshes.
                Some(old) => {
                    let current = store.get(full)?;
                    if current != *old {
                        return Ok(Some(current));
                    }
                }
            }
        }
        let now = OffsetDateTime::now_utc();
        let renewed = self
            .refresh_inputs(store, &account, &meta)
            .and_then(|(provider, client, rt)| renew(&provider, &client, rt, &meta, &key, now));
        let fresh = match renewed {
            Ok(fresh) => fresh,
            Err(failed) => return fall_back(failed, &meta, rejected.is_some(), now),
        };
        keep_renewed(store, &mut reg, full, &fresh, now)?;
        reg.save(&self.paths)?;
        Ok(Some(fresh.access_token))
    }

    /// What a refresh of `account` needs: its provider, the client its tokens belong to (the
    /// stored one, else the provider's), and its refresh token when it has one.
    fn refresh_inputs(
        &self,
        store: &dyn Store,
        account: &Address,
        meta: &AccountMeta,
    ) -> std::result::Result<(Provider, Client, Option<Secret>), Failure> {
        let key = account.account_key();
        let read = |field: &str| -> Result<Option<Secret>> {
            let a = account.with_field(field)?;
            if meta.fields.contains(field) && store.contains(&a)? {
                Ok(Some(store.get(&a)?))
            } else {
                Ok(None)
            }
        };
        let hint = || login_hint(&key, meta.provider.as_deref());
        let Some(provider_key) = meta.provider.clone() else {
            return Err(Failure::from(Error::Auth {
                message: format!("'{key}' expired and records no OAuth provider to refresh it"),
                help: Some(hint()),
            }));
        };
        let provider =
            providers::resolve_or_fail(&provider_key, &self.config).map_err(|f| Failure {
                passing: f.passing,
                error: Error::Auth {
                    message: format!("cannot refresh '{key}': {}", f.error),
                    help: Some(match f.error.help() {
                        Some(help) if f.passing => help,
                        _ => hint(),
                    }),
                },
            })?;
        let client_id = match read(CLIENT_ID_FIELD)? {
            Some(s) => s.expose_str().map(str::to_owned),
            None => provider.client_id.clone(),
        }
        .ok_or_else(|| {
            Failure::from(Error::Auth {
                message: format!("cannot refresh '{key}': no client_id is known for it"),
                help: Some(hint()),
            })
        })?;
        let client = Client {
            id: client_id,
            secret: read(CLIENT_SECRET_FIELD)?.or_else(|| provider.client_secret.clone()),
        };
        let refresh_token = read(REFRESH_FIELD)?;
        Ok((provider, client, refresh_token))
    }

    /// Before an OAuth account (or its token) is deleted: asks the provider to revoke the
    /// refresh and access tokens (RFC 7009) where it has an endpoint. Best effort: a failure
    /// is a warning, and the caller deletes the local secrets regardless.
    pub(crate) fn revoke_before_delete(
        &self,
        reg: &Registry,
        addr: &Address,
        targets: &[(FieldAddress, BackendKind)],
    ) {
        let key = addr.account_key();
        let Some(meta) = reg.accounts.get(&key) else {
            return;
        };
        if meta.kind != Kind::Oauth {
            return;
        }
        let wanted = |f: &str| addr.field().is_none_or(|x| x == f);
        if !wanted(TOKEN_FIELD) && !wanted(REFRESH_FIELD) {
            return;
        }
        let Some(provider_key) = meta.provider.as_deref() else {
            return;
        };
        let warn = |why: String| {
            crate::model::notice::warn(format!(
                "could not revoke the tokens of '{key}' at '{provider_key}': {}; \
                 the local copy is deleted anyway",
                crate::model::shown::line(&why)
            ));
        };
        let provider = match providers::resolve(provider_key, &self.config) {
            Ok(p) => p,
            Err(e) => return warn(e.to_string()),
        };
        if provider.revoke_url.is_none() {
            return;
        }
        let read = |field: &str| -> Option<Secret> {
            let (a, kind) = targets.iter().find(|(a, _)| a.field() == field)?;
            self.store_of(*kind).ok()?.get(a).ok()
        };
        let all_fields = |field: &str| -> Option<Secret> {
            read(field).or_else(|| {
                let a = addr.with_field(field).ok()?;
                let kind = self.placement_in(reg, &a).ok()?;
                self.store_of(kind).ok()?.get(&a).ok()
            })
        };
        let client = Client {
            id: match all_fields(CLIENT_ID_FIELD)
                .and_then(|s| s.expose_str().map(str::to_owned))
                .or_else(|| provider.client_id.clone())
            {
                Some(id) => id,
                None => return warn("no client_id is known for it".into()),
            },
            secret: all_fields(CLIENT_SECRET_FIELD).or_else(|| provider.client_secret.clone()),
        };
        let mut tokens = Vec::new();
        if wanted(REFRESH_FIELD)
            && let Some(rt) = read(REFRESH_FIELD)
        {
            tokens.push(rt);
        }
        let refresh_count = tokens.len();
        if wanted(TOKEN_FIELD)
            && let Some(at) = read(TOKEN_FIELD)
        {
            tokens.push(at);
        }
        for (i, t) in tokens.iter().enumerate() {
            let kind = if i < refresh_count {
                flows::Revocable::Refresh
            } else {
                flows::Revocable::Access
            };
            if let Err(e) = flows::revoke(&provider, &client, t, kind) {
                return warn(e.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_parse_and_print() {
        for f in [Flow::Pkce, Flow::Device, Flow::ClientCredentials] {
            assert_eq!(f.as_str().parse::<Flow>().unwrap(), f);
        }
        let e = "implicit".parse::<Flow>().unwrap_err().to_string();
        assert!(e.contains("'implicit'"), "{e}");
    }

    /// Found by the `oauth_token` fuzz target: a malformed token response's error named
    /// the JSON path of the failure, which is the server's text and may hold a token.
    #[test]
    fn a_parse_error_names_only_the_fields_a_token_response_has() {
        assert_eq!(field_of("expires_in"), Some("expires_in"));
        assert_eq!(field_of("scope[2]"), Some("scope"));
        assert_eq!(field_of("access_token_2"), None);
        assert_eq!(field_of("gho_SECRETVALUE"), None);
        assert_eq!(field_of("."), None);
    }

    #[test]
    fn due_uses_the_skew() {
        let now = OffsetDateTime::now_utc();
        let skew = Duration::from_secs(60);
        assert!(due(Some(now + time::Duration::seconds(30)), skew, now));
        assert!(due(Some(now - time::Duration::seconds(30)), skew, now));
        assert!(!due(Some(now + time::Duration::seconds(300)), skew, now));
        assert!(!due(None, skew, now));
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Client {
            id: "id".into(),
            secret: Some(Secret::from("s3cr3t")),
        };
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }
}
