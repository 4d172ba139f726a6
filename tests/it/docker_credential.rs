//! `docker-credential-sigil`: the helper protocol directly, and a real `docker login` /
//! `skopeo copy` / `skopeo inspect` / `docker logout` against Debian's `docker-registry`
//! behind htpasswd auth on 127.0.0.1.

use crate::support::*;
use assert_cmd::Command;
use std::fs;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = "docker-credential-sigil";
const NOT_FOUND: &str = "credentials not found in native keychain\n";

/// Runs the helper with `action` and `input` on stdin.
fn helper(s: &Sandbox, action: &str, input: &[u8]) -> std::process::Output {
    s.cmd(BIN)
        .arg(action)
        .write_stdin(input.to_vec())
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap()
}

/// `store` of one credential, asserting a silent, clean exit.
fn store(s: &Sandbox, server: &str, username: &str, secret: &str) {
    let json = serde_json::json!({"ServerURL": server, "Username": username, "Secret": secret});
    let out = helper(s, "store", json.to_string().as_bytes());
    assert!(out.status.success(), "store {server}: {out:?}");
    assert!(out.stdout.is_empty(), "store prints nothing: {out:?}");
    assert_eq!(stderr(&out), "", "store {server}");
}

/// `get`'s answer as (username, secret), or `None` for the protocol's "not found".
fn get(s: &Sandbox, server: &str) -> Option<(String, String)> {
    let out = helper(s, "get", server.as_bytes());
    if out.status.code() == Some(1) && out.stdout == NOT_FOUND.as_bytes() {
        assert_eq!(stderr(&out), "", "get {server:?}");
        return None;
    }
    assert!(out.status.success(), "get {server:?}: {out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ServerURL"], server.trim(), "the server URL as sent");
    Some((
        v["Username"].as_str().unwrap().to_owned(),
        v["Secret"].as_str().unwrap().to_owned(),
    ))
}

/// The protocol's error: exit 1, one line on stdout, sigil's report on stderr, no panic.
fn protocol_error(out: &std::process::Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let line = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        line.ends_with('\n') && line.lines().count() == 1,
        "{line:?}"
    );
    assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
    line.trim_end().to_owned()
}

fn audit_log(s: &Sandbox) -> String {
    fs::read_to_string(s.home.join("audit.log")).unwrap_or_default()
}

/// Maps `server` to `address` for docker in the sandbox's config.toml.
fn map_server(s: &Sandbox, server: &str, address: &str, username: Option<&str>) {
    let config = s.home.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap_or_default();
    text.push_str(&format!(
        "\n[docker.\"{server}\"]\naddress = \"{address}\"\n"
    ));
    if let Some(u) = username {
        text.push_str(&format!("username = \"{u}\"\n"));
    }
    fs::write(config, text).unwrap();
}

#[test]
fn store_get_list_erase_round_trip() {
    let s = Sandbox::init();
    store(&s, "127.0.0.1:5000", "alice", "s3cret");
    store(&s, "https://index.docker.io/v1/", "<token>", "idt-1");
    assert_eq!(
        get(&s, "127.0.0.1:5000\n"),
        Some(("alice".into(), "s3cret".into()))
    );
    assert_eq!(
        get(&s, "https://index.docker.io/v1/"),
        Some(("<token>".into(), "idt-1".into()))
    );
    assert_eq!(
        s.get("127.0.0.1-5000/alice/api_key"),
        b"s3cret",
        "filed where sigil shows it"
    );
    assert_eq!(s.get("index.docker.io/identity-token"), b"idt-1");
    let out = helper(&s, "list", b"");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"127.0.0.1:5000\":\"alice\",\"https://index.docker.io/v1\":\"<token>\"}\n"
    );
    // A second login replaces the first: one credential per server, as docker keeps them.
    store(&s, "127.0.0.1:5000", "alice", "n3w");
    assert_eq!(
        get(&s, "127.0.0.1:5000"),
        Some(("alice".into(), "n3w".into()))
    );
    store(&s, "127.0.0.1:5000", "bob", "b0b");
    assert_eq!(
        get(&s, "127.0.0.1:5000"),
        Some(("bob".into(), "b0b".into()))
    );
    let listed = s.cmd("sigil-list").assert().success();
    let listed = String::from_utf8_lossy(&listed.get_output().stdout).into_owned();
    assert!(!listed.contains("127.0.0.1-5000/alice"), "{listed}");
    // Erase forgets the server's credential, and erasing it again succeeds quietly.
    for _ in 0..2 {
        let out = helper(&s, "erase", b"127.0.0.1:5000");
        assert!(out.status.success(), "{out:?}");
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    }
    assert_eq!(get(&s, "127.0.0.1:5000"), None);
    let out = helper(&s, "version", b"");
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("docker-credential-sigil (sigil) "),
        "{out:?}"
    );
}

#[test]
fn servers_must_match_exactly() {
    let s = Sandbox::init();
    store(&s, "127.0.0.1:5000", "alice", "loopback");
    store(&s, "https://index.docker.io/v1/", "hubuser", "hub");
    store(&s, "registry.example.com", "carol", "example");
    // The same servers, spelled differently: the same credential.
    for (same, secret) in [
        (" 127.0.0.1:5000 \n", "loopback"),
        ("HTTPS://INDEX.DOCKER.IO/v1", "hub"),
        ("https://index.docker.io:443/v1//", "hub"),
        ("Registry.Example.COM", "example"),
    ] {
        assert_eq!(
            get(&s, same).map(|(_, p)| p).as_deref(),
            Some(secret),
            "{same}"
        );
    }
    // Another host, port, scheme or path, or a name that tries to look like one: nothing.
    for other in [
        "localhost:5000",
        "127.0.0.1:5001",
        "127.0.0.1",
        "127.0.0.2:5000",
        "http://127.0.0.1:5000",
        "https://127.0.0.1:5000",
        "127.0.0.1:5000/v2",
        "docker.io",
        "index.docker.io",
        "registry-1.docker.io",
        "https://index.docker.io/v2/",
        "http://index.docker.io/v1/",
        "https://index.docker.io.evil.example/v1/",
        "https://evil.example/https://index.docker.io/v1/",
        "https://index.docker.io@evil.example/v1/",
        "https://evil.example#@index.docker.io/v1/",
        "evil.example?registry.example.com",
        "registry.example.com.",
        "registry.example.com.evil.example",
        "registry%2eexample.com",
        "registry.example.com\\@evil",
        "registry.example.com:443",
        "https://registry.example.com",
        "xn--registry.example.com",
    ] {
        assert_eq!(get(&s, other), None, "{other} got a credential");
    }
}

#[test]
fn garbage_on_stdin_is_the_protocols_error_without_a_panic() {
    let s = Sandbox::init();
    store(&s, "127.0.0.1:5000", "alice", "s3cret");
    let big = vec![b'x'; (1 << 20) + 10];
    for (action, input, want) in [
        (
            "store",
            &b"not json"[..],
            "the helper's input is not the credentials",
        ),
        ("store", b"", "the helper's input holds no credentials"),
        (
            "store",
            b"[\"a\"]",
            "the helper's input is not the credentials",
        ),
        (
            "store",
            b"{\"ServerURL\":\"h\",\"Secret\":\"s\"}",
            "no credentials username",
        ),
        (
            "store",
            b"{\"Username\":\"u\",\"Secret\":\"s\"}",
            "no credentials server URL",
        ),
        (
            "store",
            b"{\"ServerURL\":5}",
            "the helper's input is not the credentials",
        ),
        (
            "store",
            b"\xff\xfe\x00{",
            "the helper's input is not the credentials",
        ),
        (
            "store",
            b"{\"ServerURL\":\"ftp://x\",\"Username\":\"u\",\"Secret\":\"s\"}",
            "'ftp://x' is not a registry server",
        ),
        ("store", &big, "the helper's input is larger than 1 MiB"),
        ("get", b"", "no credentials server URL"),
        ("get", b" \n\t", "no credentials server URL"),
        (
            "get",
            b"\xff\xfe\x00",
            "credentials not found in native keychain",
        ),
        (
            "get",
            b"{\"ServerURL\":\"127.0.0.1:5000\"}",
            "credentials not found in native keychain",
        ),
        ("get", &big, "the helper's input is larger than 1 MiB"),
        ("erase", b"", "no credentials server URL"),
        ("frobnicate", b"", "unknown credential action `frobnicate`"),
    ] {
        let out = helper(&s, action, input);
        let line = protocol_error(&out);
        assert!(
            line.starts_with(want),
            "{action} {:?}: {line}",
            &input[..input.len().min(40)]
        );
        if want != NOT_FOUND.trim_end() {
            assert!(
                stderr(&out).starts_with(&format!("{BIN}: error: {want}")),
                "{}",
                stderr(&out)
            );
        }
    }
    // A secret of the wrong type is not repeated in the error, on stdout or stderr.
    let out = helper(
        &s,
        "store",
        br#"{"ServerURL":"127.0.0.1:5000","Username":"alice","Secret":7654321}"#,
    );
    let line = protocol_error(&out);
    assert_eq!(
        line,
        "the helper's input is not the credentials: it is not a JSON object of strings at \
         line 1 column 65"
    );
    assert!(!stderr(&out).contains("7654321"), "{}", stderr(&out));
    // Garbage to erase deletes nothing.
    let out = helper(&s, "erase", b"\xff\xfe");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(get(&s, "127.0.0.1:5000").unwrap().1, "s3cret");
}

#[test]
fn a_policy_without_docker_refuses_get_store_and_erase_at_once() {
    let s = Sandbox::init();
    store(&s, "127.0.0.1:5000", "alice", "s3cret");
    s.cmd("sigil-policy")
        .args(["set", "127.0.0.1-5000/alice", "--allow", "get,git"])
        .assert()
        .success();
    for (action, input) in [
        ("get", &b"127.0.0.1:5000"[..]),
        (
            "store",
            b"{\"ServerURL\":\"127.0.0.1:5000\",\"Username\":\"alice\",\"Secret\":\"new\"}",
        ),
        ("erase", b"127.0.0.1:5000"),
    ] {
        let started = Instant::now();
        let out = helper(&s, action, input);
        assert!(started.elapsed() < Duration::from_secs(10), "{action} hung");
        let line = protocol_error(&out);
        assert_eq!(
            line,
            "the policy of '127.0.0.1-5000/alice' refuses `docker-credential-sigil`: \
             --allow get,git does not include docker",
            "{action}"
        );
        assert!(stderr(&out).contains("help: "), "{}", stderr(&out));
    }
    assert_eq!(s.get("127.0.0.1-5000/alice"), b"s3cret");
    let log = audit_log(&s);
    assert!(
        log.contains(
            "\"event\":\"docker\",\"addresses\":[\"127.0.0.1-5000/alice\"],\"outcome\":\"refused\""
        ),
        "{log}"
    );
    // --allow docker lets it through.
    s.cmd("sigil-policy")
        .args(["set", "127.0.0.1-5000/alice", "--allow", "docker"])
        .assert()
        .success();
    assert_eq!(get(&s, "127.0.0.1:5000").unwrap().1, "s3cret");
}

#[test]
fn each_answer_is_one_audit_entry_naming_docker_and_no_secret() {
    let s = Sandbox::init();
    let secret = "Sup3r-s3cret-docker-value";
    store(&s, "127.0.0.1:5000", "alice", secret);
    for _ in 0..3 {
        assert_eq!(get(&s, "127.0.0.1:5000").unwrap().1, secret);
    }
    assert_eq!(get(&s, "localhost:5000"), None);
    helper(&s, "erase", b"127.0.0.1:5000");
    let log = audit_log(&s);
    let entries: Vec<&str> = log.lines().filter(|l| l.contains(BIN)).collect();
    let count = |event: &str| {
        entries
            .iter()
            .filter(|l| l.contains(&format!("\"event\":\"{event}\"")))
            .count()
    };
    assert_eq!(
        (count("add"), count("docker"), count("rm"), entries.len()),
        (1, 3, 1, 5),
        "{log}"
    );
    assert!(
        entries
            .iter()
            .all(|l| l.contains("\"binary\":\"docker-credential-sigil\"")),
        "{log}"
    );
    assert!(!log.contains(secret), "the secret in the audit log");
    // Nor anywhere else in the home in the clear.
    for entry in files_under(&s.home) {
        let bytes = fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{} holds the secret",
            entry.display()
        );
    }
}

#[test]
fn a_mapped_server_answers_and_docker_does_not_change_it() {
    let s = Sandbox::init();
    s.add("github/octo", b"ghp_mapped");
    map_server(&s, "ghcr.io", "github/octo", None);
    map_server(
        &s,
        "https://index.docker.io/v1/",
        "github/octo",
        Some("octo-hub"),
    );
    assert_eq!(
        get(&s, "ghcr.io"),
        Some(("octo".into(), "ghp_mapped".into()))
    );
    assert_eq!(
        get(&s, "https://index.docker.io/v1/"),
        Some(("octo-hub".into(), "ghp_mapped".into()))
    );
    assert_eq!(get(&s, "ghcr.io:443"), None);
    assert_eq!(get(&s, "docker.pkg.github.com"), None);
    // Storing what it holds is nothing; anything else is refused, and erase keeps it.
    store(&s, "ghcr.io", "octo", "ghp_mapped");
    let json = br#"{"ServerURL":"ghcr.io","Username":"octo","Secret":"other"}"#;
    let line = protocol_error(&helper(&s, "store", json));
    assert!(
        line.contains("'ghcr.io' is mapped to 'github/octo'"),
        "{line}"
    );
    assert!(!line.contains("other"), "{line}");
    let out = helper(&s, "erase", b"ghcr.io");
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("kept 'github/octo'"),
        "{}",
        stderr(&out)
    );
    assert_eq!(s.get("github/octo"), b"ghp_mapped");
    let out = helper(&s, "list", b"");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"ghcr.io\":\"octo\",\"https://index.docker.io/v1\":\"octo-hub\"}\n"
    );
    // A mapping that names no server is an error on every call, not a silent miss.
    map_server(&s, "https://user@ghcr.io", "github/octo", None);
    let line = protocol_error(&helper(&s, "get", b"ghcr.io"));
    assert!(
        line.contains("config.toml maps the docker server"),
        "{line}"
    );
}

// ---------------------------------------------------------------------------------------
// With the real docker CLI and skopeo, against Debian's docker-registry.

/// `docker-registry serve` on a free port of 127.0.0.1 with htpasswd (bcrypt) auth, in the
/// sandbox; killed when dropped.
struct Registry {
    child: Child,
    port: u16,
}

impl Registry {
    fn start(s: &Sandbox, user: &str, password: &str) -> Registry {
        need("docker-registry");
        need("htpasswd");
        let dir = s.root().join("registry");
        fs::create_dir_all(dir.join("data")).unwrap();
        // The password on htpasswd's stdin, not in its argv.
        let mut htpasswd = std::process::Command::new("htpasswd")
            .args(["-inB", user])
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
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n\
             http:\n  addr: 127.0.0.1:{port}\nauth:\n  htpasswd:\n    realm: sigil-test\n    \
             path: {}\n",
            dir.join("data").display(),
            dir.join("htpasswd").display()
        );
        fs::write(dir.join("config.yml"), config).unwrap();
        let child = std::process::Command::new("docker-registry")
            .arg("serve")
            .arg(dir.join("config.yml"))
            .stdout(Stdio::null())
            .stderr(fs::File::create(dir.join("registry.log")).unwrap())
            .spawn()
            .unwrap();
        let registry = Registry { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "docker-registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client command in the sandbox: our binaries first on PATH (so `sigil` in `credHelpers`
/// finds `docker-credential-sigil`), docker's config in the sandbox, no daemon.
fn client(s: &Sandbox, program: &str) -> Command {
    need(program);
    let mut c = Command::new(program);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("SIGIL_") || k.starts_with("XDG_") || k.starts_with("DOCKER_") {
            c.env_remove(k);
        }
    }
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir().display());
    c.env("PATH", path)
        .env("SIGIL_HOME", &s.home)
        .env("HOME", s.root())
        .env("DOCKER_CONFIG", s.root().join("docker"))
        .env("DOCKER_HOST", "unix:///nonexistent/sigil-test-docker.sock")
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .env_remove("REGISTRY_AUTH_FILE")
        .current_dir(s.root())
        .timeout(Duration::from_secs(120));
    c
}

/// Writes docker's config.json: sigil answers for these servers.
fn docker_config(s: &Sandbox, servers: &[&str]) -> PathBuf {
    let dir = s.root().join("docker");
    fs::create_dir_all(&dir).unwrap();
    let helpers: serde_json::Map<String, serde_json::Value> = servers
        .iter()
        .map(|h| (h.to_string(), "sigil".into()))
        .collect();
    let path = dir.join("config.json");
    fs::write(
        &path,
        serde_json::json!({ "credHelpers": helpers }).to_string(),
    )
    .unwrap();
    path
}

/// `skopeo ARGS` with docker's config as its auth file; (success, stderr).
fn skopeo(s: &Sandbox, authfile: &Path, args: &[&str]) -> (bool, String) {
    let out = client(s, "skopeo")
        .arg(args[0])
        .arg("--authfile")
        .arg(authfile)
        .args(&args[1..])
        .output()
        .unwrap();
    (out.status.success(), stderr(&out))
}

/// A one-layer OCI image layout with the tag `1`, made here so the test needs no image.
fn tiny_image(dir: &Path) {
    use sha2::{Digest, Sha256};
    let blobs = dir.join("blobs/sha256");
    fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let digest = format!("{:x}", Sha256::digest(bytes));
        fs::write(blobs.join(&digest), bytes).unwrap();
        (format!("sha256:{digest}"), bytes.len())
    };
    // An empty tar archive: two zero blocks.
    let (layer, layer_size) = put(&[0u8; 1024]);
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [layer]},
    });
    let (config, config_size) = put(config.to_string().as_bytes());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer, "size": layer_size}],
    });
    let (manifest, manifest_size) = put(manifest.to_string().as_bytes());
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": manifest, "size": manifest_size,
                       "annotations": {"org.opencontainers.image.ref.name": "1"}}],
    });
    fs::write(dir.join("index.json"), index.to_string()).unwrap();
    fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

/// `docker login` stores through sigil, skopeo pushes and inspects with what sigil returns,
/// another server on the same machine gets nothing, `docker logout` erases; the password is
/// in no argv, log or message on the way.
#[test]
fn docker_login_skopeo_push_and_inspect_docker_logout() {
    let s = Sandbox::init();
    let password = "Reg1stry-pa55word";
    let registry = Registry::start(&s, "alice", password);
    let server = registry.server();
    let other = format!("localhost:{}", registry.port);
    let authfile = docker_config(&s, &[&server, &other]);
    let image = format!("docker://{server}/tiny:1");
    let unauthorized = |(ok, err): (bool, String)| {
        assert!(!ok && err.contains("unauthorized"), "{err}");
    };
    // Before a login: nothing to send, and the registry refuses.
    unauthorized(skopeo(
        &s,
        &authfile,
        &["inspect", "--tls-verify=false", &image],
    ));

    // A wrong password: docker's login fails and nothing is stored.
    let out = client(&s, "docker")
        .args(["login", "-u", "alice", "--password-stdin", &server])
        .write_stdin("wrong")
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    assert_eq!(get(&s, &server), None);

    let out = client(&s, "docker")
        .args(["login", "-u", "alice", "--password-stdin", &server])
        .write_stdin(password)
        .output()
        .unwrap();
    assert!(out.status.success(), "docker login: {}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Login Succeeded"));
    assert_eq!(get(&s, &server), Some(("alice".into(), password.into())));
    let config = fs::read_to_string(&authfile).unwrap();
    assert!(
        !config.contains(password) && !config.contains("auth\":\""),
        "{config}"
    );

    tiny_image(&s.root().join("oci"));
    let (ok, err) = skopeo(
        &s,
        &authfile,
        &["copy", "--dest-tls-verify=false", "oci:oci:1", &image],
    );
    assert!(ok, "skopeo copy: {err}");
    let out = client(&s, "skopeo")
        .args(["inspect", "--authfile"])
        .arg(&authfile)
        .args(["--tls-verify=false", &image])
        .output()
        .unwrap();
    assert!(out.status.success(), "skopeo inspect: {}", stderr(&out));
    let inspected: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(inspected["Name"], format!("{server}/tiny"));

    // The same registry under another name is another server: sigil answers nothing.
    unauthorized(skopeo(
        &s,
        &authfile,
        &[
            "inspect",
            "--tls-verify=false",
            &format!("docker://{other}/tiny:1"),
        ],
    ));

    let out = client(&s, "docker")
        .args(["logout", &server])
        .output()
        .unwrap();
    assert!(out.status.success(), "docker logout: {}", stderr(&out));
    assert!(!stderr(&out).contains("WARNING"), "{}", stderr(&out));
    assert_eq!(get(&s, &server), None);
    unauthorized(skopeo(
        &s,
        &authfile,
        &["inspect", "--tls-verify=false", &image],
    ));

    let log = audit_log(&s);
    for event in ["add", "docker", "rm"] {
        assert!(
            log.contains(&format!(
                "\"event\":\"{event}\",\"addresses\":[\"127.0.0.1-"
            )),
            "{event} in {log}"
        );
    }
    assert!(!log.contains(password));
    let registry_log = fs::read_to_string(s.root().join("registry/registry.log")).unwrap();
    assert!(!registry_log.contains(password));
}
