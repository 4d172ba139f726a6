//! SSH public keys as recipients of a shared folder: keys made by the real `ssh-keygen`,
//! files opened by the real `age -d -i ~/.ssh/id_ed25519`.

use crate::support::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Std;

/// A new SSH key pair under `dir` (`-t ed25519` or `-t rsa`), without a passphrase unless
/// one is given: the private key's path and the public key line (with its comment).
fn ssh_keygen(dir: &Path, kind: &str, name: &str, passphrase: &str) -> (PathBuf, String) {
    need("ssh-keygen");
    let file = dir.join(name);
    // 2048-bit RSA: the smallest age takes, and the quickest to make.
    let bits = if kind == "rsa" { "2048" } else { "256" };
    let out = Std::new("ssh-keygen")
        .args(["-q", "-t", kind, "-b", bits, "-N", passphrase, "-C"])
        .arg(format!("{name}@laptop"))
        .arg("-f")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let public = fs::read_to_string(file.with_extension("pub")).unwrap();
    (file, public.trim().to_owned())
}

/// stderr then stdout of a run, with age and SSH keys redacted.
fn both(s: &Sandbox, out: &std::process::Output) -> String {
    redact_ssh(&format!(
        "{}---\n{}",
        s.redact(&out.stderr),
        s.redact(&out.stdout)
    ))
}

fn redact_ssh(text: &str) -> String {
    text.split_inclusive(|c: char| c.is_whitespace() || c == ')')
        .map(|w| {
            let t = w.trim_end_matches(|c: char| c.is_whitespace() || c == ')');
            if t.starts_with("AAAA") && t.len() > 50 {
                w.replacen(t, "[SSH-KEY]", 1)
            } else {
                w.to_owned()
            }
        })
        .collect()
}

fn team() -> Sandbox {
    let s = Sandbox::init();
    s.add("team/deploy/api_key", b"deploy-key");
    s.add("github/me/token", b"mine-only");
    s
}

#[test]
fn an_ssh_key_is_a_recipient_that_age_reads_with_the_private_key() {
    let s = team();
    let (bob, bob_pub) = ssh_keygen(s.root(), "ed25519", "bob", "");
    let (carol, carol_pub) = ssh_keygen(s.root(), "rsa", "carol", "");
    assert_eq!(age_reads(&s, &bob, "team/deploy/api_key"), None);

    let out = s
        .cmd("sigil-recipients")
        .args(["add", &bob_pub, "team"])
        .assert()
        .success();
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    added bob@laptop (key ssh-ed25519 [SSH-KEY]) to '[TMP]/home/store/team/.age-recipients' (created from the recipients it inherited); re-encrypted 1 secret to the 2 recipients
    ---
    ");
    s.cmd("sigil-recipients")
        .args(["add", &carol_pub, "team", "--name", "carol"])
        .assert()
        .success();
    for key in [&bob, &carol] {
        assert_eq!(
            age_reads(&s, key, "team/deploy/api_key").as_deref(),
            Some(&b"deploy-key"[..])
        );
        assert_eq!(age_reads(&s, key, "github/me/token"), None);
    }
    // Adding the same key again (with another comment) changes nothing.
    let again = bob_pub.replace("bob@laptop", "bob@desktop");
    let out = s
        .cmd("sigil-recipients")
        .args(["add", &again, "team"])
        .assert()
        .success();
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    bob@laptop (key ssh-ed25519 [SSH-KEY]) is already a recipient of 'team'; re-encrypted 1 secret to the 3 recipients
    ---
    ");

    let out = s
        .cmd("sigil-recipients")
        .args(["list", "team"])
        .assert()
        .success();
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    recipients of 'team' ('[TMP]/home/store/team/.age-recipients'):
    ---
    age1[KEY]  (you)
    ssh-ed25519 [SSH-KEY]  bob@laptop
    ssh-rsa [SSH-KEY]  carol
    ");
    // sigil still reads what it wrote to the mixed recipients.
    assert_eq!(s.get("team/deploy/api_key"), b"deploy-key");

    // Removed by its comment: what bob could read is listed, and a new value is not his.
    let out = s
        .cmd("sigil-recipients")
        .args(["rm", "bob@laptop", "team"])
        .assert()
        .success();
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    removed bob@laptop (key ssh-ed25519 [SSH-KEY]) from '[TMP]/home/store/team/.age-recipients'; re-encrypted 1 secret to the 2 remaining recipients
    warning: re-encryption does not take back what bob@laptop (key ssh-ed25519 [SSH-KEY]) could already read: they may have copied these values, and anyone holding their key can still open old copies (a git history, a backup). Rotate them:
    ---
    team/deploy/api_key
    ");
    s.add("team/cache/api_key", b"cache-key");
    assert_eq!(age_reads(&s, &bob, "team/deploy/api_key"), None);
    assert_eq!(age_reads(&s, &bob, "team/cache/api_key"), None);
    assert_eq!(
        age_reads(&s, &carol, "team/cache/api_key").as_deref(),
        Some(&b"cache-key"[..])
    );
    // And by the key itself, with or without its comment.
    s.cmd("sigil-recipients")
        .args(["rm", &carol_pub, "team"])
        .assert()
        .success();
    assert_eq!(age_reads(&s, &carol, "team/cache/api_key"), None);
}

#[test]
fn ssh_keys_age_cannot_encrypt_to_are_refused_with_the_reason() {
    let s = team();
    let (_, ecdsa) = ssh_keygen(s.root(), "ecdsa", "dave", "");
    let out = s
        .cmd("sigil-recipients")
        .args(["add", &ecdsa, "team"])
        .assert()
        .code(2);
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    sigil-recipients: error: the SSH key given cannot be a recipient: 'ecdsa-sha2-nistp256' keys are not supported: age encrypts to ssh-ed25519 and ssh-rsa keys
    help: a recipient looks like age1… (`age-keygen -y identity.txt` prints one) or ssh-ed25519 AAAA… (a line of ~/.ssh/id_ed25519.pub)
    ---
    ");
    let weak = s.root().join("weak");
    let made = Std::new("ssh-keygen")
        .args([
            "-q", "-t", "rsa", "-b", "1024", "-N", "", "-C", "eve@old", "-f",
        ])
        .arg(&weak)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    let short = fs::read_to_string(weak.with_extension("pub")).unwrap();
    let short = short.trim();
    let out = s
        .cmd("sigil-recipients")
        .args(["add", short, "team"])
        .assert()
        .code(2);
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    sigil-recipients: error: the SSH key given cannot be a recipient: the ssh-rsa key is shorter than 2048 bits
    help: a recipient looks like age1… (`age-keygen -y identity.txt` prints one) or ssh-ed25519 AAAA… (a line of ~/.ssh/id_ed25519.pub)
    ---
    ");
    // A recipients file with an unsupported key is refused where it is read, by line.
    fs::write(
        s.home.join("store/team/.age-recipients"),
        format!("{ecdsa}\n"),
    )
    .unwrap();
    let out = s
        .cmd("sigil-add")
        .arg("team/x/y")
        .write_stdin("v")
        .assert()
        .failure();
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    sigil-add: error: '[TMP]/home/store/team/.age-recipients' is malformed at line 1: 'ecdsa-sha2-nistp256' keys are not supported: age encrypts to ssh-ed25519 and ssh-rsa keys
    help: each line is an age public key (age1…) or an SSH public key (ssh-ed25519 …, ssh-rsa …); # starts a comment
    ---
    ");
}

#[test]
fn a_list_of_ssh_keys_adds_each_key_age_takes_and_says_what_it_skipped() {
    let s = team();
    let (bob, bob_ed) = ssh_keygen(s.root(), "ed25519", "bob", "");
    let (bob_rsa, bob_rsa_pub) = ssh_keygen(s.root(), "rsa", "bob_rsa", "");
    let (_, bob_ecdsa) = ssh_keygen(s.root(), "ecdsa", "bob_ecdsa", "");
    // As github.com/USER.keys serves them (no comments), with hostile lines mixed in.
    let bare = |k: &str| k.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    let list = format!(
        "{}\n{}\n\n{}\nssh-ed25519 \x1b]0;owned\x07AAAA\n{}\n",
        bare(&bob_ed),
        bare(&bob_ecdsa),
        bare(&bob_rsa_pub),
        "A".repeat(100_000)
    );
    let out = s
        .cmd("sigil-recipients")
        .args(["add", "--ssh-keys", "-", "team", "--name", "bob"])
        .write_stdin(list)
        .assert()
        .success();
    let text = both(&s, out.get_output());
    assert!(!text.contains('\x1b'), "{text:?}");
    insta::assert_snapshot!(text, @r"
    warning: skipped line 2: 'ecdsa-sha2-nistp256' keys are not supported: age encrypts to ssh-ed25519 and ssh-rsa keys
    warning: skipped line 5: it is not a valid SSH public key
    warning: skipped line 6: longer than 16384 bytes, not a key
    added bob (key ssh-ed25519 [SSH-KEY]) to '[TMP]/home/store/team/.age-recipients' (created from the recipients it inherited); re-encrypted 1 secret to the 2 recipients
    added bob (key ssh-rsa [SSH-KEY]) to '[TMP]/home/store/team/.age-recipients'; re-encrypted 1 secret to the 3 recipients
    ---
    ");
    for key in [&bob, &bob_rsa] {
        assert_eq!(
            age_reads(&s, key, "team/deploy/api_key").as_deref(),
            Some(&b"deploy-key"[..])
        );
    }
    // A file with no usable key is an error, and a file too big is refused unread.
    let file = s.root().join("only-ecdsa.keys");
    fs::write(&file, format!("{bob_ecdsa}\n")).unwrap();
    let out = s
        .cmd("sigil-recipients")
        .args(["add", "team", "--ssh-keys"])
        .arg(&file)
        .assert()
        .code(2);
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    warning: skipped line 1: 'ecdsa-sha2-nistp256' keys are not supported: age encrypts to ssh-ed25519 and ssh-rsa keys
    sigil-recipients: error: '[TMP]/only-ecdsa.keys' holds no key age can encrypt to
    help: age encrypts to ssh-ed25519 and ssh-rsa keys (and age1… keys); ecdsa and security keys (sk-…) need an age plugin
    ---
    ");
    let out = s
        .cmd("sigil-recipients")
        .args(["add", "--ssh-keys", "-", "team"])
        .write_stdin(vec![b'A'; 2 << 20])
        .assert()
        .failure();
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    sigil-recipients: error: cannot read the SSH keys in '-': it is larger than 1 MiB, the limit for identity and recipients files
    help: SIGIL_MAX_INPUT raises every input limit, e.g. SIGIL_MAX_INPUT=1GiB
    ---
    ");
}

#[test]
fn a_member_added_by_ssh_key_reads_with_that_key_as_the_identity() {
    let s = team();
    let (bob, bob_pub) = ssh_keygen(s.root(), "ed25519", "bob", "");
    let (carol, carol_pub) = ssh_keygen(s.root(), "rsa", "carol", "");
    let (locked, locked_pub) = ssh_keygen(s.root(), "ed25519", "locked", "correct horse");
    for key in [&bob_pub, &carol_pub, &locked_pub] {
        s.cmd("sigil-recipients")
            .args(["add", key, "team"])
            .assert()
            .success();
    }
    for key in [&bob, &carol] {
        let out = s
            .cmd("sigil-get")
            .env("SIGIL_IDENTITY_FILE", key)
            .arg("team/deploy/api_key")
            .assert()
            .success();
        assert_eq!(out.get_output().stdout, b"deploy-key\n");
        // Outside the folder the SSH key opens nothing.
        s.cmd("sigil-get")
            .env("SIGIL_IDENTITY_FILE", key)
            .arg("github/me/token")
            .assert()
            .failure();
    }

    // What the real age encrypts to an authorized_keys file, sigil reads with the SSH key.
    age_encrypts(
        &s,
        &[&bob_pub, &carol_pub],
        "team/deploy/api_key",
        "from-age",
    );
    let out = s
        .cmd("sigil-get")
        .env("SIGIL_IDENTITY_FILE", &bob)
        .arg("team/deploy/api_key")
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, b"from-age\n");

    // A passphrase-protected SSH key without a terminal or a passphrase variable: what to do,
    // never a prompt sigil cannot answer.
    let out = s
        .cmd("sigil-get")
        .env("SIGIL_IDENTITY_FILE", &locked)
        .arg("team/deploy/api_key")
        .assert()
        .failure();
    let text = both(&s, out.get_output()).replace(&*locked.to_string_lossy(), "[KEY]");
    assert!(!text.contains("correct horse"));
    insta::assert_snapshot!(text, @r"
    sigil-get: error: the SSH key in '[TMP]/locked' (SIGIL_IDENTITY_FILE) is protected by a passphrase and there is no terminal to ask on
    help: run it on a terminal, or give the key's passphrase in a 0600 file named by SIGIL_PASSPHRASE_FILE or on the descriptor named by SIGIL_PASSPHRASE_FD
    ---
    ");
}

/// The real `age -R KEYS` encrypts `value` to these SSH public keys into `addr`'s file.
fn age_encrypts(s: &Sandbox, public: &[&str], addr: &str, value: &str) {
    need("age");
    let keys = s.root().join("authorized_keys");
    fs::write(&keys, public.join("\n") + "\n").unwrap();
    let made = Std::new("age")
        .arg("-R")
        .arg(&keys)
        .arg("-o")
        .arg(s.secret_file(addr))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(value.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
}

/// A passphrase-protected SSH key (ed25519 and RSA, made by the real `ssh-keygen -N`) is the
/// identity: what the real `age -R` wrote opens after its passphrase is typed, once per
/// command, never echoed; wrong passphrases are refused after three tries.
#[test]
fn a_passphrase_protected_ssh_key_opens_with_its_passphrase_at_a_terminal() {
    for kind in ["ed25519", "rsa"] {
        let s = team();
        let (key, public) = ssh_keygen(s.root(), kind, "locked", "pass-7f3a");
        s.cmd("sigil-recipients")
            .args(["add", &public, "team"])
            .assert()
            .success();
        age_encrypts(&s, &[&public], "team/deploy/api_key", "from-age");
        let env = [("SIGIL_IDENTITY_FILE", key.to_str().unwrap())];
        let get = "sigil-get team/deploy/api_key";
        let (screen, code) = crate::identity::on_tty(&s, get, &[(1, "pass-7f3a\\r")], &env);
        assert_eq!(code, 0, "{kind}: {screen}");
        assert!(screen.contains("from-age"), "{kind}: {screen}");
        assert!(!screen.contains("pass-7f3a"), "{kind}: echoed: {screen}");
        // The seal and the store both want the identity: one question.
        assert_eq!(
            screen.matches("passphrase for the SSH key").count(),
            1,
            "{screen}"
        );

        let typed = [(1, "nope\\r"), (1, "nope\\r"), (1, "nope\\r")];
        let (screen, code) = crate::identity::on_tty(&s, get, &typed, &env);
        assert_eq!(code, 4, "{kind}: {screen}");
        assert_eq!(
            screen.matches("wrong passphrase, try again").count(),
            2,
            "{screen}"
        );
        assert!(!screen.contains("from-age"), "{kind}: {screen}");
        let screen = screen.replace(&*s.root().to_string_lossy(), "[TMP]");
        assert!(
            screen.contains(
                "sigil-get: error: wrong passphrase for the SSH key in '[TMP]/locked' (SIGIL_IDENTITY_FILE)\n\
                 help: it is the passphrase `ssh-keygen -p -f FILE` changes; `ssh-keygen -y -f FILE` tells whether it is right"
            ),
            "{screen}"
        );
    }
}

/// Without a terminal the passphrase comes from `SIGIL_PASSPHRASE_FILE` (one try), and a
/// write to the key needs no passphrase at all: only its public half.
#[test]
fn a_protected_ssh_key_takes_its_passphrase_from_a_file_and_writes_need_none() {
    let s = Sandbox::new();
    let (key, _) = ssh_keygen(s.root(), "ed25519", "locked", "pass-7f3a");
    let pass = crate::identity::pass_file(&s, "pass", "pass-7f3a");
    let wrong = crate::identity::pass_file(&s, "wrong", "nope");
    s.cmd("sigil-add")
        .env("SIGIL_IDENTITY_FILE", &key)
        .arg("solo/me")
        .write_stdin("mine")
        .assert()
        .success();
    // Neither `status` nor `init` asks for it: they need the public key only.
    for name in ["sigil-status", "sigil-init"] {
        let out = s
            .cmd(name)
            .env("SIGIL_IDENTITY_FILE", &key)
            .assert()
            .success();
        assert!(
            said(&out).contains("ssh-ed25519 AAAA"),
            "{name}: {}",
            said(&out)
        );
    }
    // `sigil unlock` keeps no SSH key: it says so rather than that nothing is protected.
    let out = s
        .cmd("sigil-unlock")
        .env("SIGIL_IDENTITY_FILE", &key)
        .env("SIGIL_PASSPHRASE_FILE", &pass)
        .assert()
        .code(2);
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    sigil-unlock: error: the identity comes from SIGIL_IDENTITY_FILE: `sigil unlock` keeps only sigil's own passphrase-protected identity unlocked
    help: a passphrase-protected SSH key is asked for once per command; unset SIGIL_IDENTITY_FILE to unlock sigil's own identity
    ---
    ");
    let screen = age_reads_with_passphrase(&key, &s.secret_file("solo/me/api_key"), "pass-7f3a");
    assert!(screen.ends_with("mine"), "{screen}");
    let out = s
        .cmd("sigil-get")
        .env("SIGIL_IDENTITY_FILE", &key)
        .env("SIGIL_PASSPHRASE_FILE", &pass)
        .args(["-n", "solo/me"])
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, b"mine");
    let out = s
        .cmd("sigil-get")
        .env("SIGIL_IDENTITY_FILE", &key)
        .env("SIGIL_PASSPHRASE_FILE", &wrong)
        .args(["-n", "solo/me"])
        .assert()
        .code(4);
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    sigil-get: error: wrong passphrase for the SSH key in '[TMP]/locked' (SIGIL_IDENTITY_FILE)
    help: it is the passphrase `ssh-keygen -p -f FILE` changes; `ssh-keygen -y -f FILE` tells whether it is right
    ---
    ");
}

/// stdout and stderr of a run.
fn said(out: &assert_cmd::assert::Assert) -> String {
    let o = out.get_output();
    String::from_utf8_lossy(&[&o.stdout[..], &o.stderr[..]].concat()).into_owned()
}

/// The screen of the real `age -d -i KEY FILE`, typing the key's passphrase at a terminal.
fn age_reads_with_passphrase(key: &Path, file: &Path, pass: &str) -> String {
    need("script");
    need("age");
    let out = Std::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "(sleep 1; printf '{pass}\\r'; sleep 1) | script -qec \"age -d -i '{}' '{}'\" /dev/null",
            key.display(),
            file.display()
        ))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}
