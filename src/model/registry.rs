//! `accounts.toml`: metadata about every account (never a secret value), and what the use
//! index keeps of each. Reading and writing them is `store::metadata`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// What kind of credential an account holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An API key or personal token.
    ApiKey,
    /// An OAuth token set.
    Oauth,
    /// A password.
    Password,
    /// A TOTP seed.
    Totp,
}

impl Kind {
    /// The field an address gets when it names none.
    pub fn default_field(self) -> &'static str {
        match self {
            Kind::Oauth => crate::model::address::OAUTH_FIELD,
            _ => crate::model::address::DEFAULT_FIELD,
        }
    }

    /// The name used in files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ApiKey => "api_key",
            Kind::Oauth => "oauth",
            Kind::Password => "password",
            Kind::Totp => "totp",
        }
    }
}

/// The metadata of one account (`service/account`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountMeta {
    /// What it holds.
    pub kind: Kind,
    /// The fields stored for it.
    #[serde(default)]
    pub fields: FieldSet,
    /// The backend that holds its secrets.
    pub backend: String,
    /// The OAuth provider, for OAuth accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// OAuth scopes granted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// When it was first stored.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated: OffsetDateTime,
    /// When it stops working, if known.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
    /// A free-form note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For a credential that a protocol helper stored (`git credential approve`): the one
    /// origin it was stored for, which is the only one it is ever handed back to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<Binding>,
}

/// The origin a helper-stored credential belongs to. The helper owns such an account: it may
/// replace or delete it, and nothing else it answers for is ever changed by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// The helper that stored it: `git`.
    pub by: String,
    /// `protocol://host[:port][/path]`, normalised (lowercase host, IDNA as ASCII, no
    /// default port).
    pub origin: String,
    /// The username the credential goes with, exactly as the client sent it (it may be
    /// empty, or not fit the account grammar).
    pub username: String,
}

impl AccountMeta {
    /// A new account's metadata: no fields yet, created and updated `now`.
    pub fn new(kind: Kind, backend: &str, now: OffsetDateTime) -> AccountMeta {
        AccountMeta {
            kind,
            fields: FieldSet::default(),
            backend: backend.to_owned(),
            provider: None,
            scopes: vec![],
            created: now,
            updated: now,
            expires_at: None,
            note: None,
            bound: None,
        }
    }
}

/// The names of the fields an account holds, sorted and without repeats: a sorted vector,
/// not a `BTreeSet`, because nearly every account has one or two fields, and a B-tree's
/// smallest node is about 280 bytes where the vector needs 24 per name. With 10,000 accounts
/// in memory (a restore, a migration) that is 2.5 MB less at the peak. In files it is the same
/// sorted list of strings as before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct FieldSet(Vec<String>);

impl FieldSet {
    /// Adds `name`; false if it was there.
    pub fn insert(&mut self, name: String) -> bool {
        match self.0.binary_search(&name) {
            Ok(_) => false,
            Err(i) => {
                self.0.insert(i, name);
                true
            }
        }
    }

    /// Removes `name`; false if it was not there.
    pub fn remove(&mut self, name: &str) -> bool {
        match self.position(name) {
            Ok(i) => {
                self.0.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// Whether `name` is one of them.
    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// The names in order.
    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.0.iter()
    }

    /// The first name in order.
    pub fn first(&self) -> Option<&String> {
        self.0.first()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps the names `keep` says yes to.
    pub fn retain(&mut self, keep: impl FnMut(&String) -> bool) {
        self.0.retain(keep);
    }

    /// Removes them all.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|n| n.as_str().cmp(name))
    }
}

impl FromIterator<String> for FieldSet {
    fn from_iter<I: IntoIterator<Item = String>>(names: I) -> FieldSet {
        let mut v: Vec<String> = names.into_iter().collect();
        v.sort_unstable();
        v.dedup();
        v.shrink_to_fit();
        FieldSet(v)
    }
}

impl<const N: usize> From<[String; N]> for FieldSet {
    fn from(names: [String; N]) -> FieldSet {
        names.into_iter().collect()
    }
}

impl Extend<String> for FieldSet {
    fn extend<I: IntoIterator<Item = String>>(&mut self, names: I) {
        for n in names {
            self.insert(n);
        }
    }
}

impl IntoIterator for FieldSet {
    type Item = String;
    type IntoIter = std::vec::IntoIter<String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a FieldSet {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A hand-edited `accounts.toml` may list a field twice or out of order; it reads as the set.
impl<'de> Deserialize<'de> for FieldSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FieldSet, D::Error> {
        Ok(Vec::<String>::deserialize(d)?.into_iter().collect())
    }
}

/// The whole registry, keyed by `service/account`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    /// Format version (1).
    #[serde(default = "one")]
    pub version: u32,
    /// The accounts.
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountMeta>,
    /// Usage policies (`sigil policy`) with their use counts, keyed by `service/account`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub policies: BTreeMap<String, crate::model::policy::Policy>,
}

fn one() -> u32 {
    1
}

impl Registry {
    /// An empty registry.
    pub fn empty() -> Registry {
        Registry {
            version: 1,
            accounts: BTreeMap::new(),
            policies: BTreeMap::new(),
        }
    }
}

/// The use index (written in `store::metadata`): what `sigil get` needs to know of an account's policy and expiry, kept
/// beside `accounts.toml` (`<home>/.use-index.json`) for every account that has a policy or
/// an expiry. Like the registry's cache it is derived, sealed (`seal`: a planted index that leaves
/// out a policy is not used), and trusted only while `accounts.toml`'s size, mtime and inode
/// match the ones it was built from, so a hand edit of `accounts.toml` always wins.
///
/// What the index keeps of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// Its policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<crate::model::policy::Policy>,
    /// Its expiry.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
    /// Whether it renews itself (an OAuth account with a refresh token or client secret), so
    /// its short-lived expiry is no reason to warn.
    #[serde(default)]
    pub renews: bool,
}

/// The index's facts about every account that has a policy or an expiry.
pub(crate) fn facts_of(reg: &Registry) -> BTreeMap<String, Facts> {
    let mut out = BTreeMap::new();
    for (key, m) in &reg.accounts {
        if m.expires_at.is_some() {
            out.insert(
                key.clone(),
                Facts {
                    policy: None,
                    expires_at: m.expires_at,
                    renews: m.kind == Kind::Oauth
                        && (m.fields.contains("refresh_token")
                            || m.fields.contains("client_secret")),
                },
            );
        }
    }
    for (key, p) in &reg.policies {
        out.entry(key.clone()).or_default().policy = Some(p.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::FieldSet;

    #[test]
    fn a_field_set_stays_sorted_and_without_repeats() {
        let mut f: FieldSet = ["b", "a", "b"].map(String::from).into_iter().collect();
        assert_eq!(f.iter().collect::<Vec<_>>(), ["a", "b"]);
        assert!(f.insert("0".into()));
        assert!(!f.insert("a".into()));
        assert!(f.contains("b") && !f.contains("c"));
        assert!(f.remove("a") && !f.remove("a"));
        assert_eq!(f.first().map(String::as_str), Some("0"));
        assert_eq!(f.len(), 2);
        let back: Vec<String> = serde_json::from_str::<FieldSet>(r#"["z","y","z"]"#)
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(back, ["y", "z"]);
    }
}
