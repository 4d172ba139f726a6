//! The vault backend's HTTP exchanges with an OpenBao or Vault server: one ureq agent that
//! follows no redirect (the token would travel with it to wherever the server points), reads
//! at most [`MAX_ANSWER`] bytes of an answer, trusts the configured CA, and turns what went
//! wrong into errors that never quote what the server sent beyond a few known phrases (its
//! error bodies can echo the request, the secret being written included).

use crate::model::error::Error;
use crate::model::secret::Secret;
use std::time::Duration;
use ureq::http;
use url::Url;
use zeroize::Zeroizing;

/// The most bytes of one answer sigil reads; a list of thousands of accounts fits.
pub(super) const MAX_ANSWER: u64 = 4 << 20;

/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// An answer: its status and its JSON body (`Null` when it had none or it was not JSON).
pub(super) struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
}

impl Reply {
    /// The server's `errors`, reduced to the known phrase they start with, if any.
    pub fn known_error(&self) -> Option<&'static str> {
        let errors = self.body.get("errors")?.as_array()?;
        errors
            .iter()
            .filter_map(|e| e.as_str())
            .find_map(known_phrase)
    }

    /// Whether the server refused a write because the check-and-set version was stale.
    pub fn is_cas_mismatch(&self) -> bool {
        self.status == 400 && self.known_error() == Some(CAS_MISMATCH)
    }
}

const CAS_MISMATCH: &str = "check-and-set parameter did not match the current version";

/// The phrases of the server's errors that sigil repeats: each is the server's own wording
/// of a state, and nothing after it (where a request's data could be echoed) is kept.
fn known_phrase(text: &str) -> Option<&'static str> {
    [
        CAS_MISMATCH,
        "permission denied",
        "missing client token",
        "invalid token",
        "Vault is sealed",
        "OpenBao is sealed",
        "no handler for route",
        "unsupported path",
        "invalid role or secret ID",
        "invalid secret id",
        "invalid role ID",
        "error validating token",
        "role not found",
    ]
    .into_iter()
    .find(|p| text.starts_with(p) || text.contains(&format!("* {p}")))
}

/// The HTTP side of one server.
pub(super) struct Client {
    agent: ureq::Agent,
    pub base: Url,
    namespace: Option<String>,
}

impl Client {
    /// A client of the server at `base`, trusting the CAs in `ca_pem` when given.
    pub fn new(
        base: Url,
        namespace: Option<String>,
        ca_pem: Option<&[u8]>,
    ) -> Result<Client, String> {
        let mut config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT))
            .user_agent(concat!("sigil/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = ca_pem {
            let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<_, _>>()
                .map_err(|e| format!("it is not PEM: {e}"))?;
            if certs.is_empty() {
                return Err("it holds no certificate".into());
            }
            config = config.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
                    .build(),
            );
        }
        Ok(Client {
            agent: config.build().into(),
            base,
            namespace,
        })
    }

    /// The URL of an API path, `v1/<segments…>`, each segment escaped on its own.
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.push("v1");
            path.extend(segments.iter().filter(|s| !s.is_empty()));
        }
        url
    }

    /// Sends one request and reads its answer. `what` names the path for messages.
    pub fn send(
        &self,
        method: &str,
        url: &Url,
        token: Option<&Secret>,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, Error> {
        let mut request = http::Request::builder()
            .method(method)
            .uri(url.as_str())
            .header("Accept", "application/json");
        if let Some(t) = token {
            let value = http::HeaderValue::from_bytes(t.expose())
                .map_err(|_| Error::other("the vault token is not a valid header value", None))?;
            let mut value = value;
            value.set_sensitive(true);
            request = request.header("X-Vault-Token", value);
        }
        if let Some(ns) = &self.namespace {
            request = request.header("X-Vault-Namespace", ns.as_str());
        }
        let bytes = Zeroizing::new(match body {
            Some(b) => {
                request = request.header("Content-Type", "application/json");
                serde_json::to_vec(b).expect("JSON values serialize")
            }
            None => Vec::new(),
        });
        let request = request.body(&bytes[..]).map_err(|e| {
            Error::other(
                format!("cannot build a request to the vault server: {e}"),
                None,
            )
        })?;
        let response = self
            .agent
            .run(request)
            .map_err(|e| unreachable(&self.base, &e))?;
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            return Err(redirected(&self.base, response.headers()));
        }
        let read = Zeroizing::new(
            response
                .into_body()
                .into_with_config()
                .limit(MAX_ANSWER)
                .read_to_vec()
                .map_err(|e| too_large(&self.base, &e))?,
        );
        let body = serde_json::from_slice(&read).unwrap_or(serde_json::Value::Null);
        Ok(Reply { status, body })
    }
}

/// Where the server is, for messages: scheme, host, port and path, never a query.
pub(super) fn shown(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_password(None);
    let _ = u.set_username("");
    u.as_str().trim_end_matches('/').to_owned()
}

fn unreachable(base: &Url, e: &ureq::Error) -> Error {
    // rustls reports a failed handshake as invalid data on the connection.
    let tls = matches!(e, ureq::Error::Tls(_) | ureq::Error::Rustls(_))
        || (base.scheme() == "https"
            && matches!(e, ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::InvalidData));
    if tls {
        return Error::other(
            format!(
                "cannot reach the vault server at '{}': the TLS connection failed ({})",
                shown(base),
                describe(e)
            ),
            Some("if the server's certificate is signed by your own CA, set `ca_file` in [vault] of config.toml or VAULT_CACERT to it; an http:// server needs an http:// address".into()),
        );
    }
    Error::other(
        format!(
            "cannot reach the vault server at '{}': {}",
            shown(base),
            describe(e)
        ),
        Some("check that the server runs and that VAULT_ADDR, or `address` in [vault] of config.toml, points at it; nothing was changed".into()),
    )
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => io.to_string(),
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        other => other.to_string(),
    }
    .to_lowercase()
}

fn redirected(base: &Url, headers: &http::HeaderMap) -> Error {
    let to = headers
        .get("location")
        .and_then(|l| l.to_str().ok())
        .and_then(|l| base.join(l).ok())
        .map(|u| format!(" '{}'", shown(&u)))
        .unwrap_or_default();
    Error::Refused {
        message: format!(
            "the vault server at '{}' redirected sigil to{to}, and sigil does not follow a redirect with its token",
            shown(base)
        ),
        help: Some("set the address to the server that answers itself (a standby node redirects to the active one); nothing was sent elsewhere".into()),
    }
}

fn too_large(base: &Url, e: &ureq::Error) -> Error {
    let why = match e {
        ureq::Error::BodyExceedsLimit(_) => format!("it is larger than {} MiB", MAX_ANSWER >> 20),
        other => describe(other),
    };
    Error::Refused {
        message: format!(
            "cannot read the answer of the vault server at '{}': {why}",
            shown(base)
        ),
        help: Some(
            "a vault server never sends that: check that the address points at the server you mean"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_segment_by_segment() {
        let c = Client::new(Url::parse("http://127.0.0.1:8200/").unwrap(), None, None).unwrap();
        let u = c.url(&["secret", "data", "sigil", "a b", "me@x/../y"]);
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:8200/v1/secret/data/sigil/a%20b/me@x%2F..%2Fy"
        );
    }

    #[test]
    fn only_known_phrases_of_an_error_are_kept() {
        let reply = |e: &str| Reply {
            status: 400,
            body: serde_json::json!({ "errors": [e] }),
        };
        assert_eq!(
            reply("permission denied: value hunter2").known_error(),
            Some("permission denied")
        );
        assert_eq!(reply("hunter2 was bad").known_error(), None);
        assert!(reply(CAS_MISMATCH).is_cas_mismatch());
        let nested = reply("1 error occurred:\n\t* permission denied\n\n");
        assert_eq!(nested.known_error(), Some("permission denied"));
    }

    #[test]
    fn shown_drops_credentials_and_queries() {
        let u = Url::parse("https://u:p@h.example:8200/?token=x").unwrap();
        assert_eq!(shown(&u), "https://h.example:8200");
    }
}
