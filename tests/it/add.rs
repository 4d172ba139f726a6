use crate::support::*;
use std::fs;

#[test]
fn stores_stdin_dropping_one_trailing_newline() {
    let s = Sandbox::init();
    let out = s
        .cmd("sigil-add")
        .arg("github/me")
        .write_stdin("ghp_abc\n")
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        stderr(&out),
        "stored 'github/me/api_key' in the file store\n"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(s.get("github/me"), b"ghp_abc");
    assert_eq!(mode(&s.secret_file("github/me/api_key")), 0o600);
    for d in ["store/github", "store/github/me"] {
        assert_eq!(mode(&s.home.join(d)), 0o700, "{d}");
    }
}

#[test]
fn multi_line_and_binary_values_round_trip_byte_for_byte() {
    let s = Sandbox::init();
    let codes = b"1111-2222\n3333-4444\n\n5555-6666";
    s.add("acme/me/recovery_codes", codes);
    assert_eq!(s.get("acme/me/recovery_codes"), codes);
    let blob: Vec<u8> = (1..=255u8).rev().collect();
    s.add("acme/me/blob", &blob);
    assert_eq!(s.get("acme/me/blob"), blob);
    // Only one newline is dropped: a value that ends in a blank line keeps it.
    s.add("acme/me/trailing", b"x\n\n");
    assert_eq!(s.get("acme/me/trailing"), b"x\n");
}

#[test]
fn field_flag_expiry_and_note_reach_the_metadata() {
    let s = Sandbox::init();
    s.cmd("sigil-add")
        .args(["shop/me", "--field", "password", "--expires", "2030-01-02"])
        .args(["--note", "the \"shop\" login"])
        .write_stdin("pw")
        .assert()
        .success();
    assert_eq!(s.get("shop/me/password"), b"pw");
    let reg = fs::read_to_string(s.home.join("accounts.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&reg).unwrap();
    let acct = doc["accounts"]["shop/me"].as_table().unwrap();
    assert_eq!(acct["kind"].as_str(), Some("password"));
    assert_eq!(acct["expires_at"].as_str(), Some("2030-01-02T00:00:00Z"));
    assert_eq!(acct["note"].as_str(), Some("the \"shop\" login"));
    assert_eq!(acct["backend"].as_str(), Some("file"));
    assert!(!reg.contains("pw\""), "no value in the metadata");
}

#[test]
fn refuses_to_overwrite_without_force() {
    let s = Sandbox::init();
    s.add("github/me", b"old");
    let out = s
        .cmd("sigil-add")
        .arg("github/me")
        .write_stdin("new")
        .assert()
        .code(1)
        .get_output()
        .clone();
    insta::assert_snapshot!(stderr(&out), @r"
    sigil-add: error: 'github/me/api_key' already exists
    help: pass --force to replace it
    ");
    assert_eq!(s.get("github/me"), b"old");
    s.cmd("sigil-add")
        .args(["github/me", "--force"])
        .write_stdin("new")
        .assert()
        .success();
    assert_eq!(s.get("github/me"), b"new");
}

#[test]
fn bad_input_is_refused_and_stores_nothing() {
    let s = Sandbox::init();
    let cases: &[(&[&str], &str, i32)] = &[
        (&["GitHub/me"], "the service must be lowercase", 2),
        (&["github/me/Token"], "the field must be lowercase", 2),
        (&["github/.."], "the account cannot be '..'", 2),
        (
            &["github/me", "--field", "x-y"],
            "the field contains '-'",
            2,
        ),
        (
            &["github/me/a", "--field", "b"],
            "names the field 'a' but --field says 'b'",
            2,
        ),
        (
            &["github/me", "--expires", "soonish"],
            "invalid time 'soonish'",
            2,
        ),
    ];
    for (args, msg, code) in cases {
        let out = s
            .cmd("sigil-add")
            .args(*args)
            .write_stdin("v")
            .assert()
            .code(*code)
            .get_output()
            .clone();
        assert!(stderr(&out).contains(msg), "{args:?}: {}", stderr(&out));
    }
    let out = s
        .cmd("sigil-add")
        .arg("github/me")
        .write_stdin("\n")
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(stderr(&out).contains("no secret given"));
    assert!(!s.home.join("store/github").exists());
    assert!(!s.home.join("accounts.toml").exists());
}

#[test]
fn without_an_identity_it_says_to_run_init() {
    let s = Sandbox::new();
    let out = s
        .cmd("sigil-add")
        .arg("github/me")
        .write_stdin("v")
        .assert()
        .code(4)
        .get_output()
        .clone();
    insta::assert_snapshot!(s.redact(&out.stderr), @r"
    sigil-add: error: no identity found: SIGIL_IDENTITY and SIGIL_IDENTITY_FILE are unset, none is kept in the OS keyring, and '[TMP]/home/identity.txt' does not exist
    help: run `sigil init` to create one, or set SIGIL_IDENTITY_FILE to an age identity file
    ");
}

#[test]
fn a_malformed_registry_stops_the_write() {
    let s = Sandbox::init();
    fs::write(s.home.join("accounts.toml"), "version = 1\n[accounts\n").unwrap();
    let out = s
        .cmd("sigil-add")
        .arg("github/me")
        .write_stdin("v")
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(
        stderr(&out).contains("accounts.toml' is malformed at line 2, column 10"),
        "{}",
        stderr(&out)
    );
    assert!(!s.home.join("store/github").exists(), "nothing stored");
}

#[test]
fn while_it_reads_the_secret_it_dumps_no_core_and_is_closed_to_other_processes() {
    let s = Sandbox::init();
    let mut add = s
        .std_cmd("/bin/sh")
        .args(["-c", "ulimit -c unlimited && exec \"$@\"", "sh"])
        .args(peer_prefix())
        .arg(bin("sigil-add"))
        .arg("github/me")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let outcome = std::panic::catch_unwind(|| assert_hardened(add.id()));
    {
        use std::io::Write;
        add.stdin.take().unwrap().write_all(b"tok").unwrap();
    }
    assert!(add.wait().unwrap().success());
    if let Err(e) = outcome {
        std::panic::resume_unwind(e);
    }
}
