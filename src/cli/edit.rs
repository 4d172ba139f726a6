//! `sigil edit`: change a secret in an editor, through a private temporary file that is
//! removed however the edit ends.

use crate::model::error::{Error, Result};
use crate::ops::edit::{EditFile, editor};
use clap::Parser;

/// Change a secret in an editor
#[derive(Debug, Parser)]
#[command(
    name = "sigil-edit",
    version,
    about = "Change a secret in an editor",
    long_about = "Change a secret in an editor. The value, followed by a newline, is written to a \
private temporary file (0600, in a 0700 directory under $XDG_RUNTIME_DIR, else /dev/shm, else the \
temporary directory), and $VISUAL, else $EDITOR, else vi is started on it (split at white space, \
not through a shell; the editor gets the file's path, never the value). vim, vi and nvim get \
-n -i NONE '+set nobackup nowritebackup noundofile', nano gets -R, and emacs an --eval that turns \
off backup, auto-save and lock files, so that none of them copies the text elsewhere; any other \
editor gets no extra arguments.\n\n\
When the editor exits 0, one trailing newline is dropped from the file and the text, if it \
changed, replaces the secret as sigil add --force would (store lock, audit entry edit; the \
account's kind, expiry and note are kept); an unchanged text prints unchanged and writes \
nothing. An empty text is refused (sigil rm removes a secret). The edit reads the secret as \
sigil get does, so a policy must allow get. The file and its directory are removed on every \
exit, also when the editor fails or is killed, or sigil gets SIGINT, SIGTERM or SIGHUP \
(SIGTERM and SIGHUP are passed on to the editor, and then nothing is stored, whatever the editor \
does). Exit status: 0 stored or unchanged, 3 no such secret (no editor is started), 1 the editor \
failed (exited non-zero or was killed), sigil got SIGTERM or SIGHUP, or the text was empty \
(nothing is stored).",
    after_help = "Examples:\n  sigil edit github/me\n  EDITOR=nano sigil edit shop/me/password"
)]
pub struct Args {
    /// The credential: service/account[/field]
    #[arg(value_name = "ADDRESS")]
    pub address: String,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil edit`.
pub fn run(args: Args) -> Result<()> {
    let addr = super::address(&args.address)?;
    let sigil = args.backend.open()?.for_use(crate::model::policy::Use::Get);
    // Dropped on every return below (and on unwinding), which removes the file and its
    // directory; a signal that would end sigil is caught while the editor runs.
    let file = EditFile::open(&sigil, &addr)?;
    let (program, extra) = editor(std::env::var_os("VISUAL"), std::env::var_os("EDITOR"));
    let mut cmd = crate::ops::child::command(&program);
    cmd.args(&extra).arg(file.path());
    let mut child = cmd
        .spawn()
        .map_err(|e| super::run::start_error(&program, e))?;
    let forwarding = super::run::forward_signals(&child);
    let status = child.wait().map_err(|e| {
        Error::io(
            format!("cannot wait for '{}'", program.to_string_lossy()),
            e,
        )
    });
    #[cfg(unix)]
    let told_to_end = forwarding.as_ref().is_some_and(|f| f.told_to_end());
    #[cfg(not(unix))]
    let told_to_end = false;
    drop(forwarding);
    let status = status?;
    if told_to_end {
        return Err(Error::other(
            format!(
                "sigil edit was told to end (SIGTERM or SIGHUP); '{}' is unchanged",
                file.address()
            ),
            None,
        ));
    }
    if !status.success() {
        return Err(Error::other(
            format!(
                "the editor '{}' failed (exit status {}); '{}' is unchanged",
                program.to_string_lossy(),
                super::run::exit_code(status),
                file.address()
            ),
            None,
        ));
    }
    match file.edited()? {
        None => eprintln!("'{}' unchanged", file.address()),
        Some(value) => {
            let kind = file.store(&sigil, &value)?;
            eprintln!(
                "stored '{}' in {}",
                file.address(),
                super::backend_phrase(kind)
            );
        }
    }
    Ok(())
}
