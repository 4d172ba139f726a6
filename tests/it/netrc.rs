//! `sigil netrc` and `sigil run --netrc`: the real `curl -n` and Python's `netrc` module
//! against a server on 127.0.0.1 that checks basic auth, the temporary file's life, the host
//! binding, policy and audit.

use crate::support::*;
use base64::Engine as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

const PASSWORD: &str = "n3trc-Sup3r-s3cret";

/// A server that answers 200 "welcome" to `alice:PASSWORD` in basic auth, 401 otherwise.
fn server() -> TinyHttp {
    let want = format!(
        "authorization: basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("alice:{PASSWORD}"))
            .to_lowercase()
    );
    TinyHttp::start(move |r| {
        if r.head.to_lowercase().contains(&want) {
            (200, "\"welcome\"".into())
        } else {
            (401, "\"who are you\"".into())
        }
    })
}

/// A sandbox holding `web/alice`, mapped for the netrc to 127.0.0.1.
fn sandbox() -> Sandbox {
    let s = Sandbox::init();
    s.add("web/alice", PASSWORD.as_bytes());
    map_host(&s, "127.0.0.1", "web/alice");
    s
}

fn map_host(s: &Sandbox, host: &str, address: &str) {
    let config = s.home.join("config.toml");
    let mut text = fs::read_to_string(&config).unwrap_or_default();
    text.push_str(&format!("\n[netrc.\"{host}\"]\naddress = \"{address}\"\n"));
    fs::write(config, text).unwrap();
}

/// `sigil run ARGS` with a timeout: (exit code, stdout, stderr).
fn run(s: &Sandbox, args: &[&str]) -> (Option<i32>, String, String) {
    let out = s
        .cmd("sigil-run")
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(&out),
    )
}

fn audit_log(s: &Sandbox) -> String {
    fs::read_to_string(s.home.join("audit.log")).unwrap_or_default()
}

#[test]
fn curl_n_and_python_netrc_get_the_password_from_a_file_that_goes_away() {
    need("curl");
    need("/usr/bin/python3");
    let s = sandbox();
    let srv = server();
    let url = format!("{}/", srv.url());
    // curl -n, and curl without -n, find it through CURL_HOME's .curlrc.
    for args in [&["-s", "-f", "-n"][..], &["-s", "-f"]] {
        let mut argv = vec!["--netrc", "--", "curl"];
        argv.extend_from_slice(args);
        argv.push(&url);
        let (code, out, err) = run(&s, &argv);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert_eq!(out, "\"welcome\"");
    }
    // Python's netrc reads the file NETRC names.
    let (code, out, err) = run(
        &s,
        &[
            "--netrc=127.0.0.1",
            "--",
            "/usr/bin/python3",
            "-c",
            "import netrc, os; a = netrc.netrc(os.environ['NETRC']).authenticators('127.0.0.1'); \
             print(a[0], len(a[2]))",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, format!("alice {}\n", PASSWORD.len()));
    // The file is 0600 in a 0700 directory while the command runs, and gone after.
    let (code, out, err) = run(
        &s,
        &[
            "--netrc",
            "--",
            "sh",
            "-c",
            "stat -c %a \"$NETRC\" \"$CURL_HOME\" \"$CURL_HOME/.curlrc\"; echo \"$NETRC\"; cat \"$NETRC\"",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(&lines[..3], ["600", "700", "600"], "{out}");
    assert!(
        !std::path::Path::new(lines[3]).exists(),
        "{} is left",
        lines[3]
    );
    // Printed by the command, the password is masked like any secret sigil run hands out.
    assert_eq!(
        lines[4],
        "machine 127.0.0.1 login alice password <concealed by sigil>"
    );
    assert!(!out.contains(PASSWORD));
    // sigil netrc prints the same for the named hosts.
    let out = s.cmd("sigil-netrc").arg("127.0.0.1").assert().success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        format!("machine 127.0.0.1 login alice password {PASSWORD}\n")
    );
    // Each password handed out is one audit entry naming netrc, without the password.
    let log = audit_log(&s);
    let count = log
        .lines()
        .filter(|l| l.contains("\"event\":\"netrc\",\"addresses\":[\"web/alice/api_key\"]"))
        .count();
    assert_eq!(count, 5, "{log}");
    assert!(!log.contains(PASSWORD));
}

#[test]
fn another_host_gets_nothing() {
    need("curl");
    let s = sandbox();
    let srv = server();
    // localhost is the same server under another name: curl finds no machine for it.
    let url = format!("http://localhost:{}/", srv.port);
    let (code, out, _) = run(&s, &["--netrc", "--", "curl", "-s", "-n", &url]);
    assert_eq!((code, out.as_str()), (Some(0), "\"who are you\""));
    assert!(
        srv.requests()
            .iter()
            .all(|r| !r.head.to_lowercase().contains("authorization")),
        "{:?}",
        srv.requests()
    );
    // Naming a host that is not mapped is an error before anything is read or run.
    for other in [
        "localhost",
        "127.0.0.1:80",
        "http://127.0.0.1",
        "127.0.0.2",
        "a b",
        "",
    ] {
        let out = s
            .cmd("sigil-netrc")
            .arg(other)
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{other:?}: {out:?}");
        assert!(out.stdout.is_empty());
        assert!(
            stderr(&out).contains("no credential for the netrc host"),
            "{}",
            stderr(&out)
        );
        let (code, out, _) = run(&s, &[&format!("--netrc={other}"), "--", "echo", "ran"]);
        if other.is_empty() {
            // `--netrc=` is every mapped host.
            assert_eq!((code, out.as_str()), (Some(0), "ran\n"));
        } else {
            assert_eq!((code, out.as_str()), (Some(3), ""), "{other:?}");
        }
    }
    // Another account is never in the netrc, mapped or not.
    s.add("other/bob", b"b0b-secret");
    let out = s.cmd("sigil-netrc").assert().success();
    assert!(!String::from_utf8_lossy(&out.get_output().stdout).contains("b0b"));
}

#[test]
fn a_policy_without_netrc_refuses_before_the_command_runs() {
    need("curl");
    let s = sandbox();
    let srv = server();
    s.cmd("sigil-policy")
        .args(["set", "web/alice", "--allow", "get,run"])
        .assert()
        .success();
    let started = Instant::now();
    let url = format!("{}/", srv.url());
    let (code, out, err) = run(&s, &["--netrc", "--", "curl", "-s", "-n", &url]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "sigil run hung"
    );
    assert_eq!((code, out.as_str()), (Some(5), ""), "{err}");
    assert!(
        err.contains(
            "the policy of 'web/alice' refuses `sigil netrc`: --allow get,run does not include \
             netrc"
        ),
        "{err}"
    );
    assert!(srv.requests().is_empty(), "curl ran");
    let out = s.cmd("sigil-netrc").output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(out.stdout.is_empty());
    assert!(
        audit_log(&s)
            .contains("\"event\":\"netrc\",\"addresses\":[\"web/alice\"],\"outcome\":\"refused\"")
    );
    s.cmd("sigil-policy")
        .args(["set", "web/alice", "--allow", "netrc"])
        .assert()
        .success();
    let (code, out, _) = run(&s, &["--netrc", "--", "curl", "-s", "-n", &url]);
    assert_eq!((code, out.as_str()), (Some(0), "\"welcome\""));
}

#[test]
fn values_and_mappings_a_netrc_cannot_carry_are_errors_without_a_panic() {
    let s = Sandbox::init();
    // A value that would add a machine line of its own.
    s.add("web/alice", b"pw\nmachine evil.example login x password y");
    map_host(&s, "127.0.0.1", "web/alice");
    let out = s
        .cmd("sigil-netrc")
        .write_stdin(b"\xff\xfe garbage".to_vec())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("which a netrc cannot carry"), "{err}");
    assert!(
        !err.contains("evil.example") && !err.contains("panicked"),
        "{err}"
    );
    let (code, out, _) = run(&s, &["--netrc", "--", "echo", "ran"]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    // A mapping that is not a bare host is an error on every call.
    map_host(&s, "https://api.example.com", "web/alice");
    let out = s.cmd("sigil-netrc").arg("127.0.0.1").output().unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("config.toml maps the netrc host 'https://api.example.com'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_file_is_gone_when_a_signal_ends_the_command() {
    let s = sandbox();
    let marker = s.root().join("netrc-path");
    let mut child = s
        .std_cmd(bin("sigil-run"))
        .args(["--netrc", "--", "sh", "-c"])
        .arg(format!(
            "echo \"$NETRC\" > '{}.tmp'; mv '{0}.tmp' '{0}'; sleep 30",
            marker.display()
        ))
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !marker.exists() {
        assert!(started.elapsed() < Duration::from_secs(20), "no netrc");
        std::thread::sleep(Duration::from_millis(50));
    }
    let path = fs::read_to_string(&marker).unwrap().trim().to_owned();
    assert!(std::path::Path::new(&path).exists());
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15));
    assert!(!std::path::Path::new(&path).exists(), "{path} is left");
}
