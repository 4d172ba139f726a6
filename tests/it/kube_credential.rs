//! `kube-credential-sigil`: the plugin directly, and the real `kubectl` against small API
//! servers on 127.0.0.1 (Python's http.server behind TLS) that check the bearer token.
//! client-go runs an exec plugin only for an HTTPS server, so the servers speak TLS with a
//! certificate made for the test, which the kubeconfig trusts.

use crate::support::*;
use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = "kube-credential-sigil";
const V1: &str = "client.authentication.k8s.io/v1";
const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

/// The API server: answers `/version` (and anything else) with a version object when the
/// bearer token is the expected one, 401 otherwise, and logs the Authorization header of
/// every request, one line each.
const SERVER: &str = r#"
import http.server, json, ssl, sys
port_file, cert, key, want, log = sys.argv[1:6]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        auth = self.headers.get("Authorization") or "-"
        with open(log, "a") as f:
            f.write(self.path + " " + auth + "\n")
        ok = auth == "Bearer " + want
        body = json.dumps({"major": "1", "minor": "32", "gitVersion": "v1.32.0-sigil"} if ok else
            {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Unauthorized",
             "code": 401}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()
"#;

/// A certificate for 127.0.0.1 in `dir` (cert.pem, key.pem), made once per sandbox.
fn certificate(dir: &Path) -> PathBuf {
    let cert = dir.join("cert.pem");
    if !cert.exists() {
        need("openssl");
        let out = std::process::Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args([
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
            .arg("-keyout")
            .arg(dir.join("key.pem"))
            .arg("-out")
            .arg(&cert)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    cert
}

/// One API server, stopped when dropped.
struct ApiServer {
    child: Child,
    url: String,
    log: PathBuf,
}

impl ApiServer {
    fn start(s: &Sandbox, name: &str, token: &str) -> ApiServer {
        need("/usr/bin/python3");
        let dir = s.root();
        certificate(dir);
        let script = dir.join("apiserver.py");
        fs::write(&script, SERVER).unwrap();
        let port_file = dir.join(format!("{name}.port"));
        let log = dir.join(format!("{name}.log"));
        let mut child = std::process::Command::new("/usr/bin/python3")
            .arg(&script)
            .arg(&port_file)
            .arg(dir.join("cert.pem"))
            .arg(dir.join("key.pem"))
            .arg(token)
            .arg(&log)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while !port_file.exists() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the API server did not start"
            );
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the API server exited: {status}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let port = fs::read_to_string(&port_file).unwrap();
        ApiServer {
            child,
            url: format!("https://127.0.0.1:{port}"),
            log,
        }
    }

    /// The Authorization headers the server received, one per request.
    fn seen(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Maps `server` to `address` for kubectl in the sandbox's config.toml.
fn map_cluster(s: &Sandbox, server: &str, address: &str) {
    let config = s.home.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap_or_default();
    text.push_str(&format!("\n[kube.\"{server}\"]\naddress = \"{address}\"\n"));
    fs::write(config, text).unwrap();
}

/// A kubeconfig with one context per server, all using one user whose exec stanza runs
/// the plugin in `api_version`, with or without the cluster's information.
fn kubeconfig(s: &Sandbox, servers: &[&str], api_version: &str, cluster_info: bool) -> PathBuf {
    let ca = certificate(s.root());
    let mut text = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (i, server) in servers.iter().enumerate() {
        text.push_str(&format!(
            "- name: c{i}\n  cluster:\n    server: {server}\n    certificate-authority: {}\n",
            ca.display()
        ));
    }
    text.push_str("contexts:\n");
    for i in 0..servers.len() {
        text.push_str(&format!(
            "- name: c{i}\n  context:\n    cluster: c{i}\n    user: me\n"
        ));
    }
    text.push_str(&format!(
        "current-context: c0\nusers:\n- name: me\n  user:\n    exec:\n      apiVersion: {api_version}\n      command: {}\n      interactiveMode: Never\n      provideClusterInfo: {cluster_info}\n",
        bin(BIN).display()
    ));
    let path = s.root().join(format!("kubeconfig-{}", servers.len()));
    fs::write(&path, text).unwrap();
    path
}

/// The exec apiVersions the kubectl on PATH speaks, newest first: `v1` from kubectl 1.22 on
/// (Debian bookworm's `kubernetes-client` is 1.20, which speaks `v1beta1` only).
fn kubectl_versions() -> Vec<&'static str> {
    need("kubectl");
    let out = Command::new("kubectl")
        .args(["version", "--client", "-o", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let minor: u32 = v["clientVersion"]["minor"]
        .as_str()
        .unwrap_or_default()
        .trim_end_matches('+')
        .parse()
        .unwrap_or(0);
    if minor >= 22 {
        vec![V1, V1BETA1]
    } else {
        vec![V1BETA1]
    }
}

/// `kubectl get --raw /version` in context `context`: (success, stdout, stderr).
fn kubectl(s: &Sandbox, config: &Path, context: &str) -> (bool, String, String) {
    need("kubectl");
    let mut c = Command::new("kubectl");
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("SIGIL_") || k.starts_with("XDG_") || k.starts_with("KUBE") {
            c.env_remove(k);
        }
    }
    let out = c
        .env("SIGIL_HOME", &s.home)
        .env("HOME", s.root())
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .arg("--kubeconfig")
        .arg(config)
        .args(["--context", context, "get", "--raw", "/version"])
        .current_dir(s.root())
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(&out),
    )
}

/// The plugin run directly with `info` in KUBERNETES_EXEC_INFO (unset for `None`).
fn plugin(s: &Sandbox, info: Option<&str>, stdin: &[u8]) -> std::process::Output {
    let mut c = s.cmd(BIN);
    if let Some(info) = info {
        c.env("KUBERNETES_EXEC_INFO", info);
    }
    c.write_stdin(stdin.to_vec())
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap()
}

/// A request in `api_version` for `server`.
fn request(api_version: &str, server: &str) -> String {
    serde_json::json!({
        "kind": "ExecCredential",
        "apiVersion": api_version,
        "spec": {"cluster": {"server": server, "config": null}, "interactive": false},
    })
    .to_string()
}

fn audit_log(s: &Sandbox) -> String {
    fs::read_to_string(s.home.join("audit.log")).unwrap_or_default()
}

#[test]
fn kubectl_gets_the_token_in_v1_and_v1beta1() {
    let s = Sandbox::init();
    let token = "k8s-t0ken-Sup3r-secret";
    s.add("corp/me", token.as_bytes());
    let api = ApiServer::start(&s, "a", token);
    map_cluster(&s, &api.url, "corp/me");
    let versions = kubectl_versions();
    for &version in &versions {
        let config = kubeconfig(&s, &[&api.url], version, true);
        let (ok, out, err) = kubectl(&s, &config, "c0");
        assert!(ok, "{version}: {err}");
        assert!(out.contains("v1.32.0-sigil"), "{out}");
    }
    assert!(api.seen().contains(&format!("/version Bearer {token}")));
    // The plugin answers in the version asked for, with no expiry for a plain secret.
    let out = plugin(&s, Some(&request(V1BETA1, &api.url)), b"");
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["apiVersion"], V1BETA1);
    assert_eq!(v["kind"], "ExecCredential");
    assert_eq!(v["status"]["token"], token);
    assert!(v["status"].get("expirationTimestamp").is_none(), "{v}");
    // Each answer is one audit entry naming kubectl, without the token.
    let log = audit_log(&s);
    let answers = log
        .lines()
        .filter(|l| l.contains("\"binary\":\"kube-credential-sigil\""))
        .filter(|l| l.contains("\"event\":\"kubectl\",\"addresses\":[\"corp/me/api_key\"]"))
        .count();
    // One per kubectl run and one for the plugin run directly.
    assert_eq!(answers, versions.len() + 1, "{log}");
    assert!(!log.contains(token), "the token in the audit log");
}

#[test]
fn another_cluster_gets_nothing() {
    let s = Sandbox::init();
    let token = "only-for-cluster-a";
    s.add("corp/me", token.as_bytes());
    let a = ApiServer::start(&s, "a", token);
    let b = ApiServer::start(&s, "b", token);
    map_cluster(&s, &a.url, "corp/me");
    // One user entry serves both contexts; only the mapped cluster gets the token.
    let config = kubeconfig(&s, &[&a.url, &b.url], kubectl_versions()[0], true);
    let (ok, _, err) = kubectl(&s, &config, "c1");
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "no credential for the kubernetes cluster '{}'",
            b.url
        )),
        "{err}"
    );
    assert!(!b.seen().contains("Bearer"), "{}", b.seen());
    assert!(kubectl(&s, &config, "c0").0);
    // Without provideClusterInfo the plugin cannot know where the token goes.
    let blind = kubeconfig(&s, &[&a.url], kubectl_versions()[0], false);
    let (ok, _, err) = kubectl(&s, &blind, "c0");
    assert!(!ok);
    assert!(
        err.contains("kubectl did not say which cluster the token is for"),
        "{err}"
    );
    // Other spellings of a server are other servers: port, path, scheme, host.
    let port: u16 = a.url.rsplit(':').next().unwrap().parse().unwrap();
    for other in [
        format!("https://127.0.0.1:{}", port + 1),
        format!("{}/other", a.url),
        format!("http://127.0.0.1:{port}"),
        format!("https://localhost:{port}"),
        format!("https://x@127.0.0.1:{port}"),
        "127.0.0.1".to_owned(),
    ] {
        let out = plugin(&s, Some(&request(V1, &other)), b"");
        assert_eq!(out.status.code(), Some(3), "{other}: {out:?}");
        assert!(out.stdout.is_empty(), "{other}");
    }
    // The same server spelled with a trailing slash or in capitals is the same server.
    let out = plugin(
        &s,
        Some(&request(V1, &format!("{}/", a.url.to_uppercase()))),
        b"",
    );
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn a_policy_without_kubectl_refuses_at_once() {
    let s = Sandbox::init();
    s.add("corp/me", b"t0ken");
    let api = ApiServer::start(&s, "a", "t0ken");
    map_cluster(&s, &api.url, "corp/me");
    s.cmd("sigil-policy")
        .args(["set", "corp/me", "--allow", "get,docker"])
        .assert()
        .success();
    let config = kubeconfig(&s, &[&api.url], kubectl_versions()[0], true);
    let started = Instant::now();
    let (ok, _, err) = kubectl(&s, &config, "c0");
    assert!(started.elapsed() < Duration::from_secs(20), "kubectl hung");
    assert!(!ok);
    assert!(
        err.contains(
            "the policy of 'corp/me' refuses `kube-credential-sigil`: --allow get,docker does \
             not include kubectl"
        ),
        "{err}"
    );
    assert!(!api.seen().contains("Bearer"), "{}", api.seen());
    let out = plugin(&s, Some(&request(V1, &api.url)), b"");
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    assert!(out.stdout.is_empty());
    let log = audit_log(&s);
    assert!(
        log.contains("\"event\":\"kubectl\",\"addresses\":[\"corp/me\"],\"outcome\":\"refused\""),
        "{log}"
    );
    s.cmd("sigil-policy")
        .args(["set", "corp/me", "--allow", "kubectl"])
        .assert()
        .success();
    assert!(kubectl(&s, &config, "c0").0);
}

#[test]
fn garbage_requests_are_errors_without_a_panic() {
    let s = Sandbox::init();
    s.add("corp/me", b"t0ken");
    map_cluster(&s, "https://127.0.0.1:6443", "corp/me");
    for (info, want) in [
        (None, "KUBERNETES_EXEC_INFO is not set"),
        (
            Some(""),
            "is not an ExecCredential: it ends inside its JSON",
        ),
        (Some("garbage"), "is not an ExecCredential: it is not JSON"),
        (Some("{\"kind\":"), "ends inside its JSON"),
        (Some("[1,2]"), "is not an object of the expected shape"),
        (Some("{\"kind\":\"Pod\"}"), "its kind is 'Pod'"),
        (
            Some(
                "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1alpha1\"}",
            ),
            "asks for apiVersion 'client.authentication.k8s.io/v1alpha1'",
        ),
    ] {
        // Garbage on stdin too: the plugin reads none.
        let out = plugin(&s, info, b"\xff\xfe garbage\n");
        assert_eq!(out.status.code(), Some(2), "{info:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{info:?}");
        let err = stderr(&out);
        assert!(err.contains(want), "{info:?}: {err}");
        assert!(err.starts_with("kube-credential-sigil: error: "), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A request that is fine apart from its server gets nothing.
    let out = plugin(&s, Some(&request(V1, "https://127.0.0.1:6443\n")), b"");
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let out = plugin(&s, Some(&request(V1, "https://127.0.0.1:6443")), b"garbage");
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn a_bad_mapping_is_an_error_on_every_request() {
    let s = Sandbox::init();
    s.add("corp/me", b"t0ken");
    map_cluster(&s, "https://127.0.0.1:6443", "corp/me");
    map_cluster(&s, "127.0.0.1:7443", "corp/me");
    let out = plugin(&s, Some(&request(V1, "https://127.0.0.1:6443")), b"");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("config.toml maps the kubernetes cluster '127.0.0.1:7443'"),
        "{}",
        stderr(&out)
    );
}
