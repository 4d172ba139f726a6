//! `sigil mv` and `sigil cp`: fields, accounts and services carried with their metadata,
//! policies and use counts; re-encryption to another folder's recipients checked with the real
//! `age -d`; refusals; a kill at each step; no identity needed when the recipients match.

use crate::support::*;
use std::fs;
use std::path::PathBuf;

/// The exit code of `sigil-get -n ADDR`.
fn get_code(s: &Sandbox, addr: &str) -> i32 {
    s.cmd("sigil-get")
        .args(["-n", addr])
        .output()
        .unwrap()
        .status
        .code()
        .unwrap()
}

fn accounts(s: &Sandbox) -> toml::Table {
    toml::from_str(&fs::read_to_string(s.home.join("accounts.toml")).unwrap()).unwrap()
}

fn account(s: &Sandbox, key: &str) -> Option<toml::Value> {
    accounts(s)["accounts"].get(key).cloned()
}

fn policy(s: &Sandbox, key: &str) -> Option<toml::Value> {
    accounts(s)
        .get("policies")
        .and_then(|p| p.get(key))
        .cloned()
}

fn run(s: &Sandbox, bin: &str, args: &[&str]) -> std::process::Output {
    s.cmd(bin).args(args).output().unwrap()
}

/// A home with `gh/me` (an API key with a note and an expiry, and a password) under a
/// policy that counts uses, one use counted.
fn with_account() -> Sandbox {
    let s = Sandbox::init();
    s.cmd("sigil-add")
        .args(["gh/me", "--note", "work laptop", "--expires", "2099-01-01"])
        .write_stdin("key-value-1")
        .assert()
        .success();
    s.add("gh/me/password", b"password-value-2");
    s.cmd("sigil-policy")
        .args(["set", "gh/me", "--max-uses", "10", "--allow", "get,run"])
        .assert()
        .success();
    assert_eq!(s.get("gh/me"), b"key-value-1");
    s
}

#[test]
fn an_account_moves_with_its_metadata_policy_and_use_count() {
    let s = with_account();
    let before = account(&s, "gh/me").unwrap();
    let out = run(&s, "sigil-mv", &["gh/me", "gh/work"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(stderr(&out), @r"
    moved 'gh/me/api_key' to 'gh/work/api_key'
    moved 'gh/me/password' to 'gh/work/password'
    ");
    assert_eq!(get_code(&s, "gh/me"), 3);
    assert!(account(&s, "gh/me").is_none());
    assert!(policy(&s, "gh/me").is_none());
    // Everything the account had, as it was: note, expiry, kind, times, policy and count.
    assert_eq!(account(&s, "gh/work").unwrap(), before);
    let p = policy(&s, "gh/work").unwrap();
    assert_eq!(p["uses"].as_integer(), Some(1));
    assert_eq!(p["max_uses"].as_integer(), Some(10));
    assert_eq!(s.get("gh/work"), b"key-value-1");
    assert_eq!(s.get("gh/work/password"), b"password-value-2");
    assert_eq!(policy(&s, "gh/work").unwrap()["uses"].as_integer(), Some(3));
    // The policy went along: `sigil resolve` is not allowed.
    let out = run(&s, "sigil-resolve", &["auth://gh/work"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    // No directory is left behind, and no kept or temporary file.
    assert!(!s.home.join("store/gh/me").exists());
    let leftovers: Vec<_> = files_under(&s.home.join("store"))
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_field_moves_into_an_account_or_a_new_one_and_a_service_moves_whole() {
    let s = with_account();
    s.add("other/acct", b"other-value");
    // Into an account that exists, keeping its name; the policy differs, so refused.
    let out = run(&s, "sigil-mv", &["gh/me/password", "other/acct"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("has a usage policy that 'other/acct' does not have"));
    // Split out of an account whose policy counts uses: a second budget, refused.
    let out = run(&s, "sigil-mv", &["gh/me/password", "new/acct"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("second budget of uses"),
        "{}",
        stderr(&out)
    );
    s.cmd("sigil-policy")
        .args(["clear", "gh/me"])
        .assert()
        .success();
    s.cmd("sigil-mv")
        .args(["gh/me/password", "other/acct"])
        .assert()
        .success();
    assert_eq!(s.get("other/acct/password"), b"password-value-2");
    assert_eq!(get_code(&s, "gh/me/password"), 3);
    let fields = |k: &str| account(&s, k).unwrap()["fields"].clone();
    assert_eq!(fields("other/acct").as_array().unwrap().len(), 2);
    assert_eq!(fields("gh/me").as_array().unwrap().len(), 1);
    // Renamed within its account.
    s.cmd("sigil-mv")
        .args(["other/acct/password", "other/acct/pin"])
        .assert()
        .success();
    assert_eq!(s.get("other/acct/pin"), b"password-value-2");
    // To a new account, which gets the source's metadata (the note).
    s.cmd("sigil-mv")
        .args(["gh/me/api_key", "fresh/one/token"])
        .assert()
        .success();
    assert_eq!(s.get("fresh/one/token"), b"key-value-1");
    assert_eq!(
        account(&s, "fresh/one").unwrap()["note"].as_str(),
        Some("work laptop")
    );
    // Its last field gone, the source account is gone.
    assert!(account(&s, "gh/me").is_none());
    // A whole service, every account of it.
    s.add("svc/a", b"a-value");
    s.add("svc/b/password", b"b-value");
    let out = run(&s, "sigil-mv", &["svc", "renamed"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(s.get("renamed/a"), b"a-value");
    assert_eq!(s.get("renamed/b/password"), b"b-value");
    assert!(account(&s, "svc/a").is_none() && account(&s, "svc/b").is_none());
    assert!(!s.home.join("store/svc").exists());
    // An account into another service, keeping its name.
    s.cmd("sigil-mv")
        .args(["renamed/a", "third"])
        .assert()
        .success();
    assert_eq!(s.get("third/a"), b"a-value");
}

#[test]
fn cp_leaves_the_source_and_the_copy_starts_its_own_life() {
    let s = with_account();
    // A copy would be a second budget of uses.
    let out = run(&s, "sigil-cp", &["gh/me", "gh/copy"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    insta::assert_snapshot!(stderr(&out), @r"
    sigil-cp: error: the usage policy of 'gh/me' limits its uses (--max-uses), and a copy would be a second budget of uses
    help: move it instead, or change the policy: `sigil policy clear ACCOUNT`
    ");
    s.cmd("sigil-policy")
        .args(["set", "gh/me", "--allow", "get,run"])
        .assert()
        .success();
    let text = fs::read_to_string(s.home.join("accounts.toml")).unwrap();
    let text = text.replace("max_uses = 10\n", "");
    fs::write(s.home.join("accounts.toml"), text).unwrap();
    let out = run(&s, "sigil-cp", &["gh/me", "gh/copy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for (a, v) in [
        ("gh/me", &b"key-value-1"[..]),
        ("gh/copy", b"key-value-1"),
        ("gh/copy/password", b"password-value-2"),
    ] {
        assert_eq!(s.get(a), v, "{a}");
    }
    let copy = account(&s, "gh/copy").unwrap();
    assert_eq!(copy["note"].as_str(), Some("work laptop"));
    assert_ne!(copy["created"], account(&s, "gh/me").unwrap()["created"]);
    assert_eq!(
        policy(&s, "gh/copy").unwrap()["allow"],
        policy(&s, "gh/me").unwrap()["allow"]
    );
    // A field and a service.
    s.cmd("sigil-cp")
        .args(["gh/me/password", "db/admin"])
        .assert()
        .success();
    assert_eq!(s.get("db/admin/password"), b"password-value-2");
    s.cmd("sigil-cp").args(["gh", "gh2"]).assert().success();
    assert_eq!(s.get("gh2/me"), b"key-value-1");
    assert_eq!(s.get("gh2/copy/password"), b"password-value-2");
    assert_eq!(s.get("gh/me/password"), b"password-value-2");
}

#[test]
fn a_destination_that_is_there_is_replaced_only_with_force() {
    let s = Sandbox::init();
    s.add("a/one", b"one");
    s.add("b/two", b"two");
    s.add("b/two/extra", b"extra");
    for (bin, from, to, shown) in [
        ("sigil-mv", "a/one", "b/two", "b/two"),
        (
            "sigil-cp",
            "a/one/api_key",
            "b/two/api_key",
            "b/two/api_key",
        ),
    ] {
        let out = run(&s, bin, &[from, to]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(
            stderr(&out),
            format!("{bin}: error: '{shown}' already exists\nhelp: pass --force to replace it\n")
        );
    }
    assert_eq!(s.get("b/two"), b"two");
    // A field replaced: the account keeps its other fields.
    s.cmd("sigil-cp")
        .args(["a/one/api_key", "b/two/api_key", "--force"])
        .assert()
        .success();
    assert_eq!(s.get("b/two"), b"one");
    assert_eq!(s.get("b/two/extra"), b"extra");
    // A whole account replaced: it becomes the source, fields it lacks removed.
    let out = run(&s, "sigil-mv", &["a/one", "b/two", "-f"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(stderr(&out), @r"
    removed 'b/two/extra' (replaced with --force)
    moved 'a/one/api_key' to 'b/two/api_key'
    ");
    assert_eq!(get_code(&s, "b/two/extra"), 3);
    assert_eq!(s.get("b/two"), b"one");
    assert_eq!(get_code(&s, "a/one"), 3);
}

#[test]
fn unknown_sources_and_impossible_destinations_are_refused_clearly() {
    let s = Sandbox::init();
    s.add("svc/acct", b"v");
    let cases: &[(&[&str], i32)] = &[
        (&["nope/x", "a/b"], 3),
        (&["nope", "other"], 3),
        (&["svc/acct/nofield", "a/b"], 3),
        (&["svc", "svc"], 2),
        (&["svc", "svc/inner"], 2),
        (&["svc/acct", "svc/acct"], 2),
        (&["svc/acct", "svc"], 2),
        (&["svc/acct", "x/y/field"], 2),
        (&["svc/acct/api_key", "other"], 2),
        (&["svc", "other/acct"], 2),
        (&["BAD", "x"], 2),
    ];
    let mut text = String::new();
    for (args, code) in cases {
        let out = run(&s, "sigil-mv", args);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {}", stderr(&out));
        text.push_str(&format!("$ sigil mv {}\n{}", args.join(" "), stderr(&out)));
    }
    insta::assert_snapshot!(text, @r"
    $ sigil mv nope/x a/b
    sigil-mv: error: 'nope/x' not found
    help: `sigil list` shows what is stored
    $ sigil mv nope other
    sigil-mv: error: 'nope' not found
    help: `sigil list` shows what is stored
    $ sigil mv svc/acct/nofield a/b
    sigil-mv: error: 'svc/acct/nofield' not found
    help: that account has: api_key (e.g. `sigil get svc/acct/api_key`)
    $ sigil mv svc svc
    sigil-mv: error: cannot move 'svc' onto itself
    help: name another destination
    $ sigil mv svc svc/inner
    sigil-mv: error: cannot move 'svc' to 'svc/inner': a service cannot go into itself
    help: a service goes to another service name
    $ sigil mv svc/acct svc/acct
    sigil-mv: error: cannot move 'svc/acct' onto itself
    help: name another destination
    $ sigil mv svc/acct svc
    sigil-mv: error: cannot move 'svc/acct' onto itself
    help: name another destination
    $ sigil mv svc/acct x/y/field
    sigil-mv: error: cannot move 'svc/acct' to 'x/y/field': an account goes to an account or a service
    help: name the account: `x/y`
    $ sigil mv svc/acct/api_key other
    sigil-mv: error: cannot move 'svc/acct/api_key' to 'other': a field goes to a field or an account
    help: name the account: `other/acct`
    $ sigil mv svc other/acct
    sigil-mv: error: cannot move 'svc' to 'other/acct': a service goes to a service
    help: name the new service: `sigil mv svc NEWNAME`
    $ sigil mv BAD x
    sigil-mv: error: invalid address 'BAD': the service must be lowercase
    help: an address is service/account[/field]: service is 1-64 of [a-z0-9._-] starting with [a-z0-9], account is 1-128 of [A-Za-z0-9@._+-], field is 1-32 of [a-z0-9_] (e.g. github/me or auth://github/me/token)
    ");
    assert_eq!(s.get("svc/acct"), b"v");
}

/// A home with `personal/db` and `team/` whose `.age-recipients` lists the user and alice.
fn team_with_alice() -> (Sandbox, PathBuf) {
    let s = Sandbox::init();
    s.add("personal/db/password", b"db-secret");
    s.add("team/ci", b"ci-secret");
    let (alice, alice_pub) = age_keygen(s.root(), "alice");
    let mine = fs::read_to_string(s.home.join("store/.age-recipients")).unwrap();
    let file = s.home.join("store/team/.age-recipients");
    fs::write(&file, format!("{mine}{alice_pub}\n")).unwrap();
    chmod(&file, 0o600);
    (s, alice)
}

#[test]
fn a_secret_is_reencrypted_to_the_recipients_of_the_folder_it_lands_in() {
    let (s, alice) = team_with_alice();
    let me = s.identity_file();
    assert_eq!(age_reads(&s, &alice, "personal/db/password"), None);
    let out = run(&s, "sigil-mv", &["personal/db", "team"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(stderr(&out), @"moved 'personal/db/password' to 'team/db/password' (re-encrypted to the destination's recipients)");
    // The real age, with each side's identity: alice now reads it, and so do I.
    assert_eq!(
        age_reads(&s, &alice, "team/db/password").as_deref(),
        Some(&b"db-secret"[..])
    );
    assert_eq!(
        age_reads(&s, &me, "team/db/password").as_deref(),
        Some(&b"db-secret"[..])
    );
    // Moved out of the team folder, alice (not a recipient there) no longer reads it.
    s.cmd("sigil-mv")
        .args(["team/ci", "personal/ci"])
        .assert()
        .success();
    assert_eq!(age_reads(&s, &alice, "personal/ci/api_key"), None);
    assert_eq!(
        age_reads(&s, &me, "personal/ci/api_key").as_deref(),
        Some(&b"ci-secret"[..])
    );
    // A copy into the team folder: the copy for both, the original for me only.
    s.cmd("sigil-cp")
        .args(["personal/ci/api_key", "team/ci2"])
        .assert()
        .success();
    assert_eq!(
        age_reads(&s, &alice, "team/ci2/api_key").as_deref(),
        Some(&b"ci-secret"[..])
    );
    assert_eq!(age_reads(&s, &alice, "personal/ci/api_key"), None);
}

#[test]
fn a_policy_that_forbids_handing_over_refuses_a_folder_with_more_readers() {
    let (s, _alice) = team_with_alice();
    s.cmd("sigil-policy")
        .args(["set", "personal/db", "--allow", "run"])
        .assert()
        .success();
    let out = run(&s, "sigil-mv", &["personal/db", "team"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the usage policy of 'personal/db' does not allow that"),
        "{}",
        stderr(&out)
    );
    assert!(s.secret_file("personal/db/password").is_file());
    assert!(!s.home.join("store/team/db").exists());
    // Within the same recipients it moves.
    s.cmd("sigil-mv")
        .args(["personal/db", "private/db"])
        .assert()
        .success();
}

#[test]
fn without_the_identity_a_move_between_folders_of_the_same_recipients_works() {
    let (s, _alice) = team_with_alice();
    s.add("personal/web", b"web-secret");
    let aside = s.root().join("identity-aside.txt");
    fs::rename(s.identity_file(), &aside).unwrap();
    // Same recipients: carried sealed, no identity asked for.
    for (bin, from, to) in [
        ("sigil-mv", "personal/web", "elsewhere/web"),
        ("sigil-cp", "elsewhere/web", "third"),
        ("sigil-mv", "team/ci", "team/ci2"),
    ] {
        let out = run(&s, bin, &[from, to]);
        assert!(out.status.success(), "{bin} {from} {to}: {}", stderr(&out));
    }
    // Other recipients: reading is needed, and the identity is not there (exit 4), nothing
    // changed.
    let out = run(&s, "sigil-mv", &["personal/db", "team"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(s.secret_file("personal/db/password").is_file());
    assert!(!s.home.join("store/team/db").exists());
    // The moves were audited in the side log; the values are where they were moved.
    let side = fs::read_to_string(s.home.join("audit-unkeyed.log")).unwrap();
    assert!(
        side.contains(
            r#""event":"mv","addresses":["personal/web/api_key","elsewhere/web/api_key"]"#
        ),
        "{side}"
    );
    fs::rename(&aside, s.identity_file()).unwrap();
    assert_eq!(s.get("elsewhere/web"), b"web-secret");
    assert_eq!(s.get("third/web"), b"web-secret");
    assert_eq!(s.get("team/ci2"), b"ci-secret");
    assert_eq!(get_code(&s, "personal/web"), 3);
}

#[test]
fn a_symlink_at_the_destination_never_redirects_the_write() {
    let (s, _alice) = team_with_alice();
    let outside = s.root().join("outside");
    fs::create_dir(&outside).unwrap();
    // A teammate who controls the shared folder plants links: the folder for an account, and
    // a field's file.
    std::os::unix::fs::symlink(&outside, s.home.join("store/team/db")).unwrap();
    std::os::unix::fs::symlink(
        outside.join("file.age"),
        s.home.join("store/team/ci/stolen.age"),
    )
    .unwrap();
    for to in ["team/db", "team/ci/stolen", "team/db/password"] {
        for bin in ["sigil-mv", "sigil-cp"] {
            let src = if to.matches('/').count() == 2 {
                "personal/db/password"
            } else {
                "personal/db"
            };
            let out = run(&s, bin, &[src, to, "--force"]);
            assert_eq!(out.status.code(), Some(5), "{bin} {to}: {}", stderr(&out));
            assert!(
                stderr(&out).contains("is a symbolic link inside the store"),
                "{}",
                stderr(&out)
            );
        }
    }
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
    assert_eq!(s.get("personal/db/password"), b"db-secret");
}

/// Kills `sigil mv`/`cp` after the N-th credential it carried, and at each durable step;
/// after the next command every credential is at its source or its destination, all of
/// them on one side, and running the command again finishes it. (A kept link made before
/// the journal is written may stay behind as a `.tmp-` file, as for `add` and `rm`: the
/// sweeps remove those; it is never a credential.)
#[test]
fn a_kill_at_any_point_loses_nothing_and_running_again_finishes() {
    let values = [
        ("src/a/api_key", "dst/a/api_key", &b"a-value"[..]),
        ("src/b/password", "dst/b/password", b"b-value"),
        ("src/c/token", "dst/c/token", b"c-value"),
    ];
    let setup = || {
        let s = Sandbox::init();
        for (from, _, v) in values {
            s.add(from, v);
        }
        s
    };
    let check = |s: &Sandbox, what: &str, copy: bool| {
        let at_src = values
            .iter()
            .filter(|(from, _, v)| {
                s.cmd("sigil-get")
                    .args(["-n", from])
                    .output()
                    .unwrap()
                    .stdout
                    == *v
            })
            .count();
        let at_dst = values
            .iter()
            .filter(|(_, to, v)| s.cmd("sigil-get").args(["-n", to]).output().unwrap().stdout == *v)
            .count();
        let ok = if copy {
            at_src == 3 && (at_dst == 0 || at_dst == 3)
        } else {
            (at_src, at_dst) == (3, 0) || (at_src, at_dst) == (0, 3)
        };
        assert!(
            ok,
            "{what}: {at_src} at the source, {at_dst} at the destination"
        );
        at_dst == 3
    };
    for (bin, copy) in [("sigil-mv", false), ("sigil-cp", true)] {
        // After the first and the second credential.
        for n in 1..=2 {
            let s = setup();
            let mut c = s.cmd(bin);
            c.args(["src", "dst"]);
            kill_at(c, &format!("carried#{n}"));
            s.cmd("sigil-list").assert().success();
            assert!(!check(&s, &format!("{bin} killed after {n}"), copy));
            s.cmd(bin).args(["src", "dst"]).assert().success();
            assert!(check(&s, &format!("{bin} run again after {n}"), copy));
        }
        // At every durable step, until it runs to its end.
        let mut finished = false;
        for n in 1..100 {
            let s = setup();
            let out = s
                .cmd(bin)
                .args(["src", "dst"])
                .env("SIGIL_TEST_FAULT", format!("{n}:kill"))
                .output()
                .unwrap();
            // The re-run is the next command: it heals, then moves what is left.
            let what = format!("{bin} killed at step {n}");
            if out.status.code().is_some() {
                assert!(out.status.success(), "{what}: {}", stderr(&out));
                assert!(check(&s, &what, copy));
                finished = true;
                break;
            }
            let again = run(&s, bin, &["src", "dst"]);
            if !check(&s, &what, copy) {
                panic!("{what}: not finished by running again: {}", stderr(&again));
            }
        }
        assert!(finished, "{bin} never ran to its end");
    }
}

#[test]
fn no_value_reaches_the_audit_log_or_is_left_in_a_file() {
    let (s, _alice) = team_with_alice();
    s.cmd("sigil-mv")
        .args(["personal/db", "team"])
        .assert()
        .success();
    s.cmd("sigil-cp")
        .args(["team/ci", "team/ci2"])
        .assert()
        .success();
    s.cmd("sigil-mv").args(["team", "crew"]).assert().success();
    let log = fs::read_to_string(s.home.join("audit.log")).unwrap();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(r#""event":"mv""#) || l.contains(r#""event":"cp""#))
        .collect();
    // One entry per credential: 1 + 1 + 3 (team had ci, ci2 and db).
    assert_eq!(lines.len(), 5, "{log}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(r#""addresses":["team/db/password","crew/db/password"]"#))
    );
    for file in files_under(&s.home) {
        let bytes = fs::read(&file).unwrap_or_default();
        for v in [&b"db-secret"[..], b"ci-secret"] {
            assert!(
                !bytes.windows(v.len()).any(|w| w == v),
                "{} holds a value",
                file.display()
            );
        }
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.starts_with(".tmp-"), "{} is left", file.display());
    }
    s.cmd("sigil-audit").arg("verify").assert().success();
}

#[test]
fn a_totp_seed_moves_with_its_settings_and_kind() {
    let s = Sandbox::init();
    s.cmd("sigil-add")
        .args(["acme/me", "--totp"])
        .write_stdin(
            "otpauth://totp/ACME:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME&algorithm=SHA256&digits=8&period=60\n",
        )
        .assert()
        .success();
    let json = |addr: &str| -> serde_json::Value {
        let out = s.cmd("sigil-otp").args([addr, "--json"]).assert().success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    };
    let before = json("acme/me");
    s.cmd("sigil-mv")
        .args(["acme/me", "acme/work"])
        .assert()
        .success();
    let after = json("acme/work");
    for k in ["algorithm", "digits", "period"] {
        assert_eq!(before[k], after[k], "{k}: {after}");
    }
    assert_eq!(
        account(&s, "acme/work").unwrap()["kind"].as_str(),
        Some("totp")
    );
    let out = run(&s, "sigil-otp", &["acme/me"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[test]
fn with_audit_required_a_move_is_kept_only_with_its_entry() {
    let s = Sandbox::init();
    s.add("svc/a", b"a-value");
    s.add("svc/b/password", b"b-value");
    let config = s.home.join("config.toml");
    let text = fs::read_to_string(&config).unwrap_or_default();
    fs::write(&config, format!("audit = \"required\"\n{text}")).unwrap();
    // The entry cannot be written: the move is taken back.
    let out = s
        .cmd("sigil-mv")
        .args(["svc", "other"])
        .env("SIGIL_TEST_FAULT", "append:1:eio")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(s.get("svc/a"), b"a-value");
    assert_eq!(get_code(&s, "other/a"), 3);
    // Written, it names the whole change in one entry.
    s.cmd("sigil-mv").args(["svc", "other"]).assert().success();
    let log = fs::read_to_string(s.home.join("audit.log")).unwrap();
    let moved: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(r#""event":"mv""#) && l.contains(r#""outcome":"ok""#))
        .collect();
    assert_eq!(moved.len(), 1, "{log}");
    assert!(
        moved[0].contains(
            r#""addresses":["svc/a/api_key","other/a/api_key","svc/b/password","other/b/password"]"#
        ),
        "{log}"
    );
    assert_eq!(s.get("other/b/password"), b"b-value");
}
