//! `config.toml`: the user's settings (backend choice, defaults, providers) and how its sizes
//! are written. Reading the file is `store::metadata`.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The settings in `<config>/config.toml`. Every key is optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Config {
    /// `auto`, `file`, `keyring`, `env` or `memory`.
    #[serde(default)]
    pub backend: Option<String>,
    /// Defaults for commands.
    #[serde(default)]
    pub defaults: Defaults,
    /// Custom OAuth providers, by name (used by the OAuth work; kept verbatim here).
    #[serde(default)]
    pub providers: BTreeMap<String, toml::Table>,
    /// `audit = false` turns the audit log off (default on); `audit = "required"` makes a
    /// command fail rather than act without its entry.
    #[serde(default)]
    pub audit: Option<AuditSetting>,
    /// The size past which the audit log rotates: bytes, or a string such as "10MiB".
    #[serde(default)]
    pub audit_max_size: Option<Size>,
    /// How many rotated audit files are kept (the oldest beyond are deleted).
    #[serde(default)]
    pub audit_keep: Option<usize>,
    /// Origins mapped on purpose to an account for git (`[git."https://git.corp.example"]`),
    /// keyed by origin as the user wrote it; `git-credential-sigil` normalises and checks it.
    #[serde(default)]
    pub git: BTreeMap<String, GitMapping>,
    /// Registry servers mapped on purpose to an account for docker
    /// (`[docker."ghcr.io"]`), keyed by server as the user wrote it;
    /// `docker-credential-sigil` normalises and checks it. Same shape as a git mapping.
    #[serde(default)]
    pub docker: BTreeMap<String, GitMapping>,
    /// Kubernetes cluster servers mapped on purpose to an account for kubectl
    /// (`[kube."https://k8s.corp.example:6443"]`), keyed by server as the user wrote it;
    /// `kube-credential-sigil` normalises and checks it. Only `address` is used.
    #[serde(default)]
    pub kube: BTreeMap<String, GitMapping>,
    /// Hosts mapped on purpose to an account for a netrc (`[netrc."api.example.com"]`),
    /// keyed by host as the user wrote it; `sigil netrc` and `sigil run --netrc` normalise
    /// and check it. Same shape as a git mapping (`username` is the netrc's `login`).
    #[serde(default)]
    pub netrc: BTreeMap<String, GitMapping>,
    /// Registry index URLs mapped on purpose to an account for cargo
    /// (`[cargo."sparse+https://cargo.corp.example/index/"]`), keyed by index URL as the user
    /// wrote it; `cargo-credential-sigil` normalises and checks it.
    #[serde(default)]
    pub cargo: BTreeMap<String, CargoMapping>,
    /// Package indexes mapped on purpose to an account for pip and uv through `sigil keyring`
    /// (`[pip."https://pypi.corp.example/simple"]`), keyed by index URL as the user wrote it;
    /// `sigil keyring` normalises and checks it. Same shape as a git mapping.
    #[serde(default)]
    pub pip: BTreeMap<String, GitMapping>,
    /// Prompts answered on purpose by `sigil askpass` (`[askpass."https://me@git.corp.example"]`,
    /// `[askpass."sudo:me"]`), keyed by what the prompt names; `sigil askpass` checks it.
    #[serde(default)]
    pub askpass: BTreeMap<String, GitMapping>,
    /// The age plugins sigil may run to encrypt (`plugins = ["yubikey"]` runs
    /// `age-plugin-yubikey` from PATH for `age1yubikey1…` recipients); none by default, since a
    /// shared `.age-recipients` file names plugins but the programs are the user's.
    #[serde(default)]
    pub plugins: Vec<String>,
    /// The `vault` backend's server and login (`[vault]`, docs/vault.md).
    #[serde(default)]
    pub vault: VaultSettings,
    /// `sync = "auto"`: commit and sync the store after each command that changes it
    /// (`sigil sync`, docs/teams.md); `"manual"` (the default) leaves it to `sigil sync`.
    #[serde(default)]
    pub sync: Option<SyncSetting>,
}

/// The `[vault]` table: where the OpenBao or Vault server is, which KV version 2 mount and
/// prefix hold sigil's secrets, and how sigil logs in. Every key is optional; the address and
/// namespace fall back to `VAULT_ADDR` and `VAULT_NAMESPACE`, the CA file to `VAULT_CACERT`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultSettings {
    /// The server's URL (`https://vault.corp.example:8200`).
    #[serde(default)]
    pub address: Option<String>,
    /// The KV version 2 mount (default `secret`).
    #[serde(default)]
    pub mount: Option<String>,
    /// The path under the mount that holds sigil's secrets (default `sigil`).
    #[serde(default)]
    pub prefix: Option<String>,
    /// The namespace, sent as `X-Vault-Namespace`.
    #[serde(default)]
    pub namespace: Option<String>,
    /// `token` (default), `approle` or `jwt`.
    #[serde(default)]
    pub auth: Option<String>,
    /// The AppRole's role id (not a secret; the secret id is).
    #[serde(default)]
    pub role_id: Option<String>,
    /// A file holding the AppRole secret id, when `SIGIL_VAULT_SECRET_ID` is unset.
    #[serde(default)]
    pub secret_id_file: Option<String>,
    /// The sigil account (`corp/me`) whose OAuth token logs in to the JWT auth method.
    #[serde(default)]
    pub jwt_account: Option<String>,
    /// The JWT auth method's role.
    #[serde(default)]
    pub role: Option<String>,
    /// Where the AppRole or JWT auth method is mounted (default `approle` or `jwt`).
    #[serde(default)]
    pub auth_mount: Option<String>,
    /// A PEM file of the CA certificates to trust for the server.
    #[serde(default)]
    pub ca_file: Option<String>,
}

/// The `sync` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncSetting {
    /// After each change.
    Auto,
    /// Only when `sigil sync` runs.
    Manual,
}

/// The `audit` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditSetting {
    /// `true` (the default): entries are written; one that cannot be is a warning.
    On,
    /// `false`: no audit log.
    Off,
    /// `"required"`: fail closed. Nothing is handed out, and no change is made or kept,
    /// without its entry.
    Required,
}

impl<'de> Deserialize<'de> for AuditSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Word(String),
        }
        match Raw::deserialize(d)? {
            Raw::Bool(true) => Ok(AuditSetting::On),
            Raw::Bool(false) => Ok(AuditSetting::Off),
            Raw::Word(w) if w == "required" => Ok(AuditSetting::Required),
            Raw::Word(w) => Err(serde::de::Error::custom(format!(
                "audit is true, false or \"required\", not \"{}\"",
                w.escape_default()
            ))),
        }
    }
}

/// One `[git."<origin>"]` table: the credential git gets for exactly that origin.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitMapping {
    /// `service/account[/field]`.
    pub address: String,
    /// The username sent with it; by default the address's account.
    #[serde(default)]
    pub username: Option<String>,
}

/// One `[cargo."<index URL>"]` table: the token cargo gets for exactly that registry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CargoMapping {
    /// `service/account[/field]`.
    pub address: String,
}

/// The `[defaults]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// How long before expiry a token counts as expiring (`sigil list`, `sigil status`).
    #[serde(default, with = "humantime_serde_opt")]
    pub expiry_warning: Option<Duration>,
    /// How long before expiry an OAuth token is refreshed by `get` (default 60 s).
    #[serde(default, with = "humantime_serde_opt")]
    pub refresh_skew: Option<Duration>,
    /// How long one request to an OAuth server may take (default 30 s).
    #[serde(default, with = "humantime_serde_opt")]
    pub oauth_timeout: Option<Duration>,
    /// How long a request to an OAuth server that failed for a passing reason (no answer,
    /// 429, a 5xx) is retried, from its first attempt (default 5 s; "0s" turns retries off).
    #[serde(default, with = "humantime_serde_opt")]
    pub oauth_retry: Option<Duration>,
}

impl Defaults {
    /// The expiry warning window (default 7 days).
    pub fn expiry_warning(&self) -> Duration {
        self.expiry_warning
            .unwrap_or(Duration::from_secs(7 * 24 * 3600))
    }
}

mod humantime_serde_opt {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(&s)
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("invalid duration '{s}': {e}")))
    }
}

/// The file `sigil init` writes: every setting present but commented out, with its default.
pub const DEFAULT_CONFIG: &str = r#"# sigil settings. Every key is optional; the values shown are the defaults.

# Where secrets go: "auto", "file", "keyring", "env" or "vault" (see [vault] below).
# backend = "auto"

# The tamper-evident audit log, <home>/audit.log; rotated past this size.
# audit = true           # false: no log; "required": fail rather than act without an entry
# audit_max_size = "10MiB"
# How many rotated files (audit.log.1, …) are kept; the oldest beyond are deleted.
# audit_keep = 10

# The age plugins sigil may run to encrypt to their recipients (age1yubikey1… runs
# age-plugin-yubikey from PATH): none unless listed, e.g. ["yubikey"], since a shared
# .age-recipients file can name any plugin. Decrypting with your own identity file needs none.
# plugins = []
# With the store shared through git (`sigil sync`, docs/teams.md): "auto" commits and syncs
# after each command that changes the store; "manual" leaves it to `sigil sync`.
# sync = "manual"

[defaults]
# `sigil list` and `sigil status` flag credentials expiring within this window.
# expiry_warning = "7d"
# `sigil get` refreshes an OAuth token that expires within this window.
# refresh_skew = "60s"
# How long one request to an OAuth server may take.
# oauth_timeout = "30s"
# How long sigil retries a request to an OAuth server that got no answer, 429 or a 5xx.
# oauth_retry = "5s"

# Credentials for git (git-credential-sigil) beyond the provider hosts (github.com,
# gitlab.com, bitbucket.org over https): one table per origin, protocol://host[:port][/path].
# [git."https://git.corp.example"]
# address = "corp/me"

# Credentials for docker (docker-credential-sigil) from an account of sigil's: one table per
# registry server, exactly as docker names it (host[:port], or https://index.docker.io/v1/).
# [docker."ghcr.io"]
# address = "github/me"
# username = "me"

# Tokens for kubectl (kube-credential-sigil) from an account of sigil's: one table per
# cluster server, exactly as the kubeconfig's cluster names it (https://host[:port]).
# [kube."https://k8s.corp.example:6443"]
# address = "corp/me"

# Credentials in a netrc (sigil netrc, sigil run --netrc) for curl, ftp and Python: one table
# per host name, without scheme or port; login is the username, by default the account.
# [netrc."api.example.com"]
# address = "corp/me"
# username = "me"

# Tokens for cargo (cargo-credential-sigil) from an account of sigil's: one table per
# registry, by its index URL exactly as cargo's config.toml names it.
# [cargo."sparse+https://cargo.corp.example/index/"]
# address = "corp/cargo"

# Credentials for pip and uv (`sigil keyring`, linked as `keyring` on their PATH) from an account
# of sigil's: one table per index URL, exactly as pip names it (without the user@ part).
# [pip."https://pypi.corp.example/simple"]
# address = "corp/pypi"
# username = "me"

# Prompts `sigil askpass` answers (GIT_ASKPASS, SSH_ASKPASS, SUDO_ASKPASS): one table per thing a
# prompt names, exactly: a git URL with its user, ssh:user@host, ssh-key:PATH or sudo:user.
# [askpass."https://me@git.corp.example"]
# address = "corp/git"

# The vault backend (backend = "vault"): an OpenBao or Vault server's KV version 2 engine,
# one secret per account at <mount>/data/<prefix>/<service>/<account> (docs/vault.md).
# [vault]
# address = "https://vault.corp.example:8200"   # else VAULT_ADDR
# mount = "secret"
# prefix = "sigil"
# namespace = "team"                           # else VAULT_NAMESPACE
# auth = "token"      # VAULT_TOKEN or ~/.vault-token; "approle" or "jwt" log in
# role_id = "…"       # approle: the secret id comes from SIGIL_VAULT_SECRET_ID or secret_id_file
# jwt_account = "corp/me"                      # jwt: a sigil OAuth account's token, with role
# role = "dev"
# ca_file = "/etc/ssl/corp-ca.pem"             # else VAULT_CACERT

# Custom OAuth providers, by endpoints or by OIDC issuer:
# [providers.corp]
# issuer = "https://login.corp.example"
# client_id = "sigil-cli"
# scopes = ["openid", "offline_access"]
"#;

/// A size in bytes from config.toml: a number, or a string such as `"10MiB"` or `"512 KB"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Size, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(Size(n)),
            Raw::S(s) => parse_size(&s).map(Size).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "invalid size '{s}': use bytes (1048576) or a number with KiB, MiB or GiB"
                ))
            }),
        }
    }
}

/// Parses `10MiB`, `10 MB`, `512k`, `1048576`: binary multiples, whatever the spelling.
pub(crate) fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_parses_to_the_defaults() {
        let c: Config = toml::from_str(DEFAULT_CONFIG).unwrap();
        assert_eq!(c.backend, None);
        assert_eq!(c.defaults.expiry_warning(), Duration::from_secs(604800));
    }

    #[test]
    fn reads_durations() {
        let c: Config = toml::from_str("[defaults]\nrefresh_skew = \"2m\"\n").unwrap();
        assert_eq!(c.defaults.refresh_skew, Some(Duration::from_secs(120)));
        assert!(toml::from_str::<Config>("[defaults]\nrefresh_skew = \"soon\"\n").is_err());
    }
}
