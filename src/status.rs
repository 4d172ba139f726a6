//! What `sigil status` reports: where things are, which backend and identity are in use and
//! why, counts, expiring credentials and problems to fix.

use crate::config::Config;
use crate::error::Error;
use crate::fsutil::check_private;
use crate::identity::Identity;
use crate::paths::Paths;
use crate::registry::Registry;
use crate::store::{FileStore, Store};
use crate::{ExpiryState, when};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::PathBuf;
use time::OffsetDateTime;

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// `<home>`.
    pub home: PathBuf,
    /// `<config>`.
    pub config_dir: PathBuf,
    /// The file store's root.
    pub store: PathBuf,
    /// Whether `sigil init` has run (an identity and the home exist).
    pub initialized: bool,
    /// The backend in use.
    pub backend: String,
    /// Why that backend: each step of the decision.
    pub backend_decision: Vec<String>,
    /// The identity.
    pub identity: IdentityStatus,
    /// Accounts in `accounts.toml`.
    pub accounts: usize,
    /// Secrets in the store.
    pub secrets: usize,
    /// Credentials expired or expiring within the warning window.
    pub expiring: Vec<Expiring>,
    /// Things to fix.
    pub problems: Vec<Problem>,
}

/// Where the identity comes from, or why there is none.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityStatus {
    /// Where it was found.
    pub source: Option<String>,
    /// Its public keys.
    pub public_keys: Vec<String>,
    /// Why it could not be loaded.
    pub error: Option<String>,
}

/// A credential near or past its expiry.
#[derive(Debug, Clone, Serialize)]
pub struct Expiring {
    /// `service/account`.
    pub address: String,
    /// When.
    pub expires_at: String,
    /// `expiring` or `expired`.
    pub state: String,
}

/// Something wrong, with the command that fixes it when there is one.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: Option<String>,
}

/// Looks at everything and reports; only a malformed config stops it.
pub fn gather(paths: &Paths) -> Result<Status, Error> {
    let config = Config::load(paths)?;
    let mut problems = Vec::new();
    let backend = "file".to_owned();
    let mut backend_decision = vec![];
    match config.backend.as_deref() {
        Some(b) => backend_decision.push(format!("config.toml sets backend = \"{b}\"")),
        None => backend_decision.push("no backend chosen in config.toml".into()),
    }
    backend_decision.push("file: the embedded default (age files under the store)".into());

    let identity = match Identity::load(paths) {
        Ok(id) => IdentityStatus {
            source: Some(id.source().to_string()),
            public_keys: id.recipients().iter().map(|r| r.to_string()).collect(),
            error: None,
        },
        Err(e) => {
            if let Some(help) = e.help() {
                problems.push(Problem {
                    message: e.to_string(),
                    fix: Some(help),
                });
            }
            IdentityStatus {
                source: None,
                public_keys: vec![],
                error: Some(e.to_string()),
            }
        }
    };

    let store = FileStore::new(paths);
    let secrets = store.list().unwrap_or_default();
    let registry = match Registry::load(paths) {
        Ok(r) => r,
        Err(e) => {
            problems.push(Problem {
                message: e.to_string(),
                fix: e.help(),
            });
            Registry::empty()
        }
    };

    let now = OffsetDateTime::now_utc();
    let warn = config.defaults.expiry_warning();
    let mut expiring = Vec::new();
    for (key, meta) in &registry.accounts {
        let state = ExpiryState::of(meta.expires_at, now, warn);
        if let (Some(at), ExpiryState::Expiring | ExpiryState::Expired) = (meta.expires_at, state) {
            expiring.push(Expiring {
                address: key.clone(),
                expires_at: when::format(at),
                state: state.as_str().to_owned(),
            });
        }
        if meta.backend == "file" {
            for f in &meta.fields {
                let known = secrets
                    .iter()
                    .any(|s| &s.account_key() == key && s.field() == f);
                if !known {
                    problems.push(Problem {
                        message: format!(
                            "'{key}/{f}' is in accounts.toml but its secret is missing"
                        ),
                        fix: Some(format!("sigil rm {key}/{f} --yes")),
                    });
                }
            }
        }
    }
    let described: BTreeSet<String> = registry
        .accounts
        .iter()
        .flat_map(|(k, m)| m.fields.iter().map(move |f| format!("{k}/{f}")))
        .collect();
    for s in &secrets {
        if !described.contains(&s.to_string()) {
            problems.push(Problem {
                message: format!("'{s}' is in the store but not in accounts.toml"),
                fix: Some(format!(
                    "re-add it with `sigil add {s} --force`, or `sigil rm {s} --yes`"
                )),
            });
        }
    }
    permission_problems(paths, &mut problems);

    Ok(Status {
        home: paths.home().to_owned(),
        config_dir: paths.config_dir().to_owned(),
        store: paths.store(),
        initialized: identity.error.is_none() && paths.home().is_dir(),
        backend,
        backend_decision,
        identity,
        accounts: registry.accounts.len(),
        secrets: secrets.len(),
        expiring,
        problems,
    })
}

/// Walks sigil's directories and reports anything others can read or write.
fn permission_problems(paths: &Paths, problems: &mut Vec<Problem>) {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<PathBuf> = vec![paths.home().to_owned(), paths.config_dir().to_owned()];
    while let Some(p) = stack.pop() {
        if !seen.insert(p.clone()) {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            continue;
        }
        if let Err(e) = check_private(&p, &meta) {
            problems.push(Problem {
                message: e.to_string(),
                fix: Some(e.fix()),
            });
        }
        if meta.is_dir()
            && let Ok(rd) = std::fs::read_dir(&p)
        {
            stack.extend(rd.flatten().map(|e| e.path()));
        }
    }
}
