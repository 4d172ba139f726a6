//! `sigil check`: finds each kind of problem, names the fixing command, exits 1; exits 0 when
//! all is well.

use crate::support::*;
use std::fs;

#[test]
fn all_well_exits_0() {
    let s = Sandbox::init();
    s.add("svc/one", b"v");
    let out = s.cmd("sigil-check").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("all is well: 1 secret decrypted"));
    let out = s.cmd("sigil-check").arg("--json").output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(v["secrets"], 1);
}

#[test]
fn finds_each_kind_of_problem() {
    let s = Sandbox::init();
    chmod(s.root(), 0o700);
    s.add("svc/damaged", b"v");
    s.add("svc/open", b"v");
    s.cmd("sigil-add")
        .args(["svc/expired", "--expires", "2001-01-01"])
        .write_stdin("v")
        .assert()
        .success();
    s.cmd("sigil-add")
        .args(["svc/soon", "--expires", "1d"])
        .write_stdin("v")
        .assert()
        .success();
    // An OAuth account that cannot refresh: its provider is unknown.
    s.add("oa/me/token", b"t");
    s.add("oa/me/refresh_token", b"r");
    let reg = fs::read_to_string(s.home.join("accounts.toml")).unwrap();
    fs::write(
        s.home.join("accounts.toml"),
        reg.replace(
            "[accounts.\"oa/me\"]\nkind = \"api_key\"",
            "[accounts.\"oa/me\"]\nkind = \"oauth\"\nprovider = \"nowhere\"",
        ),
    )
    .unwrap();
    fs::write(s.secret_file("svc/damaged/api_key"), b"not an age file").unwrap();
    chmod(&s.secret_file("svc/open/api_key"), 0o644);
    fs::write(
        s.root().join(".netrc"),
        "machine api.example.com login me password plain-netrc-pw\n",
    )
    .unwrap();
    let out = s.cmd("sigil-check").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out), "sigil-check: error: 6 problems found\n");
    let report = s.redact(&out.stdout);
    insta::with_settings!({filters => vec![
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]"),
    ]}, {
        insta::assert_snapshot!(report);
    });
    let json = s.cmd("sigil-check").arg("--json").output().unwrap();
    assert_eq!(json.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let kinds: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["check"].as_str().unwrap())
        .collect();
    for k in [
        "decrypt",
        "refresh",
        "expired",
        "expiring",
        "permissions",
        "plaintext",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    // Only the named credentials, and no store-wide checks.
    let out = s.cmd("sigil-check").arg("svc/expired").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.contains("sigil add svc/expired --force --expires WHEN"),
        "{text}"
    );
    s.cmd("sigil-check").arg("svc/soon/nope").assert().code(1);
    // No value appears in the report or the audit log.
    let log = fs::read_to_string(s.home.join("audit.log")).unwrap();
    assert!(!String::from_utf8_lossy(&json.stdout).contains("plain-netrc-pw"));
    assert!(!log.contains("plain-netrc-pw"));
}

#[test]
fn a_check_is_not_a_use() {
    let s = Sandbox::init();
    s.add("vendor/key", b"v");
    s.cmd("sigil-policy")
        .args(["set", "vendor/key", "--max-uses", "1", "--allow", "run"])
        .assert()
        .success();
    s.cmd("sigil-check").assert().success();
    let out = s
        .cmd("sigil-policy")
        .args(["show", "vendor/key"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("(used 0)"));
}
