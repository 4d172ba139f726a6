use crate::support::*;
use std::io::Write;
use std::process::{Child, Stdio};

fn spawn_add(s: &Sandbox, args: &[&str], value: Vec<u8>) -> Child {
    let mut c = std::process::Command::new(bin("sigil-add"));
    c.args(args)
        .env("SIGIL_HOME", &s.home)
        .env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .env_remove("SIGIL_IDENTITY")
        .env_remove("SIGIL_IDENTITY_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || {
        let _ = stdin.write_all(&value);
    });
    child
}

fn registry(s: &Sandbox) -> toml::Table {
    let text = std::fs::read_to_string(s.home.join("accounts.toml")).unwrap();
    toml::from_str(&text).expect("accounts.toml stays valid TOML")
}

#[test]
fn eight_writers_of_distinct_addresses_lose_nothing() {
    let s = Sandbox::init();
    let children: Vec<Child> = (0..8)
        .map(|i| {
            let addr = format!("svc/user{i}");
            spawn_add(&s, &[&addr], format!("value-{i}").into_bytes())
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    for i in 0..8 {
        assert_eq!(
            s.get(&format!("svc/user{i}")),
            format!("value-{i}").as_bytes()
        );
    }
    assert_eq!(registry(&s)["accounts"].as_table().unwrap().len(), 8);
}

#[test]
fn eight_writers_of_one_account_keep_every_field_and_one_value_per_field() {
    let s = Sandbox::init();
    let mut children = Vec::new();
    for i in 0..8 {
        let field = format!("svc/shared/f{i}");
        children.push(spawn_add(&s, &[&field], format!("field-{i}").into_bytes()));
        children.push(spawn_add(
            &s,
            &["svc/same", "--force"],
            format!("same-{i}").into_bytes(),
        ));
    }
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let reg = registry(&s);
    let fields = reg["accounts"]["svc/shared"]["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 8);
    for i in 0..8 {
        assert_eq!(
            s.get(&format!("svc/shared/f{i}")),
            format!("field-{i}").as_bytes()
        );
    }
    let same = String::from_utf8(s.get("svc/same")).unwrap();
    assert!((0..8).any(|i| same == format!("same-{i}")), "{same}");
    let dir = s.home.join("store/svc/same");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["api_key.age"], "no temporary files left behind");
}

#[test]
fn a_writer_killed_mid_write_leaves_the_old_or_the_new_value() {
    let s = Sandbox::init();
    let old = vec![b'o'; 900 << 10];
    let new = vec![b'n'; 900 << 10];
    s.add("big/one", &old);
    for i in 0..12u64 {
        let mut child = spawn_add(&s, &["big/one", "--force"], new.clone());
        std::thread::sleep(std::time::Duration::from_millis(3 * i));
        let _ = child.kill();
        let _ = child.wait();
        let got = s.get("big/one");
        assert!(
            got == old || got == new,
            "round {i}: a broken value of {} bytes",
            got.len()
        );
        registry(&s);
    }
    s.cmd("sigil-list").assert().success();
}
