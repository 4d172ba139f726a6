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
    let out = s.cmd("sigil-get").args(["-n", addr]).output().unwrap();
    match out.status.code() {
        Some(0) => Some(out.stdout),
        Some(3) => None,
        _ => panic!("sigil-get {addr}: {}", stderr(&out)),
    }
}

#[test]
fn get_answers_username_and_password() {
    let s = Sandbox::init();
    s.add("git.example.com/alice", b"s3cret");
    let out = get(
        &s,
        "protocol=https\nhost=git.example.com\nusername=alice\n\n",
    );
    assert_eq!(out, "username=alice\npassword=s3cret\n");
    // A port is not part of the service; the host is lowercased; url= is split as git does.
    for input in [
        "protocol=https\nhost=Git.Example.COM:8443\nusername=alice\n",
        "url=https://alice@git.example.com:8443/team/repo.git\n",
        "url=https://al%69ce@git.example.com\n",
        "host=other\nusername=bob\nurl=https://alice@git.example.com\n",
        // Without a username, the service's only account answers.
        "protocol=https\nhost=git.example.com\n",
    ] {
        assert_eq!(get(&s, input), out, "{input:?}");
    }

    // Catalogue hosts map to their provider's service.
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

#[test]
fn get_is_silent_when_it_has_nothing() {
    let s = Sandbox::init();
    s.add("example.com/one", b"1");
    s.add("example.com/two", b"2");
    let long = format!("host=example.com\nusername={}\n", "a".repeat(129));
    for input in [
        "",
        "\n",
        "protocol=https\nhost=nowhere.example\nusername=alice\n",
        "protocol=https\nhost=example.com\nusername=three\n",
        // Two accounts and no username: no guess.
        "protocol=https\nhost=example.com\n",
        "host=example.com\nusername=one\nusername=\n",
        // Usernames that are not accounts.
        "host=example.com\nusername=o ne\n",
        "host=example.com\nusername=one:pw\n",
        "host=example.com\nusername=one/api_key\n",
        "host=example.com\nusername=..\n",
        &long,
        // Hosts that are not services.
        "protocol=https\nusername=one\n",
        "host=\nusername=one\n",
        "host=[::1]:8080\nusername=one\n",
        "host=bücher.example\nusername=one\n",
        "host=exa mple.com\nusername=one\n",
        "host=example.com:https\nusername=one\n",
        "url=cert:///home/me/cert.pem\n",
    ] {
        assert_eq!(get(&s, input), "", "{input:?}");
    }
    // Not even initialised: still nothing, not an error.
    let empty = Sandbox::new();
    assert_eq!(get(&empty, "host=example.com\nusername=one\n"), "");
    assert_eq!(get(&empty, "host=example.com\n"), "");
}

#[test]
fn unknown_operations_are_ignored() {
    let s = Sandbox::init();
    s.add("example.com/one", b"1");
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
fn store_saves_what_git_approved() {
    let s = Sandbox::init();
    quietly(
        &s,
        "store",
        "protocol=https\nhost=git.example.com:8443\nusername=alice\npassword=pw-1\n\n",
    );
    assert_eq!(stored(&s, "git.example.com/alice"), Some(b"pw-1".to_vec()));
    let out = s.cmd("sigil-list").assert().success();
    let list = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        list.starts_with("git.example.com/alice\tapi_key\tapi_key\tfile\t"),
        "{list}"
    );

    // The same value again changes nothing, not even the metadata's timestamps.
    let accounts = s.home.join("accounts.toml");
    let before = fs::read(&accounts).unwrap();
    let file = s.secret_file("git.example.com/alice/api_key");
    let mtime = fs::metadata(&file).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    quietly(
        &s,
        "store",
        "url=https://alice@git.example.com\npassword=pw-1\n",
    );
    assert_eq!(fs::read(&accounts).unwrap(), before);
    assert_eq!(fs::metadata(&file).unwrap().modified().unwrap(), mtime);

    // A new value replaces the old one: git stores only what just worked.
    quietly(
        &s,
        "store",
        "url=https://alice:pw%3D2@git.example.com/repo.git\n",
    );
    assert_eq!(stored(&s, "git.example.com/alice"), Some(b"pw=2".to_vec()));

    // Nothing to store, or nowhere to store it: nothing happens.
    for input in [
        "protocol=https\nhost=git.example.com\npassword=x\n",
        "protocol=https\nhost=git.example.com\nusername=alice\n",
        "protocol=https\nhost=git.example.com\nusername=alice\npassword=\n",
        "protocol=https\nusername=alice\npassword=x\n",
        "host=git.example.com\nusername=al ice\npassword=x\n",
        "host=[::1]\nusername=alice\npassword=x\n",
    ] {
        quietly(&s, "store", input);
    }
    assert_eq!(stored(&s, "git.example.com/alice"), Some(b"pw=2".to_vec()));
    let out = s.cmd("sigil-list").assert().success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout)
            .lines()
            .count(),
        1
    );
}

#[test]
fn erase_removes_only_the_credential_git_rejected() {
    let s = Sandbox::init();
    s.add("git.example.com/alice", b"new");
    // An old password was rejected: the newer one stays.
    quietly(
        &s,
        "erase",
        "protocol=https\nhost=git.example.com\nusername=alice\npassword=old\n",
    );
    assert_eq!(stored(&s, "git.example.com/alice"), Some(b"new".to_vec()));
    // Nothing to say which account: nothing is erased.
    quietly(&s, "erase", "protocol=https\nhost=git.example.com\n");
    quietly(
        &s,
        "erase",
        "host=git.example.com\nusername=bob\npassword=new\n",
    );
    assert_eq!(stored(&s, "git.example.com/alice"), Some(b"new".to_vec()));
    // The stored one was rejected: it goes, with its metadata.
    quietly(
        &s,
        "erase",
        "url=https://alice@git.example.com:8443/x.git\npassword=new\n",
    );
    assert_eq!(stored(&s, "git.example.com/alice"), None);
    s.cmd("sigil-list").assert().success().stdout("");
    // Erasing what is not there is quiet too.
    quietly(&s, "erase", "host=git.example.com\nusername=alice\n");

    // Without a password git means "whatever is stored"; without a username, the only
    // account, when the password says it is the one.
    s.add("git.example.com/alice", b"a");
    quietly(&s, "erase", "host=git.example.com\nusername=alice\n");
    assert_eq!(stored(&s, "git.example.com/alice"), None);
    s.add("git.example.com/alice", b"a");
    quietly(&s, "erase", "host=git.example.com\npassword=a\n");
    assert_eq!(stored(&s, "git.example.com/alice"), None);
}

#[test]
fn errors_that_matter_go_to_stderr_and_never_show_the_secret() {
    let s = Sandbox::init();
    s.add("git.example.com/alice", b"s3cret");
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
    s.add("git.example.com/pem", b"line 1\nline 2");
    let out = helper(&s, "get", "host=git.example.com\nusername=pem\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    insta::assert_snapshot!(stderr(&out), @r"
    git-credential-sigil: error: 'git.example.com/pem/api_key' holds a line break or NUL byte, which git's credential protocol cannot carry
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
        ..Default::default()
    };
    for (field, value) in [("token", "gho_access"), ("refresh_token", "ghr_refresh")] {
        let addr = format!("github/octo/{field}").parse().unwrap();
        sigil.put(&addr, &value.into(), &opts).unwrap();
    }
    let q = "protocol=https\nhost=github.com\nusername=octo\n";
    assert_eq!(get(&s, q), "username=octo\npassword=gho_access\n");
    // git approves the token it was given: nothing to do, nothing said.
    quietly(&s, "store", &format!("{q}password=gho_access\n"));
    // A rejected token, or a password typed at git's prompt: the token set stays.
    for (op, pw) in [("erase", "gho_access"), ("store", "typed-pat")] {
        let out = helper(&s, op, &format!("{q}password={pw}\n"));
        assert!(out.status.success(), "{op}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            "git-credential-sigil: kept 'github/octo/token': it is an OAuth token, which git \
             does not change (`sigil login github/octo` renews it)\n",
            "{op}"
        );
    }
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
fn git(s: &Sandbox) -> Command {
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
    let out = credential(
        &s,
        "fill",
        "url=https://git.example.com:8443/team/repo.git\n\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap(), @r"
    protocol=https
    host=git.example.com:8443
    username=alice
    password=pw-1
    ");

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
fn base64(data: &[u8]) -> String {
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

/// One request the server answered: method, path and status.
type Logged = (String, String, u16);

/// A smart-HTTP git server on 127.0.0.1 with a random port: `git http-backend` run as a CGI
/// program for every request that carries the right basic-auth credential, 401 for the rest.
/// One thread, one connection at a time, `Connection: close`; stopped when dropped.
struct GitServer {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    log: Arc<Mutex<Vec<Logged>>>,
}

impl GitServer {
    fn start(project_root: &Path, cgi_log: PathBuf, user: &str, password: &str) -> GitServer {
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

    fn url(&self, user: &str, repo: &str) -> String {
        format!("http://{user}@127.0.0.1:{}/{repo}", self.port)
    }

    /// The requests served so far, waiting (up to 10 s) until `done` holds for them: the
    /// server records a request after answering it, so git may exit before the last entry.
    fn log_until(&self, done: impl Fn(&[Logged]) -> bool) -> Vec<Logged> {
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
    if header("authorization") != Some(auth.header.as_str()) {
        out.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\
              Content-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
        return Ok((method, path.to_owned(), 401));
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
    Ok((method, path.to_owned(), code))
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

fn ok(out: &std::process::Output, what: &str) {
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

#[test]
fn clone_and_push_over_http_with_basic_auth() {
    let s = Sandbox::init();
    let root = s.root();
    let password = "correct horse battery staple";

    // `git config credential.helper sigil` is all the setup git needs.
    for (k, v) in [
        ("credential.helper", "sigil"),
        ("user.name", "Test"),
        ("user.email", "test@example.com"),
        ("init.defaultBranch", "main"),
        ("advice.detachedHead", "false"),
    ] {
        ok(
            &git(&s).args(["config", "--global", k, v]).output().unwrap(),
            "git config",
        );
    }

    // A bare repository with one commit, served from srv/.
    let srv = root.join("srv");
    fs::create_dir(&srv).unwrap();
    ok(
        &git(&s)
            .args(["init", "--bare", "srv/repo.git"])
            .output()
            .unwrap(),
        "init",
    );
    ok(
        &git(&s).args(["init", "seed"]).output().unwrap(),
        "init seed",
    );
    fs::write(root.join("seed/README"), "hello\n").unwrap();
    let seed = root.join("seed");
    ok(
        &git(&s)
            .current_dir(&seed)
            .args(["add", "README"])
            .output()
            .unwrap(),
        "add",
    );
    ok(
        &git(&s)
            .current_dir(&seed)
            .args(["commit", "-qm", "first"])
            .output()
            .unwrap(),
        "commit",
    );
    let bare = srv.join("repo.git");
    ok(
        &git(&s)
            .current_dir(&seed)
            .args(["push", "-q"])
            .arg(&bare)
            .arg("main")
            .output()
            .unwrap(),
        "seed push",
    );

    let server = GitServer::start(&srv, root.join("http-backend.log"), "alice", password);
    s.add("127.0.0.1/alice", password.as_bytes());

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
            .any(|(m, p, c)| m == "POST" && p == "/repo.git/git-upload-pack" && *c == 200)
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
            .any(|(m, p, c)| m == "POST" && p == "/repo.git/git-receive-pack" && *c == 200)
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

    // No username in the URL: the only account of the service answers.
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
