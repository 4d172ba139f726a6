//! `git-credential-sigil`: the helper protocol directly, through the real `git credential`,
//! and a real `git clone`/`git push` over HTTP against `git http-backend` behind basic auth.

use crate::support::*;
use assert_cmd::Command;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Runs the helper with `op` and `input` on stdin.
fn helper(s: &Sandbox, op: &str, input: &str) -> std::process::Output {
    s.cmd("git-credential-sigil")
        .arg(op)
        .write_stdin(input)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap()
}

/// `get`'s stdout, asserting a clean exit with nothing on stderr.
fn get(s: &Sandbox, input: &str) -> String {
    let out = helper(s, "get", input);
    assert!(out.status.success(), "{input:?}: {}", stderr(&out));
    assert_eq!(stderr(&out), "", "{input:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// `store` or `erase`, asserting a silent, clean exit.
fn quietly(s: &Sandbox, op: &str, input: &str) {
    let out = helper(s, op, input);
    assert!(out.status.success(), "{op} {input:?}: {}", stderr(&out));
    assert_eq!(stderr(&out), "", "{op} {input:?}");
    assert!(out.stdout.is_empty(), "{op} prints nothing");
}

fn stored(s: &Sandbox, addr: &str) -> Option<Vec<u8>> {
    let out = s
        .cmd("sigil-get")
        .args(["-n", "--no-refresh", addr])
        .output()
        .unwrap();
    match out.status.code() {
        Some(0) => Some(out.stdout),
        Some(3) => None,
        _ => panic!("sigil-get {addr}: {}", stderr(&out)),
    }
}

/// Maps `origin` to `address` for git in the sandbox's config.toml.
fn map_origin(s: &Sandbox, origin: &str, address: &str) {
    let config = s.home.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap_or_default();
    text.push_str(&format!("\n[git.\"{origin}\"]\naddress = \"{address}\"\n"));
    fs::write(config, text).unwrap();
}

#[test]
fn get_answers_for_mapped_origins_and_catalogue_hosts() {
    let s = Sandbox::init();
    s.add("corp/alice", b"s3cret");
    map_origin(&s, "https://git.example.com", "corp/alice");
    let out = get(
        &s,
        "protocol=https\nhost=git.example.com\nusername=alice\n\n",
    );
    assert_eq!(out, "username=alice\npassword=s3cret\n");
    // The host is compared case-insensitively, the default port is no port, url= is split as
    // git does, and without a username the mapped one answers.
    for input in [
        "protocol=https\nhost=Git.Example.COM:443\nusername=alice\n",
        "url=https://alice@git.example.com/\n",
        "url=https://al%69ce@git.example.com\n",
        "host=other\nusername=bob\nurl=https://alice@git.example.com\n",
        "protocol=https\nhost=git.example.com\n",
    ] {
        assert_eq!(get(&s, input), out, "{input:?}");
    }

    // Catalogue hosts map to their provider's service over https.
    s.add("github/octo-cat", b"ghp_x");
    s.add("gitlab/me", b"glpat-y");
    insta::assert_snapshot!(get(&s, "protocol=https\nhost=github.com\nusername=octo-cat\n"), @r"
    username=octo-cat
    password=ghp_x
    ");
    insta::assert_snapshot!(get(&s, "url=https://gitlab.com/group/project.git\n"), @r"
    username=me
    password=glpat-y
    ");

    // What git 2.4x really sends, with attributes sigil does not know.
    let real = "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=github.com\n\
                wwwauth[]=Basic realm=\"GitHub\"\nwwwauth[]=\npassword_expiry_utc=1700000000\n\
                oauth_refresh_token=r\nephemeral=1\nstate[]=x\nquit=0\nusername=octo-cat\n\
                some-future-key=1\n\n";
    insta::assert_snapshot!(get(&s, real), @r"
    username=octo-cat
    password=ghp_x
    ");
}

/// Every way a request can differ from the origin a credential belongs to gets no answer.
#[test]
fn origins_must_match_exactly() {
    let s = Sandbox::init();
    s.add("github/me", b"ghp_user");
    s.add("corp/me", b"corp-pw");
    map_origin(&s, "http://127.0.0.1:8080", "corp/me");
    let stored = [
        "url=https://me:at-root@git.example.com\n",
        "url=https://me:at-path@git.example.com/team/repo.git\n",
        "url=https://me:at-idn@xn--bcher-kva.example\n",
    ];
    for input in stored {
        quietly(&s, "store", input);
    }
    let table: &[(&str, &str)] = &[
        // The catalogue: https on the default port only, and only its real host names.
        ("protocol=https\nhost=github.com\nusername=me\n", "ghp_user"),
        ("protocol=https\nhost=GITHUB.COM\nusername=me\n", "ghp_user"),
        (
            "protocol=https\nhost=github.com:443\nusername=me\n",
            "ghp_user",
        ),
        (
            "protocol=https\nhost=github.com\npath=o/r.git\nusername=me\n",
            "ghp_user",
        ),
        ("protocol=http\nhost=github.com\nusername=me\n", ""),
        ("protocol=https\nhost=github.com:8443\nusername=me\n", ""),
        ("protocol=https\nhost=github\nusername=me\n", ""),
        ("protocol=http\nhost=github:18080\nusername=me\n", ""),
        ("protocol=https\nhost=github.com.\nusername=me\n", ""),
        (
            "protocol=https\nhost=github.com.evil.example\nusername=me\n",
            "",
        ),
        ("protocol=https\nhost=corp\nusername=me\n", ""),
        ("protocol=ssh\nhost=github.com\nusername=me\n", ""),
        // A mapped plain-http origin: exactly that one.
        ("protocol=http\nhost=127.0.0.1:8080\n", "corp-pw"),
        ("url=http://me@127.0.0.1:8080\n", "corp-pw"),
        ("protocol=https\nhost=127.0.0.1:8080\n", ""),
        ("protocol=http\nhost=127.0.0.1\n", ""),
        ("protocol=http\nhost=127.0.0.1:8081\n", ""),
        ("protocol=http\nhost=localhost:8080\n", ""),
        ("protocol=http\nhost=127.0.0.1:8080\nusername=other\n", ""),
        // What git stored: its origin, with its path or without one.
        ("protocol=https\nhost=git.example.com\n", "at-root"),
        (
            "protocol=https\nhost=Git.Example.com\nusername=me\n",
            "at-root",
        ),
        (
            "protocol=https\nhost=git.example.com\npath=team/repo.git\n",
            "at-path",
        ),
        ("url=https://git.example.com/team/repo.git/\n", "at-path"),
        (
            "protocol=https\nhost=git.example.com\npath=team/other.git\n",
            "",
        ),
        ("protocol=https\nhost=git.example.com\npath=team\n", ""),
        ("protocol=http\nhost=git.example.com\n", ""),
        ("protocol=https\nhost=git.example.com:8443\n", ""),
        ("protocol=https\nhost=example.com\n", ""),
        ("protocol=https\nhost=git.example.com.\n", ""),
        ("protocol=https\nhost=git.example.com\nusername=you\n", ""),
        // Internationalised names compare in their ASCII form.
        ("protocol=https\nhost=bücher.example\n", "at-idn"),
        ("protocol=https\nhost=BÜCHER.example\n", "at-idn"),
        ("url=https://b%C3%BCcher.example\n", "at-idn"),
        ("protocol=https\nhost=bucher.example\n", ""),
    ];
    for (input, want) in table {
        let out = get(&s, input);
        let password = out
            .lines()
            .find_map(|l| l.strip_prefix("password="))
            .unwrap_or("");
        assert_eq!(password, *want, "{input:?}");
    }
}

#[test]
fn get_is_silent_when_it_has_nothing() {
    let s = Sandbox::init();
    for input in [
        "url=https://one:1@example.com\n",
        "url=https://two:2@example.com\n",
    ] {
        quietly(&s, "store", input);
    }
    let long = format!(
        "protocol=https\nhost=example.com\nusername={}\n",
        "a".repeat(129)
    );
    for input in [
        "",
        "\n",
        "protocol=https\nhost=nowhere.example\nusername=one\n",
        "protocol=https\nhost=example.com\nusername=three\n",
        // Two credentials and no username: no guess.
        "protocol=https\nhost=example.com\n",
        "protocol=https\nhost=example.com\nusername=one\nusername=\n",
        &long,
        // No protocol, or hosts that are not hosts.
        "host=example.com\nusername=one\n",
        "protocol=https\nusername=one\n",
        "protocol=https\nhost=\nusername=one\n",
        "protocol=https\nhost=exa mple.com\nusername=one\n",
        "protocol=https\nhost=example.com:https\nusername=one\n",
        "url=cert:///home/me/cert.pem\n",
    ] {
        assert_eq!(get(&s, input), "", "{input:?}");
    }
    // Not even initialised: still nothing, not an error.
    let empty = Sandbox::new();
    assert_eq!(
        get(&empty, "protocol=https\nhost=example.com\nusername=one\n"),
        ""
    );
    assert_eq!(get(&empty, "protocol=https\nhost=example.com\n"), "");
}

#[test]
fn unknown_operations_are_ignored() {
    let s = Sandbox::init();
    quietly(&s, "store", "url=https://one:1@example.com\n");
    for op in ["capability", "list", "GET", "fill", ""] {
        let out = helper(&s, op, "protocol=https\nhost=example.com\nusername=one\n\n");
        assert!(out.status.success(), "{op:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{op:?}");
    }
    assert_eq!(stored(&s, "example.com/one"), Some(b"1".to_vec()));
    // Without an operation it is a usage error, as for every binary.
    s.cmd("git-credential-sigil").assert().code(2).stdout("");
}

#[test]
fn store_saves_what_git_approved_bound_to_its_origin() {
    let s = Sandbox::init();
    quietly(
        &s,
        "store",
        "protocol=https\nhost=git.example.com:8443\nusername=alice\npassword=pw-1\n\
         password_expiry_utc=9999999999\noauth_refresh_token=rt-1\n\n",
    );
    assert_eq!(
        stored(&s, "git.example.com-8443/alice"),
        Some(b"pw-1".to_vec())
    );
    let accounts = s.home.join("accounts.toml");
    let text = fs::read_to_string(&accounts).unwrap();
    assert!(
        text.contains(
            "[accounts.\"git.example.com-8443/alice\".bound]\nby = \"git\"\n\
             origin = \"https://git.example.com:8443\"\nusername = \"alice\"\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("expires_at = \"2286-11-20T17:46:39Z\""),
        "{text}"
    );
    let out = get(&s, "url=https://git.example.com:8443\n");
    assert_eq!(
        out,
        "username=alice\npassword=pw-1\npassword_expiry_utc=9999999999\noauth_refresh_token=rt-1\n"
    );

    // The same again changes nothing, not even the metadata's timestamps.
    let before = fs::read(&accounts).unwrap();
    let file = s.secret_file("git.example.com-8443/alice/api_key");
    let mtime = fs::metadata(&file).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    quietly(
        &s,
        "store",
        "url=https://alice@git.example.com:8443\npassword=pw-1\npassword_expiry_utc=9999999999\n\
         oauth_refresh_token=rt-1\n",
    );
    assert_eq!(fs::read(&accounts).unwrap(), before);
    assert_eq!(fs::metadata(&file).unwrap().modified().unwrap(), mtime);

    // A new value replaces the old one (and an expiry or refresh token no longer sent goes).
    quietly(
        &s,
        "store",
        "url=https://alice:pw%3D2@git.example.com:8443\n",
    );
    assert_eq!(
        get(&s, "url=https://git.example.com:8443\n"),
        "username=alice\npassword=pw=2\n"
    );
    assert!(
        !s.secret_file("git.example.com-8443/alice/oauth_refresh_token")
            .exists()
    );

    // Nothing to store, or nowhere to store it: nothing happens.
    for input in [
        "protocol=https\nhost=git.example.com:8443\npassword=x\n",
        "protocol=https\nhost=git.example.com:8443\nusername=alice\n",
        "protocol=https\nhost=git.example.com:8443\nusername=alice\npassword=x\nephemeral=1\n",
        "protocol=https\nusername=alice\npassword=x\n",
        "host=git.example.com\nusername=alice\npassword=x\n",
        "protocol=https\nhost=exa mple.com\nusername=alice\npassword=x\n",
    ] {
        quietly(&s, "store", input);
    }
    let out = s.cmd("sigil-list").assert().success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout)
            .lines()
            .count(),
        1
    );
}

#[test]
fn store_and_erase_touch_only_what_git_owns() {
    let s = Sandbox::init();
    s.add("github/me", b"ghp_user");
    s.add("git.example.com/alice", b"added-by-hand");
    let gh = "protocol=https\nhost=github.com\nusername=me\n";
    // git approves the token it was given: nothing to do.
    quietly(&s, "store", &format!("{gh}password=ghp_user\n"));
    // git rejects it: it stays, and the user is told.
    let out = helper(&s, "erase", &format!("{gh}password=ghp_user\n"));
    assert!(out.status.success());
    insta::assert_snapshot!(stderr(&out), @"git-credential-sigil: kept 'github/me/api_key': git rejected it, but git did not store it (replace it with `sigil add github/me --force`)");
    // Erasing everything for the host, with or without a username, erases nothing of the user's.
    quietly(&s, "erase", "protocol=https\nhost=github.com\n");
    quietly(&s, "erase", "protocol=https\nhost=git.example.com\n");
    quietly(
        &s,
        "erase",
        "protocol=https\nhost=git.example.com\nusername=alice\n",
    );
    assert_eq!(stored(&s, "github/me"), Some(b"ghp_user".to_vec()));
    assert_eq!(
        stored(&s, "git.example.com/alice"),
        Some(b"added-by-hand".to_vec())
    );
    // A password typed at git's prompt is git's own, beside the user's account.
    quietly(&s, "store", &format!("{gh}password=typed-pat\n"));
    assert_eq!(stored(&s, "github/me"), Some(b"ghp_user".to_vec()));
    assert_eq!(stored(&s, "github.com/me"), Some(b"typed-pat".to_vec()));
    assert_eq!(get(&s, gh), "username=me\npassword=typed-pat\n");
    quietly(&s, "store", "url=https://alice:by-git@git.example.com\n");
    assert_eq!(
        stored(&s, "git.example.com-2/alice"),
        Some(b"by-git".to_vec())
    );
    assert_eq!(
        stored(&s, "git.example.com/alice"),
        Some(b"added-by-hand".to_vec())
    );

    // An old password is rejected: the newer one stays. The stored one: it goes.
    quietly(&s, "erase", &format!("{gh}password=older\n"));
    assert_eq!(stored(&s, "github.com/me"), Some(b"typed-pat".to_vec()));
    quietly(&s, "erase", &format!("{gh}password=typed-pat\n"));
    assert_eq!(stored(&s, "github.com/me"), None);
    assert_eq!(get(&s, gh), "username=me\npassword=ghp_user\n");

    // A mapped origin is the user's word that git may manage it.
    map_origin(&s, "https://git.corp.example", "git.example.com/alice");
    let corp = "protocol=https\nhost=git.corp.example\nusername=alice\n";
    quietly(&s, "store", &format!("{corp}password=rotated\n"));
    assert_eq!(
        stored(&s, "git.example.com/alice"),
        Some(b"rotated".to_vec())
    );
    quietly(&s, "erase", &format!("{corp}password=rotated\n"));
    assert_eq!(stored(&s, "git.example.com/alice"), None);
    assert_eq!(
        stored(&s, "git.example.com-2/alice"),
        Some(b"by-git".to_vec())
    );
}

#[test]
fn a_policy_without_git_refuses_get_store_and_erase() {
    let s = Sandbox::init();
    quietly(&s, "store", "url=https://alice:pw@git.example.com\n");
    s.add("github/me", b"ghp_user");
    for addr in ["git.example.com/alice", "github/me"] {
        s.cmd("sigil-policy")
            .args(["set", addr, "--allow", "get"])
            .assert()
            .success();
    }
    for (op, input) in [
        ("get", "url=https://git.example.com\n"),
        ("store", "url=https://alice:new@git.example.com\n"),
        ("erase", "url=https://alice:pw@git.example.com\n"),
        ("get", "url=https://me@github.com\n"),
    ] {
        let out = helper(&s, op, input);
        assert_eq!(out.status.code(), Some(5), "{op} {input}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
        assert!(
            stderr(&out)
                .contains("refuses `git-credential-sigil`: --allow get does not include git"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(stored(&s, "git.example.com/alice"), Some(b"pw".to_vec()));
}

#[test]
fn errors_that_matter_go_to_stderr_and_never_show_the_secret() {
    let s = Sandbox::init();
    quietly(&s, "store", "url=https://alice:s3cret@git.example.com\n");
    let q = "protocol=https\nhost=git.example.com\nusername=alice\n";

    let f = s.secret_file("git.example.com/alice/api_key");
    chmod(&f, 0o644);
    let out = helper(&s, "get", q);
    assert_eq!(out.status.code(), Some(5));
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(s.redact(&out.stderr), @r"
    git-credential-sigil: error: '[TMP]/home/store/git.example.com/alice/api_key.age' is accessible by other users (mode 0644)
    help: run `chmod 600 '[TMP]/home/store/git.example.com/alice/api_key.age'`
    ");
    chmod(&f, 0o600);

    // A secret git cannot carry is reported, not cut.
    s.add("corp/pem", b"line 1\nline 2");
    map_origin(&s, "https://pem.example.com", "corp/pem");
    let out = helper(&s, "get", "url=https://pem.example.com\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(stderr(&out), @r"
    git-credential-sigil: error: 'corp/pem/api_key' holds a line break or NUL byte, which git's credential protocol cannot carry
    help: store a one-line password for git in that field
    ");

    // Garbage in: a usage error that does not repeat the line (it may be a password).
    let out = helper(&s, "store", "host=git.example.com\nhunter2\n");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "git-credential-sigil: error: line 2 of the credential description is not key=value\n"
    );
    let out = helper(&s, "get", "url=git.example.com/hunter2\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("hunter2"), "{}", stderr(&out));

    // A mapping that is not an origin is an error on every call, never a guess.
    let bad = Sandbox::init();
    map_origin(&bad, "git.example.com", "corp/me");
    let out = helper(&bad, "get", q);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&out), @r#"
    git-credential-sigil: error: config.toml maps the git origin 'git.example.com', which is a URL with no scheme
    help: write it as [git."https://host[:port][/path]"] with address = "service/account"
    "#);

    // A wrong identity is an authentication error (exit 4), on every operation.
    let other = Sandbox::init();
    for (op, input) in [
        ("get", q.to_owned()),
        ("store", format!("{q}password=s3cret-2\n")),
        ("erase", format!("{q}password=s3cret\n")),
    ] {
        let out = s
            .cmd("git-credential-sigil")
            .arg(op)
            .env("SIGIL_IDENTITY_FILE", other.identity_file())
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(4), "{op}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
        let err = stderr(&out);
        assert!(err.starts_with("git-credential-sigil: error: "), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
    }
    assert_eq!(
        stored(&s, "git.example.com/alice"),
        Some(b"s3cret".to_vec())
    );
}

#[test]
fn an_oauth_account_is_given_to_git_but_not_changed_by_it() {
    let s = Sandbox::init();
    // What `sigil login` leaves: a token set recorded as an OAuth account.
    // The sandbox's identity, given, so that nothing in this process's environment counts.
    let identity = sigil::Identity::parse(
        &fs::read_to_string(s.identity_file()).unwrap(),
        sigil::IdentitySource::Given,
    )
    .unwrap();
    let sigil = sigil::Sigil::builder()
        .home(&s.home)
        .identity(identity)
        .backend(Some("file"))
        .open()
        .unwrap();
    let opts = sigil::PutOptions {
        kind: Some(sigil::Kind::Oauth),
        expires_at: time::OffsetDateTime::from_unix_timestamp(4_000_000_000).ok(),
        ..Default::default()
    };
    for (field, value) in [("token", "gho_access"), ("refresh_token", "ghr_refresh")] {
        let addr = format!("github/octo/{field}").parse().unwrap();
        sigil.put(&addr, &value.into(), &opts).unwrap();
    }
    let q = "protocol=https\nhost=github.com\nusername=octo\n";
    assert_eq!(
        get(&s, q),
        "username=octo\npassword=gho_access\npassword_expiry_utc=4000000000\n"
    );
    // git approves the token it was given: nothing to do, nothing said.
    quietly(&s, "store", &format!("{q}password=gho_access\n"));
    // An older token rejected: nothing to do.
    quietly(&s, "erase", &format!("{q}password=gho_older\n"));
    assert!(
        fs::read_to_string(s.home.join("accounts.toml"))
            .unwrap()
            .contains("2096-10-02")
    );
    // The token rejected: kept, and marked expired so that the next get refreshes it.
    let out = helper(&s, "erase", &format!("{q}password=gho_access\n"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "git-credential-sigil: 'github/octo/token' was rejected; it is marked expired and will \
         be refreshed when git asks next\n"
    );
    assert!(
        !fs::read_to_string(s.home.join("accounts.toml"))
            .unwrap()
            .contains("2096-10-02")
    );
    assert_eq!(
        stored(&s, "github/octo/token"),
        Some(b"gho_access".to_vec())
    );
    assert_eq!(
        stored(&s, "github/octo/refresh_token"),
        Some(b"ghr_refresh".to_vec())
    );
}

// ---------------------------------------------------------------------------------------
// With the real git.

/// A `git` command in the sandbox: our binaries first on PATH (so `credential.helper=sigil`
/// finds `git-credential-sigil`), HOME in the sandbox, no system config, no prompts, no
/// askpass, no keyring.
pub(crate) fn git(s: &Sandbox) -> Command {
    need("git");
    let mut c = Command::new("git");
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("SIGIL_") || k.starts_with("XDG_") || k.starts_with("GIT_") {
            c.env_remove(k);
        }
    }
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir().display());
    c.env("PATH", path)
        .env("SIGIL_HOME", &s.home)
        .env("HOME", s.root())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_ASKPASS")
        .env_remove("SSH_ASKPASS")
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("LC_ALL", "C")
        .env("NO_COLOR", "1")
        .current_dir(s.root())
        .timeout(Duration::from_secs(60));
    c
}

/// `git -c credential.helper=sigil credential ACTION` with `input`.
fn credential(s: &Sandbox, action: &str, input: &str) -> std::process::Output {
    git(s)
        .args(["-c", "credential.helper=sigil", "credential", action])
        .write_stdin(input)
        .output()
        .unwrap()
}

#[test]
fn git_credential_fill_approve_reject() {
    let s = Sandbox::init();
    let q = "protocol=https\nhost=git.example.com\nusername=alice\n\n";
    let with = |pw: &str| {
        format!("protocol=https\nhost=git.example.com\nusername=alice\npassword={pw}\n\n")
    };

    // Nothing stored: git would ask the user, but may not here.
    let out = credential(&s, "fill", q);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("terminal prompts disabled"),
        "{}",
        stderr(&out)
    );

    let out = credential(&s, "approve", &with("pw-1"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stored(&s, "git.example.com/alice"), Some(b"pw-1".to_vec()));

    let out = credential(&s, "fill", q);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap(), @r"
    protocol=https
    host=git.example.com
    username=alice
    password=pw-1
    ");
    // git splits url= itself, drops the path for https, and takes the username from us.
    let out = credential(&s, "fill", "url=https://git.example.com/team/repo.git\n\n");
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap(), @r"
    protocol=https
    host=git.example.com
    username=alice
    password=pw-1
    ");
    // Another port is another origin: git would have to ask the user.
    let out = credential(
        &s,
        "fill",
        "url=https://git.example.com:8443/team/repo.git\n\n",
    );
    assert!(!out.status.success());

    // An old password is rejected: the stored one stays. The stored one: it goes.
    let out = credential(&s, "reject", &with("pw-0"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stored(&s, "git.example.com/alice"), Some(b"pw-1".to_vec()));
    let out = credential(&s, "reject", &with("pw-1"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stored(&s, "git.example.com/alice"), None);
    assert!(!credential(&s, "fill", q).status.success());
}

// ---------------------------------------------------------------------------------------
// A real clone and push over HTTP.

/// Basic auth's base64 (RFC 4648), for the expected `Authorization` header.
pub(crate) fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One request the server answered: method, path, status and the `Authorization` header.
pub(crate) type Logged = (String, String, u16, Option<String>);

/// A smart-HTTP git server on 127.0.0.1 with a random port: `git http-backend` run as a CGI
/// program for every request that carries the right basic-auth credential, 401 for the rest.
/// One thread, one connection at a time, `Connection: close`; stopped when dropped.
pub(crate) struct GitServer {
    pub(crate) port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    log: Arc<Mutex<Vec<Logged>>>,
}

impl GitServer {
    pub(crate) fn start(
        project_root: &Path,
        cgi_log: PathBuf,
        user: &str,
        password: &str,
    ) -> GitServer {
        need("git");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let auth = Auth {
            header: format!("Basic {}", base64(format!("{user}:{password}").as_bytes())),
            user: user.to_owned(),
        };
        let root = project_root.to_owned();
        let (stop2, log2) = (stop.clone(), log.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                match serve(conn, &root, &cgi_log, &auth) {
                    Ok(entry) => log2.lock().unwrap().push(entry),
                    Err(e) => eprintln!("test server: {e}"),
                }
            }
        });
        GitServer {
            port,
            stop,
            thread: Some(thread),
            log,
        }
    }

    pub(crate) fn url(&self, user: &str, repo: &str) -> String {
        format!("http://{user}@127.0.0.1:{}/{repo}", self.port)
    }

    /// The requests served so far, waiting (up to 10 s) until `done` holds for them: the
    /// server records a request after answering it, so git may exit before the last entry.
    pub(crate) fn log_until(&self, done: impl Fn(&[Logged]) -> bool) -> Vec<Logged> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut seen = Vec::new();
        loop {
            seen.extend(self.take_log());
            if done(&seen) || std::time::Instant::now() > deadline {
                return seen;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn take_log(&self) -> Vec<Logged> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Auth {
    header: String,
    user: String,
}

/// Answers one request.
fn serve(conn: TcpStream, root: &Path, cgi_log: &Path, auth: &Auth) -> std::io::Result<Logged> {
    conn.set_read_timeout(Some(Duration::from_secs(20)))?;
    conn.set_write_timeout(Some(Duration::from_secs(20)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = match (parts.next(), parts.next()) {
        (Some(m), Some(t)) => (m.to_owned(), t.to_owned()),
        _ => return Err(std::io::Error::other(format!("bad request line {line:?}"))),
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        read_chunked(&mut reader)?
    } else {
        let n: usize = header("content-length").map_or(0, |v| v.parse().unwrap_or(0));
        let mut b = vec![0; n];
        reader.read_exact(&mut b)?;
        b
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut out = conn;
    let authorization = header("authorization").map(str::to_owned);
    if authorization.as_deref() != Some(auth.header.as_str()) {
        out.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\
              Content-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
        return Ok((method, path.to_owned(), 401, authorization));
    }

    let mut cgi = std::process::Command::new("git");
    cgi.arg("http-backend")
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_TYPE", header("content-type").unwrap_or(""))
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("REMOTE_USER", &auth.user)
        .env("REMOTE_ADDR", "127.0.0.1");
    for (k, v) in &headers {
        if !matches!(
            k.as_str(),
            "authorization" | "content-type" | "content-length" | "transfer-encoding"
        ) {
            cgi.env(
                format!("HTTP_{}", k.to_ascii_uppercase().replace('-', "_")),
                v,
            );
        }
    }
    let errors = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(cgi_log)?;
    let mut child = cgi
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(errors)
        .spawn()?;
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&body));
    let mut output = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut output)?;
    let _ = writer.join();
    child.wait()?;

    // CGI headers end at the first blank line; `Status:` becomes the status line.
    let split = find(&output, b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| find(&output, b"\n\n").map(|i| (i, i + 2)))
        .ok_or_else(|| std::io::Error::other("http-backend printed no headers"))?;
    let head = String::from_utf8_lossy(&output[..split.0]).into_owned();
    let content = &output[split.1..];
    let mut status = "200 OK".to_owned();
    let mut response = String::new();
    for l in head.lines() {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        if k.eq_ignore_ascii_case("status") {
            status = v.trim().to_owned();
        } else if !k.eq_ignore_ascii_case("content-length") {
            response.push_str(&format!("{}: {}\r\n", k.trim(), v.trim()));
        }
    }
    let code: u16 = status
        .split_whitespace()
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or(500);
    out.write_all(
        format!(
            "HTTP/1.1 {status}\r\n{response}Content-Length: {}\r\nConnection: close\r\n\r\n",
            content.len()
        )
        .as_bytes(),
    )?;
    out.write_all(content)?;
    out.flush()?;
    Ok((method, path.to_owned(), code, authorization))
}

fn read_chunked(r: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        r.read_line(&mut size)?;
        let hex = size.trim().split(';').next().unwrap_or("");
        let n = usize::from_str_radix(hex, 16).map_err(std::io::Error::other)?;
        if n == 0 {
            // Trailers, then the blank line.
            loop {
                let mut l = String::new();
                if r.read_line(&mut l)? == 0 || l.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + n, 0);
        r.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        r.read_exact(&mut crlf)?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub(crate) fn ok(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        stderr(out)
    );
}

#[test]
fn base64_is_rfc_4648() {
    assert_eq!(
        base64(b"Aladdin:open sesame"),
        "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );
    assert_eq!(base64(b"ab"), "YWI=");
    assert_eq!(base64(b"abc"), "YWJj");
    assert_eq!(base64(b""), "");
}

/// `git config credential.helper sigil` (all the setup git needs) and an identity for commits.
fn git_setup(s: &Sandbox) {
    for (k, v) in [
        ("credential.helper", "sigil"),
        ("user.name", "Test"),
        ("user.email", "test@example.com"),
        ("init.defaultBranch", "main"),
        ("advice.detachedHead", "false"),
    ] {
        ok(
            &git(s).args(["config", "--global", k, v]).output().unwrap(),
            "git config",
        );
    }
}

/// A bare repository `srv/NAME` with one commit on main; returns its path.
pub(crate) fn seeded_bare(s: &Sandbox, srv: &Path, name: &str) -> PathBuf {
    let root = s.root();
    fs::create_dir_all(srv).unwrap();
    let bare = srv.join(name);
    ok(
        &git(s)
            .arg("init")
            .arg("--bare")
            .arg(&bare)
            .output()
            .unwrap(),
        "init",
    );
    let seed = root.join(format!("seed-{name}"));
    ok(
        &git(s).arg("init").arg(&seed).output().unwrap(),
        "init seed",
    );
    fs::write(seed.join("README"), "hello\n").unwrap();
    for args in [&["add", "README"][..], &["commit", "-qm", "first"]] {
        ok(
            &git(s).current_dir(&seed).args(args).output().unwrap(),
            "seed",
        );
    }
    ok(
        &git(s)
            .current_dir(&seed)
            .args(["push", "-q"])
            .arg(&bare)
            .arg("main")
            .output()
            .unwrap(),
        "seed push",
    );
    bare
}

#[test]
fn clone_and_push_over_http_with_basic_auth() {
    let s = Sandbox::init();
    let root = s.root();
    let password = "correct horse battery staple";

    git_setup(&s);
    let srv = root.join("srv");
    let bare = seeded_bare(&s, &srv, "repo.git");

    let server = GitServer::start(&srv, root.join("http-backend.log"), "alice", password);
    // A plain-http origin is given a credential only when the user maps it on purpose.
    s.add("127.0.0.1/alice", password.as_bytes());
    map_origin(
        &s,
        &format!("http://127.0.0.1:{}", server.port),
        "127.0.0.1/alice",
    );

    // Clone: 401, git asks git-credential-sigil, the retry with the stored password works.
    let url = server.url("alice", "repo.git");
    let out = git(&s).args(["clone", &url, "work"]).output().unwrap();
    ok(&out, "git clone");
    assert!(!stderr(&out).contains(password));
    assert_eq!(
        fs::read_to_string(root.join("work/README")).unwrap(),
        "hello\n"
    );
    let fetched = |log: &[Logged]| {
        log.iter()
            .any(|(m, p, c, _)| m == "POST" && p == "/repo.git/git-upload-pack" && *c == 200)
    };
    let log = server.log_until(fetched);
    assert_eq!(log.first().map(|l| l.2), Some(401), "{log:?}");
    assert!(fetched(&log), "{log:?}");

    // Commit and push through the same helper.
    let work = root.join("work");
    fs::write(work.join("CHANGES"), "pushed over http\n").unwrap();
    ok(
        &git(&s)
            .current_dir(&work)
            .args(["add", "CHANGES"])
            .output()
            .unwrap(),
        "add",
    );
    ok(
        &git(&s)
            .current_dir(&work)
            .args(["commit", "-qm", "over http"])
            .output()
            .unwrap(),
        "commit",
    );
    let out = git(&s)
        .current_dir(&work)
        .args(["push", "origin", "main"])
        .output()
        .unwrap();
    ok(&out, "git push");
    assert!(!stderr(&out).contains(password));
    let pushed = |log: &[Logged]| {
        log.iter()
            .any(|(m, p, c, _)| m == "POST" && p == "/repo.git/git-receive-pack" && *c == 200)
    };
    let log = server.log_until(pushed);
    assert!(pushed(&log), "{log:?}");
    let out = git(&s)
        .args(["--git-dir"])
        .arg(&bare)
        .args(["log", "-1", "--format=%s", "main"])
        .output()
        .unwrap();
    ok(&out, "git log");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "over http\n");
    // The credential that worked was approved, and stays as it was.
    assert_eq!(
        stored(&s, "127.0.0.1/alice"),
        Some(password.as_bytes().to_vec())
    );

    // No username in the URL: the mapped account answers.
    let bare_url = format!("http://127.0.0.1:{}/repo.git", server.port);
    let out = git(&s)
        .args(["ls-remote", &bare_url, "main"])
        .output()
        .unwrap();
    ok(&out, "git ls-remote");
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("\trefs/heads/main\n"));

    // A wrong stored password: git fails (no prompt) and rejects it, which erases it.
    s.cmd("sigil-add")
        .args(["--force", "127.0.0.1/alice"])
        .write_stdin("wrong")
        .assert()
        .success();
    let out = git(&s).args(["clone", &url, "work2"]).output().unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("Authentication failed"), "{err}");
    assert!(!err.contains("wrong") && !err.contains(password), "{err}");
    assert_eq!(stored(&s, "127.0.0.1/alice"), None, "rejected and erased");
    // Nothing stored now, and no terminal: git fails at once instead of prompting.
    let out = git(&s).args(["clone", &url, "work3"]).output().unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("terminal prompts disabled"),
        "{}",
        stderr(&out)
    );
    drop(server);
}

/// The attack that binding answers to an origin closes. A repository chooses the URLs git
/// fetches: its submodule at `http://github:PORT/x.git` (a bare name that a LAN or search
/// domain may resolve) must not receive the user's `github/me` (in cleartext), the server's 401
/// must not make git erase it, and a URL carrying `me:PASSWORD@` must not make git overwrite
/// it. Any service name works the same (`openai`).
#[test]
fn a_submodule_on_a_host_named_like_a_service_gets_nothing() {
    let s = Sandbox::init();
    let root = s.root();
    git_setup(&s);
    let users = [
        ("github", "ghp_users_own_token"),
        ("openai", "sk-users-own-key"),
    ];
    for (service, value) in users {
        s.add(&format!("{service}/me"), value.as_bytes());
    }
    let srv = root.join("srv");
    let bare = seeded_bare(&s, &srv, "x.git");
    let commit = git(&s)
        .arg("--git-dir")
        .arg(&bare)
        .args(["rev-parse", "main"])
        .output()
        .unwrap();
    let commit = String::from_utf8(commit.stdout).unwrap().trim().to_owned();
    // The attacker's server takes only the attacker's own password.
    let server = GitServer::start(&srv, root.join("http-backend.log"), "me", "attacker-pw");
    for (service, value) in users {
        let host = format!("{service}:{}", server.port);
        // git resolves the bare name to loopback, as a LAN's resolver would to the attacker.
        ok(
            &git(&s)
                .args(["config", "--global", "--add", "http.curloptResolve"])
                .arg(format!("{host}:127.0.0.1"))
                .output()
                .unwrap(),
            "git config",
        );
        let evil = root.join(format!("evil-{service}"));
        ok(&git(&s).arg("init").arg(&evil).output().unwrap(), "init");
        fs::write(
            evil.join(".gitmodules"),
            format!("[submodule \"x\"]\n\tpath = x\n\turl = http://{host}/x.git\n"),
        )
        .unwrap();
        let cacheinfo = format!("160000,{commit},x");
        for args in [
            &["add", ".gitmodules"][..],
            &["update-index", "--add", "--cacheinfo", &cacheinfo],
            &["commit", "-qm", "a useful library"],
        ] {
            ok(
                &git(&s).current_dir(&evil).args(args).output().unwrap(),
                "evil",
            );
        }
        let out = git(&s)
            .args(["clone", "--recurse-submodules"])
            .arg(&evil)
            .arg(root.join(format!("victim-{service}")))
            .output()
            .unwrap();
        assert!(!out.status.success(), "the submodule cannot be fetched");
        let log = server.log_until(|l| !l.is_empty());
        assert!(!log.is_empty(), "git asked the attacker's server");
        let stolen = format!("Basic {}", base64(format!("me:{value}").as_bytes()));
        for (_, _, _, auth) in &log {
            assert_ne!(
                auth.as_deref(),
                Some(stolen.as_str()),
                "{service}'s secret was sent"
            );
        }
        assert_eq!(
            stored(&s, &format!("{service}/me")),
            Some(value.as_bytes().to_vec()),
            "the 401 erased the user's credential"
        );
        // With the password in the URL the clone works, and git approves that credential.
        let url = format!("http://me:attacker-pw@{host}/x.git");
        let out = git(&s)
            .arg("clone")
            .arg(&url)
            .arg(root.join(format!("approved-{service}")))
            .output()
            .unwrap();
        ok(&out, "clone with the password in the URL");
        assert_eq!(
            stored(&s, &format!("{service}/me")),
            Some(value.as_bytes().to_vec()),
            "git's store overwrote the user's credential"
        );
    }
    // github.com itself still gets the user's token.
    let out = credential(
        &s,
        "fill",
        "protocol=https\nhost=github.com\nusername=me\n\n",
    );
    ok(&out, "fill");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("password=ghp_users_own_token\n"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    drop(server);
}

// ---------------------------------------------------------------------------------------
// git's own suite for external helpers: t/t0303-credential-external.sh with the cases of
// t/lib-credential.sh (helper_test, helper_test_password_expiry_utc,
// helper_test_oauth_refresh_token), run in git's order against `git credential` with
// `credential.helper=sigil` and git's askpass stand-in, each step compared byte for byte.
// helper_test_timeout is skipped as git skips it for helpers without a timeout option.

/// One `check ACTION` of lib-credential.sh: stdin, expected stdout and expected stderr, and
/// whether `credential.useHttpPath` is on (git's `test_config credential.usehttppath true`).
struct Check {
    action: &'static str,
    use_http_path: bool,
    stdin: String,
    stdout: String,
    stderr: String,
}

fn check(action: &'static str, stdin: &str, stdout: &str, stderr: &str) -> Check {
    Check {
        action,
        use_http_path: false,
        stdin: stdin.to_owned(),
        stdout: stdout.to_owned(),
        stderr: stderr.to_owned(),
    }
}

fn approve(stdin: &str) -> Check {
    check("approve", stdin, "", "")
}

fn reject(stdin: &str) -> Check {
    check("reject", stdin, "", "")
}

/// A `fill` answered by the helper: git prints the request and the answer.
fn filled(stdin: &str, answer: &str) -> Check {
    check("fill", stdin, &format!("{stdin}{answer}"), "")
}

/// A `fill` the helper has no answer for: git asks askpass for what is missing.
fn asked(protocol: &str, host: &str, username: Option<&str>) -> Check {
    let mut stdin = format!("protocol={protocol}\nhost={host}\n");
    let mut stderr = String::new();
    let user = match username {
        Some(u) => {
            stdin.push_str(&format!("username={u}\n"));
            u.to_owned()
        }
        None => {
            stderr.push_str(&format!("askpass: Username for '{protocol}://{host}':\n"));
            "askpass-username".to_owned()
        }
    };
    stderr.push_str(&format!(
        "askpass: Password for '{protocol}://{user}@{host}':\n"
    ));
    let stdout =
        format!("protocol={protocol}\nhost={host}\nusername={user}\npassword=askpass-password\n");
    check("fill", &stdin, &stdout, &stderr)
}

const EX: &str = "protocol=https\nhost=example.com\n";

fn t0303_cases() -> Vec<(&'static str, Vec<Check>)> {
    let ex = |rest: &str| format!("{EX}{rest}");
    let long = "a".repeat(1024 - 23);
    let mut path_approve =
        approve("protocol=http\nhost=path.tld\npath=foo.git\nusername=user\npassword=pass\n");
    path_approve.use_http_path = true;
    let mut path_fill = check(
        "fill",
        "protocol=http\nhost=path.tld\npath=bar.git\n",
        "protocol=http\nhost=path.tld\npath=bar.git\nusername=askpass-username\npassword=askpass-password\n",
        "askpass: Username for 'http://path.tld/bar.git':\naskpass: Password for 'http://askpass-username@path.tld/bar.git':\n",
    );
    path_fill.use_http_path = true;
    vec![
        (
            "helper (sigil) has no existing data",
            vec![asked("https", "example.com", None)],
        ),
        (
            "helper (sigil) stores password",
            vec![approve(&ex("username=store-user\npassword=store-pass\n"))],
        ),
        (
            "helper (sigil) can retrieve password",
            vec![filled(EX, "username=store-user\npassword=store-pass\n")],
        ),
        (
            "helper (sigil) requires matching protocol",
            vec![asked("http", "example.com", None)],
        ),
        (
            "helper (sigil) requires matching host",
            vec![asked("https", "other.tld", None)],
        ),
        (
            "helper (sigil) requires matching username",
            vec![asked("https", "example.com", Some("other"))],
        ),
        (
            "helper (sigil) requires matching path",
            vec![path_approve, path_fill],
        ),
        (
            "helper (sigil) overwrites on store",
            vec![
                approve(&ex("username=user-overwrite\npassword=pass1\n")),
                approve(&ex("username=user-overwrite\npassword=pass2\n")),
                filled(&ex("username=user-overwrite\n"), "password=pass2\n"),
                reject(&ex("username=user-overwrite\npassword=pass2\n")),
                asked("https", "example.com", Some("user-overwrite")),
            ],
        ),
        (
            "helper (sigil) can forget host",
            vec![reject(EX), asked("https", "example.com", None)],
        ),
        (
            "helper (sigil) can store multiple users",
            vec![
                approve(&ex("username=user1\npassword=pass1\n")),
                approve(&ex("username=user2\npassword=pass2\n")),
                filled(&ex("username=user1\n"), "password=pass1\n"),
                filled(&ex("username=user2\n"), "password=pass2\n"),
            ],
        ),
        (
            "helper (sigil) does not erase a password distinct from input",
            vec![
                approve(&ex("username=user-distinct-pass\npassword=pass1\n")),
                reject(&ex("username=user-distinct-pass\npassword=pass2\n")),
                filled(&ex("username=user-distinct-pass\n"), "password=pass1\n"),
            ],
        ),
        (
            "helper (sigil) can forget user",
            vec![
                reject(&ex("username=user1\n")),
                asked("https", "example.com", Some("user1")),
            ],
        ),
        (
            "helper (sigil) remembers other user",
            vec![filled(&ex("username=user2\n"), "password=pass2\n")],
        ),
        (
            "helper (sigil) can store empty username",
            vec![
                approve("protocol=https\nhost=sso.tld\nusername=\npassword=\n"),
                filled("protocol=https\nhost=sso.tld\n", "username=\npassword=\n"),
            ],
        ),
        (
            "helper (sigil) erases all matching credentials",
            vec![
                approve(&ex("username=user-erase1\npassword=pass1\n")),
                approve(&ex("username=user-erase2\npassword=pass1\n")),
                reject(EX),
                asked("https", "example.com", None),
            ],
        ),
        (
            "helper (sigil) not confused by long header",
            vec![
                approve(
                    "protocol=https\nhost=victim.example.com\nusername=user\npassword=to-be-stolen\n",
                ),
                {
                    let wwwauth = format!("wwwauth[]=basic realm={long}host=victim.example.com\n");
                    let mut c = asked("https", "badguy.example.com", None);
                    c.stdin = format!("protocol=https\nhost=badguy.example.com\n{wwwauth}");
                    c.stdout.push_str(&wwwauth);
                    c
                },
            ],
        ),
        (
            "helper (sigil) stores password_expiry_utc",
            vec![approve(&ex(
                "username=user-expiry\npassword=pass\npassword_expiry_utc=9999999999\n",
            ))],
        ),
        (
            "helper (sigil) gets password_expiry_utc",
            vec![filled(
                &ex("username=user-expiry\n"),
                "password=pass\npassword_expiry_utc=9999999999\n",
            )],
        ),
        (
            "helper (sigil) overwrites when password_expiry_utc changes",
            vec![
                approve(&ex(
                    "username=user-expiry-overwrite\npassword=pass1\npassword_expiry_utc=9999999998\n",
                )),
                approve(&ex(
                    "username=user-expiry-overwrite\npassword=pass2\npassword_expiry_utc=9999999999\n",
                )),
                filled(
                    &ex("username=user-expiry-overwrite\n"),
                    "password=pass2\npassword_expiry_utc=9999999999\n",
                ),
                reject(&ex("username=user-expiry-overwrite\npassword=pass2\n")),
                asked("https", "example.com", Some("user-expiry-overwrite")),
            ],
        ),
        (
            "helper (sigil) stores oauth_refresh_token",
            vec![approve(&ex(
                "username=user4\npassword=pass\noauth_refresh_token=xyzzy\n",
            ))],
        ),
        (
            "helper (sigil) gets oauth_refresh_token",
            vec![filled(
                &ex("username=user4\n"),
                "password=pass\noauth_refresh_token=xyzzy\n",
            )],
        ),
    ]
}

/// lib-credential.sh's `helper_test_clean`: the rejects run before and after the suite.
fn t0303_clean(s: &Sandbox, askpass: &Path) {
    for (protocol, host, user) in [
        ("https", "example.com", "store-user"),
        ("https", "example.com", "user1"),
        ("https", "example.com", "user2"),
        ("https", "example.com", "user-expiry"),
        ("https", "example.com", "user-expiry-overwrite"),
        ("https", "example.com", "user4"),
        ("https", "example.com", "user-distinct-pass"),
        ("https", "example.com", "user-overwrite"),
        ("https", "example.com", "user-erase1"),
        ("https", "example.com", "user-erase2"),
        ("https", "victim.example.com", "user"),
        ("http", "path.tld", "user"),
        ("https", "timeout.tld", "user"),
        ("https", "sso.tld", ""),
    ] {
        let c = reject(&format!(
            "protocol={protocol}\nhost={host}\nusername={user}\n"
        ));
        run_check(s, askpass, "clean", &c);
    }
}

fn run_check(s: &Sandbox, askpass: &Path, case: &str, c: &Check) {
    let mut cmd = git(s);
    cmd.args(["-c", "credential.helper=sigil"]);
    if c.use_http_path {
        cmd.args(["-c", "credential.useHttpPath=true"]);
    }
    let out = cmd
        .args(["credential", c.action])
        .env("GIT_ASKPASS", askpass)
        .write_stdin(c.stdin.as_str())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{case}: git credential {} failed: {}",
        c.action,
        stderr(&out)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        c.stdout,
        "{case}: stdout of {}",
        c.action
    );
    assert_eq!(stderr(&out), c.stderr, "{case}: stderr of {}", c.action);
}

#[test]
fn t0303_credential_external() {
    let s = Sandbox::init();
    // lib-credential.sh's askpass script, verbatim in effect.
    let askpass = s.root().join("askpass");
    fs::write(
        &askpass,
        "#!/bin/sh\necho >&2 askpass: $*\nwhat=$(echo $1 | cut -d\" \" -f1 | tr A-Z a-z | tr -cd a-z)\necho \"askpass-$what\"\n",
    )
    .unwrap();
    chmod(&askpass, 0o755);
    t0303_clean(&s, &askpass);
    let cases = t0303_cases();
    assert_eq!(
        cases.len(),
        21,
        "every case of helper_test, _password_expiry_utc and _oauth_refresh_token"
    );
    for (case, checks) in &cases {
        for c in checks {
            run_check(&s, &askpass, case, c);
        }
    }
    t0303_clean(&s, &askpass);
    // Everything git stored went with the cleanup except the path-bound credential, which
    // sigil erases only for its own path (the clean-up names none).
    let out = s.cmd("sigil-list").assert().success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout)
            .lines()
            .map(|l| l.split('\t').next().unwrap())
            .collect::<Vec<_>>(),
        ["path.tld/user"]
    );
}

/// What the helper stored before its answers were bound to origins: a catalogue host's
/// account keeps working; any other is named by `sigil status` with the lines that map it.
#[test]
fn entries_of_the_earlier_helper_keep_working_or_are_named_by_status() {
    let s = Sandbox::init();
    s.add("github/me", b"ghp_old");
    s.add("git.example.com/alice", b"pw");
    s.add("openai/me", b"sk-not-a-host");
    assert_eq!(
        get(&s, "protocol=https\nhost=github.com\nusername=me\n"),
        "username=me\npassword=ghp_old\n"
    );
    let q = "protocol=https\nhost=git.example.com\nusername=alice\n";
    assert_eq!(get(&s, q), "");
    let status = |s: &Sandbox| {
        let out = s.cmd("sigil-status").output().unwrap();
        format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out))
    };
    let text = status(&s);
    let problem = "'git.example.com/alice' is named after a host but git no longer gets it";
    assert!(text.contains(problem), "{text}");
    assert!(
        text.contains(
            "if git should use it, add to config.toml: [git.\"https://git.example.com\"] \
             address = \"git.example.com/alice\""
        ),
        "{text}"
    );
    assert!(
        !text.contains("'github/me'") && !text.contains("'openai/me'"),
        "{text}"
    );
    map_origin(&s, "https://git.example.com", "git.example.com/alice");
    assert_eq!(get(&s, q), "username=alice\npassword=pw\n");
    assert!(!status(&s).contains(problem));
}
