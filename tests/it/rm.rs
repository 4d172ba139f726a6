use crate::support::*;

#[test]
fn removes_a_field_then_the_account_and_its_metadata() {
    let s = Sandbox::init();
    s.add("github/me/token", b"t");
    s.add("github/me/refresh_token", b"r");
    s.add("gitlab/me", b"g");
    let out = s
        .cmd("sigil-rm")
        .args(["github/me/token", "--yes"])
        .assert()
        .success();
    assert_eq!(stderr(out.get_output()), "deleted 'github/me/token'\n");
    assert!(!s.secret_file("github/me/token").exists());
    assert_eq!(s.get("github/me/refresh_token"), b"r");
    s.cmd("sigil-rm")
        .args(["github/me", "-y"])
        .assert()
        .success();
    assert!(!s.home.join("store/github").exists());
    s.cmd("sigil-list")
        .assert()
        .success()
        .stdout("gitlab/me\tapi_key\tapi_key\tfile\t-\tok\n");
    assert_eq!(s.get("gitlab/me"), b"g");
}

#[test]
fn without_a_terminal_it_needs_yes_and_deletes_nothing() {
    let s = Sandbox::init();
    s.add("github/me", b"t");
    let out = s.cmd("sigil-rm").arg("github/me").assert().code(2);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-rm: error: refusing to delete 'github/me' without confirmation
    help: pass --yes to confirm
    ");
    assert_eq!(s.get("github/me"), b"t");
}

#[test]
fn missing_and_invalid_addresses() {
    let s = Sandbox::init();
    let out = s
        .cmd("sigil-rm")
        .args(["nope/me", "--yes"])
        .assert()
        .code(3);
    assert_eq!(
        stderr(out.get_output()),
        "sigil-rm: error: 'nope/me' not found\nhelp: `sigil list` shows what is stored\n"
    );
    s.cmd("sigil-rm")
        .args(["no pe/me", "--yes"])
        .assert()
        .code(2);
    s.cmd("sigil-rm").assert().code(2);
    s.cmd("sigil-rm").args(["a/b", "--all"]).assert().code(2);
    s.cmd("sigil-rm")
        .args(["a/b", "--purge-identity"])
        .assert()
        .code(2);
}

#[test]
fn all_empties_the_store_and_purge_identity_removes_the_key() {
    let s = Sandbox::init();
    s.add("a/one", b"1");
    s.add("b/two", b"2");
    s.cmd("sigil-rm").arg("--all").assert().code(2);
    assert_eq!(s.get("a/one"), b"1");
    let out = s
        .cmd("sigil-rm")
        .args(["--all", "--yes"])
        .assert()
        .success();
    assert!(stderr(out.get_output()).contains("deleted 2 secret(s)"));
    s.cmd("sigil-list").assert().success().stdout("");
    assert!(s.identity_file().exists());
    s.cmd("sigil-rm")
        .args(["--all", "--yes", "--purge-identity"])
        .assert()
        .success();
    assert!(!s.identity_file().exists());
}

/// `SIGIL_HOME` pointed at a project directory: `rm --all --purge-identity` removes sigil's
/// own files and nothing of the project's, and says what it left.
#[test]
fn purge_deletes_only_what_sigil_made() {
    let s = crate::support::Sandbox::new();
    let project = [
        ("migrations/0001_initial.py", "# a schema migration\n"),
        ("store/src/reducer.js", "export default 1;\n"),
        ("store/notes.age", "not sigil's\n"),
        ("rekey/plan.md", "# a plan\n"),
        ("README.md", "# the project\n"),
        ("audit.log.md", "our own log\n"),
        (".lock", "pinned versions\n"),
    ];
    for (path, text) in project {
        let p = s.home.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    // sigil keeps its home and store private; the project's directories are made so too.
    for dir in ["", "store", "store/src"] {
        chmod(&s.home.join(dir), 0o700);
    }
    s.cmd("sigil-init").assert().success();
    s.add("github/me", b"ghp_x");
    s.cmd("sigil-migrate")
        .arg("--dry-run")
        .arg(s.home.join("README.md"))
        .assert()
        .success();
    let out = s
        .cmd("sigil-rm")
        .args(["--all", "--yes", "--purge-identity"])
        .assert()
        .success();
    let err = crate::support::stderr(out.get_output());
    for (path, text) in project {
        assert_eq!(
            std::fs::read_to_string(s.home.join(path)).ok().as_deref(),
            Some(text),
            "{path} was deleted: {err}"
        );
    }
    for gone in [
        "identity.txt",
        "accounts.toml",
        "config.toml",
        "store/github",
        "audit.log",
    ] {
        assert!(!s.home.join(gone).exists(), "{gone} is left: {err}");
    }
    assert!(err.contains("left '"), "{err}");
    assert!(err.contains("store/src/reducer.js"), "{err}");
}
