//! `sigil policy`: rules per credential, refusals that exit 5 naming the rule, use counts that
//! hold under concurrent readers, and expiry warnings at the edges of the window.

use crate::support::*;
use std::process::{Command as Std, Stdio};

fn policy(s: &Sandbox, args: &[&str]) -> std::process::Output {
    s.cmd("sigil-policy").args(args).output().unwrap()
}

#[test]
fn allow_run_injects_while_get_refuses() {
    let s = Sandbox::init();
    s.add("deploy/ci", b"deploy-key");
    let out = policy(&s, &["set", "deploy/ci", "--allow", "run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = s.cmd("sigil-get").arg("deploy/ci").output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(out.stdout.is_empty(), "nothing printed");
    insta::assert_snapshot!(stderr(&out), @r"
    sigil-get: error: the policy of 'deploy/ci' refuses `sigil get`: --allow run does not include get
    help: hand it out with `sigil run`, or change the policy: `sigil policy set deploy/ci --allow …`
    ");
    for (bin, args) in [
        ("sigil-resolve", vec!["auth://deploy/ci"]),
        ("sigil-env", vec![]),
    ] {
        s.cmd(bin)
            .args(&args)
            .env("K", "auth://deploy/ci")
            .assert()
            .code(5);
    }
    let config = s.home.join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[git.\"https://deploy.example\"]\naddress = \"deploy/ci\"\n");
    std::fs::write(&config, text).unwrap();
    s.cmd("git-credential-sigil")
        .arg("get")
        .write_stdin("protocol=https\nhost=deploy.example\nusername=ci\n\n")
        .assert()
        .code(5);
    let out = s
        .cmd("sigil-run")
        .env("K", "auth://deploy/ci")
        .args(["--no-mask", "--", "sh", "-c", "printf %s \"$K\""])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, b"deploy-key");
    // A library user counts as get.
    let out = policy(&s, &["show", "deploy/ci"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "allow       run\n");
    let out = policy(&s, &["show", "deploy/ci", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["allow"][0], "run");
    assert!(policy(&s, &["clear", "deploy/ci"]).status.success());
    assert_eq!(s.get("deploy/ci"), b"deploy-key");
    let out = policy(&s, &["show", "deploy/ci"]);
    assert!(stderr(&out).contains("has no policy"), "{}", stderr(&out));
}

#[test]
fn time_windows_name_their_rule() {
    let s = Sandbox::init();
    s.add("a/b", b"v");
    assert!(
        policy(&s, &["set", "a/b", "--not-before", "2099-01-01"])
            .status
            .success()
    );
    let out = s.cmd("sigil-get").arg("a/b").output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(stderr(&out).contains("--not-before 2099-01-01T00:00:00Z has not come yet"));
    assert!(
        policy(
            &s,
            &[
                "set",
                "a/b",
                "--not-before",
                "2001-01-01",
                "--not-after",
                "2002-01-01"
            ]
        )
        .status
        .success()
    );
    let out = s.cmd("sigil-get").arg("a/b").output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(stderr(&out).contains("--not-after 2002-01-01T00:00:00Z has passed"));
    // It lives in accounts.toml.
    let reg = std::fs::read_to_string(s.home.join("accounts.toml")).unwrap();
    assert!(reg.contains("[policies.\"a/b\"]"), "{reg}");
    assert!(
        reg.contains("not_after = \"2002-01-01T00:00:00Z\""),
        "{reg}"
    );
}

#[test]
fn bad_input_is_refused_clearly() {
    let s = Sandbox::init();
    s.add("a/b", b"v");
    let out = policy(&s, &["set", "a/b"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no rule given"));
    let out = policy(&s, &["set", "a/b", "--allow", "print"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown use 'print'"));
    let out = policy(&s, &["set", "a/b/api_key", "--max-uses", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("applies to a whole account"));
    let out = policy(&s, &["set", "no/such", "--max-uses", "1"]);
    assert_eq!(out.status.code(), Some(3));
    let out = policy(&s, &["set", "a/b", "--not-after", "someday"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn max_uses_holds_under_eight_concurrent_readers() {
    let s = Sandbox::init();
    s.add("vendor/key", b"vendor-value");
    assert!(
        policy(&s, &["set", "vendor/key", "--max-uses", "3"])
            .status
            .success()
    );
    let children: Vec<_> = (0..8)
        .map(|_| {
            Std::new(bin("sigil-get"))
                .arg("vendor/key")
                .env("SIGIL_HOME", &s.home)
                .env("HOME", s.root())
                .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
                .env_remove("SIGIL_IDENTITY")
                .env_remove("SIGIL_IDENTITY_FILE")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let ok = outs.iter().filter(|o| o.status.success()).count();
    let refused: Vec<_> = outs.iter().filter(|o| o.status.code() == Some(5)).collect();
    assert_eq!(ok, 3, "exactly max-uses reads succeed");
    assert_eq!(refused.len(), 5);
    for r in refused {
        assert!(String::from_utf8_lossy(&r.stderr).contains("--max-uses 3 reached"));
    }
    let out = policy(&s, &["show", "vendor/key"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "max-uses    3 (used 3)\n"
    );
    // A failed read does not use one up; a new budget starts a new count.
    assert!(
        policy(&s, &["set", "vendor/key", "--max-uses", "1"])
            .status
            .success()
    );
    std::fs::write(s.secret_file("vendor/key/api_key"), b"damaged").unwrap();
    s.cmd("sigil-get").arg("vendor/key").assert().failure();
    let out = policy(&s, &["show", "vendor/key"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "max-uses    1 (used 0)\n"
    );
}

/// Adds `addr` expiring at `at` (RFC 3339) and returns `get`'s stderr.
fn warning_for(s: &Sandbox, addr: &str, expires: &str) -> String {
    s.cmd("sigil-add")
        .args([addr, "--expires", expires, "--force"])
        .write_stdin("v")
        .assert()
        .success();
    let out = s.cmd("sigil-get").arg(addr).output().unwrap();
    assert!(out.status.success());
    stderr(&out)
}

#[test]
fn expiry_warnings_at_the_edges_of_the_window() {
    let s = Sandbox::init();
    std::fs::write(
        s.home.join("config.toml"),
        "[defaults]\nexpiry_warning = \"2d\"\n",
    )
    .unwrap();
    // Just outside the window: quiet.
    assert_eq!(warning_for(&s, "e/outside", "49h"), "");
    // Just inside: warned.
    let w = warning_for(&s, "e/inside", "47h");
    assert!(
        w.starts_with("sigil-get: warning: 'e/inside' expires at "),
        "{w}"
    );
    // Past: warned as expired.
    let w = warning_for(&s, "e/past", "2001-01-01");
    assert!(
        w.contains("'e/past' expired at 2001-01-01T00:00:00Z"),
        "{w}"
    );
    // Once per run, even when the template names it twice; resolve and run warn too.
    let out = s
        .cmd("sigil-resolve")
        .args(["auth://e/inside", "auth://e/inside/api_key"])
        .output()
        .unwrap();
    assert_eq!(
        stderr(&out).matches("warning").count(),
        1,
        "{}",
        stderr(&out)
    );
    let out = s
        .cmd("sigil-run")
        .env("A", "auth://e/inside")
        .env("B", "auth://e/past")
        .args(["--", "true"])
        .output()
        .unwrap();
    assert_eq!(
        stderr(&out).matches("warning").count(),
        2,
        "{}",
        stderr(&out)
    );
    // sigil list and status mark them.
    let out = s.cmd("sigil-list").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("e/inside\t") && l.ends_with("expiring")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("e/outside\t") && l.ends_with("\tok")),
        "{text}"
    );
}

#[test]
fn a_program_using_the_library_counts_as_get() {
    let s = Sandbox::init();
    s.add("deploy/ci", b"deploy-key");
    assert!(
        policy(&s, &["set", "deploy/ci", "--allow", "run"])
            .status
            .success()
    );
    let sigil = sigil::Sigil::builder()
        .home(&s.home)
        .backend(Some("file"))
        .open()
        .unwrap();
    let e = sigil.get("deploy/ci").unwrap_err();
    assert_eq!(e.class(), sigil::ExitClass::Refused);
    assert!(
        e.to_string().contains("--allow run does not include get"),
        "{e}"
    );
    let log = std::fs::read_to_string(s.home.join("audit.log")).unwrap();
    assert!(
        log.lines()
            .last()
            .unwrap()
            .contains("\"event\":\"get\",\"addresses\":[\"deploy/ci\"],\"outcome\":\"refused\""),
        "{log}"
    );
}

/// Policies bind programs, not the identity's owner, but a new member is someone else:
/// `sigil recipients add` would hand them a run-only secret as a plain age file that no
/// policy governs. It refuses (exit 5, naming the accounts) unless `--force`, and a forced
/// re-encryption is in the audit log with the accounts it handed over.
#[test]
fn recipients_add_needs_force_for_a_policy_restricted_secret_and_is_audited() {
    need("age-keygen");
    need("age");
    let s = Sandbox::init();
    s.add("team/deploy", b"run-only-deploy-key");
    s.add("team/docs", b"free-docs-key");
    s.add("open/me", b"open-key");
    let out = policy(&s, &["set", "team/deploy", "--allow", "run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let keyfile = s.root().join("member.txt");
    let keygen = Std::new("age-keygen")
        .arg("-o")
        .arg(&keyfile)
        .output()
        .unwrap();
    assert!(keygen.status.success(), "{}", stderr(&keygen));
    let member = String::from_utf8_lossy(&keygen.stderr)
        .trim()
        .strip_prefix("Public key: ")
        .unwrap()
        .to_owned();
    let member_reads = |addr: &str| {
        Std::new("age")
            .arg("-d")
            .arg("-i")
            .arg(&keyfile)
            .arg(s.secret_file(addr))
            .output()
            .unwrap()
            .status
            .success()
    };

    let out = s
        .cmd("sigil-recipients")
        .args(["add", &member, "team"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    insta::assert_snapshot!(s.redact(&out.stderr), @r"
    sigil-recipients: error: adding a recipient to 'team' would hand them copies of its secrets that no policy governs; the usage policy of 'team/deploy' does not allow that
    help: pass --force to hand them over anyway (recorded in the audit log), move those accounts to another folder, or change their policy with `sigil policy set`
    ");
    assert!(
        !member_reads("team/deploy/api_key"),
        "refused, yet re-encrypted"
    );
    assert!(!s.home.join("store/team/.age-recipients").exists());

    // A folder without a restricted secret needs no --force.
    s.cmd("sigil-recipients")
        .args(["add", &member, "open"])
        .assert()
        .success();
    assert!(member_reads("open/me/api_key"));

    let out = s
        .cmd("sigil-recipients")
        .args(["add", &member, "team", "--force"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(s.redact(&out.stderr), @r"
    warning: --force handed age1[KEY] 'team/deploy/api_key' that a usage policy restricts; it can decrypt them without sigil, where no policy applies (recorded in the audit log)
    added age1[KEY] to '[TMP]/home/store/team/.age-recipients' (created from the recipients it inherited); re-encrypted 2 secrets to the 2 recipients
    ");
    assert!(member_reads("team/deploy/api_key"));
    let log = std::fs::read_to_string(s.home.join("audit.log")).unwrap();
    let forced: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event"] == "recipients.add.force")
        .collect();
    assert_eq!(forced.len(), 1, "{log}");
    assert_eq!(forced[0]["outcome"], "ok", "{log}");
    assert_eq!(
        forced[0]["addresses"],
        serde_json::json!(["team/deploy/api_key"]),
        "{log}"
    );
}

/// A window that closes before it opens would refuse every use while looking like a rule:
/// `policy set` refuses it, whether both ends come at once or one end is added later.
#[test]
fn a_window_that_ends_before_it_starts_is_refused() {
    let s = Sandbox::init();
    s.add("deploy/ci", b"deploy-key");
    let out = policy(
        &s,
        &[
            "set",
            "deploy/ci",
            "--not-before",
            "2030-01-02",
            "--not-after",
            "2030-01-01",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--not-before"), "{}", stderr(&out));
    assert!(
        policy(&s, &["set", "deploy/ci", "--not-after", "2030-01-01"])
            .status
            .success()
    );
    let out = policy(&s, &["set", "deploy/ci", "--not-before", "2030-06-01"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = policy(&s, &["show", "deploy/ci"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("not-before"));
}

/// `accounts.toml`'s stamp as the derived files record it: size, mtime in ns, inode.
fn stamp(s: &Sandbox) -> (u64, i128, u64) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(s.home.join("accounts.toml")).unwrap();
    let mtime = m.mtime() as i128 * 1_000_000_000 + m.mtime_nsec() as i128;
    (m.len(), mtime, m.ino())
}

/// Someone who can write the home but has not the identity plants a use index or a registry
/// cache that matches `accounts.toml`'s public stamp and leaves the policy out: in the old
/// format, with a made-up seal, or with a seal copied from another home of theirs. None is
/// trusted, so the use limit holds and what `policy show` reports is what `get` enforces.
#[test]
fn a_planted_use_index_or_registry_cache_does_not_turn_a_policy_off() {
    let s = Sandbox::init();
    s.add("vendor/key", b"vendor-secret");
    let out = policy(&s, &["set", "vendor/key", "--max-uses", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    s.cmd("sigil-get").arg("vendor/key").assert().success();
    s.cmd("sigil-get").arg("vendor/key").assert().code(5);

    let (len, mtime, ino) = stamp(&s);
    let stamp = format!("[{len},{mtime},{ino}]");
    let zeros = "00".repeat(32);
    let no_policy = r#"{"version":1,"accounts":{},"policies":{}}"#;
    let mut plants = vec![
        (
            ".use-index.json",
            format!("{{\"stamp\":{stamp},\"accounts\":{{}}}}"),
        ),
        (
            ".accounts.cache.json",
            format!(
                "{{\"len\":{len},\"mtime_ns\":{mtime},\"ino\":{ino},\"registry\":{no_policy}}}"
            ),
        ),
        (
            ".use-index.json",
            format!("{{\"stamp\":{stamp},\"seal\":\"{zeros}\"}}\n{{}}"),
        ),
        (
            ".accounts.cache.json",
            format!("{{\"stamp\":{stamp},\"seal\":\"{zeros}\"}}\n{no_policy}"),
        ),
    ];
    // The attacker's own home, where the account has no policy and both files are sealed:
    // its seals, put on this home's stamp.
    let other = Sandbox::init();
    other.add("vendor/key", b"theirs");
    other.cmd("sigil-get").arg("vendor/key").assert().success();
    for name in [".use-index.json", ".accounts.cache.json"] {
        let text = std::fs::read_to_string(other.home.join(name)).unwrap();
        if let Some((head, body)) = text.split_once('\n') {
            let head: serde_json::Value = serde_json::from_str(head).unwrap();
            let seal = head["seal"].as_str().unwrap_or_default();
            plants.push((
                name,
                format!("{{\"stamp\":{stamp},\"seal\":\"{seal}\"}}\n{body}"),
            ));
        }
    }
    let planted = plants.len();
    for (name, text) in plants {
        let _ = std::fs::remove_file(s.home.join(".use-index.json"));
        let _ = std::fs::remove_file(s.home.join(".accounts.cache.json"));
        std::fs::write(s.home.join(name), &text).unwrap();
        let out = s.cmd("sigil-get").arg("vendor/key").output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(5),
            "{name} {text}: {}",
            stderr(&out)
        );
        assert!(out.stdout.is_empty());
        let shown = policy(&s, &["show", "vendor/key"]);
        assert!(String::from_utf8_lossy(&shown.stdout).contains("1 (used 1)"));
    }
    assert_eq!(planted, 6, "the other home wrote both files sealed");
}
