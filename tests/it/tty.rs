//! Behaviour on a terminal, through a real pseudo-terminal made by `script` (util-linux).

use crate::support::*;
use std::process::{Command, Stdio};

/// Runs `cmd` on a pty, typing `input` after a pause (so the program has set up the
/// terminal first); returns what the terminal showed and the exit code.
fn on_tty(s: &Sandbox, cmd: &str, input: &str) -> (String, i32) {
    need("script");
    let typed = format!("sleep 1; printf '{input}'; sleep 1");
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "({typed}) | script -qec \"PATH='{}':/usr/bin:/bin {cmd}\" /dev/null",
            bin_dir().display()
        ))
        .env("SIGIL_HOME", &s.home)
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .env_remove("SIGIL_IDENTITY")
        .env_remove("SIGIL_IDENTITY_FILE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).replace('\r', ""),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn add_prompts_without_echo() {
    let s = Sandbox::init();
    let (screen, code) = on_tty(&s, "sigil-add pty/me", "typed-secret\\r");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("secret for 'pty/me/api_key': "), "{screen}");
    assert!(
        !screen.contains("typed-secret"),
        "the secret is not echoed: {screen}"
    );
    assert_eq!(s.get("pty/me"), b"typed-secret");
}

#[test]
fn rm_asks_and_no_keeps_the_secret() {
    let s = Sandbox::init();
    s.add("pty/me", b"v");
    let (screen, code) = on_tty(&s, "sigil-rm pty/me", "n\\r");
    assert_eq!(code, 1, "{screen}");
    assert!(
        screen.contains("delete 'pty/me' (api_key)? [y/N]"),
        "{screen}"
    );
    assert!(screen.contains("nothing deleted"), "{screen}");
    assert_eq!(s.get("pty/me"), b"v");
    let (screen, code) = on_tty(&s, "sigil-rm pty/me", "y\\r");
    assert_eq!(code, 0, "{screen}");
    assert!(!s.secret_file("pty/me/api_key").exists());
}

#[test]
fn list_prints_a_table_for_people() {
    let s = Sandbox::init();
    s.add("pty/me", b"SECRET");
    let (screen, code) = on_tty(&s, "sigil-list", "");
    assert_eq!(code, 0);
    insta::assert_snapshot!(screen, @r"
    ADDRESS  KIND     FIELDS   BACKEND  EXPIRES  STATE
    pty/me   api_key  api_key  file     -        ok
    ");
}
