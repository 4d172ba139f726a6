//! `sigil keyring` (`sigil-keyring`): the keyring command directly, and a real `pip download`
//! through `--keyring-provider subprocess` from a `pypiserver` with basic auth on 127.0.0.1,
//! with `sigil-keyring` linked as `keyring` in a directory of the test's own.

use crate::support::*;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = "sigil-keyring";

/// The venv `cargo xtask test` installs pip and pypiserver into (tests/pypi/requirements.txt).
fn venv() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pypi/venv");
    assert!(
        venv.join("bin/pypi-server").is_file() && venv.join("bin/pip").is_file(),
        "the pip tests need pip and pypiserver in {}; `cargo xtask test` installs them",
        venv.display()
    );
    venv
}

/// Runs `sigil-keyring` with `args`, stdin closed as pip closes it.
fn keyring(s: &Sandbox, args: &[&str]) -> std::process::Output {
    s.cmd(BIN)
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap()
}

/// `keyring get`'s stdout as text, or `None` for "not found": exit 1 with nothing on stdout
/// or stderr.
fn get(s: &Sandbox, args: &[&str]) -> Option<String> {
    let out = keyring(s, args);
    if out.status.code() == Some(1) && out.stdout.is_empty() {
        assert_eq!(stderr(&out), "", "{args:?}");
        return None;
    }
    assert!(out.status.success(), "{args:?}: {out:?}");
    Some(String::from_utf8(out.stdout).unwrap())
}

fn audit_log(s: &Sandbox) -> String {
    fs::read_to_string(s.home.join("audit.log")).unwrap_or_default()
}

/// Maps `index` to `address` for pip in the sandbox's config.toml.
fn map_index(s: &Sandbox, index: &str, address: &str, username: Option<&str>) {
    let config = s.home.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap_or_default();
    text.push_str(&format!("\n[pip.\"{index}\"]\naddress = \"{address}\"\n"));
    if let Some(u) = username {
        text.push_str(&format!("username = \"{u}\"\n"));
    }
    fs::write(config, text).unwrap();
}

fn wait_for(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A pypiserver on 127.0.0.1 that serves one tiny wheel, `sigiltestpkg` 0.1, only to `user`
/// with `password` (basic auth against an htpasswd file); killed when dropped.
struct PypiServer {
    child: Child,
    port: u16,
}

impl PypiServer {
    fn start(s: &Sandbox, user: &str, password: &str) -> PypiServer {
        need("htpasswd");
        let venv = venv();
        let dir = s.root().join("pypi");
        fs::create_dir_all(dir.join("packages")).unwrap();
        // The password on htpasswd's stdin, not in its argv; MD5-crypt, which passlib reads
        // without extra modules.
        let mut htpasswd = std::process::Command::new("htpasswd")
            .args(["-inm", user])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        htpasswd
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        let line = htpasswd.wait_with_output().unwrap();
        assert!(line.status.success());
        fs::write(dir.join("htpasswd"), line.stdout).unwrap();
        build_wheel(&venv, &dir.join("packages"));
        let port = free_port();
        let child = std::process::Command::new(venv.join("bin/pypi-server"))
            .args(["run", "-p", &port.to_string(), "-i", "127.0.0.1", "-P"])
            .arg(dir.join("htpasswd"))
            .args(["-a", "download,list,update"])
            .arg(dir.join("packages"))
            .stdout(Stdio::null())
            .stderr(fs::File::create(dir.join("pypiserver.log")).unwrap())
            .spawn()
            .unwrap();
        let server = PypiServer { child, port };
        wait_for(port, "pypi-server");
        server
    }

    /// The index URL, as pip is given it.
    fn index(&self, host: &str) -> String {
        format!("http://{host}:{}/simple/", self.port)
    }
}

impl Drop for PypiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `sigiltestpkg-0.1-py3-none-any.whl` into `dir`: a wheel is a zip of the package,
/// its metadata and a RECORD of hashes, which Python's zipfile writes without a build.
fn build_wheel(venv: &Path, dir: &Path) {
    let script = r#"
import base64, hashlib, sys, zipfile
dist = "sigiltestpkg-0.1.dist-info"
files = {
    "sigiltestpkg/__init__.py": b"VALUE = 1\n",
    dist + "/METADATA": b"Metadata-Version: 2.1\nName: sigiltestpkg\nVersion: 0.1\n",
    dist + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: sigil-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
def digest(b):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
record = "".join(f"{p},{digest(b)},{len(b)}\n" for p, b in files.items()) + dist + "/RECORD,,\n"
files[dist + "/RECORD"] = record.encode()
with zipfile.ZipFile(sys.argv[1] + "/sigiltestpkg-0.1-py3-none-any.whl", "w") as z:
    for p, b in files.items():
        z.writestr(p, b)
"#;
    let out = std::process::Command::new(venv.join("bin/python"))
        .args(["-c", script])
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A directory holding only `keyring`, a link to `sigil-keyring`: the opt-in shim that pip's
/// `--keyring-provider subprocess` finds on PATH.
fn shim_dir(s: &Sandbox) -> PathBuf {
    let dir = s.root().join("pip-bin");
    fs::create_dir_all(&dir).unwrap();
    let link = dir.join("keyring");
    if !link.exists() {
        std::os::unix::fs::symlink(bin(BIN), &link).unwrap();
    }
    dir
}

/// `pip download sigiltestpkg==0.1` into a fresh directory with `args` added, the keyring
/// shim first on PATH, no pip configuration, no cache and no prompt; (success, pip's output).
fn pip_download(s: &Sandbox, args: &[&str]) -> (bool, String) {
    let venv = venv();
    let dest = tempfile::tempdir_in(s.root()).unwrap();
    let mut c = s.std_cmd(venv.join("bin/pip"));
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("PIP_") || k.starts_with("PYTHON") || k == "VIRTUAL_ENV" {
            c.env_remove(k);
        }
    }
    c.env(
        "PATH",
        format!("{}:/usr/local/bin:/usr/bin:/bin", shim_dir(s).display()),
    )
    .env("PIP_CONFIG_FILE", "/dev/null")
    .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    .args(["download", "--no-deps", "--no-cache-dir", "--no-input"])
    .args(["--keyring-provider", "subprocess", "--timeout", "10", "-d"])
    .arg(dest.path())
    .args(args)
    .stdin(Stdio::null());
    let started = Instant::now();
    let out = c.output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(120), "pip hung");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("Traceback"), "{text}");
    let saved = dest
        .path()
        .join("sigiltestpkg-0.1-py3-none-any.whl")
        .is_file();
    assert_eq!(out.status.success(), saved, "{text}");
    (saved, text)
}

#[test]
fn pip_downloads_from_pypiserver_through_the_keyring_shim() {
    let s = Sandbox::init();
    let server = PypiServer::start(&s, "me", "pypi-s3cret");
    s.add("pypi/me", b"pypi-s3cret");
    // Without a mapping pip gets nothing, and the server refuses it: basic auth is checked.
    let (ok, text) = pip_download(
        &s,
        &[
            "--index-url",
            &server.index("127.0.0.1"),
            "sigiltestpkg==0.1",
        ],
    );
    assert!(!ok, "{text}");
    map_index(&s, &server.index("127.0.0.1"), "pypi/me", None);
    let (ok, text) = pip_download(
        &s,
        &[
            "--index-url",
            &server.index("127.0.0.1"),
            "sigiltestpkg==0.1",
        ],
    );
    assert!(ok, "{text}");
    let log = audit_log(&s);
    assert!(
        log.contains("\"event\":\"pip\",\"addresses\":[\"pypi/me/api_key\"],\"outcome\":\"ok\",\"binary\":\"sigil-keyring\""),
        "{log}"
    );
    assert!(
        !log.contains("pypi-s3cret"),
        "the password in the audit log"
    );
    // A wrong password stored for the index is the server's refusal, not a prompt or a hang.
    s.cmd("sigil-add")
        .args(["pypi/me", "--force"])
        .write_stdin("wrong")
        .assert()
        .success();
    let (ok, text) = pip_download(
        &s,
        &[
            "--index-url",
            &server.index("127.0.0.1"),
            "sigiltestpkg==0.1",
        ],
    );
    assert!(!ok, "{text}");
}

/// Another host, port, scheme or path than the mapped index gets nothing through pip, even
/// the same server under another name; a requirements file that names a hostile index (as
/// `--index-url` or `--extra-index-url`) gets no credential sent there.
#[test]
fn only_the_mapped_index_gets_the_credential() {
    let s = Sandbox::init();
    let server = PypiServer::start(&s, "me", "pypi-s3cret");
    s.add("pypi/me", b"pypi-s3cret");
    map_index(&s, &server.index("127.0.0.1"), "pypi/me", None);
    // The same server as `localhost`: another index, refused by the server for want of auth.
    let (ok, text) = pip_download(
        &s,
        &[
            "--index-url",
            &server.index("localhost"),
            "sigiltestpkg==0.1",
        ],
    );
    assert!(!ok, "{text}");
    let hostile = Recorder::start();
    let reqs = s.root().join("requirements.txt");
    for line in [
        format!("--index-url http://127.0.0.1:{}/simple/\n", hostile.port),
        format!("--index-url http://me@127.0.0.1:{}/simple/\n", hostile.port),
        format!(
            "--extra-index-url http://127.0.0.1:{}/simple/\n",
            hostile.port
        ),
    ] {
        fs::write(&reqs, format!("{line}sigiltestpkg==0.1\n")).unwrap();
        let mut args = vec!["-r", reqs.to_str().unwrap()];
        let index = server.index("127.0.0.1");
        if line.starts_with("--extra") {
            args.extend(["--index-url", &index]);
        }
        let (ok, text) = pip_download(&s, &args);
        // From the extra index pip still takes the package from the mapped one.
        assert_eq!(ok, line.starts_with("--extra"), "{line}: {text}");
    }
    let seen = hostile.requests();
    assert!(!seen.is_empty(), "pip never asked the hostile index");
    // The most it gets is what the requirements file gave pip itself: the username in its
    // URL with an empty password ("me:").
    for request in &seen {
        for line in request.lines() {
            if line.to_ascii_lowercase().starts_with("authorization:") {
                assert_eq!(line, "Authorization: Basic bWU6", "{seen:?}");
            }
        }
    }
    // The keyring command itself, for look-alikes of the mapped index.
    let index = server.index("127.0.0.1");
    let port = server.port;
    assert_eq!(get(&s, &["get", &index]).as_deref(), Some("pypi-s3cret\n"));
    for other in [
        format!("http://127.0.0.1:{port}/simple"),
        format!("HTTP://127.0.0.1:{port}/simple//"),
    ] {
        assert_eq!(
            get(&s, &["get", &other]).as_deref(),
            Some("pypi-s3cret\n"),
            "{other}"
        );
    }
    for other in [
        format!("https://127.0.0.1:{port}/simple/"),
        format!("http://localhost:{port}/simple/"),
        format!("http://127.0.0.1:{}/simple/", port + 1),
        format!("http://127.0.0.1:{port}/"),
        format!("http://127.0.0.1:{port}/simple/sigiltestpkg/"),
        format!("http://127.0.0.1:{port}/simple.evil.example/"),
        format!("http://127.0.0.1.evil.example:{port}/simple/"),
        format!("127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}@evil.example/simple/"),
        format!("http://evil.example/?http://127.0.0.1:{port}/simple/"),
        format!("http://evil.example#http://127.0.0.1:{port}/simple/"),
        format!("http://127.0.0.1:{port}/simple/ "),
        format!("http://127%2e0.0.1:{port}/simple/"),
        "".into(),
    ] {
        assert_eq!(get(&s, &["get", &other]), None, "{other:?}");
        assert_eq!(get(&s, &["get", &other, "me"]), None, "{other:?}");
    }
    // Another username than the mapping's gets nothing.
    assert_eq!(get(&s, &["get", &index, "other"]), None);
    assert_eq!(
        get(&s, &["--mode", "creds", "get", &index, "me"]).as_deref(),
        Some("me\npypi-s3cret\n")
    );
}

/// A server that answers every request with 401 and a basic-auth challenge and keeps each
/// request's head: what a hostile index learns.
struct Recorder {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                keep.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                let _ = stream.write_all(
                    b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"pypi\"\r\n\
                      Content-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        Recorder { port, seen }
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

#[test]
fn a_policy_without_pip_refuses_at_once_and_pip_goes_on_without() {
    let s = Sandbox::init();
    let server = PypiServer::start(&s, "me", "pypi-s3cret");
    s.add("pypi/me", b"pypi-s3cret");
    let index = server.index("127.0.0.1");
    map_index(&s, &index, "pypi/me", None);
    s.cmd("sigil-policy")
        .args(["set", "pypi/me", "--allow", "get,docker"])
        .assert()
        .success();
    let started = Instant::now();
    let out = keyring(&s, &["--mode=creds", "--output=json", "get", &index]);
    assert!(started.elapsed() < Duration::from_secs(10), "hung");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(
        stderr(&out).contains(
            "the policy of 'pypi/me' refuses `sigil keyring`: --allow get,docker does not include pip"
        ),
        "{}",
        stderr(&out)
    );
    let (ok, text) = pip_download(&s, &["--index-url", &index, "sigiltestpkg==0.1"]);
    assert!(!ok, "{text}");
    assert!(
        audit_log(&s)
            .contains("\"event\":\"pip\",\"addresses\":[\"pypi/me\"],\"outcome\":\"refused\""),
        "{}",
        audit_log(&s)
    );
    s.cmd("sigil-policy")
        .args(["set", "pypi/me", "--allow", "pip"])
        .assert()
        .success();
    let (ok, text) = pip_download(&s, &["--index-url", &index, "sigiltestpkg==0.1"]);
    assert!(ok, "{text}");
}

#[test]
fn each_answer_is_one_audit_entry_naming_pip_and_no_secret() {
    let s = Sandbox::init();
    s.add("pypi/me", b"pypi-s3cret");
    map_index(
        &s,
        "https://pypi.corp.example/simple",
        "pypi/me",
        Some("deploy"),
    );
    let index = "https://pypi.corp.example/simple/";
    let before = audit_log(&s).lines().count();
    assert_eq!(
        get(&s, &["get", index, "deploy"]).as_deref(),
        Some("pypi-s3cret\n")
    );
    assert_eq!(
        get(&s, &["get", index, "--mode", "creds"]).as_deref(),
        Some("deploy\npypi-s3cret\n")
    );
    assert_eq!(
        get(&s, &["--mode=creds", "--output=json", "get", index]).as_deref(),
        Some("{\"username\":\"deploy\",\"password\":\"pypi-s3cret\"}\n")
    );
    // "me" is the account, not the mapping's username.
    assert_eq!(get(&s, &["get", index, "me"]), None);
    let log = audit_log(&s);
    let new: Vec<&str> = log.lines().skip(before).collect();
    assert_eq!(new.len(), 3, "{log}");
    for line in new {
        assert!(
            line.contains(
                "\"event\":\"pip\",\"addresses\":[\"pypi/me/api_key\"],\"outcome\":\"ok\""
            ),
            "{line}"
        );
    }
    assert!(!log.contains("pypi-s3cret"));
    // `sigil keyring` is the same command.
    let out = s
        .cmd("sigil")
        .args(["keyring", "get", index, "deploy"])
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"pypi-s3cret\n", "{out:?}");
}

/// What is not the keyring command's protocol is its error and exit code, never a panic: a
/// usage error exits 2 as the Python command's does, everything else exits 1 with nothing on
/// stdout. `set` and `del` are refused whatever comes on stdin.
#[test]
fn garbage_is_the_protocols_error_without_a_panic() {
    let s = Sandbox::init();
    s.add("pypi/me", b"pypi-s3cret");
    map_index(&s, "https://pypi.corp.example/simple", "pypi/me", None);
    for args in [
        &[][..],
        &["get"],
        &["frob", "https://pypi.corp.example/simple"],
        &["--mode", "json", "get", "x"],
        &["--output", "yaml", "get", "x"],
        &["get", "a", "b", "c"],
        &["--keyring-backend", "x", "get", "a"],
    ] {
        let out = keyring(&s, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
    for op in ["set", "del"] {
        for input in [&b"pypi-new\n"[..], b"\xff\xfe\x00garbage", &[b'x'; 1 << 20]] {
            let out = s
                .cmd(BIN)
                .args([op, "https://pypi.corp.example/simple", "me"])
                .write_stdin(input.to_vec())
                .timeout(Duration::from_secs(30))
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1), "{op}: {out:?}");
            assert!(out.stdout.is_empty());
            assert!(
                stderr(&out).contains(&format!("sigil keyring does not {op}")),
                "{}",
                stderr(&out)
            );
        }
    }
    assert_eq!(s.get("pypi/me"), b"pypi-s3cret");
    // Services that are no URL at all are "not found".
    for service in [
        "\u{1b}[31m",
        "ftp://pypi.corp.example/simple",
        "\\\\host\\share",
        "-",
    ] {
        assert_eq!(get(&s, &["get", service]), None, "{service:?}");
    }
    // An argument that is not UTF-8 is a usage error.
    let out = s
        .cmd(BIN)
        .arg("get")
        .arg(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"\xff"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    // A malformed [pip] table is an error on every call, never a guess.
    map_index(&s, "ftp://bad", "pypi/me", None);
    let out = keyring(&s, &["get", "https://pypi.corp.example/simple"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("config.toml maps the pip index 'ftp://bad'"),
        "{}",
        stderr(&out)
    );
}
