use crate::support::*;
use std::fs;

#[test]
fn prints_the_secret_and_only_it() {
    let s = Sandbox::init();
    s.add("github/me", b"ghp_abc");
    s.cmd("sigil-get")
        .arg("github/me")
        .assert()
        .success()
        .stdout("ghp_abc\n")
        .stderr("");
    s.cmd("sigil-get")
        .args(["-n", "github/me"])
        .assert()
        .success()
        .stdout("ghp_abc");
    s.cmd("sigil-get")
        .arg("auth://github/me/api_key")
        .assert()
        .success()
        .stdout("ghp_abc\n");
    let out = s
        .cmd("sigil-get")
        .args(["--json", "github/me"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["address"], "github/me/api_key");
    assert_eq!(v["value"], "ghp_abc");
}

#[test]
fn an_account_with_only_a_token_defaults_to_it() {
    let s = Sandbox::init();
    s.add("spotify/me/token", b"at");
    assert_eq!(s.get("spotify/me"), b"at");
}

#[test]
fn json_refuses_binary_values() {
    let s = Sandbox::init();
    s.add("x/y", &[0xff, 0xfe]);
    let out = s.cmd("sigil-get").args(["--json", "x/y"]).assert().code(1);
    assert!(stderr(out.get_output()).contains("is not UTF-8 text"));
}

#[test]
fn missing_credentials_exit_3_and_suggest_what_exists() {
    let s = Sandbox::init();
    s.add("github/me/token", b"t");
    s.add("github/me/refresh_token", b"r");
    let out = s.cmd("sigil-get").arg("github/me/api_key").assert().code(3);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-get: error: 'github/me/api_key' not found
    help: that account has: refresh_token, token (e.g. `sigil get github/me/refresh_token`)
    ");
    let out = s.cmd("sigil-get").arg("gitlab/me").assert().code(3);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-get: error: 'gitlab/me/api_key' not found
    help: `sigil list` shows what is stored
    ");
    // Before init, too: nothing there is "not found", not a crash.
    Sandbox::new().cmd("sigil-get").arg("a/b").assert().code(3);
}

#[test]
fn every_rejected_address_form_exits_2_with_the_grammar() {
    let s = Sandbox::init();
    let long_service = format!("{}/me", "s".repeat(65));
    let long_account = format!("s/{}", "a".repeat(129));
    let long_field = format!("s/a/{}", "f".repeat(33));
    for bad in [
        "",
        "github",
        "github/",
        "/me",
        "github//token",
        "../me",
        "github/..",
        "github/me/../x",
        "GitHub/me",
        "github/m e",
        "github/me\tx",
        "github/me\u{1b}[2J",
        "a/b/c/d",
        &long_service,
        &long_account,
        &long_field,
    ] {
        let out = s.cmd("sigil-get").arg(bad).assert().code(2);
        let err = stderr(out.get_output());
        assert!(
            err.starts_with("sigil-get: error: invalid address '"),
            "{bad:?}: {err}"
        );
        assert!(
            err.contains("help: an address is service/account[/field]"),
            "{err}"
        );
        assert!(
            !err.contains('\u{1b}'),
            "control characters are escaped: {err:?}"
        );
    }
    let out = s.cmd("sigil-get").arg("GitHub/me").assert().code(2);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-get: error: invalid address 'GitHub/me': the service must be lowercase
    help: an address is service/account[/field]: service is 1-64 of [a-z0-9._-] starting with [a-z0-9], account is 1-128 of [A-Za-z0-9@._+-], field is 1-32 of [a-z0-9_] (e.g. github/me or auth://github/me/token)
    ");
}

#[test]
fn a_readable_secret_or_store_is_refused_with_the_fix() {
    let s = Sandbox::init();
    s.add("github/me", b"v");
    let f = s.secret_file("github/me/api_key");
    chmod(&f, 0o644);
    let out = s.cmd("sigil-get").arg("github/me").assert().code(5);
    insta::assert_snapshot!(s.redact(&out.get_output().stderr), @r"
    sigil-get: error: '[TMP]/home/store/github/me/api_key.age' is accessible by other users (mode 0644)
    help: run `chmod 600 '[TMP]/home/store/github/me/api_key.age'`
    ");
    assert!(out.get_output().stdout.is_empty());
    chmod(&f, 0o600);
    chmod(&s.home.join("store"), 0o755);
    let out = s.cmd("sigil-get").arg("github/me").assert().code(5);
    assert!(
        stderr(out.get_output()).contains("chmod 700"),
        "{}",
        stderr(out.get_output())
    );
    chmod(&s.home.join("store"), 0o700);
    chmod(&s.identity_file(), 0o640);
    let out = s.cmd("sigil-get").arg("github/me").assert().code(5);
    assert!(stderr(out.get_output()).contains("identity.txt' is accessible by other users"));
}

#[test]
fn a_damaged_file_fails_alone() {
    let s = Sandbox::init();
    s.add("a/one", b"1");
    s.add("a/two", b"2");
    let f = s.secret_file("a/one/api_key");
    let mut bytes = fs::read(&f).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 0x01;
    fs::write(&f, &bytes).unwrap();
    let out = s.cmd("sigil-get").arg("a/one").assert().code(5);
    let err = stderr(out.get_output());
    assert!(err.contains("api_key.age' is damaged or altered"), "{err}");
    assert!(err.contains("help: restore it from a backup"), "{err}");
    assert_eq!(s.get("a/two"), b"2");
    fs::write(&f, b"").unwrap();
    s.cmd("sigil-get").arg("a/one").assert().code(5);
    assert_eq!(s.get("a/two"), b"2");
}

#[test]
fn a_wrong_identity_exits_4() {
    let s = Sandbox::init();
    s.add("a/one", b"1");
    let other = Sandbox::init();
    let out = s
        .cmd("sigil-get")
        .arg("a/one")
        .env("SIGIL_IDENTITY_FILE", other.identity_file())
        .assert()
        .code(4);
    let err = stderr(out.get_output());
    assert!(
        err.contains("it is not encrypted to your identity"),
        "{err}"
    );
    let out = s
        .cmd("sigil-get")
        .arg("a/one")
        .env("SIGIL_IDENTITY", "AGE-SECRET-KEY-1XYZ")
        .assert()
        .code(4);
    let err = stderr(out.get_output());
    assert!(
        err.contains("the identity in the SIGIL_IDENTITY variable is invalid"),
        "{err}"
    );
    assert!(
        !err.contains("1XYZ"),
        "the key never appears in errors: {err}"
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let s = Sandbox::init();
    s.add("a/big", &vec![b'x'; 200_000]);
    // sigil-get, the dispatcher running `get` itself, and an entry point that starts it.
    for command in ["sigil-get a/big", "sigil get a/big", "sigil-resolve a/big"] {
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "set -o pipefail; '{}/'{command} | head -c 1 >/dev/null",
                bin_dir().display()
            ))
            .env("SIGIL_HOME", &s.home)
            .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{command}: {}", stderr(&out));
        assert!(out.stderr.is_empty(), "{command}: {}", stderr(&out));
    }
}
