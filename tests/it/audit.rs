//! The audit log: every command that touches a secret leaves an entry, no value ever appears
//! in it, `verify` names the first bad line for each kind of tampering, concurrent appenders
//! and rotation keep the chain whole, and `show` prints what a person or a SIEM wants.

use crate::support::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Std, Stdio};

fn log(s: &Sandbox) -> PathBuf {
    s.home.join("audit.log")
}

/// Every line of every audit file, oldest first.
fn lines(s: &Sandbox) -> Vec<String> {
    let mut files: Vec<PathBuf> = fs::read_dir(&s.home)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("audit.log.")
        })
        .collect();
    files.sort_by_key(|p| {
        p.extension()
            .and_then(|e| e.to_str())
            .and_then(|e| e.parse::<u64>().ok())
    });
    files.push(log(s));
    files
        .iter()
        .filter(|p| p.exists())
        .flat_map(|p| {
            fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn entries(s: &Sandbox) -> Vec<serde_json::Value> {
    lines(s)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The (event, outcome) pairs in order.
fn events(s: &Sandbox) -> Vec<(String, String)> {
    entries(s)
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn verify(s: &Sandbox) -> (i32, String, String) {
    let out = s.cmd("sigil-audit").arg("verify").output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(&out),
    )
}

/// Secrets the suite stores, which must never reach the log.
const VALUES: &[&str] = &[
    "audit-value-one-4711",
    "audit-value-two-0815",
    "audit-git-password-42",
    "audit-template-text-99",
];

fn assert_no_values(s: &Sandbox) {
    let text = lines(s).join("\n");
    for v in VALUES {
        assert!(!text.contains(v), "{v} leaked into the audit log:\n{text}");
    }
}

#[test]
fn every_event_kind_appears_after_its_command_and_no_value_does() {
    let s = Sandbox::init();
    chmod(s.root(), 0o700);
    s.add("svc/one", VALUES[0].as_bytes());
    s.add("svc/two", VALUES[1].as_bytes());
    s.get("svc/one");
    s.cmd("sigil-resolve")
        .args(["-i", "-"])
        .write_stdin(format!("{} {{{{ auth://svc/two }}}}", VALUES[3]))
        .assert()
        .success();
    s.cmd("sigil-run")
        .env("X", "auth://svc/one")
        .args(["--", "true"])
        .assert()
        .success();
    s.cmd("sigil-env")
        .env("X", "auth://svc/two")
        .assert()
        .success();
    s.cmd("git-credential-sigil")
        .arg("store")
        .write_stdin(format!(
            "protocol=https\nhost=git.example.com\nusername=me\npassword={}\n\n",
            VALUES[2]
        ))
        .assert()
        .success();
    s.cmd("git-credential-sigil")
        .arg("get")
        .write_stdin("protocol=https\nhost=git.example.com\nusername=me\n\n")
        .assert()
        .success();
    s.cmd("sigil-policy")
        .args(["set", "svc/two", "--allow", "run"])
        .assert()
        .success();
    s.cmd("sigil-get").arg("svc/two").assert().code(5);
    s.cmd("sigil-policy")
        .args(["clear", "svc/two"])
        .assert()
        .success();
    let backup = s.root().join("b.age");
    s.cmd("sigil-backup")
        .args(["create", "-o"])
        .arg(&backup)
        .assert()
        .success();
    s.cmd("sigil-backup")
        .arg("verify")
        .arg(&backup)
        .assert()
        .success();
    s.cmd("sigil-backup")
        .args(["restore", "--on-conflict", "skip"])
        .arg(&backup)
        .assert()
        .success();
    let env_file = s.root().join("app.env");
    fs::write(&env_file, "API_TOKEN=plain-migrated-token\n").unwrap();
    s.cmd("sigil-migrate").arg(&env_file).assert().success();
    s.cmd("sigil-migrate").arg("--rollback").assert().success();
    s.cmd("sigil-check").arg("svc/one").assert().success();
    // A refresh that fails: an OAuth account whose token is due and whose provider is unknown.
    s.add("oa/me/token", b"expired-oauth-token");
    let reg = fs::read_to_string(s.home.join("accounts.toml")).unwrap();
    let reg = reg.replace(
        "[accounts.\"oa/me\"]\nkind = \"api_key\"",
        "[accounts.\"oa/me\"]\nkind = \"oauth\"\nprovider = \"nowhere\"\nexpires_at = \"2001-01-01T00:00:00Z\"",
    );
    fs::write(s.home.join("accounts.toml"), reg).unwrap();
    s.cmd("sigil-get").arg("oa/me").assert().code(4);
    // A login that fails: the provider's token endpoint does not answer.
    let mut config = fs::read_to_string(s.home.join("config.toml")).unwrap();
    config.push_str(
        "\n[providers.gone]\ntoken_url = \"http://127.0.0.1:9/token\"\nclient_id = \"x\"\n",
    );
    fs::write(s.home.join("config.toml"), config).unwrap();
    s.cmd("sigil-login")
        .args(["gone/me", "--flow", "client-credentials"])
        .env("SIGIL_CLIENT_SECRET", "audit-client-secret-77")
        .assert()
        .code(4);
    s.cmd("sigil-rm")
        .args(["svc/one", "--yes"])
        .assert()
        .success();
    // A wrong identity is refused, and recorded.
    need("age-keygen");
    let other = s.root().join("other.txt");
    let made = Std::new("age-keygen")
        .arg("-o")
        .arg(&other)
        .output()
        .unwrap();
    assert!(made.status.success());
    chmod(&other, 0o600);
    let wrong = s
        .cmd("sigil-get")
        .arg("svc/two")
        .env("SIGIL_IDENTITY_FILE", &other)
        .output()
        .unwrap();
    let ev = events(&s);
    let has = |e: &str, o: &str| ev.iter().any(|(a, b)| a == e && b == o);
    for (e, o) in [
        ("init", "ok"),
        ("add", "ok"),
        ("get", "ok"),
        ("resolve", "ok"),
        ("run", "ok"),
        ("env", "ok"),
        ("git", "ok"),
        ("policy.set", "ok"),
        ("get", "refused"),
        ("policy.clear", "ok"),
        ("backup.create", "ok"),
        ("backup.verify", "ok"),
        ("backup.restore", "ok"),
        ("migrate", "ok"),
        ("rollback", "ok"),
        ("check", "ok"),
        ("refresh", "failed"),
        ("login", "failed"),
        ("rm", "ok"),
    ] {
        assert!(has(e, o), "no {e}/{o} in {ev:?}");
    }
    assert_eq!(wrong.status.code(), Some(4));
    let last = entries(&s).pop().unwrap();
    assert_eq!(
        (&last["event"], &last["outcome"], &last["reason"]),
        (
            &serde_json::json!("get"),
            &serde_json::json!("refused"),
            &serde_json::json!("wrong identity")
        )
    );
    let all = entries(&s);
    let git = all.iter().find(|e| e["event"] == "git").unwrap();
    assert_eq!(git["addresses"][0], "git.example.com/me/api_key");
    for e in &all {
        for k in ["seq", "time", "binary", "pid", "key", "mac"] {
            assert!(!e[k].is_null(), "{k} in {e}");
        }
    }
    assert!(all.iter().any(|e| e["binary"] == "sigil-run"));
    let refused = all
        .iter()
        .find(|e| e["event"] == "get" && e["outcome"] == "refused")
        .unwrap();
    assert!(
        refused["reason"].as_str().unwrap().contains("--allow run"),
        "{refused}"
    );
    let mut values: Vec<&str> = VALUES.to_vec();
    values.push("plain-migrated-token");
    values.push("expired-oauth-token");
    values.push("audit-client-secret-77");
    let text = lines(&s).join("\n");
    for v in values {
        assert!(!text.contains(v), "{v} leaked into the audit log");
    }
    assert_no_values(&s);
    // The wrong identity's entry cannot be verified with the right one.
    let (code, _, err) = verify(&s);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("was written with another identity"), "{err}");
}

/// A home with `n` log lines: init, one add, then gets.
fn with_lines(n: usize) -> Sandbox {
    let s = Sandbox::init();
    s.add("svc/one", VALUES[0].as_bytes());
    for _ in 2..n {
        s.get("svc/one");
    }
    assert_eq!(lines(&s).len(), n);
    let (code, out, err) = verify(&s);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("intact: {n} entries in 1 file, keyed")),
        "{out}"
    );
    s
}

fn rewrite(s: &Sandbox, f: impl FnOnce(&mut Vec<String>)) {
    let mut l = lines(s);
    f(&mut l);
    let mut text = l.join("\n");
    if !l.is_empty() {
        text.push('\n');
    }
    fs::write(log(s), text).unwrap();
}

fn assert_broken_at(s: &Sandbox, line: usize, what: &str) {
    let (code, _, err) = verify(s);
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains(&format!("line {line} of '")),
        "line {line} named: {err}"
    );
    assert!(err.contains(what), "{what:?} in {err}");
}

#[test]
fn a_flipped_byte_is_named() {
    let s = with_lines(6);
    let mut bytes = fs::read(log(&s)).unwrap();
    let starts: Vec<usize> = std::iter::once(0)
        .chain(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    // A byte inside the time of the third line: still JSON, but not what was written.
    let at = starts[2]
        + bytes[starts[2]..]
            .windows(4)
            .position(|w| w == b"2026")
            .unwrap()
        + 3;
    bytes[at] ^= 0x01;
    fs::write(log(&s), bytes).unwrap();
    assert_broken_at(&s, 3, "was altered");
    // The refusal itself is recorded, after the damage.
    assert_eq!(entries(&s).last().unwrap()["event"], "audit.verify");
}

#[test]
fn a_deleted_line_is_named() {
    let s = with_lines(6);
    rewrite(&s, |l| {
        l.remove(2);
    });
    assert_broken_at(&s, 3, "entry 3 before it was deleted");
}

#[test]
fn swapped_lines_are_named() {
    let s = with_lines(6);
    rewrite(&s, |l| l.swap(3, 4));
    assert_broken_at(&s, 4, "out of order");
}

#[test]
fn a_truncated_tail_is_named() {
    let s = with_lines(6);
    rewrite(&s, |l| l.truncate(4));
    assert_broken_at(&s, 5, "truncated");
    // The next entry chains from the checkpoint, so the gap stays visible.
    s.get("svc/one");
    assert_broken_at(&s, 5, "deleted");
}

#[test]
fn a_line_appended_without_the_identity_is_named() {
    let s = with_lines(4);
    // A process that has no identity appends (an env-only job pointed at this home).
    s.cmd("sigil-get")
        .args(["--backend", "env", "ci/job"])
        .env("SIGIL_CI_JOB_API_KEY", "ci-value")
        .env("SIGIL_IDENTITY_FILE", s.root().join("missing.txt"))
        .assert()
        .success();
    // It goes to the side log, and the keyed chain stays whole.
    let (code, out, err) = verify(&s);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("intact: 4 entries in 1 file, keyed"), "{out}");
    assert!(
        out.contains("audit-unkeyed.log' is intact: 1 entry"),
        "{out}"
    );
    // An unkeyed line put into the keyed log by hand is named.
    let side = fs::read_to_string(s.home.join("audit-unkeyed.log")).unwrap();
    rewrite(&s, |l| l.push(side.lines().next().unwrap().to_owned()));
    assert_broken_at(&s, 5, "carries no key");
    // A forged copy of an earlier line, appended by hand, fails too.
    let s = with_lines(4);
    rewrite(&s, |l| {
        let copy = l[2].replace("\"seq\":3", "\"seq\":5");
        l.push(copy);
    });
    assert_broken_at(&s, 5, "was altered");
}

#[test]
fn an_unkeyed_chain_verifies_and_says_so() {
    let s = Sandbox::new();
    // An env-only job keeps a log once its home exists.
    private_dir(&s.home);
    for _ in 0..3 {
        s.cmd("sigil-get")
            .args(["--backend", "env", "ci/job"])
            .env("SIGIL_CI_JOB_API_KEY", "ci-value")
            .assert()
            .success();
    }
    let (code, out, err) = verify(&s);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("the audit log is empty"), "{out}");
    assert!(out.contains("3 entries in 1 file, unkeyed"), "{out}");
    // Without the identity the entries go to the side log, which is checked all the same.
    let side = s.home.join("audit-unkeyed.log");
    let text = fs::read_to_string(&side).unwrap();
    let mut l: Vec<&str> = text.lines().collect();
    l.swap(0, 1);
    fs::write(&side, l.join("\n") + "\n").unwrap();
    let (code, _, err) = verify(&s);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("line 1 of '"), "{err}");
}

#[test]
fn eight_concurrent_appenders_keep_the_chain() {
    let s = Sandbox::init();
    s.add("svc/one", b"v");
    let children: Vec<_> = (0..8)
        .map(|_| {
            Std::new(bin("sigil-get"))
                .arg("svc/one")
                .env("SIGIL_HOME", &s.home)
                .env("HOME", s.root())
                .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
                .env_remove("SIGIL_IDENTITY")
                .env_remove("SIGIL_IDENTITY_FILE")
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    // Every child gets several times, so that they really overlap.
    for c in children {
        assert!(c.wait_with_output().unwrap().status.success());
    }
    let script = format!(
        "for i in 1 2 3 4 5 6 7 8; do (for j in 1 2 3 4 5; do '{}' svc/one >/dev/null; done) & done; wait",
        bin("sigil-get").display()
    );
    let st = Std::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .env("SIGIL_HOME", &s.home)
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .env_remove("SIGIL_IDENTITY")
        .env_remove("SIGIL_IDENTITY_FILE")
        .status()
        .unwrap();
    assert!(st.success());
    let all = entries(&s);
    assert_eq!(all.len(), 2 + 8 + 40);
    let seqs: Vec<u64> = all.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=50).collect::<Vec<_>>());
    let (code, out, err) = verify(&s);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("50 entries"), "{out}");
}

/// A 100 MB dry run once wrote 500 MB of audit log over 50 files kept for ever: rotation keeps
/// `audit_keep` files, records in the keyed log where the kept chain starts, and verify says it.
#[test]
fn rotation_keeps_audit_keep_files_and_verify_says_where_the_kept_chain_starts() {
    let s = Sandbox::init();
    fs::write(
        s.home.join("config.toml"),
        "audit_max_size = \"1KiB\"\naudit_keep = 2\n",
    )
    .unwrap();
    s.add("svc/one", b"v");
    for _ in 0..30 {
        s.get("svc/one");
    }
    let rotated: Vec<String> = fs::read_dir(&s.home)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("audit.log."))
        .collect();
    assert_eq!(rotated.len(), 2, "{rotated:?}");
    let (code, out, err) = verify(&s);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("note: the kept chain starts at entry "),
        "{out}"
    );
    assert!(events(&s).iter().any(|(e, _)| e == "audit.prune"));
    // Deleting the oldest kept file as well is not a rotation, and is named.
    let mut rotated = rotated;
    rotated.sort_by_key(|n| n.rsplit('.').next().unwrap().parse::<u64>().unwrap());
    fs::remove_file(s.home.join(&rotated[0])).unwrap();
    let (code, _, err) = verify(&s);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("follows a gap"), "{err}");
}

#[test]
fn rotation_keeps_verify_green_and_show_follows_it() {
    let s = Sandbox::init();
    fs::write(s.home.join("config.toml"), "audit_max_size = \"1KiB\"\n").unwrap();
    s.add("svc/one", b"v");
    for _ in 0..12 {
        s.get("svc/one");
    }
    let rotated = fs::read_dir(&s.home)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("audit.log."))
        .count();
    assert!(rotated >= 2, "the log rotated: {rotated}");
    let (code, out, err) = verify(&s);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("14 entries in"), "{out}");
    let shown = s
        .cmd("sigil-audit")
        .args(["show", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8_lossy(&shown).lines().count(), 14);
    // Deleting the oldest file is caught at the start of the next one.
    let first = s.home.join("audit.log.1");
    fs::remove_file(&first).unwrap();
    let (code, _, err) = verify(&s);
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("line 1 of '") && err.contains("audit.log.2"),
        "{err}"
    );
}

#[test]
fn audit_false_turns_it_off_and_status_says_so() {
    let s = Sandbox::init();
    fs::write(s.home.join("config.toml"), "audit = false\n").unwrap();
    fs::remove_file(log(&s)).unwrap();
    s.add("svc/one", b"v");
    s.get("svc/one");
    assert!(!log(&s).exists());
    let out = s.cmd("sigil-status").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("audit     off (audit = false in config.toml)"),
        "{text}"
    );
}

#[test]
fn show_filters_and_prints_json_lines() {
    let s = Sandbox::init();
    s.add("svc/one", b"v");
    s.add("svc/two", b"w");
    s.get("svc/one");
    s.get("svc/two/api_key");
    let show = |args: &[&str]| -> String {
        let out = s
            .cmd("sigil-audit")
            .arg("show")
            .args(args)
            .assert()
            .success();
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    };
    let json = show(&["--json", "--event", "get", "--address", "svc/one"]);
    let got: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got.len(), 1, "{json}");
    assert_eq!(got[0]["addresses"][0], "svc/one/api_key");
    assert!(got[0]["mac"].is_null(), "show prints entries, not MACs");
    assert_eq!(show(&["--json", "--since", "2099-01-01"]), "");
    assert_eq!(show(&["--json", "--since", "1h"]).lines().count(), 5);
    let tsv = show(&["--event", "add"]);
    assert_eq!(tsv.lines().count(), 2, "{tsv}");
    assert!(tsv.lines().all(|l| l.split('\t').count() == 8), "{tsv}");
    s.cmd("sigil-audit")
        .args(["show", "--since", "whenever"])
        .assert()
        .code(2);
}

/// Runs `cmd` on a pseudo-terminal (util-linux `script`) and returns the screen.
fn on_tty(s: &Sandbox, cmd: &str) -> String {
    need("script");
    let out = Std::new("script")
        .args([
            "-qec",
            &format!("PATH='{}':/usr/bin:/bin {cmd}", bin_dir().display()),
            "/dev/null",
        ])
        .env("SIGIL_HOME", &s.home)
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .env("NO_COLOR", "1")
        .env_remove("SIGIL_IDENTITY")
        .env_remove("SIGIL_IDENTITY_FILE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

#[test]
fn show_prints_a_table_on_a_terminal() {
    let s = Sandbox::init();
    s.add("svc/one", b"v");
    s.get("svc/one");
    s.cmd("sigil-policy")
        .args(["set", "svc/one", "--allow", "run"])
        .assert()
        .success();
    s.cmd("sigil-get").arg("svc/one").assert().code(5);
    let screen = on_tty(&s, "sigil-audit show");
    insta::with_settings!({filters => vec![
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]"),
        (r"(?m)\b\d+ +\S+$", "[PID]  [PARENT]"),
        (r"(?m)PID +PARENT$", "PID    PARENT"),
    ]}, {
        insta::assert_snapshot!(screen);
    });
}

#[test]
fn verify_of_no_log_is_fine_and_missing_checkpoint_is_not() {
    let s = Sandbox::new();
    let (code, out, _) = verify(&s);
    assert_eq!(code, 0);
    assert!(out.contains("empty"), "{out}");
    let s = with_lines(3);
    fs::remove_file(s.home.join(".audit-checkpoint")).unwrap();
    assert_broken_at(&s, 4, "checkpoint");
    let _ = Path::new("");
}

#[test]
fn a_key_rotation_keeps_verify_green() {
    let s = Sandbox::init();
    s.add("svc/one", b"v");
    s.get("svc/one");
    s.cmd("sigil-rekey").assert().success();
    s.get("svc/one");
    let (code, out, err) = verify(&s);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("written under an earlier identity"), "{out}");
    assert!(entries(&s).iter().any(|e| e["event"] == "audit.key"));
    // Tampering before the rotation is still caught where the numbering shows it.
    rewrite(&s, |l| {
        l.remove(1);
    });
    let (code, _, err) = verify(&s);
    assert_eq!(code, 5, "{err}");
}

// Rewriting the log without the identity (issue 17, item 3). The attacker can write `<home>`
// but has not the identity; `<config>` is intact.

/// A sandbox where `<home>` and `<config>` are different directories (the XDG layout, no
/// `SIGIL_HOME`): `home` is `<root>/data/sigil`, the config `<root>/config/sigil`.
fn split() -> Sandbox {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("data/sigil");
    let s = Sandbox { tmp, home };
    split_cmd(&s, "sigil-init").assert().success();
    assert!(s.root().join("config/sigil").is_dir());
    s
}

fn split_cmd(s: &Sandbox, name: &str) -> assert_cmd::Command {
    let mut c = s.cmd(name);
    c.env_remove("SIGIL_HOME")
        .env("XDG_DATA_HOME", s.root().join("data"))
        .env("XDG_CONFIG_HOME", s.root().join("config"));
    c
}

/// [`split`] with the secret `svc/one` added.
fn split_with_one() -> Sandbox {
    let s = split();
    split_cmd(&s, "sigil-add")
        .arg("svc/one")
        .write_stdin("v")
        .assert()
        .success();
    s
}

fn split_get(s: &Sandbox, n: usize) {
    for _ in 0..n {
        split_cmd(s, "sigil-get")
            .args(["-n", "svc/one"])
            .assert()
            .success();
    }
}

fn split_verify(s: &Sandbox) -> (i32, String, String) {
    let out = split_cmd(s, "sigil-audit").arg("verify").output().unwrap();
    (
        out.status.code().unwrap(),
        s.redact(&out.stdout),
        s.redact(&out.stderr),
    )
}

#[test]
fn a_deleted_log_is_named() {
    let s = with_lines(4);
    fs::remove_file(log(&s)).unwrap();
    let out = s.cmd("sigil-audit").arg("verify").output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    insta::assert_snapshot!(s.redact(&out.stderr), @r"
    sigil-audit: error: the audit log '[TMP]/home/audit.log' was deleted: the checkpoint '[TMP]/home/.audit-checkpoint' records 4 entries
    help: keep what is left for investigation; the next entry chains from the last one recorded, so the loss stays visible
    ");
}

#[test]
fn a_deleted_log_and_checkpoint_are_named_by_the_anchor_in_the_config_directory() {
    let s = split_with_one();
    split_get(&s, 2);
    assert_eq!(split_verify(&s).0, 0, "{:?}", split_verify(&s));
    fs::remove_file(log(&s)).unwrap();
    fs::remove_file(s.home.join(".audit-checkpoint")).unwrap();
    let (code, _, err) = split_verify(&s);
    assert_eq!(code, 5, "{err}");
    insta::assert_snapshot!(err, @r"
    sigil-audit: error: the audit log '[TMP]/data/sigil/audit.log' and its checkpoint were deleted: the anchor '[TMP]/config/sigil/.audit-anchor' records 4 entries
    help: keep what is left for investigation; the next entry chains from the last one recorded, so the loss stays visible
    ");
}

#[test]
fn a_rollback_of_log_and_checkpoint_is_named_by_the_anchor_in_the_config_directory() {
    let s = split_with_one();
    split_get(&s, 1);
    // The attacker keeps a copy of both, lets the user work, then puts the copy back.
    let old_log = fs::read(log(&s)).unwrap();
    let old_cp = fs::read(s.home.join(".audit-checkpoint")).unwrap();
    split_get(&s, 3);
    fs::write(log(&s), old_log).unwrap();
    fs::write(s.home.join(".audit-checkpoint"), old_cp).unwrap();
    let (code, _, err) = split_verify(&s);
    assert_eq!(code, 5, "{err}");
    insta::assert_snapshot!(err, @r"
    sigil-audit: error: the audit log '[TMP]/data/sigil/audit.log' and its checkpoint were rolled back: they end at entry 3, and the anchor '[TMP]/config/sigil/.audit-anchor' records entry 6
    help: keep what is left for investigation; the next entry chains from the last one recorded, so the loss stays visible
    ");
    // The refusal is recorded, and it chains from the anchor: the gap stays visible.
    let (code, _, err) = split_verify(&s);
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("line 4 of '") && err.contains("entries 4–6 before it were deleted"),
        "{err}"
    );
}

/// The exact bytes of an unkeyed line, as an attacker without the identity can compute them:
/// a plain SHA-256 chain (docs/audit.md).
fn forged_line(prev: &[u8; 32], seq: u64) -> (String, [u8; 32]) {
    use sha2::{Digest, Sha256};
    let content = format!(
        r#"{{"seq":{seq},"time":"2026-01-01T00:00:00Z","event":"get","addresses":["svc/other/api_key"],"outcome":"ok","binary":"sigil-get","pid":1,"key":"none"}}"#
    );
    let mac: [u8; 32] = Sha256::new()
        .chain_update(prev)
        .chain_update(content.as_bytes())
        .finalize()
        .into();
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    (
        format!("{},\"mac\":\"{hex}\"}}", &content[..content.len() - 1]),
        mac,
    )
}

/// Replaces the log with `n` forged unkeyed entries and a matching unkeyed checkpoint.
fn forge_unkeyed(s: &Sandbox, n: u64) {
    use sha2::{Digest, Sha256};
    let mut prev = [0u8; 32];
    let mut text = String::new();
    for seq in 1..=n {
        let (line, mac) = forged_line(&prev, seq);
        text.push_str(&line);
        text.push('\n');
        prev = mac;
    }
    fs::write(log(s), text).unwrap();
    let hex: String = prev.iter().map(|b| format!("{b:02x}")).collect();
    let tag: [u8; 32] = Sha256::new()
        .chain_update(b"sigil audit checkpoint\0")
        .chain_update(n.to_string())
        .chain_update(b"\0")
        .chain_update(&hex)
        .chain_update(b"\0none")
        .finalize()
        .into();
    let tag: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    let cp = format!(r#"{{"seq":{n},"mac":"{hex}","key":"none","tag":"{tag}"}}"#);
    fs::write(s.home.join(".audit-checkpoint"), cp).unwrap();
}

#[test]
fn a_forged_unkeyed_chain_and_a_forged_prefix_are_named() {
    let s = with_lines(4);
    forge_unkeyed(&s, 2);
    let out = s.cmd("sigil-audit").arg("verify").output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    insta::assert_snapshot!(s.redact(&out.stderr), @r"
    sigil-audit: error: the audit log has been tampered with: line 1 of '[TMP]/home/audit.log' carries no key: entries written without the identity are kept in 'audit-unkeyed.log', never in the keyed log
    help: keep the log as it is for investigation; entries after the break still carry their MACs, and new entries go on being chained
    ");
    // The user goes on working: the keyed entries appended now do not vouch for the forgery.
    let s = with_lines(4);
    forge_unkeyed(&s, 3);
    s.get("svc/one");
    let (code, out, err) = verify(&s);
    assert_eq!(code, 5, "{out}");
    assert!(
        err.contains("line 1 of '") && err.contains("carries no key"),
        "{err}"
    );
}

#[test]
fn an_edit_after_a_wrong_passphrase_is_named() {
    let (s, right) = crate::identity::protected("right");
    let wrong = crate::identity::pass_file(&s, "wrong", "wrong");
    let get = |pass: &Path| {
        s.cmd("sigil-get")
            .args(["-n", "a/one"])
            .env("SIGIL_PASSPHRASE_FILE", pass)
            .output()
            .unwrap()
    };
    assert_eq!(get(&wrong).status.code(), Some(4));
    // The failed passphrase and the refused get, both without the identity.
    let side = fs::read_to_string(s.home.join("audit-unkeyed.log")).unwrap();
    assert!(side.contains("\"event\":\"identity.passphrase\""), "{side}");
    assert!(
        side.contains("\"event\":\"get\",\"addresses\":[\"a/one\"],\"outcome\":\"refused\""),
        "{side}"
    );
    assert!(get(&right).status.success());
    assert!(get(&right).status.success());
    let verify = || {
        let out = s
            .cmd("sigil-audit")
            .arg("verify")
            .env("SIGIL_PASSPHRASE_FILE", &right)
            .output()
            .unwrap();
        (out.status.code().unwrap(), out)
    };
    // The failure does not break the keyed chain; verify reports it on its own.
    let (code, out) = verify();
    assert_eq!(code, 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let text = text.replace(&s.root().to_string_lossy().into_owned(), "[TMP]");
    insta::assert_snapshot!(regex_key(&text), @r"
    the audit log is intact: 5 entries in 1 file, keyed from the identity (key [KEY])
    note: the unkeyed side log '[TMP]/home/audit-unkeyed.log' is intact: 2 entries in 1 file, unkeyed: a plain SHA-256 chain written without the identity (wrong passphrases, jobs without one), which shows damage but not forgery
    ");
    // An edit after it is still caught, at its line.
    let n = fs::read_to_string(log(&s)).unwrap().lines().count();
    let text = fs::read_to_string(log(&s)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[n - 1] = lines[n - 1].replace("\"a/one/api_key\"", "\"a/two/api_key\"");
    fs::write(log(&s), lines.join("\n") + "\n").unwrap();
    let (code, out) = verify();
    assert_eq!(code, 5);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("line {n} of '")) && err.contains("was altered"),
        "{err}"
    );
}

/// Hides the key id, which differs per run.
fn regex_key(text: &str) -> String {
    match text.find("(key ") {
        Some(i) => format!("{}(key [KEY]){}", &text[..i], &text[i + 18..]),
        None => text.to_owned(),
    }
}
