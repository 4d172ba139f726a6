//! The HTTP client the OAuth flows use: a ureq 3 agent handed to the `oauth2` crate as a plain
//! function, plus the rule that tokens only travel to https endpoints or to http on loopback.
#![deny(clippy::arithmetic_side_effects)]

use oauth2::{HttpRequest, HttpResponse};
use std::time::Duration;

/// How long one HTTP exchange with an authorization server may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A transport failure (no answer, TLS, a refused endpoint). Its text names the host, never a
/// query string or body, so no token can end up in it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(pub String);

/// The ureq agent: no redirects (a token endpoint that redirects is misconfigured, and a
/// redirect would carry a form with a code or secret elsewhere) and HTTP error statuses
/// returned as responses, so that `invalid_grant`, `authorization_pending` or `access_denied`
/// reach `oauth2` as server answers instead of transport errors.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(TIMEOUT))
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
pub fn client() -> impl Fn(HttpRequest) -> Result<HttpResponse, HttpError> {
    let agent = agent();
    move |request: HttpRequest| send(&agent, request)
}

fn send(agent: &ureq::Agent, request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let target = url::Url::parse(&request.uri().to_string())
        .map_err(|e| HttpError(format!("invalid endpoint URL: {e}")))?;
    if !is_safe_endpoint(&target) {
        return Err(HttpError(format!(
            "refusing to send credentials to '{}': only https, or http on loopback",
            shown(&target)
        )));
    }
    let response = agent.run(request).map_err(|e| {
        HttpError(format!(
            "no answer from '{}': {}",
            shown(&target),
            describe(&e)
        ))
    })?;
    let (parts, body) = response.into_parts();
    let bytes = body
        .into_with_config()
        .limit(1 << 20)
        .read_to_vec()
        .map_err(|e| {
            HttpError(format!(
                "cannot read the answer of '{}': {}",
                shown(&target),
                describe(&e)
            ))
        })?;
    let mut response = HttpResponse::from_parts(parts, bytes);
    // GitHub answers token-endpoint errors (`authorization_pending` included) with 200 OK;
    // RFC 6749 §5.2 says 400, and `oauth2` only looks for an error body on a non-200 status.
    if response.status() == http::StatusCode::OK && is_error_body(response.body()) {
        *response.status_mut() = http::StatusCode::BAD_REQUEST;
    }
    Ok(response)
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
pub fn get_json(url: &url::Url) -> Result<serde_json::Value, HttpError> {
    let request = http::Request::get(url.as_str())
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| HttpError(format!("invalid URL '{}': {e}", shown(url))))?;
    let response = send(&agent(), request)?;
    if !response.status().is_success() {
        return Err(HttpError(format!(
            "'{}' answered {}",
            shown(url),
            response.status()
        )));
    }
    serde_json::from_slice(response.body())
        .map_err(|e| HttpError(format!("'{}' did not answer JSON: {e}", shown(url))))
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
        let e = client()(req).unwrap_err().to_string();
        assert!(
            e.contains("no answer from 'http://127.0.0.1:9/token'"),
            "{e}"
        );
    }
}
