//! The passphrase-protected identity (`sigil identity protect|unprotect|passwd`), its
//! passphrase sources and failure delays, `sigil unlock`/`lock` against the real kernel
//! keyring, and `rm --all --purge-identity` leaving nothing behind.

use crate::support::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A low scrypt work factor: these tests open the identity many times (debug builds only).
const FAST: (&str, &str) = ("SIGIL_TEST_SCRYPT_LOG_N", "10");

pub fn pass_file(s: &Sandbox, name: &str, pass: &str) -> PathBuf {
    let p = s.root().join(name);
    fs::write(&p, format!("{pass}\n")).unwrap();
    chmod(&p, 0o600);
    p
}

/// A sandbox whose identity is protected with `pass`, holding `a/one` = `1`.
pub fn protected(pass: &str) -> (Sandbox, PathBuf) {
    let s = Sandbox::init();
    s.add("a/one", b"1");
    let p = pass_file(&s, "pass", pass);
    s.cmd("sigil-identity")
        .arg("protect")
        .env(FAST.0, FAST.1)
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .assert()
        .success();
    (s, p)
}

fn get_with(s: &Sandbox, pass: Option<&Path>, addr: &str) -> std::process::Output {
    let mut c = s.cmd("sigil-get");
    c.args(["-n", addr]);
    if let Some(p) = pass {
        c.env("SIGIL_PASSPHRASE_FILE", p);
    }
    c.output().unwrap()
}

fn identity_age(s: &Sandbox) -> PathBuf {
    s.home.join("identity.age")
}

/// Runs `cmd` under a pseudo-terminal (`script`), typing `steps` (delay in seconds, text);
/// returns the screen and the exit code.
pub fn on_tty(
    s: &Sandbox,
    cmd: &str,
    steps: &[(u32, &str)],
    env: &[(&str, &str)],
) -> (String, i32) {
    need("script");
    let typed: String = steps
        .iter()
        .map(|(d, t)| format!("sleep {d}; printf '{t}'; "))
        .collect();
    let mut c = Command::new("/bin/sh");
    c.arg("-c")
        .arg(format!(
            "({typed} sleep 1) | script -qec \"PATH='{}':/usr/bin:/bin {cmd}\" /dev/null",
            bin_dir().display()
        ))
        .env("SIGIL_HOME", &s.home)
        .env("HOME", s.root())
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .env_remove("SIGIL_IDENTITY")
        .env_remove("SIGIL_IDENTITY_FILE")
        .env_remove("SIGIL_PASSPHRASE_FILE")
        .current_dir(s.root())
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).replace('\r', ""),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn protect_makes_a_standard_age_passphrase_file() {
    need("age");
    let s = Sandbox::init();
    s.add("a/one", b"value-1");
    let plain = fs::read_to_string(s.identity_file()).unwrap();
    let p = pass_file(&s, "pass", "correct horse");
    // The age CLI's own work factor (no test shortcut): what a user gets.
    let out = s
        .cmd("sigil-identity")
        .arg("protect")
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .assert()
        .success();
    assert!(stderr(out.get_output()).contains("identity.age"));
    assert!(!s.identity_file().exists(), "the plain identity is gone");
    assert_eq!(mode(&identity_age(&s)), 0o600);
    let bytes = fs::read(identity_age(&s)).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n-> scrypt "));

    // The real age CLI opens it with the passphrase (typed on a terminal, as age wants).
    let (screen, code) = on_tty(
        &s,
        "age -d home/identity.age",
        &[(1, "correct horse\\r")],
        &[],
    );
    assert_eq!(code, 0, "{screen}");
    let key_line = plain
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap();
    assert!(screen.contains(key_line), "age -d shows the identity");

    // sigil reads secrets with it, from a passphrase file or an inherited descriptor.
    assert_eq!(get_with(&s, Some(&p), "a/one").stdout, b"value-1");
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "'{}' -n a/one 3<'{}'",
            bin("sigil-get").display(),
            p.display()
        ))
        .env("SIGIL_HOME", &s.home)
        .env("SIGIL_PASSPHRASE_FD", "3")
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"value-1", "{}", stderr(&out));
}

#[test]
fn without_a_passphrase_or_with_a_wrong_one_exit_4() {
    let (s, p) = protected("right");
    let out = get_with(&s, None, "a/one");
    assert_eq!(out.status.code(), Some(4));
    let err = stderr(&out);
    assert!(
        err.contains("is protected by a passphrase and there is no terminal to ask on"),
        "{err}"
    );
    assert!(err.contains("help: run `sigil unlock`"), "{err}");
    // Not from a plain variable, ever.
    let out = s
        .cmd("sigil-get")
        .arg("a/one")
        .env("SIGIL_PASSPHRASE", "right")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));

    let bad = pass_file(&s, "bad", "wrong");
    let out = get_with(&s, Some(&bad), "a/one");
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("error: wrong passphrase for '"), "{err}");
    assert!(!err.contains("wrong\n"), "the passphrase is never shown");
    assert!(out.stdout.is_empty());
    // The failure is counted in the store and audited, in the unkeyed side log (there is no
    // key to chain it with).
    assert!(s.home.join(".passphrase-failures").exists());
    let log = fs::read_to_string(s.home.join("audit-unkeyed.log")).unwrap();
    assert!(log.contains("\"event\":\"identity.passphrase\""), "{log}");
    assert!(log.contains("wrong passphrase (1 in a row)"), "{log}");

    // A second failure waits first, and the delay grows; a success resets it.
    let t = Instant::now();
    let out = get_with(&s, Some(&bad), "a/one");
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("1 wrong passphrase(s) in a row; waiting"));
    let out = get_with(&s, Some(&bad), "a/one");
    assert!(stderr(&out).contains("2 wrong passphrase(s) in a row; waiting"));
    assert!(t.elapsed() >= Duration::from_secs(2), "{:?}", t.elapsed());
    let out = get_with(&s, Some(&p), "a/one");
    assert_eq!(out.stdout, b"1", "{}", stderr(&out));
    assert!(!s.home.join(".passphrase-failures").exists());

    // A passphrase file others can read is refused.
    chmod(&p, 0o644);
    assert_eq!(get_with(&s, Some(&p), "a/one").status.code(), Some(5));
}

#[test]
fn three_wrong_tries_on_a_terminal_exit_4() {
    let (s, _) = protected("right");
    let (screen, code) = on_tty(
        &s,
        "sigil-get a/one",
        &[(1, "no1\\r"), (2, "no2\\r"), (3, "no3\\r")],
        &[],
    );
    assert_eq!(code, 4, "{screen}");
    assert_eq!(screen.matches("identity.age': ").count(), 3, "{screen}");
    assert_eq!(
        screen.matches("wrong passphrase, try again").count(),
        2,
        "{screen}"
    );
    assert!(!screen.contains("no1"), "no echo: {screen}");
    assert!(screen.contains("3 failed attempt(s) in a row"), "{screen}");
}

#[test]
fn a_terminal_asks_once_per_command() {
    let (s, _) = protected("right");
    let (screen, code) = on_tty(&s, "sigil-get a/one", &[(1, "right\\r")], &[]);
    assert_eq!(code, 0, "{screen}");
    assert_eq!(screen.matches("identity.age': ").count(), 1, "{screen}");
    assert!(screen.ends_with("\n1\n"), "{screen:?}");
}

#[test]
fn passwd_and_unprotect() {
    let (s, old) = protected("old-pass");
    let new = pass_file(&s, "new", "new-pass");
    s.cmd("sigil-identity")
        .arg("passwd")
        .env(FAST.0, FAST.1)
        .env("SIGIL_PASSPHRASE_FILE", &old)
        .env("SIGIL_NEW_PASSPHRASE_FILE", &new)
        .assert()
        .success();
    assert_eq!(get_with(&s, Some(&old), "a/one").status.code(), Some(4));
    // The old passphrase failed once: the next try waits a second.
    assert_eq!(get_with(&s, Some(&new), "a/one").stdout, b"1");
    // passwd without a new passphrase source changes nothing.
    let out = s
        .cmd("sigil-identity")
        .arg("passwd")
        .env("SIGIL_PASSPHRASE_FILE", &new)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(get_with(&s, Some(&new), "a/one").stdout, b"1");

    s.cmd("sigil-identity")
        .arg("unprotect")
        .env("SIGIL_PASSPHRASE_FILE", &new)
        .assert()
        .success();
    assert!(!identity_age(&s).exists());
    assert_eq!(mode(&s.identity_file()), 0o600);
    assert_eq!(s.get("a/one"), b"1");
    let out = s.cmd("sigil-identity").arg("unprotect").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the identity is not protected by a passphrase"));
}

#[test]
fn init_passphrase_protects_from_the_start() {
    let s = Sandbox::new();
    // No passphrase source: nothing is created.
    let out = s.cmd("sigil-init").arg("--passphrase").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!s.home.exists());
    let p = pass_file(&s, "pass", "pw");
    s.cmd("sigil-init")
        .arg("--passphrase")
        .env(FAST.0, FAST.1)
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .assert()
        .success();
    assert!(identity_age(&s).exists());
    assert!(!s.identity_file().exists());
    s.cmd("sigil-add")
        .arg("x/y")
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .write_stdin("v")
        .assert()
        .success();
    assert_eq!(get_with(&s, Some(&p), "x/y").stdout, b"v");
    let out = s.cmd("sigil-status").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(passphrase-protected, locked)"), "{text}");
}

/// Whether the kernel lists a live key with this description (invalidated keys linger a
/// moment with the `i` flag until the kernel collects them).
fn kernel_has(desc: &str) -> bool {
    fs::read_to_string("/proc/keys")
        .unwrap_or_default()
        .lines()
        .any(|l| {
            let flags = l.split_whitespace().nth(1).unwrap_or("");
            l.contains(&format!(" {desc}: ")) && !flags.contains('i') && !flags.contains('r')
        })
}

fn key_desc(s: &Sandbox) -> String {
    format!("sigil:identity:{}", s.home.display())
}

/// Whether `keyctl search KEYRING user DESC` finds the key (from this process's view).
fn keyring_holds(keyring: &str, desc: &str) -> bool {
    Command::new("keyctl")
        .args(["search", keyring, "user", desc])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The user-session keyring's name, which `keyctl session NAME` joins: a process run that way
/// is what a login without pam_keyinit looks like (no session keyring of its own).
fn user_session() -> String {
    let out = Command::new("id").arg("-u").output().unwrap();
    format!("_uid_ses.{}", String::from_utf8_lossy(&out.stdout).trim())
}

/// Without a session keyring of its own the key would land in the user-session keyring, which
/// any process of the user in any session can link and read: unlock refuses unless told with
/// --user-keyring, and `sigil lock` from another session finds and drops the key there.
#[test]
fn unlock_refuses_the_user_session_keyring_unless_asked_and_lock_finds_it_there() {
    need("keyctl");
    let (s, p) = protected("pw");
    let desc = key_desc(&s);
    let in_user_session = |args: &[&str]| {
        let mut c = s.std_cmd("keyctl");
        c.args(["session", &user_session()])
            .arg(bin("sigil-unlock"))
            .args(args)
            .env("SIGIL_PASSPHRASE_FILE", &p);
        c.output().unwrap()
    };
    let out = in_user_session(&["--for", "1m"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("no session keyring of its own"), "{err}");
    assert!(err.contains("--user-keyring"), "{err}");
    assert!(
        !keyring_holds("@us", &desc),
        "nothing went to the user-session keyring"
    );

    let out = in_user_session(&["--for", "1m", "--user-keyring"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(keyring_holds("@us", &desc));
    // This test runs in a session of its own (cargo xtask test starts one), like another
    // login of the same user: `sigil lock` there still finds the key and drops it.
    assert!(
        own_session(),
        "run the tests under `keyctl session -` (cargo xtask test does)"
    );
    let out = s.cmd("sigil-lock").assert().success();
    assert_eq!(stderr(out.get_output()), "sigil-lock: locked\n");
    assert!(!keyring_holds("@us", &desc));
    assert!(!kernel_has(&desc));
}

/// Whether this process has a session keyring of its own (not the user-session keyring).
fn own_session() -> bool {
    let id = |k: &str| {
        Command::new("keyctl")
            .args(["id", k])
            .output()
            .unwrap()
            .stdout
    };
    id("@s") != id("@us")
}

#[test]
fn unlock_keeps_it_in_the_kernel_keyring_until_the_timeout() {
    assert!(
        own_session(),
        "run the tests under `keyctl session -` (cargo xtask test does)"
    );
    let (s, p) = protected("pw");
    let out = s
        .cmd("sigil-unlock")
        .args(["--for", "3s"])
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .assert()
        .success();
    assert!(stderr(out.get_output()).contains("unlocked for 3s"));
    assert!(
        kernel_has(&key_desc(&s)),
        "the key is in the kernel keyring"
    );
    // No passphrase needed now.
    assert_eq!(get_with(&s, None, "a/one").stdout, b"1");
    let out = s.cmd("sigil-status").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("(passphrase-protected, unlocked for "),
        "{text}"
    );
    let json = s.cmd("sigil-status").arg("--json").output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["identity"]["locked"], false, "{v}");
    assert!(v["identity"]["unlocked_seconds"].as_u64().unwrap() <= 3);
    // Another home is not unlocked by it.
    let (other, _) = protected("pw");
    assert_eq!(get_with(&other, None, "a/one").status.code(), Some(4));

    std::thread::sleep(Duration::from_millis(3500));
    let out = get_with(&s, None, "a/one");
    assert_eq!(out.status.code(), Some(4), "locked again after the timeout");
    let out = s.cmd("sigil-status").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("(passphrase-protected, locked)"));
}

#[test]
fn lock_clears_it_at_once() {
    let (s, p) = protected("pw");
    s.cmd("sigil-unlock")
        .args(["--for", "10m"])
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .assert()
        .success();
    assert_eq!(get_with(&s, None, "a/one").stdout, b"1");
    let out = s.cmd("sigil-lock").assert().success();
    assert_eq!(stderr(out.get_output()), "sigil-lock: locked\n");
    assert!(!kernel_has(&key_desc(&s)));
    assert_eq!(get_with(&s, None, "a/one").status.code(), Some(4));
    let out = s.cmd("sigil-lock").assert().success();
    assert_eq!(stderr(out.get_output()), "sigil-lock: already locked\n");
    let log = fs::read_to_string(s.home.join("audit.log")).unwrap();
    for event in ["identity.protect", "unlock", "lock"] {
        assert!(
            log.contains(&format!("\"event\":\"{event}\"")),
            "{event}: {log}"
        );
    }

    // A wrong passphrase unlocks nothing; an unprotected identity has nothing to unlock.
    let bad = pass_file(&s, "bad", "nope");
    let out = s
        .cmd("sigil-unlock")
        .env("SIGIL_PASSPHRASE_FILE", &bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(!kernel_has(&key_desc(&s)));
    let plain = Sandbox::init();
    let out = plain.cmd("sigil-unlock").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nothing to unlock"));
    let out = s
        .cmd("sigil-unlock")
        .args(["--for", "2d"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Every path under `dir`, relative to it.
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            out.push(e.path().strip_prefix(dir).unwrap().display().to_string());
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn purge_leaves_no_file_and_no_kernel_key() {
    let (s, p) = protected("pw");
    s.cmd("sigil-add")
        .arg("b/two")
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .write_stdin("2")
        .assert()
        .success();
    // An old identity kept by a rotation, and the identity unlocked.
    s.cmd("sigil-rekey")
        .env(FAST.0, FAST.1)
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .assert()
        .success();
    assert!(s.home.join("identity.old.age").exists());
    s.cmd("sigil-unlock")
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .assert()
        .success();
    assert!(kernel_has(&key_desc(&s)));
    // A stray file of the user's own is left alone, and said to be.
    let out = s
        .cmd("sigil-rm")
        .args(["--all", "--yes", "--purge-identity"])
        .assert()
        .success();
    let err = stderr(out.get_output());
    assert!(err.contains("deleted 2 secret(s)"), "{err}");
    assert!(
        err.contains("purged the unlocked identity in the kernel keyring"),
        "{err}"
    );
    assert!(err.contains("identity.age'"), "{err}");
    assert!(!s.home.exists(), "left behind: {:?}", listing(&s.home));
    assert!(!kernel_has(&key_desc(&s)));
}

#[test]
fn purge_with_the_real_secret_service_leaves_no_item() {
    if !private_keyring() {
        return;
    }
    let s = Sandbox::new();
    s.keyring(s.cmd("sigil-init")).assert().success();
    let user = format!("age-identity:{}", s.home.display());
    let svc = unique_service("purge");
    let addr = format!("{svc}/me/api_key");
    s.keyring(s.cmd("sigil-add"))
        .arg(&addr)
        .write_stdin("k")
        .assert()
        .success();
    s.keyring(s.cmd("sigil-add"))
        .args([&format!("{svc}/file/api_key"), "--backend", "file"])
        .write_stdin("f")
        .assert()
        .success();
    assert!(secret_tool(&["lookup", "service", "sigil", "username", &user]).1);
    // The identity moves from the keyring into a protected file and back is not needed:
    // a rotation of a keyring-held identity keeps it there.
    s.keyring(s.cmd("sigil-rekey")).assert().success();
    assert!(secret_tool(&["lookup", "service", "sigil", "username", &user]).1);
    assert!(s.home.join("identity.old.age").exists());
    let out = s
        .keyring(s.cmd("sigil-get"))
        .args(["-n", &format!("{svc}/file")])
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, b"f");

    s.keyring(s.cmd("sigil-rm"))
        .args(["--all", "--yes", "--purge-identity"])
        .assert()
        .success();
    for u in [user.as_str(), addr.as_str()] {
        assert!(
            !secret_tool(&["lookup", "service", "sigil", "username", u]).1,
            "{u} is left"
        );
    }
    assert!(!s.home.exists(), "left behind: {:?}", listing(&s.home));
}

#[test]
fn help_and_error_texts() {
    let s = Sandbox::new();
    for bin in [
        "sigil-identity",
        "sigil-unlock",
        "sigil-lock",
        "sigil-rekey",
    ] {
        let out = s.cmd(bin).arg("--help").assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        insta::assert_snapshot!(format!("{bin}-help"), text);
    }
    let (s, _) = protected("pw");
    let bad = pass_file(&s, "bad", "nope");
    let out = get_with(&s, Some(&bad), "a/one");
    insta::assert_snapshot!(s.redact(&out.stderr), @r"
    sigil-get: error: wrong passphrase for '[TMP]/home/identity.age'
    help: 1 failed attempt(s) in a row; each further failure waits longer before the next try. `age -d` opens the file with the same passphrase
    ");
    let out = get_with(&s, None, "a/one");
    insta::assert_snapshot!(s.redact(&out.stderr), @r"
    sigil-get: error: '[TMP]/home/identity.age' is protected by a passphrase and there is no terminal to ask on
    help: run `sigil unlock` on a terminal first, or give the passphrase in a 0600 file named by SIGIL_PASSPHRASE_FILE or on the descriptor named by SIGIL_PASSPHRASE_FD
    ");
}

#[test]
fn protect_on_a_terminal_asks_twice() {
    let s = Sandbox::init();
    s.add("a/one", b"1");
    let fast = [FAST];
    let (screen, code) = on_tty(
        &s,
        "sigil-identity protect",
        &[(1, "one\\r"), (1, "two\\r")],
        &fast,
    );
    assert_eq!(code, 2, "{screen}");
    assert!(
        screen.contains("the two passphrases differ; nothing changed"),
        "{screen}"
    );
    assert!(s.identity_file().exists() && !identity_age(&s).exists());
    let (screen, code) = on_tty(
        &s,
        "sigil-identity protect",
        &[(1, "typed pw\\r"), (1, "typed pw\\r")],
        &fast,
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("new passphrase: ") && screen.contains("the same again: "));
    assert!(!screen.contains("typed pw"), "no echo: {screen}");
    let p = pass_file(&s, "pass", "typed pw");
    assert_eq!(get_with(&s, Some(&p), "a/one").stdout, b"1");
}

/// git runs its credential helper with the user's terminal attached: with a locked identity
/// the helper fails with the advice to unlock, and never takes over the terminal to ask.
#[test]
fn git_credential_sigil_never_prompts_for_the_passphrase() {
    let (s, _) = protected("pw");
    let config = s.home.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str("\n[git.\"https://git.example.com\"]\naddress = \"a/one\"\n");
    fs::write(&config, text).unwrap();
    fs::write(
        s.root().join("git-get.sh"),
        "printf 'protocol=https\\nhost=git.example.com\\n\\n' | git-credential-sigil get\n",
    )
    .unwrap();
    let (screen, code) = on_tty(&s, "sh ./git-get.sh", &[(1, "pw\\r")], &[FAST]);
    assert_eq!(code, 4, "{screen}");
    assert!(!screen.contains("passphrase for"), "{screen}");
    assert!(screen.contains("run `sigil unlock`"), "{screen}");
    assert!(!screen.contains("password="), "{screen}");
    // The same terminal, the same identity: `sigil get` asks, as it should.
    let (screen, code) = on_tty(&s, "sigil-get a/one", &[(1, "pw\\r")], &[FAST]);
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("passphrase for"), "{screen}");
}

/// docker runs its helper with the user's terminal attached, as git does: a locked identity is
/// the protocol's error at once, never a passphrase prompt in the middle of a pull.
#[test]
fn docker_credential_sigil_never_prompts_for_the_passphrase() {
    let (s, _) = protected("pw");
    let config = s.home.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str("\n[docker.\"registry.example.com\"]\naddress = \"a/one\"\n");
    fs::write(&config, text).unwrap();
    fs::write(
        s.root().join("docker-get.sh"),
        "printf registry.example.com | docker-credential-sigil get\n",
    )
    .unwrap();
    let (screen, code) = on_tty(&s, "sh ./docker-get.sh", &[(1, "pw\\r")], &[FAST]);
    assert_eq!(code, 1, "{screen}");
    assert!(!screen.contains("passphrase for"), "{screen}");
    assert!(screen.contains("run `sigil unlock`"), "{screen}");
    assert!(!screen.contains("Secret"), "{screen}");
}

/// kubectl runs its exec plugin with the user's terminal attached (interactiveMode does not
/// detach it): a locked identity is an error at once, never a passphrase prompt that kubectl
/// would sit behind.
#[test]
fn kube_credential_sigil_never_prompts_for_the_passphrase() {
    let (s, _) = protected("pw");
    let config = s.home.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str("\n[kube.\"https://k8s.example.com:6443\"]\naddress = \"a/one\"\n");
    fs::write(&config, text).unwrap();
    fs::write(
        s.root().join("kube-get.sh"),
        "KUBERNETES_EXEC_INFO='{\"kind\":\"ExecCredential\",\"apiVersion\":\
         \"client.authentication.k8s.io/v1\",\"spec\":{\"cluster\":{\"server\":\
         \"https://k8s.example.com:6443\"}}}' kube-credential-sigil\n",
    )
    .unwrap();
    let (screen, code) = on_tty(&s, "sh ./kube-get.sh", &[(1, "pw\\r")], &[FAST]);
    assert_ne!(code, 0, "{screen}");
    assert!(!screen.contains("passphrase for"), "{screen}");
    assert!(screen.contains("run `sigil unlock`"), "{screen}");
    assert!(!screen.contains("\"token\""), "{screen}");
}

/// cargo runs its credential provider with the user's terminal on stderr: a locked identity
/// is the protocol's error at once, never a passphrase prompt in the middle of a build.
#[test]
fn cargo_credential_sigil_never_prompts_for_the_passphrase() {
    let (s, _) = protected("pw");
    let config = s.home.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str("\n[cargo.\"sparse+https://cargo.example.com/index/\"]\naddress = \"a/one\"\n");
    fs::write(&config, text).unwrap();
    fs::write(
        s.root().join("cargo-get.sh"),
        "printf '%s\\n' '{\"v\":1,\"registry\":{\"index-url\":\"sparse+https://cargo.example.com/index/\"},\"kind\":\"get\",\"operation\":\"read\"}' | cargo-credential-sigil --cargo-plugin\n",
    )
    .unwrap();
    let (screen, code) = on_tty(&s, "sh ./cargo-get.sh", &[(1, "pw\\r")], &[FAST]);
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("passphrase for"), "{screen}");
    assert!(screen.contains("run `sigil unlock`"), "{screen}");
    assert!(screen.contains("{\"Err\":{\"kind\":\"other\""), "{screen}");
    assert!(!screen.contains("\"token\""), "{screen}");
}

/// pip runs the keyring command with the user's terminal attached: a locked identity is exit 1
/// at once, never a passphrase prompt in the middle of an install.
#[test]
fn sigil_keyring_never_prompts_for_the_passphrase() {
    let (s, _) = protected("pw");
    let config = s.home.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str("\n[pip.\"https://pypi.example.com/simple\"]\naddress = \"a/one\"\n");
    fs::write(&config, text).unwrap();
    fs::write(
        s.root().join("pip-get.sh"),
        "sigil-keyring get https://pypi.example.com/simple/ one\n",
    )
    .unwrap();
    let (screen, code) = on_tty(&s, "sh ./pip-get.sh", &[(1, "pw\\r")], &[FAST]);
    assert_eq!(code, 1, "{screen}");
    assert!(!screen.contains("passphrase for"), "{screen}");
    assert!(screen.contains("run `sigil unlock`"), "{screen}");
}

/// git runs its askpass program with the user's terminal attached: a locked identity is exit 1
/// at once, never sigil's own passphrase prompt in place of git's.
#[test]
fn sigil_askpass_never_prompts_for_the_passphrase() {
    let (s, _) = protected("pw");
    let config = s.home.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str("\n[askpass.\"https://one@git.example.com\"]\naddress = \"a/one\"\n");
    fs::write(&config, text).unwrap();
    fs::write(
        s.root().join("askpass.sh"),
        "sigil-askpass \"Password for 'https://one@git.example.com': \"\n",
    )
    .unwrap();
    let (screen, code) = on_tty(&s, "sh ./askpass.sh", &[(1, "pw\\r")], &[FAST]);
    assert_eq!(code, 1, "{screen}");
    assert!(!screen.contains("passphrase for"), "{screen}");
    assert!(screen.contains("run `sigil unlock`"), "{screen}");
}

/// While unlocked, any process that can use the identity could keep it unlocked for ever if
/// `unlock` renewed itself from the cached copy: unlocking, and extending, ask for the
/// passphrase every time.
#[test]
fn unlock_never_renews_itself_without_the_passphrase() {
    let (s, p) = protected("pw");
    s.cmd("sigil-unlock")
        .args(["--for", "1m"])
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .assert()
        .success();
    assert!(kernel_has(&key_desc(&s)));
    // Reads need no passphrase while unlocked ...
    s.cmd("sigil-get").arg("a/one").assert().success();
    // ... but a renewal does.
    let out = s
        .cmd("sigil-unlock")
        .args(["--for", "24h"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is protected by a passphrase"),
        "{}",
        stderr(&out)
    );
    let bad = pass_file(&s, "bad", "nope");
    let out = s
        .cmd("sigil-unlock")
        .args(["--for", "24h"])
        .env(FAST.0, FAST.1)
        .env("SIGIL_PASSPHRASE_FILE", &bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    // The right one extends it.
    s.cmd("sigil-unlock")
        .args(["--for", "2h"])
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .assert()
        .success();
    s.cmd("sigil-lock").assert().success();
}

/// The back-off after wrong passphrases holds in parallel (no lost count) and cannot be
/// turned into a wait of a year by editing the counter: the wait never exceeds the schedule's.
#[test]
fn passphrase_back_off_counts_parallel_tries_and_is_capped() {
    let (s, p) = protected("pw");
    let bad = pass_file(&s, "bad", "nope");
    let _ = fs::remove_file(s.home.join(".passphrase-failures"));
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(bin("sigil-get"))
                .arg("a/one")
                .env("SIGIL_HOME", &s.home)
                .env("HOME", s.root())
                .env_remove("SIGIL_IDENTITY")
                .env_remove("SIGIL_IDENTITY_FILE")
                .env("SIGIL_PASSPHRASE_FILE", &bad)
                .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert_eq!(c.wait().unwrap().code(), Some(4));
    }
    let counter = fs::read_to_string(s.home.join(".passphrase-failures")).unwrap();
    assert!(counter.starts_with("4 "), "lost updates: {counter}");
    // A counter edited to the far future: the right passphrase waits at most the schedule's
    // delay for that count (4 s after 3 failures), not a year.
    let year = time::OffsetDateTime::now_utc().unix_timestamp() + 365 * 24 * 3600;
    fs::write(s.home.join(".passphrase-failures"), format!("3 {year}\n")).unwrap();
    let started = std::time::Instant::now();
    let out = s
        .cmd("sigil-get")
        .arg("a/one")
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}
