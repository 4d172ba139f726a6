//! What `sigil status` reports: where things are, which backend and identity are in use and
//! why, counts, expiring credentials and problems to fix.

use crate::ExpiryState;
use crate::Sigil;
use crate::fsutil::check_private;
use crate::identity::Identity;
use crate::model::error::Error;
use crate::model::paths::Paths;
use crate::model::registry::Registry;
use crate::model::when;
use crate::store::Store;
use crate::store::backend::{BackendKind, KeyringState};
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
    /// Whether the audit log is kept (`audit = false` in config.toml turns it off).
    pub audit: bool,
    /// For a home synced with git (`sigil sync`): the remote, conflicts, and what this
    /// machine's identity can read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncStatus>,
}

/// The sync part of the report.
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    /// Whether a remote is set.
    pub remote: bool,
    /// Secrets changed on two machines, not yet resolved.
    pub conflicts: Vec<crate::ops::sync::Conflict>,
    /// How many file-store secrets this identity opens (`None` when it is locked).
    pub readable: Option<usize>,
    /// The file-store secrets it cannot open: it is not one of their recipients.
    pub unreadable: Vec<String>,
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
    /// For a passphrase-protected identity: whether it is locked (not in the kernel keyring).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    /// For an unlocked identity: seconds until it locks again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unlocked_seconds: Option<u64>,
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

/// Variables sigil reads that are settings, not `SIGIL_<SERVICE>_<ACCOUNT>_<FIELD>` values:
/// where things are, the backend, and those that carry the identity.
const SETTING_VARS: &[&str] = &["SIGIL_HOME", "SIGIL_BACKEND"];

/// How the backend for new secrets is chosen, step by step (`status --verbose`).
pub fn decision_chain(sigil: &Sigil) -> Vec<String> {
    let choice = sigil.choice();
    let mut steps = vec![format!("asked for: {} ({})", choice.kind, choice.source)];
    let env_values = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| k.starts_with("SIGIL_") && !k.starts_with("SIGIL_TEST_"))
        .filter(|k| !SETTING_VARS.contains(&k.as_str()))
        .filter(|k| !crate::ops::child::KEY_VARS.contains(&k.as_str()))
        .count();
    steps.push(format!(
        "env: {env_values} SIGIL_<SERVICE>_<ACCOUNT>_<FIELD> variable(s) set; a set variable wins for its address"
    ));
    if matches!(choice.kind, BackendKind::Auto | BackendKind::Keyring) {
        let (state, took) = sigil.keyring_state();
        steps.push(format!(
            "keyring: probed in {} ms (deadline {} ms): {}",
            took.as_millis(),
            crate::store::backend::PROBE_DEADLINE.as_millis(),
            state.describe()
        ));
    }
    #[cfg(feature = "vault")]
    if let Some(vault) = sigil.vault_status() {
        steps.push(match vault {
            Ok(v) => format!(
                "vault: {}{}, KV version 2 at {}, auth {}, token: {}",
                v.address,
                v.namespace
                    .map(|n| format!(" (namespace {n})"))
                    .unwrap_or_default(),
                v.path,
                v.auth,
                v.token
            ),
            Err(e) => format!("vault: {e}"),
        });
    }
    let chosen = sigil.write_backend();
    let why = match (choice.kind, chosen) {
        (BackendKind::Auto, BackendKind::Keyring) => "auto, and the keyring answered unlocked",
        (BackendKind::Auto, _) => "auto, and no usable keyring answered",
        _ => "forced",
    };
    steps.push(format!("new secrets go to: {chosen} ({why})"));
    steps
        .push("existing secrets stay where accounts.toml records them, whatever the choice".into());
    steps
}

/// Looks at everything and reports; only a malformed config stops it.
pub fn gather(sigil: &Sigil) -> Result<Status, Error> {
    let paths = sigil.paths();
    let mut problems = Vec::new();
    let backend = sigil.write_backend().as_str().to_owned();
    let backend_decision = decision_chain(sigil);
    if let (BackendKind::Auto, KeyringState::Locked { .. }) =
        (sigil.choice().kind, &sigil.keyring_state().0)
    {
        problems.push(Problem {
            message: "the keyring is locked, so new secrets go to the file store".into(),
            fix: Some("unlock it (log in to the desktop session), or choose --backend file".into()),
        });
    }

    let identity = identity_status(paths, &mut problems);

    let mut secrets = sigil.file_store().list().unwrap_or_default();
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
    // The keyring is shared by every sigil home of the user, and a vault prefix perhaps by a
    // team: count only this home's items.
    for kind in [BackendKind::Keyring, BackendKind::Vault] {
        if registry
            .accounts
            .values()
            .any(|m| m.backend == kind.as_str())
            && let Ok(k) = sigil.store_of(kind)
        {
            secrets.extend(k.list().unwrap_or_default().into_iter().filter(|a| {
                registry
                    .accounts
                    .get(&a.account_key())
                    .is_some_and(|m| m.backend == kind.as_str())
            }));
        }
    }

    let expiring = registry_problems(sigil, &registry, &secrets, &mut problems);
    // Reported, not finished: finishing prints the values to rotate, which belong in front of
    // whoever runs the fix, not in a report that a script may read past.
    if let Some(u) = crate::ops::recipients::unfinished(sigil) {
        problems.push(Problem {
            message: u.message,
            fix: Some(u.fix),
        });
    }
    permission_problems(paths, &mut problems);
    plaintext_problems(&mut problems);
    git_problems(sigil, &mut problems);
    let sync = sync_status(sigil, &identity, &mut problems);

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
        audit: crate::audit::enabled(sigil),
        sync,
    })
}

/// The sync report, for a home that is a git repository: its conflicts, and which secrets
/// this identity can open (tried on each file's header, without asking for a passphrase: a
/// locked identity leaves it unknown).
fn sync_status(
    sigil: &Sigil,
    identity: &IdentityStatus,
    problems: &mut Vec<Problem>,
) -> Option<SyncStatus> {
    let paths = sigil.paths();
    let repo = crate::ops::sync::git::Repo::at(paths.home());
    if !repo.exists() {
        return None;
    }
    let conflicts = crate::ops::sync::conflicts(paths);
    for c in &conflicts {
        problems.push(Problem {
            message: format!(
                "'{}' was changed on two machines; the other value is kept in '{}'",
                c.address, c.copy
            ),
            fix: Some(format!(
                "sigil sync resolve {} --keep mine|theirs",
                c.address
            )),
        });
    }
    let (readable, unreadable) = readability(sigil, identity);
    if !unreadable.is_empty() {
        problems.push(Problem {
            message: format!(
                "{} secret(s) of the shared store are not encrypted to this identity (it is not \
                 one of their recipients)",
                unreadable.len()
            ),
            fix: Some(format!(
                "ask a member to run `sigil recipients add {}` and `sigil sync`, then `sigil sync` here",
                identity.public_keys.first().map_or("YOUR-KEY", String::as_str)
            )),
        });
    }
    Some(SyncStatus {
        remote: repo
            .run(["remote", "get-url", crate::ops::sync::REMOTE])
            .is_ok_and(|r| r.ok),
        conflicts,
        readable,
        unreadable,
    })
}

/// How many file-store secrets this machine's identity can open, and which it cannot. A
/// folder with a `.age-recipients` is decided by whether it lists one of the identity's
/// public keys (`recipients add` and `rm` re-encrypt the folder, so the list is what its
/// files are encrypted to), once per folder; a secret under no recipients file is tried on
/// its header, when the identity opens without asking. `None` when it cannot be told.
fn readability(sigil: &Sigil, identity: &IdentityStatus) -> (Option<usize>, Vec<String>) {
    let store = sigil.file_store();
    let Ok(own) = store.own_public_keys() else {
        return (None, vec![]);
    };
    let own: Vec<String> = own.iter().map(ToString::to_string).collect();
    let id = (identity.error.is_none() && !identity.public_keys.is_empty())
        .then(|| Identity::load(sigil.paths()).ok())
        .flatten();
    let mut by_folder: std::collections::HashMap<PathBuf, Option<bool>> = Default::default();
    let (mut readable, mut unreadable) = (0, Vec::new());
    for addr in store.list().unwrap_or_default() {
        let path = store.path_of(&addr);
        let dir = path.parent().unwrap_or(&path).to_owned();
        let listed =
            *by_folder
                .entry(dir)
                .or_insert_with_key(|dir| match store.recipients_for(dir) {
                    Ok((keys, Some(_))) => Some(keys.iter().any(|k| own.contains(&k.to_string()))),
                    _ => None,
                });
        let opens = listed.or_else(|| {
            let id = id.as_ref()?;
            Some(std::fs::read(&path).is_ok_and(|bytes| {
                crate::crypto::decryptor(std::io::Cursor::new(bytes))
                    .is_ok_and(|d| d.decrypt(id.as_age()).is_ok())
            }))
        });
        match opens {
            Some(true) => readable += 1,
            Some(false) => unreadable.push(addr.to_string()),
            None => return (None, vec![]),
        }
    }
    (Some(readable), unreadable)
}

/// The identity as status shows it, without opening a protected one (status must not ask
/// for a passphrase); a problem with a fix when it cannot be loaded.
fn identity_status(paths: &Paths, problems: &mut Vec<Problem>) -> IdentityStatus {
    // A protected identity is never opened here: status must not ask for a passphrase.
    let protected = crate::identity::is_protected(paths);
    let unlocked = protected.then(|| crate::unlock::remaining(paths)).flatten();
    // A passphrase-protected SSH key stays shut too: its public key is readable without it.
    match (!protected || unlocked.is_some()).then(|| Identity::load_locked(paths)) {
        None => IdentityStatus {
            source: Some(format!(
                "'{}' (passphrase-protected, locked)",
                crate::identity::protected_file(paths).display()
            )),
            public_keys: vec![],
            error: None,
            locked: Some(true),
            unlocked_seconds: None,
        },
        Some(Ok(id)) => IdentityStatus {
            source: Some(match unlocked {
                Some(left) => format!(
                    "'{}' (passphrase-protected, unlocked for {} more)",
                    crate::identity::protected_file(paths).display(),
                    crate::unlock::human(left)
                ),
                None => id.source().to_string(),
            }),
            public_keys: id.recipients().iter().map(|r| r.to_string()).collect(),
            error: None,
            locked: protected.then_some(false),
            unlocked_seconds: unlocked.map(|d| d.as_secs()),
        },
        Some(Err(e)) => {
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
                locked: None,
                unlocked_seconds: None,
            }
        }
    }
}

/// The accounts that expire soon or have expired, and the problems between `accounts.toml`
/// and the stored `secrets`: a field described but not stored, or stored but not described.
fn registry_problems(
    sigil: &Sigil,
    registry: &Registry,
    secrets: &[crate::model::address::FieldAddress],
    problems: &mut Vec<Problem>,
) -> Vec<Expiring> {
    let now = OffsetDateTime::now_utc();
    let warn = sigil.config().defaults.expiry_warning();
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
        if meta.backend == "file" || meta.backend == "keyring" {
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
    for s in secrets {
        if !described.contains(&s.to_string()) {
            problems.push(Problem {
                message: format!("'{s}' is in the store but not in accounts.toml"),
                fix: Some(format!(
                    "re-add it with `sigil add {s} --force`, or `sigil rm {s} --yes`"
                )),
            });
        }
    }
    expiring
}

/// Walks sigil's directories and reports anything others can read or write.
/// Accounts the git credential helper gave out by host name before its answers were bound
/// to an origin, and which it no longer gives: each with the `config.toml` lines that map it.
fn git_problems(sigil: &Sigil, problems: &mut Vec<Problem>) {
    let Ok(unmapped) = crate::ops::git_credential::unreachable(sigil) else {
        return;
    };
    for a in unmapped {
        problems.push(Problem {
            message: format!(
                "'{a}' is named after a host but git no longer gets it: git credentials are \
                 bound to the origin they were stored for"
            ),
            fix: Some(format!(
                "if git should use it, add to config.toml: [git.\"https://{}\"] address = \"{a}\"",
                a.service()
            )),
        });
    }
}

pub(crate) fn permission_problems(paths: &Paths, problems: &mut Vec<Problem>) {
    let store = paths.store();
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
            // One below the store root is never followed: someone who can write a shared
            // folder may have put it there to point at another secret.
            if p.starts_with(&store) && p != store {
                problems.push(Problem {
                    message: format!(
                        "'{}' is a symbolic link inside the store; sigil ignores it",
                        p.display()
                    ),
                    fix: Some(format!("rm '{}'", p.display())),
                });
            }
            continue;
        }
        // A temporary file outlives only a writer that was killed; the journals' finish or
        // undo removes them, so one seen here with none pending is a leftover.
        if meta.is_file()
            && p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".tmp-"))
            && !crate::ops::rekey::pending(paths)
            && !crate::ops::recipients::pending(paths.home())
        {
            problems.push(Problem {
                message: format!(
                    "'{}' is a temporary file that an interrupted write left",
                    p.display()
                ),
                fix: Some(format!("rm '{}'", p.display())),
            });
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

/// Plaintext credentials in the known locations (`~/.netrc`, `~/.git-credentials`, gh's
/// `hosts.yml`), one problem per file, fixed by `sigil migrate`.
pub(crate) fn plaintext_problems(problems: &mut Vec<Problem>) {
    let Some(home) = std::env::var_os("HOME").map(PathBuf::from) else {
        return;
    };
    let found = crate::ops::migrate::scan(
        &crate::ops::migrate::known_locations(&home),
        &crate::ops::migrate::Options::default(),
    )
    .found;
    let mut files: Vec<&std::path::Path> = found.iter().map(|f| f.path.as_path()).collect();
    files.dedup();
    for f in files {
        let n = found.iter().filter(|x| x.path == f).count();
        problems.push(Problem {
            message: format!("plaintext credentials found in '{}' ({n})", f.display()),
            fix: Some(format!("sigil migrate '{}'", f.display())),
        });
    }
}
