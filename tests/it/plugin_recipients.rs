//! age plugins: `age1sigiltest1…` recipients and `AGE-PLUGIN-SIGILTEST-1…` identities handled by
//! the toy plugin in tests/plugin (built once per run into the same target directory), against
//! the real `age` CLI, which finds the same plugin on PATH. Also the allow-list in config.toml,
//! a plugin that is missing, crashes, answers garbage or hangs, and a plugin's PIN request at a
//! terminal and without one.

use crate::recipients::both;
use crate::support::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Std, Stdio};
use std::sync::OnceLock;

/// The directory holding `age-plugin-sigiltest`: the binaries' own, where `cargo build -p`
/// puts it (once per run; `cargo test` alone builds it too).
fn plugin_dir() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target = bin_dir().parent().unwrap().to_owned();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Std::new(cargo)
            .args(["build", "-q", "-p", "age-plugin-sigiltest", "--target-dir"])
            .arg(&target)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(bin("age-plugin-sigiltest").exists());
        bin_dir()
    })
}

/// PATH with the plugin on it.
fn path_with_plugin() -> String {
    format!("{}:/usr/local/bin:/usr/bin:/bin", plugin_dir().display())
}

/// A new plugin identity from the plugin itself (0600) and its recipient.
fn plugin_keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let out = Std::new(plugin_dir().join("age-plugin-sigiltest"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let recipient = text
        .lines()
        .find_map(|l| l.strip_prefix("# recipient: "))
        .unwrap()
        .to_owned();
    let file = dir.join(format!("{name}.txt"));
    fs::write(&file, text).unwrap();
    chmod(&file, 0o600);
    (file, recipient)
}

/// A sandbox that allows the plugin in config.toml, holding `team/deploy` and `me/own`.
fn allowed() -> Sandbox {
    let s = Sandbox::init();
    let config = s.home.join("config.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, format!("plugins = [\"sigiltest\"]\n{text}")).unwrap();
    s.add("team/deploy", b"deploy-key");
    s.add("me/own", b"mine-only");
    s
}

/// A sigil command with the plugin on PATH.
fn with_plugin(s: &Sandbox, name: &str) -> assert_cmd::Command {
    let mut c = s.cmd(name);
    c.env("PATH", path_with_plugin());
    c
}

/// What the real `age -d -i IDENTITY` reads from `addr`, with the plugin on PATH.
fn age_reads(s: &Sandbox, identity: &Path, addr: &str) -> Option<Vec<u8>> {
    need("age");
    let out = Std::new("age")
        .arg("-d")
        .arg("-i")
        .arg(identity)
        .arg(s.secret_file(addr))
        .env("PATH", path_with_plugin())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    out.status.success().then_some(out.stdout)
}

/// The real `age -r RECIPIENT` writes `value` into `addr`'s file (0600).
fn age_writes(s: &Sandbox, recipients: &[&str], addr: &str, value: &str) {
    need("age");
    let file = s.secret_file(addr);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    let mut c = Std::new("age");
    for r in recipients {
        c.args(["-r", r]);
    }
    let out = c
        .arg("-o")
        .arg(&file)
        .env("PATH", path_with_plugin())
        .stdin(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(value.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    chmod(&file, 0o600);
}

#[test]
fn sigil_encrypts_to_a_plugin_recipient_that_the_real_age_reads() {
    let s = allowed();
    let (plug, recipient) = plugin_keygen(s.root(), "plug");
    assert_eq!(age_reads(&s, &plug, "team/deploy/api_key"), None);
    let out = with_plugin(&s, "sigil-recipients")
        .args(["add", &recipient, "team", "--name", "yubi"])
        .assert()
        .success();
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    sigil-recipients: age-plugin-sigiltest: sigiltest: wrapping the file key
    added yubi (key age1[KEY]) to '[TMP]/home/store/team/.age-recipients' (created from the recipients it inherited); re-encrypted 1 secret to the 2 recipients
    ---
    ");
    assert_eq!(
        age_reads(&s, &plug, "team/deploy/api_key").as_deref(),
        Some(&b"deploy-key"[..])
    );
    assert_eq!(age_reads(&s, &plug, "me/own/api_key"), None);
    // A new value in the folder goes to the plugin too, and sigil still reads its own.
    with_plugin(&s, "sigil-add")
        .arg("team/cache")
        .write_stdin("cache-key")
        .assert()
        .success();
    assert_eq!(
        age_reads(&s, &plug, "team/cache/api_key").as_deref(),
        Some(&b"cache-key"[..])
    );
    assert_eq!(s.get("team/cache"), b"cache-key");
    let out = s
        .cmd("sigil-recipients")
        .args(["list", "team"])
        .assert()
        .success();
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    recipients of 'team' ('[TMP]/home/store/team/.age-recipients'):
    ---
    age1[KEY]  (you)
    age1[KEY]  yubi
    ");
}

#[test]
fn the_real_age_encrypts_to_a_plugin_recipient_and_sigil_reads_with_the_plugin_identity() {
    let s = allowed();
    let (plug, recipient) = plugin_keygen(s.root(), "plug");
    age_writes(&s, &[&recipient], "team/deploy/api_key", "from-age");
    let out = with_plugin(&s, "sigil-get")
        .env("SIGIL_IDENTITY_FILE", &plug)
        .args(["-n", "team/deploy"])
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, b"from-age");
    // The plugin's stanza is its own: sigil's X25519 identity cannot open it.
    s.cmd("sigil-get").arg("team/deploy").assert().code(4);
}

#[test]
fn a_folder_of_x25519_ssh_and_plugin_recipients_is_read_by_each() {
    need("ssh-keygen");
    let s = allowed();
    let (alice, alice_pub) = age_keygen(s.root(), "alice");
    let (plug, plug_pub) = plugin_keygen(s.root(), "plug");
    let bob = s.root().join("bob");
    let made = Std::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "bob@laptop", "-f"])
        .arg(&bob)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    let bob_pub = fs::read_to_string(bob.with_extension("pub")).unwrap();
    for key in [&alice_pub, bob_pub.trim(), &plug_pub] {
        with_plugin(&s, "sigil-recipients")
            .args(["add", key, "team"])
            .assert()
            .success();
    }
    with_plugin(&s, "sigil-add")
        .arg("team/new")
        .write_stdin("new-key")
        .assert()
        .success();
    for addr in ["team/deploy/api_key", "team/new/api_key"] {
        for id in [&alice, &bob, &plug, &s.identity_file()] {
            assert!(
                age_reads(&s, id, addr).is_some(),
                "{} cannot read {addr}",
                id.display()
            );
        }
    }
    for id in [&alice, &bob, &plug] {
        let out = with_plugin(&s, "sigil-get")
            .env("SIGIL_IDENTITY_FILE", id)
            .args(["-n", "team/new"])
            .assert()
            .success();
        assert_eq!(out.get_output().stdout, b"new-key");
    }
}

#[test]
fn a_missing_plugin_is_named_with_what_to_do() {
    let s = allowed();
    let (plug, recipient) = plugin_keygen(s.root(), "plug");
    age_writes(&s, &[&recipient], "plug/only/api_key", "from-age");
    let out = s
        .cmd("sigil-get")
        .env("SIGIL_IDENTITY_FILE", &plug)
        .arg("plug/only")
        .assert()
        .code(3);
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    sigil-get: error: the age plugin 'age-plugin-sigiltest' is not on PATH
    help: install 'age-plugin-sigiltest' (it handles age1sigiltest1… recipients and AGE-PLUGIN-SIGILTEST-1… identities), or add its directory to PATH
    ---
    ");
    let out = s
        .cmd("sigil-recipients")
        .args(["add", &recipient, "team"])
        .assert()
        .code(3);
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    sigil-recipients: error: the age plugin 'age-plugin-sigiltest' is not on PATH
    help: install 'age-plugin-sigiltest' (it handles age1sigiltest1… recipients and AGE-PLUGIN-SIGILTEST-1… identities), or add its directory to PATH
    ---
    ");
    assert_eq!(s.get("team/deploy"), b"deploy-key");
    assert!(!s.home.join("store/team/.age-recipients").exists());
}

/// A teammate commits a `.age-recipients` naming a plugin: writing to that folder would run
/// `age-plugin-NAME` from the user's PATH, so it is refused until config.toml allows it.
#[test]
fn a_shared_recipients_file_cannot_make_sigil_run_a_plugin_config_toml_does_not_allow() {
    let s = Sandbox::init();
    s.add("team/deploy", b"deploy-key");
    let (_, recipient) = plugin_keygen(s.root(), "plug");
    let mine = fs::read_to_string(s.home.join("identity.pub")).unwrap();
    let mine = mine
        .lines()
        .find(|l| l.starts_with("age1"))
        .unwrap()
        .to_owned();
    fs::write(
        s.home.join("store/team/.age-recipients"),
        format!("{mine}\n{recipient}\n"),
    )
    .unwrap();
    // A marker the plugin would leave if it ran.
    let marker = s.root().join("plugin-ran");
    let fake = s.root().join("fakebin");
    fs::create_dir_all(&fake).unwrap();
    let fake_plugin = fake.join("age-plugin-sigiltest");
    fs::write(
        &fake_plugin,
        format!("#!/bin/sh\ntouch '{}'\nexit 1\n", marker.display()),
    )
    .unwrap();
    chmod(&fake_plugin, 0o755);
    let out = s
        .cmd("sigil-add")
        .env("PATH", format!("{}:/usr/bin:/bin", fake.display()))
        .args(["-f", "team/deploy"])
        .write_stdin("new")
        .assert()
        .code(5);
    insta::assert_snapshot!(both(&s, out.get_output()), @r#"
    sigil-add: error: encrypting to an age1sigiltest1… recipient runs 'age-plugin-sigiltest' from your PATH, and config.toml does not allow that plugin
    help: if you trust 'age-plugin-sigiltest', allow it with the line plugins = ["sigiltest"] in '[TMP]/home/config.toml'
    ---
    "#);
    assert!(!marker.exists(), "the plugin ran");
    assert_eq!(s.get("team/deploy"), b"deploy-key");
    let out = s
        .cmd("sigil-recipients")
        .env("PATH", format!("{}:/usr/bin:/bin", fake.display()))
        .args(["add", &recipient, "me"])
        .assert()
        .code(5);
    assert!(stderr(out.get_output()).contains("config.toml does not allow"));
    assert!(!marker.exists(), "the plugin ran");
}

/// A plugin that dies, or answers what is not the protocol, while wrapping or unwrapping: a
/// clear error naming it, and the value stored before is still there.
#[test]
fn a_plugin_that_crashes_or_answers_garbage_is_a_clear_error_and_loses_nothing() {
    let s = allowed();
    let (plug, recipient) = plugin_keygen(s.root(), "plug");
    with_plugin(&s, "sigil-recipients")
        .args(["add", &recipient, "team"])
        .assert()
        .success();
    let mut seen = String::new();
    for how in ["crash", "garbage"] {
        let out = with_plugin(&s, "sigil-add")
            .env("SIGILTEST_HOSTILE", how)
            .args(["-f", "team/deploy"])
            .write_stdin("new")
            .assert()
            .code(1);
        seen += &both(&s, out.get_output());
        assert_eq!(s.get("team/deploy"), b"deploy-key");
        let out = with_plugin(&s, "sigil-get")
            .env("SIGILTEST_HOSTILE", how)
            .env("SIGIL_IDENTITY_FILE", &plug)
            .arg("team/deploy")
            .assert()
            .code(1);
        seen += &both(&s, out.get_output());
    }
    // A message made of escape sequences reaches the terminal as harmless text.
    let out = with_plugin(&s, "sigil-add")
        .env("SIGILTEST_MESSAGE", "\x1b]0;owned\x07\x1b[2Jtouch it")
        .args(["-f", "team/deploy"])
        .write_stdin("new")
        .assert()
        .success();
    seen += &both(&s, out.get_output());
    assert!(!seen.contains('\x1b'), "{seen:?}");
    insta::assert_snapshot!(seen, @r"
    sigil-add: error: cannot encrypt with the age plugin 'age-plugin-sigiltest': it ended before answering
    help: nothing was changed; `age` with the same plugin shows whether the plugin works on its own
    ---
    sigil-get: error: cannot decrypt with the age plugin 'age-plugin-sigiltest': it ended before answering
    help: nothing was changed; `age` with the same plugin shows whether the plugin works on its own
    ---
    sigil-add: error: cannot encrypt with the age plugin 'age-plugin-sigiltest': it answered with what is not the age plugin protocol
    help: nothing was changed; `age` with the same plugin shows whether the plugin works on its own
    ---
    sigil-get: error: cannot decrypt with the age plugin 'age-plugin-sigiltest': it answered with what is not the age plugin protocol
    help: nothing was changed; `age` with the same plugin shows whether the plugin works on its own
    ---
    sigil-add: age-plugin-sigiltest: \u{1b}]0;owned\u{7}\u{1b}[2Jtouch it
    stored 'team/deploy/api_key' in the file store
    ---
    ");
    let left: Vec<_> = fs::read_dir(s.home.join("store/team/deploy"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["api_key.age"]);
}

/// The age crate gives a plugin no time limit (a hardware key may wait for a touch): after
/// 10 s it says what it waits for, and an interrupted write leaves the old value.
#[test]
fn a_plugin_that_hangs_is_named_and_an_interrupted_write_loses_nothing() {
    let s = allowed();
    let (_, recipient) = plugin_keygen(s.root(), "plug");
    with_plugin(&s, "sigil-recipients")
        .args(["add", &recipient, "team"])
        .assert()
        .success();
    let mut child = s
        .std_cmd(bin("sigil-add"))
        .env("PATH", path_with_plugin())
        .env("SIGILTEST_HOSTILE", "hang")
        .args(["-f", "team/deploy"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"new").unwrap();
    }
    std::thread::sleep(std::time::Duration::from_secs(12));
    assert!(child.try_wait().unwrap().is_none(), "sigil-add ended");
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sigil-add: age-plugin-sigiltest: Waiting for age-plugin-sigiltest..."),
        "{err}"
    );
    assert_eq!(s.get("team/deploy"), b"deploy-key");
}

/// A plugin's PIN request is a no-echo prompt at a terminal, refused without one.
#[test]
fn a_plugin_asks_for_its_pin_at_a_terminal_and_never_without_one() {
    let s = allowed();
    let (plug, recipient) = plugin_keygen(s.root(), "plug");
    age_writes(&s, &[&recipient], "team/deploy/api_key", "from-age");
    let plug_s = plug.to_str().unwrap();
    let env = [("SIGIL_IDENTITY_FILE", plug_s), ("SIGILTEST_PIN", "4711")];
    let get = "sigil-get team/deploy";
    let (screen, code) = crate::identity::on_tty(&s, get, &[(1, "4711\\r")], &env);
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("age-plugin-sigiltest asks: sigiltest PIN: "),
        "{screen}"
    );
    assert!(screen.contains("from-age"), "{screen}");
    assert!(!screen.contains("4711"), "echoed: {screen}");

    let (screen, code) = crate::identity::on_tty(&s, get, &[(1, "1111\\r")], &env);
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains("wrong PIN"), "{screen}");

    let out = with_plugin(&s, "sigil-get")
        .env("SIGIL_IDENTITY_FILE", &plug)
        .env("SIGILTEST_PIN", "4711")
        .arg("team/deploy")
        .assert()
        .code(4);
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    sigil-get: error: 'age-plugin-sigiltest' asks for a secret (a PIN) and there is no terminal to ask on
    help: run the command on a terminal: sigil takes a plugin's secrets only from a no-echo prompt there
    ---
    ");
}

/// `AGEDEBUG=plugin` would make the age crate print the file key on stderr: no plugin runs.
#[test]
fn agedebug_plugin_is_refused() {
    let s = allowed();
    let (plug, recipient) = plugin_keygen(s.root(), "plug");
    age_writes(&s, &[&recipient], "team/deploy/api_key", "from-age");
    let out = with_plugin(&s, "sigil-get")
        .env("SIGIL_IDENTITY_FILE", &plug)
        .env("AGEDEBUG", "plugin")
        .arg("team/deploy")
        .assert()
        .code(5);
    insta::assert_snapshot!(both(&s, out.get_output()), @r"
    sigil-get: error: AGEDEBUG=plugin is set: the age crate would print the file key and what 'age-plugin-sigiltest' is told on stderr
    help: unset AGEDEBUG
    ---
    ");
    let out = with_plugin(&s, "sigil-recipients")
        .env("AGEDEBUG", "plugin")
        .args(["add", &recipient, "me"])
        .assert()
        .code(5);
    assert!(stderr(out.get_output()).contains("AGEDEBUG=plugin is set"));
}
