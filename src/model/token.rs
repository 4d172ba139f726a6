//! OAuth token types with expiry, serde-ready so a token set can be stored encrypted.

use crate::model::secret::Secret;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use time::OffsetDateTime;

/// One token with an optional expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// The token itself.
    pub value: Secret,
    /// When it stops working, if known.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// What an OAuth token endpoint handed out, as sigil keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSet {
    /// The access token (`token` field).
    pub access_token: Secret,
    /// Usually `Bearer`.
    #[serde(default = "bearer")]
    pub token_type: String,
    /// The refresh token, when one was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// The OIDC ID token, when one was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<Secret>,
    /// When the access token expires, if the server said.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
    /// The scopes granted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

fn bearer() -> String {
    "Bearer".to_owned()
}

impl Token {
    /// Whether the token expires within `skew` of `now` (or has expired).
    pub fn expires_within(&self, skew: Duration, now: OffsetDateTime) -> bool {
        expires_within(self.expires_at, skew, now)
    }
}

impl TokenSet {
    /// Whether the access token expires within `skew` of `now` and so should be refreshed
    /// before use. A token with no known expiry never does.
    pub fn expires_within(&self, skew: Duration, now: OffsetDateTime) -> bool {
        expires_within(self.expires_at, skew, now)
    }

    /// The access token as a [`Token`].
    pub fn access(&self) -> Token {
        Token {
            value: self.access_token.clone(),
            expires_at: self.expires_at,
        }
    }
}

fn expires_within(at: Option<OffsetDateTime>, skew: Duration, now: OffsetDateTime) -> bool {
    at.is_some_and(|at| crate::model::when::within(at, skew, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn expiry_with_skew() {
        let now = datetime!(2026-01-01 12:00 UTC);
        let mut t = TokenSet {
            access_token: Secret::from("a"),
            token_type: bearer(),
            refresh_token: None,
            id_token: None,
            expires_at: Some(datetime!(2026-01-01 12:00:30 UTC)),
            scopes: vec![],
        };
        assert!(t.expires_within(Duration::from_secs(60), now));
        assert!(!t.expires_within(Duration::from_secs(10), now));
        t.expires_at = None;
        assert!(!t.expires_within(Duration::from_secs(3600), now));
    }

    #[test]
    fn serde_round_trip_keeps_secrets_out_of_debug() {
        let t = TokenSet {
            access_token: Secret::from("at"),
            token_type: bearer(),
            refresh_token: Some(Secret::from("rt")),
            id_token: None,
            expires_at: Some(datetime!(2026-01-01 12:00 UTC)),
            scopes: vec!["repo".into()],
        };
        let j = serde_json::to_string(&t).unwrap();
        let back: TokenSet = serde_json::from_str(&j).unwrap();
        assert_eq!(back, t);
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("\"at\"") && !dbg.contains("rt\""), "{dbg}");
    }
}
