//! The library and the CLI are one code path: `Sigil::get` in this process and `sigil get`
//! in a child return the same value, on every backend.

use crate::support::*;

fn cli_value(c: assert_cmd::Command) -> Vec<u8> {
    let mut c = c;
    c.assert().success().get_output().stdout.clone()
}

#[test]
fn library_and_cli_agree_on_the_file_store() {
    let s = Sandbox::init();
    s.add("lib/me", b"file-value\nwith a second line");
    let sigil = sigil::Sigil::builder()
        .home(&s.home)
        .backend(Some("file"))
        .open()
        .unwrap();
    let from_lib = sigil.get("lib/me").unwrap();
    let mut c = s.cmd("sigil-get");
    c.args(["-n", "lib/me"]);
    assert_eq!(from_lib.expose(), cli_value(c));
    // Listing and templates agree too.
    let listed = sigil.list(None).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].address.to_string(), "lib/me");
    assert_eq!(
        sigil.resolve_str("v={{ auth://lib/me }}").unwrap(),
        "v=file-value\nwith a second line"
    );
    // Errors carry the exit class, the same the CLI exits with.
    let e = sigil.get("lib/none").unwrap_err();
    assert_eq!(e.class(), sigil::ExitClass::NotFound);
    let mut c = s.cmd("sigil-get");
    c.arg("lib/none").assert().code(i32::from(e.class().code()));
    assert_eq!(
        sigil.get("Bad/me").unwrap_err().class(),
        sigil::ExitClass::Usage
    );
}

#[test]
fn library_and_cli_agree_on_the_keyring_and_env() {
    if !private_keyring() {
        return;
    }
    let s = Sandbox::new();
    s.keyring(s.cmd("sigil-init")).assert().success();
    let svc = unique_service("lib");
    let addr = format!("{svc}/me");
    s.keyring(s.cmd("sigil-add"))
        .arg(&addr)
        .write_stdin("keyring-value")
        .assert()
        .success();
    // This process has the private bus in its environment (cargo xtask test put it there).
    let sigil = sigil::Sigil::builder().home(&s.home).open().unwrap();
    let from_lib = sigil.get(&addr).unwrap();
    let mut c = s.keyring(s.cmd("sigil-get"));
    c.args(["-n", &addr]);
    assert_eq!(from_lib.expose(), cli_value(c));
    assert_eq!(from_lib.expose(), b"keyring-value");

    // The env backend: this process's SIGIL_TEST_REQUIRE_KEYRING is the value of the address
    // test/require/keyring, for the library and for a child given the same variable.
    let env = sigil::Sigil::builder()
        .home(&s.home)
        .backend(Some("env"))
        .open()
        .unwrap();
    let from_lib = env.get("test/require/keyring").unwrap();
    let mut c = s.cmd("sigil-get");
    c.args(["-n", "test/require/keyring", "--backend", "env"])
        .env(
            "SIGIL_TEST_REQUIRE_KEYRING",
            std::env::var("SIGIL_TEST_REQUIRE_KEYRING").unwrap(),
        );
    assert_eq!(from_lib.expose(), cli_value(c));
}

#[test]
fn the_memory_backend_serves_programs_that_embed_sigil() {
    let d = tempfile::tempdir().unwrap();
    let sigil = sigil::Sigil::builder()
        .home(d.path().join("home"))
        .memory()
        .open()
        .unwrap();
    let a: sigil::FieldAddress = "svc/acct/token".parse().unwrap();
    sigil
        .put(&a, &sigil::Secret::from("t"), &sigil::PutOptions::default())
        .unwrap();
    assert_eq!(sigil.get("svc/acct").unwrap().expose(), b"t");
    assert_eq!(sigil.delete(&a.clone().into()).unwrap(), vec![a]);
    assert_eq!(
        sigil.get("svc/acct/token").unwrap_err().class(),
        sigil::ExitClass::NotFound
    );
}

/// What the library has to tell a person reaches the program as notices, not on its stderr:
/// here, an audit entry it could not write (the log is a directory).
#[test]
fn a_program_gets_the_library_s_warnings_as_notices() {
    let s = Sandbox::init();
    s.add("lib/me", b"v");
    let log = s.home.join("audit.log");
    std::fs::remove_file(&log).unwrap();
    std::fs::create_dir(&log).unwrap();
    let sigil = sigil::Sigil::builder().home(&s.home).open().unwrap();
    assert_eq!(sigil.get("lib/me").unwrap().expose(), b"v");
    let notices = sigil::notice::take();
    assert!(
        notices
            .iter()
            .any(|n| n.level == sigil::notice::Level::Warning
                && n.text.starts_with("cannot write the audit log")
                && n.text.contains(&*log.to_string_lossy())),
        "{notices:?}"
    );
}
