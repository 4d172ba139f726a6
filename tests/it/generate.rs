//! `sigil generate`: passwords and passphrases stored like `sigil add`, printed only when
//! asked, and never written where a value does not belong.

use crate::support::*;
use std::fs;

/// `sigil-generate ARGS --print`'s value, asserting success.
fn generate(s: &Sandbox, args: &[&str]) -> String {
    let out = s
        .cmd("sigil-generate")
        .args(args)
        .arg("--print")
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    text.strip_suffix('\n').expect("one newline").to_string()
}

/// Every file under `dir`, with its contents.
fn files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push((p.clone(), fs::read(&p).unwrap()));
        }
    }
    out
}

#[test]
fn default_password_is_stored_and_read_back() {
    let s = Sandbox::init();
    let value = generate(&s, &["shop/me", "--field", "password"]);
    assert_eq!(value.len(), 24);
    assert!(value.bytes().all(|b| b.is_ascii_graphic()));
    assert_eq!(s.get("shop/me/password"), value.as_bytes());
    // Without --print, only a confirmation on stderr.
    let out = s
        .cmd("sigil-generate")
        .arg("shop/other")
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(stderr(&out), @"generated 'shop/other/api_key' in the file store (sigil get shop/other/api_key prints it)");
    assert_eq!(s.get("shop/other").len(), 24);
}

#[test]
fn length_charset_and_require() {
    let s = Sandbox::init();
    let hex = generate(&s, &["a/hex", "--length", "40", "--charset", "hex"]);
    assert_eq!(hex.len(), 40);
    assert!(hex.bytes().all(|b| b"0123456789abcdef".contains(&b)));
    let plain = generate(&s, &["a/plain", "--no-symbols", "-l", "64"]);
    assert!(plain.bytes().all(|b| b.is_ascii_alphanumeric()), "{plain}");
    let own = generate(&s, &["a/own", "--charset", "digits,chars:xyz", "-l", "30"]);
    assert!(own.bytes().all(|b| b"0123456789xyz".contains(&b)), "{own}");
    for i in 0..20 {
        let addr = format!("a/req{i}");
        let v = generate(
            &s,
            &[&addr, "-l", "4", "--require", "upper,lower,digit,symbol"],
        );
        assert!(v.bytes().any(|b| b.is_ascii_uppercase()), "{v}");
        assert!(v.bytes().any(|b| b.is_ascii_lowercase()), "{v}");
        assert!(v.bytes().any(|b| b.is_ascii_digit()), "{v}");
        assert!(v.bytes().any(|b| b.is_ascii_punctuation()), "{v}");
        assert_eq!(s.get(&addr), v.as_bytes());
    }
}

#[test]
fn words_make_a_passphrase_from_the_eff_list() {
    let s = Sandbox::init();
    let v = generate(&s, &["disk/backup", "--words", "6", "--separator", " "]);
    let words: Vec<&str> = v.split(' ').collect();
    assert_eq!(words.len(), 6, "{v}");
    assert!(
        words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
    );
    assert_eq!(s.get("disk/backup"), v.as_bytes());
    let dashed = generate(&s, &["disk/other", "-w", "3"]);
    assert!(dashed.split('-').count() >= 3, "{dashed}");
}

#[test]
fn refuses_an_existing_secret_without_force() {
    let s = Sandbox::init();
    s.add("github/me", b"old");
    let out = s
        .cmd("sigil-generate")
        .args(["github/me", "--print"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(stderr(&out), @r"
    sigil-generate: error: 'github/me/api_key' already exists
    help: pass --force to replace it
    ");
    assert_eq!(s.get("github/me"), b"old");
    let v = generate(&s, &["github/me", "--force"]);
    assert_eq!(s.get("github/me"), v.as_bytes());
}

#[test]
fn bad_input_is_refused_and_stores_nothing() {
    let s = Sandbox::init();
    let cases: &[(&[&str], i32)] = &[
        (&["GitHub/me"], 2),
        (&["a/b", "--charset", "emoji"], 2),
        (&["a/b", "--charset", "chars:x"], 2),
        (&["a/b", "--charset", "digits", "--require", "upper"], 2),
        (
            &["a/b", "--length", "2", "--require", "upper,lower,digit"],
            2,
        ),
        (&["a/b", "--require", "kanji"], 2),
        (&["a/b", "--length", "0"], 2),
        (&["a/b", "--words", "0"], 2),
        (&["a/b", "--words", "4", "--length", "9"], 2),
        (&["a/b", "--separator", " "], 2),
    ];
    let mut messages = String::new();
    for (args, code) in cases {
        let out = s
            .cmd("sigil-generate")
            .args(*args)
            .arg("--print")
            .assert()
            .code(*code)
            .get_output()
            .clone();
        assert!(out.stdout.is_empty(), "{args:?}");
        let first = stderr(&out).lines().next().unwrap_or("").to_string();
        messages.push_str(&format!("{args:?}: {first}\n"));
    }
    insta::assert_snapshot!(messages);
    assert!(!s.home.join("store/a").exists());
}

#[test]
fn an_unknown_home_or_backend_stores_nothing() {
    let s = Sandbox::new();
    let out = s
        .cmd("sigil-generate")
        .args(["a/b", "--print"])
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(out.stdout.is_empty());
    let s = Sandbox::init();
    s.cmd("sigil-generate")
        .args(["a/b", "--backend", "nope", "--print"])
        .assert()
        .failure()
        .stdout("");
}

/// The value is nowhere but in its age file: not in the audit log, the metadata, the
/// arguments or stderr, and no temporary file is left in the home or the temp directory.
#[test]
fn the_value_leaks_nowhere() {
    let s = Sandbox::init();
    let tmpdir = s.root().join("tmp");
    fs::create_dir(&tmpdir).unwrap();
    let args = ["leak/me", "--field", "password", "-l", "40", "--print"];
    let out = s
        .cmd("sigil-generate")
        .env("TMPDIR", &tmpdir)
        .args(args)
        .assert()
        .success()
        .get_output()
        .clone();
    let value = String::from_utf8(out.stdout)
        .unwrap()
        .trim_end()
        .to_string();
    assert!(out.stderr.is_empty());
    assert!(args.iter().all(|a| !a.contains(&value)));
    let audit = fs::read_to_string(s.home.join("audit.log")).unwrap();
    assert!(audit.contains("leak/me/password"), "{audit}");
    for (p, bytes) in files(&s.home) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&value), "{} holds the value", p.display());
        // Temporary files (tempfile's `.tmpXXXXXX`) are renamed into place or removed.
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.contains(".tmp"), "left behind: {}", p.display());
    }
    assert_eq!(fs::read_dir(&tmpdir).unwrap().count(), 0);
    // A refused run leaves nothing either.
    s.cmd("sigil-generate")
        .env("TMPDIR", &tmpdir)
        .args(args)
        .assert()
        .code(1);
    assert_eq!(fs::read_dir(&tmpdir).unwrap().count(), 0);
    assert!(
        !fs::read_to_string(s.home.join("audit.log"))
            .unwrap()
            .contains(&value)
    );
}

#[test]
fn the_dispatcher_runs_it() {
    let s = Sandbox::init();
    let out = s
        .cmd("sigil")
        .args(["generate", "x/y", "-p", "-l", "12"])
        .assert()
        .success()
        .get_output()
        .clone();
    let v = String::from_utf8(out.stdout).unwrap();
    assert_eq!(v.trim_end().len(), 12);
    assert_eq!(s.get("x/y"), v.trim_end().as_bytes());
}
