//! The clipboard (`sigil clip`, `--clip`): copying a value with the desktop's own tools
//! (`wl-copy`/`wl-paste` on Wayland, `xclip` or `xsel` on X11), the value always on their
//! stdin, and what the short-lived restorer does: after the timeout, put the previous
//! contents back if the clipboard still holds the value, which it knows only by its SHA-256.
//!
//! The tools rather than an X11/Wayland client crate: they are what `pass` uses, every
//! desktop has one, and they cost sigil no dependency. Each of them forks a process that owns
//! the selection and serves it to whoever pastes until another program takes the clipboard
//! over; restoring the previous contents is such a take-over, so that process then exits.

use crate::model::error::Error;
use sha2::{Digest, Sha256};
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// How long the clipboard is kept when neither `--timeout` nor `SIGIL_CLIP_TIME` says, as
/// `pass` does.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(45);

/// The variable that sets the timeout for every copy (`--timeout` wins).
pub const TIMEOUT_VAR: &str = "SIGIL_CLIP_TIME";

/// The most of the previous contents kept for restoring: a larger clipboard is cleared
/// instead of being held in memory.
const MAX_PREVIOUS: usize = 16 << 20;

/// How long reading the clipboard may take: its owner is another program, which may hang.
const READ_LIMIT: Duration = Duration::from_secs(3);

/// The first bytes of the hand-over to the restorer.
const MAGIC: &[u8; 10] = b"sigilclip1";

/// Why nothing was copied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClipError {
    /// Neither a Wayland nor an X11 display to copy to.
    #[error("there is no clipboard: neither WAYLAND_DISPLAY nor DISPLAY is set")]
    NoDisplay,
    /// A display, but none of the tools that reach its clipboard.
    #[error("no clipboard tool found for {display}: {missing}")]
    NoTool {
        /// `Wayland (WAYLAND_DISPLAY)` or `X11 (DISPLAY)`.
        display: &'static str,
        /// The programs looked for and not found.
        missing: &'static str,
    },
    /// The tool ran and failed.
    #[error("'{tool}' failed: {reason}")]
    Failed {
        /// The program.
        tool: &'static str,
        /// Its exit status and first line of stderr, or why it could not start.
        reason: String,
    },
    /// The restorer's standard input is not what `sigil clip` hands over.
    #[error("the clipboard restorer's input is malformed")]
    Handover,
}

impl ClipError {
    fn help(&self) -> Option<String> {
        match self {
            ClipError::NoDisplay => Some(
                "copying needs a graphical session (X11 or Wayland); `sigil get ADDRESS` prints the value instead"
                    .into(),
            ),
            ClipError::NoTool { .. } => Some(
                "install wl-clipboard (Wayland), or xclip or xsel (X11): e.g. `apt install wl-clipboard xclip`"
                    .into(),
            ),
            ClipError::Failed { .. } => {
                Some("check that the display is reachable (`xclip -o` or `wl-paste`)".into())
            }
            ClipError::Handover => {
                Some("`sigil clip --restore` is started by sigil itself, not by hand".into())
            }
        }
    }
}

impl From<ClipError> for Error {
    fn from(e: ClipError) -> Error {
        let help = e.help();
        Error::other(e.to_string(), help)
    }
}

/// The program pair that reaches the clipboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `wl-copy` and `wl-paste` (wl-clipboard), for Wayland.
    Wayland,
    /// `xclip`, for X11.
    Xclip,
    /// `xsel`, for X11.
    Xsel,
}

impl Tool {
    /// The clipboard of this session: Wayland's when `WAYLAND_DISPLAY` is set and
    /// wl-clipboard is installed, else X11's through xclip or xsel when `DISPLAY` is set
    /// (XWayland serves Wayland sessions without wl-clipboard).
    pub fn detect() -> Result<Tool, ClipError> {
        Tool::detect_with(
            |name| std::env::var_os(name).is_some_and(|v| !v.is_empty()),
            |program| crate::ops::child::find_program(program).is_some(),
        )
    }

    /// [`Tool::detect`] with the environment and PATH as functions, for tests.
    pub fn detect_with(
        set: impl Fn(&str) -> bool,
        found: impl Fn(&str) -> bool,
    ) -> Result<Tool, ClipError> {
        let wayland = set("WAYLAND_DISPLAY");
        let x11 = set("DISPLAY");
        if wayland && found("wl-copy") && found("wl-paste") {
            return Ok(Tool::Wayland);
        }
        if x11 && found("xclip") {
            return Ok(Tool::Xclip);
        }
        if x11 && found("xsel") {
            return Ok(Tool::Xsel);
        }
        match (wayland, x11) {
            (false, false) => Err(ClipError::NoDisplay),
            (true, _) => Err(ClipError::NoTool {
                display: "Wayland (WAYLAND_DISPLAY)",
                missing: if x11 {
                    "neither wl-copy and wl-paste nor xclip or xsel is on PATH"
                } else {
                    "wl-copy and wl-paste are not on PATH"
                },
            }),
            (false, true) => Err(ClipError::NoTool {
                display: "X11 (DISPLAY)",
                missing: "neither xclip nor xsel is on PATH",
            }),
        }
    }

    /// The variable that names this tool's display.
    pub fn display_var(self) -> &'static str {
        match self {
            Tool::Wayland => "WAYLAND_DISPLAY",
            Tool::Xclip | Tool::Xsel => "DISPLAY",
        }
    }

    /// The program that copies.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Wayland => "wl-copy",
            Tool::Xclip => "xclip",
            Tool::Xsel => "xsel",
        }
    }

    fn byte(self) -> u8 {
        match self {
            Tool::Wayland => 1,
            Tool::Xclip => 2,
            Tool::Xsel => 3,
        }
    }

    fn from_byte(b: u8) -> Option<Tool> {
        [Tool::Wayland, Tool::Xclip, Tool::Xsel]
            .into_iter()
            .find(|t| t.byte() == b)
    }

    fn command(self, program: &str, args: &[&str]) -> Command {
        let mut cmd = crate::ops::child::command(program);
        cmd.args(args);
        // wl-copy keeps what it serves in a temporary file: the user's runtime directory is a
        // private tmpfs, where a disk never sees it.
        if self == Tool::Wayland
            && let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty())
        {
            cmd.env("TMPDIR", runtime);
        }
        cmd
    }

    /// Puts `value` on the clipboard. The tool forks a process that serves it; the one
    /// started here exits once it has read its stdin.
    pub fn copy(self, value: &[u8]) -> Result<(), ClipError> {
        let cmd = match self {
            // An explicit type: wl-copy otherwise guesses one with xdg-mime from the content.
            Tool::Wayland => self.command("wl-copy", &["--type", "text/plain;charset=utf-8"]),
            Tool::Xclip => self.command("xclip", &["-selection", "clipboard", "-in"]),
            Tool::Xsel => self.command("xsel", &["--clipboard", "--input"]),
        };
        self.feed(cmd, Some(value))
    }

    /// Empties the clipboard: what the restorer does when nothing (or nothing it could keep)
    /// was there before. xclip cannot clear, so it takes the clipboard over with nothing.
    pub fn clear(self) -> Result<(), ClipError> {
        match self {
            Tool::Wayland => self.feed(self.command("wl-copy", &["--clear"]), None),
            Tool::Xsel => self.feed(self.command("xsel", &["--clipboard", "--clear"]), None),
            Tool::Xclip => self.copy(b""),
        }
    }

    /// Runs `cmd` with `input` on its stdin (or none), waiting for it, not for the process it
    /// forks: its stdout is /dev/null, and its stderr is read only when it failed, since the
    /// forked server would hold the pipe open.
    fn feed(self, mut cmd: Command, input: Option<&[u8]>) -> Result<(), ClipError> {
        let failed = |reason: String| ClipError::Failed {
            tool: self.name(),
            reason,
        };
        let mut child = cmd
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| failed(format!("cannot start it: {e}")))?;
        if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
            // A tool that died at once closes the pipe; its status below says why.
            let _ = stdin.write_all(input);
        }
        let status = child
            .wait()
            .map_err(|e| failed(format!("cannot wait for it: {e}")))?;
        if status.success() {
            return Ok(());
        }
        let mut err = String::new();
        if let Some(pipe) = child.stderr.take() {
            let _ = pipe.take(4096).read_to_string(&mut err);
        }
        let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        Err(failed(format!(
            "{status}{}{}",
            if first.is_empty() { "" } else { ": " },
            crate::model::shown::line(first.trim())
        )))
    }

    /// What the clipboard holds as text, or `None` when it holds nothing, something too large
    /// to keep, or its owner does not answer within a few seconds.
    pub fn read(self) -> Option<Zeroizing<Vec<u8>>> {
        let cmd = match self {
            Tool::Wayland => self.command("wl-paste", &["--no-newline"]),
            Tool::Xclip => self.command("xclip", &["-selection", "clipboard", "-out"]),
            Tool::Xsel => self.command("xsel", &["--clipboard", "--output"]),
        };
        read_limited(cmd)
    }
}

/// The stdout of `cmd` if it exits successfully within [`READ_LIMIT`] with at most
/// [`MAX_PREVIOUS`] bytes; it is killed otherwise.
fn read_limited(mut cmd: Command) -> Option<Zeroizing<Vec<u8>>> {
    let mut child: Child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut buf = Zeroizing::new(Vec::new());
        let n = (&mut stdout)
            .take(MAX_PREVIOUS as u64 + 1)
            .read_to_end(&mut buf);
        n.ok().map(|_| buf)
    });
    let deadline = Instant::now() + READ_LIMIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    // The pipe closes when the tool exits (or is killed), so the reader ends too.
    let out = reader.join().ok().flatten()?;
    match status {
        Some(s) if s.success() && out.len() <= MAX_PREVIOUS => Some(out),
        _ => None,
    }
}

/// What the restorer is handed on its stdin: nothing that would reveal the value, only its
/// digest, and the previous contents it puts back.
#[derive(PartialEq, Eq)]
pub struct Handover {
    /// The tool to read and restore with.
    pub tool: Tool,
    /// How long to wait.
    pub after: Duration,
    /// SHA-256 of the value copied.
    pub digest: [u8; 32],
    /// The clipboard before the copy, `None` when it was empty or could not be kept.
    pub previous: Option<Zeroizing<Vec<u8>>>,
}

impl std::fmt::Debug for Handover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handover")
            .field("tool", &self.tool)
            .field("after", &self.after)
            .field("previous", &self.previous.as_ref().map(|p| p.len()))
            .finish_non_exhaustive()
    }
}

/// SHA-256 of `value`, what the restorer compares the clipboard with.
pub fn digest(value: &[u8]) -> [u8; 32] {
    Sha256::digest(value).into()
}

impl Handover {
    /// The bytes written to the restorer's stdin.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::new());
        out.extend_from_slice(MAGIC);
        out.push(self.tool.byte());
        let millis = u64::try_from(self.after.as_millis()).unwrap_or(u64::MAX);
        out.extend_from_slice(&millis.to_le_bytes());
        out.extend_from_slice(&self.digest);
        match &self.previous {
            Some(p) => {
                out.push(1);
                out.extend_from_slice(&(p.len() as u64).to_le_bytes());
                out.extend_from_slice(p);
            }
            None => out.push(0),
        }
        out
    }

    /// Reads what [`Handover::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> Result<Handover, ClipError> {
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or(ClipError::Handover)?;
        let (&tool, rest) = rest.split_first().ok_or(ClipError::Handover)?;
        let tool = Tool::from_byte(tool).ok_or(ClipError::Handover)?;
        let (millis, rest) = rest.split_first_chunk::<8>().ok_or(ClipError::Handover)?;
        let (digest, rest) = rest.split_first_chunk::<32>().ok_or(ClipError::Handover)?;
        let (&flag, rest) = rest.split_first().ok_or(ClipError::Handover)?;
        let previous = match flag {
            0 if rest.is_empty() => None,
            1 => {
                let (len, rest) = rest.split_first_chunk::<8>().ok_or(ClipError::Handover)?;
                if u64::from_le_bytes(*len) != rest.len() as u64 {
                    return Err(ClipError::Handover);
                }
                Some(Zeroizing::new(rest.to_vec()))
            }
            _ => return Err(ClipError::Handover),
        };
        Ok(Handover {
            tool,
            after: Duration::from_millis(u64::from_le_bytes(*millis)),
            digest: *digest,
            previous,
        })
    }

    /// The most a well-formed hand-over can be, for reading stdin with a limit.
    pub const MAX_LEN: usize = MAGIC.len() + 1 + 8 + 32 + 1 + 8 + MAX_PREVIOUS;
}

/// How the restorer's wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    /// The timeout passed: time to restore.
    TimedOut,
    /// A later copy took the clipboard over, with the previous contents if it was still ours:
    /// its restorer restores them instead.
    HandedOver,
}

/// Waits out the timeout. With `spot` (a socket path in a private directory) a later copy
/// can meanwhile ask this restorer, through [`take_over`], for the contents it would restore:
/// otherwise the later copy would take this value for "what was there before", and its
/// restorer would put it back for good.
pub fn wait(handover: &Handover, spot: Option<&Path>) -> Waited {
    let deadline = Instant::now() + handover.after;
    let listener = spot.and_then(|p| {
        // A restorer that found the path taken was handed over already, or died.
        let _ = std::fs::remove_file(p);
        let l = UnixListener::bind(p).ok()?;
        l.set_nonblocking(true).ok()?;
        Some((l, std::fs::metadata(p).ok()?.ino()))
    });
    let Some((listener, ino)) = listener else {
        std::thread::sleep(handover.after);
        return Waited::TimedOut;
    };
    let ours = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.ino() == ino);
    let spot = spot.unwrap_or(Path::new(""));
    loop {
        if let Ok((conn, _)) = listener.accept()
            && answer(conn, handover, || {
                if ours(spot) {
                    let _ = std::fs::remove_file(spot);
                }
            })
        {
            return Waited::HandedOver;
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(50)));
    }
    if ours(spot) {
        let _ = std::fs::remove_file(spot);
    }
    Waited::TimedOut
}

/// Answers a later copy that sent the digest of what it found on the clipboard: the previous
/// contents when that is this restorer's value, else nothing; either way this restorer's work
/// is over (the clipboard holds the later value, or already held something else), so the
/// socket is removed first, before the answer lets the later copy start its own restorer.
fn answer(mut conn: UnixStream, handover: &Handover, step_down: impl FnOnce()) -> bool {
    let mut found = [0u8; 32];
    let asked = conn.set_nonblocking(false).is_ok()
        && conn.set_read_timeout(Some(Duration::from_secs(2))).is_ok()
        && conn.set_write_timeout(Some(Duration::from_secs(2))).is_ok()
        && conn.read_exact(&mut found).is_ok();
    if !asked {
        return false;
    }
    step_down();
    let mut reply = Zeroizing::new(Vec::new());
    match &handover.previous {
        Some(p) if found == handover.digest => {
            reply.push(1);
            reply.extend_from_slice(&(p.len() as u64).to_le_bytes());
            reply.extend_from_slice(p);
        }
        None if found == handover.digest => reply.push(2),
        _ => reply.push(0),
    }
    let _ = conn.write_all(&reply);
    true
}

/// Asks the restorer waiting at `spot`, if any, whether `found` (what the clipboard holds now)
/// is its value: `Some(previous)` when it is, and that restorer has stepped down, so what
/// was there before it is still what to restore; `None` otherwise.
pub fn take_over(spot: &Path, found: &[u8]) -> Option<Option<Zeroizing<Vec<u8>>>> {
    let mut conn = UnixStream::connect(spot).ok()?;
    conn.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    conn.set_write_timeout(Some(Duration::from_secs(3))).ok()?;
    conn.write_all(&digest(found)).ok()?;
    let mut flag = [0u8; 1];
    conn.read_exact(&mut flag).ok()?;
    match flag[0] {
        1 => {
            let mut len = [0u8; 8];
            conn.read_exact(&mut len).ok()?;
            let len = usize::try_from(u64::from_le_bytes(len)).ok()?;
            if len > MAX_PREVIOUS {
                return None;
            }
            let mut previous = Zeroizing::new(vec![0u8; len]);
            conn.read_exact(&mut previous).ok()?;
            Some(Some(previous))
        }
        2 => Some(None),
        _ => None,
    }
}

/// What the restorer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restored {
    /// The clipboard still held the value: the previous contents are back.
    Previous,
    /// It still held the value and nothing was there before: it is now empty.
    Cleared,
    /// Something else had been copied since: left alone.
    Untouched,
}

/// The restorer's work once the timeout has passed: if the clipboard still holds the value
/// (its digest matches), put the previous contents back, or empty it.
pub fn restore(handover: &Handover) -> Result<Restored, ClipError> {
    let tool = handover.tool;
    let still = tool
        .read()
        .is_some_and(|now| digest(&now) == handover.digest);
    if !still {
        return Ok(Restored::Untouched);
    }
    match handover.previous.as_deref().filter(|p| !p.is_empty()) {
        Some(previous) => tool.copy(previous).map(|()| Restored::Previous),
        None => tool.clear().map(|()| Restored::Cleared),
    }
}

/// Parses a timeout: seconds (`45`) or a duration (`45s`, `2m`, `1500ms`); `0` means the
/// value stays until something else is copied.
pub fn parse_timeout(text: &str) -> Result<Duration, Error> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(text).map_err(|e| Error::UsageHelp {
        message: format!("invalid clipboard timeout '{}': {e}", text.escape_debug()),
        help: "give seconds (45) or a duration (45s, 2m); 0 keeps the value until something else is copied".into(),
    })
}

/// The timeout of a copy: `--timeout` if given, else [`TIMEOUT_VAR`], else
/// [`DEFAULT_TIMEOUT`].
pub fn timeout(flag: Option<&str>) -> Result<Duration, Error> {
    if let Some(text) = flag {
        return parse_timeout(text);
    }
    match std::env::var_os(TIMEOUT_VAR).filter(|v| !v.is_empty()) {
        Some(v) => parse_timeout(&OsStr::to_string_lossy(&v)).map_err(|e| match e {
            Error::UsageHelp { message, help } => Error::UsageHelp {
                message: format!("{message} (from {TIMEOUT_VAR})"),
                help,
            },
            e => e,
        }),
        None => Ok(DEFAULT_TIMEOUT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_prefers_wayland_then_xclip_then_xsel() {
        let env = |vars: &'static [&'static str]| move |n: &str| vars.contains(&n);
        let path = |progs: &'static [&'static str]| move |n: &str| progs.contains(&n);
        let all = &["wl-copy", "wl-paste", "xclip", "xsel"];
        let both = &["WAYLAND_DISPLAY", "DISPLAY"];
        assert_eq!(Tool::detect_with(env(both), path(all)), Ok(Tool::Wayland));
        assert_eq!(
            Tool::detect_with(env(&["DISPLAY"]), path(all)),
            Ok(Tool::Xclip)
        );
        assert_eq!(
            Tool::detect_with(env(both), path(&["xsel"])),
            Ok(Tool::Xsel)
        );
        assert_eq!(
            Tool::detect_with(env(&[]), path(all)),
            Err(ClipError::NoDisplay)
        );
        assert!(matches!(
            Tool::detect_with(env(&["WAYLAND_DISPLAY"]), path(&["xclip"])),
            Err(ClipError::NoTool { .. })
        ));
        assert!(matches!(
            Tool::detect_with(env(&["DISPLAY"]), path(&["wl-copy", "wl-paste"])),
            Err(ClipError::NoTool { .. })
        ));
    }

    #[test]
    fn handover_round_trips_and_rejects_anything_else() {
        let h = Handover {
            tool: Tool::Xsel,
            after: Duration::from_millis(1500),
            digest: digest(b"hunter2"),
            previous: Some(Zeroizing::new(b"before".to_vec())),
        };
        let bytes = h.encode();
        assert_eq!(Handover::decode(&bytes).unwrap(), h);
        assert!(!format!("{h:?}").contains("before"));
        let none = Handover {
            previous: None,
            ..h
        };
        assert_eq!(Handover::decode(&none.encode()).unwrap(), none);
        for cut in 0..bytes.len() {
            assert_eq!(
                Handover::decode(&bytes[..cut]),
                Err(ClipError::Handover),
                "{cut}"
            );
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert_eq!(Handover::decode(&longer), Err(ClipError::Handover));
        assert_eq!(Handover::decode(b"hunter2"), Err(ClipError::Handover));
    }

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("45").unwrap(), Duration::from_secs(45));
        assert_eq!(parse_timeout("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(
            parse_timeout("1500ms").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(parse_timeout("0").unwrap(), Duration::ZERO);
        assert!(parse_timeout("soon").is_err());
        assert!(parse_timeout("-1").is_err());
    }
}
