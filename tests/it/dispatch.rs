use crate::support::*;
use std::fs;

/// A sandbox with a `plugins` dir on PATH holding the given scripts.
fn with_plugins(scripts: &[(&str, &str)]) -> (Sandbox, String) {
    let s = Sandbox::init();
    let dir = s.root().join("plugins");
    fs::create_dir(&dir).unwrap();
    for (name, body) in scripts {
        let p = dir.join(name);
        fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        chmod(&p, 0o755);
    }
    let path = format!("{}:/usr/bin:/bin", dir.display());
    (s, path)
}

#[test]
fn runs_the_sibling_binary_with_args_and_exit_code_unchanged() {
    let s = Sandbox::init();
    s.add("github/me", b"tok");
    s.cmd("sigil")
        .args(["get", "-n", "github/me"])
        .assert()
        .success()
        .stdout("tok");
    let out = s.cmd("sigil").args(["get", "nope/me"]).assert().code(3);
    assert!(stderr(out.get_output()).starts_with("sigil-get: error: 'nope/me/api_key' not found"));
    s.cmd("sigil").args(["get", "Bad/me"]).assert().code(2);
}

#[test]
fn a_plugin_on_path_gets_its_args_verbatim_and_its_status_passes_through() {
    let (s, path) = with_plugins(&[("sigil-hello", "printf '[%s]\\n' \"$@\"; exit 7")]);
    s.cmd("sigil")
        .env("PATH", &path)
        .args(["hello", "a b", "--flag", "", "--", "-x"])
        .assert()
        .code(7)
        .stdout("[a b]\n[--flag]\n[]\n[--]\n[-x]\n");
}

#[test]
fn a_signal_that_kills_the_command_shows_as_128_plus_n() {
    let (s, path) = with_plugins(&[("sigil-boom", "kill -TERM $$")]);
    let sigil = bin("sigil");
    let out = std::process::Command::new("/bin/sh")
        .env("PATH", &path)
        .env("SIGIL_HOME", &s.home)
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .arg("-c")
        .arg(format!("'{}' boom; echo \"status=$?\"", sigil.display()))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "status=143\n");
}

#[test]
fn lists_built_ins_and_plugins() {
    let (s, path) = with_plugins(&[("sigil-hello", "true"), ("sigil-zap", "true")]);
    for args in [&[][..], &["help"], &["--help"], &["-h"]] {
        let out = s
            .cmd("sigil")
            .env("PATH", &path)
            .args(args)
            .assert()
            .success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        assert!(
            text.lines()
                .any(|l| l.starts_with("  get ") && l.ends_with(" Print a secret on stdout")),
            "{text}"
        );
        assert!(
            !text.contains("git-credential"),
            "git runs that one, not sigil: {text}"
        );
        assert!(
            text.contains("Plugins (sigil-* on PATH):\n  hello\n  zap\n"),
            "{text}"
        );
    }
}

#[test]
fn unknown_commands_get_a_suggestion_and_exit_2() {
    let s = Sandbox::init();
    let out = s.cmd("sigil").arg("gte").assert().code(2);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil: error: 'gte' is not a sigil command
    help: did you mean 'get'? (`sigil help` lists every command)
    ");
    let out = s.cmd("sigil").arg("frobnicate").assert().code(2);
    assert!(stderr(out.get_output()).contains("help: `sigil help` lists every command"));
    s.cmd("sigil").arg("--bogus").assert().code(2);
    s.cmd("sigil").arg("../sigil-get").assert().code(2);
}

#[test]
fn help_for_a_command_and_version() {
    let s = Sandbox::new();
    let out = s.cmd("sigil").args(["help", "get"]).assert().success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("Usage: sigil-get"));
    s.cmd("sigil")
        .arg("--version")
        .assert()
        .success()
        .stdout(format!("sigil {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_plugin_gets_no_variable_that_carries_the_identity_but_built_ins_do() {
    let (s, path) = with_plugins(&[("sigil-peek", "env | grep '^SIGIL_' | sort")]);
    s.add("github/me", b"tok");
    let key = fs::read_to_string(s.identity_file()).unwrap();
    let out = s
        .cmd("sigil")
        .env("PATH", &path)
        .env("SIGIL_IDENTITY", &key)
        .env("SIGIL_IDENTITY_FILE", s.identity_file())
        .env("SIGIL_PASSPHRASE_FILE", "/p")
        .env("SIGIL_PASSPHRASE_FD", "3")
        .arg("peek")
        .assert()
        .success();
    assert_eq!(
        s.redact(&out.get_output().stdout),
        "SIGIL_HOME=[TMP]/home\n"
    );
    // A built-in opens the store with the same variables, so they reach it.
    s.cmd("sigil")
        .env("PATH", &path)
        .env("SIGIL_IDENTITY", &key)
        .env("SIGIL_IDENTITY_FILE", "/nonexistent")
        .args(["get", "-n", "github/me"])
        .assert()
        .success()
        .stdout("tok");
}

#[test]
fn a_plugin_on_path_cannot_replace_a_built_in() {
    let (s, path) = with_plugins(&[("sigil-get", "echo hijacked; exit 9")]);
    s.add("github/me", b"tok");
    s.cmd("sigil")
        .env("PATH", &path)
        .args(["get", "-n", "github/me"])
        .assert()
        .success()
        .stdout("tok");
}

#[test]
fn a_dashed_entry_point_starts_the_sigil_beside_it_and_never_one_on_path() {
    let (s, path) = with_plugins(&[("sigil", "echo hijacked; exit 9")]);
    s.add("github/me", b"tok");
    // Beside the real `sigil`: the entry point is that built-in, messages under its name.
    let out = s.cmd("sigil-list").assert().success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("github"));
    let out = s.cmd("sigil-rm").args(["nope/me", "-y"]).assert().code(3);
    assert!(stderr(out.get_output()).starts_with("sigil-rm: error: "));
    // Alone in a directory: a clear error, and the `sigil` on PATH is not run.
    let lone = s.root().join("lone");
    fs::create_dir(&lone).unwrap();
    fs::copy(bin("sigil-list"), lone.join("sigil-list")).unwrap();
    // Another test's thread may fork while the copy is still open for writing here; its child
    // holds the descriptor until it execs, and until then the copy cannot run ("text file
    // busy"). That passes in a moment, so the start is retried.
    let out = (0..50)
        .find_map(|_| {
            match s
                .std_cmd(lone.join("sigil-list"))
                .env("PATH", &path)
                .output()
            {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    None
                }
                other => Some(other.unwrap()),
            }
        })
        .expect("the copy stayed busy for a second");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "sigil-list: error: cannot run '{}': ",
            lone.join("sigil").display()
        )),
        "{err}"
    );
}

#[test]
fn the_sigil_executable_under_a_built_in_s_name_is_that_built_in() {
    let s = Sandbox::init();
    s.add("github/me", b"tok");
    let links = s.root().join("links");
    fs::create_dir(&links).unwrap();
    std::os::unix::fs::symlink(bin("sigil"), links.join("sigil-get")).unwrap();
    let out = s
        .std_cmd(links.join("sigil-get"))
        .args(["-n", "github/me"])
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"tok");
    let out = s
        .std_cmd(links.join("sigil-get"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: sigil-get"));
}
