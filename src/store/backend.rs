//! Which backend holds a secret: the user's explicit choice (`--backend`, `SIGIL_BACKEND`,
//! `backend =` in config.toml) or `auto`, and the keyring probe that `auto` relies on — with a
//! deadline, so that no D-Bus session, a dead bus or a locked keyring never costs more than a
//! blink and never opens a prompt.

use crate::model::config::Config;
use crate::model::error::Error;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// A backend as users name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackendKind {
    /// env values when set, else the keyring when one answers, else the file store.
    Auto,
    /// One age file per secret under `<home>/store` (the embedded default).
    File,
    /// The OS keyring (Secret Service, macOS Keychain, Windows Credential Manager).
    Keyring,
    /// `SIGIL_<SERVICE>_<ACCOUNT>_<FIELD>` variables, read-only (CI).
    Env,
    /// In the process only (tests).
    Memory,
    /// An OpenBao or HashiCorp Vault server's KV version 2 engine (`[vault]` in config.toml).
    Vault,
}

impl BackendKind {
    /// The name users write.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Auto => "auto",
            BackendKind::File => "file",
            BackendKind::Keyring => "keyring",
            BackendKind::Env => "env",
            BackendKind::Memory => "memory",
            BackendKind::Vault => "vault",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BackendKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim() {
            "auto" => Ok(BackendKind::Auto),
            "file" => Ok(BackendKind::File),
            "keyring" => Ok(BackendKind::Keyring),
            "env" => Ok(BackendKind::Env),
            "memory" => Ok(BackendKind::Memory),
            "vault" => Ok(BackendKind::Vault),
            other => Err(Error::UsageHelp {
                message: format!("unknown backend '{}'", other.escape_debug()),
                help: "the backends are auto, file, keyring, env, vault and memory".into(),
            }),
        }
    }
}

/// The backend the user asked for and where that came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// What was asked for.
    pub kind: BackendKind,
    /// Where: `--backend`, `SIGIL_BACKEND`, `config.toml` or the default.
    pub source: String,
}

impl Choice {
    /// Resolves the choice: the flag, else `SIGIL_BACKEND`, else config.toml, else `auto`.
    pub fn resolve(
        flag: Option<&str>,
        config: &Config,
        config_path: &str,
    ) -> Result<Choice, Error> {
        if let Some(f) = flag {
            return Ok(Choice {
                kind: f.parse()?,
                source: "--backend".into(),
            });
        }
        if let Some(v) = std::env::var("SIGIL_BACKEND")
            .ok()
            .filter(|v| !v.is_empty())
        {
            return Ok(Choice {
                kind: v.parse().map_err(|e: Error| Error::UsageHelp {
                    message: format!("SIGIL_BACKEND: {e}"),
                    help: "the backends are auto, file, keyring, env, vault and memory".into(),
                })?,
                source: "SIGIL_BACKEND".into(),
            });
        }
        if let Some(v) = &config.backend {
            return Ok(Choice {
                // The value is not repeated: config.toml is a file that may hold secrets, and
                // an error reaches terminals and CI logs.
                kind: v.parse().map_err(|_: Error| Error::UsageHelp {
                    message: format!("'{config_path}': `backend` names no known backend"),
                    help: "the backends are auto, file, keyring, env, vault and memory".into(),
                })?,
                source: format!("backend = \"{v}\" in '{config_path}'"),
            });
        }
        Ok(Choice {
            kind: BackendKind::Auto,
            source: "the default".into(),
        })
    }
}

/// What the keyring probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringState {
    /// A keyring answered and can be used without a prompt.
    Available {
        /// What answered, for `status --verbose`.
        detail: String,
    },
    /// A keyring answered but its collection is locked: using it would prompt.
    Locked {
        /// What answered.
        detail: String,
    },
    /// No keyring answered, and why.
    Unavailable {
        /// Why.
        reason: String,
    },
}

impl KeyringState {
    /// Whether the keyring can be used.
    pub fn is_available(&self) -> bool {
        matches!(self, KeyringState::Available { .. })
    }

    /// One line for `status --verbose` and error messages.
    pub fn describe(&self) -> String {
        match self {
            KeyringState::Available { detail } => format!("answered: {detail}"),
            KeyringState::Locked { detail } => {
                format!("answered, but locked ({detail}); using it would prompt")
            }
            KeyringState::Unavailable { reason } => reason.clone(),
        }
    }
}

/// How long the probe may take before the keyring counts as absent.
pub const PROBE_DEADLINE: Duration = Duration::from_millis(500);

/// Asks whether an OS keyring answers, within [`PROBE_DEADLINE`]. Never prompts.
pub fn probe_keyring() -> (KeyringState, Duration) {
    let start = Instant::now();
    let state = probe_with_deadline(PROBE_DEADLINE);
    (state, start.elapsed())
}

#[cfg(not(feature = "keyring"))]
fn probe_with_deadline(_deadline: Duration) -> KeyringState {
    KeyringState::Unavailable {
        reason: "this sigil was built without the keyring feature".into(),
    }
}

#[cfg(feature = "keyring")]
fn probe_with_deadline(deadline: Duration) -> KeyringState {
    if let Some(reason) = crate::store::keyring::cheap_absence() {
        return KeyringState::Unavailable { reason };
    }
    // The platform call can block (a bus that accepts but never answers, a daemon being
    // activated): run it on a thread and stop waiting at the deadline.
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("sigil-keyring-probe".into())
        .spawn(move || {
            let _ = tx.send(crate::store::keyring::probe());
        });
    if let Err(e) = spawned {
        return KeyringState::Unavailable {
            reason: format!("cannot start the probe: {e}"),
        };
    }
    match rx.recv_timeout(deadline) {
        Ok(state) => state,
        Err(_) => KeyringState::Unavailable {
            reason: format!(
                "the keyring did not answer within {} ms",
                deadline.as_millis()
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_a_usage_error() {
        for k in [
            BackendKind::Auto,
            BackendKind::File,
            BackendKind::Keyring,
            BackendKind::Env,
            BackendKind::Memory,
            BackendKind::Vault,
        ] {
            assert_eq!(k.as_str().parse::<BackendKind>().unwrap(), k);
        }
        let e = "consul".parse::<BackendKind>().unwrap_err();
        assert_eq!(e.class(), crate::model::error::ExitClass::Usage);
        assert_eq!(e.to_string(), "unknown backend 'consul'");
    }

    #[test]
    fn the_flag_beats_the_config() {
        let config: Config = toml::from_str("backend = \"keyring\"").unwrap();
        let c = Choice::resolve(Some("file"), &config, "c.toml").unwrap();
        assert_eq!(
            (c.kind, c.source.as_str()),
            (BackendKind::File, "--backend")
        );
        if std::env::var_os("SIGIL_BACKEND").is_none() {
            let c = Choice::resolve(None, &config, "c.toml").unwrap();
            assert_eq!(c.kind, BackendKind::Keyring);
            assert_eq!(c.source, "backend = \"keyring\" in 'c.toml'");
            let c = Choice::resolve(None, &Config::default(), "c.toml").unwrap();
            assert_eq!(c.kind, BackendKind::Auto);
        }
    }
}
