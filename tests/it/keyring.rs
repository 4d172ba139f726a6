//! The keyring backend against a real Secret Service: the private gnome-keyring that
//! `cargo xtask test` starts (these tests skip elsewhere, so no real keyring is touched).

use crate::support::*;

#[test]
fn init_keeps_the_identity_in_the_keyring_and_auto_stores_there() {
    if !private_keyring() {
        return;
    }
    let s = Sandbox::new();
    let out = s.keyring(s.cmd("sigil-init")).assert().success();
    let err = stderr(out.get_output());
    assert!(err.contains("the OS keyring (item 'age-identity:"), "{err}");
    assert!(!s.identity_file().exists());
    assert!(s.home.join("identity.keyring").exists());

    let svc = unique_service("kr");
    let addr = format!("{svc}/me/token");
    let value = b"line1\nline2\n\xff\xfe-not-utf8";
    let out = s
        .keyring(s.cmd("sigil-add"))
        .arg(&addr)
        .write_stdin(value.to_vec())
        .assert()
        .success();
    assert_eq!(
        stderr(out.get_output()),
        format!("stored '{addr}' in the keyring\n")
    );
    assert!(
        !s.home.join("store").join(&svc).exists(),
        "nothing in the file store"
    );

    // Another client finds it by the documented naming, and reads the same bytes.
    let (found, ok) = secret_tool(&["lookup", "service", "sigil", "username", &addr]);
    assert!(ok);
    assert_eq!(found, value.strip_suffix(b"").unwrap());
    let (search, _) = secret_tool(&["search", "service", "sigil", "username", &addr]);
    let search = String::from_utf8_lossy(&search);
    assert!(
        search.contains(&format!("label = sigil: {svc}/me (token)")),
        "{search}"
    );

    let got = s
        .keyring(s.cmd("sigil-get"))
        .args(["-n", &format!("{svc}/me")])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(got, value);

    let out = s.keyring(s.cmd("sigil-list")).arg(&svc).assert().success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        format!("{svc}/me\tapi_key\ttoken\tkeyring\t-\tok\n")
    );
    let out = s
        .keyring(s.cmd("sigil-status"))
        .arg("--verbose")
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("backend   keyring"), "{text}");
    assert!(
        text.contains("new secrets go to: keyring (auto, and the keyring answered unlocked)"),
        "{text}"
    );
    assert!(
        text.contains("identity  the OS keyring (item 'age-identity:"),
        "{text}"
    );

    s.keyring(s.cmd("sigil-rm"))
        .args([&addr, "--yes"])
        .assert()
        .success();
    let (_, ok) = secret_tool(&["lookup", "service", "sigil", "username", &addr]);
    assert!(!ok, "deleted from the keyring");
}

#[test]
fn a_secret_stays_in_its_backend_whatever_the_default() {
    if !private_keyring() {
        return;
    }
    let s = Sandbox::new();
    s.keyring(s.cmd("sigil-init")).assert().success();
    let svc = unique_service("one");
    // In the file store by choice, with the identity from the keyring.
    s.keyring(s.cmd("sigil-add"))
        .args([&format!("{svc}/f"), "--backend", "file"])
        .write_stdin("in-file")
        .assert()
        .success();
    assert!(
        s.home
            .join("store")
            .join(&svc)
            .join("f/api_key.age")
            .exists()
    );
    // In the keyring by default.
    s.keyring(s.cmd("sigil-add"))
        .arg(format!("{svc}/k"))
        .write_stdin("in-keyring")
        .assert()
        .success();
    // get goes to the recorded backend whatever the current default is.
    for backend_env in [None, Some("auto")] {
        let mut c = s.keyring(s.cmd("sigil-get"));
        if let Some(b) = backend_env {
            c.env("SIGIL_BACKEND", b);
        }
        c.args(["-n", &format!("{svc}/f")])
            .assert()
            .success()
            .stdout("in-file");
    }
    s.keyring(s.cmd("sigil-get"))
        .args(["-n", &format!("{svc}/k")])
        .assert()
        .success()
        .stdout("in-keyring");
    // A second field of the keyring account cannot be forced into the file store.
    let out = s
        .keyring(s.cmd("sigil-add"))
        .args([&format!("{svc}/k/other"), "--backend", "file"])
        .write_stdin("x")
        .assert()
        .code(1);
    assert!(stderr(out.get_output()).contains("is kept in the keyring backend, not file"));
    // A new field of the file account follows the account into the file store.
    s.keyring(s.cmd("sigil-add"))
        .arg(format!("{svc}/f/extra"))
        .write_stdin("x")
        .assert()
        .success();
    assert!(s.home.join("store").join(&svc).join("f/extra.age").exists());
    // rm --all empties both.
    s.keyring(s.cmd("sigil-rm"))
        .args(["--all", "--yes", "--purge-identity"])
        .assert()
        .success();
    let (_, ok) = secret_tool(&[
        "lookup",
        "service",
        "sigil",
        "username",
        &format!("{svc}/k/api_key"),
    ]);
    assert!(!ok);
    assert!(!s.home.join("identity.keyring").exists());
}

#[test]
fn a_secret_written_by_secret_tool_is_read_by_sigil() {
    if !private_keyring() {
        return;
    }
    let s = Sandbox::new();
    s.keyring(s.cmd("sigil-init")).assert().success();
    let svc = unique_service("ext");
    let addr = format!("{svc}/me/api_key");
    need("secret-tool");
    let mut c = std::process::Command::new("secret-tool");
    c.args([
        "store", "--label", "by hand", "service", "sigil", "username", &addr, "target", "default",
    ]);
    for (k, v) in keyring_env().unwrap() {
        c.env(k, v);
    }
    use std::io::Write;
    let mut child = c.stdin(std::process::Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"typed").unwrap();
    assert!(child.wait().unwrap().success());
    s.keyring(s.cmd("sigil-get"))
        .args(["-n", &addr, "--backend", "keyring"])
        .assert()
        .success()
        .stdout("typed");
}

#[test]
fn a_locked_keyring_is_reported_at_once_and_never_prompts() {
    if !private_keyring() {
        return;
    }
    let kr = OwnKeyring::start();
    let with = |mut c: assert_cmd::Command| {
        c.env("DBUS_SESSION_BUS_ADDRESS", &kr.address);
        c
    };
    // One home keeps its identity in the keyring, one in a file.
    let in_keyring = Sandbox::new();
    with(in_keyring.cmd("sigil-init")).assert().success();
    with(in_keyring.cmd("sigil-add"))
        .arg("kr/me")
        .write_stdin("v")
        .assert()
        .success();
    let in_file = Sandbox::new();
    with(in_file.cmd("sigil-init"))
        .args(["--backend", "file"])
        .assert()
        .success();
    assert!(in_file.identity_file().exists());

    kr.lock();
    let start = std::time::Instant::now();
    let out = with(in_keyring.cmd("sigil-get"))
        .arg("kr/me")
        .assert()
        .code(1);
    let err = stderr(out.get_output());
    assert!(
        err.contains("the keyring backend is unavailable: answered, but") && err.contains("locked"),
        "{err}"
    );
    let out = with(in_keyring.cmd("sigil-status"))
        .arg("-v")
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("the keyring is locked, so new secrets go to the file store"),
        "{text}"
    );
    assert!(
        text.contains("new secrets go to: file (auto, and no usable keyring answered)"),
        "{text}"
    );
    // With the identity in a file, auto falls back to the file store for new secrets.
    let out = with(in_file.cmd("sigil-add"))
        .arg("new/acct")
        .write_stdin("w")
        .assert()
        .success();
    assert_eq!(
        stderr(out.get_output()),
        "stored 'new/acct/api_key' in the file store\n"
    );
    assert_eq!(
        with(in_file.cmd("sigil-get"))
            .args(["-n", "new/acct"])
            .assert()
            .success()
            .get_output()
            .stdout,
        b"w"
    );
    // The identity itself locked away is an identity problem (exit 4), not a hang.
    let out = with(in_keyring.cmd("sigil-add"))
        .args(["other/acct", "--backend", "file"])
        .write_stdin("x")
        .assert()
        .code(4);
    assert!(stderr(out.get_output()).contains("cannot read the identity from the OS keyring"));
    assert!(
        start.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
}
