//! `sigil rekey`: rotation of plain and passphrase-protected identities, shared folders, the
//! old identity kept until `--purge-old`, and a kill at each step finished by the next
//! command (checked with the real age CLI: every file opens with the old or the new key).

use crate::support::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const SECRETS: &[(&str, &[u8])] = &[
    ("a/one/api_key", b"value-1"),
    ("b/two/api_key", b"value-2"),
    ("team/shared/api_key", b"team-value"),
    ("c/three/password", b"line1\nline2"),
];

/// A sandbox with SECRETS stored, `team/` shared with a friend; returns the friend's
/// identity file.
fn filled() -> (Sandbox, PathBuf) {
    need("age-keygen");
    let s = Sandbox::init();
    let friend = s.root().join("friend.txt");
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(&friend)
        .output()
        .unwrap();
    assert!(out.status.success());
    let friend_pub = String::from_utf8_lossy(&out.stderr)
        .trim()
        .trim_start_matches("Public key: ")
        .to_owned();
    let me = public_key(&s.identity_file());
    let team = s.home.join("store/team");
    private_dir(&team);
    fs::write(
        team.join(".age-recipients"),
        format!("# team\n{me}\n{friend_pub}\n"),
    )
    .unwrap();
    chmod(&team.join(".age-recipients"), 0o600);
    for (addr, v) in SECRETS {
        s.add(addr, v);
    }
    (s, friend)
}

fn public_key(identity: &Path) -> String {
    let out = Command::new("age-keygen")
        .arg("-y")
        .arg(identity)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Whether the real age CLI opens `file` with `identity` and finds `want`.
fn age_opens(file: &Path, identity: &Path, want: &[u8]) -> bool {
    need("age");
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(file)
        .output()
        .unwrap();
    out.status.success() && out.stdout == want
}

fn copy_aside(s: &Sandbox, from: &Path, name: &str) -> PathBuf {
    let to = s.root().join(name);
    fs::copy(from, &to).unwrap();
    chmod(&to, 0o600);
    to
}

fn all_read(s: &Sandbox) {
    for (addr, v) in SECRETS {
        assert_eq!(&s.get(addr), v, "{addr}");
    }
}

#[test]
fn rekey_reencrypts_everything_and_keeps_the_old_key_until_purged() {
    let (s, friend) = filled();
    let old = copy_aside(&s, &s.identity_file(), "old.txt");
    let old_pub = public_key(&old);
    let out = s.cmd("sigil-rekey").assert().success();
    let err = stderr(out.get_output());
    assert!(
        err.contains(&format!("rotated the identity: {old_pub} -> age1")),
        "{err}"
    );
    assert!(
        err.contains("re-encrypted 4 file(s); updated 2 .age-recipients file(s)"),
        "{err}"
    );
    let new_pub = public_key(&s.identity_file());
    assert_ne!(new_pub, old_pub);
    assert_eq!(mode(&s.identity_file()), 0o600);
    all_read(&s);

    for (addr, v) in SECRETS {
        let f = s.secret_file(addr);
        assert!(
            age_opens(&f, &s.identity_file(), v),
            "{addr}: new key opens it"
        );
        assert!(!age_opens(&f, &old, v), "{addr}: old key no longer does");
    }
    // The shared folder keeps the friend and swaps the key.
    let team = fs::read_to_string(s.home.join("store/team/.age-recipients")).unwrap();
    assert!(team.starts_with("# team\n"), "{team}");
    assert!(
        team.contains(&new_pub) && !team.contains(&old_pub),
        "{team}"
    );
    assert!(age_opens(
        &s.secret_file("team/shared/api_key"),
        &friend,
        b"team-value"
    ));
    let root = fs::read_to_string(s.home.join("store/.age-recipients")).unwrap();
    assert!(
        root.contains(&new_pub) && !root.contains(&old_pub),
        "{root}"
    );

    // The rotation is audited: its start chained with the old key, its end with the new.
    let log = fs::read_to_string(s.home.join("audit.log")).unwrap();
    assert!(log.contains("\"event\":\"rekey.start\""), "{log}");
    assert!(
        log.contains(&format!("{old_pub} -> {new_pub}; 4 file(s) re-encrypted")),
        "{log}"
    );

    // New secrets go to the new key only.
    s.add("d/four", b"4");
    assert!(!age_opens(&s.secret_file("d/four/api_key"), &old, b"4"));

    // The old identity is kept, encrypted to the new one: age opens it with the new key.
    let kept = s.home.join("identity.old.age");
    assert_eq!(mode(&kept), 0o600);
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(s.identity_file())
        .arg(&kept)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let old_secret = fs::read_to_string(&old).unwrap();
    let old_line = old_secret
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap();
    assert!(text.contains(old_line), "the kept file holds the old key");
    assert!(!age_opens(&kept, &old, out.stdout.as_slice()));

    // A second rotation keeps both old keys; --purge-old forgets them.
    s.cmd("sigil-rekey").assert().success();
    all_read(&s);
    let out = s.cmd("sigil-rekey").arg("--purge-old").assert().success();
    assert!(stderr(out.get_output()).contains("deleted the old identities"));
    assert!(!kept.exists());
    let out = s.cmd("sigil-rekey").arg("--purge-old").assert().success();
    assert!(stderr(out.get_output()).contains("no old identity is kept"));
    all_read(&s);
}

#[test]
fn a_protected_identity_stays_protected_with_the_same_passphrase() {
    let (s, p) = crate::identity::protected("pw");
    let out = s
        .cmd("sigil-rekey")
        .env("SIGIL_TEST_SCRYPT_LOG_N", "10")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "no passphrase, no rotation");
    let before = fs::read(s.home.join("identity.age")).unwrap();
    s.cmd("sigil-unlock")
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .assert()
        .success();
    s.cmd("sigil-rekey")
        .env("SIGIL_TEST_SCRYPT_LOG_N", "10")
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .assert()
        .success();
    assert_ne!(fs::read(s.home.join("identity.age")).unwrap(), before);
    assert!(!s.identity_file().exists());
    // The unlocked identity was replaced by the new one: still no passphrase needed.
    let out = s.cmd("sigil-get").args(["-n", "a/one"]).output().unwrap();
    assert_eq!(out.stdout, b"1", "{}", stderr(&out));
    s.cmd("sigil-lock").assert().success();
    let out = s
        .cmd("sigil-get")
        .args(["-n", "a/one"])
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"1", "{}", stderr(&out));
}

#[test]
fn an_identity_from_a_variable_is_not_rotated() {
    let s = Sandbox::init();
    let out = s
        .cmd("sigil-rekey")
        .env("SIGIL_IDENTITY_FILE", s.identity_file())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(stderr(&out).contains("the identity comes from SIGIL_IDENTITY_FILE"));
}

/// Runs a rotation killed at `step`.
fn kill_at(s: &Sandbox, step: &str) {
    let mut c = s.cmd("sigil-rekey");
    c.current_dir(s.root());
    crate::support::kill_at(c, step);
}

#[test]
fn a_kill_at_each_step_is_finished_by_the_next_command() {
    for step in [
        "journal",
        "ready",
        "recipients",
        "secret",
        "secrets",
        "kept",
        "switched",
    ] {
        let (s, _) = filled();
        let old = copy_aside(&s, &s.identity_file(), "old.txt");
        kill_at(&s, step);
        assert!(s.home.join("rekey/journal").exists(), "{step}");
        // What a writer killed in the middle of a file leaves beside it.
        let leftover = s.secret_file(SECRETS[0].0).with_file_name(".tmp-killed");
        fs::write(&leftover, b"half an age file").unwrap();
        // At this moment every secret opens with the old identity or the new one (which
        // the old one opens).
        let new = s.root().join("new.txt");
        let sealed = s.home.join("rekey/new.age");
        let have_new = sealed.exists() && {
            let out = Command::new("age")
                .arg("-d")
                .arg("-i")
                .arg(&old)
                .arg("-o")
                .arg(&new)
                .arg(&sealed)
                .output()
                .unwrap();
            out.status.success()
        };
        for (addr, v) in SECRETS {
            let f = s.secret_file(addr);
            let ok = age_opens(&f, &old, v)
                || (have_new && age_opens(&f, &new, v))
                || age_opens(&f, &s.identity_file(), v);
            assert!(ok, "{step}: {addr} opens with neither identity");
        }
        // The next command finishes (or, before anything changed, forgets) the rotation.
        let out = s.cmd("sigil-list").output().unwrap();
        assert!(out.status.success(), "{step}: {}", stderr(&out));
        let err = stderr(&out);
        let want = if step == "journal" {
            "sigil-list: rolled back the interrupted key rotation"
        } else {
            "sigil-list: finished the interrupted key rotation"
        };
        assert!(err.contains(want), "{step}: {err}");
        assert!(!s.home.join("rekey").exists(), "{step}");
        assert!(!s.home.join("identity.age.rekey").exists(), "{step}");
        assert!(
            !leftover.exists(),
            "{step}: the killed writer's temporary file stays"
        );
        if step == "secret" {
            // One left with no journal to finish is reported.
            fs::write(&leftover, b"x").unwrap();
            let out = s.cmd("sigil-status").output().unwrap();
            let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
            assert!(
                report.contains(".tmp-killed' is a temporary file that an interrupted write left"),
                "{report}"
            );
            fs::remove_file(&leftover).unwrap();
        }
        all_read(&s);
        let rotated = step != "journal";
        assert_eq!(
            public_key(&s.identity_file()) != public_key(&old),
            rotated,
            "{step}"
        );
        if rotated {
            assert!(s.home.join("identity.old.age").exists(), "{step}");
            for (addr, v) in SECRETS {
                assert!(!age_opens(&s.secret_file(addr), &old, v), "{step}: {addr}");
            }
        }
        // And a rotation after that works.
        s.cmd("sigil-rekey").assert().success();
        all_read(&s);
    }
}

#[test]
fn sigil_rekey_again_finishes_an_interrupted_protected_rotation() {
    let (s, p) = crate::identity::protected("pw");
    let mut c = s.cmd("sigil-rekey");
    c.env("SIGIL_PASSPHRASE_FILE", &p)
        .env("SIGIL_TEST_SCRYPT_LOG_N", "10");
    crate::support::kill_at(c, "secrets");
    assert!(s.home.join("identity.age.rekey").exists());
    // Without the passphrase the next command cannot finish it, and says so.
    let out = s.cmd("sigil-list").output().unwrap();
    assert!(
        stderr(&out).contains("cannot finish the interrupted key rotation yet"),
        "{}",
        stderr(&out)
    );
    let out = s
        .cmd("sigil-rekey")
        .env("SIGIL_TEST_SCRYPT_LOG_N", "10")
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!s.home.join("identity.age.rekey").exists());
    assert!(!s.home.join("rekey").exists());
    let out = s
        .cmd("sigil-get")
        .args(["-n", "a/one"])
        .env("SIGIL_PASSPHRASE_FILE", &p)
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"1", "{}", stderr(&out));
}
