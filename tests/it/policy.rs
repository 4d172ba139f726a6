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
