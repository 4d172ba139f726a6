//! `sigil recipients`: members added to and removed from a folder, checked with identities
//! made by the real `age-keygen` and decryptions by the real `age -d`.

use crate::support::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Std;

fn team() -> Sandbox {
    let s = Sandbox::init();
    s.add("team/deploy/api_key", b"deploy-key");
    s.add("team/db/password", b"db-pass");
    s.add("github/me/token", b"mine-only");
    s
}

/// stderr then stdout of a run, redacted.
pub fn both(s: &Sandbox, out: &std::process::Output) -> String {
    format!("{}---\n{}", s.redact(&out.stderr), s.redact(&out.stdout))
}

#[test]
fn an_added_member_reads_the_folder_and_a_removed_one_no_longer_does() {
    let s = team();
    let (alice, alice_key) = age_keygen(s.root(), "alice");
    assert_eq!(age_reads(&s, &alice, "team/deploy/api_key"), None);

    let out = s
        .cmd("sigil-recipients")
        .args(["list", "team"])
        .assert()
        .success();
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    'team' has no .age-recipients of its own; it inherits '[TMP]/home/store/.age-recipients':
    ---
    age1[KEY]  (you)
    ");

    let out = s
        .cmd("sigil-recipients")
        .args(["add", &alice_key, "team", "--name", "alice"])
        .assert()
        .success();
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    added alice (key age1[KEY]) to '[TMP]/home/store/team/.age-recipients' (created from the recipients it inherited); re-encrypted 2 secrets to the 2 recipients
    ---
    ");
    assert_eq!(mode(&s.home.join("store/team/.age-recipients")), 0o600);
    assert_eq!(
        age_reads(&s, &alice, "team/deploy/api_key").as_deref(),
        Some(&b"deploy-key"[..])
    );
    assert_eq!(
        age_reads(&s, &alice, "team/db/password").as_deref(),
        Some(&b"db-pass"[..])
    );
    // Outside the folder nothing changed.
    assert_eq!(age_reads(&s, &alice, "github/me/token"), None);
    // New secrets in the folder go to the new member too.
    s.add("team/cache/api_key", b"cache-key");
    assert_eq!(
        age_reads(&s, &alice, "team/cache/api_key").as_deref(),
        Some(&b"cache-key"[..])
    );

    let out = s
        .cmd("sigil-recipients")
        .args(["list", "team"])
        .assert()
        .success();
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    recipients of 'team' ('[TMP]/home/store/team/.age-recipients'):
    ---
    age1[KEY]  (you)
    age1[KEY]  alice
    ");

    // Removing by name; the values she could read are listed on stdout, to rotate.
    let out = s
        .cmd("sigil-recipients")
        .args(["rm", "alice", "team"])
        .assert()
        .success();
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    removed alice (key age1[KEY]) from '[TMP]/home/store/team/.age-recipients'; re-encrypted 3 secrets to the 1 remaining recipient
    warning: re-encryption does not take back what alice (key age1[KEY]) could already read: they may have copied these values, and anyone holding their key can still open old copies (a git history, a backup). Rotate them:
    ---
    team/cache/api_key
    team/db/password
    team/deploy/api_key
    ");
    for addr in [
        "team/deploy/api_key",
        "team/db/password",
        "team/cache/api_key",
    ] {
        assert_eq!(age_reads(&s, &alice, addr), None, "{addr}");
    }
    assert_eq!(s.get("team/deploy/api_key"), b"deploy-key");
    assert_eq!(s.get("team/cache/api_key"), b"cache-key");
    let text = fs::read_to_string(s.home.join("store/team/.age-recipients")).unwrap();
    assert!(
        !text.contains(&alice_key) && !text.contains("alice"),
        "{text}"
    );
}

#[test]
fn your_own_key_cannot_be_removed() {
    let s = team();
    let out = Std::new("age-keygen")
        .arg("-y")
        .arg(s.identity_file())
        .output()
        .unwrap();
    let me = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let before = fs::read(s.home.join("store/.age-recipients")).unwrap();
    let out = s.cmd("sigil-recipients").args(["rm", &me]).assert().code(5);
    insta::assert_snapshot!(s.redact(&out.get_output().stderr), @r"
    sigil-recipients: error: refusing to remove your own key from the store root: sigil could no longer read its secrets
    help: to rotate your own key, use `sigil rekey`; to hand the folder over, have the new owner remove you
    ");
    assert_eq!(
        fs::read(s.home.join("store/.age-recipients")).unwrap(),
        before
    );
    assert_eq!(s.get("github/me/token"), b"mine-only");
}

#[test]
fn the_store_root_and_a_deeper_folder_with_its_own_file() {
    let s = team();
    let (bob, bob_key) = age_keygen(s.root(), "bob");
    let (carol, carol_key) = age_keygen(s.root(), "carol");
    // team/db is shared with bob alone (and me).
    s.cmd("sigil-recipients")
        .args(["add", &bob_key, "team/db"])
        .assert()
        .success();
    assert!(age_reads(&s, &bob, "team/db/password").is_some());
    assert_eq!(age_reads(&s, &bob, "team/deploy/api_key"), None);

    // Carol joins the whole store, except team/db which has its own recipients.
    let out = s
        .cmd("sigil-recipients")
        .args(["add", &carol_key])
        .assert()
        .success();
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    added age1[KEY] to '[TMP]/home/store/.age-recipients'; re-encrypted 2 secrets to the 2 recipients
    'team/db' has a .age-recipients of its own and was left as it is
    ---
    ");
    assert!(age_reads(&s, &carol, "github/me/token").is_some());
    assert!(age_reads(&s, &carol, "team/deploy/api_key").is_some());
    assert_eq!(age_reads(&s, &carol, "team/db/password"), None);
    assert!(age_reads(&s, &bob, "team/db/password").is_some());

    // Adding again changes nothing but says so; removing an absent key likewise.
    let out = s
        .cmd("sigil-recipients")
        .args(["add", &carol_key])
        .assert()
        .success();
    assert!(stderr(out.get_output()).contains("is already a recipient of the store root"));
    let out = s
        .cmd("sigil-recipients")
        .args(["rm", &bob_key, "team"])
        .assert()
        .success();
    let err = stderr(out.get_output());
    assert!(err.contains("is not a recipient of 'team'"), "{err}");
    assert!(out.get_output().stdout.is_empty());

    let json = s
        .cmd("sigil-recipients")
        .args(["list", "team/db", "--json"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    assert_eq!(v["folder"], "team/db");
    assert_eq!(v["inherited"], false);
    assert_eq!(v["recipients"].as_array().unwrap().len(), 2);
    assert_eq!(v["recipients"][0]["you"], true);
    assert_eq!(v["recipients"][1]["key"], bob_key.as_str());
}

#[test]
fn bad_keys_folders_and_names_are_refused() {
    let s = team();
    let before = fs::read(s.home.join("store/.age-recipients")).unwrap();
    let out = s
        .cmd("sigil-recipients")
        .args(["add", "age1notakey", "team"])
        .assert()
        .code(2);
    let err = stderr(out.get_output());
    assert!(
        err.contains("'age1notakey' is not an age public key"),
        "{err}"
    );
    let out = s
        .cmd("sigil-recipients")
        .args(["list", "../etc"])
        .assert()
        .code(2);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-recipients: error: '../etc' is not a store folder: the service cannot be '..'
    help: a folder is a service (team) or an account (team/deploy); nothing means the whole store
    ");
    let out = s
        .cmd("sigil-recipients")
        .args(["rm", "nobody", "team"])
        .assert()
        .code(3);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-recipients: error: no recipient of 'team' is named 'nobody'
    help: `sigil recipients list team` shows them
    ");
    assert_eq!(
        fs::read(s.home.join("store/.age-recipients")).unwrap(),
        before
    );
    assert!(!s.home.join("store/team/.age-recipients").exists());
}

#[test]
fn a_run_cut_short_is_finished_by_running_it_again() {
    let s = team();
    let (dave, dave_key) = age_keygen(s.root(), "dave");
    // As a hand edit (a `git pull`), or a kill of a sigil that kept no journal, leaves it:
    // dave listed, no secret re-encrypted yet. With no journal, adding him again re-encrypts.
    let file = s.home.join("store/team/.age-recipients");
    let mine = fs::read_to_string(s.home.join("store/.age-recipients")).unwrap();
    fs::write(&file, format!("{mine}{dave_key}\n")).unwrap();
    chmod(&file, 0o600);
    assert_eq!(age_reads(&s, &dave, "team/deploy/api_key"), None);
    let out = s
        .cmd("sigil-recipients")
        .args(["add", &dave_key, "team"])
        .assert()
        .success();
    let err = s.redact(&out.get_output().stderr);
    assert_eq!(
        err,
        "age1[KEY] is already a recipient of 'team'; re-encrypted 2 secrets to the 2 recipients\n"
    );
    assert!(age_reads(&s, &dave, "team/deploy/api_key").is_some());
    assert!(age_reads(&s, &dave, "team/db/password").is_some());
}

/// A teammate who controls a shared folder plants symlinks in it: a secret file that points at
/// the victim's personal secret, and a service directory that points outside the store. No
/// command follows them: `get` refuses naming the link, `list` and `recipients add` skip the
/// file (so the personal secret is never re-encrypted to the team), `add` refuses to write
/// through the directory. A store root that is itself a symlink the user made still works.
#[test]
fn symlinks_planted_in_the_store_are_never_followed() {
    let s = team();
    s.add("personal/bank/api_key", b"bank-secret");
    let store = s.home.join("store");
    std::os::unix::fs::symlink(
        "../../personal/bank/api_key.age",
        store.join("team/deploy/stolen.age"),
    )
    .unwrap();
    let outside = s.root().join("outside");
    fs::create_dir(&outside).unwrap();
    chmod(&outside, 0o700);
    std::os::unix::fs::symlink(&outside, store.join("evil")).unwrap();

    let out = s
        .cmd("sigil-get")
        .arg("team/deploy/stolen")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(s.redact(&out.stderr), @r"
    sigil-get: error: '[TMP]/home/store/team/deploy/stolen.age' is a symbolic link inside the store, and sigil never follows one there
    help: if you did not put it there, someone with access to the folder did: remove it with `rm '[TMP]/home/store/team/deploy/stolen.age'` (what it points to is not touched)
    ");

    let out = s.cmd("sigil-list").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("stolen"));
    let out = s.cmd("sigil-status").output().unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        report.contains("team/deploy/stolen.age' is a symbolic link inside the store"),
        "{report}"
    );

    let (alice, alice_key) = age_keygen(s.root(), "alice");
    let out = s
        .cmd("sigil-recipients")
        .args(["add", &alice_key, "team", "--name", "alice"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        age_reads(&s, &alice, "team/deploy/api_key"),
        Some(b"deploy-key".to_vec())
    );
    assert_eq!(age_reads(&s, &alice, "personal/bank/api_key"), None);
    let link = store.join("team/deploy/stolen.age");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced"
    );
    let out = Std::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&alice)
        .arg(&link)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "alice reads the bank secret through the link"
    );

    let out = s
        .cmd("sigil-add")
        .arg("evil/me")
        .write_stdin("x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("evil"), "{}", stderr(&out));
    assert_eq!(
        fs::read_dir(&outside).unwrap().count(),
        0,
        "written outside the store"
    );

    // The user's own choice: the store root and the home may be links.
    let t = Sandbox::init();
    t.add("a/b", b"1");
    let moved = t.root().join("elsewhere");
    fs::rename(t.home.join("store"), &moved).unwrap();
    std::os::unix::fs::symlink(&moved, t.home.join("store")).unwrap();
    assert_eq!(t.get("a/b"), b"1");
    t.add("c/d", b"2");
    assert_eq!(t.get("c/d"), b"2");
    assert!(moved.join("c/d/api_key.age").is_file());
    let old = fs::read(moved.join("a/b/api_key.age")).unwrap();
    t.cmd("sigil-rekey").assert().success();
    assert_ne!(
        fs::read(moved.join("a/b/api_key.age")).unwrap(),
        old,
        "rekey skipped the store"
    );
    assert_eq!(t.get("a/b"), b"1");
}

/// A team folder of three secrets shared with alice (by name), and her identity file.
fn team_with_alice() -> (Sandbox, PathBuf, String) {
    let s = team();
    s.add("team/cache/api_key", b"cache-key");
    let (alice, alice_key) = age_keygen(s.root(), "alice");
    s.cmd("sigil-recipients")
        .args(["add", &alice_key, "team", "--name", "alice"])
        .assert()
        .success();
    assert!(age_reads(&s, &alice, "team/cache/api_key").is_some());
    (s, alice, alice_key)
}

const TEAM: [&str; 3] = [
    "team/cache/api_key",
    "team/db/password",
    "team/deploy/api_key",
];

/// The steps of an edit of TEAM that a kill can follow: the journal, the recipients file, and
/// each of the three secrets (debug builds abort there when the variable says so).
const STEPS: std::ops::RangeInclusive<usize> = 0..=4;

/// Runs `sigil recipients ARGS` killed once step `step` is on disk.
fn killed(s: &Sandbox, args: &[&str], step: usize) {
    let out = s
        .cmd("sigil-recipients")
        .env("SIGIL_TEST_FAULT", format!("@recipients#{}:kill", step + 1))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        None,
        "not killed at {step}: {}",
        stderr(&out)
    );
    assert!(
        s.home.join(".recipients-journal").exists(),
        "no journal after a kill at {step}"
    );
}

/// What a complete `sigil recipients rm alice team` reports (stderr, ---, stdout), redacted.
const RM_ALICE: &str = "removed alice (key age1[KEY]) from '[TMP]/home/store/team/.age-recipients'; re-encrypted 3 secrets to the 1 remaining recipient
warning: re-encryption does not take back what alice (key age1[KEY]) could already read: they may have copied these values, and anyone holding their key can still open old copies (a git history, a backup). Rotate them:
---
team/cache/api_key
team/db/password
team/deploy/api_key
";

/// After an edit was finished: the removed member opens none of the folder's secrets, those
/// re-encrypted and one written afterwards, and the user still reads them all.
fn alice_reads_nothing(s: &Sandbox, alice: &Path, step: usize) {
    for addr in TEAM {
        assert_eq!(
            age_reads(s, alice, addr),
            None,
            "{addr} after a kill at {step}"
        );
    }
    s.add("team/later/api_key", b"later");
    assert_eq!(
        age_reads(s, alice, "team/later/api_key"),
        None,
        "step {step}"
    );
    assert_eq!(s.get("team/deploy/api_key"), b"deploy-key");
    assert_eq!(s.get("team/later/api_key"), b"later");
    let text = fs::read_to_string(s.home.join("store/team/.age-recipients")).unwrap();
    assert!(!text.contains("alice"), "step {step}: {text}");
    assert!(!s.home.join(".recipients-journal").exists(), "step {step}");
}

/// `sigil status` and `sigil check` report an interrupted edit, with the command that
/// finishes it, and leave it as it is.
fn reported(s: &Sandbox, message: &str, fix: &str) {
    let out = s.cmd("sigil-status").output().unwrap();
    let text = s.redact(&out.stdout);
    assert!(text.contains(message), "{text}{}", stderr(&out));
    assert!(
        text.contains(&format!("fix: {}\n", redact_keys(fix))),
        "{text}"
    );
    let out = s.cmd("sigil-check").args(["--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["check"] == "recipients")
        .unwrap_or_else(|| panic!("check did not report it: {v:#}"));
    assert!(
        redact_keys(found["problem"].as_str().unwrap()).contains(message),
        "{found:#}"
    );
    assert_eq!(found["fix"], fix);
    assert!(
        s.home.join(".recipients-journal").exists(),
        "status or check finished it"
    );
}

/// The security review's case: `recipients rm` killed after the file was written left the
/// removed key reading most of the folder, and nothing said so. Killed at every step, it is
/// reported by `status` and `check` (which leave it), and running it again by name (alice is
/// no longer in the file) finishes it and prints what a complete run prints: the values to
/// rotate. Alice then opens nothing.
#[test]
fn a_killed_rm_is_reported_and_finished_by_running_it_again_by_name() {
    for step in STEPS {
        let (s, alice, _) = team_with_alice();
        killed(&s, &["rm", "alice", "team"], step);
        // The three secrets are re-encrypted two and one at a time (a test build's batch is
        // 2): a kill at steps 2 and 3 comes after the first batch was marked done.
        let left = [3, 3, 1, 1, 0][step];
        let message = if left > 0 {
            format!(
                "`sigil recipients rm alice team` was interrupted with {left} of 3 secrets of 'team' still to re-encrypt; alice (key age1[KEY]) may still open them, and the values to rotate have not been listed"
            )
        } else {
            "`sigil recipients rm alice team` was interrupted with 0 of 3 secrets of 'team' still to re-encrypt; the values to rotate have not been listed".to_owned()
        };
        reported(&s, &message, "sigil recipients rm alice team");
        let out = s
            .cmd("sigil-recipients")
            .args(["rm", "alice", "team"])
            .output()
            .unwrap();
        assert!(out.status.success(), "step {step}: {}", stderr(&out));
        assert_eq!(both(&s, &out), RM_ALICE, "step {step}");
        alice_reads_nothing(&s, &alice, step);
    }
}

/// The same kills, finished by whichever command comes next (`get` here: its stdout stays the
/// value, the report and the values to rotate go to stderr).
#[test]
fn a_killed_rm_is_finished_by_the_next_command() {
    for step in STEPS {
        let (s, alice, _) = team_with_alice();
        killed(&s, &["rm", "alice", "team"], step);
        let out = s
            .cmd("sigil-get")
            .args(["-n", "team/db/password"])
            .output()
            .unwrap();
        assert!(out.status.success(), "step {step}: {}", stderr(&out));
        assert_eq!(out.stdout, b"db-pass");
        let (err, stdout) = RM_ALICE.split_once("---\n").unwrap();
        assert_eq!(
            s.redact(&out.stderr),
            format!(
                "sigil-get: finished the interrupted `sigil recipients rm alice team`\n{err}{stdout}"
            ),
            "step {step}"
        );
        alice_reads_nothing(&s, &alice, step);
        let out = s.cmd("sigil-status").output().unwrap();
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("interrupted"),
            "step {step}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// `recipients add` killed half-way: reported, then finished by running it again (the new
/// member reads every secret), or by the next command.
#[test]
fn a_killed_add_is_reported_and_finished() {
    let s = team();
    s.add("team/cache/api_key", b"cache-key");
    let (bob, bob_key) = age_keygen(s.root(), "bob");
    killed(&s, &["add", &bob_key, "team", "--name", "bob"], 2);
    reported(
        &s,
        "`sigil recipients add age1[KEY] team --name bob` was interrupted with 1 of 3 secrets of 'team' still to re-encrypt; bob (key age1[KEY]) cannot open them yet",
        &format!("sigil recipients add {bob_key} team --name bob"),
    );
    let out = s
        .cmd("sigil-recipients")
        .args(["add", &bob_key, "team", "--name", "bob"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        both(&s, &out),
        "added bob (key age1[KEY]) to '[TMP]/home/store/team/.age-recipients' (created from the recipients it inherited); re-encrypted 3 secrets to the 2 recipients\n---\n"
    );
    for addr in TEAM {
        assert!(age_reads(&s, &bob, addr).is_some(), "{addr}");
    }
    assert!(!s.home.join(".recipients-journal").exists());

    // Killed before any secret, then `sigil list` comes next.
    let t = team();
    let (carol, carol_key) = age_keygen(t.root(), "carol");
    killed(&t, &["add", &carol_key, "team"], 1);
    let out = t.cmd("sigil-list").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        t.redact(&out.stderr),
        "sigil-list: finished the interrupted `sigil recipients add age1[KEY] team`\nadded age1[KEY] to '[TMP]/home/store/team/.age-recipients' (created from the recipients it inherited); re-encrypted 2 secrets to the 2 recipients\n"
    );
    assert!(age_reads(&t, &carol, "team/deploy/api_key").is_some());
    assert!(age_reads(&t, &carol, "team/db/password").is_some());
    assert_eq!(age_reads(&t, &carol, "github/me/token"), None);
}
