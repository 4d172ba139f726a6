//! `sigil clip` and `--clip` on `get`, `otp` and `generate`, on an Xvfb server of the test's
//! own (a free display number, Unix socket only) read back with the real `xclip -o`: the
//! value on the clipboard, the previous contents back after the timeout unless something
//! else was copied meanwhile, the restorer gone afterwards, the value in no process's
//! arguments, no output, no audit entry and no file; and the error on a machine without a
//! clipboard. Wayland (wl-copy) is not tested here: no headless compositor is at hand.

use crate::support::*;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command as Std, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// One clipboard test at a time: each finds "the" restorer by its arguments.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// An Xvfb server on a display number it picks itself (`-displayfd`), killed when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        need("Xvfb");
        need("xclip");
        let mut child = Std::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "320x240x24",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let n: u32 = line.trim().parse().expect("Xvfb did not say its display");
        Xvfb {
            child,
            display: format!(":{n}"),
        }
    }

    fn xclip(&self, args: &[&str]) -> Std {
        let mut c = Std::new("xclip");
        c.env("DISPLAY", &self.display)
            .args(["-selection", "clipboard"])
            .args(args);
        c
    }

    /// What the clipboard holds, as `xclip -o` reads it; `None` when nothing owns it.
    fn paste(&self) -> Option<Vec<u8>> {
        let out = self.xclip(&["-o"]).stdin(Stdio::null()).output().unwrap();
        out.status.success().then_some(out.stdout)
    }

    /// Copies `text` as a user would, with `xclip -i` (its server forks and keeps running).
    fn copy(&self, text: &[u8]) {
        let mut c = self
            .xclip(&["-i"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(text).unwrap();
        assert!(c.wait().unwrap().success());
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A value found nowhere else on the machine.
fn unique_secret() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("clip-{}-{nanos}-s3cr3t", std::process::id())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every process's arguments (`/proc/*/cmdline`), by pid.
fn all_cmdlines() -> Vec<(u32, Vec<u8>)> {
    fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            Some((pid, fs::read(e.path().join("cmdline")).ok()?))
        })
        .collect()
}

/// The restorers running now (`sigil-clip --restore`), by pid.
fn restorers() -> Vec<u32> {
    all_cmdlines()
        .into_iter()
        .filter(|(_, c)| c.as_slice() == b"sigil-clip\0--restore\0")
        .map(|(pid, _)| pid)
        .collect()
}

/// Waits for the restorer the last copy started to run and then to exit (or fails after
/// `limit`): the process it started shows its own arguments only once it has exec'd.
fn wait_for_no_restorer(limit: Duration) {
    let deadline = Instant::now() + limit;
    while restorers().is_empty() {
        assert!(Instant::now() < deadline, "no restorer started");
        std::thread::sleep(Duration::from_millis(10));
    }
    while !restorers().is_empty() {
        assert!(
            Instant::now() < deadline,
            "a restorer is still running: {:?}",
            restorers()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The files under `dir` (recursively, not following links) changed since `since`, with
/// `secret` in them.
fn files_with(dir: &Path, secret: &[u8], since: SystemTime, depth: u32) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let Ok(meta) = fs::symlink_metadata(e.path()) else {
            continue;
        };
        if meta.is_dir() && depth > 0 {
            found.extend(files_with(&e.path(), secret, since, depth - 1));
        } else if meta.is_file()
            && meta.len() < (1 << 20)
            && meta.modified().is_ok_and(|m| m >= since)
            && fs::read(e.path()).is_ok_and(|b| contains(&b, secret))
        {
            found.push(e.path().display().to_string());
        }
    }
    found
}

/// `bin` on the display `x`, with a private runtime directory (where restorers wait for a
/// later copy to ask them).
fn with_display(s: &Sandbox, x: &Xvfb, bin: &str) -> assert_cmd::Command {
    let run = s.root().join("run");
    if !run.exists() {
        private_dir(&run);
    }
    let mut c = s.cmd(bin);
    c.env("DISPLAY", &x.display)
        .env("XDG_RUNTIME_DIR", &run)
        .timeout(Duration::from_secs(30));
    c
}

#[test]
fn clip_copies_then_restores_the_previous_contents_and_leaves_nothing() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let since = SystemTime::now() - Duration::from_secs(1);
    let x = Xvfb::start();
    let s = Sandbox::init();
    let secret = unique_secret();
    s.add("svc/me", secret.as_bytes());
    x.copy(b"what the user had");
    let out = with_display(&s, &x, "sigil-clip")
        .args(["svc/me", "--timeout", "3s"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        err,
        "copied 'svc/me/api_key' to the clipboard; clears in 3s\n"
    );
    assert_eq!(x.paste().as_deref(), Some(secret.as_bytes()));
    // While the restorer waits: it runs, in a session of its own, and no process has the
    // value in its arguments.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut waiting = restorers();
    while waiting.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        waiting = restorers();
    }
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    // It leaves the session as its first step, which may not have come yet.
    let session = |pid: u32| {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let fields: Vec<String> = stat
            .rsplit_once(") ")
            .unwrap()
            .1
            .split(' ')
            .map(str::to_owned)
            .collect();
        fields[3].clone()
    };
    while session(waiting[0]) != waiting[0].to_string() {
        assert!(
            Instant::now() < deadline,
            "not a session leader: {}",
            session(waiting[0])
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let leaks: Vec<u32> = all_cmdlines()
        .into_iter()
        .filter(|(_, c)| contains(c, secret.as_bytes()))
        .map(|(pid, _)| pid)
        .collect();
    assert!(
        leaks.is_empty(),
        "the value is in the arguments of {leaks:?}"
    );
    wait_for_no_restorer(Duration::from_secs(15));
    assert_eq!(x.paste().as_deref(), Some(&b"what the user had"[..]));
    let audit = fs::read_to_string(s.home.join("audit.log")).unwrap();
    assert!(audit.contains("\"event\":\"clip\""), "{audit}");
    assert!(!audit.contains(&secret));
    let mut files = files_with(s.root(), secret.as_bytes(), since, 8);
    files.extend(files_with(
        &std::env::temp_dir(),
        secret.as_bytes(),
        since,
        2,
    ));
    files.extend(files_with(
        Path::new("/dev/shm"),
        secret.as_bytes(),
        since,
        2,
    ));
    assert!(files.is_empty(), "the value is in {files:?}");
}

#[test]
fn clip_leaves_alone_what_the_user_copied_meanwhile_and_clears_an_empty_clipboard() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let x = Xvfb::start();
    let s = Sandbox::init();
    let secret = unique_secret();
    s.add("svc/me", secret.as_bytes());
    x.copy(b"before");
    with_display(&s, &x, "sigil-clip")
        .args(["svc/me", "-t", "2"])
        .assert()
        .success();
    assert_eq!(x.paste().as_deref(), Some(secret.as_bytes()));
    x.copy(b"copied meanwhile");
    wait_for_no_restorer(Duration::from_secs(15));
    assert_eq!(x.paste().as_deref(), Some(&b"copied meanwhile"[..]));

    // Nothing on the clipboard before: afterwards it holds nothing of the value.
    let empty = Xvfb::start();
    assert_eq!(empty.paste(), None);
    with_display(&s, &empty, "sigil-clip")
        .args(["svc/me", "--timeout", "1500ms"])
        .assert()
        .success();
    assert_eq!(empty.paste().as_deref(), Some(secret.as_bytes()));
    wait_for_no_restorer(Duration::from_secs(15));
    assert_eq!(empty.paste().unwrap_or_default(), b"");
}

/// A copy over one whose restorer still waits: the earlier restorer steps down and hands
/// over what was there first, which comes back at the end, not the earlier value.
#[test]
fn a_copy_over_a_waiting_copy_restores_what_was_there_first() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let x = Xvfb::start();
    let s = Sandbox::init();
    let first = unique_secret();
    s.add("svc/one", first.as_bytes());
    s.add("svc/two", b"the second value");
    x.copy(b"what the user had");
    with_display(&s, &x, "sigil-clip")
        .args(["svc/one", "--timeout", "20s"])
        .assert()
        .success();
    let deadline = Instant::now() + Duration::from_secs(5);
    while restorers().is_empty() {
        assert!(Instant::now() < deadline, "no restorer started");
        std::thread::sleep(Duration::from_millis(10));
    }
    let earlier = restorers();
    // Once bound, the first restorer answers; give it the moment it needs to listen.
    let sock = s
        .root()
        .join("run")
        .join(format!("sigil-clip-{}.sock", x.display.replace(':', "_")));
    while !sock.exists() {
        assert!(
            Instant::now() < deadline,
            "the restorer does not listen at {sock:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    with_display(&s, &x, "sigil-clip")
        .args(["svc/two", "--timeout", "2s"])
        .assert()
        .success();
    assert_eq!(x.paste().as_deref(), Some(&b"the second value"[..]));
    // The first restorer is gone at once: it stepped down.
    let deadline = Instant::now() + Duration::from_secs(5);
    while restorers().iter().any(|p| earlier.contains(p)) {
        assert!(Instant::now() < deadline, "the first restorer still waits");
        std::thread::sleep(Duration::from_millis(10));
    }
    wait_for_no_restorer(Duration::from_secs(15));
    assert_eq!(x.paste().as_deref(), Some(&b"what the user had"[..]));
    assert!(!sock.exists());
}

#[test]
fn get_otp_and_generate_clip_under_the_policy_and_audit_of_clip() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let x = Xvfb::start();
    let s = Sandbox::init();
    let secret = unique_secret();
    s.add("svc/me", secret.as_bytes());
    x.copy(b"before");
    let out = with_display(&s, &x, "sigil-get")
        .args(["svc/me", "--clip", "--timeout", "2s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(x.paste().as_deref(), Some(secret.as_bytes()));
    wait_for_no_restorer(Duration::from_secs(15));
    assert_eq!(x.paste().as_deref(), Some(&b"before"[..]));

    // A policy that allows only `get` refuses the clipboard (exit 5), and nothing is copied.
    s.cmd("sigil-policy")
        .args(["set", "svc/me", "--allow", "get"])
        .assert()
        .success();
    for bin in ["sigil-clip", "sigil-get"] {
        let mut c = with_display(&s, &x, bin);
        if bin == "sigil-get" {
            c.arg("--clip");
        }
        let out = c.arg("svc/me").output().unwrap();
        assert_eq!(out.status.code(), Some(5), "{bin}: {}", stderr(&out));
        assert!(!stderr(&out).contains(&secret));
        assert_eq!(x.paste().as_deref(), Some(&b"before"[..]));
    }
    assert!(restorers().is_empty());
    let audit = fs::read_to_string(s.home.join("audit.log")).unwrap();
    assert_eq!(audit.matches("\"event\":\"clip\"").count(), 3, "{audit}");
    assert_eq!(
        audit.matches("\"outcome\":\"refused\"").count(),
        2,
        "{audit}"
    );

    // The TOTP code, as `pass otp -c`.
    s.cmd("sigil-add")
        .args(["github/me", "--totp"])
        .write_stdin("gezd gnbv gy3t qojq gezd gnbv gy3t qojq\n")
        .assert()
        .success();
    let out = with_display(&s, &x, "sigil-otp")
        .args(["github/me", "--clip", "--timeout", "0"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr(&out),
        "copied 'github/me/totp' to the clipboard; it stays there until something else is copied (--timeout 0)\n"
    );
    let code = x.paste().unwrap();
    assert!(
        code.len() == 6 && code.iter().all(u8::is_ascii_digit),
        "{code:?}"
    );
    // --timeout 0 starts no restorer.
    assert!(restorers().is_empty());

    // A generated password: on the clipboard, and what is stored.
    let out = with_display(&s, &x, "sigil-generate")
        .args(["shop/me", "--clip", "--timeout", "2s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let pasted = x.paste().unwrap();
    assert_eq!(pasted.len(), 24);
    assert_eq!(s.get("shop/me"), pasted);
    assert!(!stderr(&out).contains(&String::from_utf8_lossy(&pasted).into_owned()));
    wait_for_no_restorer(Duration::from_secs(15));
    assert_eq!(x.paste().as_deref(), Some(code.as_slice()));
}

#[test]
fn no_clipboard_is_a_clear_error_before_anything_is_read() {
    let s = Sandbox::init();
    s.add("svc/me", b"hunter2");
    // The sandbox has neither DISPLAY nor WAYLAND_DISPLAY.
    let out = s.cmd("sigil-clip").arg("svc/me").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(stderr(&out), @r"
    sigil-clip: error: there is no clipboard: neither WAYLAND_DISPLAY nor DISPLAY is set
    help: copying needs a graphical session (X11 or Wayland); `sigil get ADDRESS` prints the value instead
    ");
    // A display, but no tool on PATH.
    let out = s
        .cmd("sigil-get")
        .args(["svc/me", "--clip"])
        .env("DISPLAY", ":999")
        .env("PATH", s.root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(stderr(&out), @r"
    sigil-get: error: no clipboard tool found for X11 (DISPLAY): neither xclip nor xsel is on PATH
    help: install wl-clipboard (Wayland), or xclip or xsel (X11): e.g. `apt install wl-clipboard xclip`
    ");
    // Nothing was read, so nothing was counted or audited.
    let audit = fs::read_to_string(s.home.join("audit.log")).unwrap_or_default();
    assert!(!audit.contains("\"event\":\"clip\""), "{audit}");
    // A bad timeout is bad usage.
    let out = s
        .cmd("sigil-clip")
        .args(["svc/me", "--timeout", "soon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn the_restorer_refuses_what_sigil_did_not_hand_over() {
    // It shows as a restorer while it runs.
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let s = Sandbox::new();
    let out = s
        .cmd("sigil-clip")
        .arg("--restore")
        .write_stdin("hunter2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("the clipboard restorer's input is malformed"));
    assert!(!stderr(&out).contains("hunter2"));
}
