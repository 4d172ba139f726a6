//! The `Secret` type: bytes that never print, zeroized when dropped.

use std::fmt;
use zeroize::Zeroizing;

/// The largest secret sigil stores (1 MiB): a credential is far smaller, and a bigger value
/// is surely a mistake (a binary piped in) or a trap (a restore that would fill the disk).
pub const MAX_SIZE: u64 = 1 << 20;

/// A secret value. Its `Debug` is redacted, it has no `Display`, and its memory is zeroed
/// when it is dropped. Read it with [`Secret::expose`] at the last moment.
///
/// ```
/// let s = sigil::Secret::from("hunter2");
/// assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
/// assert_eq!(s.expose_str(), Some("hunter2"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Wraps bytes.
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret(Zeroizing::new(bytes))
    }

    /// The secret's bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The secret as text, when it is UTF-8.
    pub fn expose_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<Vec<u8>> for Secret {
    fn from(v: Vec<u8>) -> Secret {
        Secret::new(v)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret::new(s.into_bytes())
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret::new(s.as_bytes().to_vec())
    }
}

/// Secrets serialize as strings so that a token set can be stored inside an encrypted file.
/// Only UTF-8 secrets serialize; nothing else in sigil serializes a `Secret`.
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.expose_str() {
            Some(text) => s.serialize_str(text),
            None => Err(serde::ser::Error::custom("secret is not UTF-8")),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        let s = Zeroizing::new(String::deserialize(d)?);
        Ok(Secret::new(s.as_bytes().to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::from("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(format!("{:?}", Some(&s)), "Some(Secret(<redacted>))");
    }

    #[test]
    fn exposes_bytes_and_text() {
        let s = Secret::new(vec![0xff, 0, b'\n']);
        assert_eq!(s.expose(), &[0xff, 0, b'\n']);
        assert_eq!(s.expose_str(), None);
        assert_eq!(Secret::from("x").expose_str(), Some("x"));
        assert!(Secret::from("").is_empty());
    }

    #[test]
    fn serde_round_trip() {
        let s = Secret::from("tok");
        let j = serde_json::to_string(&s).unwrap();
        assert_eq!(j, "\"tok\"");
        let back: Secret = serde_json::from_str(&j).unwrap();
        assert_eq!(back, s);
        assert!(serde_json::to_string(&Secret::new(vec![0xff])).is_err());
    }
}
