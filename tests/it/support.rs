//! Runs sigil's real binaries in a throwaway home with every inherited `SIGIL_*` variable
//! cleared, so a developer's own sigil is never touched or consulted.

pub mod proxy;

use assert_cmd::Command;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The directory cargo built the binaries into.
pub fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_sigil"))
        .parent()
        .unwrap()
        .to_owned()
}

/// A path to one of our binaries.
pub fn bin(name: &str) -> PathBuf {
    bin_dir().join(name)
}

/// Every file under `dir`, at any depth; a link to a directory is listed, not followed.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() && !p.is_symlink() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A session bus address where nothing listens.
pub const DEAD_BUS: &str = "unix:path=/nonexistent/sigil-test-bus";

/// A temporary world for one test: `root` (the temp dir, also HOME) and `home` (SIGIL_HOME,
/// mode 0700).
pub struct Sandbox {
    pub tmp: tempfile::TempDir,
    pub home: PathBuf,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        Sandbox { tmp, home }
    }

    /// A sandbox where `sigil init` has run.
    pub fn init() -> Sandbox {
        let s = Sandbox::new();
        s.cmd("sigil-init").assert().success();
        s
    }

    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// A command for one of our binaries with a clean environment.
    pub fn cmd(&self, name: &str) -> Command {
        Command::from_std(self.std_cmd(bin(name)))
    }

    /// Any program as a plain `std::process::Command` with the same clean environment, for
    /// tests that start a process and watch it while it runs.
    pub fn std_cmd(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        let mut c = std::process::Command::new(program);
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            if k.starts_with("SIGIL_") || k.starts_with("XDG_") {
                c.env_remove(k);
            }
        }
        c.env("SIGIL_HOME", &self.home)
            .env("HOME", self.root())
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("NO_COLOR", "1")
            .env_remove("BROWSER")
            // No keyring unless a test asks for one (`with_keyring`): a dead bus address is
            // what a headless box looks like, and keeps the developer's keyring untouched.
            .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("COLUMNS")
            .current_dir(self.root());
        c
    }

    /// Points a command at the private Secret Service that `cargo xtask test` runs.
    pub fn keyring(&self, mut c: Command) -> Command {
        for (k, v) in keyring_env().expect("checked by private_keyring()") {
            c.env(k, v);
        }
        c
    }

    /// Stores `value` at `addr` through `sigil-add` (stdin, so no prompt).
    pub fn add(&self, addr: &str, value: &[u8]) {
        self.cmd("sigil-add")
            .arg(addr)
            .write_stdin(value.to_vec())
            .assert()
            .success();
    }

    /// `sigil-get -n ADDR`'s stdout, asserting success.
    pub fn get(&self, addr: &str) -> Vec<u8> {
        self.get_with(self.cmd("sigil-get"), addr)
    }

    /// [`Sandbox::get`] through a prepared `sigil-get` command (e.g. in the private keyring).
    pub fn get_with(&self, mut get: Command, addr: &str) -> Vec<u8> {
        get.args(["-n", addr])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    }

    pub fn identity_file(&self) -> PathBuf {
        self.home.join("identity.txt")
    }

    pub fn secret_file(&self, addr: &str) -> PathBuf {
        let parts: Vec<&str> = addr.split('/').collect();
        self.home
            .join("store")
            .join(parts[0])
            .join(parts[1])
            .join(format!("{}.age", parts[2]))
    }

    /// Replaces the temp dir in text so snapshots are stable.
    pub fn redact(&self, text: &[u8]) -> String {
        let text = String::from_utf8_lossy(text).into_owned();
        let root = self.root().to_string_lossy().into_owned();
        let text = text.replace(&root, "[TMP]");
        redact_keys(&text)
    }
}

/// Hides age public keys, which differ per run.
pub fn redact_keys(text: &str) -> String {
    text.split_inclusive(|c: char| c.is_whitespace() || c == ',' || c == ')')
        .map(|w| {
            let trimmed = w.trim_end_matches(|c: char| c.is_whitespace() || c == ',' || c == ')');
            if trimmed.starts_with("age1") && trimmed.len() > 50 {
                w.replacen(trimmed, "age1[KEY]", 1)
            } else {
                w.to_owned()
            }
        })
        .collect()
}

pub fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

pub fn chmod(p: &Path, m: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
}

pub fn private_dir(p: &Path) {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(p)
        .unwrap();
}

/// The stderr of a finished command as text.
/// Runs `c` killed at the named step `at` of its command (debug builds abort there when
/// `SIGIL_TEST_FAULT=@at:kill`, like a `kill -9`: no destructor, no undo runs) and checks
/// that it was. The one kill-at-a-step helper of the tests.
pub fn kill_at(mut c: Command, at: &str) -> std::process::Output {
    let out = c
        .env("SIGIL_TEST_FAULT", format!("@{at}:kill"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        None,
        "not killed at {at}: {}",
        stderr(&out)
    );
    out
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A TCP port on 127.0.0.1 that was free a moment ago (for a test server, or a dead address).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Fails with a clear message when a peer program the tests need is missing.
pub fn need(program: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "the tests need `{program}` on PATH; `cargo xtask test` installs it"
    );
}

/// The bus of the private gnome-keyring that `cargo xtask test` starts, when there is one.
/// Keyring tests run only there, so they never touch a developer's own keyring; under
/// `cargo xtask test` (SIGIL_TEST_REQUIRE_KEYRING=1) they always run.
pub fn keyring_env() -> Option<Vec<(String, String)>> {
    std::env::var_os("SIGIL_TEST_REQUIRE_KEYRING")?;
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS")
        .expect("SIGIL_TEST_REQUIRE_KEYRING is set but DBUS_SESSION_BUS_ADDRESS is not");
    let mut env = vec![("DBUS_SESSION_BUS_ADDRESS".to_owned(), bus)];
    if let Ok(c) = std::env::var("GNOME_KEYRING_CONTROL") {
        env.push(("GNOME_KEYRING_CONTROL".to_owned(), c));
    }
    Some(env)
}

/// Whether to run a keyring test; says why not when skipping.
pub fn private_keyring() -> bool {
    let ok = keyring_env().is_some();
    if !ok {
        eprintln!("skipped: needs the private Secret Service of `cargo xtask test`");
    }
    ok
}

/// A service name no other test uses, for tests that share the keyring.
pub fn unique_service(tag: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// `secret-tool ARGS` in the private session; (stdout, success).
pub fn secret_tool(args: &[&str]) -> (Vec<u8>, bool) {
    need("secret-tool");
    let mut c = std::process::Command::new("secret-tool");
    c.args(args);
    for (k, v) in keyring_env().expect("checked by private_keyring()") {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (out.stdout, out.status.success())
}

/// A Secret Service of a test's own — a `dbus-daemon` without service activation and a
/// foreground `gnome-keyring-daemon` — for tests that must change the keyring's state (lock
/// it) without disturbing the shared one. Stopped when dropped.
pub struct OwnKeyring {
    _dir: tempfile::TempDir,
    children: Vec<std::process::Child>,
    pub address: String,
}

impl OwnKeyring {
    pub fn start() -> OwnKeyring {
        use std::io::{BufRead, Write};
        use std::process::{Command as Std, Stdio};
        need("dbus-daemon");
        need("gnome-keyring-daemon");
        need("secret-tool");
        let dir = tempfile::tempdir().unwrap();
        for sub in ["home", "data", "config", "runtime", "bus"] {
            private_dir(&dir.path().join(sub));
        }
        let conf = dir.path().join("bus.conf");
        std::fs::write(
            &conf,
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \
                 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
                 <busconfig><type>session</type><listen>unix:dir={}</listen>\
                 <auth>EXTERNAL</auth><policy context=\"default\">\
                 <allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>\
                 <allow own=\"*\"/></policy></busconfig>\n",
                dir.path().join("bus").display()
            ),
        )
        .unwrap();
        let mut bus = Std::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .args(["--nofork", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut address = String::new();
        std::io::BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_owned();
        assert!(!address.is_empty(), "dbus-daemon printed no address");
        let mut keyring = Std::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", dir.path().join("home"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_RUNTIME_DIR", dir.path().join("runtime"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        keyring.stdin.take().unwrap().write_all(b"pw").unwrap();
        let own = OwnKeyring {
            _dir: dir,
            children: vec![keyring, bus],
            address,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let mut c = Std::new("secret-tool")
                .args([
                    "store",
                    "--label",
                    "probe",
                    "service",
                    "sigil-test-probe",
                    "username",
                    "p",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &own.address)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            c.stdin.take().unwrap().write_all(b"x").unwrap();
            if c.wait().unwrap().success() {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "gnome-keyring did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        own
    }

    /// Locks the login collection, as a screen lock or a timeout would. (Through the
    /// Secret Service API with dbus-send: `secret-tool lock` crashes in libsecret 0.20.)
    pub fn lock(&self) {
        need("dbus-send");
        let out = std::process::Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets",
                "org.freedesktop.Secret.Service.Lock",
                "array:objpath:/org/freedesktop/secrets/collection/login",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "dbus-send Lock failed: {}",
            stderr(&out)
        );
    }
}

impl Drop for OwnKeyring {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One request a [`TinyHttp`] server received.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET /path HTTP/1.1`.
    pub line: String,
    /// The headers as sent.
    pub head: String,
    /// The body, as text.
    pub body: String,
}

/// A minimal HTTP/1.1 server on 127.0.0.1 for tests that need a server to say something no
/// real one would: every request is answered by `answer` with (status, JSON body), and every
/// request is kept for the test to inspect. It serves until the test process ends.
pub struct TinyHttp {
    pub port: u16,
    requests: std::sync::Arc<std::sync::Mutex<Vec<Request>>>,
}

impl TinyHttp {
    pub fn start(answer: impl Fn(&Request) -> (u16, String) + Send + 'static) -> TinyHttp {
        TinyHttp::start_raw(move |request| {
            let (status, text) = answer(request);
            format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            )
            .into_bytes()
        })
    }

    /// [`TinyHttp::start`] for a server that says what no HTTP server should: `answer` writes
    /// the whole response, status line and headers included.
    pub fn start_raw(answer: impl Fn(&Request) -> Vec<u8> + Send + 'static) -> TinyHttp {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let mut head = String::new();
                let mut length = 0usize;
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':')
                        && k.eq_ignore_ascii_case("content-length")
                    {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    head.push_str(&h);
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                let request = Request {
                    line: line.trim_end().to_owned(),
                    head,
                    body: String::from_utf8_lossy(&body).into_owned(),
                };
                let bytes = answer(&request);
                seen.lock().unwrap().push(request);
                let _ = stream.write_all(&bytes);
            }
        });
        TinyHttp { port, requests }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

/// The words that start a program without capabilities when the tests run as root: root may
/// read any process's memory, and a process is only shielded from peers that have no more
/// capabilities than it has, so a test of that shield runs both sides without any.
pub fn peer_prefix() -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    if fs::metadata("/proc/self").unwrap().uid() != 0 {
        return Vec::new();
    }
    need("setpriv");
    ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]
        .map(String::from)
        .to_vec()
}

/// Whether another process of the same user (see [`peer_prefix`]) can read `path`.
pub fn readable_by_a_peer(path: &Path) -> bool {
    std::process::Command::new("/bin/sh")
        .args(["-c", "exec \"$@\" >/dev/null 2>&1", "sh"])
        .args(peer_prefix())
        .arg("cat")
        .arg(path)
        .status()
        .unwrap()
        .success()
}

/// Waits (up to 10 s) until process `pid` shows sigil's start-up hardening: a core-file limit
/// of 0 (soft and hard), and memory and environment that another process of the same user
/// cannot read (not dumpable). Panics with what it saw otherwise.
pub fn assert_hardened(pid: u32) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let limits = fs::read_to_string(format!("/proc/{pid}/limits")).unwrap_or_default();
        let core: Vec<&str> = limits
            .lines()
            .find(|l| l.starts_with("Max core file size"))
            .map(|l| l.split_whitespace().skip(4).take(2).collect())
            .unwrap_or_default();
        let environ = PathBuf::from(format!("/proc/{pid}/environ"));
        let peer_reads = readable_by_a_peer(&environ);
        if core == ["0", "0"] && !peer_reads {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "process {pid} is not hardened: core file size (soft, hard) {core:?}, its environment readable by a peer: {peer_reads}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A new identity made by the real `age-keygen` in `dir/NAME.txt`, and its public key.
pub fn age_keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    need("age-keygen");
    let file = dir.join(format!("{name}.txt"));
    let out = std::process::Command::new("age-keygen")
        .arg("-o")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = std::process::Command::new("age-keygen")
        .arg("-y")
        .arg(&file)
        .output()
        .unwrap();
    (
        file,
        String::from_utf8(out.stdout).unwrap().trim().to_owned(),
    )
}

/// What the real `age -d -i IDENTITY` reads from the secret at `addr`, or `None` when it
/// cannot open it (the identity may be an age identity or an SSH private key).
pub fn age_reads(s: &Sandbox, identity: &Path, addr: &str) -> Option<Vec<u8>> {
    need("age");
    let out = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(s.secret_file(addr))
        .output()
        .unwrap();
    out.status.success().then_some(out.stdout)
}
