//! `sigil clip`, and `--clip` on `get`, `otp` and `generate`: the value onto the clipboard,
//! nothing secret printed, and a detached restorer (this executable again, `sigil-clip
//! --restore`) that puts the previous contents back after the timeout (work:
//! `crate::ops::clip`).

use crate::model::error::{Error, Result};
use crate::model::policy::Use;
use crate::ops::clip::{self, Handover, Tool};
use clap::Parser;
use std::io::{Read, Write};
use std::process::Stdio;
use std::time::Duration;
use zeroize::Zeroizing;

/// Copy a secret to the clipboard, cleared after a while
#[derive(Debug, Parser)]
#[command(
    name = "sigil-clip",
    version,
    about = "Copy a secret to the clipboard, cleared after a while",
    long_about = "Copy a secret to the clipboard (Wayland through wl-copy, X11 through xclip or \
xsel) and print nothing secret. After the timeout (default 45 s, or SIGIL_CLIP_TIME) a detached \
process puts back what the clipboard held before, if it still holds the secret; if something \
else was copied meanwhile, that is left alone. --timeout 0 leaves the secret on the clipboard \
until something else is copied.\n\n\
The read is a use of its own: a policy's --allow must name `clip`, and the audit log records \
`clip`.",
    override_usage = "sigil-clip [OPTIONS] <ADDRESS>",
    after_help = "Examples:\n  sigil clip github/me\n  sigil clip bank/me/password --timeout 20s\n  \
SIGIL_CLIP_TIME=2m sigil clip wifi/home"
)]
pub struct Args {
    /// The credential: service/account[/field] or auth://service/account[/field]
    #[arg(value_name = "ADDRESS", required_unless_present = "restore")]
    pub address: Option<String>,
    /// How long the secret stays: seconds or a duration such as 45s or 2m; 0 never clears
    /// (default: SIGIL_CLIP_TIME, then 45s)
    #[arg(long, short = 't', value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Copy an OAuth token as stored, even when it is about to expire
    #[arg(long)]
    pub no_refresh: bool,
    /// Started by sigil itself: wait, then restore what the hand-over on stdin says
    #[arg(long, hide = true, conflicts_with_all = ["address", "timeout", "no_refresh"])]
    pub restore: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// `--clip` and its `--timeout`, shared by `get`, `otp` and `generate`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ClipArg {
    /// Copy the value to the clipboard instead of printing it, cleared after the timeout
    /// (`sigil clip`)
    #[arg(long, short = 'c')]
    pub clip: bool,
    /// With --clip: how long it stays, as seconds or a duration such as 45s; 0 never clears
    /// (default: SIGIL_CLIP_TIME, then 45s)
    #[arg(long, value_name = "DURATION", requires = "clip")]
    pub timeout: Option<String>,
}

/// The clipboard and the timeout of a copy, found before anything is read so that a machine
/// without a clipboard is told so without a use counted or audited.
pub(crate) struct Target {
    tool: Tool,
    timeout: Duration,
}

impl Target {
    /// The session's clipboard, and the timeout `flag` or `SIGIL_CLIP_TIME` sets.
    pub(crate) fn find(flag: Option<&str>) -> Result<Target> {
        let timeout = clip::timeout(flag)?;
        let tool = Tool::detect()?;
        Ok(Target { tool, timeout })
    }

    /// [`Target::find`] for `--clip`: `None` when it was not given.
    pub(crate) fn wanted(arg: &ClipArg) -> Result<Option<Target>> {
        arg.clip
            .then(|| Target::find(arg.timeout.as_deref()))
            .transpose()
    }

    /// Copies `value` (of `what`, an address) and starts the restorer; says so on stderr.
    pub(crate) fn copy(&self, what: &str, value: &[u8]) -> Result<()> {
        let mut previous = self.tool.read();
        // What is there may be an earlier copy whose restorer still waits: then what to
        // restore is what was there before that one.
        if let (Some(found), Some(spot)) = (&previous, rendezvous(self.tool))
            && let Some(earlier) = clip::take_over(&spot, found)
        {
            previous = earlier;
        }
        self.tool.copy(value)?;
        if self.timeout.is_zero() {
            eprintln!(
                "copied '{what}' to the clipboard; it stays there until something else is copied (--timeout 0)"
            );
            return Ok(());
        }
        let handover = Handover {
            tool: self.tool,
            after: self.timeout,
            digest: clip::digest(value),
            previous,
        };
        if let Err(e) = start_restorer(&handover) {
            // Without a restorer the secret would stay: take it back now.
            let _ = clip::restore(&Handover {
                after: Duration::ZERO,
                ..handover
            });
            return Err(Error::io(
                "cannot start the process that clears the clipboard; it was cleared at once"
                    .to_owned(),
                e,
            ));
        }
        eprintln!(
            "copied '{what}' to the clipboard; clears in {}",
            humantime::format_duration(self.timeout)
        );
        Ok(())
    }
}

/// Starts `sigil-clip --restore` (the `sigil` executable beside this one) in a session of its own, the hand-over on its stdin (never
/// in its arguments or environment), and does not wait for it: it outlives this process.
fn start_restorer(handover: &Handover) -> std::io::Result<()> {
    use std::os::unix::process::CommandExt;
    // The `sigil` executable beside this one, as the entry points find it: `sigil-get` is a
    // binary of its own that runs only `get`.
    let exe = std::env::current_exe()?.with_file_name("sigil");
    let mut child = crate::ops::child::command(&exe)
        .arg0("sigil-clip")
        .arg("--restore")
        // Its own directory is no reason to keep a mount busy.
        .current_dir("/")
        .stdin(Stdio::piped())
        // Whoever reads this process's output must not wait for the restorer's.
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let written = match child.stdin.take() {
        Some(mut stdin) => stdin.write_all(&handover.encode()),
        None => Err(std::io::Error::other("no pipe to the restorer")),
    };
    if let Err(e) = written {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    Ok(())
}

/// Runs `sigil clip`.
pub fn run(args: Args) -> Result<()> {
    if args.restore {
        return restorer();
    }
    let text = args.address.as_deref().unwrap_or_default();
    let addr = super::address(text)?;
    let target = Target::find(args.timeout.as_deref())?;
    let sigil = args.backend.open()?.for_use(Use::Clip);
    let (full, secret) = sigil.get_address_with(&addr, !args.no_refresh)?;
    target.copy(&full.to_string(), secret.expose())
}

/// `sigil-clip --restore`: leaves the terminal's session (a Ctrl-C or a closed terminal must
/// not stop it), reads the hand-over, waits, restores, exits.
fn restorer() -> Result<()> {
    #[cfg(unix)]
    {
        // Started by `start_restorer` as an ordinary child, it leads no process group, so
        // this succeeds; failing, it still restores, only without leaving the session.
        let _ = rustix::process::setsid();
    }
    let mut bytes = Zeroizing::new(Vec::new());
    std::io::stdin()
        .lock()
        .take(Handover::MAX_LEN as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("cannot read the hand-over".to_owned(), e))?;
    let handover = Handover::decode(&bytes)?;
    drop(bytes);
    if clip::wait(&handover, rendezvous(handover.tool).as_deref()) == clip::Waited::TimedOut {
        clip::restore(&handover)?;
    }
    Ok(())
}

/// Where the restorer for this display waits for a later copy to ask it
/// (`$XDG_RUNTIME_DIR/sigil-clip-<display>.sock`): only in a runtime directory that is this
/// user's own and closed to everyone else, since whoever connects learns what the clipboard
/// held. Without one, copies do not chain (a copy over a waiting one restores the earlier
/// value at its timeout).
fn rendezvous(tool: Tool) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let dir =
        std::path::PathBuf::from(std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty())?);
    let meta = std::fs::symlink_metadata(&dir).ok()?;
    let me = rustix::process::getuid().as_raw();
    if !meta.is_dir() || meta.uid() != me || meta.mode() & 0o077 != 0 {
        return None;
    }
    let display = std::env::var(tool.display_var()).ok()?;
    let name: String = display
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Some(dir.join(format!("sigil-clip-{name}.sock")))
}
