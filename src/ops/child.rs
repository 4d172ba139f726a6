//! Starting other programs: every process sigil starts (the command of `sigil run`, `vals`,
//! `$BROWSER`, a plugin) gets an environment without the variables that carry sigil's key.

use std::env;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variables that hold the age identity or what opens it: the key itself, the file it is
/// in, and the passphrase of a protected identity (or of its replacement); and the vault
/// backend's AppRole secret id, which opens every secret of the vault as the key opens the
/// store. A program sigil starts never needs them, and a `sigil run -- env` in a CI log would
/// publish them.
pub const KEY_VARS: &[&str] = &[
    "SIGIL_IDENTITY",
    "SIGIL_IDENTITY_FILE",
    "SIGIL_PASSPHRASE_FILE",
    "SIGIL_PASSPHRASE_FD",
    "SIGIL_NEW_PASSPHRASE_FILE",
    "SIGIL_NEW_PASSPHRASE_FD",
    "SIGIL_VAULT_SECRET_ID",
];

/// Whether a variable carries sigil's key and must not reach a child.
pub fn carries_key(name: &OsStr) -> bool {
    KEY_VARS.iter().any(|v| OsStr::new(v) == name)
}

/// A command for `program` that inherits this process's environment without [`KEY_VARS`].
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for var in KEY_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// A command for `program` whose environment is exactly `vars`, less [`KEY_VARS`] (`sigil run`
/// builds its child's environment itself, and an env file or `--env` may name them too).
pub fn command_with_env<I, K, V>(program: impl AsRef<OsStr>, vars: I) -> Command
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let mut cmd = Command::new(program);
    cmd.env_clear();
    for (k, v) in vars {
        if !carries_key(k.as_ref()) {
            cmd.env(k, v);
        }
    }
    cmd
}

/// Finds a program on `PATH` (for peers such as `vals`).
pub fn find_program(name: &str) -> Option<PathBuf> {
    path_dirs()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

/// The directories of `PATH`, in order, without empty entries.
pub(crate) fn path_dirs() -> Vec<PathBuf> {
    env::var_os("PATH")
        .map(|p| {
            env::split_paths(&p)
                .filter(|d| !d.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `p` is a file someone may execute.
pub(crate) fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn key_vars_are_removed_and_others_kept() {
        let cmd = command_with_env(
            "true",
            [
                ("SIGIL_IDENTITY", "AGE-SECRET-KEY-1X"),
                ("SIGIL_PASSPHRASE_FD", "3"),
                ("SIGIL_HOME", "/h"),
                ("PATH", "/bin"),
            ],
        );
        let names: Vec<_> = cmd
            .get_envs()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k.to_owned())
            .collect();
        assert_eq!(
            names,
            [OsString::from("PATH"), OsString::from("SIGIL_HOME")]
        );
        let cmd = command("true");
        for (k, v) in cmd.get_envs() {
            assert!(carries_key(k) && v.is_none(), "{k:?}");
        }
        assert_eq!(cmd.get_envs().count(), KEY_VARS.len());
    }
}
