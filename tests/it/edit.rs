//! `sigil edit`: an editor script as `$EDITOR` changes, keeps or fails the edit; the private
//! file is 0600 in a 0700 directory, the value never reaches argv or the audit log, and the
//! directory is gone after every exit path.

use crate::support::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What the editor script records and does: it writes its argv, the file's path and the
/// modes of the file and its directory into `log`, then follows `log/action`.
const SCRIPT: &str = r#"#!/bin/sh
for a; do f="$a"; done
log="$EDIT_LOG"
printf '%s\n' "$@" > "$log/argv"
printf '%s' "$f" > "$log/path"
stat -c %a "$f" > "$log/file_mode"
stat -c %a "$(dirname "$f")" > "$log/dir_mode"
cp "$f" "$log/seen"
case "$(cat "$log/action")" in
  write) cp "$log/new" "$f" ;;
  fail) exit 1 ;;
  crash) kill -9 $$ ;;
  wait) touch "$log/started"; exec sleep 30 ;;
  save-on-term)
    trap 'cp "$log/new" "$f"; exit 0' TERM
    touch "$log/started"
    while :; do sleep 0.1; done ;;
esac
"#;

struct Edit {
    s: Sandbox,
    log: PathBuf,
    run: PathBuf,
    editor: PathBuf,
}

impl Edit {
    /// A store with `github/me` = `old-value`, and the editor script named `name`.
    fn new(name: &str) -> Edit {
        let s = Sandbox::init();
        s.add("github/me", b"old-value");
        let log = s.root().join("log");
        let run = s.root().join("run");
        let bin = s.root().join("bin");
        for d in [&log, &run, &bin] {
            private_dir(d);
        }
        let editor = bin.join(name);
        fs::write(&editor, SCRIPT).unwrap();
        chmod(&editor, 0o755);
        Edit {
            s,
            log,
            run,
            editor,
        }
    }

    fn action(&self, action: &str, new: &[u8]) {
        fs::write(self.log.join("action"), action).unwrap();
        fs::write(self.log.join("new"), new).unwrap();
    }

    fn std_cmd(&self, addr: &str) -> std::process::Command {
        let mut c = self.s.std_cmd(bin("sigil-edit"));
        c.arg(addr)
            .env("EDITOR", &self.editor)
            .env_remove("VISUAL")
            .env("EDIT_LOG", &self.log)
            .env("XDG_RUNTIME_DIR", &self.run);
        c
    }

    fn cmd(&self, addr: &str) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.std_cmd(addr))
    }

    fn logged(&self, name: &str) -> String {
        fs::read_to_string(self.log.join(name)).unwrap()
    }

    fn audit(&self) -> String {
        fs::read_to_string(self.s.home.join("audit.log")).unwrap_or_default()
    }

    /// Nothing is left in the runtime directory.
    fn assert_clean(&self) {
        let left: Vec<_> = fs::read_dir(&self.run).unwrap().collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }
}

#[test]
fn a_changed_text_is_stored_in_a_private_file_that_is_removed() {
    let e = Edit::new("my-editor");
    e.action("write", b"new-value\n");
    let out = e.cmd("github/me").assert().success().get_output().clone();
    assert_eq!(
        stderr(&out),
        "stored 'github/me/api_key' in the file store\n"
    );
    assert_eq!(e.s.get("github/me"), b"new-value");
    // The editor saw the value and one newline, in a 0600 file in a 0700 directory.
    assert_eq!(fs::read(e.log.join("seen")).unwrap(), b"old-value\n");
    assert_eq!(e.logged("file_mode").trim(), "600");
    assert_eq!(e.logged("dir_mode").trim(), "700");
    let path = PathBuf::from(e.logged("path"));
    assert!(path.starts_with(&e.run), "{path:?}");
    // An unknown editor gets the path and nothing else: never the value.
    assert_eq!(e.logged("argv"), format!("{}\n", path.display()));
    e.assert_clean();
    let audit = e.audit();
    assert!(audit.contains("\"event\":\"edit\""), "{audit}");
    for v in ["old-value", "new-value"] {
        assert!(!audit.contains(v), "{v} in the audit log");
    }
}

#[test]
fn vim_gets_the_settings_that_keep_swap_backup_and_undo_files_away() {
    let e = Edit::new("vim");
    e.action("keep", b"");
    e.cmd("github/me").assert().success();
    let path = e.logged("path");
    assert_eq!(
        e.logged("argv"),
        format!("-n\n-i\nNONE\n+set nobackup nowritebackup noundofile\n{path}\n")
    );
    assert!(!e.logged("argv").contains("old-value"));
}

#[test]
fn an_unchanged_text_writes_nothing() {
    let e = Edit::new("my-editor");
    e.action("keep", b"");
    let stored = e.s.secret_file("github/me/api_key");
    let before = fs::read(&stored).unwrap();
    let audit_before = e.audit();
    let out = e.cmd("github/me").assert().success().get_output().clone();
    assert_eq!(stderr(&out), "'github/me/api_key' unchanged\n");
    assert_eq!(fs::read(&stored).unwrap(), before);
    assert!(!e.audit()[audit_before.len()..].contains("\"event\":\"edit\""));
    e.assert_clean();
}

#[test]
fn a_failing_or_crashing_editor_stores_nothing_and_leaves_nothing() {
    for action in ["fail", "crash"] {
        let e = Edit::new("my-editor");
        e.action(action, b"");
        let out = e.cmd("github/me").assert().code(1).get_output().clone();
        assert!(
            stderr(&out).contains("failed"),
            "{action}: {}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("old-value"));
        assert_eq!(e.s.get("github/me"), b"old-value", "{action}");
        e.assert_clean();
    }
}

#[test]
fn an_empty_text_is_refused() {
    let e = Edit::new("my-editor");
    e.action("write", b"\n");
    let out = e.cmd("github/me").assert().code(1).get_output().clone();
    assert!(stderr(&out).contains("empty"), "{}", stderr(&out));
    assert_eq!(e.s.get("github/me"), b"old-value");
    e.assert_clean();
}

#[test]
fn an_unknown_address_exits_3_before_any_editor() {
    let e = Edit::new("my-editor");
    e.action("write", b"x\n");
    e.cmd("github/nobody").assert().code(3);
    assert!(!e.log.join("argv").exists());
    e.assert_clean();
}

/// Starts an edit whose editor script follows `action`, waits for the script to start, then
/// sends `signal` to sigil, or to its whole process group (as a terminal's Ctrl-C does).
fn signal_while_editing(
    e: &Edit,
    action: &str,
    signal: &str,
    group: bool,
) -> std::process::ExitStatus {
    use std::os::unix::process::CommandExt;
    e.action(action, b"changed\n");
    let mut c = e.std_cmd("github/me");
    c.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0);
    let mut child = c.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !e.log.join("started").exists() {
        assert!(Instant::now() < deadline, "the editor never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let target = if group {
        format!("-{}", child.id())
    } else {
        child.id().to_string()
    };
    let killed = std::process::Command::new("kill")
        .args(["-s", signal, "--", &target])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait().unwrap()
}

#[test]
fn sigterm_to_sigil_ends_the_editor_and_removes_the_file() {
    let e = Edit::new("my-editor");
    let status = signal_while_editing(&e, "wait", "TERM", false);
    assert_eq!(status.code(), Some(1));
    assert_eq!(e.s.get("github/me"), b"old-value");
    e.assert_clean();
}

#[test]
fn an_editor_that_saves_and_exits_0_on_sigterm_still_stores_nothing() {
    let e = Edit::new("my-editor");
    let status = signal_while_editing(&e, "save-on-term", "TERM", false);
    assert_eq!(status.code(), Some(1));
    assert_eq!(e.s.get("github/me"), b"old-value");
    e.assert_clean();
}

#[test]
fn ctrl_c_removes_the_file() {
    let e = Edit::new("my-editor");
    let status = signal_while_editing(&e, "wait", "INT", true);
    assert_eq!(status.code(), Some(1));
    assert_eq!(e.s.get("github/me"), b"old-value");
    e.assert_clean();
}

#[test]
fn without_a_runtime_directory_the_file_is_still_private_and_removed() {
    let e = Edit::new("my-editor");
    e.action("keep", b"");
    let mut c = e.cmd("github/me");
    c.env_remove("XDG_RUNTIME_DIR");
    c.assert().success();
    let path = PathBuf::from(e.logged("path"));
    let dir = path.parent().unwrap();
    assert!(!dir.exists(), "{dir:?} left behind");
    let base = dir.parent().unwrap();
    if Path::new("/dev/shm").is_dir() {
        assert_eq!(base, Path::new("/dev/shm"));
    }
    assert_eq!(e.logged("dir_mode").trim(), "700");
}

#[test]
fn a_policy_without_get_refuses_before_any_editor() {
    let e = Edit::new("my-editor");
    e.action("write", b"x\n");
    e.s.cmd("sigil-policy")
        .args(["set", "github/me", "--allow", "run"])
        .assert()
        .success();
    e.cmd("github/me").assert().code(5);
    assert!(!e.log.join("argv").exists());
    // Read back through the use the policy allows: the value is as it was.
    let out =
        e.s.cmd("sigil-run")
            .args(["--no-mask", "--", "sh", "-c", "printf %s \"$V\""])
            .env("V", "auth://github/me")
            .assert()
            .success()
            .get_output()
            .clone();
    assert_eq!(out.stdout, b"old-value");
    e.assert_clean();
}
