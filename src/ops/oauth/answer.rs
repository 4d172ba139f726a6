//! A token endpoint's answer, read so that nothing a server sends can panic sigil or make it
//! drop a refresh token the server has already rotated: `expires_in` is taken as whatever JSON
//! it is and interpreted here, with checked arithmetic, instead of failing the whole answer.
#![deny(clippy::arithmetic_side_effects)]

use oauth2::basic::BasicTokenType;
use oauth2::helpers::{
    deserialize_space_delimited_vec, deserialize_untagged_enum_case_insensitive,
    serialize_space_delimited_vec,
};
use oauth2::{AccessToken, RefreshToken, Scope};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

/// The longest lifetime sigil records: 100 years. A server that promises more (up to
/// `9223372036854775807` seconds) is taken to give no known expiry, as if it had sent no
/// `expires_in`: nothing is refreshed ahead of time, and a program that gets a 401 asks for a
/// fresh token (`Sigil::refresh_rejected`). A date that far away could not be stored anyway.
pub const MAX_LIFETIME_SECS: u64 = 100 * 366 * 24 * 60 * 60;

/// What an `expires_in` says, read leniently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// Absent, `null`, not a number (`"soon"`, `{}`), or longer than [`MAX_LIFETIME_SECS`].
    Unknown,
    /// Whole seconds from now; 0 for a zero or negative value (expired now). Fractions are
    /// dropped, so the token is refreshed a little early rather than late.
    Seconds(u64),
}

/// Reads an `expires_in` (RFC 6749 §5.1 says a number of seconds; servers have been seen to
/// send strings, fractions and absurd values).
pub fn lifetime(value: Option<&Value>) -> Lifetime {
    match value {
        Some(Value::Number(n)) => {
            if let Some(s) = n.as_u64() {
                seconds(s)
            } else if n.as_i64().is_some() {
                // Only negative numbers are i64 and not u64.
                Lifetime::Seconds(0)
            } else {
                n.as_f64().map_or(Lifetime::Unknown, from_float)
            }
        }
        Some(Value::String(s)) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<u64>() {
                seconds(n)
            } else if s.parse::<i64>().is_ok() {
                Lifetime::Seconds(0)
            } else {
                // Only decimal notation: Rust also reads "inf" and "NaN" as floats, which
                // from_float refuses.
                s.parse::<f64>().map_or(Lifetime::Unknown, from_float)
            }
        }
        _ => Lifetime::Unknown,
    }
}

fn seconds(s: u64) -> Lifetime {
    if s > MAX_LIFETIME_SECS {
        Lifetime::Unknown
    } else {
        Lifetime::Seconds(s)
    }
}

fn from_float(f: f64) -> Lifetime {
    if !f.is_finite() {
        Lifetime::Unknown
    } else if f <= 0.0 {
        Lifetime::Seconds(0)
    } else if f > MAX_LIFETIME_SECS as f64 {
        Lifetime::Unknown
    } else {
        // In range and not negative, so the saturating cast keeps the value (floored).
        Lifetime::Seconds(f.floor() as u64)
    }
}

/// When a token with this lifetime, received at `now`, expires; `None` when unknown (or, which
/// [`MAX_LIFETIME_SECS`] rules out, when the date would not fit).
pub fn expires_at(lifetime: Lifetime, now: OffsetDateTime) -> Option<OffsetDateTime> {
    match lifetime {
        Lifetime::Unknown => None,
        Lifetime::Seconds(s) => {
            let d = time::Duration::seconds(i64::try_from(s).ok()?);
            now.checked_add(d)
        }
    }
}

/// A token endpoint's answer (RFC 6749 §5.1, plus the OIDC `id_token`), as the `oauth2` crate's
/// standard response but with `expires_in` kept as raw JSON. Only a JSON object is an answer:
/// serde's derived reader would also take an array and fill the fields in order, so that
/// `["t1", "t2"]` became an access token and a token *type* — shown in messages and `Debug`.
/// The derive below (`remote = "Self"`) makes inherent functions that the trait impls after
/// it call, once the body is known to be an object.
#[derive(Clone, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Answer {
    access_token: AccessToken,
    #[serde(deserialize_with = "deserialize_untagged_enum_case_insensitive")]
    token_type: BasicTokenType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_in: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<RefreshToken>,
    #[serde(rename = "scope")]
    #[serde(deserialize_with = "deserialize_space_delimited_vec")]
    #[serde(serialize_with = "serialize_space_delimited_vec")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scopes: Option<Vec<Scope>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl Answer {
    /// What `expires_in` says.
    pub fn lifetime(&self) -> Lifetime {
        lifetime(self.expires_in.as_ref())
    }

    /// The OIDC ID token, when the server sent one.
    pub fn id_token(&self) -> Option<&str> {
        self.id_token.as_deref()
    }
}

impl Serialize for Answer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Answer::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Takes a map and nothing else, then reads it as the derive does.
        struct Object;
        impl<'de> serde::de::Visitor<'de> for Object {
            type Value = Answer;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a token response object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, map: M) -> Result<Answer, M::Error> {
                Answer::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Object)
    }
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("token_type", &self.token_type)
            .field("lifetime", &self.lifetime())
            .field("tokens", &"<redacted>")
            .finish()
    }
}

impl oauth2::TokenResponse for Answer {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }

    fn expires_in(&self) -> Option<std::time::Duration> {
        match self.lifetime() {
            Lifetime::Unknown => None,
            Lifetime::Seconds(s) => Some(std::time::Duration::from_secs(s)),
        }
    }

    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scopes.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth2::TokenResponse as _;

    fn read(json: &str) -> Lifetime {
        lifetime(Some(&serde_json::from_str::<Value>(json).unwrap()))
    }

    #[test]
    fn ordinary_lifetimes() {
        assert_eq!(read("3600"), Lifetime::Seconds(3600));
        assert_eq!(read("0"), Lifetime::Seconds(0));
        assert_eq!(lifetime(None), Lifetime::Unknown);
        assert_eq!(read("null"), Lifetime::Unknown);
    }

    #[test]
    fn huge_lifetimes_are_unknown() {
        for json in [
            "9223372036854775807",
            "18446744073709551615",
            "18446744073709551616",
            "1e300",
            "3162240001",
            "\"9223372036854775807\"",
            "\"1e300\"",
        ] {
            assert_eq!(read(json), Lifetime::Unknown, "{json}");
        }
        assert_eq!(
            read(&MAX_LIFETIME_SECS.to_string()),
            Lifetime::Seconds(MAX_LIFETIME_SECS)
        );
    }

    #[test]
    fn negative_lifetimes_are_expired_now() {
        for json in [
            "-1",
            "-9223372036854775808",
            "-1e300",
            "-0.5",
            "\"-5\"",
            "\"-99999999999999999999\"",
        ] {
            assert_eq!(read(json), Lifetime::Seconds(0), "{json}");
        }
    }

    #[test]
    fn fractions_are_floored() {
        assert_eq!(read("3600.9"), Lifetime::Seconds(3600));
        assert_eq!(read("0.5"), Lifetime::Seconds(0));
        assert_eq!(read("\"59.99\""), Lifetime::Seconds(59));
    }

    #[test]
    fn strings_are_read_when_numeric_and_ignored_otherwise() {
        assert_eq!(read("\"3600\""), Lifetime::Seconds(3600));
        assert_eq!(read("\" 3600 \""), Lifetime::Seconds(3600));
        for json in [
            "\"soon\"", "\"\"", "\"NaN\"", "\"inf\"", "\"-inf\"", "\"1h\"", "true", "{}", "[1]",
        ] {
            assert_eq!(read(json), Lifetime::Unknown, "{json}");
        }
    }

    #[test]
    fn expiry_dates_never_overflow() {
        let now = OffsetDateTime::now_utc();
        assert_eq!(expires_at(Lifetime::Seconds(0), now), Some(now));
        assert_eq!(
            expires_at(Lifetime::Seconds(60), now),
            Some(now + time::Duration::seconds(60))
        );
        assert_eq!(expires_at(Lifetime::Unknown, now), None);
        assert!(expires_at(Lifetime::Seconds(MAX_LIFETIME_SECS), now).is_some());
        // Out of what the date type holds: no panic, no date.
        let late = OffsetDateTime::new_utc(
            time::Date::from_calendar_date(9999, time::Month::December, 31).unwrap(),
            time::Time::MIDNIGHT,
        );
        assert_eq!(expires_at(Lifetime::Seconds(MAX_LIFETIME_SECS), late), None);
        assert_eq!(expires_at(Lifetime::Seconds(u64::MAX), now), None);
    }

    #[test]
    fn a_whole_answer_with_a_hostile_lifetime_parses_and_hides_its_tokens() {
        let a: Answer = serde_json::from_str(
            r#"{"access_token":"at-SECRET","token_type":"bearer","expires_in":9223372036854775807,
               "refresh_token":"rt-SECRET","scope":"a b","id_token":"eyJ.SECRET"}"#,
        )
        .unwrap();
        assert_eq!(a.lifetime(), Lifetime::Unknown);
        assert_eq!(a.expires_in(), None);
        assert_eq!(a.refresh_token().unwrap().secret(), "rt-SECRET");
        assert_eq!(a.scopes().unwrap().len(), 2);
        assert!(!format!("{a:?}").contains("SECRET"), "{a:?}");
        let a: Answer =
            serde_json::from_str(r#"{"access_token":"x","token_type":"Bearer","expires_in":"-3"}"#)
                .unwrap();
        assert_eq!(a.expires_in(), Some(std::time::Duration::ZERO));
    }

    #[test]
    fn only_an_object_is_an_answer() {
        let e = serde_json::from_str::<Answer>(r#"["at-SECRET","tt-SECRET"]"#).unwrap_err();
        assert!(e.to_string().contains("a token response object"), "{e}");
        assert!(!e.to_string().contains("SECRET"), "{e}");
        let a: Answer = serde_json::from_str(r#"{"access_token":"x","token_type":"bearer"}"#)
            .expect("an object is read as before");
        let back: Answer = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back.access_token().secret(), "x");
    }
}
