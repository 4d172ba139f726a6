//! Credential addresses (`service/account[/field]`) and `auth://` references: parsing,
//! validation against the address grammar, and printing.

use std::fmt;
use std::str::FromStr;

/// The grammar, shown whenever an address is rejected so the user can fix it at once.
pub const GRAMMAR: &str = "an address is service/account[/field]: service is 1-64 of [a-z0-9._-] \
starting with [a-z0-9], account is 1-128 of [A-Za-z0-9@._+-], field is 1-32 of [a-z0-9_] \
(e.g. github/me or auth://github/me/token)";

/// The prefix of a sigil reference.
pub const AUTH_SCHEME: &str = "auth://";

/// Why an address was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid address '{input}': {reason}")]
pub struct AddressError {
    /// The rejected input, with control characters escaped so it prints safely.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl AddressError {
    fn new(input: &str, reason: impl Into<String>) -> Self {
        AddressError {
            input: input.escape_debug().to_string(),
            reason: reason.into(),
        }
    }
}

/// Why an address was rejected, without the characters it quotes: for text that came from
/// a file, where what looks like an address may hold a secret.
pub(crate) fn reason_kind(e: &AddressError) -> String {
    let r = &e.reason;
    if let Some((what, _)) = r.split_once(" contains ") {
        format!("{what} contains a character that is not allowed")
    } else if let Some((what, _)) = r.split_once(" cannot be ") {
        format!("{what} cannot be '.' or '..'")
    } else {
        r.clone()
    }
}

/// A credential address as the user writes it: the field is optional and defaults by kind
/// (`token` for OAuth accounts, `api_key` otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    service: String,
    account: String,
    field: Option<String>,
}

/// A fully qualified address: service, account and field. This is what a store keys on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldAddress {
    service: String,
    account: String,
    field: String,
}

/// The field an address gets when it names none and the account holds an API key.
pub const DEFAULT_FIELD: &str = "api_key";
/// The field an OAuth account's access token lives in.
pub const OAUTH_FIELD: &str = "token";

impl Address {
    /// Parses `service/account[/field]`, also accepting the `auth://` form.
    ///
    /// ```
    /// let a = sigil::Address::parse("auth://github/me/token")?;
    /// assert_eq!((a.service(), a.account(), a.field()), ("github", "me", Some("token")));
    /// assert_eq!(a.to_string(), "github/me/token");
    /// assert!(sigil::Address::parse("../etc/passwd").is_err());
    /// # Ok::<(), sigil::AddressError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Address, AddressError> {
        let body = input.strip_prefix(AUTH_SCHEME).unwrap_or(input);
        if body.is_empty() {
            return Err(AddressError::new(input, "it is empty"));
        }
        let parts: Vec<&str> = body.split('/').collect();
        match parts.as_slice() {
            [service, account] => Ok(Address {
                service: check_service(input, service)?,
                account: check_account(input, account)?,
                field: None,
            }),
            [service, account, field] => Ok(Address {
                service: check_service(input, service)?,
                account: check_account(input, account)?,
                field: Some(check_field(input, field)?),
            }),
            [_] => Err(AddressError::new(input, "it has no account part")),
            _ => Err(AddressError::new(input, "it has more than three parts")),
        }
    }

    /// Builds an address from parts, validating each.
    pub fn new(service: &str, account: &str, field: Option<&str>) -> Result<Address, AddressError> {
        let shown = match field {
            Some(f) => format!("{service}/{account}/{f}"),
            None => format!("{service}/{account}"),
        };
        Ok(Address {
            service: check_service(&shown, service)?,
            account: check_account(&shown, account)?,
            field: field.map(|f| check_field(&shown, f)).transpose()?,
        })
    }

    /// The service part (`github`).
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The account part (`me`).
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The field, when the address names one.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// `service/account`, the key of the account's metadata.
    pub fn account_key(&self) -> String {
        format!("{}/{}", self.service, self.account)
    }

    /// The same address with the given field (which must be valid).
    pub fn with_field(&self, field: &str) -> Result<FieldAddress, AddressError> {
        Ok(FieldAddress {
            service: self.service.clone(),
            account: self.account.clone(),
            field: check_field(&format!("{}/{}/{field}", self.service, self.account), field)?,
        })
    }

    /// The fully qualified address when a field is named.
    pub fn to_field_address(&self) -> Option<FieldAddress> {
        self.field.as_ref().map(|f| FieldAddress {
            service: self.service.clone(),
            account: self.account.clone(),
            field: f.clone(),
        })
    }

    /// Prints the address as a reference: `auth://service/account[/field]`.
    pub fn to_reference(&self) -> String {
        format!("{AUTH_SCHEME}{self}")
    }
}

impl FieldAddress {
    /// The service part.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The account part.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The field part.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// `service/account`, the key of the account's metadata.
    pub fn account_key(&self) -> String {
        format!("{}/{}", self.service, self.account)
    }

    /// The address without its field.
    pub fn account_address(&self) -> Address {
        Address {
            service: self.service.clone(),
            account: self.account.clone(),
            field: None,
        }
    }

    /// Prints the address as a reference: `auth://service/account/field`.
    pub fn to_reference(&self) -> String {
        format!("{AUTH_SCHEME}{self}")
    }
}

impl From<FieldAddress> for Address {
    fn from(f: FieldAddress) -> Address {
        Address {
            service: f.service,
            account: f.account,
            field: Some(f.field),
        }
    }
}

impl FromStr for Address {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Address::parse(s)
    }
}

impl FromStr for FieldAddress {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Address::parse(s)?
            .to_field_address()
            .ok_or_else(|| AddressError::new(s, "it names no field"))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}/{}/{}", self.service, self.account, field),
            None => write!(f, "{}/{}", self.service, self.account),
        }
    }
}

impl fmt::Display for FieldAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.service, self.account, self.field)
    }
}

/// A reference found in a config file or environment value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `auth://service/account[/field]`, resolved by sigil itself.
    Auth(Address),
    /// `ref+<backend>://…`, resolved by an installed `vals`.
    Vals(String),
}

impl Reference {
    /// Parses a reference; `None` when the text is not a reference at all, an error when it
    /// looks like one (`auth://…`) but its address is invalid.
    pub fn parse(text: &str) -> Option<Result<Reference, AddressError>> {
        if text.starts_with(AUTH_SCHEME) {
            Some(Address::parse(text).map(Reference::Auth))
        } else if is_vals_ref(text) {
            Some(Ok(Reference::Vals(text.to_owned())))
        } else {
            None
        }
    }
}

fn is_vals_ref(text: &str) -> bool {
    text.strip_prefix("ref+").is_some_and(|rest| {
        rest.split_once("://").is_some_and(|(backend, _)| {
            !backend.is_empty()
                && backend
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    })
}

fn check_common(input: &str, what: &str, part: &str, max: usize) -> Result<(), AddressError> {
    if part.is_empty() {
        return Err(AddressError::new(input, format!("the {what} is empty")));
    }
    if part == "." || part == ".." {
        return Err(AddressError::new(
            input,
            format!("the {what} cannot be '{part}'"),
        ));
    }
    if let Some(c) = part.chars().find(|c| c.is_control()) {
        return Err(AddressError::new(
            input,
            format!("the {what} contains the control character {:?}", c),
        ));
    }
    let n = part.chars().count();
    if n > max {
        return Err(AddressError::new(
            input,
            format!("the {what} is {n} characters long, at most {max} are allowed"),
        ));
    }
    Ok(())
}

fn bad_char(input: &str, what: &str, c: char) -> AddressError {
    AddressError::new(
        input,
        format!("the {what} contains {c:?}, which is not allowed"),
    )
}

fn check_service(input: &str, s: &str) -> Result<String, AddressError> {
    check_common(input, "service", s, 64)?;
    let first = s.chars().next().expect("checked non-empty");
    if first.is_ascii_uppercase() || s.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(AddressError::new(input, "the service must be lowercase"));
    }
    if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
        return Err(AddressError::new(
            input,
            "the service must start with a lowercase letter or a digit",
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')))
    {
        return Err(bad_char(input, "service", c));
    }
    Ok(s.to_owned())
}

fn check_account(input: &str, s: &str) -> Result<String, AddressError> {
    check_common(input, "account", s, 128)?;
    if let Some(c) = s
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '_' | '+' | '-')))
    {
        return Err(bad_char(input, "account", c));
    }
    Ok(s.to_owned())
}

fn check_field(input: &str, s: &str) -> Result<String, AddressError> {
    check_common(input, "field", s, 32)?;
    if s.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(AddressError::new(input, "the field must be lowercase"));
    }
    if let Some(c) = s
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
    {
        return Err(bad_char(input, "field", c));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Address {
        Address::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> String {
        Address::parse(s).expect_err(s).reason
    }

    #[test]
    fn accepts_the_grammar() {
        let a = ok("github/me");
        assert_eq!(
            (a.service(), a.account(), a.field()),
            ("github", "me", None)
        );
        let a = ok("github/me/token");
        assert_eq!(a.field(), Some("token"));
        assert_eq!(ok("auth://github/me/token"), a);
        ok("0/a");
        ok("a.b_c-d/x@y.z+tag_1-2");
        ok(&format!(
            "{}/{}/{}",
            "s".repeat(64),
            "A".repeat(128),
            "f".repeat(32)
        ));
        ok("svc/UPPER.case/f_1");
        ok("svc/...a");
    }

    #[test]
    fn prints_what_it_parsed() {
        for s in ["github/me", "github/me/token", "a.b/c@d/e_f"] {
            assert_eq!(ok(s).to_string(), s);
            assert_eq!(ok(s).to_reference(), format!("auth://{s}"));
        }
        let f: FieldAddress = "x/y/z".parse().unwrap();
        assert_eq!(f.to_string(), "x/y/z");
        assert_eq!(Address::from(f.clone()).to_field_address(), Some(f));
    }

    #[test]
    fn rejects_everything_else() {
        assert_eq!(err(""), "it is empty");
        assert_eq!(err("auth://"), "it is empty");
        assert_eq!(err("github"), "it has no account part");
        assert_eq!(err("a/b/c/d"), "it has more than three parts");
        assert_eq!(err("/me"), "the service is empty");
        assert_eq!(err("github/"), "the account is empty");
        assert_eq!(err("github/me/"), "the field is empty");
        assert_eq!(err("github//token"), "the account is empty");
        assert_eq!(err("../me"), "the service cannot be '..'");
        assert_eq!(err("github/.."), "the account cannot be '..'");
        assert_eq!(err("github/."), "the account cannot be '.'");
        assert_eq!(err("GitHub/me"), "the service must be lowercase");
        assert_eq!(
            err(".hidden/me"),
            "the service must start with a lowercase letter or a digit"
        );
        assert_eq!(
            err("-x/me"),
            "the service must start with a lowercase letter or a digit"
        );
        assert_eq!(
            err("git hub/me"),
            "the service contains ' ', which is not allowed"
        );
        assert_eq!(
            err("github/m e"),
            "the account contains ' ', which is not allowed"
        );
        assert_eq!(err("github/me/Token"), "the field must be lowercase");
        assert_eq!(
            err("github/me/to-ken"),
            "the field contains '-', which is not allowed"
        );
        assert_eq!(
            err("github/me\n"),
            "the account contains the control character '\\n'"
        );
        assert_eq!(
            err("git\u{7f}/me"),
            "the service contains the control character '\\u{7f}'"
        );
        assert_eq!(
            err("gïthub/me"),
            "the service contains 'ï', which is not allowed"
        );
        assert_eq!(
            err("github/me:pw"),
            "the account contains ':', which is not allowed"
        );
        assert_eq!(
            err(&format!("{}/me", "s".repeat(65))),
            "the service is 65 characters long, at most 64 are allowed"
        );
        assert_eq!(
            err(&format!("s/{}", "a".repeat(129))),
            "the account is 129 characters long, at most 128 are allowed"
        );
        assert_eq!(
            err(&format!("s/a/{}", "f".repeat(33))),
            "the field is 33 characters long, at most 32 are allowed"
        );
    }

    #[test]
    fn error_escapes_the_input() {
        let e = Address::parse("a/b\x1b[31m").unwrap_err();
        assert_eq!(e.input, "a/b\\u{1b}[31m");
        assert!(
            e.to_string()
                .starts_with("invalid address 'a/b\\u{1b}[31m': ")
        );
    }

    #[test]
    fn references() {
        assert_eq!(
            Reference::parse("auth://github/me"),
            Some(Ok(Reference::Auth(ok("github/me"))))
        );
        assert!(matches!(Reference::parse("auth://Bad/me"), Some(Err(_))));
        assert_eq!(
            Reference::parse("ref+vault://secret/data/x#/key"),
            Some(Ok(Reference::Vals("ref+vault://secret/data/x#/key".into())))
        );
        assert_eq!(Reference::parse("ref+://x"), None);
        assert_eq!(Reference::parse("plain value"), None);
        assert_eq!(Reference::parse("https://example.com"), None);
    }

    #[test]
    fn new_validates_parts() {
        assert!(Address::new("github", "me", Some("token")).is_ok());
        assert!(Address::new("github", "a/b", None).is_err());
        assert!(ok("x/y").with_field("Bad").is_err());
    }
}
