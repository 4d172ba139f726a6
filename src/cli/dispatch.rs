//! `sigil <cmd>` for a plugin: finding `sigil-<cmd>` beside the running executable or on
//! `PATH` and handing over to it, as git and cargo do.

use crate::ops::child::{is_executable, path_dirs};
use std::collections::BTreeSet;
use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The prefix every sigil command's executable has.
pub const PREFIX: &str = "sigil-";

/// The directory of the running executable, where the built-in commands live.
pub fn own_dir() -> Option<PathBuf> {
    env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_owned))
}

/// Finds `sigil-<name>`: beside the running executable first, then on `PATH`.
pub fn find(name: &str) -> Option<PathBuf> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return None;
    }
    let file = format!("{PREFIX}{name}");
    own_dir()
        .into_iter()
        .chain(path_dirs())
        .map(|d| d.join(&file))
        .find(|p| is_executable(p))
}

/// Every `sigil-*` command found beside the executable or on `PATH`, by name without the
/// prefix.
pub fn available() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for dir in own_dir().into_iter().chain(path_dirs()) {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(name) = e.file_name().into_string() else {
                continue;
            };
            if let Some(cmd) = name.strip_prefix(PREFIX) {
                // Skip build artefacts such as `sigil-get.d` next to cargo's binaries.
                if !cmd.is_empty() && !cmd.contains('.') && is_executable(&e.path()) {
                    out.insert(cmd.to_owned());
                }
            }
        }
    }
    out
}

/// Replaces this process with the plugin `path` (on Unix), passing `args` unchanged;
/// elsewhere runs it and exits with its status. Returns only on failure to start it. A plugin
/// gets the environment without the variables that carry sigil's key ([`crate::ops::child`]);
/// built-ins run in the dispatcher's own process.
pub fn exec(path: &Path, args: Vec<OsString>) -> std::io::Error {
    let mut cmd = crate::ops::child::command(path);
    cmd.args(args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.exec()
    }
    #[cfg(not(unix))]
    {
        match cmd.status() {
            Ok(s) => std::process::exit(s.code().unwrap_or(1)),
            Err(e) => e,
        }
    }
}
