//! A pseudo-terminal for a child (`sigil run` on a terminal): opening one with the user's
//! modes and window size, raw mode for the user's terminal restored on every way out, and the
//! relay of the user's input to the child and of its output, masked, back.
//!
//! sigil forbids `unsafe`, so the child cannot be made a session leader between fork and exec
//! (`pre_exec`); [`session_exec`] does it instead in a process of its own that then becomes
//! the command (the caller starts the sigil executable under [`SESSION_EXEC`] for that).

use crate::ops::mask::Masker;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::termios::{self, OptionalActions, Termios, Winsize};
use std::ffi::OsString;
use std::io::{self, Write};
use std::sync::Mutex;

/// The name (argv\[0\]) under which the sigil executable makes itself a session leader on
/// the terminal that is its standard output, then runs the command in its arguments.
pub const SESSION_EXEC: &str = "sigil-session-exec";

/// A pseudo-terminal: the master end sigil keeps, the slave end the child gets.
pub struct Pty {
    pub master: OwnedFd,
    pub slave: OwnedFd,
}

impl Pty {
    /// A new pseudo-terminal with these modes (the user's terminal's, so that the erase key
    /// and the like stay as they are) and window size. Both ends are close-on-exec; the
    /// master is non-blocking (see [`relay`]).
    pub fn open(modes: Option<&Termios>, size: Option<Winsize>) -> io::Result<Pty> {
        use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)?;
        grantpt(&master)?;
        unlockpt(&master)?;
        let name = ptsname(&master, Vec::new())?;
        let slave = rustix::fs::open(
            name.as_c_str(),
            rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NOCTTY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )?;
        if let Some(modes) = modes {
            termios::tcsetattr(&slave, OptionalActions::Now, modes)?;
        }
        if let Some(size) = size {
            termios::tcsetwinsize(&slave, size)?;
        }
        rustix::io::ioctl_fionbio(&master, true)?;
        Ok(Pty { master, slave })
    }
}

/// The window size of a terminal, when `fd` is one.
pub fn window_size(fd: impl AsFd) -> Option<Winsize> {
    termios::tcgetwinsize(fd)
        .ok()
        .filter(|w| w.ws_row > 0 && w.ws_col > 0)
}

/// The modes to put back on the user's terminal: kept here as well as in [`RawMode`], so that
/// the panic hook (a release build aborts on a panic, and no destructor runs) finds them.
static SAVED: Mutex<Option<(OwnedFd, Termios)>> = Mutex::new(None);

fn restore_saved() {
    let saved = SAVED.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some((fd, modes)) = saved {
        let _ = termios::tcsetattr(&fd, OptionalActions::Now, &modes);
    }
}

/// The user's terminal in raw mode (no echo, no line editing, no signals from keys: every key
/// goes to the child's terminal, which does all that itself) until dropped, when its modes
/// are put back; also on a panic, by a hook installed for the while.
pub struct RawMode {
    _private: (),
}

impl RawMode {
    /// Puts the terminal `fd` into raw mode; returns its modes as they were, and the guard.
    pub fn enter(fd: BorrowedFd<'_>) -> io::Result<(Termios, RawMode)> {
        let before = termios::tcgetattr(fd)?;
        let mut raw = before.clone();
        raw.make_raw();
        // The original modes are saved before they change, so nothing can leave them raw.
        *SAVED.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((fd.try_clone_to_owned()?, before.clone()));
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore_saved();
                previous(info);
            }));
        });
        if let Err(e) = termios::tcsetattr(fd, OptionalActions::Now, &raw) {
            restore_saved();
            return Err(e.into());
        }
        Ok((before, RawMode { _private: () }))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        restore_saved();
    }
}

/// How the relay learns what happens outside it: `fd` becomes readable when a signal
/// arrived that it cares about (SIGCHLD, SIGWINCH); `check` says whether the child has ended,
/// and, told that a signal came (`true`), does what else it asks (copying a new window size).
pub struct Wake<'a> {
    pub fd: BorrowedFd<'a>,
    pub check: &'a mut dyn FnMut(bool) -> bool,
}

/// How long the relay keeps reading after the child ended, while output still comes (from
/// the pty's buffer, or a process the child left behind on the terminal).
const DRAIN_QUIET: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 100_000_000,
};

/// The longest the relay reads after the child ended.
const DRAIN_MAX: std::time::Duration = std::time::Duration::from_secs(1);

/// Relays until the child ends (or closes the terminal): `input` (the user's terminal, or
/// what stands for it) to the pty, and what the pty shows through `masker` to `out`.
///
/// Memory stays bounded whatever the child does: one read of output is written out, whole,
/// before the next is read, so a child that floods a slow terminal waits for it; at most one
/// read of input waits for a child that does not read it. sigil writes nothing to the pty
/// but the bytes read from `input`. When `input` is not a terminal, its end becomes the
/// terminal's end-of-file character (`eof`).
pub fn relay(
    master: &OwnedFd,
    input: Option<BorrowedFd<'_>>,
    eof: Option<u8>,
    out: &mut dyn Write,
    masker: &mut Masker,
    wake: Wake<'_>,
) -> io::Result<()> {
    let mut buf = vec![0u8; 8192];
    let mut pending: Vec<u8> = Vec::new();
    let mut input = input;
    let Wake { fd: wake_fd, check } = wake;
    let mut child_ended = false;
    loop {
        if child_ended {
            break;
        }
        let mut master_events = PollFlags::IN;
        if !pending.is_empty() {
            master_events |= PollFlags::OUT;
        }
        let mut fds = vec![
            PollFd::new(master, master_events),
            PollFd::from_borrowed_fd(wake_fd, PollFlags::IN),
        ];
        let reading_input = input.filter(|_| pending.is_empty());
        if let Some(i) = reading_input {
            fds.push(PollFd::from_borrowed_fd(i, PollFlags::IN));
        }
        let timeout = Timespec {
            tv_sec: 1,
            tv_nsec: 0,
        };
        match poll(&mut fds, Some(&timeout)) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
        let (m, w) = (fds[0].revents(), fds[1].revents());
        let i = fds.get(2).map(PollFd::revents);
        drop(fds);
        if !w.is_empty() {
            drain_wake(wake_fd);
        }
        // Checked on every turn (also after the timeout), not only on a wake: the wake is a
        // courtesy of the signal handler, the child's status is the truth.
        child_ended = check(!w.is_empty());
        if m.intersects(PollFlags::IN | PollFlags::HUP | PollFlags::ERR) {
            match read_master(master, &mut buf) {
                Some(Ok(n)) => show(out, masker.feed(&buf[..n]))?,
                Some(Err(())) => break,
                None => {}
            }
        }
        if m.contains(PollFlags::OUT) && !pending.is_empty() {
            match rustix::io::write(master, &pending) {
                Ok(n) => {
                    pending.drain(..n);
                }
                Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INTR) => {}
                // The terminal went away; what the child left of it is read above.
                Err(_) => pending.clear(),
            }
        }
        if let (Some(fd), Some(revents)) = (reading_input, i)
            && !revents.is_empty()
        {
            match rustix::io::read(fd, &mut buf) {
                Ok(n) if n > 0 => pending.extend_from_slice(&buf[..n]),
                Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INTR) => {}
                // The end of the input: the child is told so as a terminal tells it.
                Ok(_) => {
                    input = None;
                    pending.extend(eof);
                }
                Err(_) => input = None,
            }
        }
    }
    // What the child wrote before it ended may still be on its way through the pty; a process
    // it left behind writing to the terminal is not waited for long.
    let until = std::time::Instant::now() + DRAIN_MAX;
    while std::time::Instant::now() < until {
        let mut fds = [PollFd::new(master, PollFlags::IN)];
        match poll(&mut fds, Some(&DRAIN_QUIET)) {
            Ok(0) => break,
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => break,
        }
        match read_master(master, &mut buf) {
            Some(Ok(n)) => show(out, masker.feed(&buf[..n]))?,
            Some(Err(())) => break,
            None => {}
        }
    }
    show(out, masker.finish())
}

/// One read of the pty's output: `Some(Ok(n))` for bytes, `Some(Err(()))` when no process
/// holds the terminal any more (Linux reports EIO), `None` when there is nothing yet.
fn read_master(master: &OwnedFd, buf: &mut [u8]) -> Option<Result<usize, ()>> {
    match rustix::io::read(master, buf) {
        Ok(0) => Some(Err(())),
        Ok(n) => Some(Ok(n)),
        Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INTR) => None,
        Err(_) => Some(Err(())),
    }
}

fn show(out: &mut dyn Write, bytes: Vec<u8>) -> io::Result<()> {
    out.write_all(&bytes)?;
    out.flush()
}

fn drain_wake(fd: BorrowedFd<'_>) {
    let mut sink = [0u8; 64];
    while let Ok(n) = rustix::io::read(fd, &mut sink) {
        if n < sink.len() {
            break;
        }
    }
}

/// The session side, run in a process of its own that the child's terminal is the standard
/// output of: makes it a session leader with that terminal as its controlling terminal (so
/// that `/dev/tty`, job control and a hangup work as on any terminal), then replaces it with
/// `program` (a path), started as `argv0` with `args`. Returns only on failure.
pub fn session_exec(program: OsString, argv0: OsString, args: Vec<OsString>) -> io::Error {
    use std::os::unix::process::CommandExt;
    if let Err(e) = rustix::process::setsid() {
        return e.into();
    }
    if let Err(e) = rustix::process::ioctl_tiocsctty(std::io::stdout()) {
        return e.into();
    }
    std::process::Command::new(program)
        .arg0(argv0)
        .args(args)
        .exec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixStream;
    use std::process::{Command, Stdio};

    #[test]
    fn raw_mode_is_undone_when_dropped_and_on_a_panic() {
        let pty = Pty::open(None, None).unwrap();
        let before = termios::tcgetattr(&pty.slave).unwrap();
        let lflags = |fd: &OwnedFd| termios::tcgetattr(fd).unwrap().local_modes;
        let (saved, raw) = RawMode::enter(pty.slave.as_fd()).unwrap();
        assert_eq!(saved.local_modes, before.local_modes);
        assert!(!lflags(&pty.slave).contains(termios::LocalModes::ECHO));
        drop(raw);
        assert_eq!(lflags(&pty.slave), before.local_modes);
        // A release build aborts on a panic, and no destructor runs: the hook puts the
        // modes back before that.
        let (_, raw) = RawMode::enter(pty.slave.as_fd()).unwrap();
        std::mem::forget(raw);
        assert!(!lflags(&pty.slave).contains(termios::LocalModes::ICANON));
        let panicked = std::panic::catch_unwind(|| panic!("on purpose"));
        assert!(panicked.is_err());
        assert_eq!(lflags(&pty.slave), before.local_modes);
    }

    /// Runs `script` on a new pty through [`relay`]; what the terminal showed.
    fn relayed(secrets: &[&[u8]], script: &str) -> Vec<u8> {
        let pty = Pty::open(None, None).unwrap();
        let slave = || Stdio::from(pty.slave.try_clone().unwrap());
        let mut child = Command::new("sh")
            .args(["-c", script])
            .stdin(slave())
            .stdout(slave())
            .stderr(slave())
            .spawn()
            .unwrap();
        let Pty { master, slave } = pty;
        drop(slave);
        let (rx, _tx) = UnixStream::pair().unwrap();
        rx.set_nonblocking(true).unwrap();
        let mut masker = Masker::for_terminal(secrets.iter().map(|s| s.to_vec()));
        let mut out = Vec::new();
        let mut check = |_| matches!(child.try_wait(), Ok(Some(_)));
        relay(
            &master,
            None,
            None,
            &mut out,
            &mut masker,
            Wake {
                fd: rx.as_fd(),
                check: &mut check,
            },
        )
        .unwrap();
        out
    }

    #[test]
    fn the_relay_masks_values_split_across_writes_and_lines() {
        let out = relayed(
            &[b"hunter22", b"first\nsecond"],
            "printf 'pw=hun'; sleep 0.2; printf 'ter22\\n'; printf 'first\\nsecond\\n'",
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "pw=<concealed by sigil>\r\n<concealed by sigil>\r\n"
        );
    }

    #[test]
    fn the_relay_shows_all_of_the_output_of_a_command_that_ends_at_once() {
        let out = relayed(&[], "head -c 300000 /dev/zero | tr '\\0' x");
        assert_eq!(out.len(), 300000);
    }
}
