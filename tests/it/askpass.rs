//! `sigil askpass` (`sigil-askpass`): the prompt grammar directly, and a real `git clone` over
//! HTTP with `GIT_ASKPASS=sigil-askpass` against `git http-backend` behind basic auth.

use crate::git_credential::{GitServer, Logged, ok, seeded_bare};
use crate::support::*;
use assert_cmd::Command;
use std::fs;
use std::time::{Duration, Instant};

const BIN: &str = "sigil-askpass";

/// Runs `sigil-askpass PROMPT`.
fn askpass(s: &Sandbox, prompt: &str) -> std::process::Output {
    s.cmd(BIN)
        .arg(prompt)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap()
}

/// The answer to `prompt`, or `None` for a refusal: exit 1, nothing on stdout, the reason on
/// stderr.
fn answer(s: &Sandbox, prompt: &str) -> Option<String> {
    let out = askpass(s, prompt);
    if out.status.code() == Some(1) && out.stdout.is_empty() {
        let err = stderr(&out);
        assert!(err.contains("sigil-askpass: error: "), "{prompt:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        return None;
    }
    assert!(out.status.success(), "{prompt:?}: {out:?}");
    Some(String::from_utf8(out.stdout).unwrap())
}

fn map(s: &Sandbox, key: &str, address: &str, username: Option<&str>) {
    let config = s.home.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap_or_default();
    text.push_str(&format!("\n[askpass.\"{key}\"]\naddress = \"{address}\"\n"));
    if let Some(u) = username {
        text.push_str(&format!("username = \"{u}\"\n"));
    }
    fs::write(config, text).unwrap();
}

fn audit_log(s: &Sandbox) -> String {
    fs::read_to_string(s.home.join("audit.log")).unwrap_or_default()
}

/// git in the sandbox with `GIT_ASKPASS=sigil-askpass`, no credential helper and no terminal
/// prompt: the askpass program is the only way it gets a password.
fn git(s: &Sandbox) -> Command {
    let mut c = crate::git_credential::git(s);
    c.env("GIT_ASKPASS", bin(BIN));
    c
}

/// An identity for commits, and nothing else of git's configuration.
fn git_identity(s: &Sandbox) {
    for (k, v) in [
        ("user.name", "Test"),
        ("user.email", "test@example.com"),
        ("init.defaultBranch", "main"),
    ] {
        ok(
            &git(s).args(["config", "--global", k, v]).output().unwrap(),
            "git config",
        );
    }
}

/// A git server with one repository for `alice` with `password`.
fn server(s: &Sandbox, password: &str) -> GitServer {
    git_identity(s);
    let srv = s.root().join("srv");
    seeded_bare(s, &srv, "repo.git");
    GitServer::start(&srv, s.root().join("http-backend.log"), "alice", password)
}

fn sent_password(log: &[Logged], password: &str) -> bool {
    let header = format!(
        "Basic {}",
        crate::git_credential::base64(format!("alice:{password}").as_bytes())
    );
    log.iter().any(|l| l.3.as_deref() == Some(header.as_str()))
}

#[test]
fn git_clones_over_http_with_sigil_askpass() {
    let s = Sandbox::init();
    let password = "correct horse battery staple";
    let server = server(&s, password);
    s.add("corp/alice", password.as_bytes());
    let origin = format!("http://alice@127.0.0.1:{}", server.port);
    map(&s, &origin, "corp/alice", None);
    // The URL with the user: git asks only for the password.
    let out = git(&s)
        .args(["clone", &server.url("alice", "repo.git"), "one"])
        .output()
        .unwrap();
    ok(&out, "git clone");
    assert_eq!(
        fs::read_to_string(s.root().join("one/README")).unwrap(),
        "hello\n"
    );
    assert!(!stderr(&out).contains(password));
    // Without it: git asks for the username first, and gets the mapping's.
    let bare = format!("http://127.0.0.1:{}/repo.git", server.port);
    ok(
        &git(&s).args(["clone", &bare, "two"]).output().unwrap(),
        "git clone without a user",
    );
    let log = server.log_until(|l| l.iter().filter(|e| e.2 == 200).count() >= 4);
    assert!(sent_password(&log, password), "{log:?}");
    let audit = audit_log(&s);
    let answers = audit
        .lines()
        .filter(|l| {
            l.contains("\"event\":\"askpass\",\"addresses\":[\"corp/alice/api_key\"],\"outcome\":\"ok\",\"binary\":\"sigil-askpass\"")
        })
        .count();
    assert_eq!(answers, 2, "{audit}");
    assert!(!audit.contains(password));
}

/// The prompt is attacker-influenced text: only a prompt of exactly a known form, naming
/// exactly a mapped key, is answered. The same server under another name gets nothing from
/// real git, and no look-alike prompt is answered with the mapped secret or anything else.
#[test]
fn only_the_exact_origin_is_answered() {
    let s = Sandbox::init();
    let password = "correct horse battery staple";
    let server = server(&s, password);
    s.add("corp/alice", password.as_bytes());
    let port = server.port;
    let origin = format!("http://alice@127.0.0.1:{port}");
    map(&s, &origin, "corp/alice", None);
    let url = format!("http://alice@localhost:{port}/repo.git");
    let out = git(&s).args(["clone", &url, "work"]).output().unwrap();
    assert!(!out.status.success());
    assert!(!sent_password(&server.log_until(|_| false), password));

    let mapped = format!("Password for '{origin}': ");
    assert_eq!(
        answer(&s, &mapped).as_deref(),
        Some(&*format!("{password}\n"))
    );
    for prompt in [
        format!("Password for 'http://alice@localhost:{port}': "),
        format!("Password for 'https://alice@127.0.0.1:{port}': "),
        format!("Password for 'http://bob@127.0.0.1:{port}': "),
        format!("Password for 'http://alice@127.0.0.1:{}': ", port + 1),
        format!("Password for 'http://alice@127.0.0.1:{port}.evil.example': "),
        format!("Password for 'http://alice@127.0.0.1:{port}/repo.git': "),
        format!("Password for 'http://alice@evil.example/{origin}': "),
        format!("Password for 'http://evil.example@alice@127.0.0.1:{port}': "),
        format!("Password for 'http://alice@127.0.0.1:{port}' "),
        format!("Password for 'http://alice@127.0.0.1:{port}':"),
        format!("{mapped}{mapped}"),
        format!("Password for 'http://evil.example': {mapped}"),
        format!("x{mapped}"),
        format!("Password for 'HTTP://alice@127.0.0.1:{port}': "),
        origin.clone(),
        "Password: ".into(),
        "alice@127.0.0.1's password: ".into(),
        format!("Username for 'http://localhost:{port}': "),
    ] {
        assert_eq!(answer(&s, &prompt), None, "{prompt:?}");
    }
    assert_eq!(
        answer(&s, &format!("Username for 'http://127.0.0.1:{port}': ")).as_deref(),
        Some("alice\n")
    );
    // ssh and sudo prompts, by their own keys; ssh's host-key questions never, whatever is
    // mapped.
    s.add("hosts/me", b"ssh-pw");
    s.add("local/sudo", b"sudo-pw");
    map(&s, "ssh:me@host.example", "hosts/me", None);
    map(&s, "sudo:me", "local/sudo", None);
    map(&s, "ssh-key:/home/me/.ssh/id_ed25519", "hosts/me", None);
    for (prompt, want) in [
        ("me@host.example's password: ", "ssh-pw\n"),
        ("(me@host.example) Password: ", "ssh-pw\n"),
        ("[sudo] password for me: ", "sudo-pw\n"),
        (
            "Enter passphrase for key '/home/me/.ssh/id_ed25519': ",
            "ssh-pw\n",
        ),
    ] {
        assert_eq!(answer(&s, prompt).as_deref(), Some(want), "{prompt:?}");
    }
    for prompt in [
        "The authenticity of host 'host.example (127.0.0.1)' can't be established.\n\
         ED25519 key fingerprint is SHA256:x.\n\
         Are you sure you want to continue connecting (yes/no/[fingerprint])? ",
        "Are you sure you want to continue connecting (yes/no/[fingerprint])? ",
        "Please type 'yes', 'no' or the fingerprint: ",
        "Allow use of key /home/me/.ssh/id_ed25519?\nKey fingerprint SHA256:x.",
        "Confirm user presence for key ED25519 SHA256:x",
        "me@host.example.evil's password: ",
        "me@host.example's password:",
        "[sudo] password for root: ",
        "[sudo] password for me:  ",
        "Enter passphrase for key '/home/me/.ssh/id_ed25519.evil': ",
        "Enter PIN for key '/home/me/.ssh/id_ed25519': ",
    ] {
        assert_eq!(answer(&s, prompt), None, "{prompt:?}");
    }
}

#[test]
fn a_policy_without_askpass_refuses_at_once() {
    let s = Sandbox::init();
    let password = "correct horse battery staple";
    let server = server(&s, password);
    s.add("corp/alice", password.as_bytes());
    map(
        &s,
        &format!("http://alice@127.0.0.1:{}", server.port),
        "corp/alice",
        None,
    );
    s.cmd("sigil-policy")
        .args(["set", "corp/alice", "--allow", "get,git"])
        .assert()
        .success();
    let started = Instant::now();
    let out = git(&s)
        .args(["clone", &server.url("alice", "repo.git"), "work"])
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(30), "git hung");
    assert!(!out.status.success());
    let prompt = format!("Password for 'http://alice@127.0.0.1:{}': ", server.port);
    let out = askpass(&s, &prompt);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains(
            "the policy of 'corp/alice' refuses `sigil askpass`: --allow get,git does not include askpass"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        audit_log(&s).contains(
            "\"event\":\"askpass\",\"addresses\":[\"corp/alice\"],\"outcome\":\"refused\""
        ),
        "{}",
        audit_log(&s)
    );
    s.cmd("sigil-policy")
        .args(["set", "corp/alice", "--allow", "askpass"])
        .assert()
        .success();
    ok(
        &git(&s)
            .args(["clone", &server.url("alice", "repo.git"), "work"])
            .output()
            .unwrap(),
        "git clone",
    );
}

/// What is not the protocol is its error, never a panic or a hang: stdin is never read, a
/// missing or extra argument is a usage error (exit 2), a prompt with control characters is
/// refused without them reaching the terminal, and a malformed table is an error.
#[test]
fn garbage_is_the_protocols_error_without_a_panic() {
    let s = Sandbox::init();
    s.add("corp/alice", b"pw");
    map(&s, "https://alice@git.example", "corp/alice", None);
    let prompt = "Password for 'https://alice@git.example': ";
    let out = s
        .cmd(BIN)
        .arg(prompt)
        .write_stdin(vec![0xffu8; 1 << 20])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"pw\n", "{out:?}");
    for args in [&[][..], &[prompt, "extra"], &["--nope", prompt]] {
        let out = s.cmd(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty());
        assert!(!stderr(&out).contains("panicked"));
    }
    let out = s
        .cmd(BIN)
        .arg(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"\xff: "))
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty());
    let out = askpass(
        &s,
        "\u{1b}]0;title\u{7}Password for 'https://alice@git.example': ",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(!stderr(&out).contains('\u{1b}'), "{}", stderr(&out));
    map(&s, "git.example", "corp/alice", None);
    let out = askpass(&s, prompt);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("config.toml maps the askpass prompt 'git.example'"),
        "{}",
        stderr(&out)
    );
}

/// An ssh-agent of the test's own, on a socket in the sandbox; killed when dropped.
struct Agent {
    child: std::process::Child,
    socket: std::path::PathBuf,
}

impl Agent {
    fn start(s: &Sandbox) -> Agent {
        need("ssh-agent");
        let socket = s.root().join("agent.sock");
        let child = std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "ssh-agent did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Agent { child, socket }
    }

    /// `ssh-add ARGS` with `SSH_ASKPASS=sigil-askpass` forced, no terminal and no display.
    fn add(&self, s: &Sandbox, args: &[&std::ffi::OsStr]) -> std::process::Output {
        need("ssh-add");
        let mut c = s.std_cmd("ssh-add");
        c.env("SSH_AUTH_SOCK", &self.socket)
            .env("SSH_ASKPASS", bin(BIN))
            .env("SSH_ASKPASS_REQUIRE", "force")
            .env_remove("DISPLAY")
            .args(args)
            .stdin(std::process::Stdio::null());
        let started = Instant::now();
        let out = c.output().unwrap();
        assert!(started.elapsed() < Duration::from_secs(30), "ssh-add hung");
        out
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A passphrase-protected ed25519 key at `path` (a test key: its passphrase in argv is fine).
fn keygen(path: &std::path::Path, passphrase: &str) {
    need("ssh-keygen");
    let out = std::process::Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-C",
            "sigil-test",
            "-N",
            passphrase,
            "-f",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// ssh-add asks SSH_ASKPASS for a key's passphrase: the mapped key is added, a key at
/// another path with the same passphrase is not (its prompt names another file).
#[test]
fn ssh_add_gets_a_key_passphrase_through_ssh_askpass() {
    let s = Sandbox::init();
    let agent = Agent::start(&s);
    let key = s.root().join("id_mapped");
    let other = s.root().join("id_mapped.evil");
    keygen(&key, "key-passphrase");
    keygen(&other, "key-passphrase");
    s.add("keys/mapped", b"key-passphrase");
    map(
        &s,
        &format!("ssh-key:{}", key.display()),
        "keys/mapped",
        None,
    );
    let out = agent.add(&s, &[other.as_os_str()]);
    assert!(!out.status.success(), "{out:?}");
    let out = agent.add(&s, &[key.as_os_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = agent.add(&s, &["-l".as_ref()]);
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(listed.contains("sigil-test"), "{listed}");
    let audit = audit_log(&s);
    assert!(
        audit.contains(
            "\"event\":\"askpass\",\"addresses\":[\"keys/mapped/api_key\"],\"outcome\":\"ok\""
        ),
        "{audit}"
    );
    assert!(!audit.contains("key-passphrase"));
}
