use crate::support::*;
use std::fs;

#[test]
fn creates_private_home_identity_and_config_and_says_where() {
    let s = Sandbox::new();
    let out = s.cmd("sigil-init").assert().success().get_output().clone();
    assert!(out.stdout.is_empty(), "messages go to stderr");
    insta::assert_snapshot!(s.redact(&out.stderr), @r"
    sigil-init: initialized
      identity   '[TMP]/home/identity.txt' (public key age1[KEY]) (created)
      store      [TMP]/home/store (created)
      recipients [TMP]/home/store/.age-recipients (created)
      config     [TMP]/home/config.toml (created)
    ");
    assert_eq!(mode(&s.home), 0o700);
    assert_eq!(mode(&s.home.join("store")), 0o700);
    assert_eq!(mode(&s.identity_file()), 0o600);
    assert_eq!(mode(&s.home.join("config.toml")), 0o600);
    let id = fs::read_to_string(s.identity_file()).unwrap();
    assert!(id.contains("AGE-SECRET-KEY-1"));
    let rec = fs::read_to_string(s.home.join("store/.age-recipients")).unwrap();
    let public = id
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap();
    assert!(rec.contains(public));
}

#[test]
fn is_idempotent_and_keeps_the_identity() {
    let s = Sandbox::init();
    let before = fs::read(s.identity_file()).unwrap();
    let out = s.cmd("sigil-init").assert().success().get_output().clone();
    assert!(stderr(&out).starts_with("sigil-init: already initialized, nothing changed"));
    assert!(!stderr(&out).contains("(created)"));
    assert_eq!(fs::read(s.identity_file()).unwrap(), before);
}

#[test]
fn uses_an_identity_from_the_environment_without_writing_one() {
    let s = Sandbox::new();
    let key = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
    let out = s
        .cmd("sigil-init")
        .env("SIGIL_IDENTITY", key)
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(
        stderr(&out).contains("the SIGIL_IDENTITY variable"),
        "{}",
        stderr(&out)
    );
    assert!(!s.identity_file().exists());
    s.cmd("sigil-add")
        .arg("ci/bot")
        .env("SIGIL_IDENTITY", key)
        .write_stdin("v")
        .assert()
        .success();
    s.cmd("sigil-get")
        .arg("ci/bot")
        .env("SIGIL_IDENTITY", key)
        .assert()
        .success()
        .stdout("v\n");
}

#[test]
fn malformed_config_stops_it_before_anything_is_created() {
    let s = Sandbox::new();
    private_dir(&s.home);
    fs::write(s.home.join("config.toml"), "backend = \n").unwrap();
    let out = s.cmd("sigil-init").assert().code(1).get_output().clone();
    insta::assert_snapshot!(s.redact(&out.stderr), @r"
    sigil-init: error: '[TMP]/home/config.toml' is malformed at line 1, column 11: string values must be quoted, expected literal string
    help: fix the file (or move it aside); nothing was changed
    ");
    assert!(!s.identity_file().exists());
    assert!(!s.home.join("store").exists());
}

#[test]
fn refuses_a_damaged_identity_instead_of_replacing_it() {
    let s = Sandbox::init();
    fs::write(s.identity_file(), "not a key\n").unwrap();
    let out = s.cmd("sigil-init").assert().code(4).get_output().clone();
    assert!(
        stderr(&out).contains("is invalid at line 1"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(s.identity_file()).unwrap(),
        "not a key\n"
    );
}
