//! `sigil export` and `sigil import`: round trips by identity, recipient and passphrase, into
//! a second home with another identity, checked with the real `age` CLI; tampered files,
//! wrong keys and every conflict policy.

use crate::support::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Std;

const MULTI: &[u8] = b"code-1\ncode-2\r\ncode-3\n";
const BINARY: &[u8] = b"\xff\xfe\x00raw\x80";

/// A home holding `github/me` with three fields and some metadata.
fn populated() -> Sandbox {
    let s = Sandbox::init();
    chmod(s.root(), 0o700);
    s.cmd("sigil-add")
        .args([
            "github/me",
            "--note",
            "work laptop",
            "--expires",
            "2099-01-01",
        ])
        .write_stdin("ghp-token")
        .assert()
        .success();
    s.add("github/me/recovery_codes", MULTI);
    s.add("github/me/blob", BINARY);
    s
}

fn export(s: &Sandbox, args: &[&str]) -> PathBuf {
    let file = s.root().join("out.age");
    s.cmd("sigil-export")
        .args(args)
        .arg("-o")
        .arg(&file)
        .assert()
        .success();
    file
}

fn public_key(identity: &Path) -> String {
    need("age-keygen");
    let out = Std::new("age-keygen")
        .arg("-y")
        .arg(identity)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `age -d -i IDENTITY FILE`'s stdout as JSON.
fn age_decrypt(identity: &Path, file: &Path) -> serde_json::Value {
    need("age");
    let out = Std::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The three values read back from `addr` in `s`.
fn values(s: &Sandbox, account: &str) -> Vec<Vec<u8>> {
    ["api_key", "recovery_codes", "blob"]
        .iter()
        .map(|f| s.get(&format!("{account}/{f}")))
        .collect()
}

fn want() -> Vec<Vec<u8>> {
    // `sigil add` drops one trailing newline from stdin, as it documents.
    vec![
        b"ghp-token".to_vec(),
        MULTI[..MULTI.len() - 1].to_vec(),
        BINARY.to_vec(),
    ]
}

#[test]
fn the_age_cli_opens_an_export_and_finds_the_documented_envelope() {
    let s = populated();
    let file = export(&s, &["github/me"]);
    assert_eq!(mode(&file), 0o600);
    let doc = age_decrypt(&s.identity_file(), &file);
    assert_eq!(doc["format"], "sigil-export");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["address"], "github/me");
    assert_eq!(doc["metadata"]["kind"], "api_key");
    assert_eq!(doc["metadata"]["note"], "work laptop");
    assert_eq!(doc["metadata"]["expires_at"], "2099-01-01T00:00:00Z");
    assert_eq!(doc["fields"]["api_key"]["encoding"], "utf-8");
    assert_eq!(doc["fields"]["api_key"]["value"], "ghp-token");
    assert_eq!(
        doc["fields"]["recovery_codes"]["value"],
        "code-1\ncode-2\r\ncode-3"
    );
    assert_eq!(doc["fields"]["blob"]["encoding"], "base64");
    assert_eq!(doc["fields"]["blob"]["value"], "//4AcmF3gA==");
    let mut keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    keys.sort();
    insta::assert_debug_snapshot!(keys, @r#"
    [
        "address",
        "exported_at",
        "fields",
        "format",
        "metadata",
        "sigil_version",
        "version",
    ]
    "#);
}

#[test]
fn round_trip_to_another_home_by_its_recipient() {
    let a = populated();
    let b = Sandbox::init();
    let key = public_key(&b.identity_file());
    let file = export(&a, &["github/me", "--recipient", &key]);
    // Only the recipient can open it: the exporter's own identity is not one.
    let out = a
        .cmd("sigil-import")
        .arg(&file)
        .args(["--as", "github/copy"])
        .assert()
        .code(4);
    insta::assert_snapshot!(a.redact(&out.get_output().stderr), @r"
    sigil-import: error: cannot decrypt '[TMP]/out.age': it is not encrypted to your identity
    help: it was exported to someone else's key: ask for an export to your public key (`age-keygen -y` on your identity prints it), or check SIGIL_IDENTITY / SIGIL_IDENTITY_FILE
    ");
    let out = b.cmd("sigil-import").arg(&file).assert().success();
    insta::assert_snapshot!(b.redact(&out.get_output().stderr), @"imported 'github/me' (3 fields: api_key, blob, recovery_codes) into the file store");
    assert_eq!(values(&b, "github/me"), want());
    // The metadata came along.
    let list = b
        .cmd("sigil-list")
        .args(["--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list: serde_json::Value = serde_json::from_slice(&list).unwrap();
    let text = list.to_string();
    assert!(text.contains("work laptop"), "{text}");
    assert!(text.contains("2099-01-01"), "{text}");
}

#[test]
fn round_trip_by_passphrase_and_a_wrong_one_exits_4() {
    let a = populated();
    let file = a.root().join("p.age");
    a.cmd("sigil-export")
        .args(["github/me", "--passphrase", "-o"])
        .arg(&file)
        .write_stdin("correct horse\n")
        .assert()
        .success();
    assert_eq!(mode(&file), 0o600);
    let head = fs::read(&file).unwrap();
    assert!(
        String::from_utf8_lossy(&head[..80]).contains("-> scrypt"),
        "a standard age passphrase file"
    );
    let b = Sandbox::init();
    let file = b.root().join("p.age");
    fs::copy(a.root().join("p.age"), &file).unwrap();
    let out = b
        .cmd("sigil-import")
        .arg("p.age")
        .write_stdin("wrong horse\n")
        .assert()
        .code(4);
    insta::assert_snapshot!(b.redact(&out.get_output().stderr), @r"
    sigil-import: error: cannot decrypt 'p.age': wrong passphrase
    help: check the passphrase the export was made with
    ");
    assert!(!b.home.join("store/github").exists());
    b.cmd("sigil-import")
        .arg(&file)
        .write_stdin("correct horse\n")
        .assert()
        .success();
    assert_eq!(values(&b, "github/me"), want());
}

#[test]
fn a_tampered_or_truncated_export_is_refused_with_exit_5() {
    let s = populated();
    let file = export(&s, &["github/me"]);
    let good = fs::read(&file).unwrap();
    let mut flipped = good.clone();
    let at = flipped.len() - 20;
    flipped[at] ^= 0x01;
    let truncated = good[..good.len() - 10].to_vec();
    let mut header = good.clone();
    // A byte of the header's MAC. (A changed recipient stanza reads as "not encrypted to
    // you", exit 4: age cannot tell it from a stanza for someone else.)
    let mac = good.windows(4).position(|w| w == b"--- ").unwrap() + 6;
    header[mac] = if header[mac] == b'A' { b'B' } else { b'A' };
    for (name, bytes) in [
        ("flipped", flipped),
        ("truncated", truncated),
        ("header", header),
    ] {
        let bad = s.root().join(format!("{name}.age"));
        fs::write(&bad, bytes).unwrap();
        let out = s
            .cmd("sigil-import")
            .arg(&bad)
            .args(["--as", "github/bad"])
            .assert()
            .code(5);
        let err = stderr(out.get_output());
        assert!(err.contains("is damaged or altered"), "{name}: {err}");
        assert!(err.contains("nothing was imported"), "{name}: {err}");
        assert!(!s.home.join("store/github/bad").exists(), "{name}");
    }
}

#[test]
fn conflicts_fail_by_default_and_skip_or_overwrite_on_request() {
    let s = populated();
    let file = export(&s, &["github/me"]);
    s.cmd("sigil-add")
        .args(["github/me", "--force"])
        .write_stdin("newer-token")
        .assert()
        .success();
    s.cmd("sigil-rm")
        .args(["github/me/blob", "--yes"])
        .assert()
        .success();
    let before = fs::read(s.secret_file("github/me/api_key")).unwrap();

    let out = s.cmd("sigil-import").arg(&file).assert().code(1);
    insta::assert_snapshot!(s.redact(&out.get_output().stderr), @r"
    sigil-import: error: 'github/me/api_key', 'github/me/recovery_codes' already exist; nothing was imported
    help: pass --on-conflict skip to keep them, --on-conflict overwrite to replace them, or --as ADDRESS to import under another name
    ");
    assert_eq!(
        fs::read(s.secret_file("github/me/api_key")).unwrap(),
        before
    );
    assert!(!s.secret_file("github/me/blob").exists());

    let out = s
        .cmd("sigil-import")
        .arg(&file)
        .args(["--on-conflict", "skip"])
        .assert()
        .success();
    insta::assert_snapshot!(s.redact(&out.get_output().stderr), @"imported 'github/me' (1 field: blob) into the file store; kept the existing api_key, recovery_codes");
    assert_eq!(s.get("github/me/api_key"), b"newer-token");
    assert_eq!(s.get("github/me/blob"), BINARY);

    s.cmd("sigil-import")
        .arg(&file)
        .args(["--on-conflict", "overwrite"])
        .assert()
        .success();
    assert_eq!(values(&s, "github/me"), want());
}

#[test]
fn one_field_through_a_pipe_under_another_name() {
    let s = populated();
    let exported = s
        .cmd("sigil-export")
        .args(["github/me/recovery_codes", "-o", "-"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(exported.starts_with(b"age-encryption.org/v1\n"));
    s.cmd("sigil-import")
        .args(["-", "--as", "gitlab/me/backup_codes"])
        .write_stdin(exported.clone())
        .assert()
        .success();
    assert_eq!(s.get("gitlab/me/backup_codes"), &MULTI[..MULTI.len() - 1]);
    // A field name in --as needs an export of exactly one field.
    let file = export(&s, &["github/me", "--armor"]);
    assert!(
        fs::read_to_string(&file)
            .unwrap()
            .starts_with("-----BEGIN AGE ENCRYPTED FILE-----")
    );
    let out = s
        .cmd("sigil-import")
        .arg(&file)
        .args(["--as", "x/y/z"])
        .assert()
        .code(2);
    let err = stderr(out.get_output());
    assert!(err.contains("the export holds 3 fields"), "{err}");
    // The armored file imports like the binary one.
    s.cmd("sigil-import")
        .arg(&file)
        .args(["--as", "github/armored"])
        .assert()
        .success();
    assert_eq!(values(&s, "github/armored"), want());
}

#[test]
fn missing_things_exit_3_and_nothing_is_written() {
    let s = Sandbox::init();
    chmod(s.root(), 0o700);
    let out = s
        .cmd("sigil-export")
        .args(["nope/me", "-o", "x.age"])
        .assert()
        .code(3);
    insta::assert_snapshot!(s.redact(&out.get_output().stderr), @r"
    sigil-export: error: 'nope/me' not found
    help: `sigil list` shows what is stored
    ");
    assert!(!s.root().join("x.age").exists());
    let out = s.cmd("sigil-import").arg("absent.age").assert().code(3);
    insta::assert_snapshot!(s.redact(&out.get_output().stderr), @"sigil-import: error: export 'absent.age' not found");
    // A file that is not an age file at all.
    fs::write(s.root().join("plain.txt"), "hello").unwrap();
    let out = s.cmd("sigil-import").arg("plain.txt").assert().code(5);
    let err = stderr(out.get_output());
    assert!(err.contains("'plain.txt' is damaged or altered"), "{err}");
}

#[test]
fn an_age_file_that_is_not_an_export_is_named_as_such() {
    let s = Sandbox::init();
    chmod(s.root(), 0o700);
    need("age");
    let key = public_key(&s.identity_file());
    let out = Std::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "umask 077; printf '{{\"format\":\"other\",\"version\":1}}' | age -r {key} -o other.age"
        ))
        .current_dir(s.root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = s.cmd("sigil-import").arg("other.age").assert().code(1);
    insta::assert_snapshot!(s.redact(&out.get_output().stderr), @r"
    sigil-import: error: 'other.age' is not a sigil export: its format is not 'sigil-export'
    help: `sigil import` reads files written by `sigil export`
    ");
}

#[test]
fn an_export_is_a_get_for_usage_policies() {
    let s = populated();
    s.cmd("sigil-policy")
        .args(["set", "github/me", "--allow", "run"])
        .assert()
        .success();
    let out = s
        .cmd("sigil-export")
        .args(["github/me", "-o", "x.age"])
        .assert()
        .code(5);
    let err = stderr(out.get_output());
    assert!(err.contains("the policy of 'github/me' refuses"), "{err}");
    assert!(!s.root().join("x.age").exists());
}

/// Runs `cmd` on a pseudo-terminal made by `script`, typing `input` after a pause; returns
/// the screen and the exit code.
fn on_tty(s: &Sandbox, cmd: &str, input: &str) -> (String, i32) {
    need("script");
    let typed = format!("sleep 1; printf '{input}'; sleep 1");
    let out = Std::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "({typed}) | script -qec \"PATH='{}':/usr/bin:/bin {cmd}\" /dev/null",
            bin_dir().display()
        ))
        .env("SIGIL_HOME", &s.home)
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .env_remove("SIGIL_IDENTITY")
        .env_remove("SIGIL_IDENTITY_FILE")
        .current_dir(s.root())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).replace('\r', ""),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn on_a_terminal_the_passphrase_is_asked_twice_without_echo() {
    let s = populated();
    let (screen, code) = on_tty(
        &s,
        "sigil-export github/me --passphrase -o tty.age",
        "tty-pass\\rtty-pass\\r",
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("passphrase for the export: "), "{screen}");
    assert!(screen.contains("the same passphrase again: "), "{screen}");
    assert!(!screen.contains("tty-pass"), "not echoed: {screen}");
    // A standard age passphrase file: the age CLI opens it (it asks on the terminal too).
    need("age");
    let (screen, code) = on_tty(&s, "age -d tty.age", "tty-pass\\r");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("\"format\": \"sigil-export\""), "{screen}");
    s.cmd("sigil-import")
        .args(["tty.age", "--as", "github/tty"])
        .write_stdin("tty-pass\n")
        .assert()
        .success();
    assert_eq!(values(&s, "github/tty"), want());

    let (screen, code) = on_tty(
        &s,
        "sigil-export github/me --passphrase -o other.age",
        "one\\rtwo\\r",
    );
    assert_eq!(code, 2, "{screen}");
    assert!(screen.contains("the passphrases differ"), "{screen}");
    assert!(!s.root().join("other.age").exists());
}

#[test]
fn a_keyring_credential_exports_and_imports_back_into_the_keyring() {
    if !private_keyring() {
        return;
    }
    let s = Sandbox::new();
    s.keyring(s.cmd("sigil-init")).assert().success();
    chmod(s.root(), 0o700);
    let svc = unique_service("exp");
    s.keyring(s.cmd("sigil-add"))
        .args([&format!("{svc}/me/recovery_codes"), "--note", "kr"])
        .write_stdin(MULTI.to_vec())
        .assert()
        .success();
    s.keyring(s.cmd("sigil-export"))
        .args([&format!("{svc}/me"), "-o", "kr.age"])
        .assert()
        .success();
    let out = s
        .keyring(s.cmd("sigil-import"))
        .args(["kr.age", "--as", &format!("{svc}/copy")])
        .assert()
        .success();
    let err = stderr(out.get_output());
    assert!(err.contains("into the keyring"), "{err}");
    let got = s
        .keyring(s.cmd("sigil-get"))
        .args(["-n", &format!("{svc}/copy/recovery_codes")])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(got, &MULTI[..MULTI.len() - 1]);
    for a in [format!("{svc}/me"), format!("{svc}/copy")] {
        s.keyring(s.cmd("sigil-rm"))
            .args([&a, "--yes"])
            .assert()
            .success();
    }
}

#[test]
fn oauth_metadata_comes_along_into_a_new_account() {
    let a = Sandbox::init();
    chmod(a.root(), 0o700);
    a.add("github/bot/token", b"gho-access");
    a.add("github/bot/refresh_token", b"ghr-refresh");
    // Recorded as an OAuth account, as `sigil login` would have left it.
    let reg = a.home.join("accounts.toml");
    let text = fs::read_to_string(&reg).unwrap().replace(
        "kind = \"api_key\"",
        "kind = \"oauth\"\nprovider = \"github\"\nscopes = [\"repo\", \"read:org\"]",
    );
    fs::write(&reg, text).unwrap();
    let b = Sandbox::init();
    let key = public_key(&b.identity_file());
    let file = export(&a, &["github/bot", "-r", &key]);
    b.cmd("sigil-import").arg(&file).assert().success();
    let json = b.cmd("sigil-list").arg("--json").assert().success();
    let list: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    let text = list.to_string();
    assert!(text.contains("\"oauth\""), "{text}");
    let reg = fs::read_to_string(b.home.join("accounts.toml")).unwrap();
    assert!(reg.contains("provider = \"github\""), "{reg}");
    assert!(reg.contains("read:org"), "{reg}");
    assert_eq!(b.get("github/bot"), b"gho-access");
    assert_eq!(b.get("github/bot/refresh_token"), b"ghr-refresh");
}
