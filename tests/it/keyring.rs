//! The keyring backend against a real Secret Service: the private gnome-keyring that
//! `cargo xtask test` starts (these tests skip elsewhere, so no real keyring is touched).

use crate::support::*;

#[test]
fn init_keeps_the_identity_in_the_keyring_and_auto_stores_there() {
    if !private_keyring() {
        return;
    }
    let s = Sandbox::new();
    let out = s.keyring(s.cmd("sigil-init")).assert().success();
    let err = stderr(out.get_output());
    assert!(err.contains("the OS keyring (item 'age-identity:"), "{err}");
    assert!(!s.identity_file().exists());
    assert!(s.home.join("identity.keyring").exists());

    let svc = unique_service("kr");
    let addr = format!("{svc}/me/token");
    let value = b"line1\nline2\n\xff\xfe-not-utf8";
    let out = s
        .keyring(s.cmd("sigil-add"))
        .arg(&addr)
        .write_stdin(value.to_vec())
        .assert()
        .success();
    assert_eq!(
        stderr(out.get_output()),
        format!("stored '{addr}' in the keyring\n")
    );
    assert!(
        !s.home.join("store").join(&svc).exists(),
        "nothing in the file store"
    );

    // Another client finds it by the documented naming, and reads the same bytes.
    let (found, ok) = secret_tool(&["lookup", "service", "sigil", "username", &addr]);
    assert!(ok);
    assert_eq!(found, value.strip_suffix(b"").unwrap());
    let (search, _) = secret_tool(&["search", "service", "sigil", "username", &addr]);
    let search = String::from_utf8_lossy(&search);
    assert!(
        search.contains(&format!("label = sigil: {svc}/me (token)")),
        "{search}"
    );

    let got = s
        .keyring(s.cmd("sigil-get"))
        .args(["-n", &format!("{svc}/me")])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(got, value);

    let out = s.keyring(s.cmd("sigil-list")).arg(&svc).assert().success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        format!("{svc}/me\tapi_key\ttoken\tkeyring\t-\tok\n")
    );
    let out = s
        .keyring(s.cmd("sigil-status"))
        .arg("--verbose")
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("backend   keyring"), "{text}");
    assert!(
        text.contains("new secrets go to: keyring (auto, and the keyring answered unlocked)"),
        "{text}"
    );
    assert!(
        text.contains("identity  the OS keyring (item 'age-identity:"),
        "{text}"
    );

    s.keyring(s.cmd("sigil-rm"))
        .args([&addr, "--yes"])
        .assert()
        .success();
    let (_, ok) = secret_tool(&["lookup", "service", "sigil", "username", &addr]);
    assert!(!ok, "deleted from the keyring");
}

#[test]
fn a_secret_stays_in_its_backend_whatever_the_default() {
    if !private_keyring() {
        return;
    }
    let s = Sandbox::new();
    s.keyring(s.cmd("sigil-init")).assert().success();
    let svc = unique_service("one");
    // In the file store by choice, with the identity from the keyring.
    s.keyring(s.cmd("sigil-add"))
        .args([&format!("{svc}/f"), "--backend", "file"])
        .write_stdin("in-file")
        .assert()
        .success();
    assert!(
        s.home
            .join("store")
            .join(&svc)
            .join("f/api_key.age")
            .exists()
    );
    // In the keyring by default.
    s.keyring(s.cmd("sigil-add"))
        .arg(format!("{svc}/k"))
        .write_stdin("in-keyring")
        .assert()
        .success();
    // get goes to the recorded backend whatever the current default is.
    for backend_env in [None, Some("auto")] {
        let mut c = s.keyring(s.cmd("sigil-get"));
        if let Some(b) = backend_env {
            c.env("SIGIL_BACKEND", b);
        }
        c.args(["-n", &format!("{svc}/f")])
            .assert()
            .success()
            .stdout("in-file");
    }
    s.keyring(s.cmd("sigil-get"))
        .args(["-n", &format!("{svc}/k")])
        .assert()
        .success()
        .stdout("in-keyring");
    // A second field of the keyring account cannot be forced into the file store.
    let out = s
        .keyring(s.cmd("sigil-add"))
        .args([&format!("{svc}/k/other"), "--backend", "file"])
        .write_stdin("x")
        .assert()
        .code(1);
    assert!(stderr(out.get_output()).contains("is kept in the keyring backend, not file"));
    // A new field of the file account follows the account into the file store.
    s.keyring(s.cmd("sigil-add"))
        .arg(format!("{svc}/f/extra"))
        .write_stdin("x")
        .assert()
        .success();
    assert!(s.home.join("store").join(&svc).join("f/extra.age").exists());
    // rm --all empties both.
    s.keyring(s.cmd("sigil-rm"))
        .args(["--all", "--yes", "--purge-identity"])
        .assert()
        .success();
    let (_, ok) = secret_tool(&[
        "lookup",
        "service",
        "sigil",
        "username",
        &format!("{svc}/k/api_key"),
    ]);
    assert!(!ok);
    assert!(!s.home.join("identity.keyring").exists());
}

#[test]
fn a_locked_keyring_is_reported_at_once_and_never_prompts() {
    if !private_keyring() {
        return;
    }
    let kr = OwnKeyring::start();
    let with = |mut c: assert_cmd::Command| {
        c.env("DBUS_SESSION_BUS_ADDRESS", &kr.address);
        c
    };
    // One home keeps its identity in the keyring, one in a file.
    let in_keyring = Sandbox::new();
    with(in_keyring.cmd("sigil-init")).assert().success();
    with(in_keyring.cmd("sigil-add"))
        .arg("kr/me")
        .write_stdin("v")
        .assert()
        .success();
    let in_file = Sandbox::new();
    with(in_file.cmd("sigil-init"))
        .args(["--backend", "file"])
        .assert()
        .success();
    assert!(in_file.identity_file().exists());

    kr.lock();
    let start = std::time::Instant::now();
    let out = with(in_keyring.cmd("sigil-get"))
        .arg("kr/me")
        .assert()
        .code(1);
    let err = stderr(out.get_output());
    assert!(
        err.contains("the keyring backend is unavailable: answered, but") && err.contains("locked"),
        "{err}"
    );
    let out = with(in_keyring.cmd("sigil-status"))
        .arg("-v")
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("the keyring is locked, so new secrets go to the file store"),
        "{text}"
    );
    assert!(
        text.contains("new secrets go to: file (auto, and no usable keyring answered)"),
        "{text}"
    );
    // With the identity in a file, auto falls back to the file store for new secrets.
    let out = with(in_file.cmd("sigil-add"))
        .arg("new/acct")
        .write_stdin("w")
        .assert()
        .success();
    assert_eq!(
        stderr(out.get_output()),
        "stored 'new/acct/api_key' in the file store\n"
    );
    assert_eq!(
        with(in_file.cmd("sigil-get"))
            .args(["-n", "new/acct"])
            .assert()
            .success()
            .get_output()
            .stdout,
        b"w"
    );
    // Writing needs only the public key kept at init, so an add to the file store works with
    // the identity locked away; reading it back is an identity problem (exit 4), not a hang.
    let out = with(in_keyring.cmd("sigil-add"))
        .args(["other/acct", "--backend", "file"])
        .write_stdin("x")
        .assert()
        .success();
    assert_eq!(
        stderr(out.get_output()),
        "stored 'other/acct/api_key' in the file store\n"
    );
    let out = with(in_keyring.cmd("sigil-get"))
        .arg("other/acct")
        .assert()
        .code(4);
    assert!(stderr(out.get_output()).contains("cannot read the identity from the OS keyring"));
    assert!(
        start.elapsed() < std::time::Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
}

/// `secret-tool store ATTRS` with `value`, as any other program of the session can.
fn plant(label: &str, attrs: &[&str], value: &[u8]) {
    need("secret-tool");
    let mut c = std::process::Command::new("secret-tool");
    c.args(["store", "--label", label]).args(attrs);
    for (k, v) in keyring_env().unwrap() {
        c.env(k, v);
    }
    use std::io::Write;
    let mut child = c.stdin(std::process::Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(value).unwrap();
    assert!(child.wait().unwrap().success(), "secret-tool store failed");
}

/// Stores `value` under `user` as an earlier sigil did through the keyring crate: service,
/// username, target and application, and no home tag.
fn plant_untagged(label: &str, user: &str, value: &[u8]) {
    let attrs = [
        "service",
        "sigil",
        "username",
        user,
        "target",
        "default",
        "application",
        "rust-keyring",
    ];
    plant(label, &attrs, value);
}

/// How many items, of any program, carry all of `attrs`.
fn items_matching(attrs: &[&str]) -> usize {
    let mut args = vec!["search", "--all"];
    args.extend(attrs);
    let (out, _) = secret_tool(&args);
    String::from_utf8_lossy(&out)
        .lines()
        .filter(|l| l.starts_with('['))
        .count()
}

/// The home's keyring id (the `sigil-home` attribute of its items), when it has one.
fn home_id(s: &Sandbox) -> Option<String> {
    let text = std::fs::read_to_string(s.home.join("keyring-id.toml")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("id = \"")?.strip_suffix('"'))
        .map(str::to_owned)
}

/// The public key `sigil status` reports for the identity.
fn public_key(s: &Sandbox) -> String {
    let out = s.keyring(s.cmd("sigil-status")).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("public key "))
        .unwrap_or_else(|| panic!("no public key in: {text}"))
        .to_owned()
}

/// `sigil-get -n ADDR`'s stdout in the private keyring, asserting success.
fn get_from_keyring(s: &Sandbox, addr: &str) -> Vec<u8> {
    s.get_with(s.keyring(s.cmd("sigil-get")), addr)
}

#[test]
fn two_homes_on_one_keyring_never_read_overwrite_or_delete_each_others_items() {
    if !private_keyring() {
        return;
    }
    let a = Sandbox::new();
    a.keyring(a.cmd("sigil-init")).assert().success();
    let b = Sandbox::new();
    b.keyring(b.cmd("sigil-init")).assert().success();
    // The second home insists on the keyring, as a throwaway test home would.
    let forced = |c: assert_cmd::Command| {
        let mut c = b.keyring(c);
        c.env("SIGIL_BACKEND", "keyring");
        c
    };
    let svc = unique_service("homes");
    let addr = format!("{svc}/me/api_key");
    a.keyring(a.cmd("sigil-add"))
        .arg(&addr)
        .write_stdin("from-a")
        .assert()
        .success();

    // Not read.
    forced(b.cmd("sigil-get"))
        .args(["-n", &addr])
        .assert()
        .code(3);
    // Not overwritten: --force gives the second home an item of its own.
    forced(b.cmd("sigil-add"))
        .args([&addr, "--force"])
        .write_stdin("from-b")
        .assert()
        .success();
    assert_eq!(get_from_keyring(&a, &addr), b"from-a");
    assert_eq!(
        forced(b.cmd("sigil-get"))
            .args(["-n", &addr])
            .assert()
            .success()
            .get_output()
            .stdout,
        b"from-b"
    );
    assert_eq!(items_matching(&["service", "sigil", "username", &addr]), 2);

    // Not deleted: rm --all deletes the second home's item and reports exactly that.
    let out = forced(b.cmd("sigil-rm"))
        .args(["--all", "--yes"])
        .assert()
        .success();
    assert_eq!(
        stderr(out.get_output()),
        "deleted 1 secret(s) and all metadata\n"
    );
    assert_eq!(get_from_keyring(&a, &addr), b"from-a");
    forced(b.cmd("sigil-rm"))
        .args([&addr, "--yes"])
        .assert()
        .code(3);
    assert_eq!(get_from_keyring(&a, &addr), b"from-a");

    let out = a
        .keyring(a.cmd("sigil-rm"))
        .args(["--all", "--yes", "--purge-identity"])
        .assert()
        .success();
    assert!(
        stderr(out.get_output()).starts_with("deleted 1 secret(s) and all metadata\n"),
        "{}",
        stderr(out.get_output())
    );
    assert_eq!(items_matching(&["service", "sigil", "username", &addr]), 0);
    b.keyring(b.cmd("sigil-rm"))
        .args(["--all", "--yes", "--purge-identity"])
        .assert()
        .success();
}

#[test]
fn items_planted_with_sigils_attributes_are_not_served_nor_deleted() {
    if !private_keyring() {
        return;
    }
    let s = Sandbox::new();
    s.keyring(s.cmd("sigil-init")).assert().success();
    let key = public_key(&s);
    let svc = unique_service("plant");

    // An address this home never stored: not served, even with the keyring forced.
    let fresh = format!("{svc}/new/api_key");
    plant_untagged("by hand", &fresh, b"planted");
    s.keyring(s.cmd("sigil-get"))
        .args(["-n", &fresh, "--backend", "keyring"])
        .assert()
        .code(3);

    // A twin of an address this home has: the home's own value, no ambiguity.
    let mine = format!("{svc}/me/api_key");
    s.keyring(s.cmd("sigil-add"))
        .arg(&mine)
        .write_stdin("mine")
        .assert()
        .success();
    plant_untagged(&format!("sigil: {svc}/me (api_key)"), &mine, b"planted");
    assert_eq!(get_from_keyring(&s, &mine), b"mine");

    // A twin of the identity: the home keeps using its own.
    let user = format!("age-identity:{}", s.home.display());
    let other = Sandbox::new();
    other.cmd("sigil-init").assert().success();
    let other_identity = std::fs::read(other.identity_file()).unwrap();
    plant_untagged("sigil: age identity", &user, &other_identity);
    assert_eq!(public_key(&s), key);

    // Deleting everything deletes the home's items only.
    s.keyring(s.cmd("sigil-rm"))
        .args(["--all", "--yes", "--purge-identity"])
        .assert()
        .success();
    for (user, value) in [
        (&fresh, b"planted".to_vec()),
        (&mine, b"planted".to_vec()),
        (&user, other_identity),
    ] {
        let (found, ok) = secret_tool(&["lookup", "service", "sigil", "username", user]);
        assert!(ok, "the planted '{user}' is left");
        assert_eq!(found, value);
        assert_eq!(items_matching(&["service", "sigil", "username", user]), 1);
        secret_tool(&["clear", "service", "sigil", "username", user]);
    }
}

#[test]
fn a_duplicate_item_is_refused_by_get_and_removed_whole_by_rm() {
    if !private_keyring() {
        return;
    }
    let s = Sandbox::new();
    s.keyring(s.cmd("sigil-init")).assert().success();
    let svc = unique_service("dup");
    // A second item with every attribute of the home's own (and one more, so that
    // secret-tool adds it instead of replacing it).
    let duplicate = |addr: &str, value: &[u8]| {
        let id = home_id(&s);
        let mut attrs = vec!["service", "sigil", "username", addr, "note", "copy"];
        if let Some(id) = &id {
            attrs.extend(["sigil-home", id.as_str()]);
        }
        plant("a copy", &attrs, value);
        assert_eq!(items_matching(&["service", "sigil", "username", addr]), 2);
    };
    let add = |addr: &str, value: &str| {
        s.keyring(s.cmd("sigil-add"))
            .arg(addr)
            .write_stdin(value.to_owned())
            .assert()
            .success();
    };

    let one = format!("{svc}/one/api_key");
    add(&one, "first");
    duplicate(&one, b"second");
    let out = s
        .keyring(s.cmd("sigil-get"))
        .args(["-n", &one])
        .assert()
        .code(5);
    let err = stderr(out.get_output());
    assert!(
        err.contains(&format!(
            "error: '{one}' matches 2 items of this home in the keyring, so sigil cannot tell which to use"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("sigil add {one} --force"))
            && err.contains(&format!("sigil rm {one}")),
        "{err}"
    );
    // rm deletes every item of the address.
    let out = s
        .keyring(s.cmd("sigil-rm"))
        .args([&one, "--yes"])
        .assert()
        .success();
    assert_eq!(stderr(out.get_output()), format!("deleted '{one}'\n"));
    assert_eq!(items_matching(&["service", "sigil", "username", &one]), 0);

    // add --force leaves exactly one item, with the new value.
    let two = format!("{svc}/two/api_key");
    add(&two, "first");
    duplicate(&two, b"second");
    s.keyring(s.cmd("sigil-add"))
        .args([&two, "--force"])
        .write_stdin("third")
        .assert()
        .success();
    assert_eq!(items_matching(&["service", "sigil", "username", &two]), 1);
    assert_eq!(get_from_keyring(&s, &two), b"third");

    // rm --all with a duplicate deletes both and counts the secret once.
    duplicate(&two, b"fourth");
    add(&format!("{svc}/three/api_key"), "x");
    let out = s
        .keyring(s.cmd("sigil-rm"))
        .args(["--all", "--yes", "--purge-identity"])
        .assert()
        .success();
    let err = stderr(out.get_output());
    assert!(
        err.starts_with("deleted 2 secret(s) and all metadata\n"),
        "{err}"
    );
    for field in ["two", "three"] {
        let addr = format!("{svc}/{field}/api_key");
        assert_eq!(items_matching(&["service", "sigil", "username", &addr]), 0);
    }
}

/// A home as an earlier sigil left it: its identity and `addr` = `value` in the keyring,
/// named by service and username only, and `addr` recorded there. Built by hand: a file-store
/// home whose account is then recorded in the keyring, and the items as the keyring crate
/// wrote them. Returns the home, its public key and its identity's text.
fn earlier_sigils_home(addr: &str, value: &[u8]) -> (Sandbox, String, Vec<u8>) {
    let old = Sandbox::new();
    old.cmd("sigil-init")
        .args(["--backend", "file"])
        .assert()
        .success();
    let key = public_key(&old);
    old.add(addr, b"x");
    std::fs::remove_file(old.secret_file(addr)).unwrap();
    let accounts = old.home.join("accounts.toml");
    let registry = std::fs::read_to_string(&accounts).unwrap();
    assert!(registry.contains("backend = \"file\""), "{registry}");
    std::fs::write(
        &accounts,
        registry.replace("backend = \"file\"", "backend = \"keyring\""),
    )
    .unwrap();
    let identity = std::fs::read(old.identity_file()).unwrap();
    std::fs::remove_file(old.identity_file()).unwrap();
    let user = format!("age-identity:{}", old.home.display());
    let pointer = old.home.join("identity.keyring");
    std::fs::write(&pointer, format!("# service=sigil username={user}\n")).unwrap();
    chmod(&pointer, 0o600);
    plant_untagged("sigil: age identity", &user, &identity);
    let (service, account) = addr.split_once('/').unwrap();
    let account = account.split('/').next().unwrap();
    plant_untagged(
        &format!("sigil: {service}/{account} (api_key)"),
        addr,
        value,
    );
    (old, key, identity)
}

#[test]
fn items_of_an_earlier_sigil_are_adopted_by_their_home_only_and_keep_their_values() {
    if !private_keyring() {
        return;
    }
    let svc = unique_service("old");
    let addr = format!("{svc}/me/api_key");
    let (old, key, identity) = earlier_sigils_home(&addr, b"old-value");
    let user = format!("age-identity:{}", old.home.display());
    let accounts = old.home.join("accounts.toml");

    // A home that records the address only since this sigil (a copy of the old home's
    // accounts.toml) cannot take the item.
    let other = Sandbox::new();
    other.keyring(other.cmd("sigil-init")).assert().success();
    std::fs::copy(&accounts, other.home.join("accounts.toml")).unwrap();
    other
        .keyring(other.cmd("sigil-get"))
        .args(["-n", &addr])
        .assert()
        .code(3);
    assert_eq!(items_matching(&["service", "sigil", "username", &addr]), 1);

    // The old home's first use adopts its items; the values stay.
    let out = old
        .keyring(old.cmd("sigil-get"))
        .args(["-n", &addr])
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, b"old-value");
    let err = stderr(out.get_output());
    assert!(
        err.contains(&format!("adopted '{addr}' in the keyring")),
        "{err}"
    );
    assert_eq!(public_key(&old), key);
    let id = home_id(&old).expect("the old home has a keyring id now");
    for (user, value) in [(&addr, b"old-value".to_vec()), (&user, identity)] {
        let (found, ok) = secret_tool(&[
            "lookup",
            "service",
            "sigil",
            "username",
            user,
            "sigil-home",
            &id,
        ]);
        assert!(ok, "'{user}' is tagged");
        assert_eq!(found, value);
        // The untagged original is gone.
        assert_eq!(items_matching(&["service", "sigil", "username", user]), 1);
    }
    // Nothing is reported missing, and the next use is an ordinary read.
    let out = old.keyring(old.cmd("sigil-status")).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(!text.contains("missing"), "{text}");
    let out = old
        .keyring(old.cmd("sigil-get"))
        .args(["-n", &addr])
        .assert()
        .success();
    assert_eq!(stderr(out.get_output()), "");
    other
        .keyring(other.cmd("sigil-get"))
        .args(["-n", &addr])
        .assert()
        .code(3);

    for s in [&old, &other] {
        s.keyring(s.cmd("sigil-rm"))
            .args(["--all", "--yes", "--purge-identity"])
            .assert()
            .success();
    }
    assert_eq!(items_matching(&["service", "sigil", "username", &addr]), 0);
    assert_eq!(items_matching(&["service", "sigil", "username", &user]), 0);
}

#[test]
fn mv_and_cp_carry_a_keyring_credential_within_the_keyring() {
    if !private_keyring() {
        return;
    }
    let s = Sandbox::new();
    s.keyring(s.cmd("sigil-init")).assert().success();
    let svc = unique_service("mv");
    let to = unique_service("mvto");
    s.keyring(s.cmd("sigil-add"))
        .args([&format!("{svc}/k"), "--note", "in the keyring"])
        .write_stdin("k-value")
        .assert()
        .success();
    let lookup = |addr: &str| {
        secret_tool(&[
            "lookup",
            "service",
            "sigil",
            "username",
            &format!("{addr}/api_key"),
        ])
    };
    // A move: read, written and deleted through the keyring; the metadata goes along.
    s.keyring(s.cmd("sigil-mv"))
        .args([&format!("{svc}/k"), &format!("{to}/k")])
        .assert()
        .success();
    assert_eq!(get_from_keyring(&s, &format!("{to}/k")), b"k-value");
    assert!(!lookup(&format!("{svc}/k")).1);
    let accounts = std::fs::read_to_string(s.home.join("accounts.toml")).unwrap();
    assert!(
        accounts.contains(&format!("[accounts.\"{to}/k\"]")),
        "{accounts}"
    );
    assert!(accounts.contains("backend = \"keyring\""), "{accounts}");
    assert!(!accounts.contains(&format!("\"{svc}/k\"")), "{accounts}");
    // A copy leaves the source.
    s.keyring(s.cmd("sigil-cp"))
        .args([&format!("{to}/k"), &format!("{to}/copy")])
        .assert()
        .success();
    assert_eq!(get_from_keyring(&s, &format!("{to}/k")), b"k-value");
    assert_eq!(get_from_keyring(&s, &format!("{to}/copy")), b"k-value");
    // A credential moves within its backend: not into a file-store account.
    s.keyring(s.cmd("sigil-add"))
        .args([&format!("{to}/f"), "--backend", "file"])
        .write_stdin("f-value")
        .assert()
        .success();
    let out = s
        .keyring(s.cmd("sigil-mv"))
        .args([&format!("{to}/k/api_key"), &format!("{to}/f/other")])
        .assert()
        .code(1);
    assert!(
        stderr(out.get_output()).contains("is kept in the file backend"),
        "{}",
        stderr(out.get_output())
    );
    s.keyring(s.cmd("sigil-rm"))
        .args(["--all", "--yes", "--purge-identity"])
        .assert()
        .success();
}
