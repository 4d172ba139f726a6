//! `cargo-credential-sigil`: cargo's credential provider protocol directly, and the real
//! `cargo login` / `cargo fetch` / `cargo logout` against a sparse registry with
//! `auth-required` served by a tiny HTTP server on 127.0.0.1.

use crate::support::*;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = "cargo-credential-sigil";
const HELLO: &str = "{\"v\":[1]}";
const NOT_FOUND: &str = "{\"Err\":{\"kind\":\"not-found\"}}";
const INDEX: &str = "sparse+http://127.0.0.1:8080/index/";

/// Runs the provider as cargo does, with these request lines; (exit code, answer lines after
/// the hello, stderr).
fn provider(s: &Sandbox, input: &[u8]) -> (Option<i32>, Vec<String>, String) {
    let out = s
        .cmd(BIN)
        .arg("--cargo-plugin")
        .write_stdin(input.to_vec())
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let mut lines = text.lines().map(str::to_owned);
    assert_eq!(lines.next().as_deref(), Some(HELLO), "the hello first");
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    (out.status.code(), lines.collect(), stderr(&out))
}

fn request(kind: &str, index: &str, extra: &str) -> String {
    format!(
        "{{\"v\":1,\"registry\":{{\"index-url\":{},\"name\":\"local\"}},\"kind\":\"{kind}\"{extra}}}\n",
        serde_json::to_string(index).unwrap()
    )
}

/// One request, one answer line.
fn ask(s: &Sandbox, line: &str) -> String {
    let (code, lines, err) = provider(s, line.as_bytes());
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0].clone()
}

fn login(s: &Sandbox, index: &str, token: &str) {
    let extra = format!(",\"token\":{}", serde_json::to_string(token).unwrap());
    assert_eq!(
        ask(s, &request("login", index, &extra)),
        "{\"Ok\":{\"kind\":\"login\"}}"
    );
}

/// `get`'s token, or `None` for the protocol's "not found".
fn get(s: &Sandbox, index: &str) -> Option<String> {
    let line = ask(
        s,
        &request("get", index, ",\"operation\":\"read\",\"args\":[]"),
    );
    if line == NOT_FOUND {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["Ok"]["kind"], "get", "{line}");
    assert_eq!(v["Ok"]["operation_independent"], true, "{line}");
    Some(v["Ok"]["token"].as_str().unwrap().to_owned())
}

fn audit_log(s: &Sandbox) -> String {
    fs::read_to_string(s.home.join("audit.log")).unwrap_or_default()
}

#[test]
fn login_get_logout_round_trip() {
    let s = Sandbox::init();
    login(&s, INDEX, "cio-s3cret");
    assert_eq!(get(&s, INDEX).as_deref(), Some("cio-s3cret"));
    let line = ask(&s, &request("get", INDEX, ",\"operation\":\"read\""));
    assert!(line.contains("\"cache\":\"session\""), "{line}");
    assert_eq!(
        s.get("127.0.0.1-8080/local"),
        b"cio-s3cret",
        "filed where sigil shows it"
    );
    // Another login replaces it: one token per registry.
    login(&s, INDEX, "n3w");
    assert_eq!(get(&s, INDEX).as_deref(), Some("n3w"));
    // A publish is answered with the same token.
    let line = ask(
        &s,
        &request(
            "get",
            INDEX,
            ",\"operation\":\"publish\",\"name\":\"c\",\"vers\":\"1.0.0\",\"cksum\":\"ab\"",
        ),
    );
    assert!(line.contains("\"token\":\"n3w\""), "{line}");
    // Words from cargo's configuration come in args: --backend chooses the backend.
    let line = ask(
        &s,
        &request(
            "get",
            INDEX,
            ",\"operation\":\"read\",\"args\":[\"--backend\",\"file\"]",
        ),
    );
    assert!(line.contains("\"token\":\"n3w\""), "{line}");
    // Several requests in one conversation are each answered.
    let both = format!(
        "{}{}",
        request("get", INDEX, ",\"operation\":\"read\""),
        request("frob", INDEX, "")
    );
    let (code, lines, _) = provider(&s, both.as_bytes());
    assert_eq!(code, Some(0));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[1], "{\"Err\":{\"kind\":\"operation-not-supported\"}}");
    // Logout erases; a second is "not found", which cargo reports as not logged in.
    assert_eq!(
        ask(&s, &request("logout", INDEX, "")),
        "{\"Ok\":{\"kind\":\"logout\"}}"
    );
    assert_eq!(ask(&s, &request("logout", INDEX, "")), NOT_FOUND);
    assert_eq!(get(&s, INDEX), None);
}

#[test]
fn index_urls_must_match_exactly() {
    let s = Sandbox::init();
    login(&s, INDEX, "loopback");
    login(
        &s,
        "sparse+https://cargo.example.com/api/v1/crates/",
        "corp",
    );
    for (same, token) in [
        ("sparse+http://127.0.0.1:8080/index", "loopback"),
        ("SPARSE+HTTP://127.0.0.1:8080/index//", "loopback"),
        (
            "sparse+https://Cargo.Example.COM:443/api/v1/crates/",
            "corp",
        ),
    ] {
        assert_eq!(get(&s, same).as_deref(), Some(token), "{same}");
    }
    for other in [
        "sparse+http://localhost:8080/index/",
        "sparse+http://127.0.0.1:8081/index/",
        "sparse+http://127.0.0.2:8080/index/",
        "sparse+http://127.0.0.1/index/",
        "sparse+https://127.0.0.1:8080/index/",
        "http://127.0.0.1:8080/index/",
        "https://127.0.0.1:8080/index/",
        "sparse+http://127.0.0.1:8080/",
        "sparse+http://127.0.0.1:8080/index/x/",
        "sparse+http://127.0.0.1:8080/Index/",
        "sparse+http://127.0.0.1:8080/index.evil/",
        "sparse+http://evil.example/sparse+http://127.0.0.1:8080/index/",
        "sparse+http://127.0.0.1:8080@evil.example/index/",
        "sparse+http://evil.example#@127.0.0.1:8080/index/",
        "sparse+http://evil.example/?sparse+http://127.0.0.1:8080/index/",
        "sparse+http://cargo.example.com/api/v1/crates/",
        "sparse+https://cargo.example.com.evil.example/api/v1/crates/",
        "sparse+https://cargo.example.com./api/v1/crates/",
        "sparse+https://cargo%2eexample.com/api/v1/crates/",
        "sparse+https://cargo.example.com:8443/api/v1/crates/",
        "sparse+https://cargo.example.com/api/v1/",
        "127.0.0.1:8080/index/",
    ] {
        assert_eq!(get(&s, other), None, "{other} got a token");
    }
    // A logout of another registry erases nothing.
    for other in [
        "sparse+http://localhost:8080/index/",
        "sparse+http://127.0.0.1:8080/",
    ] {
        assert_eq!(ask(&s, &request("logout", other, "")), NOT_FOUND);
    }
    assert_eq!(get(&s, INDEX).as_deref(), Some("loopback"));
}

#[test]
fn garbage_on_stdin_is_the_protocols_error_without_a_panic() {
    let s = Sandbox::init();
    login(&s, INDEX, "s3cret");
    let big = vec![b'x'; (1 << 20) + 10];
    let index = serde_json::to_string(INDEX).unwrap();
    for (input, want) in [
        (
            &b"not json\n"[..],
            "the request from cargo is not JSON at line 1 column 2",
        ),
        (b"\xff\xfe\x00{\n", "the request from cargo is not JSON"),
        (
            b"[1,2]\n",
            "the request from cargo is not a request of the credential provider protocol",
        ),
        (b"{\"v\":1\n", "the request from cargo ends inside its JSON"),
        (
            b"{\"v\":\"one\"}\n",
            "the request from cargo is not a request",
        ),
        (
            b"{\"kind\":\"get\"}\n",
            "the request from cargo has no protocol version (v)",
        ),
        (
            b"{\"v\":2,\"kind\":\"get\"}\n",
            "the request from cargo is in protocol version 2",
        ),
        (
            b"{\"v\":1,\"kind\":\"get\"}\n",
            "the request from cargo has no registry index URL",
        ),
        (&big, "the request from cargo is longer than 1 MiB"),
    ] {
        let (code, lines, err) = provider(&s, input);
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(lines.len(), 1, "one error, then the end: {lines:?}");
        let v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(v["Err"]["kind"], "other", "{}", lines[0]);
        let message = v["Err"]["message"].as_str().unwrap();
        assert!(message.starts_with(want), "{message}");
        assert!(err.starts_with(&format!("{BIN}: error: {want}")), "{err}");
    }
    // A login without a token, or with an index URL sigil cannot bind, is an error, not a
    // prompt; a token of the wrong type is never repeated.
    for (line, want) in [
        (request("login", INDEX, ""), "cargo sent no token"),
        (
            request("login", "sparse+https://user@h/", ",\"token\":\"t\""),
            "'sparse+https://user@h/' is not a registry index URL",
        ),
        (
            format!(
                "{{\"v\":1,\"registry\":{{\"index-url\":{index}}},\"kind\":\"login\",\"token\":7654321}}\n"
            ),
            "the request from cargo is not a request of the credential provider protocol at line 1 column",
        ),
        (
            request("get", INDEX, ",\"args\":[\"--frob\"]"),
            "unknown argument '--frob'",
        ),
    ] {
        let (code, lines, err) = provider(&s, line.as_bytes());
        assert_eq!(code, Some(0), "{err}");
        let v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        let message = v["Err"]["message"].as_str().unwrap();
        assert!(message.starts_with(want), "{message}");
        assert!(
            !err.contains("7654321") && !message.contains("7654321"),
            "{err}"
        );
    }
    // An empty input is a hello and nothing else; without --cargo-plugin nothing at all is
    // printed on stdout (so `cargo:token-from-stdout cargo-credential-sigil` sends no token).
    let (code, lines, _) = provider(&s, b"");
    assert_eq!((code, lines.len()), (Some(0), 0));
    let out = s
        .cmd(BIN)
        .write_stdin(request("get", INDEX, ",\"operation\":\"read\""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(stderr(&out).contains("--cargo-plugin"), "{}", stderr(&out));
    assert_eq!(get(&s, INDEX).as_deref(), Some("s3cret"));
}

#[test]
fn a_policy_without_cargo_refuses_get_login_and_logout_at_once() {
    let s = Sandbox::init();
    login(&s, INDEX, "s3cret");
    s.cmd("sigil-policy")
        .args(["set", "127.0.0.1-8080/local", "--allow", "get,git,docker"])
        .assert()
        .success();
    for line in [
        request("get", INDEX, ",\"operation\":\"read\""),
        request("login", INDEX, ",\"token\":\"new\""),
        request("logout", INDEX, ""),
    ] {
        let started = Instant::now();
        let answer = ask(&s, &line);
        assert!(started.elapsed() < Duration::from_secs(10), "{line} hung");
        let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(v["Err"]["kind"], "other", "{answer}");
        assert_eq!(
            v["Err"]["message"],
            "the policy of '127.0.0.1-8080/local' refuses `cargo-credential-sigil`: \
             --allow get,git,docker does not include cargo",
            "{line}"
        );
    }
    assert_eq!(s.get("127.0.0.1-8080/local"), b"s3cret");
    let log = audit_log(&s);
    assert!(
        log.contains(
            "\"event\":\"cargo\",\"addresses\":[\"127.0.0.1-8080/local\"],\"outcome\":\"refused\""
        ),
        "{log}"
    );
    s.cmd("sigil-policy")
        .args(["set", "127.0.0.1-8080/local", "--allow", "cargo"])
        .assert()
        .success();
    assert_eq!(get(&s, INDEX).as_deref(), Some("s3cret"));
}

#[test]
fn each_answer_is_one_audit_entry_naming_cargo_and_no_secret() {
    let s = Sandbox::init();
    let secret = "Sup3r-s3cret-cargo-token";
    login(&s, INDEX, secret);
    for _ in 0..3 {
        assert_eq!(get(&s, INDEX).as_deref(), Some(secret));
    }
    assert_eq!(get(&s, "sparse+http://localhost:8080/index/"), None);
    ask(&s, &request("logout", INDEX, ""));
    let log = audit_log(&s);
    let entries: Vec<&str> = log.lines().filter(|l| l.contains(BIN)).collect();
    let count = |event: &str| {
        entries
            .iter()
            .filter(|l| l.contains(&format!("\"event\":\"{event}\"")))
            .count()
    };
    assert_eq!(
        (count("add"), count("cargo"), count("rm"), entries.len()),
        (1, 3, 1, 5),
        "{log}"
    );
    assert!(!log.contains(secret), "the token in the audit log");
    for entry in files_under(&s.home) {
        let bytes = fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{} holds the token",
            entry.display()
        );
    }
}

#[test]
fn a_mapped_registry_answers_and_cargo_does_not_change_it() {
    let s = Sandbox::init();
    s.add("corp/cargo", b"corp-mapped");
    let config = s.home.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[cargo.\"sparse+https://cargo.corp.example/index/\"]\naddress = \"corp/cargo\"\n",
    );
    fs::write(&config, &text).unwrap();
    let corp = "sparse+https://cargo.corp.example/index/";
    assert_eq!(get(&s, corp).as_deref(), Some("corp-mapped"));
    assert_eq!(get(&s, "sparse+http://cargo.corp.example/index/"), None);
    // A login with the token it holds is nothing; any other is refused; logout keeps it.
    login(&s, corp, "corp-mapped");
    let line = ask(&s, &request("login", corp, ",\"token\":\"other\""));
    assert!(line.contains("is mapped to 'corp/cargo'"), "{line}");
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert!(
        !v["Err"]["message"].as_str().unwrap().contains("other"),
        "{line}"
    );
    let line = ask(&s, &request("logout", corp, ""));
    assert!(line.contains("which cargo does not delete"), "{line}");
    assert_eq!(s.get("corp/cargo"), b"corp-mapped");
    // A mapping that names no index URL is an error on every call, not a silent miss.
    text.push_str(
        "\n[cargo.\"sparse+https://me@cargo.corp.example/\"]\naddress = \"corp/cargo\"\n",
    );
    fs::write(&config, &text).unwrap();
    let line = ask(&s, &request("get", corp, ",\"operation\":\"read\""));
    assert!(
        line.contains("config.toml maps the cargo registry"),
        "{line}"
    );
}

// ---------------------------------------------------------------------------------------
// With the real cargo, against a sparse registry with auth-required on 127.0.0.1.

const CRATE: &str = "sigiltiny";

/// A sparse registry with `auth-required` on a free port of 127.0.0.1: `index/config.json`,
/// one crate's index file and its download, each only with `Authorization: TOKEN`; anything
/// else is a 401 with cargo's `WWW-Authenticate`. A `config` is a hostile registry's
/// config.json, served to anyone (it names another registry's `dl`). Every `Authorization`
/// it receives is kept.
struct SparseRegistry {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl SparseRegistry {
    fn start(token: &'static str, config: Option<String>) -> SparseRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let kept = seen.clone();
        let (krate, cksum) = crate_file();
        // A hostile registry serves its config.json to anyone.
        let open_config = config.is_some();
        let config = config.unwrap_or_else(|| {
            format!(
                "{{\"dl\":\"http://127.0.0.1:{port}/dl\",\"api\":\"http://127.0.0.1:{port}\",\
                 \"auth-required\":true}}"
            )
        });
        let entry = format!(
            "{{\"name\":\"{CRATE}\",\"vers\":\"0.1.0\",\"deps\":[],\"cksum\":\"{cksum}\",\
             \"features\":{{}},\"yanked\":false}}\n"
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let path = line.split(' ').nth(1).unwrap_or_default().to_owned();
                let mut auth = None;
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':')
                        && k.eq_ignore_ascii_case("authorization")
                    {
                        auth = Some(v.trim().to_owned());
                    }
                }
                if let Some(a) = &auth {
                    kept.lock().unwrap().push(a.clone());
                }
                let body: Option<Vec<u8>> = match path.as_str() {
                    "/index/config.json" => Some(config.clone().into_bytes()),
                    "/index/si/gi/sigiltiny" => Some(entry.clone().into_bytes()),
                    p if p.starts_with(&format!("/dl/{CRATE}/0.1.0")) => Some(krate.clone()),
                    _ => None,
                };
                let open = open_config && path == "/index/config.json";
                let (status, body, extra) = match body {
                    _ if !open && auth.as_deref() != Some(token) => (
                        "401 Unauthorized",
                        b"{\"errors\":[{\"detail\":\"token required\"}]}".to_vec(),
                        format!(
                            "WWW-Authenticate: Cargo login_url=\"http://127.0.0.1:{port}/me\"\r\n"
                        ),
                    ),
                    Some(b) => ("200 OK", b, String::new()),
                    None => ("404 Not Found", b"not found".to_vec(), String::new()),
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            }
        });
        SparseRegistry { port, seen }
    }

    fn index(&self) -> String {
        format!("sparse+http://127.0.0.1:{}/index/", self.port)
    }

    fn authorizations(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// The crate's `.crate` file (a gzipped tar of its Cargo.toml and lib.rs) and its SHA-256.
fn crate_file() -> (Vec<u8>, String) {
    use sha2::{Digest, Sha256};
    let mut tar = tar::Builder::new(Vec::new());
    for (name, text) in [
        (
            "Cargo.toml",
            format!("[package]\nname = \"{CRATE}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        ),
        ("src/lib.rs", "pub fn tiny() {}\n".to_owned()),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(
            &mut header,
            format!("{CRATE}-0.1.0/{name}"),
            text.as_bytes(),
        )
        .unwrap();
    }
    let raw = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).unwrap();
    let bytes = gz.finish().unwrap();
    let sum = format!("{:x}", Sha256::digest(&bytes));
    (bytes, sum)
}

/// The cargo that runs these tests (the toolchain's own binary, not rustup's proxy), else
/// `cargo` on PATH.
fn cargo_program() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .unwrap_or_else(|| {
            need("cargo");
            PathBuf::from("cargo")
        })
}

/// `cargo ARGS` with a private CARGO_HOME in the sandbox, our binaries first on PATH (so
/// `cargo-credential-sigil` in cargo's config is ours), no proxy, nothing of the user's cargo
/// settings, and the network on (loopback only: the project depends on nothing else).
fn cargo(s: &Sandbox, args: &[&str], stdin: &str) -> std::process::Output {
    let program = cargo_program();
    let mut c = std::process::Command::new(&program);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        let lower = k.to_ascii_lowercase();
        if k.starts_with("SIGIL_")
            || k.starts_with("CARGO")
            || k.starts_with("RUSTC")
            || k.starts_with("RUSTFLAGS")
            || lower.ends_with("_proxy")
        {
            c.env_remove(k);
        }
    }
    let mut path = vec![bin_dir()];
    if let Some(dir) = program.parent().filter(|d| !d.as_os_str().is_empty()) {
        path.push(dir.to_owned());
    }
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    c.env("PATH", std::env::join_paths(path).unwrap())
        .env("SIGIL_HOME", &s.home)
        .env("CARGO_HOME", s.root().join("cargo-home"))
        .env("CARGO_TARGET_DIR", s.root().join("target"))
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_HTTP_TIMEOUT", "30")
        .env("CARGO_NET_RETRY", "0")
        .env("NO_PROXY", "127.0.0.1")
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .current_dir(s.root().join("project"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("cargo {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// cargo's config.toml in the private CARGO_HOME: `local` is the registry with the token,
/// `other` a second registry on another port; sigil is the provider of both, for `local` by
/// name and for every registry through the global list.
fn cargo_setup(s: &Sandbox, local: &SparseRegistry, other: &SparseRegistry) {
    let home = s.root().join("cargo-home");
    fs::create_dir_all(&home).unwrap();
    fs::write(
        home.join("config.toml"),
        format!(
            "[registry]\nglobal-credential-providers = [\"cargo-credential-sigil\"]\n\n\
             [registries.local]\nindex = \"{}\"\ncredential-provider = \"cargo-credential-sigil\"\n\n\
             [registries.other]\nindex = \"{}\"\n",
            local.index(),
            other.index()
        ),
    )
    .unwrap();
    let project = s.root().join("project");
    fs::create_dir_all(project.join("src")).unwrap();
    fs::write(project.join("src/lib.rs"), "").unwrap();
    project_depends_on(s, "local");
}

/// The test project depends on the crate from `registry`, and on nothing else.
fn project_depends_on(s: &Sandbox, registry: &str) {
    let project = s.root().join("project");
    let _ = fs::remove_file(project.join("Cargo.lock"));
    fs::write(
        project.join("Cargo.toml"),
        format!(
            "[package]\nname = \"consumer\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\n{CRATE} = {{ version = \"0.1\", registry = \"{registry}\" }}\n"
        ),
    )
    .unwrap();
}

/// `cargo login` stores through sigil, `cargo fetch` authenticates with what sigil returns,
/// a second registry on the same host (whose config.json names the first one's `dl`) gets
/// nothing, `cargo logout` erases; the token is in no argv, log or message on the way.
#[test]
fn cargo_login_fetch_and_logout_against_a_sparse_registry_with_auth() {
    let s = Sandbox::init();
    let token = "cio-Reg1stry-t0ken";
    let local = SparseRegistry::start(token, None);
    let hostile = format!(
        "{{\"dl\":\"http://127.0.0.1:{}/dl\",\"api\":\"http://127.0.0.1:{}\",\"auth-required\":true}}",
        local.port, local.port
    );
    let other = SparseRegistry::start("other-token", Some(hostile));
    cargo_setup(&s, &local, &other);
    let text = |out: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };

    // Before a login: sigil has nothing, and cargo says so.
    let out = cargo(&s, &["fetch"], "");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("no token found for `local`"),
        "{}",
        text(&out)
    );
    assert!(!local.authorizations().iter().any(|a| a == token));

    // The token on cargo login's stdin, never in its argv.
    let out = cargo(&s, &["login", "--registry", "local"], &format!("{token}\n"));
    assert!(out.status.success(), "cargo login: {}", text(&out));
    assert!(!text(&out).contains(token), "{}", text(&out));
    assert_eq!(get(&s, &local.index()).as_deref(), Some(token));
    assert_eq!(
        s.get(&format!("127.0.0.1-{}/local", local.port)),
        b"cio-Reg1stry-t0ken"
    );
    // Nothing in cargo's own credentials file.
    assert!(!s.root().join("cargo-home/credentials.toml").exists());

    let out = cargo(&s, &["fetch"], "");
    assert!(out.status.success(), "cargo fetch: {}", text(&out));
    assert!(!text(&out).contains(token), "{}", text(&out));
    assert!(
        local.authorizations().iter().any(|a| a == token),
        "the registry never saw the token"
    );
    let lock = fs::read_to_string(s.root().join("project/Cargo.lock")).unwrap();
    assert!(lock.contains(&format!("name = \"{CRATE}\"")), "{lock}");
    assert!(
        fs::read_dir(s.root().join("cargo-home/registry/cache"))
            .unwrap()
            .flatten()
            .any(|d| d.path().join(format!("{CRATE}-0.1.0.crate")).is_file()),
        "the crate was not downloaded"
    );

    // The other registry on the same host asks for its own index URL, and gets nothing,
    // although its config.json names the first registry's dl.
    project_depends_on(&s, "other");
    let before = local.authorizations().len();
    let out = cargo(&s, &["fetch"], "");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("no token found for `other`"),
        "{}",
        text(&out)
    );
    assert!(
        !other.authorizations().iter().any(|a| a == token),
        "the token went to the other registry"
    );
    assert_eq!(
        local.authorizations().len(),
        before,
        "a download through the hostile config.json"
    );
    project_depends_on(&s, "local");

    // A policy without cargo: cargo gets the protocol's error at once and shows it.
    let account = format!("127.0.0.1-{}/local", local.port);
    s.cmd("sigil-policy")
        .args(["set", &account, "--allow", "get"])
        .assert()
        .success();
    let _ = fs::remove_dir_all(s.root().join("cargo-home/registry"));
    let _ = fs::remove_file(s.root().join("project/Cargo.lock"));
    let started = Instant::now();
    let out = cargo(&s, &["generate-lockfile"], "");
    assert!(started.elapsed() < Duration::from_secs(60), "cargo waited");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "the policy of '{account}' refuses `cargo-credential-sigil`"
        )),
        "{}",
        text(&out)
    );
    s.cmd("sigil-policy")
        .args(["set", &account, "--allow", "cargo"])
        .assert()
        .success();

    let out = cargo(&s, &["logout", "--registry", "local"], "");
    assert!(out.status.success(), "cargo logout: {}", text(&out));
    assert_eq!(get(&s, &local.index()), None);
    let out = cargo(&s, &["logout", "--registry", "local"], "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("not currently logged in"),
        "{}",
        text(&out)
    );
    // A fresh fetch (nothing cached) is refused again.
    let _ = fs::remove_dir_all(s.root().join("cargo-home/registry"));
    let out = cargo(&s, &["generate-lockfile"], "");
    assert!(!out.status.success(), "{}", text(&out));

    let log = audit_log(&s);
    assert!(!log.contains(token), "the token in the audit log");
    let cargo_entries = log
        .lines()
        .filter(|l| l.contains("\"binary\":\"cargo-credential-sigil\""))
        .count();
    assert!(cargo_entries >= 3, "{log}");
}
