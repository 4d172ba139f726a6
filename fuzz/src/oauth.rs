//! The OAuth targets: token endpoint answers (success and error bodies, read as oauth2 reads
//! them) and OpenID discovery documents.

use super::{assert_hidden, planted};
use oauth2::basic::BasicErrorResponseType;
use oauth2::{RequestTokenError, StandardErrorResponse};
use sigil::internal::ops::oauth::{self, answer::Answer, http::HttpError, providers};
use std::collections::BTreeMap;

/// A provider to name in errors.
fn provider() -> oauth::Provider {
    oauth::Provider {
        key: "fuzz".into(),
        name: "Fuzz".into(),
        auth_url: None,
        token_url: None,
        device_url: None,
        revoke_url: None,
        flows: vec![],
        scopes: vec![],
        client_id: None,
        client_secret: None,
        secret_in_body: false,
        redirect_port: None,
        auth_params: BTreeMap::new(),
        form_post: false,
        register: None,
        http: Default::default(),
    }
}

/// A token endpoint's body, read as oauth2 reads it (through serde_path_to_error), as an
/// answer and as an error response. Checked: an answer becomes a token set without panicking,
/// with an expiry not before now, and survives serialization; its Debug and every error
/// sigil makes of the body never name the secret planted at [`super::PLACEHOLDER`]; error
/// messages stay on one line.
pub fn oauth_token(data: &[u8]) {
    token_body(data, None);
    // A key is not where a server puts a token, and the error names the key it failed
    // under: only a placeholder in value position is a secret's. Nor are `scope` and
    // `token_type`, which sigil shows (`sigil list`, messages) and no server fills with one.
    if let Ok(text) = std::str::from_utf8(data)
        && !in_key_position(text)
        && !in_a_shown_field(text)
        && let Some((text, m)) = planted(text)
    {
        token_body(text.as_bytes(), Some(&m));
    }
}

/// Whether a [`super::PLACEHOLDER`] in `text` is (as far as text shows) inside a JSON key:
/// its string is followed by a ':'.
fn in_key_position(text: &str) -> bool {
    text.match_indices(super::PLACEHOLDER).any(|(at, p)| {
        let after = &text[at + p.len()..];
        after
            .find('"')
            .is_some_and(|q| after[q + 1..].trim_start().starts_with(':'))
    })
}

/// Whether a [`super::PLACEHOLDER`] is in the value of a field sigil shows: the body (as
/// far as it is one JSON object) has it in `scope` or `token_type`.
fn in_a_shown_field(text: &str) -> bool {
    let first = serde_json::Deserializer::from_str(text)
        .into_iter::<serde_json::Value>()
        .next();
    let fields = match first {
        Some(Ok(serde_json::Value::Object(fields))) => fields,
        // serde_json skips a field it does not know without checking its escapes (a lone
        // `\udeee`), so an answer can read while the body is no `Value`: then which field
        // holds the placeholder cannot be told, and one in a shown field is assumed.
        Some(Err(_)) => {
            return text.contains(super::PLACEHOLDER)
                && ["\"scope\"", "\"token_type\""]
                    .iter()
                    .any(|k| text.contains(k));
        }
        _ => return false,
    };
    ["scope", "token_type"].iter().any(|k| {
        fields
            .get(*k)
            .is_some_and(|v| v.to_string().contains(super::PLACEHOLDER))
    })
}

fn token_body(body: &[u8], marker: Option<&str>) {
    let now = time::OffsetDateTime::UNIX_EPOCH;
    let p = provider();
    let hidden = |shown: &str| {
        if let Some(m) = marker {
            assert!(!shown.contains(m), "the secret {m} is shown: {shown}");
        }
    };
    match serde_path_to_error::deserialize::<_, Answer>(&mut serde_json::Deserializer::from_slice(
        body,
    )) {
        Ok(a) => {
            hidden(&format!("{a:?}"));
            let set = oauth::token_set(&a, &["asked".to_owned()], now);
            hidden(&format!("{set:?}"));
            assert!(set.expires_at.is_none_or(|t| t >= now));
            let json = serde_json::to_vec(&a).expect("an answer serializes");
            let back: Answer = serde_json::from_slice(&json).expect("and reads back");
            assert_eq!(
                oauth::token_set(&back, &[], now),
                oauth::token_set(&a, &[], now)
            );
        }
        Err(e) => {
            let e: RequestTokenError<HttpError, StandardErrorResponse<BasicErrorResponseType>> =
                RequestTokenError::Parse(e, body.to_vec());
            let err = oauth::request_error(&p, "login", e);
            if let Some(m) = marker {
                assert_hidden(m, &err);
            }
            assert!(!err.to_string().contains('\n'), "{err}");
        }
    }
    type ErrorBody = StandardErrorResponse<BasicErrorResponseType>;
    if let Ok(r) = serde_json::from_slice::<ErrorBody>(body) {
        let err = oauth::request_error(&p, "login", RequestTokenError::ServerResponse(r));
        assert!(!err.to_string().contains('\n'), "{err}");
    }
}

/// Issuers the discovery target asks for; the first byte picks one.
const ISSUERS: [&str; 3] = [
    "https://issuer.example",
    "https://issuer.example/tenant/",
    "http://127.0.0.1:8080",
];

/// An OpenID discovery document, fetched for a provider configured with only an `issuer`.
/// Checked: a provider is made only from a document naming exactly that issuer, every
/// endpoint it ends up with is one tokens may go to, and errors stay on one line.
pub fn oauth_discovery(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(rest) else {
        return;
    };
    let issuer = ISSUERS[pick as usize % ISSUERS.len()];
    let spec = providers::Spec {
        issuer: Some(issuer.to_owned()),
        client_id: Some("client".to_owned()),
        ..providers::Spec::default()
    };
    match providers::from_discovery("fuzz", spec, &doc) {
        Ok(p) => {
            assert_eq!(doc.get("issuer").and_then(|v| v.as_str()), Some(issuer));
            for u in [&p.auth_url, &p.token_url, &p.device_url, &p.revoke_url]
                .into_iter()
                .flatten()
            {
                assert!(oauth::http::is_safe_endpoint(u), "{u}");
            }
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "{e}"),
    }
}
