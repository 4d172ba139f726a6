//! Faults: commands on a store that fills up (a real 600 KB tmpfs, mounted when the tests run
//! as root, as CI does) either do everything they say or nothing, and say which.

use crate::support::{Sandbox, stderr};
use std::path::{Path, PathBuf};

use std::process::Command;

/// A small tmpfs, unmounted when dropped.
struct SmallDisk(PathBuf);

impl SmallDisk {
    /// Mounts it on `dir`; `None` when this process may not mount (not root): the case is
    /// then not run here, and `cargo xtask test` in CI (root) runs it.
    fn mount(dir: &Path, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| SmallDisk(dir.to_owned()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Whether `addr` is readable and what it holds, and whether accounts.toml records it.
fn state(s: &Sandbox, addr: &str) -> (Option<Vec<u8>>, bool) {
    let out = s.cmd("sigil-get").args(["-n", addr]).output().unwrap();
    let value = out.status.success().then_some(out.stdout);
    let account = addr.rsplit_once('/').map_or(addr, |(a, _)| a);
    let toml = std::fs::read_to_string(s.home.join("accounts.toml")).unwrap_or_default();
    (value, toml.contains(&format!("[accounts.\"{account}\"]")))
}

/// Fills the store's disk with accounts until adds fail, then keeps trying adds, forced
/// overwrites and removals: after every command that fails, the secret and its metadata are
/// as they were before it, and after every one that succeeds, as it said.
#[test]
fn on_a_full_disk_add_and_rm_change_everything_or_nothing() {
    let s = Sandbox::new();
    // Declared after the sandbox, so unmounted before its directory is removed.
    let Some(_disk) = SmallDisk::mount(&s.home, "600k") else {
        eprintln!("skipped: mounting a tmpfs needs root (CI runs it)");
        return;
    };
    s.cmd("sigil-init").assert().success();
    s.add("keep/me", b"old-value");
    let mut failures = 0;
    let mut i = 0;
    while failures < 12 && i < 2000 {
        i += 1;
        let addr = format!("fill/u{i}/api_key");
        let out = s
            .cmd("sigil-add")
            .arg(&addr)
            .write_stdin(format!("value-{i}"))
            .output()
            .unwrap();
        let (value, recorded) = state(&s, &addr);
        if out.status.success() {
            assert_eq!(
                value.as_deref(),
                Some(format!("value-{i}").as_bytes()),
                "{addr}"
            );
            assert!(recorded, "{addr} stored but not recorded");
            continue;
        }
        failures += 1;
        assert!(
            stderr(&out).contains("No space left on device"),
            "{}",
            stderr(&out)
        );
        assert_eq!(value, None, "a failed add of {addr} left it readable");
        assert!(!recorded, "a failed add of {addr} left it recorded");
        // A forced overwrite and a removal on the same full disk.
        let out = s
            .cmd("sigil-add")
            .args(["keep/me", "--force"])
            .write_stdin("new-value")
            .output()
            .unwrap();
        let (value, recorded) = state(&s, "keep/me/api_key");
        let expected: &[u8] = if out.status.success() {
            b"new-value"
        } else {
            b"old-value"
        };
        assert_eq!(value.as_deref(), Some(expected), "{}", stderr(&out));
        assert!(recorded);
        let victim = format!("fill/u{}/api_key", i / 2 + 1);
        let before = state(&s, &victim);
        let out = s
            .cmd("sigil-rm")
            .args([victim.as_str(), "--yes"])
            .output()
            .unwrap();
        let after = state(&s, &victim);
        if out.status.success() {
            assert_eq!(after, (None, false), "{victim}");
        } else {
            assert_eq!(after, before, "a failed rm of {victim}: {}", stderr(&out));
        }
    }
    assert!(failures > 0, "the disk never filled up ({i} adds)");
    // No kept copies or temporary files are left behind.
    let out = s.cmd("sigil-status").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("orphan") && !text.contains(".tmp-"),
        "{text}"
    );
}

/// Audit entries that cannot be written (a full disk) are not lost silently: each command
/// warns, and the next entry that can be written says how many were lost and when, which
/// `sigil audit verify` reports as a gap.
#[test]
fn audit_entries_lost_to_a_full_disk_are_recorded_by_the_next_one() {
    let s = Sandbox::new();
    let Some(_disk) = SmallDisk::mount(&s.home, "400k") else {
        eprintln!("skipped: mounting a tmpfs needs root (CI runs it)");
        return;
    };
    s.cmd("sigil-init").assert().success();
    s.add("svc/me", b"value");
    // Fill what is left; the log's last page may still take a few entries.
    let filler = s.home.join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 1 << 20]);
    let mut warned = 0;
    for _ in 0..40 {
        let out = s.cmd("sigil-get").args(["-n", "svc/me"]).output().unwrap();
        assert_eq!(out.stdout, b"value", "{}", stderr(&out));
        if stderr(&out).contains("warning: cannot write the audit log") {
            warned += 1;
        }
    }
    assert!(warned > 0, "the log never filled up");
    std::fs::remove_file(&filler).unwrap();
    s.cmd("sigil-get").args(["-n", "svc/me"]).assert().success();
    let out = s.cmd("sigil-audit").arg("verify").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}", stderr(&out));
    let entries = if warned == 1 { "entry" } else { "entries" };
    assert!(
        text.contains(&format!(
            "note: {warned} {entries} could not be written (get"
        )),
        "{text}"
    );
    let markers = std::fs::read_dir(&s.home)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".audit-lost-"))
        .count();
    assert_eq!(markers, 0);
}

/// Sets `audit = "required"` in the sandbox's config.toml.
fn require_audit(s: &Sandbox) {
    let config = s.home.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap_or_default();
    std::fs::write(&config, format!("audit = \"required\"\n{text}")).unwrap();
}

/// The keyed audit log, and how many entries it holds.
fn entries(s: &Sandbox) -> usize {
    std::fs::read_to_string(s.home.join("audit.log"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// With `audit = "required"`, a log that cannot be written (here: a directory where the
/// file should be, which no permission bit or root can write into) stops every command
/// before it hands a secret out or changes anything; with the default setting the same
/// commands go on with a warning.
#[test]
fn with_audit_required_nothing_is_handed_out_or_changed_without_its_entry() {
    let s = Sandbox::init();
    s.add("svc/me", b"old-value");
    s.add("other/me", b"other-value");
    let log = s.home.join("audit.log");
    std::fs::remove_file(&log).unwrap();
    std::fs::create_dir(&log).unwrap();

    // The default: a warning, and the work goes on.
    let out = s.cmd("sigil-get").args(["-n", "svc/me"]).output().unwrap();
    assert_eq!(out.stdout, b"old-value");
    assert!(stderr(&out).contains("warning: cannot write the audit log"));

    require_audit(&s);
    let refused = |out: std::process::Output| {
        assert!(!out.status.success(), "{}", stderr(&out));
        assert!(out.stdout.is_empty(), "{:?}", out.stdout);
        let err = stderr(&out);
        assert!(
            err.contains("cannot write the audit log: cannot append to"),
            "{err}"
        );
        assert!(
            err.contains("audit = \"required\": nothing was handed out or changed"),
            "{err}"
        );
    };
    refused(s.cmd("sigil-get").args(["-n", "svc/me"]).output().unwrap());
    refused(
        s.cmd("sigil-resolve")
            .write_stdin("x={{ auth://svc/me }}\n")
            .output()
            .unwrap(),
    );
    refused(
        s.cmd("sigil-add")
            .args(["svc/me", "--force"])
            .write_stdin("new-value")
            .output()
            .unwrap(),
    );
    refused(
        s.cmd("sigil-add")
            .arg("new/one")
            .write_stdin("v")
            .output()
            .unwrap(),
    );
    refused(
        s.cmd("sigil-rm")
            .args(["other/me", "--yes"])
            .output()
            .unwrap(),
    );
    refused(
        s.cmd("sigil-policy")
            .args(["set", "svc/me", "--max-uses", "3"])
            .output()
            .unwrap(),
    );
    let before = std::fs::read(s.home.join("accounts.toml")).unwrap();

    // With the log back, everything is as it was, and a read is recorded.
    std::fs::remove_dir(&log).unwrap();
    assert_eq!(s.get("svc/me"), b"old-value");
    assert_eq!(s.get("other/me"), b"other-value");
    assert!(!s.secret_file("new/one/api_key").exists());
    assert_eq!(std::fs::read(s.home.join("accounts.toml")).unwrap(), before);
    assert!(
        entries(&s) >= 2,
        "the reads after the log came back are recorded"
    );
}

/// With `audit = "required"`, an entry that fails after the log was found writable (here:
/// the append itself fails with EIO, injected) takes the change back: the add, the forced
/// add and the removal each fail, and the store is as before them.
#[test]
fn with_audit_required_a_change_whose_entry_fails_is_taken_back() {
    let s = Sandbox::init();
    s.add("svc/me", b"old-value");
    require_audit(&s);
    let before = std::fs::read(s.home.join("accounts.toml")).unwrap();
    let n = entries(&s);
    let failing_append = |c: &mut assert_cmd::Command| {
        c.env("SIGIL_TEST_FAULT", "append:1:eio");
    };
    let mut add = s.cmd("sigil-add");
    failing_append(&mut add);
    let out = add
        .args(["svc/me", "--force"])
        .write_stdin("new")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Input/output error"),
        "{}",
        stderr(&out)
    );
    let mut add = s.cmd("sigil-add");
    failing_append(&mut add);
    assert!(
        !add.arg("new/one")
            .write_stdin("v")
            .output()
            .unwrap()
            .status
            .success()
    );
    let mut rm = s.cmd("sigil-rm");
    failing_append(&mut rm);
    assert!(
        !rm.args(["svc/me", "--yes"])
            .output()
            .unwrap()
            .status
            .success()
    );
    assert_eq!(std::fs::read(s.home.join("accounts.toml")).unwrap(), before);
    assert!(!s.secret_file("new/one/api_key").exists());
    assert_eq!(s.get("svc/me"), b"old-value");
    let leftovers: Vec<_> = walk(&s.home)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".tmp-")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(entries(&s) > n, "the get above is recorded");
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
