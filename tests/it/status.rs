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

/// Every command that reads config.toml, with arguments that would otherwise succeed or fail
/// for another reason.
const READERS: &[&[&str]] = &[
    &["sigil-get", "github/me"],
    &["sigil-list"],
    &["sigil-status"],
    &["sigil-init"],
    &["sigil-run", "--", "true"],
    &["sigil-env"],
    &["sigil-resolve", "auth://github/me"],
    &["sigil-check"],
    &["sigil-rm", "github/me"],
    &["sigil-audit", "show"],
    &["sigil-export", "github/me"],
    &["sigil-login", "--list-providers"],
];

#[test]
fn a_config_others_can_write_is_refused_by_every_command_that_reads_it() {
    // SIGIL_HOME: the config directory is the home.
    let s = Sandbox::init();
    s.add("github/me", b"tok");
    let config = s.home.join("config.toml");
    for mode in [0o664, 0o646, 0o620] {
        chmod(&config, mode);
        for args in READERS {
            let out = s.cmd(args[0]).args(&args[1..]).output().unwrap();
            let err = s.redact(&out.stderr);
            assert_eq!(out.status.code(), Some(5), "{args:?} with {mode:o}: {err}");
            assert!(
                err.contains("help: run `chmod 600 '[TMP]/home/config.toml'`"),
                "{args:?}: {err}"
            );
            assert!(out.stdout.is_empty(), "{args:?}");
        }
    }
    // Readable by others is not a way in (it is what many editors leave).
    chmod(&config, 0o644);
    s.cmd("sigil-get").arg("github/me").assert().success();
    chmod(&config, 0o600);
    chmod(&s.home, 0o770);
    let out = s.cmd("sigil-list").output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        s.redact(&out.stderr)
            .contains("help: run `chmod 700 '[TMP]/home'`"),
        "{}",
        stderr(&out)
    );
    chmod(&s.home, 0o700);

    // XDG: a separate config directory.
    let x = Sandbox::new();
    let data = x.root().join("data");
    let conf = x.root().join("conf");
    let xdg = |name: &str| {
        let mut c = x.cmd(name);
        c.env_remove("SIGIL_HOME")
            .env("XDG_DATA_HOME", &data)
            .env("XDG_CONFIG_HOME", &conf);
        c
    };
    xdg("sigil-init").assert().success();
    chmod(&conf.join("sigil"), 0o757);
    let out = xdg("sigil-list").output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    insta::assert_snapshot!(x.redact(&out.stderr), @r"
    sigil-list: error: '[TMP]/conf/sigil' is accessible by other users (mode 0757)
    help: run `chmod 700 '[TMP]/conf/sigil'`
    ");
}
