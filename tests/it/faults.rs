//! Faults: commands on a store that fills up (a real 600 KB tmpfs, mounted when the tests run
//! as root, as CI does) either do everything they say or nothing, and say which.

use crate::support::{Sandbox, files_under, stderr};
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
    let leftovers: Vec<_> = files_under(&s.home)
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

/// One multi-step command for the kill and I/O-error matrices: how to prepare its home, and
/// the command itself.
struct Case {
    name: &'static str,
    setup: fn(&Sandbox),
    bin: &'static str,
    args: &'static [&'static str],
    stdin: &'static str,
}

/// What a user can see of a home: every secret's value (read with the identity), the
/// metadata with its timestamps masked (they differ between two runs of one command), the
/// other settings files, and the `.env` a migration rewrites. Audit logs, locks, caches,
/// temporary files and the records kept for an undo (`migrations/`) are not part of it.
fn visible(s: &Sandbox) -> String {
    let mut out = String::new();
    let store = s.home.join("store");
    let mut files: Vec<PathBuf> = files_under(&s.home)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            let rel = p.strip_prefix(&s.home).unwrap();
            (rel.starts_with("store") || rel.parent() == Some(Path::new("")))
                && !(name.starts_with('.') && name != ".age-recipients"
                    || name.starts_with("audit"))
        })
        .collect();
    files.sort();
    for f in files {
        let rel = f.strip_prefix(&s.home).unwrap().display().to_string();
        if let Ok(field) = f.strip_prefix(&store)
            && f.extension().is_some_and(|e| e == "age")
        {
            let addr = field.with_extension("").display().to_string();
            let got = s.cmd("sigil-get").args(["-n", &addr]).output().unwrap();
            let value = String::from_utf8_lossy(&got.stdout);
            out.push_str(&format!("{rel}: {value:?} ({})\n", got.status));
        } else {
            let text = std::fs::read_to_string(&f).unwrap_or_else(|_| "<binary>".into());
            // Metadata without accounts reads as no metadata file at all, for every command.
            if rel == "accounts.toml" && !text.contains("[accounts.") {
                continue;
            }
            out.push_str(&format!("{rel}:\n{}\n", masked(&text)));
        }
    }
    let env = s.root().join("app/.env");
    if let Ok(text) = std::fs::read_to_string(env) {
        out.push_str(&format!("app/.env:\n{text}\n"));
    }
    out
}

/// A copy of `template` (its whole temp dir) in a new sandbox.
pub(crate) fn copy_of(template: &Sandbox) -> Sandbox {
    let s = Sandbox::new();
    let ok = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", template.root().display()))
        .arg(s.root())
        .status()
        .unwrap()
        .success();
    assert!(ok);
    s
}

/// Runs the case's command in `s`, with `SIGIL_TEST_FAULT` set to `fault` when given.
fn run_case(s: &Sandbox, case: &Case, fault: Option<&str>) -> std::process::Output {
    let mut c = s.cmd(case.bin);
    c.args(case.args)
        .current_dir(s.root())
        .write_stdin(case.stdin);
    if let Some(f) = fault {
        c.env("SIGIL_TEST_FAULT", f);
    }
    c.output().unwrap()
}

/// The next command heals what an interrupted one left (journals are finished or rolled
/// back on open); `sigil list` is such a command and changes nothing else.
pub(crate) fn heal(s: &Sandbox) {
    s.cmd("sigil-list").output().unwrap();
}

/// Runs `case` with `action` (`kill`, `eio` or `enospc`) at its 1st, 2nd, … durable step
/// until it no longer reaches that step (a kill), or up to `steps` (an error). Returns how
/// many steps it counted. After each run and the next command, the home must look as
/// before the command or as after an uninterrupted run; a command that failed must not look
/// as after unless it said it was done, and one that succeeded must look as after.
fn matrix(case: &Case, action: &str, steps: usize) -> usize {
    let template = Sandbox::init();
    (case.setup)(&template);
    // Reading the state reads every secret, which counts uses: it reads copies only.
    let before = visible(&copy_of(&template));
    let old_keys = keys(&before);
    let before = relabel(&before, &old_keys);
    let visible = |s: &Sandbox| relabel(&visible(s), &old_keys);
    let whole = copy_of(&template);
    let out = run_case(&whole, case, None);
    assert!(out.status.success(), "{}: {}", case.name, stderr(&out));
    let after = visible(&whole);
    assert_ne!(before, after, "{}: the command changes nothing", case.name);
    for n in 1..200 {
        let s = copy_of(&template);
        let out = run_case(&s, case, Some(&format!("{n}:{action}")));
        let killed = out.status.code().is_none();
        heal(&s);
        let now = visible(&s);
        let what = format!("{} with {action} at step {n}: {}", case.name, stderr(&out));
        if action == "kill" && !killed {
            assert!(out.status.success(), "{what}");
            assert_eq!(now, after, "{what}");
            return n - 1;
        }
        if out.status.success() {
            assert_eq!(now, after, "{what}");
        } else if killed {
            assert!(
                now == before || now == after,
                "{what}\n--- before\n{before}\n--- after\n{after}\n--- now\n{now}"
            );
        } else if stderr(&out).contains("is finished by the next sigil command") {
            // A command that goes forward once started (rekey, recipients) says so.
            assert_eq!(now, after, "{what}");
        } else {
            // A command that says it failed changed nothing.
            assert_eq!(now, before, "{what}");
        }
        if action != "kill" && n >= steps {
            return n;
        }
    }
    panic!("{}: more than 200 steps", case.name)
}

fn setup_one(s: &Sandbox) {
    s.add("keep/me", b"old-value");
    s.add("keep/me/password", b"old-password");
}

fn setup_policy(s: &Sandbox) {
    setup_one(s);
    s.cmd("sigil-policy")
        .args(["set", "keep/me", "--max-uses", "5"])
        .assert()
        .success();
}

fn setup_env(s: &Sandbox) {
    std::fs::create_dir_all(s.root().join("app")).unwrap();
    std::fs::write(
        s.root().join("app/.env"),
        "API_KEY=sk-live-1234567890abcdef\nDB_PASSWORD=hunter2hunter2\nPORT=8080\n",
    )
    .unwrap();
}

fn setup_backup(s: &Sandbox) {
    setup_one(s);
    // A backup is written only into a directory others cannot read.
    crate::support::chmod(s.root(), 0o700);
    s.cmd("sigil-backup")
        .args(["create", "-o", "saved.age"])
        .current_dir(s.root())
        .assert()
        .success();
    s.cmd("sigil-add")
        .args(["keep/me", "--force"])
        .write_stdin("changed-since")
        .assert()
        .success();
    s.cmd("sigil-rm")
        .args(["keep/me/password", "--yes"])
        .assert()
        .success();
}

fn setup_team(s: &Sandbox) {
    s.add("team/db/password", b"db-secret");
    s.add("team/cache/api_key", b"cache-secret");
}

/// `keep/me` under a counting policy, and `shared/` whose recipients add FRIEND.
fn setup_shared(s: &Sandbox) {
    setup_policy(s);
    let mine = std::fs::read_to_string(s.home.join("store/.age-recipients")).unwrap();
    let dir = s.home.join("store/shared");
    crate::support::private_dir(&dir);
    let file = dir.join(".age-recipients");
    std::fs::write(&file, format!("{mine}{FRIEND}\n")).unwrap();
    crate::support::chmod(&file, 0o600);
    s.add("shared/ci", b"ci-value");
}

fn setup_export(s: &Sandbox) {
    setup_one(s);
    crate::support::chmod(s.root(), 0o700);
    let text = std::fs::read_to_string(s.identity_file()).unwrap();
    let own = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_owned();
    s.cmd("sigil-export")
        .args(["keep/me", "--recipient", &own, "-o", "out.age"])
        .current_dir(s.root())
        .assert()
        .success();
}

fn setup_git(s: &Sandbox) {
    setup_one(s);
    s.cmd("git-credential-sigil")
        .arg("store")
        .write_stdin("protocol=https\nhost=git.example.org\nusername=me\npassword=git-secret\n\n")
        .assert()
        .success();
}

/// Another person's age public key (the example key of age's documentation).
const FRIEND: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

const CASES: &[Case] = &[
    Case {
        name: "add",
        setup: setup_one,
        bin: "sigil-add",
        args: &["new/one"],
        stdin: "new-value",
    },
    Case {
        name: "add --force",
        setup: setup_one,
        bin: "sigil-add",
        args: &["keep/me", "--force"],
        stdin: "new-value",
    },
    Case {
        name: "rm field",
        setup: setup_one,
        bin: "sigil-rm",
        args: &["keep/me/password", "--yes"],
        stdin: "",
    },
    Case {
        name: "rm account",
        setup: setup_one,
        bin: "sigil-rm",
        args: &["keep/me", "--yes"],
        stdin: "",
    },
    Case {
        name: "policy set",
        setup: setup_one,
        bin: "sigil-policy",
        args: &["set", "keep/me", "--max-uses", "3"],
        stdin: "",
    },
    Case {
        name: "get counting a use",
        setup: setup_policy,
        bin: "sigil-get",
        args: &["keep/me"],
        stdin: "",
    },
    Case {
        name: "migrate",
        setup: setup_env,
        bin: "sigil-migrate",
        args: &["app/.env"],
        stdin: "",
    },
    Case {
        name: "restore",
        setup: setup_backup,
        bin: "sigil-backup",
        args: &["restore", "saved.age", "--on-conflict", "overwrite"],
        stdin: "",
    },
    Case {
        name: "rekey",
        setup: setup_team,
        bin: "sigil-rekey",
        args: &[],
        stdin: "",
    },
    Case {
        name: "import",
        setup: setup_export,
        bin: "sigil-import",
        args: &["out.age", "--as", "keep/copy"],
        stdin: "",
    },
    Case {
        name: "recipients add",
        setup: setup_team,
        bin: "sigil-recipients",
        args: &["add", FRIEND, "team", "--name", "friend"],
        stdin: "",
    },
    Case {
        name: "rm --all",
        setup: setup_team,
        bin: "sigil-rm",
        args: &["--all", "--yes"],
        stdin: "",
    },
    Case {
        name: "mv account",
        setup: setup_policy,
        bin: "sigil-mv",
        args: &["keep/me", "kept/you"],
        stdin: "",
    },
    Case {
        name: "mv field over another (--force)",
        setup: setup_one,
        bin: "sigil-mv",
        args: &["keep/me/password", "keep/me/api_key", "--force"],
        stdin: "",
    },
    Case {
        name: "mv service, re-encrypting to other recipients",
        setup: setup_shared,
        bin: "sigil-mv",
        args: &["shared", "mine"],
        stdin: "",
    },
    Case {
        name: "cp field into a folder with other recipients",
        setup: setup_shared,
        bin: "sigil-cp",
        args: &["shared/ci/api_key", "shared/ci2"],
        stdin: "",
    },
    Case {
        name: "git erase",
        setup: setup_git,
        bin: "git-credential-sigil",
        args: &["erase"],
        stdin: "protocol=https\nhost=git.example.org\nusername=me\npassword=git-secret\n\n",
    },
    Case {
        name: "git store",
        setup: setup_one,
        bin: "git-credential-sigil",
        args: &["store"],
        stdin: "protocol=https\nhost=git.example.org\nusername=me\npassword=git-secret\n\n",
    },
];

/// SIGKILL, EIO and ENOSPC at every durable step of every multi-step command: a kill
/// leaves, once the next command ran, the state before it or the state after it; an error
/// makes the command fail and change nothing, or succeed (a step it may do without) and do
/// everything.
#[test]
fn a_kill_or_an_io_error_at_any_step_leaves_the_state_before_or_after() {
    for case in CASES {
        let steps = matrix(case, "kill", usize::MAX);
        assert!(steps >= 2, "{}: {steps} steps", case.name);
        matrix(case, "eio", steps);
        matrix(case, "enospc", steps);
    }
}

/// `text` with every RFC 3339 time (`2026-12-01T06:40:00.123Z`) replaced by `<time>`.
fn masked(text: &str) -> String {
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let date = (0..4).all(|k| digit(i + k))
            && b.get(i + 4) == Some(&b'-')
            && b.get(i + 7) == Some(&b'-')
            && b.get(i + 10) == Some(&b'T');
        if date {
            let mut j = i + 11;
            while j < b.len() && (b[j].is_ascii_digit() || b":.+-Z".contains(&b[j])) {
                j += 1;
            }
            out.push_str("<time>");
            i = j;
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Where the age keys (`AGE-SECRET-KEY-1…`, `age1…`) are in `text`: (start, end).
fn key_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for prefix in ["AGE-SECRET-KEY-1", "age1"] {
        for (at, _) in text.match_indices(prefix) {
            let end = text[at + prefix.len()..]
                .find(|c: char| !c.is_ascii_alphanumeric())
                .map_or(text.len(), |e| at + prefix.len() + e);
            if end - at > 40 {
                out.push((at, end));
            }
        }
    }
    out.sort();
    out
}

fn keys(text: &str) -> Vec<String> {
    key_spans(text)
        .into_iter()
        .map(|(a, b)| text[a..b].to_owned())
        .collect()
}

/// `text` with each age key named for whether it was there before (a rekey makes a random
/// new one, which two runs never share).
fn relabel(text: &str, old: &[String]) -> String {
    let mut out = String::new();
    let mut last = 0;
    for (a, b) in key_spans(text) {
        out.push_str(&text[last..a]);
        let key = &text[a..b];
        match old.iter().position(|k| k == key) {
            Some(i) => out.push_str(&format!("<old key {i}>")),
            None => out.push_str("<new key>"),
        }
        last = b;
    }
    out.push_str(&text[last..]);
    out
}

/// A store on a read-only filesystem (a tmpfs remounted read-only when the tests run as
/// root; without root, the home's write permission taken away, which only binds non-root):
/// reads work, with a warning that the audit log cannot be written, and every write fails
/// with a clear error and changes nothing.
#[test]
fn a_read_only_store_reads_and_refuses_writes_cleanly() {
    let s = Sandbox::new();
    let disk = SmallDisk::mount(&s.home, "4m");
    s.cmd("sigil-init").assert().success();
    s.add("keep/me", b"old-value");
    let before = visible(&copy_of(&s));
    let read_only = match &disk {
        Some(d) => Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&d.0)
            .status()
            .unwrap()
            .success(),
        None => {
            Command::new("chmod")
                .args(["-R", "a-w"])
                .arg(&s.home)
                .status()
                .unwrap();
            std::fs::write(s.home.join("probe"), b"x").is_err()
        }
    };
    if !read_only {
        eprintln!("skipped: root without mount cannot make a read-only store");
        return;
    }
    let out = s.cmd("sigil-get").args(["-n", "keep/me"]).output().unwrap();
    assert_eq!(out.stdout, b"old-value", "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: cannot write the audit log"),
        "{}",
        stderr(&out)
    );
    let out = s.cmd("sigil-list").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("keep/me"));
    let out = s
        .cmd("sigil-resolve")
        .write_stdin("x={{ auth://keep/me }}\n")
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"x=old-value\n", "{}", stderr(&out));
    for (bin, args, stdin) in [
        ("sigil-add", &["keep/me", "--force"][..], "new-value"),
        ("sigil-add", &["new/one"][..], "v"),
        ("sigil-rm", &["keep/me", "--yes"][..], ""),
        (
            "sigil-policy",
            &["set", "keep/me", "--max-uses", "2"][..],
            "",
        ),
    ] {
        let out = s.cmd(bin).args(args).write_stdin(stdin).output().unwrap();
        let err = stderr(&out);
        assert!(!out.status.success(), "{bin} {args:?}: {err}");
        assert!(
            err.contains("Read-only file system") || err.contains("Permission denied"),
            "{bin} {args:?}: {err}"
        );
        assert!(err.lines().count() <= 3, "{bin} {args:?}: {err}");
    }
    if disk.is_none() {
        Command::new("chmod")
            .args(["-R", "u+w"])
            .arg(&s.home)
            .status()
            .unwrap();
    }
    assert_eq!(visible(&copy_of(&s)), before);
}

/// Fills the filesystem of `dir` to the edge, then frees `slack` bytes.
fn fill(dir: &Path, slack: u64) {
    use std::io::Write;
    let path = dir.join(".filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 4096];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.sync_all();
    let len = f.metadata().unwrap().len();
    f.set_len(len.saturating_sub(slack)).unwrap();
}

/// Every multi-step writing command run on a real tmpfs filled to the edge (and with a
/// little room left, so that different steps are the first to fail): it succeeds and did
/// everything, or fails and changed nothing, whatever step ran out of space.
#[test]
fn on_a_full_disk_every_writing_command_changes_everything_or_nothing() {
    for case in CASES {
        for slack in [0, 4 << 10, 8 << 10, 16 << 10] {
            let s = Sandbox::new();
            let Some(_disk) = SmallDisk::mount(&s.home, "2m") else {
                eprintln!("skipped: mounting a tmpfs needs root (CI runs it)");
                return;
            };
            s.cmd("sigil-init").assert().success();
            (case.setup)(&s);
            let before = visible(&copy_of(&s));
            let old_keys = keys(&before);
            let before = relabel(&before, &old_keys);
            let whole = copy_of(&s);
            assert!(
                run_case(&whole, case, None).status.success(),
                "{}",
                case.name
            );
            let after = relabel(&visible(&whole), &old_keys);
            fill(&s.home, slack);
            let out = run_case(&s, case, None);
            heal(&s);
            let now = relabel(&visible(&copy_of(&s)), &old_keys);
            let what = format!("{} with {slack} bytes free: {}", case.name, stderr(&out));
            if out.status.success() {
                assert_eq!(now, after, "{what}");
            } else if stderr(&out).contains("is finished by the next sigil command") {
                // Finished by the next command once there is room again.
                std::fs::remove_file(s.home.join(".filler")).unwrap();
                heal(&s);
                assert_eq!(relabel(&visible(&copy_of(&s)), &old_keys), after, "{what}");
            } else {
                assert!(stderr(&out).contains("No space left on device"), "{what}");
                assert_eq!(now, before, "{what}");
            }
        }
    }
}

/// An interrupted change whose store lock cannot be taken (here a directory stands where the
/// lock file goes, as a read-only remount after an I/O error would refuse to open it) cannot
/// be healed; every command that finds it says so instead of reading on in silence
/// (`ops::recover`: one rule for every journal, a journal that cannot be healed is reported).
#[test]
fn an_interrupted_change_that_cannot_be_healed_yet_is_reported() {
    let s = Sandbox::new();
    s.cmd("sigil-init").assert().success();
    s.add("keep/me", b"old-value");
    let journal = s.home.join(".change-journal");
    let record = format!(
        r#"{{"metadata":"{}","before":null,"files":[]}}"#,
        s.home.join("accounts.toml").display()
    );
    std::fs::write(&journal, record).unwrap();
    let lock = s.home.join(".lock");
    let _ = std::fs::remove_file(&lock);
    std::fs::create_dir(&lock).unwrap();
    let out = s.cmd("sigil-list").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("sigil-list: warning: cannot take back the interrupted change yet"),
        "{}",
        stderr(&out)
    );
    assert!(journal.exists());
    // Once the lock can be had, the next command heals it (the metadata was written: the
    // change is finished, which needs no word).
    std::fs::remove_dir(&lock).unwrap();
    let out = s.cmd("sigil-list").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("interrupted"), "{}", stderr(&out));
    assert!(!journal.exists());
}
