//! `sigil run`: what the command it starts can see of sigil itself.

use crate::support::*;
use std::fs;

/// The `AGE-SECRET-KEY-1…` line of the sandbox's identity file.
fn key_of(s: &Sandbox) -> String {
    fs::read_to_string(s.identity_file())
        .unwrap()
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .unwrap()
        .to_owned()
}

/// Runs `sigil run -- sh -c SCRIPT` with every key-bearing variable set; (code, stdout, stderr).
fn run_with_keys(s: &Sandbox, key: &str, extra: &[&str], script: &str) -> (i32, String, String) {
    let pass = s.root().join("pass");
    fs::write(&pass, "not used\n").unwrap();
    chmod(&pass, 0o600);
    let out = s
        .cmd("sigil-run")
        .env("SIGIL_IDENTITY", key)
        .env("SIGIL_IDENTITY_FILE", s.identity_file())
        .env("SIGIL_PASSPHRASE_FILE", &pass)
        .env("SIGIL_PASSPHRASE_FD", "0")
        .env("SIGIL_NEW_PASSPHRASE_FILE", &pass)
        .env("SIGIL_NEW_PASSPHRASE_FD", "0")
        .args(["--env", "T=auth://github/me"])
        .args(extra)
        .args(["--", "sh", "-c", script])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(&out),
    )
}

#[test]
fn the_command_never_sees_the_identity_or_the_variables_that_lead_to_it() {
    let s = Sandbox::init();
    s.add("github/me", b"ghp_SECRET");
    let key = key_of(&s);
    let (code, out, err) = run_with_keys(&s, &key, &[], "env; echo \"id=$SIGIL_IDENTITY\"");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("T=<concealed by sigil>\n"), "{out}");
    assert!(out.contains("\nid=\n"), "{out}");
    for leak in [
        key.as_str(),
        "SIGIL_IDENTITY",
        "SIGIL_PASSPHRASE",
        "SIGIL_NEW_PASSPHRASE",
    ] {
        assert!(!out.contains(leak), "the command saw {leak}:\n{out}");
    }
    // Not even when an env file or --env names them.
    let env = s.root().join("app.env");
    fs::write(&env, format!("SIGIL_IDENTITY={key}\n")).unwrap();
    let (code, out, err) = run_with_keys(
        &s,
        &key,
        &[
            "--env-file",
            env.to_str().unwrap(),
            "--env",
            "SIGIL_IDENTITY_FILE=/x",
        ],
        "env",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains("SIGIL_IDENTITY") && !out.contains(&key),
        "{out}"
    );
    // --no-mask hands over the same environment.
    let (code, out, err) = run_with_keys(&s, &key, &["--no-mask"], "env");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("T=ghp_SECRET\n"), "{out}");
    assert!(
        !out.contains("SIGIL_IDENTITY") && !out.contains("SIGIL_PASSPHRASE"),
        "{out}"
    );
}

#[test]
fn the_identity_is_masked_when_the_command_prints_it() {
    let s = Sandbox::init();
    s.add("github/me", b"ghp_SECRET");
    let key = key_of(&s);
    let file = s.identity_file();
    let file = file.to_str().unwrap();
    // Read from its file by the command, as is and lower-cased (bech32 ignores case), with
    // the key in SIGIL_IDENTITY, and with the key only in identity.txt.
    let script = format!("cat '{file}'; tr A-Z a-z < '{file}' >&2");
    let (code, out, err) = run_with_keys(&s, &key, &[], &script);
    assert_eq!(code, 0, "{err}");
    for text in [&out, &err] {
        assert!(
            !text.to_ascii_uppercase().contains("AGE-SECRET-KEY-1"),
            "the identity was printed:\n{text}"
        );
        assert!(text.contains("<concealed by sigil>"), "{text}");
    }
    for refs in [&["--env", "T=auth://github/me"][..], &[]] {
        let out = s
            .cmd("sigil-run")
            .args(refs)
            .args(["--", "sh", "-c", &script])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        for text in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(text).to_ascii_uppercase();
            assert!(
                !text.contains("AGE-SECRET-KEY-1"),
                "the identity was printed:\n{text}"
            );
        }
    }
}

#[test]
fn sigil_run_dumps_no_core_and_its_memory_is_closed_to_other_processes() {
    let s = Sandbox::init();
    s.add("github/me", b"ghp_SECRET");
    let ready = s.root().join("ready");
    let script = format!(
        "echo $$ > '{0}.tmp'; mv '{0}.tmp' '{0}'; exec sleep 30",
        ready.display()
    );
    // `ulimit -c unlimited` first: a core limit of 0 inherited from the test runner would
    // prove nothing.
    let mut run = s
        .std_cmd("/bin/sh")
        .args(["-c", "ulimit -c unlimited && exec \"$@\"", "sh"])
        .args(peer_prefix())
        .arg(bin("sigil-run"))
        .args(["--env", "T=auth://github/me", "--", "sh", "-c", &script])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !ready.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the command never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let command: u32 = fs::read_to_string(&ready).unwrap().trim().parse().unwrap();
    // The method works: the command itself is an ordinary process a peer can read...
    assert!(readable_by_a_peer(std::path::Path::new(&format!(
        "/proc/{command}/environ"
    ))));
    // ...and sigil run, which holds the secret, is not.
    let pid = run.id();
    let outcome = std::panic::catch_unwind(|| assert_hardened(pid));
    let _ = std::process::Command::new("kill")
        .arg(pid.to_string())
        .status();
    let _ = run.wait();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e);
    }
}

/// A command started with standard streams closed (`sigil run … >&-`) finds /dev/null on
/// them, as it would started by any Rust program: the first file it opens does not take
/// number 1 and receive what it prints. Through the entry point and the dispatcher alike.
#[test]
fn a_command_started_with_closed_streams_finds_dev_null_on_them() {
    let s = Sandbox::init();
    s.add("github/me", b"tok");
    let seen = s.root().join("seen");
    let script = format!(
        "readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2 | tee '{}' >/dev/null",
        seen.display()
    );
    for (program, first) in [("sigil-run", None), ("sigil", Some("run"))] {
        let _ = fs::remove_file(&seen);
        let out = s
            .std_cmd("/bin/bash")
            .args(["-c", "\"$@\" 0<&- 1>&- 2>&-; echo \"status $?\"", "bash"])
            .arg(bin(program))
            .args(first)
            .args(["--env", "T=auth://github/me", "--", "sh", "-c", &script])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "status 0\n",
            "{program}"
        );
        // stdin is passed on as it is; stdout and stderr reach the command through sigil's
        // masking pipes.
        let seen = fs::read_to_string(&seen).unwrap();
        let lines: Vec<&str> = seen.lines().collect();
        assert_eq!(lines.len(), 3, "{program}: {seen}");
        assert_eq!(lines[0], "/dev/null", "{program}: {seen}");
        assert!(
            lines[1..].iter().all(|l| l.starts_with("pipe:")),
            "{program}: {seen}"
        );
    }
}
