//! `sigil backup`: create, verify and restore, across homes and identities, with the real
//! `age` and `tar` CLIs, and against damaged, altered and conflicting input.

use crate::support::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Std;

/// Values that must survive byte for byte: multi-line, non-UTF-8, with a NUL.
const MULTI: &[u8] = b"-----BEGIN KEY-----\nabc\r\ndef\n-----END KEY-----";
const BINARY: &[u8] = b"\xff\xfe\x00raw\x80";

/// A home with a few secrets, one with metadata.
fn populated() -> Sandbox {
    let s = Sandbox::init();
    // Backups are written beside the home; a temp dir may be created 0755, which sigil
    // rightly refuses.
    chmod(s.root(), 0o700);
    s.add("github/me/token", b"gh-token");
    s.cmd("sigil-add")
        .args([
            "aws/prod/password",
            "--note",
            "rotate in may",
            "--expires",
            "2099-01-01",
        ])
        .write_stdin(MULTI.to_vec())
        .assert()
        .success();
    s.add("bin/x/blob", BINARY);
    s
}

/// Runs `sigil-backup create -o FILE` (plus `extra`) and returns the file.
fn create(s: &Sandbox, extra: &[&str]) -> PathBuf {
    chmod(s.root(), 0o700);
    let file = s.root().join("b.age");
    s.cmd("sigil-backup")
        .args(["create", "-o"])
        .arg(&file)
        .args(extra)
        .assert()
        .success();
    file
}

/// A fresh home on "another machine" that opens files with `from`'s identity.
fn elsewhere(from: &Sandbox) -> (Sandbox, impl Fn(&Sandbox, &str) -> assert_cmd::Command) {
    let t = Sandbox::new();
    let id = from.identity_file();
    let cmd = move |t: &Sandbox, name: &str| {
        let mut c = t.cmd(name);
        c.env("SIGIL_IDENTITY_FILE", &id);
        c
    };
    (t, cmd)
}

/// Every `*.age` file under a store with its bytes, to compare before and after.
fn snapshot_store(home: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(d: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let Ok(rd) = fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                // Directories count too: an undone restore must not leave empty ones behind.
                out.push((p.clone(), Vec::new()));
                walk(&p, out);
            } else {
                out.push((p.clone(), fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&home.join("store"), &mut out);
    if let Ok(b) = fs::read(home.join("accounts.toml")) {
        out.push((home.join("accounts.toml"), b));
    }
    out.sort();
    out
}

/// What [`snapshot_store`] returns.
type Snapshot = Vec<(PathBuf, Vec<u8>)>;

/// The names in a [`snapshot_store`], for comparing where values were re-encrypted.
fn names(v: &[(PathBuf, Vec<u8>)]) -> Vec<PathBuf> {
    v.iter().map(|x| x.0.clone()).collect()
}

/// A restore with `--on-conflict overwrite` into a home holding `github/me/token` = "mine",
/// killed after two writes (`SIGIL_TEST_FAULT=@restored#2:kill`). Returns the target, its command maker, and its store as it was before.
fn killed_restore(
    s: &Sandbox,
) -> (
    Sandbox,
    impl Fn(&Sandbox, &str) -> assert_cmd::Command,
    Snapshot,
) {
    let file = create(s, &[]);
    let (t, cmd) = elsewhere(s);
    cmd(&t, "sigil-add")
        .arg("github/me/token")
        .write_stdin("mine")
        .assert()
        .success();
    let before = snapshot_store(&t.home);
    let out = cmd(&t, "sigil-backup")
        .env("SIGIL_TEST_FAULT", "@restored#2:kill")
        .args(["restore", "--on-conflict", "overwrite"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), None, "killed: {}", stderr(&out));
    assert!(t.home.join(".restore-journal.json").exists());
    (t, cmd, before)
}

fn sh(dir: &Path, script: &str) -> std::process::Output {
    let out = Std::new("/bin/sh")
        .arg("-c")
        .arg(format!("umask 077; {script}"))
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{script}: {}", stderr(&out));
    out
}

fn verify_report(s: &Sandbox, out: &[u8]) -> String {
    s.redact(out)
        .lines()
        .map(|l| {
            if l.starts_with("created:") {
                "created:    [DATE] by sigil [VERSION]".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn round_trip_into_a_fresh_home_with_the_old_identity() {
    let s = populated();
    let file = create(&s, &[]);
    assert_eq!(mode(&file), 0o600);

    let out = s
        .cmd("sigil-backup")
        .args(["verify", "b.age"])
        .assert()
        .success();
    insta::assert_snapshot!(verify_report(&s, &out.get_output().stdout), @r"
    'b.age' is intact
    format:     sigil-backup 2
    created:    [DATE] by sigil [VERSION]
    accounts:   3
    secrets:    3 (file 3)
    encryption: recipients
    ");

    let (t, cmd) = elsewhere(&s);
    let out = cmd(&t, "sigil-backup")
        .arg("restore")
        .arg(&file)
        .assert()
        .success();
    assert_eq!(
        stderr(out.get_output()),
        format!(
            "config.toml: the backup's differs from yours and was left alone; \
             `--with-config --dry-run` shows the change, `--with-config` makes it\n\
             restored 3 secrets from '{}'\n",
            file.display()
        )
    );
    assert!(!t.home.join("config.toml").exists());
    let get = |addr: &str| {
        cmd(&t, "sigil-get")
            .args(["-n", addr])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    assert_eq!(get("github/me/token"), b"gh-token");
    assert_eq!(get("aws/prod/password"), MULTI);
    assert_eq!(get("bin/x/blob"), BINARY);
    // Metadata came along: note, expiry, kind.
    let list = cmd(&t, "sigil-list")
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list = String::from_utf8(list).unwrap();
    assert!(list.contains("rotate in may"), "{list}");
    assert!(list.contains("2099-01-01"), "{list}");
    assert!(list.contains("\"password\""), "{list}");
}

#[test]
fn round_trip_with_a_passphrase_onto_another_identity() {
    let s = populated();
    let file = s.root().join("p.age");
    s.cmd("sigil-backup")
        .args(["create", "--passphrase", "-o"])
        .arg(&file)
        .write_stdin("correct horse\n")
        .assert()
        .success();
    // Detected as a passphrase file: no flag needed to open it.
    let out = s
        .cmd("sigil-backup")
        .arg("verify")
        .arg(&file)
        .write_stdin("correct horse\n")
        .assert()
        .success();
    let report = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(report.contains("encryption: passphrase"), "{report}");

    // A new machine with a new identity.
    let t = Sandbox::init();
    t.cmd("sigil-backup")
        .arg("restore")
        .arg(&file)
        .write_stdin("correct horse\n")
        .assert()
        .success();
    assert_eq!(t.get("aws/prod/password"), MULTI);
    assert_eq!(t.get("bin/x/blob"), BINARY);

    // The real age CLI opens it too (age reads a passphrase only from a terminal, so only
    // the header is checked here).
    let head = fs::read(&file).unwrap();
    assert!(head.starts_with(b"age-encryption.org/v1\n-> scrypt "));
}

#[test]
fn wrong_identity_and_wrong_passphrase_exit_4() {
    let s = populated();
    let file = create(&s, &[]);
    let other = Sandbox::init();
    let out = other
        .cmd("sigil-backup")
        .arg("verify")
        .arg(&file)
        .assert()
        .code(4);
    insta::assert_snapshot!(s.redact(&out.get_output().stderr), @r"
    sigil-backup: error: cannot decrypt '[TMP]/b.age': it is not encrypted to your identity
    help: check SIGIL_IDENTITY / SIGIL_IDENTITY_FILE, or the .age-recipients file it was written with
    ");
    other
        .cmd("sigil-backup")
        .arg("restore")
        .arg(&file)
        .assert()
        .code(4);

    let p = s.root().join("p.age");
    s.cmd("sigil-backup")
        .args(["create", "--passphrase", "-o"])
        .arg(&p)
        .write_stdin("right")
        .assert()
        .success();
    let out = s
        .cmd("sigil-backup")
        .arg("verify")
        .arg(&p)
        .write_stdin("wrong")
        .assert()
        .code(4);
    insta::assert_snapshot!(s.redact(&out.get_output().stderr), @r"
    sigil-backup: error: cannot decrypt '[TMP]/p.age': wrong passphrase
    help: check the passphrase the backup was made with
    ");
    let t = Sandbox::init();
    t.cmd("sigil-backup")
        .arg("restore")
        .arg(&p)
        .write_stdin("wrong")
        .assert()
        .code(4);
    assert!(!t.home.join("store/github").exists());
}

#[test]
fn the_age_and_tar_clis_open_it_and_list_the_documented_entries() {
    need("age");
    need("tar");
    let s = populated();
    create(&s, &[]);
    let out = sh(s.root(), "age -d -i home/identity.txt b.age | tar -tzf -");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "accounts.toml\nconfig.toml\naccounts.json\nsecrets/aws/prod/password\nsecrets/bin/x/blob\n\
         secrets/github/me/token\nmanifest.json\n"
    );
    let out = sh(
        s.root(),
        "age -d -i home/identity.txt b.age | tar -xzOf - secrets/aws/prod/password",
    );
    assert_eq!(out.stdout, MULTI);
    let out = sh(
        s.root(),
        "age -d -i home/identity.txt b.age | tar -xzOf - manifest.json",
    );
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m["format"], "sigil-backup");
    assert_eq!(m["version"], 2);
    assert_eq!(m["secrets"], 3);
    assert_eq!(m["entries"].as_array().unwrap().len(), 6);
    // accounts.json holds the same accounts as accounts.toml.
    let out = sh(
        s.root(),
        "age -d -i home/identity.txt b.age | tar -xzOf - accounts.json",
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut names: Vec<&String> = j["accounts"].as_object().unwrap().keys().collect();
    names.sort();
    assert_eq!(names, ["aws/prod", "bin/x", "github/me"]);
    // Nothing of a secret is outside the encryption.
    let raw = fs::read(s.root().join("b.age")).unwrap();
    assert!(!raw.windows(8).any(|w| w == b"gh-token"));
}

#[test]
fn dash_streams_to_stdout() {
    let s = populated();
    let out = s
        .cmd("sigil-backup")
        .args(["create", "-o", "-"])
        .assert()
        .success();
    let bytes = out.get_output().stdout.clone();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    fs::write(s.root().join("s.age"), &bytes).unwrap();
    s.cmd("sigil-backup")
        .args(["verify", "s.age"])
        .assert()
        .success();
}

#[test]
fn a_world_readable_directory_is_refused_without_force() {
    let s = populated();
    let dir = s.root().join("public");
    fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o755);
    let out = s
        .cmd("sigil-backup")
        .args(["create", "-o", "public/b.age"])
        .assert()
        .code(5);
    insta::assert_snapshot!(s.redact(&out.get_output().stderr), @r"
    sigil-backup: error: '[TMP]/public' is accessible by other users (mode 0755)
    help: run `chmod 700 '[TMP]/public'`
    ");
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0, "nothing written");
    s.cmd("sigil-backup")
        .args(["create", "--force", "-o", "public/b.age"])
        .assert()
        .success();
    assert_eq!(mode(&dir.join("b.age")), 0o600);
}

/// Asserts that verify and restore refuse `file` as damaged and that restore wrote nothing.
fn refused(s: &Sandbox, file: &Path) {
    let out = s
        .cmd("sigil-backup")
        .arg("verify")
        .arg(file)
        .assert()
        .code(5);
    let err = stderr(out.get_output());
    assert!(err.contains("is damaged or altered"), "{err}");
    let (t, cmd) = elsewhere(s);
    let out = cmd(&t, "sigil-backup")
        .arg("restore")
        .arg(file)
        .assert()
        .code(5);
    let err = stderr(out.get_output());
    assert!(err.contains("is damaged or altered"), "{err}");
    assert!(snapshot_store(&t.home).is_empty(), "restore wrote nothing");
}

#[test]
fn a_flipped_byte_a_truncation_or_a_swapped_entry_is_refused() {
    let s = populated();
    let file = create(&s, &[]);
    let good = fs::read(&file).unwrap();

    let mut bad = good.clone();
    let n = bad.len();
    bad[n - 40] ^= 0x01;
    let flipped = s.root().join("flipped.age");
    fs::write(&flipped, &bad).unwrap();
    let out = s
        .cmd("sigil-backup")
        .args(["verify", "flipped.age"])
        .assert()
        .code(5);
    insta::assert_snapshot!(s.redact(&out.get_output().stderr), @r"
    sigil-backup: error: 'flipped.age' is damaged or altered: decryption error
    help: this copy cannot be trusted and nothing was restored; use another copy of the backup
    ");
    refused(&s, &flipped);

    let truncated = s.root().join("truncated.age");
    fs::write(&truncated, &good[..good.len() - 20]).unwrap();
    refused(&s, &truncated);
    let short = s.root().join("short.age");
    fs::write(&short, &good[..good.len() / 2]).unwrap();
    refused(&s, &short);

    // Anyone with the public key can write a new age file: swap two secrets' contents and
    // re-encrypt, keeping the manifest. The checksums catch it.
    need("age");
    need("tar");
    sh(
        s.root(),
        "mkdir x && age -d -i home/identity.txt b.age | tar -xzf - -C x && \
         mv x/secrets/github/me/token t && mv x/secrets/bin/x/blob x/secrets/github/me/token && \
         mv t x/secrets/bin/x/blob && \
         (cd x && tar -czf - accounts.toml config.toml secrets/aws/prod/password \
           secrets/bin/x/blob secrets/github/me/token manifest.json) | \
         age -R home/store/.age-recipients -o swapped.age",
    );
    refused(&s, &s.root().join("swapped.age"));
    // Reordered entries with the right checksums are refused as well.
    sh(
        s.root(),
        "mkdir y && age -d -i home/identity.txt b.age | tar -xzf - -C y && \
         (cd y && tar -czf - accounts.toml config.toml secrets/github/me/token \
           secrets/bin/x/blob secrets/aws/prod/password manifest.json) | \
         age -R home/store/.age-recipients -o reordered.age",
    );
    refused(&s, &s.root().join("reordered.age"));
}

/// tar's own complaints quote the header bytes they choke on, and whoever made a backup chose
/// those: a crafted header is refused in sigil's words, its bytes never shown.
#[test]
fn a_malformed_archive_header_or_manifest_is_refused_without_quoting_it() {
    need("age");
    need("python3");
    let s = populated();
    create(&s, &[]);
    let patch = "import gzip, sys\n\
                 d = bytearray(gzip.decompress(sys.stdin.buffer.read()))\n\
                 d[148:156] = b'PLANTED!'\n\
                 sys.stdout.buffer.write(gzip.compress(bytes(d)))\n";
    fs::write(s.root().join("patch.py"), patch).unwrap();
    let out = sh(
        s.root(),
        "age -d -i home/identity.txt b.age | python3 patch.py | \
         age -R home/store/.age-recipients -o header.age",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = s
        .cmd("sigil-backup")
        .args(["verify", "header.age"])
        .assert()
        .code(5);
    insta::assert_snapshot!(s.redact(&out.get_output().stderr), @r"
    sigil-backup: error: 'header.age' is damaged or altered: the archive is malformed
    help: this copy cannot be trusted and nothing was restored; use another copy of the backup
    ");
    refused(&s, &s.root().join("header.age"));
    // serde_json quotes the value it choked on: a manifest field of the wrong kind is named
    // by its kind and place.
    let forged = forge(
        &s,
        "manifest",
        "python3 -c 'import json; m = json.load(open(\"manifest.json\")); \
         m[\"accounts\"] = \"PLANTED!\"; json.dump(m, open(\"manifest.json\", \"w\"))'",
        ENTRIES,
    );
    let out = s
        .cmd("sigil-backup")
        .arg("verify")
        .arg(&forged)
        .assert()
        .code(5);
    let err = stderr(out.get_output());
    assert!(
        err.contains(
            "is damaged or altered: the manifest is malformed: invalid type: string, expected usize (line 1, column "
        ),
        "{err}"
    );
    assert!(!err.contains("PLANTED"), "{err}");
}

#[test]
fn every_single_byte_flip_is_refused() {
    let s = Sandbox::init();
    s.add("a/b/api_key", b"v");
    let file = create(&s, &[]);
    let good = fs::read(&file).unwrap();
    let bad = s.root().join("bad.age");
    let (t, cmd) = elsewhere(&s);
    for i in 0..good.len() {
        let mut b = good.clone();
        b[i] ^= 0x20;
        fs::write(&bad, &b).unwrap();
        let out = s
            .cmd("sigil-backup")
            .args(["verify", "bad.age"])
            .output()
            .unwrap();
        // A flip in the key stanza looks like a wrong identity (4); anything else is
        // damage (5). Never success.
        let code = out.status.code();
        assert!(
            matches!(code, Some(4) | Some(5)),
            "byte {i}: exit {code:?}: {}",
            stderr(&out)
        );
        if i % 16 == 0 {
            let out = cmd(&t, "sigil-backup")
                .arg("restore")
                .arg(&bad)
                .output()
                .unwrap();
            assert!(matches!(out.status.code(), Some(4) | Some(5)), "byte {i}");
            assert!(snapshot_store(&t.home).is_empty(), "byte {i}");
        }
    }
}

#[test]
fn conflicts_fail_skip_or_overwrite() {
    let s = populated();
    let file = create(&s, &[]);
    let (t, cmd) = elsewhere(&s);
    let add = |addr: &str, v: &[u8]| {
        cmd(&t, "sigil-add")
            .arg(addr)
            .write_stdin(v.to_vec())
            .assert()
            .success();
    };
    let get = |addr: &str| {
        cmd(&t, "sigil-get")
            .args(["-n", addr])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    add("github/me/token", b"mine");
    add("other/x/api_key", b"keep");
    let before = snapshot_store(&t.home);

    // Default: fail, listing the conflicts, before writing anything.
    let out = cmd(&t, "sigil-backup")
        .arg("restore")
        .arg(&file)
        .assert()
        .code(1);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-backup: error: 1 secret in the backup already exists: 'github/me/token'; nothing was restored
    help: pass --on-conflict skip to keep them, or --on-conflict overwrite to replace them
    ");
    assert_eq!(snapshot_store(&t.home), before);

    // Dry run: a plan, no change.
    let out = cmd(&t, "sigil-backup")
        .args(["restore", "--dry-run"])
        .arg(&file)
        .assert()
        .success();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.get_output().stdout), @r"
    restore    aws/prod/password
    restore    bin/x/blob
    conflict   github/me/token
    ");
    assert_eq!(snapshot_store(&t.home), before);
    // config.toml only when asked for.
    let out = cmd(&t, "sigil-backup")
        .args(["restore", "--dry-run", "--with-config"])
        .arg(&file)
        .assert()
        .success();
    assert!(
        String::from_utf8_lossy(&out.get_output().stdout).ends_with("restore    config.toml\n")
    );
    assert!(stderr(out.get_output()).contains("config.toml would change:\n  + "));
    assert_eq!(snapshot_store(&t.home), before);
    let out = cmd(&t, "sigil-backup")
        .args([
            "restore",
            "--dry-run",
            "--json",
            "--on-conflict",
            "overwrite",
        ])
        .arg(&file)
        .assert()
        .success();
    let plan: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(plan[2]["action"], "overwrite");
    assert_eq!(plan[2]["entry"], "github/me/token");
    assert_eq!(snapshot_store(&t.home), before);

    cmd(&t, "sigil-backup")
        .args(["restore", "--on-conflict", "skip"])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(get("github/me/token"), b"mine");
    assert_eq!(get("aws/prod/password"), MULTI);
    assert_eq!(get("other/x/api_key"), b"keep");

    cmd(&t, "sigil-backup")
        .args(["restore", "--on-conflict", "overwrite"])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(get("github/me/token"), b"gh-token");
    assert_eq!(get("other/x/api_key"), b"keep");
}

#[test]
fn a_restore_that_fails_half_way_leaves_the_target_as_it_was() {
    let s = populated();
    s.add("zz/acct/api_key", b"last");
    let file = create(&s, &[]);
    let (t, cmd) = elsewhere(&s);
    cmd(&t, "sigil-add")
        .arg("github/me/token")
        .write_stdin("mine")
        .assert()
        .success();
    // A broken `.age-recipients` in the last service's folder makes that one write fail
    // after the others were made. (A read-only directory would not stop root, who runs
    // these tests in CI containers.)
    private_dir(&t.home.join("store/zz"));
    fs::write(t.home.join("store/zz/.age-recipients"), "not-a-key\n").unwrap();
    let before = snapshot_store(&t.home);
    let out = cmd(&t, "sigil-backup")
        .args(["restore", "--on-conflict", "overwrite"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("cannot restore 'zz/acct/api_key'"), "{err}");
    // Same files; the overwritten secret has its old value (re-encrypted, so compare values).
    let after = snapshot_store(&t.home);
    assert_eq!(names(&after), names(&before));
    let get = cmd(&t, "sigil-get")
        .args(["-n", "github/me/token"])
        .output()
        .unwrap();
    assert_eq!(get.stdout, b"mine");
    assert_eq!(
        fs::read(t.home.join("accounts.toml")).unwrap(),
        before
            .iter()
            .find(|x| x.0.ends_with("accounts.toml"))
            .unwrap()
            .1
    );
    assert!(!t.home.join("config.toml").exists());
    assert!(!t.home.join(".restore-journal.json").exists());
    assert!(!t.home.join(".restore-undo").exists());
}

#[test]
fn a_restore_killed_half_way_is_undone_by_the_next_one() {
    let s = populated();
    s.add("zz/acct/api_key", b"last");
    let (t, cmd, before) = killed_restore(&s);
    let file = s.root().join("b.age");
    assert_ne!(
        names(&snapshot_store(&t.home)),
        names(&before),
        "it did write"
    );
    // A writer killed in the middle of a file leaves its temporary file behind (whether one
    // was mid-file at the abort depends on timing, so one is made here).
    private_dir(&t.home.join("store/zz"));
    private_dir(&t.home.join("store/zz/acct"));
    fs::write(
        t.home.join("store/zz/acct/.tmp-Kill3d"),
        b"age-encryption.org/v1\n",
    )
    .unwrap();

    // The next restore undoes it first; this one then stops at the conflict.
    let out = cmd(&t, "sigil-backup")
        .arg("restore")
        .arg(&file)
        .assert()
        .code(1);
    let err = stderr(out.get_output());
    assert!(
        err.starts_with("sigil-backup: undid a restore that had been interrupted"),
        "{err}"
    );
    assert_eq!(names(&snapshot_store(&t.home)), names(&before));
    let get = cmd(&t, "sigil-get")
        .args(["-n", "github/me/token"])
        .output()
        .unwrap();
    assert_eq!(get.stdout, b"mine");
    assert!(!t.home.join(".restore-journal.json").exists());
    assert!(!t.home.join(".restore-undo").exists());
}

#[test]
fn any_command_after_a_killed_restore_undoes_it() {
    let s = populated();
    let (t, cmd, before) = killed_restore(&s);
    // While another process holds the store lock (a restore still running, as far as it can
    // tell), a command leaves the journal alone and does its job.
    let lock = fs::OpenOptions::new()
        .write(true)
        .open(t.home.join(".lock"))
        .unwrap();
    lock.lock().unwrap();
    let out = cmd(&t, "sigil-get")
        .args(["-n", "github/me/token"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("undid"), "{}", stderr(&out));
    assert!(t.home.join(".restore-journal.json").exists());
    drop(lock);

    let out = cmd(&t, "sigil-get")
        .args(["-n", "github/me/token"])
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"mine", "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "sigil-get: undid a restore that had been interrupted, leaving the store as it was before it\n"
    );
    // The overwritten secret was re-encrypted, so compare names here and its value above.
    assert_eq!(names(&snapshot_store(&t.home)), names(&before));
    assert!(!t.home.join(".restore-journal.json").exists());
    assert!(!t.home.join(".restore-undo").exists());
    // Once.
    let out = cmd(&t, "sigil-list").output().unwrap();
    assert!(out.status.success());
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_store_of_a_few_hundred_secrets() {
    let s = Sandbox::init();
    let sigil = sigil::Sigil::builder()
        .home(&s.home)
        .backend(Some("file"))
        .open()
        .unwrap();
    for i in 0..300 {
        let addr: sigil::FieldAddress = format!("svc{}/user{i}/api_key", i % 7).parse().unwrap();
        sigil
            .put(
                &addr,
                &sigil::Secret::from(format!("value-{i}\nline2")),
                &sigil::PutOptions::default(),
            )
            .unwrap();
    }
    let file = create(&s, &[]);
    let out = s
        .cmd("sigil-backup")
        .args(["verify", "--json", "b.age"])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["secrets"], 300);
    assert_eq!(v["accounts"], 300);
    let (t, cmd) = elsewhere(&s);
    cmd(&t, "sigil-backup")
        .arg("restore")
        .arg(&file)
        .assert()
        .success();
    let out = cmd(&t, "sigil-get")
        .args(["-n", "svc3/user199"])
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, b"value-199\nline2");
}

#[test]
fn keyring_secrets_restore_into_the_file_store() {
    if !private_keyring() {
        return;
    }
    let s = Sandbox::init();
    let svc = unique_service("bk");
    let addr = format!("{svc}/me/token");
    s.keyring(s.cmd("sigil-add"))
        .args(["--backend", "keyring", &addr])
        .write_stdin(BINARY.to_vec())
        .assert()
        .success();
    // A backup goes into a private directory (a world-readable one is refused).
    let out_dir = s.root().join("backups");
    private_dir(&out_dir);
    let file = out_dir.join("b.age");
    s.keyring(s.cmd("sigil-backup"))
        .args(["create", "-o"])
        .arg(&file)
        .assert()
        .success();
    let (t, cmd) = elsewhere(&s);
    cmd(&t, "sigil-backup")
        .args(["--backend", "file", "restore"])
        .arg(&file)
        .assert()
        .success();
    let out = cmd(&t, "sigil-get")
        .args(["--backend", "file", "-n", &addr])
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, BINARY);
    s.keyring(s.cmd("sigil-rm"))
        .args(["--yes", &format!("{svc}/me")])
        .assert()
        .success();
}

#[test]
fn recipients_on_the_command_line_or_in_a_file() {
    need("age-keygen");
    let s = populated();
    sh(
        s.root(),
        "age-keygen -o friend.txt 2>/dev/null && age-keygen -y friend.txt > friend.pub",
    );
    let key = fs::read_to_string(s.root().join("friend.pub")).unwrap();
    let friend = s.root().join("friend.txt");
    for args in [
        vec!["--recipient", key.trim()],
        vec!["--recipients-file", "friend.pub"],
    ] {
        let file = create(&s, &args);
        // Not the store's identity any more...
        s.cmd("sigil-backup")
            .arg("verify")
            .arg(&file)
            .assert()
            .code(4);
        // ...but the friend's.
        s.cmd("sigil-backup")
            .env("SIGIL_IDENTITY_FILE", &friend)
            .arg("verify")
            .arg(&file)
            .assert()
            .success();
    }
    let out = s
        .cmd("sigil-backup")
        .args(["create", "--recipient", "age1nope", "-o", "x.age"])
        .assert()
        .code(2);
    let err = stderr(out.get_output());
    assert!(err.contains("'age1nope' is not an age public key"), "{err}");
    assert!(!s.root().join("x.age").exists());
}

/// A backup to anyone but the store's own recipients is an export: a run-only secret refuses
/// it whole (exit 5, no file), while the usual backup to the store's keys goes ahead.
#[test]
fn a_backup_to_another_key_or_a_passphrase_follows_the_usage_policy() {
    need("age-keygen");
    let s = populated();
    s.cmd("sigil-policy")
        .args(["set", "github/me", "--allow", "run"])
        .assert()
        .success();
    sh(
        s.root(),
        "age-keygen -o friend.txt 2>/dev/null && age-keygen -y friend.txt > friend.pub",
    );
    let key = fs::read_to_string(s.root().join("friend.pub")).unwrap();
    let file = s.root().join("x.age");
    for args in [vec!["--recipient", key.trim()], vec!["--passphrase"]] {
        let out = s
            .cmd("sigil-backup")
            .args(["create", "-o"])
            .arg(&file)
            .args(&args)
            .write_stdin("correct horse\n")
            .assert()
            .code(5);
        let err = stderr(out.get_output());
        assert!(err.contains("'github/me'"), "{err}");
        assert!(err.contains("is an export"), "{err}");
        assert!(!file.exists(), "{args:?} left a backup behind");
    }
    // To the store's own recipients, given explicitly or by default, it is a backup.
    create(&s, &[]);
    let own = sh(s.root(), "age-keygen -y home/identity.txt");
    let own = String::from_utf8(own.stdout).unwrap();
    assert!(own.starts_with("age1"), "{own}");
    create(&s, &["--recipient", own.trim()]);
}

#[test]
fn usage_policies_and_their_counts_come_back_with_a_restore() {
    let s = populated();
    s.cmd("sigil-policy")
        .args(["set", "github/me", "--max-uses", "5", "--allow", "get,run"])
        .assert()
        .success();
    s.cmd("sigil-get").arg("github/me").assert().success();
    let shown = |t: &Sandbox, cmd: &mut assert_cmd::Command| {
        let out = cmd.args(["show", "github/me"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        t.redact(&out.stdout)
    };
    let before = shown(&s, &mut s.cmd("sigil-policy"));
    assert!(before.contains("5 (used 1)"), "{before}");
    let file = create(&s, &[]);
    let (t, cmd) = elsewhere(&s);
    cmd(&t, "sigil-backup")
        .arg("restore")
        .arg(&file)
        .assert()
        .success();
    assert_eq!(shown(&t, &mut cmd(&t, "sigil-policy")), before);
    // It is enforced, and the count goes on from where it was.
    cmd(&t, "sigil-get").arg("github/me").assert().success();
    assert!(shown(&t, &mut cmd(&t, "sigil-policy")).contains("5 (used 2)"));
    cmd(&t, "sigil-resolve")
        .arg("auth://github/me")
        .assert()
        .code(5);
}

/// Re-packs the backup `b.age` the way anyone with the store's public key can: decrypt is
/// only for the test's convenience (an attacker writes the entries from scratch), `edit` is a
/// shell snippet run in the unpacked directory, `order` the entries in archive order; the
/// manifest's checksums and counts are made to match, so only sigil's own rules can refuse it.
fn forge(s: &Sandbox, name: &str, edit: &str, order: &[&str]) -> PathBuf {
    need("age");
    need("tar");
    need("python3");
    let dir = format!("forge-{name}");
    let list = order.join(" ");
    let fix_manifest = format!(
        "import hashlib, json, os\n\
         order = '{list}'.split()\n\
         m = json.load(open('manifest.json'))\n\
         m['entries'] = [{{'name': n, 'size': os.path.getsize(n), 'sha256': hashlib.sha256(open(n, 'rb').read()).hexdigest()}} for n in order]\n\
         n = sum(1 for e in order if e.startswith('secrets/'))\n\
         m['secrets'] = n\n\
         m['backends'] = {{'file': n}}\n\
         json.dump(m, open('manifest.json', 'w'))\n\
         import gzip, io, sys, tarfile\n\
         buf = io.BytesIO()\n\
         with tarfile.open(fileobj=buf, mode='w', format=tarfile.GNU_FORMAT) as t:\n\
         \x20   for n in order + ['manifest.json']:\n\
         \x20       data = open(n, 'rb').read()\n\
         \x20       info = tarfile.TarInfo(n)\n\
         \x20       info.size = len(data)\n\
         \x20       info.mode = 0o600\n\
         \x20       t.addfile(info, io.BytesIO(data))\n\
         sys.stdout.buffer.write(gzip.compress(buf.getvalue()))\n"
    );
    fs::write(s.root().join(format!("{dir}.py")), fix_manifest).unwrap();
    let out = sh(
        s.root(),
        &format!(
            "mkdir {dir} && age -d -i home/identity.txt b.age | tar -xzf - -C {dir} && \
             cd {dir} && {edit} && python3 ../{dir}.py | \
             age -R ../home/store/.age-recipients -o ../{name}.age"
        ),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    s.root().join(format!("{name}.age"))
}

const ENTRIES: &[&str] = &[
    "accounts.toml",
    "config.toml",
    "accounts.json",
    "secrets/aws/prod/password",
    "secrets/bin/x/blob",
    "secrets/github/me/token",
];

/// An age file proves nothing about who made it. A forged backup's config.toml (the audit
/// log off, a provider's token endpoint elsewhere) is never installed unasked, a small file
/// that unpacks to a secret larger than `sigil add` takes is refused, and so is an entry that
/// appears twice.
#[test]
fn a_forged_backup_cannot_change_the_config_fill_the_disk_or_repeat_an_entry() {
    let s = populated();
    create(&s, &[]);
    let evil = "audit = false\n[providers.github]\ntoken_url = \"https://evil.example/token\"\n";
    let forged = forge(
        &s,
        "config",
        &format!("printf '{}' > config.toml", evil.replace('\n', "\\n")),
        ENTRIES,
    );
    s.cmd("sigil-backup")
        .arg("verify")
        .arg(&forged)
        .assert()
        .success();
    // Restored on a machine that has no config.toml yet: still not installed.
    let (t, cmd) = elsewhere(&s);
    let out = cmd(&t, "sigil-backup")
        .arg("restore")
        .arg(&forged)
        .assert()
        .success();
    assert!(
        !t.home.join("config.toml").exists(),
        "the forged config was installed"
    );
    let err = stderr(out.get_output());
    assert!(
        err.starts_with(
            "config.toml: the backup's differs from yours and was left alone; \
             `--with-config --dry-run` shows the change, `--with-config` makes it\n"
        ),
        "{err}"
    );
    // Asked for, it is shown first, and made.
    let (u, cmd) = elsewhere(&s);
    let out = cmd(&u, "sigil-backup")
        .arg("restore")
        .arg(&forged)
        .arg("--with-config")
        .assert()
        .success();
    let err = stderr(out.get_output());
    assert!(
        err.contains("config.toml changes:\n  + audit = false\n  + [providers.github]\n"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(u.home.join("config.toml")).unwrap(),
        evil
    );
    assert_eq!(mode(&u.home.join("config.toml")), 0o600);

    // 2 MiB of zeros: a few kilobytes of backup.
    let bomb = forge(
        &s,
        "bomb",
        "head -c 2097152 /dev/zero > secrets/bin/x/blob",
        ENTRIES,
    );
    assert!(fs::metadata(&bomb).unwrap().len() < 64 * 1024);
    for verb in ["verify", "restore"] {
        let (v, cmd) = elsewhere(&s);
        let out = cmd(&v, "sigil-backup")
            .arg(verb)
            .arg(&bomb)
            .assert()
            .code(5);
        assert!(
            stderr(out.get_output())
                .contains("is damaged or altered: entry 'secrets/bin/x/blob' is larger than 1 MiB"),
            "{}",
            stderr(out.get_output())
        );
        assert!(!v.home.join("store/bin").exists());
    }

    let mut twice = ENTRIES.to_vec();
    twice.push("secrets/github/me/token");
    let repeated = forge(&s, "twice", "true", &twice);
    let out = s
        .cmd("sigil-backup")
        .arg("verify")
        .arg(&repeated)
        .assert()
        .code(5);
    assert!(
        stderr(out.get_output())
            .contains("is damaged or altered: entry 'secrets/github/me/token' appears twice"),
        "{}",
        stderr(out.get_output())
    );
}
