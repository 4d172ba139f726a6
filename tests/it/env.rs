//! `sigil env`: every output format with hostile variable names and values.

use crate::support::*;
use std::collections::BTreeMap;
use std::fs;

const FORMATS: [&str; 4] = ["shell", "dotenv", "json", "github"];

/// Values that break naive quoting: quotes of both kinds, command substitution, backticks,
/// expansions, backslashes, newlines, a lone carriage return, GitHub's escapes and a line that
/// looks like the GITHUB_ENV delimiter.
fn hostile_values(s: &Sandbox) -> Vec<(&'static str, String)> {
    let pwned = s.root().join("pwned");
    let p = pwned.display();
    vec![
        ("QUOTES", "it's \"q\" ''\"\"".to_owned()),
        ("SUBST", format!("$(touch '{p}')")),
        ("TICKS", format!("`touch '{p}'`")),
        ("EXPAND", "${HOME} $HOME $$ $1 !! \\$x".to_owned()),
        ("BACKSLASH", "a\\b\\\\c\\".to_owned()),
        ("LINES", format!("one\ntwo $(touch '{p}')\n'three'")),
        ("CR", "a\rb".to_owned()),
        (
            "GH",
            "%0A%25 ::add-mask::x\nghadelimiter_sigil_1\nEVIL=1".to_owned(),
        ),
        ("SQ", "'".to_owned()),
    ]
}

/// A sandbox where each hostile value is a secret, referenced from `app.env`.
fn setup() -> (Sandbox, Vec<(&'static str, String)>, std::path::PathBuf) {
    let s = Sandbox::init();
    let values = hostile_values(&s);
    let mut env = String::new();
    for (name, value) in &values {
        let addr = format!("app/{}", name.to_ascii_lowercase());
        s.add(&addr, value.as_bytes());
        env.push_str(&format!("{name}=auth://{addr}\n"));
    }
    let file = s.root().join("app.env");
    fs::write(&file, env).unwrap();
    (s, values, file)
}

/// Runs `sh -c SCRIPT` with nothing but PATH, returning stdout.
fn sh(script: &str) -> String {
    let out = std::process::Command::new("/bin/sh")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/nonexistent")
        .args(["-c", script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// `printf` of each variable, NUL-separated, after `setup` (shell text) has run.
fn values_after(setup: &str, names: &[&str]) -> Vec<String> {
    let mut script = format!("{setup}\n");
    for n in names {
        script.push_str(&format!("printf '%s\\000' \"${n}\"\n"));
    }
    sh(&script)
        .split('\0')
        .take(names.len())
        .map(str::to_owned)
        .collect()
}

/// Reads a GITHUB_ENV file as the Actions runner does: `NAME=value` lines and
/// `NAME<<DELIMITER` blocks ending at a line that is exactly the delimiter.
fn read_github_env(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_owned(), value.join("\n"));
        } else {
            let (name, value) = line.split_once('=').unwrap();
            out.insert(name.to_owned(), value.to_owned());
        }
    }
    out
}

#[test]
fn hostile_values_come_out_intact_and_run_nothing_in_every_format() {
    let (s, values, file) = setup();
    let pwned = s.root().join("pwned");
    let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
    let expected: Vec<String> = values.iter().map(|(_, v)| v.clone()).collect();
    let env_file = file.to_str().unwrap();
    let print = |format: &str| -> String {
        let out = s
            .cmd("sigil-env")
            .args(["--env-file", env_file, "--format", format])
            .env("GITHUB_ENV", s.root().join("github_env"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };

    // shell: what `eval` makes of it.
    let shell = print("shell");
    assert_eq!(
        values_after(
            &format!("eval \"$(cat <<'SIGIL_EOF'\n{shell}SIGIL_EOF\n)\""),
            &names
        ),
        expected
    );

    // dotenv: sigil reads it back unchanged, and a shell that sources it (`set -a; . file`,
    // as many scripts do) runs none of it; values without newlines come back exactly.
    let dotenv = print("dotenv");
    let out_file = s.root().join("out.env");
    fs::write(&out_file, &dotenv).unwrap();
    let mut script = String::new();
    for n in &names {
        script.push_str(&format!("printf '%s\\000' \"${n}\"\n"));
    }
    let back = s
        .cmd("sigil-run")
        .args(["--no-mask", "--env-file", out_file.to_str().unwrap()])
        .args(["--", "sh", "-c", &script])
        .output()
        .unwrap();
    assert!(back.status.success(), "{}", stderr(&back));
    let back: Vec<String> = String::from_utf8(back.stdout)
        .unwrap()
        .split('\0')
        .take(names.len())
        .map(str::to_owned)
        .collect();
    assert_eq!(back, expected, "{dotenv}");
    let sourced = values_after(&format!("set -a; . '{}'", out_file.display()), &names);
    for ((n, v), got) in values.iter().zip(&sourced) {
        if !v.contains(['\n', '\r']) {
            assert_eq!(got, v, "{n} sourced from:\n{dotenv}");
        }
    }

    // json: exactly the values.
    let json: BTreeMap<String, String> = serde_json::from_str(&print("json")).unwrap();
    let want: BTreeMap<String, String> = values
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.clone()))
        .collect();
    assert_eq!(json, want);

    // github: the runner reads back exactly these variables, and every line of every secret
    // is masked, escaped so that it stays one workflow command.
    let masks = print("github");
    let github_env = fs::read_to_string(s.root().join("github_env")).unwrap();
    assert_eq!(read_github_env(&github_env), want, "{github_env}");
    for line in masks.lines() {
        assert!(line.starts_with("::add-mask::"), "{masks}");
    }
    assert!(
        masks.contains("::add-mask::%250A%2525 ::add-mask::x\n"),
        "{masks}"
    );
    assert!(masks.contains("::add-mask::a%0Db\n"), "{masks}");

    assert!(!pwned.exists(), "a value ran as code");
}

#[test]
fn a_name_that_is_not_a_shell_name_is_refused_in_every_format() {
    let s = Sandbox::init();
    s.add("github/me", b"ghp_SECRET");
    let pwned = s.root().join("pwned");
    let injected = format!("X;touch '{}';Y", pwned.display());
    let dotted = s.root().join("dotted.env");
    fs::write(&dotted, "spring.password=auth://github/me\n").unwrap();
    for format in FORMATS {
        let gh = s.root().join(format!("github_env_{format}"));
        for (name, shown) in [
            (injected.as_str(), "'X;touch \\'[TMP]/pwned\\';Y'"),
            ("A\nB", "'A\\nB'"),
            ("\u{1b}[31mRED", "'\\u{1b}[31mRED'"),
            ("1ST", "'1ST'"),
            ("", ""),
        ] {
            if name.is_empty() {
                // A dotted name from an env file: fine for sigil's dotenv parser, not for a
                // shell.
                let out = s
                    .cmd("sigil-env")
                    .args(["--format", format, "--env-file"])
                    .arg(&dotted)
                    .env("GITHUB_ENV", &gh)
                    .output()
                    .unwrap();
                assert_eq!(out.status.code(), Some(2), "{format}: {}", stderr(&out));
                assert!(out.stdout.is_empty());
                assert!(
                    s.redact(&out.stderr)
                        .contains("'spring.password' at [TMP]/dotted.env:1"),
                    "{}",
                    stderr(&out)
                );
                continue;
            }
            let out = s
                .cmd("sigil-env")
                .args(["--format", format])
                .env(name, "auth://github/me")
                .env("GITHUB_ENV", &gh)
                .output()
                .unwrap();
            let err = s.redact(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{format} {name:?}: {err}");
            assert!(out.stdout.is_empty(), "{format} {name:?}");
            assert!(err.contains(shown), "{format} {name:?}: {err}");
            assert!(!err.contains("ghp_SECRET"));
            assert!(!gh.exists(), "{format}: GITHUB_ENV was written");
            // What an `eval` of the output would do: nothing.
            sh(&format!(
                "eval \"$(printf '%s' '{}')\"",
                String::from_utf8_lossy(&out.stdout).replace('\'', "'\\''")
            ));
        }
    }
    assert!(!pwned.exists(), "a variable name ran as code");
    let out = s
        .cmd("sigil-env")
        .args(["--format", "shell"])
        .env(&injected, "auth://github/me")
        .output()
        .unwrap();
    insta::assert_snapshot!(s.redact(&out.stderr), @r"
    sigil-env: error: 'X;touch \'[TMP]/pwned\';Y' in the environment is not a valid variable name
    help: sigil env prints only names of ASCII letters, digits and _ that do not start with a digit; rename it, or hand it to the program with `sigil run`
    ");
}
