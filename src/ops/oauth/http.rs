//! The HTTP client the OAuth flows use: a ureq 3 agent handed to the `oauth2` crate as a plain
//! function, plus the rule that tokens only travel to https endpoints or to http on loopback,
//! and the retry of a request that failed for a passing reason (no answer, a timeout, 429 or a
//! 5xx) within a time budget.
#![deny(clippy::arithmetic_side_effects)]

use crate::model::config::Config;
use oauth2::{HttpRequest, HttpResponse};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// How long one attempt of an HTTP exchange with an authorization server may take, unless
/// `[defaults] oauth_timeout` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a request that keeps failing for a passing reason is retried, counted from its
/// first attempt, unless `[defaults] oauth_retry` says otherwise.
pub const DEFAULT_RETRY_BUDGET: Duration = Duration::from_secs(5);

/// The first wait between attempts in milliseconds; each later one doubles, up to
/// [`MAX_BACKOFF_MS`].
const FIRST_BACKOFF_MS: u64 = 250;

/// The longest wait between attempts that sigil chooses itself (a server's `Retry-After` may
/// ask for more, within the budget).
const MAX_BACKOFF_MS: u64 = 2000;

/// How requests to an authorization server are timed and retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long one attempt may take.
    pub timeout: Duration,
    /// How long, from the first attempt, a request is retried; zero turns retries off.
    pub budget: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: DEFAULT_TIMEOUT,
            budget: DEFAULT_RETRY_BUDGET,
        }
    }
}

impl Settings {
    /// The settings config.toml asks for (`[defaults] oauth_timeout` and `oauth_retry`); a zero
    /// timeout, which would fail every request, is the default one.
    pub fn from_config(config: &Config) -> Settings {
        let d = &config.defaults;
        Settings {
            timeout: d
                .oauth_timeout
                .filter(|t| !t.is_zero())
                .unwrap_or(DEFAULT_TIMEOUT),
            budget: d.oauth_retry.unwrap_or(DEFAULT_RETRY_BUDGET),
        }
    }
}

/// Why a request failed, which says whether trying later may help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Nothing to retry: a refused endpoint, an invalid URL, TLS, an answer too large.
    Permanent,
    /// No answer, or none in time (refused or reset connections, timeouts), every attempt.
    NoAnswer,
    /// The server answered 429 or a 5xx every attempt, or asked to wait past the budget.
    Unavailable,
}

/// A transport failure (no answer, TLS, a refused endpoint) or a server that stayed
/// unavailable. Its text names the host, never a query string or body, so no token can end
/// up in it.
#[derive(Debug, thiserror::Error)]
#[error("{text}")]
pub struct HttpError {
    text: String,
    cause: Cause,
}

impl HttpError {
    fn permanent(text: String) -> HttpError {
        HttpError {
            text,
            cause: Cause::Permanent,
        }
    }

    /// Why the request failed.
    pub fn cause(&self) -> Cause {
        self.cause
    }

    /// Whether the request failed for a passing reason, so that trying later may succeed.
    pub fn is_passing(&self) -> bool {
        self.cause != Cause::Permanent
    }
}

/// The ureq agent: no redirects (a token endpoint that redirects is misconfigured, and a
/// redirect would carry a form with a code or secret elsewhere) and HTTP error statuses
/// returned as responses, so that `invalid_grant`, `authorization_pending` or `access_denied`
/// reach `oauth2` as server answers instead of transport errors. The timeout is set on each
/// attempt.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(concat!("sigil/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Whether a URL may receive a token or secret: https anywhere, http only on loopback.
pub fn is_safe_endpoint(url: &url::Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        },
        _ => false,
    }
}

/// Where a URL points, for messages: scheme, host and path, never the query.
pub fn shown(url: &url::Url) -> String {
    format!(
        "{}://{}{}",
        url.scheme(),
        url.host_str().unwrap_or(""),
        match url.port() {
            Some(p) => format!(":{p}{}", url.path()),
            None => url.path().to_owned(),
        }
    )
}

/// The client `oauth2` calls for every request.
pub fn client(settings: Settings) -> impl Fn(HttpRequest) -> Result<HttpResponse, HttpError> {
    let agent = agent();
    move |request: HttpRequest| send(&agent, settings, request)
}

/// Sends `request`, retrying it while it fails for a passing reason and the budget lasts.
///
/// Every request is retried alike, a code exchange or a refresh with a single-use refresh
/// token included, though a connection lost after the request went out may mean that the
/// server used the code or token and its answer was lost. A retry cannot lose more than that
/// loss did: the new tokens are gone either way, and the stored refresh token has been used
/// (the next `get` would send it again). The retry then gets `invalid_grant`, which is never
/// retried and says to log in again; and a server that forgives the reuse of a refresh token
/// for a short while, for exactly this case, gets its second chance (SECURITY.md).
fn send(
    agent: &ureq::Agent,
    settings: Settings,
    request: HttpRequest,
) -> Result<HttpResponse, HttpError> {
    let target = url::Url::parse(&request.uri().to_string())
        .map_err(|e| HttpError::permanent(format!("invalid endpoint URL: {e}")))?;
    if !is_safe_endpoint(&target) {
        return Err(HttpError::permanent(format!(
            "refusing to send credentials to '{}': only https, or http on loopback",
            shown(&target)
        )));
    }
    let (parts, body) = request.into_parts();
    let body = zeroize::Zeroizing::new(body);
    let start = Instant::now();
    let end = start.checked_add(settings.budget).unwrap_or(start);
    let mut attempts: u32 = 0;
    loop {
        attempts = attempts.saturating_add(1);
        // The first attempt has the whole timeout; a retry only what is left of the budget.
        let timeout = if attempts == 1 {
            settings.timeout
        } else {
            settings
                .timeout
                .min(end.saturating_duration_since(Instant::now()))
        };
        let mut copy = http::Request::new(body.to_vec());
        *copy.method_mut() = parts.method.clone();
        *copy.uri_mut() = parts.uri.clone();
        *copy.version_mut() = parts.version;
        *copy.headers_mut() = parts.headers.clone();
        let failed = match attempt(agent, copy, timeout, &target) {
            Ok(response) if !is_passing_status(response.status()) => return Ok(response),
            Ok(response) => Failed::Status(
                response.status(),
                retry_after(response.headers(), OffsetDateTime::now_utc()),
            ),
            Err(e) if e.cause == Cause::NoAnswer => Failed::NoAnswer(e.text),
            Err(e) => return Err(e),
        };
        let wait = backoff(attempts).max(failed.retry_after().unwrap_or_default());
        let left = end.saturating_duration_since(Instant::now());
        // A wait that ends past the budget is not taken: the server asked for longer than
        // sigil may wait (a `Retry-After` of an hour is cut to nothing), or the budget is spent.
        if wait >= left {
            return Err(failed.give_up(&target, attempts, start.elapsed(), left));
        }
        std::thread::sleep(wait);
    }
}

/// What went wrong with one attempt that may go right the next time.
enum Failed {
    /// No answer (the transport's words).
    NoAnswer(String),
    /// A status worth retrying, and the server's `Retry-After`.
    Status(http::StatusCode, Option<Duration>),
}

impl Failed {
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Failed::NoAnswer(_) => None,
            Failed::Status(_, after) => *after,
        }
    }

    /// The error once sigil stops trying: the last failure, and how long it tried.
    fn give_up(
        self,
        target: &url::Url,
        attempts: u32,
        took: Duration,
        left: Duration,
    ) -> HttpError {
        let tried = if attempts > 1 {
            format!(" ({attempts} attempts in {:.1} s)", took.as_secs_f64())
        } else {
            String::new()
        };
        match self {
            Failed::NoAnswer(why) => HttpError {
                text: format!("no answer from '{}': {why}{tried}", shown(target)),
                cause: Cause::NoAnswer,
            },
            Failed::Status(status, after) => {
                let asked = match after {
                    Some(d) if d >= left => format!(
                        " and asked to wait {} s, past the time sigil retries",
                        d.as_secs()
                    ),
                    _ => String::new(),
                };
                HttpError {
                    text: format!("'{}' answered {status}{asked}{tried}", shown(target)),
                    cause: Cause::Unavailable,
                }
            }
        }
    }
}

/// One attempt: the response with its body read, or why there was none.
fn attempt(
    agent: &ureq::Agent,
    request: HttpRequest,
    timeout: Duration,
    target: &url::Url,
) -> Result<HttpResponse, HttpError> {
    let request = agent
        .configure_request(request)
        .timeout_global(Some(timeout))
        .build();
    let response = agent.run(request).map_err(|e| {
        transport(&e, || {
            format!("no answer from '{}': {}", shown(target), describe(&e))
        })
    })?;
    let (parts, body) = response.into_parts();
    let bytes = body
        .into_with_config()
        .limit(1 << 20)
        .read_to_vec()
        .map_err(|e| {
            transport(&e, || {
                format!(
                    "cannot read the answer of '{}': {}",
                    shown(target),
                    describe(&e)
                )
            })
        })?;
    let mut response = HttpResponse::from_parts(parts, bytes);
    // GitHub answers token-endpoint errors (`authorization_pending` included) with 200 OK;
    // RFC 6749 §5.2 says 400, and `oauth2` only looks for an error body on a non-200 status.
    if response.status() == http::StatusCode::OK && is_error_body(response.body()) {
        *response.status_mut() = http::StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

/// A ureq error as an [`HttpError`]: the lost or refused connections and timeouts may pass
/// and are retried; a name that does not resolve, TLS, a malformed or too large answer do not.
/// `NoAnswer` errors keep only the transport's words, which [`Failed::give_up`] frames.
fn transport(e: &ureq::Error, framed: impl FnOnce() -> String) -> HttpError {
    match e {
        ureq::Error::Io(_) | ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed => HttpError {
            text: describe(e),
            cause: Cause::NoAnswer,
        },
        _ => HttpError::permanent(framed()),
    }
}

/// The statuses that say "not now" rather than "no": 408, 429 and the 5xx but 501 (Not
/// Implemented) and 505 (HTTP Version Not Supported), which will not change.
fn is_passing_status(status: http::StatusCode) -> bool {
    let code = status.as_u16();
    code == 408 || code == 429 || (status.is_server_error() && code != 501 && code != 505)
}

/// The wait before the attempt after attempt `n` (1-based): 250 ms doubled each time up to
/// 2 s, of which a random part, so that clients that failed together do not retry together
/// (half fixed, half jitter).
fn backoff(n: u32) -> Duration {
    use rand::Rng as _;
    let full = FIRST_BACKOFF_MS
        .checked_shl(n.saturating_sub(1).min(8))
        .unwrap_or(MAX_BACKOFF_MS)
        .min(MAX_BACKOFF_MS);
    let half = full / 2;
    let jitter = rand::thread_rng().gen_range(0..=half);
    Duration::from_millis(half.saturating_add(jitter))
}

/// The server's `Retry-After` (RFC 9110 §10.2.3), in seconds or as an HTTP date (the
/// IMF-fixdate form, the only one servers may send), as a wait from `now`; a date in the past
/// is no wait. `None` when absent or unreadable. A huge value stays huge: the caller compares
/// it with the budget.
fn retry_after(headers: &http::HeaderMap, now: OffsetDateTime) -> Option<Duration> {
    let text = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        // Digits only, so the one way to fail is a number past u64: forever, in effect.
        return Some(Duration::from_secs(text.parse().unwrap_or(u64::MAX)));
    }
    let at = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc2822).ok()?;
    let secs = at.unix_timestamp().checked_sub(now.unix_timestamp())?;
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

fn is_error_body(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| {
        v.get("error").is_some_and(|e| e.is_string()) && v.get("access_token").is_none()
    })
}

/// A ureq error without anything that could echo a request (ureq's messages name hosts and
/// I/O causes, not bodies; the URL it may name is ours and carries no token).
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => io.to_string(),
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        other => other.to_string(),
    }
}

/// GETs a JSON document (OIDC discovery), with the same endpoint rule.
pub fn get_json(url: &url::Url, settings: Settings) -> Result<serde_json::Value, HttpError> {
    let request = http::Request::get(url.as_str())
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| HttpError::permanent(format!("invalid URL '{}': {e}", shown(url))))?;
    let response = send(&agent(), settings, request)?;
    if !response.status().is_success() {
        return Err(HttpError::permanent(format!(
            "'{}' answered {}",
            shown(url),
            response.status()
        )));
    }
    serde_json::from_slice(response.body())
        .map_err(|e| HttpError::permanent(format!("'{}' did not answer JSON: {e}", shown(url))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_only_go_to_https_or_loopback() {
        let ok = |s: &str| is_safe_endpoint(&url::Url::parse(s).unwrap());
        assert!(ok("https://example.com/token"));
        assert!(ok("http://127.0.0.1:8080/token"));
        assert!(ok("http://[::1]/token"));
        assert!(ok("http://localhost/token"));
        assert!(!ok("http://example.com/token"));
        assert!(!ok("http://10.0.0.1/token"));
        assert!(!ok("ftp://example.com/token"));
    }

    #[test]
    fn shown_drops_the_query() {
        let u = url::Url::parse("https://h.example:8443/a/b?code=xyz&state=1").unwrap();
        assert_eq!(shown(&u), "https://h.example:8443/a/b");
    }

    #[test]
    fn an_unreachable_server_is_a_transport_error() {
        // Port 9 on loopback: nothing listens there on a test machine.
        let req = http::Request::post("http://127.0.0.1:9/token")
            .body(b"grant_type=x".to_vec())
            .unwrap();
        let e = client(Settings {
            budget: Duration::ZERO,
            ..Settings::default()
        })(req)
        .unwrap_err();
        assert!(e.is_passing());
        let e = e.to_string();
        assert!(
            e.contains("no answer from 'http://127.0.0.1:9/token'"),
            "{e}"
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = OffsetDateTime::parse(
            "Sun, 06 Nov 1994 08:49:37 GMT",
            &time::format_description::well_known::Rfc2822,
        )
        .unwrap();
        let read = |v: &str| {
            let mut h = http::HeaderMap::new();
            h.insert(http::header::RETRY_AFTER, v.parse().unwrap());
            retry_after(&h, now)
        };
        assert_eq!(read("2"), Some(Duration::from_secs(2)));
        assert_eq!(read(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(
            read("99999999999999999999999"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            read("Sun, 06 Nov 1994 08:50:07 GMT"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(read("Sun, 06 Nov 1994 08:00:00 GMT"), Some(Duration::ZERO));
        for unreadable in ["-1", "soon", "1.5", "Sunday, 06-Nov-94 08:49:37 GMT", ""] {
            assert_eq!(read(unreadable), None, "{unreadable}");
        }
        assert_eq!(retry_after(&http::HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_doubles_up_to_its_cap_with_jitter() {
        // (attempt, the shortest and longest wait after it, in ms)
        for (n, least, most) in [
            (1, 125, 250),
            (2, 250, 500),
            (3, 500, 1000),
            (4, 1000, 2000),
            (10, 1000, 2000),
            (u32::MAX, 1000, 2000),
        ] {
            let d = backoff(n);
            assert!(
                d >= Duration::from_millis(least) && d <= Duration::from_millis(most),
                "attempt {n}: {d:?}"
            );
        }
    }

    #[test]
    fn only_statuses_that_may_pass_are_retried() {
        for (code, passing) in [
            (200, false),
            (400, false),
            (401, false),
            (404, false),
            (408, true),
            (429, true),
            (500, true),
            (501, false),
            (502, true),
            (503, true),
            (504, true),
            (505, false),
        ] {
            let status = http::StatusCode::from_u16(code).unwrap();
            assert_eq!(is_passing_status(status), passing, "{code}");
        }
    }

    #[test]
    fn settings_come_from_the_defaults_in_config_toml() {
        let read = |text: &str| Settings::from_config(&toml::from_str::<Config>(text).unwrap());
        assert_eq!(read(""), Settings::default());
        assert_eq!(
            read("[defaults]\noauth_timeout = \"2s\"\noauth_retry = \"1m\"\n"),
            Settings {
                timeout: Duration::from_secs(2),
                budget: Duration::from_secs(60),
            }
        );
        // No retries, and a zero timeout, which would fail every request, is the default.
        assert_eq!(
            read("[defaults]\noauth_timeout = \"0s\"\noauth_retry = \"0s\"\n"),
            Settings {
                timeout: DEFAULT_TIMEOUT,
                budget: Duration::ZERO,
            }
        );
        assert!(toml::from_str::<Config>("[defaults]\noauth_retry = \"soon\"\n").is_err());
    }
}
