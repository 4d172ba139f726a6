//! The Python `keyring` command's `get` over sigil, for pip's `--keyring-provider subprocess`
//! and uv's `--keyring-provider subprocess`: what `sigil keyring get SERVICE [USERNAME]` answers,
//! kept in the library so that other programs bind package indexes the same way.
//!
//! pip asks about the index URL without its credentials, then about the bare `host:port`:
//! recent pip (26.3, as tested) runs `keyring --mode=creds --output=json get URL [USERNAME]`
//! and reads `{"username", "password"}`; older pip runs `keyring get URL USERNAME` and reads
//! the password line; uv runs `keyring get URL USERNAME` or `keyring get URL --mode creds`
//! and reads a username line and a password line. Exit 1 with nothing on stdout is "not
//! found", after which pip goes on without credentials.
//!
//! The index URL comes from whoever wrote the command line, pip.conf or a requirements file
//! (`--extra-index-url` in a requirements file of a package you install), so every answer is
//! bound to exactly one index the user mapped in `config.toml`
//! (`[pip."https://pypi.corp.example/simple"] address = "corp/pypi"`): scheme (when the URL
//! has one), host, port and path, normalised as docker's servers are
//! ([`Server`](crate::ops::docker_credential::Server)). `https://host/simple`, `http://host/simple`,
//! `https://host/other` and the bare `host` are four indexes. There is no other source: sigil
//! stores nothing for pip (`keyring set` is refused), and no account answers by its name alone.

use crate::Sigil;
use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, ExitClass, Result};
use crate::model::secret::Secret;
use crate::ops::docker_credential::Server;
use zeroize::Zeroizing;

/// What the command prints for a found credential, as `keyring --mode` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `--mode password` (the default): the password on one line.
    Password,
    /// `--mode creds`: the username on one line, then the password on one line.
    Creds,
}

impl Mode {
    /// The mode named `name`; `None` for any other.
    pub fn parse(name: &str) -> Option<Mode> {
        match name {
            "password" => Some(Mode::Password),
            "creds" => Some(Mode::Creds),
            _ => None,
        }
    }
}

/// How the answer is written, as `keyring --output` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// `--output plain` (the default): one value a line.
    Plain,
    /// `--output json`: `{"username": …, "password": …}` (recent pip asks for it), or
    /// `{"password": …}` in the password mode.
    Json,
}

impl Output {
    /// The output named `name`; `None` for any other.
    pub fn parse(name: &str) -> Option<Output> {
        match name {
            "plain" => Some(Output::Plain),
            "json" => Some(Output::Json),
            _ => None,
        }
    }
}

/// What `get` answers.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Where the secret was read.
    pub address: FieldAddress,
    /// The username the mapping goes with.
    pub username: String,
    /// The password or token.
    pub secret: Secret,
}

impl Answer {
    /// The answer as the keyring command prints it in `mode` and `output`, with a newline.
    /// A secret that is not one line of UTF-8 text is an error that names the address, never
    /// the value: pip would read only its first line.
    pub fn to_protocol(&self, mode: Mode, output: Output) -> Result<Zeroizing<Vec<u8>>> {
        let secret = self.secret.expose();
        let text = std::str::from_utf8(secret).ok();
        let Some(password) = text.filter(|t| !t.contains(['\n', '\r'])) else {
            return Err(Error::other(
                format!(
                    "'{}' is not one line of UTF-8 text, which the keyring command cannot carry",
                    self.address
                ),
                Some("store a one-line text password or token for pip in that field".into()),
            ));
        };
        // Room for the worst escaping up front, so the buffer holding the secret never moves.
        let room = 6 * (self.username.len() + secret.len()) + 40;
        let mut out = Zeroizing::new(Vec::with_capacity(room));
        if output == Output::Json {
            #[derive(serde::Serialize)]
            struct Wire<'a> {
                #[serde(skip_serializing_if = "Option::is_none")]
                username: Option<&'a str>,
                password: &'a str,
            }
            let wire = Wire {
                username: (mode == Mode::Creds).then_some(self.username.as_str()),
                password,
            };
            serde_json::to_writer(&mut *out, &wire)
                .map_err(|e| Error::other(format!("cannot write the answer: {e}"), None))?;
            out.push(b'\n');
            return Ok(out);
        }
        if mode == Mode::Creds {
            out.extend_from_slice(self.username.as_bytes());
            out.push(b'\n');
        }
        out.extend_from_slice(secret);
        out.push(b'\n');
        Ok(out)
    }
}

/// The account mapped to `index` in `config.toml`, with its username. A malformed `[pip]`
/// table is an error on every call, so that a typo never silently sends a credential elsewhere.
fn mapping(sigil: &Sigil, index: &Server) -> Result<Option<(Address, String)>> {
    let mut found = None;
    for (key, m) in &sigil.config().pip {
        let bad = |why: String| {
            Error::other(
                format!(
                    "config.toml maps the pip index '{}', which {why}",
                    key.escape_debug()
                ),
                Some(
                    "write it as pip names it, [pip.\"https://host[:port]/path\"] with address = \
                     \"service/account\""
                        .into(),
                ),
            )
        };
        let mapped = Server::parse(key)
            .ok_or_else(|| bad("is not an index URL (scheme://host[:port][/path])".into()))?;
        let address = Address::parse(&m.address).map_err(|e| bad(format!("names {e}")))?;
        if mapped == *index {
            if found.is_some() {
                return Err(bad(format!("is mapped twice (as '{index}')")));
            }
            let username = m
                .username
                .clone()
                .unwrap_or_else(|| address.account().to_owned());
            found = Some((address, username));
        }
    }
    Ok(found)
}

/// `get`: the credential for exactly the index named by `service`, and only for `username`
/// when the client names one; `None` is the protocol's "not found". Failures other than "not
/// found" (a policy, a locked identity, an unavailable keyring) are errors; the read is
/// audited as a `pip` use.
pub fn get(sigil: &Sigil, service: &str, username: Option<&str>) -> Result<Option<Answer>> {
    let Some(index) = Server::parse(service) else {
        return Ok(None);
    };
    let Some((address, mapped_user)) = mapping(sigil, &index)? else {
        return Ok(None);
    };
    if username.is_some_and(|u| u != mapped_user) {
        return Ok(None);
    }
    let (address, secret) = match sigil.get_address(&address) {
        Ok(found) => found,
        Err(e) if e.class() == ExitClass::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(Answer {
        address,
        username: mapped_user,
        secret,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(Mode::parse("password"), Some(Mode::Password));
        assert_eq!(Mode::parse("creds"), Some(Mode::Creds));
        for name in ["", "Creds", "json", "creds "] {
            assert_eq!(Mode::parse(name), None, "{name:?}");
        }
        assert_eq!(Output::parse("json"), Some(Output::Json));
        assert_eq!(Output::parse("plain"), Some(Output::Plain));
        assert_eq!(Output::parse("JSON"), None);
    }

    #[test]
    fn answers_are_the_keyring_commands_lines() {
        let answer = Answer {
            address: "corp/pypi/api_key".parse().unwrap(),
            username: "me".into(),
            secret: Secret::from("s3cret"),
        };
        let text = |mode, output| {
            String::from_utf8(answer.to_protocol(mode, output).unwrap().to_vec()).unwrap()
        };
        assert_eq!(text(Mode::Password, Output::Plain), "s3cret\n");
        assert_eq!(text(Mode::Creds, Output::Plain), "me\ns3cret\n");
        assert_eq!(
            text(Mode::Creds, Output::Json),
            "{\"username\":\"me\",\"password\":\"s3cret\"}\n"
        );
        assert_eq!(
            text(Mode::Password, Output::Json),
            "{\"password\":\"s3cret\"}\n"
        );
        for secret in [&b"two\nlines"[..], b"cr\r", b"\xff"] {
            let bad = Answer {
                secret: Secret::new(secret.to_vec()),
                ..answer.clone()
            };
            let e = bad
                .to_protocol(Mode::Password, Output::Json)
                .unwrap_err()
                .to_string();
            assert!(e.contains("corp/pypi/api_key"), "{e}");
            assert!(!e.contains("two"), "{e}");
        }
    }
}
