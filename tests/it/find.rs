//! `sigil find` and `sigil list --tree`: matches by address, field, note and provider, globs,
//! case, nothing found, terminal-safe output, and neither reads a value nor needs the identity.

use crate::support::*;

fn setup() -> Sandbox {
    let s = Sandbox::init();
    s.add("github/me", b"SECRET-ONE");
    s.add("github/work/token", b"SECRET-TWO");
    s.cmd("sigil-add")
        .args(["openai/ci", "--note", "Build Bot"])
        .write_stdin("SECRET-THREE")
        .assert()
        .success();
    s.add("gitlab/deploy/password", b"SECRET-FOUR");
    s
}

/// Gives `key` an OAuth provider in accounts.toml, as `sigil login` would.
fn set_provider(s: &Sandbox, key: &str, provider: &str) {
    let path = s.home.join("accounts.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let header = format!("[accounts.\"{key}\"]\n");
    let text = text.replace(&header, &format!("{header}provider = \"{provider}\"\n"));
    std::fs::write(&path, text).unwrap();
}

fn stdout_of(s: &Sandbox, args: &[&str]) -> String {
    let out = s.cmd("sigil-find").args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn a_substring_matches_addresses_and_fields_ignoring_case() {
    let s = setup();
    assert_eq!(stdout_of(&s, &["HUB"]), "github/me\ngithub/work\n");
    assert_eq!(
        stdout_of(&s, &["git"]),
        "github/me\ngithub/work\ngitlab/deploy\n"
    );
    // A field's address matches too.
    assert_eq!(stdout_of(&s, &["deploy/pass"]), "gitlab/deploy\n");
    // The dispatcher runs it as well.
    s.cmd("sigil")
        .args(["find", "work"])
        .assert()
        .success()
        .stdout("github/work\n");
}

#[test]
fn a_glob_matches_the_whole_text() {
    let s = setup();
    assert_eq!(stdout_of(&s, &["git*/me"]), "github/me\n");
    assert_eq!(
        stdout_of(&s, &["GIT[hl]*"]),
        "github/me\ngithub/work\ngitlab/deploy\n"
    );
    assert_eq!(stdout_of(&s, &["*/c?"]), "openai/ci\n");
    // A glob is anchored: `hub*` does not match `github/me`.
    s.cmd("sigil-find").arg("hub*").assert().code(3);
    let out = s.cmd("sigil-find").arg("[a-").assert().code(2);
    insta::assert_snapshot!(stderr(out.get_output()), @"sigil-find: error: '[a-' is not a valid glob: invalid range pattern");
    s.cmd("sigil-find").arg("").assert().code(2);
}

#[test]
fn notes_and_providers_match() {
    let s = setup();
    set_provider(&s, "github/work", "GitHub-Enterprise");
    assert_eq!(stdout_of(&s, &["build bot"]), "openai/ci\n");
    assert_eq!(stdout_of(&s, &["*bot"]), "openai/ci\n");
    assert_eq!(stdout_of(&s, &["enterprise"]), "github/work\n");
    let text = stdout_of(&s, &["--json", "bot"]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["address"], "openai/ci");
    assert_eq!(v[0]["note"], "Build Bot");
    assert!(!text.contains("SECRET"));
}

#[test]
fn nothing_found_exits_3_with_a_message() {
    let s = setup();
    let out = s
        .cmd("sigil-find")
        .arg("nothing")
        .assert()
        .code(3)
        .stdout("");
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-find: error: no credential matches 'nothing'
    help: `sigil list` shows what is stored
    ");
    // An empty store finds nothing either.
    Sandbox::new().cmd("sigil-find").arg("x").assert().code(3);
}

#[test]
fn hostile_text_is_shown_safely() {
    let s = setup();
    let out = s
        .cmd("sigil-find")
        .arg("x\u{1b}]0;owned\u{7}")
        .assert()
        .code(3);
    let err = stderr(out.get_output());
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(err.contains("x\\u{1b}]0;owned\\u{7}"), "{err:?}");
    // A field name hand-edited into accounts.toml with an escape sequence.
    let path = s.home.join("accounts.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace(
        "fields = [\"token\"]",
        "fields = [\"token\", \"x\\u001b[2J\"]",
    );
    std::fs::write(&path, text).unwrap();
    for (bin, args) in [
        ("sigil-list", vec!["--tree"]),
        ("sigil-find", vec!["--tree", "work"]),
    ] {
        let out = s.cmd(bin).args(&args).assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(text.contains("x\\u{1b}[2J"), "{text:?}");
    }
}

#[test]
fn list_and_find_draw_trees() {
    let s = setup();
    let out = s.cmd("sigil-list").arg("--tree").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    insta::assert_snapshot!(text, @r"
    ├── github
    │   ├── me
    │   │   └── api_key
    │   └── work
    │       └── token
    ├── gitlab
    │   └── deploy
    │       └── password
    └── openai
        └── ci
            └── api_key
    ");
    assert_eq!(
        stdout_of(&s, &["--tree", "GIT"]),
        "Search Terms: GIT\n├── github\n│   ├── me\n│   │   └── api_key\n│   └── work\n│       └── token\n└── gitlab\n    └── deploy\n        └── password\n"
    );
    s.cmd("sigil-list")
        .args(["--tree", "openai"])
        .assert()
        .success()
        .stdout("└── openai\n    └── ci\n        └── api_key\n");
    s.cmd("sigil-list")
        .args(["--tree", "--json"])
        .assert()
        .code(2);
    Sandbox::new()
        .cmd("sigil-list")
        .arg("--tree")
        .assert()
        .success()
        .stdout("");
}

#[test]
fn no_identity_no_value_no_audit_entry_no_leftovers() {
    let s = setup();
    let audit = s.home.join("audit.log");
    let before = std::fs::read(&audit).unwrap();
    let id = s.identity_file();
    let away = s.root().join("identity.away");
    std::fs::rename(&id, &away).unwrap();
    let listing = |dir: &std::path::Path| {
        let mut v: Vec<_> = files_under(dir);
        v.sort();
        v
    };
    let files = listing(s.root());
    let mut printed = String::new();
    for args in [vec!["git"], vec!["--tree", "*"], vec!["--json", "ci"]] {
        let out = s.cmd("sigil-find").args(&args).assert().success();
        printed.push_str(&String::from_utf8_lossy(&out.get_output().stdout));
        printed.push_str(&stderr(out.get_output()));
    }
    s.cmd("sigil-find").arg("nothing").assert().code(3);
    let out = s.cmd("sigil-list").arg("--tree").assert().success();
    printed.push_str(&String::from_utf8_lossy(&out.get_output().stdout));
    assert!(!printed.contains("SECRET"), "{printed}");
    assert_eq!(std::fs::read(&audit).unwrap(), before);
    // Nothing new is left behind (the identity-keyed registry cache may be dropped, as by
    // `sigil list`).
    let after = listing(s.root());
    assert!(
        after.iter().all(|f| files.contains(f)),
        "left behind: {after:?}"
    );
    std::fs::rename(&away, &id).unwrap();
}
