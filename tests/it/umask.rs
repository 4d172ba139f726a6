//! A `umask 000` does not widen anything sigil creates: every command that creates files or
//! directories runs under it, and every directory of `SIGIL_HOME` (and every file a command
//! writes elsewhere, with -o) must be 0700 and every file 0600.

use crate::support::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// One of our binaries started by `sh` after `umask 000`, as a careless shell profile or a
/// container's entrypoint would leave it.
fn under_umask_000(s: &Sandbox, name: &str) -> assert_cmd::Command {
    let mut c = s.std_cmd("/bin/sh");
    c.args(["-c", "umask 000; exec \"$@\"", "sh"])
        .arg(bin(name));
    assert_cmd::Command::from_std(c)
}

/// Every path below `dir` (not following links) whose mode is not 0700 (directories) or
/// 0600 (files), with its mode.
fn too_open(dir: &Path, found: &mut Vec<(PathBuf, u32)>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let meta = fs::symlink_metadata(&p).unwrap();
        let mode = meta.permissions().mode() & 0o7777;
        if meta.is_dir() {
            if mode != 0o700 {
                found.push((p.clone(), mode));
            }
            too_open(&p, found);
        } else if meta.is_file() && mode != 0o600 {
            found.push((p, mode));
        }
    }
}

#[test]
fn every_command_that_creates_files_keeps_them_private_under_umask_000() {
    let s = Sandbox::new();
    let out = s.root().join("out");
    private_dir(&out);
    let run = |name: &str, args: &[&str], stdin: &str| {
        under_umask_000(&s, name)
            .args(args)
            .write_stdin(stdin.to_owned())
            .assert()
            .success();
    };
    run("sigil-init", &[], "");
    run("sigil-add", &["svc/me"], "value-1");
    run("sigil-add", &["team/me"], "value-2");
    run("sigil-add", &["totp/me", "--totp"], "JBSWY3DPEHPK3PXP");
    let project = s.root().join("project");
    private_dir(&project);
    fs::write(project.join(".env"), "API_KEY=sk-live-0123456789abcdef\n").unwrap();
    let env = project.join(".env").display().to_string();
    run("sigil-migrate", &["--service", "proj", &env], "");
    let backup = out.join("b.sigil-backup").display().to_string();
    run("sigil-backup", &["create", "-o", &backup], "");
    let export = out.join("svc.age").display().to_string();
    run("sigil-export", &["svc/me", "-o", &export], "");
    run("sigil-import", &[&export, "--as", "imp/me"], "");
    let other = age_key();
    run("sigil-recipients", &["add", &other, "team"], "");
    run("sigil-policy", &["set", "svc/me", "--allow", "run"], "");
    run("sigil-rekey", &[], "");
    // `sigil env --format github` appends to $GITHUB_ENV, and creates it when the runner
    // has not: the values in it are secrets.
    let github_env = out.join("github-env");
    under_umask_000(&s, "sigil-env")
        .args(["--format", "github"])
        .env("API_KEY", "auth://team/me")
        .env("GITHUB_ENV", &github_env)
        .assert()
        .success();
    let pass = out.join("pass");
    fs::write(&pass, "correct horse battery staple\n").unwrap();
    chmod(&pass, 0o600);
    let new_pass = out.join("new-pass");
    fs::write(&new_pass, "another horse battery staple\n").unwrap();
    chmod(&new_pass, 0o600);
    under_umask_000(&s, "sigil-identity")
        .arg("protect")
        .env("SIGIL_PASSPHRASE_FILE", &pass)
        .assert()
        .success();
    under_umask_000(&s, "sigil-identity")
        .arg("passwd")
        .env("SIGIL_PASSPHRASE_FILE", &pass)
        .env("SIGIL_NEW_PASSPHRASE_FILE", &new_pass)
        .assert()
        .success();
    let pass = new_pass;
    // Unlocking keeps the identity in the kernel's keyring where there is one; it must not
    // leave an open file behind either way.
    let _ = under_umask_000(&s, "sigil-unlock")
        .env("SIGIL_PASSPHRASE_FILE", &pass)
        .output()
        .unwrap();
    under_umask_000(&s, "sigil-audit")
        .arg("verify")
        .env("SIGIL_PASSPHRASE_FILE", &pass)
        .assert()
        .success();

    let mut found = Vec::new();
    too_open(&s.home, &mut found);
    for f in [Path::new(&backup), Path::new(&export), &github_env] {
        let mode = mode(f);
        if mode != 0o600 {
            found.push((f.to_owned(), mode));
        }
    }
    let found: Vec<String> = found
        .iter()
        .map(|(p, m)| format!("{:04o} {}", m, s.redact(p.display().to_string().as_bytes())))
        .collect();
    assert!(found.is_empty(), "too open:\n{}", found.join("\n"));
}

/// A fresh age public key (someone else's).
fn age_key() -> String {
    need("age-keygen");
    let out = std::process::Command::new("age-keygen").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_owned()
}
