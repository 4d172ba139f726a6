//! The AWS `credential_process` protocol over sigil: what `sigil aws credential-process ADDR`
//! answers, kept in the library so that other programs read an AWS account the same way.
//!
//! An AWS SDK (botocore, the `aws` CLI) runs the command a profile's `credential_process`
//! line names, splitting it as a POSIX shell would but without a shell, and reads one JSON
//! object from its stdout: `{"Version":1,"AccessKeyId":…,"SecretAccessKey":…}`, with
//! `SessionToken` and `Expiration` (ISO 8601) when the credentials are temporary. A non-zero
//! exit fails the SDK's credential lookup with the process's stderr as the reason.
//!
//! An AWS account in sigil is an account (`aws/prod`) holding the fields the SDKs' own
//! credentials file uses: `aws_access_key_id`, `aws_secret_access_key` and, for temporary
//! credentials, `aws_session_token`; the account's recorded expiry (`sigil add --expires`) is
//! the `Expiration`. The command answers for exactly the account its argument names: the
//! profile is bound by the line the user wrote, never by anything the SDK passes (it passes
//! nothing but the environment), so no other account is ever read or offered.
//!
//! Static keys have nothing to refresh them with, and temporary ones could be renewed only
//! by calling AWS STS with other keys, which sigil does not do: an expired account is refused
//! (the SDK then fails with the reason), never handed out.

use crate::Sigil;
use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, ExitClass, Result};
use crate::model::registry::Facts;
use crate::model::secret::Secret;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// The field that holds the access key id, named as in `~/.aws/credentials`.
pub const ACCESS_KEY_FIELD: &str = "aws_access_key_id";
/// The field that holds the secret access key.
pub const SECRET_KEY_FIELD: &str = "aws_secret_access_key";
/// The field that holds the session token of temporary credentials.
pub const SESSION_TOKEN_FIELD: &str = "aws_session_token";
/// The fields of an AWS account, in the order the protocol names them.
pub const FIELDS: [&str; 3] = [ACCESS_KEY_FIELD, SECRET_KEY_FIELD, SESSION_TOKEN_FIELD];

/// The subcommand a `credential_process` line runs, after the program's name.
pub const COMMAND: &str = "aws credential-process";

/// The command of the `credential_process` line for `account`, as botocore splits it
/// (`shlex.split`, POSIX rules, no shell): `sigil aws credential-process aws/prod`. The address
/// is quoted when it holds anything a shell would read specially, though the address grammar
/// allows nothing of the kind, so that the line names that address and only it.
pub fn process_command(account: &Address) -> String {
    format!("sigil {COMMAND} {}", shell_word(&account.to_string()))
}

/// A word as a POSIX shell (and Python's `shlex.split`) reads it back: as it is when made of
/// characters no shell treats specially, else in single quotes, a quote inside as `'"'"'`.
pub fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', "'\"'\"'"))
}

/// One answer: an account's keys, and when they stop working.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The account they were read from.
    pub account: Address,
    /// `AccessKeyId`.
    pub access_key_id: Secret,
    /// `SecretAccessKey`.
    pub secret_access_key: Secret,
    /// `SessionToken`, for temporary credentials.
    pub session_token: Option<Secret>,
    /// `Expiration`: the account's recorded expiry.
    pub expiration: Option<OffsetDateTime>,
}

/// The keys of `account`, read under its usage policy as one use and one audit entry. An
/// address with a field, an account without both keys, or one whose recorded expiry has
/// passed is an error, and so is anything the policy refuses.
pub fn credentials(sigil: &Sigil, account: &Address) -> Result<Credentials> {
    if let Some(field) = account.field() {
        return Err(Error::Usage(format!(
            "'{account}' names the field '{field}': give the account that holds \
             {ACCESS_KEY_FIELD} and {SECRET_KEY_FIELD}, such as '{}'",
            account.account_key()
        )));
    }
    crate::ops::policy::guard_with(
        sigil,
        account,
        |facts| read(sigil, account, facts),
        |c| c.account.to_string(),
    )
}

/// Reads the fields once the policy admitted the read: nothing is handed out from here but
/// through [`credentials`], which audits it.
fn read(sigil: &Sigil, account: &Address, facts: Option<&Facts>) -> Result<Credentials> {
    let expiration = facts.and_then(|f| f.expires_at);
    if let Some(at) = expiration
        && at <= OffsetDateTime::now_utc()
    {
        return Err(Error::Auth {
            message: format!(
                "'{account}' expired at {}; sigil cannot renew AWS credentials",
                crate::model::when::format(at)
            ),
            help: Some(format!(
                "store fresh keys with `sigil add {account}/{SECRET_KEY_FIELD} --force --expires …` \
                 (and {ACCESS_KEY_FIELD}, {SESSION_TOKEN_FIELD})"
            )),
        });
    }
    Ok(Credentials {
        account: account.clone(),
        access_key_id: field(sigil, account, ACCESS_KEY_FIELD)?
            .ok_or_else(|| missing(account, ACCESS_KEY_FIELD))?,
        secret_access_key: field(sigil, account, SECRET_KEY_FIELD)?
            .ok_or_else(|| missing(account, SECRET_KEY_FIELD))?,
        session_token: field(sigil, account, SESSION_TOKEN_FIELD)?,
        expiration,
    })
}

/// One field's value, `None` when the account does not hold it.
fn field(sigil: &Sigil, account: &Address, name: &str) -> Result<Option<Secret>> {
    match sigil.peek(&account.with_field(name)?) {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.class() == ExitClass::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The error for an account without one of the keys: named, with no suggestion of other
/// accounts, since the profile is bound to this one.
fn missing(account: &Address, field: &str) -> Error {
    Error::NotFound {
        message: format!("'{account}' holds no {field}, so it is not an AWS account"),
        help: Some(format!(
            "store the keys: `sigil add {account}/{ACCESS_KEY_FIELD}` and `sigil add {account}/{SECRET_KEY_FIELD}`"
        )),
    }
}

impl Credentials {
    /// The answer in the protocol: one line of JSON. A value that is not UTF-8 text cannot
    /// be carried; the error names its field, never the value.
    pub fn to_json(&self) -> Result<Zeroizing<Vec<u8>>> {
        let text = |name: &str, s: &Secret| -> Result<()> {
            if s.expose_str().is_some() {
                return Ok(());
            }
            let addr: FieldAddress = self.account.with_field(name)?;
            Err(Error::other(
                format!("'{addr}' is not UTF-8 text, which credential_process cannot carry"),
                Some(format!(
                    "store the value as text: `sigil add {addr} --force`"
                )),
            ))
        };
        text(ACCESS_KEY_FIELD, &self.access_key_id)?;
        text(SECRET_KEY_FIELD, &self.secret_access_key)?;
        if let Some(t) = &self.session_token {
            text(SESSION_TOKEN_FIELD, t)?;
        }
        let secrets = [
            Some(&self.access_key_id),
            Some(&self.secret_access_key),
            self.session_token.as_ref(),
        ];
        // Reserved once, for the worst escaping, so that no secret is left behind in a
        // freed smaller buffer when it grows.
        let size: usize = secrets.iter().flatten().map(|s| s.expose().len() * 6).sum();
        let mut out = Zeroizing::new(Vec::with_capacity(size + 160));
        out.extend_from_slice(b"{\"Version\":1,\"AccessKeyId\":");
        json_string(&mut out, &self.access_key_id);
        out.extend_from_slice(b",\"SecretAccessKey\":");
        json_string(&mut out, &self.secret_access_key);
        if let Some(t) = &self.session_token {
            out.extend_from_slice(b",\"SessionToken\":");
            json_string(&mut out, t);
        }
        if let Some(at) = self.expiration {
            out.extend_from_slice(format!(",\"Expiration\":\"{}\"", iso8601(at)).as_bytes());
        }
        out.extend_from_slice(b"}\n");
        Ok(out)
    }
}

/// An instant as the protocol's `Expiration`: RFC 3339 in UTC (`2026-12-01T13:00:00Z`).
pub fn iso8601(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Appends a secret (known to be UTF-8) as a JSON string, escaping what JSON requires.
fn json_string(out: &mut Vec<u8>, s: &Secret) {
    let s = s.expose_str().unwrap_or_default();
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(id: &str, secret: &[u8], token: Option<&str>) -> Credentials {
        Credentials {
            account: Address::parse("aws/prod").unwrap(),
            access_key_id: Secret::new(id.as_bytes().to_vec()),
            secret_access_key: Secret::new(secret.to_vec()),
            session_token: token.map(|t| Secret::new(t.as_bytes().to_vec())),
            expiration: None,
        }
    }

    #[test]
    fn answers_are_one_line_of_json() {
        let mut c = creds("AKIDEXAMPLE", b"s\"e\\c\nr\x01t", Some("tok"));
        c.expiration = Some(time::macros::datetime!(2026-12-01 13:00:00.5 +01:00));
        let out = c.to_json().unwrap();
        let text = std::str::from_utf8(&out).unwrap();
        assert_eq!(text.matches('\n').count(), 1);
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(v["Version"], 1);
        assert_eq!(v["AccessKeyId"], "AKIDEXAMPLE");
        assert_eq!(v["SecretAccessKey"], "s\"e\\c\nr\x01t");
        assert_eq!(v["SessionToken"], "tok");
        assert_eq!(v["Expiration"], "2026-12-01T12:00:00Z");
    }

    #[test]
    fn optional_members_are_left_out() {
        let out = creds("A", b"S", None).to_json().unwrap();
        assert_eq!(
            &out[..],
            b"{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}\n"
        );
    }

    #[test]
    fn words_are_quoted_only_when_a_shell_would_read_them() {
        assert_eq!(shell_word("aws/prod-1@x.y"), "aws/prod-1@x.y");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("a b'c"), "'a b'\"'\"'c'");
        assert_eq!(
            process_command(&Address::parse("aws/me+ci").unwrap()),
            "sigil aws credential-process aws/me+ci"
        );
    }

    #[test]
    fn bytes_that_are_not_text_are_refused_by_field() {
        let err = creds("A", b"\xff\xfe", None).to_json().unwrap_err();
        assert!(err.to_string().contains("'aws/prod/aws_secret_access_key'"));
    }
}
