//! Backend choice without a keyring: the env backend, `auto` on a headless box, forced
//! backends, and a keyring probe that never hangs.

use crate::support::*;
use std::time::{Duration, Instant};

#[test]
fn env_values_are_read_without_any_setup() {
    let s = Sandbox::new();
    s.cmd("sigil-get")
        .arg("ci/me/token")
        .env("SIGIL_CI_ME_TOKEN", "x")
        .assert()
        .success()
        .stdout("x\n");
    // The default field follows the same rule as elsewhere: api_key, else token.
    s.cmd("sigil-get")
        .arg("ci/me")
        .env("SIGIL_CI_ME_TOKEN", "tok")
        .assert()
        .success()
        .stdout("tok\n");
    s.cmd("sigil-get")
        .args(["my-svc.io/First.Last@corp.com", "--backend", "env"])
        .env("SIGIL_MY_SVC_IO_FIRST_LAST_CORP_COM_API_KEY", "k")
        .assert()
        .success()
        .stdout("k\n");
    assert!(!s.home.exists(), "reading the environment creates nothing");
}

#[test]
fn env_values_win_over_stored_ones_when_set() {
    let s = Sandbox::init();
    s.add("ci/me", b"stored");
    assert_eq!(s.get("ci/me"), b"stored");
    s.cmd("sigil-get")
        .arg("ci/me")
        .env("SIGIL_CI_ME_API_KEY", "from-env")
        .assert()
        .success()
        .stdout("from-env\n");
}

#[test]
fn the_env_backend_is_read_only_and_names_the_variable() {
    let s = Sandbox::init();
    let out = s
        .cmd("sigil-add")
        .args(["ci/me/token", "--backend", "env"])
        .write_stdin("v")
        .assert()
        .code(1);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-add: error: the env backend is read-only: cannot change 'ci/me/token'
    help: set SIGIL_CI_ME_TOKEN in the environment instead
    ");
    let out = s
        .cmd("sigil-get")
        .args(["ci/me/token", "--backend", "env"])
        .assert()
        .code(3);
    assert!(stderr(out.get_output()).contains("SIGIL_CI_ME_TOKEN is not set"));
}

#[test]
fn auto_on_a_headless_box_uses_the_file_store_at_once() {
    for bus in [
        Some(DEAD_BUS),
        None,
        Some("unix:abstract=sigil-nothing-here"),
    ] {
        let s = Sandbox::new();
        let mut init = s.cmd("sigil-init");
        match bus {
            Some(b) => {
                init.env("DBUS_SESSION_BUS_ADDRESS", b);
            }
            None => {
                init.env_remove("DBUS_SESSION_BUS_ADDRESS")
                    .env_remove("XDG_RUNTIME_DIR");
            }
        }
        let start = Instant::now();
        init.assert().success();
        let mut add = s.cmd("sigil-add");
        add.arg("gh/me").write_stdin("v");
        match bus {
            Some(b) => {
                add.env("DBUS_SESSION_BUS_ADDRESS", b);
            }
            None => {
                add.env_remove("DBUS_SESSION_BUS_ADDRESS")
                    .env_remove("XDG_RUNTIME_DIR");
            }
        }
        let out = add.assert().success();
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{bus:?}: took {:?}",
            start.elapsed()
        );
        assert_eq!(
            stderr(out.get_output()),
            "stored 'gh/me/api_key' in the file store\n"
        );
        assert!(
            s.identity_file().exists(),
            "{bus:?}: the identity is a file"
        );
        assert!(s.secret_file("gh/me/api_key").exists());
    }
}

#[test]
fn a_bus_that_never_answers_costs_the_probe_deadline_not_a_hang() {
    let s = Sandbox::new();
    let sock = s.root().join("silent-bus");
    let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    // Accept connections and hold them open without ever answering.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming().flatten() {
            held.push(c);
        }
    });
    let bus = format!("unix:path={}", sock.display());
    let start = Instant::now();
    s.cmd("sigil-init")
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
        .assert()
        .success();
    let out = s
        .cmd("sigil-status")
        .arg("--verbose")
        .env("DBUS_SESSION_BUS_ADDRESS", &bus)
        .assert()
        .success();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("did not answer within 500 ms")
            || text.contains("no Secret Service answered"),
        "{text}"
    );
    assert!(text.contains("new secrets go to: file"), "{text}");
    assert!(s.identity_file().exists());
}

#[test]
fn a_forced_backend_that_is_unavailable_is_an_error_not_a_fallback() {
    let s = Sandbox::init();
    for how in ["flag", "env", "config"] {
        let mut c = s.cmd("sigil-add");
        c.arg("gh/me").write_stdin("v");
        match how {
            "flag" => {
                c.args(["--backend", "keyring"]);
            }
            "env" => {
                c.env("SIGIL_BACKEND", "keyring");
            }
            _ => {
                std::fs::write(s.home.join("config.toml"), "backend = \"keyring\"\n").unwrap();
            }
        }
        let out = c.assert().code(1);
        let err = stderr(out.get_output());
        assert!(
            err.starts_with("sigil-add: error: the keyring backend is unavailable: the D-Bus session bus '/nonexistent/sigil-test-bus' does not exist"),
            "{how}: {err}"
        );
        assert!(
            !s.secret_file("gh/me/api_key").exists(),
            "{how}: no silent fallback"
        );
    }
    std::fs::write(s.home.join("config.toml"), "backend = \"consul\"\n").unwrap();
    let out = s.cmd("sigil-get").arg("gh/me").assert().code(2);
    let err = stderr(out.get_output());
    assert!(err.contains("`backend` names no known backend"), "{err}");
    assert!(
        !err.contains("consul"),
        "config.toml's text is not repeated: {err}"
    );
    s.cmd("sigil-get")
        .args(["gh/me", "--backend", "nope"])
        .assert()
        .code(2);
    s.cmd("sigil-get")
        .arg("gh/me")
        .env("SIGIL_BACKEND", "nope")
        .assert()
        .code(2);
}
