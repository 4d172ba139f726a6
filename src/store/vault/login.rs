//! How the vault backend gets a token: `VAULT_TOKEN` or `~/.vault-token` (auth `token`), or a
//! login (AppRole, or JWT with a sigil OAuth account's token), whose token is cached only in an
//! age file encrypted to the identity (`<config>/vault-token.age`) and renewed before it
//! expires, or replaced by a new login when it cannot be.

use super::client::{Client, Reply};
use crate::fsutil;
use crate::model::error::{Error, PermissionError};
use crate::model::paths::Paths;
use crate::model::secret::Secret;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How sigil logs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// A token the user got themselves: `VAULT_TOKEN`, else `~/.vault-token`.
    Token,
    /// AppRole: `role_id` in config.toml, the secret id from `SIGIL_VAULT_SECRET_ID` or a file.
    AppRole {
        /// The role id.
        role_id: String,
        /// The file holding the secret id, if configured.
        secret_id_file: Option<PathBuf>,
        /// Where the method is mounted.
        mount: String,
    },
    /// JWT/OIDC: a sigil OAuth account's id token (or access token), with a role.
    Jwt {
        /// The sigil account.
        account: String,
        /// The role.
        role: String,
        /// Where the method is mounted.
        mount: String,
    },
}

impl Method {
    /// The name users write in `auth =`.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Token => "token",
            Method::AppRole { .. } => "approle",
            Method::Jwt { .. } => "jwt",
        }
    }
}

/// Reads a sigil account's token for a JWT login (set by the layer that can read accounts).
pub type JwtSource = Box<dyn Fn(&str) -> Result<Secret, Error> + Send + Sync>;

/// A token in use and what is known of its life.
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct Session {
    #[serde(with = "secret_text")]
    pub token: Secret,
    /// When it expires (seconds since the epoch); `None` for a token that does not, or whose
    /// life sigil did not learn (one the user gave).
    pub expires: Option<u64>,
    /// Its TTL when obtained or last renewed, in seconds.
    pub ttl: u64,
    pub renewable: bool,
    /// What it was obtained for: the server, namespace and method, so a cache written for
    /// another configuration is not used.
    pub key: String,
}

mod secret_text {
    use crate::model::secret::Secret;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(s: &Secret, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(s.expose_str().unwrap_or(""))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        Ok(Secret::from(String::deserialize(d)?))
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Session {
    /// Whether the token should be renewed or replaced now: a third of its TTL or less is
    /// left (at least 5 seconds before it expires).
    pub fn due(&self) -> bool {
        self.expires
            .is_some_and(|at| at.saturating_sub(now()) <= (self.ttl / 3).max(5))
    }

    /// Seconds left, if it expires.
    pub fn left(&self) -> Option<u64> {
        self.expires.map(|at| at.saturating_sub(now()))
    }

    fn from_auth(reply: &Reply, key: String) -> Option<Session> {
        let auth = reply.body.get("auth")?;
        let token = auth.get("client_token")?.as_str()?;
        let ttl = auth
            .get("lease_duration")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        Some(Session {
            token: Secret::from(token),
            expires: (ttl > 0).then(|| now().saturating_add(ttl)),
            ttl,
            renewable: auth.get("renewable").and_then(|v| v.as_bool()) == Some(true),
            key,
        })
    }
}

/// The user's own token: `VAULT_TOKEN`, else `~/.vault-token`, which must be private.
pub(super) fn user_token() -> Result<Secret, Error> {
    if let Some(t) = std::env::var_os("VAULT_TOKEN").filter(|t| !t.is_empty()) {
        return Ok(Secret::new(t.into_encoded_bytes()));
    }
    let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
        return Err(no_token());
    };
    let path = Path::new(&home).join(".vault-token");
    match read_private(&path)? {
        Some(text) => Ok(Secret::from(text.trim().to_owned())),
        None => Err(no_token()),
    }
}

fn no_token() -> Error {
    Error::Auth {
        message: "no vault token: VAULT_TOKEN is unset and '~/.vault-token' does not exist".into(),
        help: Some("log in with `bao login` or `vault login` (which writes ~/.vault-token), set VAULT_TOKEN, or choose auth = \"approle\" or \"jwt\" in [vault] of config.toml".into()),
    }
}

/// A file that holds a credential, refused when other users can read it.
fn read_private(path: &Path) -> Result<Option<String>, Error> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("cannot read '{}'", path.display()), e)),
    };
    fsutil::check_private(path, &meta).map_err(|e: PermissionError| Error::Permission(e))?;
    let text = fsutil::read_capped_string(path, fsutil::Input::Key)
        .map_err(|e| Error::io(format!("cannot read '{}'", path.display()), e))?;
    Ok(Some(text))
}

/// Logs in with `method` and returns the new session.
pub(super) fn login(
    client: &Client,
    method: &Method,
    jwt: Option<&JwtSource>,
    key: String,
) -> Result<Session, Error> {
    let (mount, body) = match method {
        Method::Token => return Err(Error::other("auth = \"token\" does not log in", None)),
        Method::AppRole {
            role_id,
            secret_id_file,
            mount,
        } => (
            mount,
            serde_json::json!({ "role_id": role_id, "secret_id": secret_id(secret_id_file.as_deref())?.expose_str().unwrap_or("") }),
        ),
        Method::Jwt {
            account,
            role,
            mount,
        } => {
            let Some(read) = jwt else {
                return Err(Error::other("this sigil cannot read OAuth accounts", None));
            };
            let token = read(account)?;
            (
                mount,
                serde_json::json!({ "role": role, "jwt": token.expose_str().unwrap_or("") }),
            )
        }
    };
    let url = client.url(&["auth", mount, "login"]);
    let reply = client.send("POST", &url, None, Some(&body))?;
    match Session::from_auth(&reply, key) {
        Some(s) if reply.status == 200 => Ok(s),
        _ => Err(login_failed(method, &reply)),
    }
}

fn login_failed(method: &Method, reply: &Reply) -> Error {
    let said = reply
        .known_error()
        .map(|p| format!(": {p}"))
        .unwrap_or_default();
    let help = match method {
        Method::AppRole { .. } => "check `role_id` in [vault] of config.toml and the secret id (SIGIL_VAULT_SECRET_ID or `secret_id_file`); an expired secret id needs a new one".to_owned(),
        _ => "check `role` and `jwt_account` in [vault] of config.toml, and that the account's token is current: `sigil login <account>` logs in again".to_owned(),
    };
    Error::Auth {
        message: format!(
            "logging in to the vault server with {} failed ({}){said}",
            method.name(),
            reply.status
        ),
        help: Some(help),
    }
}

/// The AppRole secret id: `SIGIL_VAULT_SECRET_ID`, else the configured file (never argv).
fn secret_id(file: Option<&Path>) -> Result<Secret, Error> {
    if let Some(v) = std::env::var_os("SIGIL_VAULT_SECRET_ID").filter(|v| !v.is_empty()) {
        return Ok(Secret::new(v.into_encoded_bytes()));
    }
    if let Some(f) = file
        && let Some(text) = read_private(f)?
    {
        return Ok(Secret::from(text.trim().to_owned()));
    }
    Err(Error::Auth {
        message: "no AppRole secret id: SIGIL_VAULT_SECRET_ID is unset and no `secret_id_file` is readable".into(),
        help: Some("set SIGIL_VAULT_SECRET_ID, or `secret_id_file` in [vault] of config.toml to a file only you can read".into()),
    })
}

/// Renews the session's token (`auth/token/renew-self`); `None` when the server refused.
pub(super) fn renew(client: &Client, session: &Session) -> Result<Option<Session>, Error> {
    let url = client.url(&["auth", "token", "renew-self"]);
    let reply = client.send(
        "POST",
        &url,
        Some(&session.token),
        Some(&serde_json::json!({})),
    )?;
    if reply.status != 200 {
        return Ok(None);
    }
    Ok(Session::from_auth(&reply, session.key.clone()))
}

/// The cache of a login's token: an age file encrypted to the identity, read and written
/// only when the identity opens without asking.
pub(super) struct Cache {
    paths: Paths,
}

impl Cache {
    pub fn new(paths: &Paths) -> Cache {
        Cache {
            paths: paths.clone(),
        }
    }

    fn file(&self) -> PathBuf {
        self.paths.config_dir().join("vault-token.age")
    }

    /// The cached session for `key`, if any is there and readable.
    pub fn load(&self, key: &str) -> Option<Session> {
        let bytes = fsutil::read_capped(&self.file(), fsutil::Input::Key).ok()?;
        let identity = crate::identity::without_asking(&self.paths)?;
        let decryptor = crate::crypto::decryptor_armored(&bytes[..]).ok()?;
        let mut reader = decryptor.decrypt(identity.as_age()).ok()?;
        let mut text = zeroize::Zeroizing::new(Vec::new());
        std::io::Read::read_to_end(&mut reader, &mut text).ok()?;
        let session: Session = serde_json::from_slice(&text).ok()?;
        // One that is due is still returned, to be renewed; only one that is gone is not.
        (session.key == key && session.left().is_none_or(|l| l > 1)).then_some(session)
    }

    /// Keeps `session` for the next command, when an identity can encrypt it; otherwise the
    /// next command logs in again.
    pub fn save(&self, session: &Session) {
        let Some(identity) = crate::identity::without_asking(&self.paths) else {
            return;
        };
        let text = zeroize::Zeroizing::new(serde_json::to_vec(session).unwrap_or_default());
        if fsutil::create_private_dir(self.paths.config_dir()).is_ok() {
            let _ = crate::crypto::write_file(&self.file(), &identity.recipients(), &text);
        }
    }

    /// Forgets the cached token (it was refused).
    pub fn clear(&self) {
        let _ = std::fs::remove_file(self.file());
    }
}

/// The duration of a TTL, for messages.
pub(super) fn shown_ttl(secs: u64) -> String {
    humantime::format_duration(Duration::from_secs(secs)).to_string()
}
