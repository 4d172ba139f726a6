use crate::support::*;
use std::process::Command;

fn sh(s: &Sandbox, script: &str) -> std::process::Output {
    need("age");
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("umask 077; {script}"))
        .current_dir(&s.home)
        .output()
        .unwrap();
    assert!(out.status.success(), "{script}: {}", stderr(&out));
    out
}

#[test]
fn the_age_cli_decrypts_what_sigil_wrote() {
    let s = Sandbox::init();
    let value = b"line one\nline two\n\x01\x02";
    s.add("github/me/token", value);
    let out = sh(&s, "age -d -i identity.txt store/github/me/token.age");
    assert_eq!(out.stdout, value);
}

#[test]
fn sigil_reads_what_the_age_cli_wrote_binary_or_armored() {
    let s = Sandbox::init();
    sh(
        &s,
        "mkdir -p store/svc/bin store/svc/arm && \
         printf 'from-age' | age -R store/.age-recipients -o store/svc/bin/api_key.age && \
         printf 'armored' | age -a -R store/.age-recipients -o store/svc/arm/api_key.age",
    );
    assert_eq!(s.get("svc/bin"), b"from-age");
    assert_eq!(s.get("svc/arm"), b"armored");
}

#[test]
fn a_team_folder_is_encrypted_to_every_recipient_in_its_age_recipients() {
    let s = Sandbox::init();
    need("age-keygen");
    sh(&s, "age-keygen -o friend.txt 2>/dev/null");
    sh(
        &s,
        "mkdir -p store/team && cat store/.age-recipients > store/team/.age-recipients && \
         age-keygen -y friend.txt >> store/team/.age-recipients",
    );
    s.add("team/deploy", b"shared");
    let out = sh(&s, "age -d -i friend.txt store/team/deploy/api_key.age");
    assert_eq!(out.stdout, b"shared");
    assert_eq!(s.get("team/deploy"), b"shared");
    // A folder whose recipients leave the user out is refused: they could not read it back.
    sh(&s, "age-keygen -y friend.txt > store/team/.age-recipients");
    let out = s
        .cmd("sigil-add")
        .arg("team/other")
        .write_stdin("x")
        .assert()
        .code(5);
    let err = stderr(out.get_output());
    assert!(
        err.contains("does not list your identity's public key"),
        "{err}"
    );
    assert!(!s.home.join("store/team/other").exists());
}
