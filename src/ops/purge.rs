//! `sigil rm --all --purge-identity`: deleting the identity wherever sigil keeps it, and then
//! every other file sigil made in its home and config directories. It is a use case rather
//! than part of the identity, because it has to know the files of every other use case
//! (a rotation's leftovers, a recipients journal) to tell them from the user's own.

use crate::identity::{failures_file, forget_opened, old_file, protected_file, shred};
use crate::model::error::Error;
use crate::model::paths::Paths;
use std::io;
use std::path::{Path, PathBuf};

/// Deletes the identity wherever sigil keeps it — the file, the keyring item and its
/// pointer, the protected file, the old identities kept by `sigil rekey` and its leftovers,
/// the copy `sigil unlock` left in the kernel keyring, the failure counter — and then every
/// other file sigil made in its home and config directories (removed when empty). Files
/// there that sigil did not make (same names, other content or shape) are left and listed.
pub fn purge(paths: &Paths) -> Result<Purged, Error> {
    let mut gone = Vec::new();
    if crate::unlock::lock(paths)? {
        gone.push("the unlocked identity in the kernel keyring".to_owned());
    }
    let pointer = paths.identity_pointer();
    if pointer.exists() {
        #[cfg(feature = "keyring")]
        if crate::store::keyring::delete_identity(paths)? {
            gone.push(
                crate::identity::IdentitySource::Keyring(crate::store::keyring::identity_user(
                    paths,
                ))
                .to_string(),
            );
        }
        std::fs::remove_file(&pointer)
            .map_err(|e| Error::io(format!("cannot remove '{}'", pointer.display()), e))?;
        gone.push(format!("'{}'", pointer.display()));
    }
    if shred(&paths.identity_file())? {
        gone.push(format!("'{}'", paths.identity_file().display()));
    }
    let mut files = vec![protected_file(paths), old_file(paths), failures_file(paths)];
    // A rotation's directory is purged below, file by file, like sigil's other directories.
    files.extend(
        crate::ops::rekey::leftovers(paths)
            .into_iter()
            .filter(|p| !p.is_dir()),
    );
    for f in files {
        if remove_any(&f)? {
            gone.push(format!("'{}'", f.display()));
        }
    }
    forget_opened();
    // The rest of sigil's files: what `rm --all` emptied, the config, the journals. The home
    // may be a directory of the user's (`SIGIL_HOME=.` in a project), so only what has
    // sigil's own names and shape goes; the rest is left and reported.
    let mut left = Vec::new();
    let mut dirs = vec![paths.home().to_owned()];
    if paths.config_dir() != paths.home() {
        dirs.push(paths.config_dir().to_owned());
    }
    for dir in &dirs {
        for (name, shape) in SIGIL_FILES {
            let f = dir.join(name);
            if !f.exists() && std::fs::symlink_metadata(&f).is_err() {
                continue;
            }
            let removed = match shape {
                Shape::Tree(rule) => purge_tree(&f, &f, *rule, &mut left)?,
                Shape::File(is_sigils) => {
                    let ours =
                        std::fs::symlink_metadata(&f).is_ok_and(|m| m.is_file()) && is_sigils(&f);
                    if ours {
                        remove_any(&f)?
                    } else {
                        left.push(f.clone());
                        false
                    }
                }
            };
            if removed {
                gone.push(format!("'{}'", f.display()));
            }
        }
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                // Leftovers of interrupted atomic writes, and rotated audit logs.
                let name = e.file_name().to_string_lossy().into_owned();
                let rotated = name
                    .strip_prefix("audit.log.")
                    .or_else(|| name.strip_prefix("audit-unkeyed.log."))
                    .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
                let ours = name.starts_with(".tmp-") || (rotated && is_audit_log(&e.path()));
                if ours && e.file_type().is_ok_and(|t| t.is_file()) {
                    remove_any(&e.path())?;
                }
            }
        }
        if std::fs::remove_dir(dir).is_ok() {
            gone.push(format!("'{}'", dir.display()));
        }
    }
    Ok(Purged { gone, left })
}

/// What [`purge`] did.
#[derive(Debug, Clone, Default)]
pub struct Purged {
    /// What was deleted, for people.
    pub gone: Vec<String>,
    /// Files under sigil's names that sigil did not make, left where they are.
    pub left: Vec<PathBuf>,
}

/// How purge recognises one of sigil's names as sigil's own.
#[derive(Clone, Copy)]
enum Shape {
    /// A directory: the files for which the rule (given the path below the directory) holds
    /// go, and directories they leave empty; anything else stays.
    Tree(fn(&Path, &[String]) -> bool),
    /// A file, when the check of its content holds.
    File(fn(&Path) -> bool),
}

/// Everything else sigil creates in `<home>` and `<config>` (what `--purge-identity` removes
/// after the identity). A file of the user's own there is left alone.
const SIGIL_FILES: &[(&str, Shape)] = &[
    ("store", Shape::Tree(store_file)),
    ("accounts.toml", Shape::File(is_accounts_toml)),
    ("config.toml", Shape::File(is_config_toml)),
    ("identity.pub", Shape::File(is_public_key_file)),
    ("migrations", Shape::Tree(migration_file)),
    ("rekey", Shape::Tree(rekey_file)),
    (".restore-undo", Shape::Tree(|_, _| true)),
    (".restore-journal.json", Shape::File(|_| true)),
    (
        ".recipients-journal",
        Shape::File(crate::ops::recipients::is_journal),
    ),
    ("audit.log", Shape::File(is_audit_log)),
    (".audit-checkpoint", Shape::File(|_| true)),
    ("audit-unkeyed.log", Shape::File(is_audit_log)),
    (".audit-anchor", Shape::File(|_| true)),
    (".accounts.cache.json", Shape::File(|_| true)),
    (".use-index.json", Shape::File(|_| true)),
    (".lock", Shape::File(is_empty)),
    (".passphrase-lock", Shape::File(is_empty)),
    // Only once the identity's keyring item, found by the id in it, is gone (above).
    ("keyring-id.toml", Shape::File(is_keyring_id)),
];

/// A lock file: sigil's are empty (they are only ever `flock`ed).
fn is_empty(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.len() == 0)
}

/// In the store: `SERVICE/ACCOUNT/FIELD.age` with names of the address grammar, the
/// folders' `.age-recipients`, and temporary files of interrupted writes.
fn store_file(_: &Path, rel: &[String]) -> bool {
    let name = rel.last().map_or("", String::as_str);
    if name.starts_with(".tmp-") || name == ".age-recipients" {
        return true;
    }
    match rel {
        [service, account, file] => file.strip_suffix(".age").is_some_and(|field| {
            crate::model::address::Address::new(service, account, Some(field)).is_ok()
        }),
        _ => false,
    }
}

/// In `migrations/`: a migration's `journal.json` and its encrypted copies, in a directory
/// that has a journal.
fn migration_file(full: &Path, rel: &[String]) -> bool {
    let has_journal = full
        .parent()
        .is_some_and(|d| d.join("journal.json").is_file());
    matches!(rel, [_, name] if has_journal
        && (name == "journal.json" || name.ends_with(".age") || name.starts_with(".tmp-")))
}

/// In `rekey/`: a rotation's journal, its new identity and its temporary files.
fn rekey_file(_: &Path, rel: &[String]) -> bool {
    matches!(rel, [name] if name == "journal" || name.ends_with(".age") || name.starts_with(".tmp-"))
}

/// `accounts.toml` as sigil writes it: its header, or only sigil's tables.
fn is_accounts_toml(p: &Path) -> bool {
    toml_keys_within(p, &["version", "accounts", "policies"])
}

/// The home's keyring id (`store::keyring`'s `home`): only its keys.
fn is_keyring_id(p: &Path) -> bool {
    toml_keys_within(p, &["id", "legacy", "legacy_identity"])
}

/// `config.toml` with only sigil's settings.
/// `identity.pub` as sigil writes it: comments and `age1…` public keys only.
fn is_public_key_file(p: &Path) -> bool {
    std::fs::read_to_string(p).is_ok_and(|t| {
        t.lines()
            .map(str::trim)
            .all(|l| l.is_empty() || l.starts_with('#') || l.starts_with("age1"))
    })
}

fn is_config_toml(p: &Path) -> bool {
    toml_keys_within(
        p,
        &[
            "backend",
            "defaults",
            "providers",
            "audit",
            "audit_max_size",
            "git",
        ],
    )
}

fn toml_keys_within(p: &Path, known: &[&str]) -> bool {
    std::fs::read_to_string(p)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.keys().all(|k| known.contains(&k.as_str())))
}

/// An audit log of sigil's: empty, or its first line an entry with an event.
fn is_audit_log(p: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(p) else {
        return false;
    };
    let Some(first) = text.lines().next() else {
        return true;
    };
    serde_json::from_str::<serde_json::Value>(first).is_ok_and(|v| v.get("event").is_some())
}

/// Removes the files below `root` that `rule` says are sigil's, then the directories left
/// empty; what stays is added to `left`. `true` when `dir` itself went.
fn purge_tree(
    root: &Path,
    dir: &Path,
    rule: fn(&Path, &[String]) -> bool,
    left: &mut Vec<PathBuf>,
) -> Result<bool, Error> {
    let meta = std::fs::symlink_metadata(dir)
        .map_err(|e| Error::io(format!("cannot read '{}'", dir.display()), e))?;
    if !meta.is_dir() {
        left.push(dir.to_owned());
        return Ok(false);
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("cannot read '{}'", dir.display()), e))?;
    for e in entries.flatten() {
        let path = e.path();
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            purge_tree(root, &path, rule, left)?;
            continue;
        }
        let rel: Vec<String> = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if e.file_type().is_ok_and(|t| t.is_file()) && rule(&path, &rel) {
            remove_any(&path)?;
        } else {
            left.push(path);
        }
    }
    Ok(std::fs::remove_dir(dir).is_ok())
}

/// Removes a file or a directory tree; `false` when there was nothing.
fn remove_any(path: &Path) -> Result<bool, Error> {
    let r = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => Err(e),
    };
    r.map(|()| true)
        .map_err(|e| Error::io(format!("cannot remove '{}'", path.display()), e))
}
