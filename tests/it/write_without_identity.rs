//! Writing needs only public keys: `add`, `generate` and `import` encrypt to the recipients
//! and `<config>/identity.pub` while the identity is out of reach (moved away, protected with
//! no way to ask, in a keyring that does not answer); reading still needs it, and the keyed
//! audit log stays intact, the writes being recorded in the unkeyed side log.

use crate::support::*;
use std::fs;
use std::path::{Path, PathBuf};

/// How the identity is made unreachable, and how it is made reachable again.
#[derive(Clone, Copy, Debug)]
enum Away {
    /// `identity.txt` moved out of the home.
    Moved,
    /// Protected by a passphrase, with no terminal and no passphrase variable.
    Protected,
    /// Said to be in the OS keyring, whose bus does not answer.
    Keyring,
}

const FAST: (&str, &str) = ("SIGIL_TEST_SCRYPT_LOG_N", "10");

/// A sandbox after `sigil init` holding `a/one`, with a copy of the identity kept aside (for
/// `age -d`) and the identity made unreachable as `away` says.
fn unreachable(away: Away) -> (Sandbox, PathBuf) {
    let s = Sandbox::init();
    s.add("a/one", b"1");
    s.cmd("sigil-export")
        .args(["a/one", "--passphrase", "-o"])
        .arg(s.root().join("one.age"))
        .write_stdin("pw\n")
        .assert()
        .success();
    let aside = s.root().join("identity-aside.txt");
    fs::copy(s.identity_file(), &aside).unwrap();
    match away {
        Away::Moved => fs::remove_file(s.identity_file()).unwrap(),
        Away::Protected => {
            let p = s.root().join("pass");
            fs::write(&p, "right\n").unwrap();
            chmod(&p, 0o600);
            s.cmd("sigil-identity")
                .arg("protect")
                .env(FAST.0, FAST.1)
                .env("SIGIL_PASSPHRASE_FILE", &p)
                .assert()
                .success();
        }
        Away::Keyring => {
            fs::remove_file(s.identity_file()).unwrap();
            fs::write(s.home.join("identity.keyring"), "").unwrap();
            chmod(&s.home.join("identity.keyring"), 0o600);
        }
    }
    (s, aside)
}

/// Makes the identity reachable again: the file back, or the passphrase given.
fn reachable(
    s: &Sandbox,
    away: Away,
    aside: &Path,
    mut c: assert_cmd::Command,
) -> assert_cmd::Command {
    match away {
        Away::Moved => {
            fs::copy(aside, s.identity_file()).unwrap();
        }
        Away::Protected => {
            c.env("SIGIL_PASSPHRASE_FILE", s.root().join("pass"))
                .env(FAST.0, FAST.1);
        }
        Away::Keyring => {
            let _ = fs::remove_file(s.home.join("identity.keyring"));
            fs::copy(aside, s.identity_file()).unwrap();
        }
    }
    c
}

fn writes_then_reads(away: Away) {
    need("age");
    let (s, aside) = unreachable(away);
    // Writing: add, generate and import, each exit 0 without the identity.
    s.cmd("sigil-add")
        .arg("svc/me")
        .write_stdin("x")
        .assert()
        .success();
    s.cmd("sigil-generate").arg("svc/other").assert().success();
    s.cmd("sigil-import")
        .arg(s.root().join("one.age"))
        .args(["--as", "imp/one"])
        .write_stdin("pw\n")
        .assert()
        .success();
    // Reading still needs the identity: exit 4.
    s.cmd("sigil-get").args(["-n", "svc/me"]).assert().code(4);
    // With the identity again, sigil and age read what was written.
    let get = reachable(&s, away, &aside, s.cmd("sigil-get"));
    assert_eq!(s.get_with(get, "svc/me"), b"x", "{away:?}");
    let get = reachable(&s, away, &aside, s.cmd("sigil-get"));
    assert_eq!(s.get_with(get, "imp/one"), b"1", "{away:?}");
    let out = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&aside)
        .arg(s.secret_file("svc/me/api_key"))
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"x", "{away:?}: {}", stderr(&out));
    // The keyed log verifies; the writes are in the unkeyed side log.
    let mut verify = reachable(&s, away, &aside, s.cmd("sigil-audit"));
    let out = verify.arg("verify").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{away:?}: {}", stderr(&out));
    let side = fs::read_to_string(s.home.join("audit-unkeyed.log")).unwrap();
    assert!(
        side.contains(r#""event":"add","addresses":["svc/me/api_key"],"outcome":"ok""#),
        "{side}"
    );
}

#[test]
fn add_generate_import_work_with_the_identity_moved_away() {
    writes_then_reads(Away::Moved);
}

#[test]
fn add_generate_import_work_with_a_protected_identity_and_no_way_to_ask() {
    writes_then_reads(Away::Protected);
}

#[test]
fn add_generate_import_work_with_the_identity_in_an_unreachable_keyring() {
    writes_then_reads(Away::Keyring);
}

#[test]
fn a_home_without_the_public_key_file_gets_it_at_the_next_read() {
    let s = Sandbox::init();
    let pubfile = s.home.join("identity.pub");
    let kept = fs::read_to_string(&pubfile).unwrap();
    fs::remove_file(&pubfile).unwrap();
    s.add("a/one", b"1");
    assert_eq!(s.get("a/one"), b"1");
    assert_eq!(fs::read_to_string(&pubfile).unwrap(), kept);
    assert_eq!(mode(&pubfile) & 0o777, 0o600);
    // Without the identity and without the file, a write says the identity is missing.
    fs::remove_file(&pubfile).unwrap();
    fs::remove_file(s.identity_file()).unwrap();
    s.cmd("sigil-add")
        .arg("svc/me")
        .write_stdin("x")
        .assert()
        .code(4);
}

/// On a terminal, a write with a passphrase-protected identity that is not unlocked asks for
/// nothing: the value is encrypted to the public key and its audit entry goes to the unkeyed
/// side log, as when there is no terminal. A read there still asks.
#[test]
fn add_on_a_terminal_asks_for_no_passphrase() {
    need("script");
    let (s, _aside) = unreachable(Away::Protected);
    let run = |cmd: &str| {
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!(
                "sleep 4 | timeout 20 script -qec \"export PATH='{}':/usr/bin:/bin; {cmd}; echo exit=\\$?\" /dev/null",
                bin_dir().display()
            ))
            .env("SIGIL_HOME", &s.home)
            .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
            .env("SIGIL_TEST_SCRYPT_LOG_N", "10")
            .env_remove("SIGIL_IDENTITY")
            .env_remove("SIGIL_IDENTITY_FILE")
            .env_remove("SIGIL_PASSPHRASE_FILE")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).replace('\r', "")
    };
    let screen = run("printf x | sigil-add svc/tty");
    assert!(screen.contains("exit=0"), "{screen}");
    assert!(!screen.contains("passphrase"), "{screen}");
    let side = fs::read_to_string(s.home.join("audit-unkeyed.log")).unwrap();
    assert!(
        side.contains(r#""event":"add","addresses":["svc/tty/api_key"],"outcome":"ok""#),
        "{side}"
    );
    // Reading is what asks.
    let screen = run("sigil-get -n svc/tty");
    assert!(screen.contains("passphrase for"), "{screen}");
}
