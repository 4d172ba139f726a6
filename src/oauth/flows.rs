//! The OAuth grants themselves, on the `oauth2` crate: authorization code + PKCE through a
//! loopback listener (RFC 8252), device authorization (RFC 8628), client credentials, refresh,
//! and revocation (RFC 7009). Everything a person must see goes to stderr; nothing here prints
//! a token, and the only URLs printed are authorization and verification URLs (no tokens in
//! them).
//!
//! Ctrl-C is left to the default signal action: the process ends at once, the kernel closes
//! the listener, and nothing is stored because storing happens only after a flow succeeded.
#![deny(clippy::arithmetic_side_effects)]

use super::http::{self, HttpError};
use super::{Client, Provider, oauth_client, request_error, token_set};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::shown;
use crate::token::TokenSet;
use oauth2::{
    AuthorizationCode, ConfigurationError, CsrfToken, PkceCodeChallenge, RefreshToken, Scope,
    StandardRevocableToken,
};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The default time a person has to finish a login in the browser.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// How an interactive flow talks to the person.
#[derive(Debug, Clone)]
pub struct Interaction {
    /// How long to wait for the browser (pkce) or the approval (device, capped by the code's
    /// own lifetime).
    pub timeout: Duration,
    /// Open the authorization URL in a browser (pkce).
    pub open_browser: bool,
}

impl Default for Interaction {
    fn default() -> Self {
        Interaction {
            timeout: DEFAULT_TIMEOUT,
            open_browser: true,
        }
    }
}

fn config_error(p: &Provider, flow: &str, e: ConfigurationError) -> Error {
    let ConfigurationError::MissingUrl(which) = &e else {
        return Error::other(format!("provider '{}': {e}", p.key), None);
    };
    let key = match *which {
        "authorization" => "auth_url",
        "device authorization" => "device_url",
        "revocation" => "revoke_url",
        _ => "token_url",
    };
    Error::UsageHelp {
        message: format!(
            "provider '{}' has no {which} endpoint, which the {flow} flow needs",
            p.key
        ),
        help: format!(
            "set {key} (or issuer) under [providers.{}] in config.toml, or choose another --flow",
            p.key
        ),
    }
}

fn scopes(list: &[String]) -> Vec<Scope> {
    list.iter().map(|s| Scope::new(s.clone())).collect()
}

// ---------------------------------------------------------------------------------------------
// progress
// ---------------------------------------------------------------------------------------------

/// A spinner on stderr while waiting, when stderr is a terminal (and the CLI is built).
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
struct Waiting {
    #[cfg(feature = "cli")]
    bar: Option<indicatif::ProgressBar>,
    deadline: Instant,
    what: String,
}

impl Waiting {
    fn new(what: &str, deadline: Instant) -> Waiting {
        #[cfg(feature = "cli")]
        let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        let w = Waiting {
            #[cfg(feature = "cli")]
            bar,
            deadline,
            what: what.to_owned(),
        };
        w.tick();
        w
    }

    fn tick(&self) {
        #[cfg(feature = "cli")]
        if let Some(bar) = &self.bar {
            let left = self
                .deadline
                .saturating_duration_since(Instant::now())
                .as_secs();
            bar.set_message(format!(
                "{} ({}:{:02} left, Ctrl-C cancels)",
                self.what,
                left / 60,
                left % 60
            ));
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        #[cfg(feature = "cli")]
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// authorization code + PKCE
// ---------------------------------------------------------------------------------------------

const SUCCESS_PAGE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>sigil: logged in</title></head>\
<body style=\"font-family:sans-serif;margin:3em\"><h1>Logged in</h1>\
<p>sigil has the authorization. You can close this tab and return to the terminal.</p></body></html>";

fn failure_page(why: &str) -> String {
    let why: String = why
        .chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            c => c.to_string(),
        })
        .collect();
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>sigil: login failed</title></head>\
<body style=\"font-family:sans-serif;margin:3em\"><h1>Login failed</h1><p>{why}</p>\
<p>Nothing was stored. You can close this tab; the terminal says what to do next.</p></body></html>"
    )
}

fn respond(stream: &mut TcpStream, status: &str, body: &str) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
    let _ = stream.flush();
}

/// Reads one request's head and returns its target (`/callback?code=…`).
fn request_target(stream: &mut TcpStream) -> Option<String> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let line = head.lines().next()?;
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Some(target.to_owned()),
        _ => None,
    }
}

/// What the loopback listener received.
enum Callback {
    Code(String),
    Refused(Error),
}

fn wait_for_callback(
    listener: &TcpListener,
    p: &Provider,
    state: &CsrfToken,
    deadline: Instant,
) -> Result<Callback> {
    let waiting = Waiting::new("waiting for the browser", deadline);
    loop {
        if Instant::now() >= deadline {
            return Err(Error::Auth {
                message: format!(
                    "the login at '{}' was not completed in time; nothing was stored",
                    p.key
                ),
                help: Some("run it again (--timeout gives more time)".into()),
            });
        }
        let (mut stream, _) = match listener.accept() {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
                waiting.tick();
                continue;
            }
            Err(e) => return Err(Error::io("the loopback listener failed", e)),
        };
        let Some(target) = request_target(&mut stream) else {
            respond(&mut stream, "400 Bad Request", &failure_page("bad request"));
            continue;
        };
        let Ok(url) = url::Url::parse(&format!("http://127.0.0.1{target}")) else {
            respond(&mut stream, "400 Bad Request", &failure_page("bad request"));
            continue;
        };
        if url.path() != "/callback" {
            // Browsers also ask for /favicon.ico and the like.
            respond(&mut stream, "404 Not Found", &failure_page("not found"));
            continue;
        }
        let param = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        // The state is checked first: a redirect that does not carry ours is not an answer to
        // our request, whatever else it says (RFC 6749 §10.12).
        if param("state").as_deref() != Some(state.secret().as_str()) {
            respond(
                &mut stream,
                "400 Bad Request",
                &failure_page("The answer did not carry the state sigil sent, so it was refused."),
            );
            return Ok(Callback::Refused(Error::Auth {
                message: format!(
                    "the redirect from '{}' carried the wrong state: refused, nothing was stored",
                    p.key
                ),
                help: Some(
                    "run the login again; if this repeats, something other than your browser is answering the redirect"
                        .into(),
                ),
            }));
        }
        if let Some(code) = param("error") {
            let detail = param("error_description")
                .map(|d| format!(" ({})", d.chars().take(200).collect::<String>()))
                .unwrap_or_default();
            respond(
                &mut stream,
                "200 OK",
                &failure_page(&format!("{} said: {code}{detail}", p.name)),
            );
            let denied = code == "access_denied";
            // Whatever sent the redirect chose these words: one escaped line each.
            let code = shown::line(&code.chars().take(100).collect::<String>()).into_owned();
            let detail = shown::line(&detail).into_owned();
            return Ok(Callback::Refused(Error::Auth {
                message: if denied {
                    format!("the login was denied at '{}'{detail}", p.key)
                } else {
                    format!("the login failed at '{}': {code}{detail}", p.key)
                },
                help: Some(if denied {
                    "approve the request in the browser to log in; nothing was stored".into()
                } else {
                    "check the provider's settings in config.toml and run the login again".into()
                }),
            }));
        }
        let Some(code) = param("code") else {
            respond(
                &mut stream,
                "400 Bad Request",
                &failure_page("The answer carried no authorization code."),
            );
            return Ok(Callback::Refused(Error::Auth {
                message: format!("the redirect from '{}' carried no code", p.key),
                help: None,
            }));
        };
        respond(&mut stream, "200 OK", SUCCESS_PAGE);
        return Ok(Callback::Code(code));
    }
}

/// Opens `url` with `$BROWSER` (a `:`-separated list of commands, `%s` standing for the URL)
/// or the platform's opener. Returns whether something was started; the browser is not
/// waited for, and its output never reaches sigil's stdout.
pub fn open_browser(url: &str) -> bool {
    use std::process::Stdio;
    let mut candidates: Vec<Vec<String>> = Vec::new();
    if let Ok(b) = std::env::var("BROWSER") {
        for entry in b.split(':').filter(|e| !e.trim().is_empty()) {
            let mut words: Vec<String> = entry.split_whitespace().map(str::to_owned).collect();
            if words.iter().any(|w| w.contains("%s")) {
                for w in &mut words {
                    *w = w.replace("%s", url);
                }
            } else {
                words.push(url.to_owned());
            }
            candidates.push(words);
        }
    } else if cfg!(target_os = "macos") {
        candidates.push(vec!["open".into(), url.into()]);
    } else if cfg!(windows) {
        candidates.push(vec!["explorer".into(), url.into()]);
    } else {
        candidates.push(vec!["xdg-open".into(), url.into()]);
    }
    for words in candidates {
        let spawned = crate::child::command(&words[0])
            .args(&words[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if let Ok(mut child) = spawned {
            // Reap it whenever it ends, without waiting for it here.
            std::thread::spawn(move || {
                let _ = child.wait();
            });
            return true;
        }
    }
    false
}

/// Authorization code + PKCE (S256) with a loopback redirect to
/// `http://127.0.0.1:<port>/callback`.
pub fn pkce(p: &Provider, client: &Client, asked: &[String], ui: &Interaction) -> Result<TokenSet> {
    let port = p.redirect_port.unwrap_or(0);
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        Error::io(
            format!("cannot listen on 127.0.0.1:{port} for the login redirect"),
            e,
        )
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::io("cannot set up the loopback listener", e))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::io("cannot set up the loopback listener", e))?
        .port();
    let redirect = oauth2::RedirectUrl::new(format!("http://127.0.0.1:{port}/callback"))
        .map_err(|e| Error::other(format!("invalid redirect URL: {e}"), None))?;
    let oauth = oauth_client(p, client)?.set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = oauth
        .authorize_url(CsrfToken::new_random)
        .map_err(|e| config_error(p, "pkce", e))?
        .add_scopes(scopes(asked))
        .set_pkce_challenge(challenge);
    for (k, v) in &p.auth_params {
        request = request.add_extra_param(k.clone(), v.clone());
    }
    let (url, state) = request.url();
    eprintln!(
        "Log in to {} in your browser:\n\n  {url}\n",
        shown::line(&p.name)
    );
    if ui.open_browser && !open_browser(url.as_str()) {
        eprintln!("(no browser could be opened: open the URL above yourself)");
    }
    let deadline = after(ui.timeout);
    let code = match wait_for_callback(&listener, p, &state, deadline)? {
        Callback::Code(c) => c,
        Callback::Refused(e) => return Err(e),
    };
    drop(listener);
    let now = OffsetDateTime::now_utc();
    let answer = oauth
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| config_error(p, "pkce", e))?
        .set_pkce_verifier(verifier)
        .request(&http::client())
        .map_err(|e| request_error(p, "the code exchange", e))?;
    Ok(token_set(&answer, asked, now))
}

/// The instant `d` from now; a `d` too large to add (from a server, or a huge `--timeout`) is
/// as good as forever, which a day stands in for.
fn after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .or_else(|| now.checked_add(Duration::from_secs(24 * 60 * 60)))
        .unwrap_or(now)
}

// ---------------------------------------------------------------------------------------------
// device authorization
// ---------------------------------------------------------------------------------------------

/// Device authorization (RFC 8628): shows the verification URI and user code on stderr and
/// polls the token endpoint at the server's interval, slowing down when told to.
pub fn device(
    p: &Provider,
    client: &Client,
    asked: &[String],
    ui: &Interaction,
) -> Result<TokenSet> {
    let oauth = oauth_client(p, client)?;
    let http = http::client();
    let details: oauth2::StandardDeviceAuthorizationResponse = oauth
        .exchange_device_code()
        .map_err(|e| config_error(p, "device", e))?
        .add_scopes(scopes(asked))
        .request(&http)
        .map_err(|e| request_error(p, "the device authorization", e))?;
    // The URI and the code are the server's text: each shown escaped, on its own line.
    let uri = details.verification_uri().as_str();
    eprintln!(
        "To log in to {}, open {}\nand enter the code: {}",
        shown::line(&p.name),
        shown::line(uri),
        shown::line(details.user_code().secret())
    );
    if let Some(complete) = details.verification_uri_complete() {
        eprintln!("(or open {} )", shown::line(complete.secret()));
    }
    let lifetime = details.expires_in().min(ui.timeout);
    // The oauth2 crate adds 5 s to the interval on every `slow_down` without checking, so an
    // interval near the largest Duration would panic it; one longer than the whole login
    // could never be waited out anyway.
    if details.interval() > lifetime {
        return Err(Error::Auth {
            message: format!(
                "'{}' asks to wait {} s between polls, longer than the login may take ({} s); nothing was stored",
                p.key,
                details.interval().as_secs(),
                lifetime.as_secs()
            ),
            help: Some("try again later, or use another flow with --flow".into()),
        });
    }
    let deadline = after(lifetime);
    let waiting = Waiting::new("waiting for the approval", deadline);
    let sleep = |d: Duration| {
        // Never past the deadline: the server chooses the interval.
        let until = after(d).min(deadline);
        while Instant::now() < until {
            std::thread::sleep(
                Duration::from_millis(100).min(until.saturating_duration_since(Instant::now())),
            );
            waiting.tick();
        }
    };
    let now = OffsetDateTime::now_utc();
    let answer = oauth
        .exchange_device_access_token(&details)
        .map_err(|e| config_error(p, "device", e))?
        .request(&http, sleep, Some(lifetime))
        .map_err(|e| match e {
            oauth2::RequestTokenError::ServerResponse(r)
                if r.error().as_ref() == "expired_token" =>
            {
                Error::Auth {
                    message: format!(
                        "the device code expired before the login at '{}' was approved; nothing was stored",
                        p.key
                    ),
                    help: Some("run the login again and enter the new code in time".into()),
                }
            }
            oauth2::RequestTokenError::ServerResponse(r)
                if r.error().as_ref() == "access_denied" =>
            {
                Error::Auth {
                    message: format!(
                        "the login was denied at '{}'; nothing was stored",
                        p.key
                    ),
                    help: Some("approve the request to log in".into()),
                }
            }
            other => request_error(p, "the device login", other),
        })?;
    drop(waiting);
    Ok(token_set(&answer, asked, now))
}

// ---------------------------------------------------------------------------------------------
// client credentials, refresh, revocation
// ---------------------------------------------------------------------------------------------

/// Client credentials: a token for the client itself (CI, service accounts).
pub fn client_credentials(
    p: &Provider,
    client: &Client,
    asked: &[String],
    now: OffsetDateTime,
) -> Result<TokenSet> {
    if client.secret.is_none() {
        return Err(Error::UsageHelp {
            message: format!(
                "the client-credentials flow needs a client secret for provider '{}'",
                p.key
            ),
            help: "pipe it on stdin with --client-secret-stdin, set SIGIL_CLIENT_SECRET, or put \
                   client_secret in the provider's table in config.toml"
                .into(),
        });
    }
    let answer = oauth_client(p, client)?
        .exchange_client_credentials()
        .map_err(|e| config_error(p, "client-credentials", e))?
        .add_scopes(scopes(asked))
        .request(&http::client())
        .map_err(|e| request_error(p, "the client-credentials grant", e))?;
    Ok(token_set(&answer, asked, now))
}

/// Refresh: a new access token (and, when the server rotates them, a new refresh token) for
/// a refresh token.
pub fn refresh(
    p: &Provider,
    client: &Client,
    refresh_token: &Secret,
    granted: &[String],
    now: OffsetDateTime,
) -> Result<TokenSet> {
    let rt = RefreshToken::new(
        refresh_token
            .expose_str()
            .ok_or_else(|| Error::other("the stored refresh token is not UTF-8 text", None))?
            .to_owned(),
    );
    let answer = oauth_client(p, client)?
        .exchange_refresh_token(&rt)
        .map_err(|e| config_error(p, "refresh", e))?
        .request(&http::client())
        .map_err(|e| request_error(p, "the refresh", e))?;
    Ok(token_set(&answer, granted, now))
}

/// Which token a revocation is about (the `token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocable {
    /// An access token.
    Access,
    /// A refresh token (revoking it usually ends the whole grant).
    Refresh,
}

/// Revocation (RFC 7009).
pub fn revoke(p: &Provider, client: &Client, token: &Secret, kind: Revocable) -> Result<()> {
    let text = token
        .expose_str()
        .ok_or_else(|| Error::other("the stored token is not UTF-8 text", None))?
        .to_owned();
    if let Some(url) = p.revoke_url.as_ref().filter(|u| u.scheme() == "http") {
        return revoke_on_loopback(p, url, client, &text, kind);
    }
    let t = match kind {
        Revocable::Access => StandardRevocableToken::AccessToken(oauth2::AccessToken::new(text)),
        Revocable::Refresh => StandardRevocableToken::RefreshToken(RefreshToken::new(text)),
    };
    oauth_client(p, client)?
        .revoke_token(t)
        .map_err(|e| config_error(p, "revocation", e))?
        .request(&http::client())
        .map_err(|e: oauth2::RequestTokenError<HttpError, _>| request_error(p, "the revocation", e))
}

/// RFC 7009 against an http endpoint on loopback (a local or test authorization server):
/// `oauth2` insists on https for revocation, while sigil's rule is https or loopback. The
/// client authenticates in the form body here.
fn revoke_on_loopback(
    p: &Provider,
    url: &url::Url,
    client: &Client,
    token: &str,
    kind: Revocable,
) -> Result<()> {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("token", token)
        .append_pair(
            "token_type_hint",
            match kind {
                Revocable::Access => "access_token",
                Revocable::Refresh => "refresh_token",
            },
        )
        .append_pair("client_id", &client.id);
    if let Some(secret) = client.secret.as_ref().and_then(|s| s.expose_str()) {
        form.append_pair("client_secret", secret);
    }
    let body = zeroize::Zeroizing::new(form.finish());
    let request = ::http::Request::post(url.as_str())
        .header(
            ::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(::http::header::ACCEPT, "application/json")
        .body(body.as_bytes().to_vec())
        .map_err(|e| Error::other(format!("cannot build the revocation request: {e}"), None))?;
    let response = http::client()(request).map_err(|e| Error::Auth {
        message: format!("the revocation failed: cannot reach '{}': {e}", p.key),
        help: None,
    })?;
    if response.status().is_success() {
        return Ok(());
    }
    let code = serde_json::from_slice::<serde_json::Value>(response.body())
        .ok()
        .and_then(|v| v.get("error")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| response.status().to_string());
    Err(Error::Auth {
        message: format!(
            "the revocation failed at '{}': {}",
            p.key,
            shown::line(&code.chars().take(100).collect::<String>())
        ),
        help: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_page_escapes_html() {
        let page = failure_page("<script>alert(1)</script> & \"x\"");
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
    }
}
