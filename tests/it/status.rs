use crate::support::*;

#[test]
fn reports_paths_identity_counts_and_expiry() {
    let s = Sandbox::init();
    s.add("github/me", b"v");
    s.cmd("sigil-add")
        .args(["old/key", "--expires", "2001-01-01"])
        .write_stdin("v")
        .assert()
        .success();
    let out = s.cmd("sigil-status").assert().success();
    insta::assert_snapshot!(s.redact(&out.get_output().stdout), @r"
    home      [TMP]/home
    store     [TMP]/home/store
    backend   file
    identity  '[TMP]/home/identity.txt'
              public key age1[KEY]
    accounts  2
    secrets   2
    expired   old/key (2001-01-01T00:00:00Z)
    problems  none
    ");
    let out = s.cmd("sigil-status").args(["--json"]).assert().success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["accounts"], 2);
    assert_eq!(v["backend"], "file");
    assert_eq!(v["expiring"][0]["state"], "expired");
    let out = s.cmd("sigil-status").args(["--verbose"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for step in [
        "- asked for: auto (the default)",
        "- keyring: probed in ",
        "the D-Bus session bus '/nonexistent/sigil-test-bus' does not exist",
        "- new secrets go to: file (auto, and no usable keyring answered)",
    ] {
        assert!(text.contains(step), "{step:?} in {text}");
    }
}

#[test]
fn lists_permission_problems_with_fixes_and_a_missing_identity() {
    let s = Sandbox::init();
    s.add("github/me", b"v");
    chmod(&s.secret_file("github/me/api_key"), 0o644);
    chmod(&s.home.join("store/github"), 0o755);
    std::fs::remove_file(s.identity_file()).unwrap();
    let out = s.cmd("sigil-status").assert().success();
    let text = s.redact(&out.get_output().stdout);
    assert!(text.contains("identity  none (no identity found"), "{text}");
    assert!(
        text.contains("fix: chmod 600 '[TMP]/home/store/github/me/api_key.age'"),
        "{text}"
    );
    assert!(
        text.contains("fix: chmod 700 '[TMP]/home/store/github'"),
        "{text}"
    );
    assert!(text.contains("problems  3"), "{text}");
}
