//! `sigil migrate` from other password managers: a pass store made by the real `pass` (and
//! `gpg`), a passage store written by the real `age`, a gopass-layout store with a mount,
//! and Bitwarden JSON, KeePassXC CSV, 1Password CSV and .1pux exports written from each
//! format's published description. Each: every value read back with `sigil get`, TOTP codes
//! checked against oathtool and against sigil's own code of the known seed, a dry run that
//! changes nothing, a rollback that removes every import, the source never changed; bad,
//! truncated and hostile inputs refused with a clear error, or normalised.

use crate::support::{Sandbox, chmod, need, stderr};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command as Std;

/// The TOTP seed of every fixture (base32 of "Hello!\xde\xad\xbe\xef").
const SEED: &str = "JBSWY3DPEHPK3PXP";

/// Every file under `dir` with its bytes and mtime (a source must stay exactly as it was).
fn tree(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, i64, i64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(p) = stack.pop() {
        let m = fs::symlink_metadata(&p).unwrap();
        if m.is_dir() {
            out.insert(p.clone(), (vec![], m.mtime(), m.mtime_nsec()));
            stack.extend(fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            // The audit log records every command, refused ones included, by design.
            if name.starts_with("audit.log")
                || name == ".audit-checkpoint"
                || name == ".use-index.json"
            {
                continue;
            }
            let bytes = if m.file_type().is_symlink() {
                fs::read_link(&p)
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else {
                fs::read(&p).unwrap()
            };
            out.insert(p, (bytes, m.mtime(), m.mtime_nsec()));
        }
    }
    out
}

fn migrate(s: &Sandbox, gnupg: Option<&Path>, args: &[&str]) -> std::process::Output {
    let mut c = s.std_cmd(crate::support::bin("sigil-migrate"));
    if let Some(g) = gnupg {
        c.env("GNUPGHOME", g);
    }
    c.args(args).output().unwrap()
}

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out))
}

fn stored(s: &Sandbox, addr: &str) -> Option<String> {
    let out = s.cmd("sigil-get").args(["-n", addr]).output().unwrap();
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout.clone()).unwrap())
}

fn redact(s: &Sandbox, text: &[u8]) -> String {
    s.redact(text)
}

fn oathtool() -> String {
    need("oathtool");
    let out = Std::new("oathtool")
        .args(["--totp", "-b", SEED])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn otp(s: &Sandbox, addr: &str) -> String {
    let out = s.cmd("sigil-otp").args([addr, "--json"]).assert().success();
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    doc["code"].as_str().unwrap().to_owned()
}

/// The imported seed's code is oathtool's for the known seed, and sigil's own for that seed
/// added by `sigil add --totp` (read between two oathtool runs that agree, so a period
/// boundary cannot make it flaky).
fn totp_agrees(s: &Sandbox, addr: &str) {
    if stored(s, "reference/seed/totp").is_none() {
        s.cmd("sigil-add")
            .args(["reference/seed", "--totp"])
            .write_stdin(SEED)
            .assert()
            .success();
    }
    for _ in 0..3 {
        let before = oathtool();
        let (got, own) = (otp(s, addr), otp(s, "reference/seed"));
        if before == oathtool() {
            assert_eq!(got, before, "{addr}");
            assert_eq!(got, own, "{addr}");
            return;
        }
    }
    panic!("the TOTP period kept turning over");
}

/// A throwaway GnuPG home with a key without passphrase; its agent is stopped on drop.
struct Gpg {
    home: PathBuf,
}

impl Gpg {
    fn new(root: &Path) -> Gpg {
        need("gpg");
        let home = root.join("gnupg");
        fs::create_dir(&home).unwrap();
        fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        let g = Gpg { home };
        let out = g
            .cmd("gpg")
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args([
                "--quick-gen-key",
                "Sigil Test <test@sigil.invalid>",
                "default",
                "default",
                "never",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        g
    }

    fn cmd(&self, program: &str) -> Std {
        let mut c = Std::new(program);
        c.env("GNUPGHOME", &self.home);
        c
    }

    /// `pass init` of a store at `store` for the test key.
    fn pass_init(&self, store: &Path) -> std::process::Output {
        self.cmd("pass")
            .env("PASSWORD_STORE_DIR", store)
            .args(["init", "test@sigil.invalid"])
            .output()
            .unwrap()
    }

    /// `pass insert -m NAME` of `text` in the store at `store`.
    fn pass_insert(&self, store: &Path, name: &str, text: &str) {
        let mut child = self
            .cmd("pass")
            .env("PASSWORD_STORE_DIR", store)
            .args(["insert", "-m", name])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }

    /// `file` encrypted by gpg to the test key (for a gopass store, which gopass writes
    /// exactly so: one gpg file per entry).
    fn encrypt(&self, file: &Path, text: &str) {
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        let mut child = self
            .cmd("gpg")
            .args([
                "--batch",
                "--yes",
                "--trust-model",
                "always",
                "-e",
                "-r",
                "test@sigil.invalid",
                "-o",
            ])
            .arg(file)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = self
            .cmd("gpgconf")
            .args(["--kill", "all"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// A pass entry as people write them (pass(1): "the first line of the file is the
/// password"; browserpass and pass-otp read `login:`/`url:` lines and an `otpauth://` line).
const GITHUB: &str = "gh-pass-0123456789\nlogin: alice@example.com\nurl: https://github.com/login\n\
otpauth://totp/GitHub:alice?secret=JBSWY3DPEHPK3PXP&issuer=GitHub\nRecovery codes: 1111-2222 3333-4444\n\
Security question: first pet was a tortoise\n";

#[test]
fn a_pass_store_made_by_pass() {
    need("pass");
    let s = Sandbox::init();
    let gpg = Gpg::new(s.root());
    let store = s.root().join(".password-store");
    let out = gpg.pass_init(&store);
    assert!(out.status.success(), "{}", stderr(&out));
    gpg.pass_insert(&store, "web/github.com/alice", GITHUB);
    gpg.pass_insert(&store, "work/servers/db/prod/root", "db-root-pass\n");
    gpg.pass_insert(&store, "email", "mail-pass\nuser: bob\n");
    // A name with a space and an escape sequence: normalised, and shown escaped.
    gpg.pass_insert(&store, "odd/My Bank \x1b[31m!", "bank-pass\n");
    let before = tree(&store);
    let home_before = tree(&s.home);

    let dry = migrate(&s, Some(&gpg.home), &["--dry-run", ".password-store"]);
    let text = ok(&dry);
    insta::assert_snapshot!(redact(&s, &dry.stdout), @r"
    SOURCE           NAME                       VALUE  ADDRESS                               ACTION
    .password-store  email                      …      → email/bob/password                  store
    .password-store  email                      …      → email/bob/username                  store
    .password-store  odd/My Bank \u{1b}[31m!    …      → odd/My-Bank-31m/password            store
    .password-store  web/github.com/alice       …      → github.com/alice/password           store
    .password-store  web/github.com/alice       …      → github.com/alice/username           store
    .password-store  web/github.com/alice       …      → github.com/alice/totp               store
    .password-store  web/github.com/alice       …      → github.com/alice/recovery_codes     store
    .password-store  web/github.com/alice       …      → github.com/alice/security_question  store
    .password-store  work/servers/db/prod/root  …      → prod/root/password                  store
    .password-store: 9 entries — imported; the store is left as it is
    ");
    assert!(
        !text.contains('\x1b'),
        "an escape sequence reached the terminal"
    );
    assert_eq!(tree(&store), before);
    assert_eq!(
        tree(&s.home),
        home_before,
        "a dry run changed the sigil home"
    );

    let out = migrate(&s, Some(&gpg.home), &[".password-store"]);
    ok(&out);
    assert_eq!(
        stored(&s, "github.com/alice/password").unwrap(),
        "gh-pass-0123456789"
    );
    assert_eq!(
        stored(&s, "github.com/alice/username").unwrap(),
        "alice@example.com"
    );
    assert_eq!(
        stored(&s, "github.com/alice/recovery_codes").unwrap(),
        "1111-2222 3333-4444"
    );
    assert_eq!(
        stored(&s, "github.com/alice/security_question").unwrap(),
        "first pet was a tortoise"
    );
    assert_eq!(stored(&s, "prod/root/password").unwrap(), "db-root-pass");
    assert_eq!(stored(&s, "email/bob/password").unwrap(), "mail-pass");
    assert_eq!(stored(&s, "odd/My-Bank-31m/password").unwrap(), "bank-pass");
    totp_agrees(&s, "github.com/alice");
    // The URL is metadata; no secret is in the registry.
    let reg = fs::read_to_string(s.home.join("accounts.toml")).unwrap();
    assert!(reg.contains("url: https://github.com/login"), "{reg}");
    assert!(
        !reg.contains("tortoise") && !reg.contains("gh-pass"),
        "{reg}"
    );
    assert_eq!(tree(&store), before, "the pass store changed");

    let back = migrate(&s, None, &["--rollback"]);
    ok(&back);
    for a in [
        "github.com/alice/password",
        "github.com/alice/totp",
        "prod/root/password",
        "email/bob/password",
    ] {
        assert_eq!(stored(&s, a), None, "{a} is still there");
    }
    assert_eq!(tree(&store), before, "the rollback touched the pass store");
    // pass itself still reads it.
    let shown = gpg
        .cmd("pass")
        .env("PASSWORD_STORE_DIR", &store)
        .args(["show", "web/github.com/alice"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&shown.stdout), GITHUB);
}

#[test]
fn a_symlink_out_of_a_pass_store_is_refused_and_nothing_changes() {
    need("pass");
    let s = Sandbox::init();
    let gpg = Gpg::new(s.root());
    let store = s.root().join(".password-store");
    gpg.pass_init(&store);
    gpg.pass_insert(&store, "site/alice", "pw\n");
    gpg.encrypt(&s.root().join("outside/secret.gpg"), "not the store's\n");
    std::os::unix::fs::symlink(
        s.root().join("outside/secret.gpg"),
        store.join("site/leak.gpg"),
    )
    .unwrap();
    let home_before = tree(&s.home);
    let out = migrate(&s, Some(&gpg.home), &[".password-store"]);
    assert!(!out.status.success());
    insta::assert_snapshot!(redact(&s, &out.stderr), @r"
    sigil-migrate: error: '[TMP]/.password-store/site/leak.gpg' is a symbolic link that leads out of the store
    help: sigil reads only the store's own files: remove the link, or migrate what it points at on its own; nothing was changed
    ");
    assert_eq!(tree(&s.home), home_before);
    // A link inside the store is read as what it points at.
    fs::remove_file(store.join("site/leak.gpg")).unwrap();
    std::os::unix::fs::symlink(store.join("site/alice.gpg"), store.join("site/bob.gpg")).unwrap();
    ok(&migrate(&s, Some(&gpg.home), &[".password-store"]));
    assert_eq!(stored(&s, "site/bob/password").unwrap(), "pw");
}

#[test]
fn a_passage_store_written_by_age() {
    need("age");
    need("age-keygen");
    let s = Sandbox::init();
    let dir = s.root().join(".passage");
    let store = dir.join("store");
    fs::create_dir_all(store.join("dev/gitlab.com")).unwrap();
    let out = Std::new("age-keygen")
        .arg("-o")
        .arg(dir.join("identities"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let key = fs::read_to_string(dir.join("identities")).unwrap();
    let recipient = key
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .to_owned();
    fs::write(store.join(".age-recipients"), format!("{recipient}\n")).unwrap();
    let age = |name: &str, text: &str| {
        let mut child = Std::new("age")
            .args(["-r", &recipient, "-o"])
            .arg(store.join(format!("{name}.age")))
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
    };
    age(
        "dev/gitlab.com/carol",
        "gl-pass-9876543210\nurl: https://gitlab.com\ntotp: JBSWY3DPEHPK3PXP\n",
    );
    age("wifi", "wifi-pass\n");
    let before = tree(&dir);
    let home_before = tree(&s.home);
    ok(&migrate(&s, None, &["--dry-run", ".passage/store"]));
    assert_eq!(tree(&s.home), home_before);
    let text = ok(&migrate(&s, None, &[".passage/store"]));
    assert!(
        text.contains("imported; the store is left as it is"),
        "{text}"
    );
    assert_eq!(
        stored(&s, "gitlab.com/carol/password").unwrap(),
        "gl-pass-9876543210"
    );
    assert_eq!(stored(&s, "wifi/default/password").unwrap(), "wifi-pass");
    totp_agrees(&s, "gitlab.com/carol");
    assert_eq!(tree(&dir), before);
    ok(&migrate(&s, None, &["--rollback"]));
    assert_eq!(stored(&s, "gitlab.com/carol/password"), None);
    assert_eq!(tree(&dir), before);

    // Identities it cannot open: a clear error, nothing changed.
    fs::write(dir.join("identities"), "AGE-SECRET-KEY-1NOTAKEY\n").unwrap();
    let out = migrate(&s, None, &[".passage/store"]);
    assert!(!out.status.success());
    let err = redact(&s, &out.stderr);
    assert!(
        err.contains("cannot use passage's identities '[TMP]/.passage/identities'"),
        "{err}"
    );
    assert_eq!(stored(&s, "wifi/default/password"), None);
}

#[test]
fn a_gopass_store_and_its_mount() {
    let s = Sandbox::init();
    let gpg = Gpg::new(s.root());
    let stores = s.root().join(".local/share/gopass/stores");
    for m in ["root", "work"] {
        fs::create_dir_all(stores.join(m)).unwrap();
        fs::write(stores.join(m).join(".gpg-id"), "test@sigil.invalid\n").unwrap();
    }
    // gopass's secret format: the password, then `key: value` lines (after a `---` in its
    // YAML form), then the body.
    gpg.encrypt(
        &stores.join("root/social/mastodon/dave.gpg"),
        "md-pass-1234567890\n---\nusername: dave\nurl: https://mastodon.social\nrecovery: r-e-c\n",
    );
    gpg.encrypt(
        &stores.join("work/vpn/erin.gpg"),
        "vpn-pass\notpauth://totp/VPN:erin?secret=JBSWY3DPEHPK3PXP\n",
    );
    let before = tree(&stores);
    let gs = ".local/share/gopass/stores";
    let text = ok(&migrate(
        &s,
        Some(&gpg.home),
        &["--dry-run", &format!("{gs}/root"), &format!("{gs}/work")],
    ));
    assert!(
        text.contains("work/vpn/erin"),
        "the mount's entries are named as gopass shows them: {text}"
    );
    ok(&migrate(
        &s,
        Some(&gpg.home),
        &[&format!("{gs}/root"), &format!("{gs}/work")],
    ));
    assert_eq!(
        stored(&s, "mastodon/dave/password").unwrap(),
        "md-pass-1234567890"
    );
    assert_eq!(stored(&s, "mastodon/dave/username").unwrap(), "dave");
    assert_eq!(stored(&s, "mastodon/dave/recovery").unwrap(), "r-e-c");
    assert_eq!(stored(&s, "vpn/erin/password").unwrap(), "vpn-pass");
    totp_agrees(&s, "vpn/erin");
    assert_eq!(tree(&stores), before);
    ok(&migrate(&s, None, &["--rollback"]));
    assert_eq!(stored(&s, "vpn/erin/password"), None);
}

/// A Bitwarden unencrypted JSON export, as Bitwarden's help article "Condition a Bitwarden
/// .json File" (bitwarden.com/help/condition-bitwarden-import/) lays it out: `folders`,
/// `items` with `type` 1 (login), 2 (secure note), 3 (card); `fields` of type 0 (text),
/// 1 (hidden), 3 (linked).
const BITWARDEN: &str = r#"{
  "encrypted": false,
  "folders": [{"id": "f1", "name": "Work"}],
  "items": [
    {"id": "i1", "organizationId": null, "folderId": "f1", "type": 1, "reprompt": 0,
     "name": "GitHub", "notes": "2FA backup codes: 9999-8888", "favorite": false,
     "fields": [{"name": "PIN", "value": "4321", "type": 1, "linkedId": null},
                {"name": "linked", "value": null, "type": 3, "linkedId": 100}],
     "login": {"uris": [{"match": null, "uri": "https://github.com"}],
               "username": "alice", "password": "bw-gh-pass-123456", "totp": "JBSWY3DPEHPK3PXP"},
     "collectionIds": null},
    {"id": "i2", "folderId": null, "type": 1, "name": "GitHub",
     "login": {"uris": [], "username": "alice", "password": "bw-gh-other", "totp": null}},
    {"id": "i3", "folderId": null, "type": 2, "name": "Alarm code", "notes": "1234#",
     "secureNote": {"type": 0}},
    {"id": "i4", "folderId": null, "type": 3, "name": "Visa",
     "card": {"cardholderName": "Alice A", "brand": "Visa", "number": "4111111111111111",
              "expMonth": "1", "expYear": "2030", "code": "123"}},
    {"id": "i5", "folderId": null, "type": 1, "name": "../../etc/passwd",
     "login": {"username": "../root", "password": "evil-pass"}},
    {"id": "i6", "folderId": null, "type": 1, "name": "\u001b]0;pwned\u0007Bank",
     "login": {"username": "\u001b[2Jme", "password": "bank-pass"}}
  ]
}"#;

#[test]
fn a_bitwarden_json_export() {
    let s = Sandbox::init();
    let file = s.root().join("bitwarden_export.json");
    fs::write(&file, BITWARDEN).unwrap();
    let home_before = tree(&s.home);
    let dry = migrate(&s, None, &["--dry-run", "bitwarden_export.json"]);
    let text = ok(&dry);
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text}");
    insta::assert_snapshot!(redact(&s, &dry.stderr), @r"
    note: bitwarden_export.json: 'GitHub' and 'GitHub' both map to 'github/alice'
    note: bitwarden_export.json: 'GitHub' is imported as 'github/alice-2'
    dry run: nothing was changed
    ");
    assert_eq!(tree(&s.home), home_before);

    let out = migrate(&s, None, &["bitwarden_export.json"]);
    let text = ok(&out);
    assert!(
        text.contains("still holds every password of the Bitwarden JSON export in plaintext"),
        "{text}"
    );
    assert_eq!(
        stored(&s, "github/alice/password").unwrap(),
        "bw-gh-pass-123456"
    );
    assert_eq!(
        stored(&s, "github/alice-2/password").unwrap(),
        "bw-gh-other"
    );
    assert_eq!(
        stored(&s, "github/alice/notes").unwrap(),
        "2FA backup codes: 9999-8888"
    );
    assert_eq!(stored(&s, "github/alice/pin").unwrap(), "4321");
    assert_eq!(stored(&s, "alarm-code/default/notes").unwrap(), "1234#");
    assert_eq!(
        stored(&s, "visa/default/number").unwrap(),
        "4111111111111111"
    );
    assert_eq!(stored(&s, "visa/default/code").unwrap(), "123");
    assert_eq!(stored(&s, "etc-passwd/root/password").unwrap(), "evil-pass");
    assert_eq!(
        stored(&s, "0-pwned-bank/2Jme/password").unwrap(),
        "bank-pass"
    );
    totp_agrees(&s, "github/alice");
    let reg = fs::read_to_string(s.home.join("accounts.toml")).unwrap();
    assert!(
        reg.contains("url: https://github.com\nfolder: Work"),
        "{reg}"
    );
    // Nothing was written outside the store.
    assert!(!s.root().join("etc").exists());
    assert_eq!(fs::read_to_string(&file).unwrap(), BITWARDEN);
    ok(&migrate(&s, None, &["--rollback"]));
    assert_eq!(stored(&s, "github/alice/password"), None);
    assert_eq!(stored(&s, "visa/default/number"), None);
    assert_eq!(fs::read_to_string(&file).unwrap(), BITWARDEN);
}

#[test]
fn bad_exports_are_refused_and_lose_nothing() {
    let s = Sandbox::init();
    s.add("keep/me/api_key", b"kept-value");
    let home_before = tree(&s.home);
    let cases: &[(&str, &str)] = &[
        ("cut.json", &BITWARDEN[..BITWARDEN.len() / 2]),
        (
            "encrypted.json",
            r#"{"encrypted": true, "passwordProtected": true, "salt": "x", "data": "2.abc"}"#,
        ),
        (
            "cut.csv",
            "Group,Title,Username,Password,URL,Notes,TOTP,Icon,Last Modified,Created\n\"Root\",\"A\",\"u\",\"p\",\"\",\"open note\n",
        ),
        (
            "short.csv",
            "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\nA,https://a,u\n",
        ),
        ("other.csv", "name,value\na,b\n"),
        ("bad.1pux", "this is not a zip"),
    ];
    let mut report = String::new();
    for (name, text) in cases {
        fs::write(s.root().join(name), text).unwrap();
        let out = migrate(&s, None, &[name]);
        assert!(!out.status.success(), "{name}");
        report.push_str(&redact(&s, &out.stderr));
    }
    insta::assert_snapshot!(report, @r"
    sigil-migrate: error: '[TMP]/cut.json' is malformed at line 13, column 26: EOF while parsing
    help: fix the file (or move it aside); nothing was changed
    sigil-migrate: error: '[TMP]/encrypted.json' is an encrypted Bitwarden export
    help: export again as unencrypted JSON (`bw export --format json`); sigil cannot open Bitwarden's encryption
    sigil-migrate: error: '[TMP]/cut.csv' is malformed at line 2, column 1: a quoted field is not closed (the file is cut short?)
    help: fix the file (or move it aside); nothing was changed
    sigil-migrate: error: '[TMP]/short.csv' is malformed at line 2, column 1: the row has 3 columns and the header 9 (the file is cut short or damaged?)
    help: fix the file (or move it aside); nothing was changed
    sigil-migrate: error: '[TMP]/other.csv' is not a CSV export sigil knows: its first row names no Title and Password columns
    help: sigil reads KeePassXC's CSV (Group, Title, Username, Password, URL, Notes, TOTP, …) and 1Password's (Title, Url, Username, Password, OTPAuth, …)
    sigil-migrate: error: '[TMP]/bad.1pux' is not a readable .1pux export: it is not a zip archive (or it is cut short)
    help: export again from 1Password (File › Export › 1PUX); nothing was changed
    ");
    assert_eq!(tree(&s.home), home_before);
    assert_eq!(stored(&s, "keep/me/api_key").unwrap(), "kept-value");
}

/// KeePassXC's "Export to CSV" (KeePassXC User Guide, "Exporting Databases": the columns
/// Group, Title, Username, Password, URL, Notes, TOTP, Icon, Last Modified, Created; every
/// field quoted, `"` doubled, notes may span lines; TOTP as an otpauth:// URI).
const KEEPASS: &str = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"\n\
\"Root/Internet\",\"Forum\",\"frank\",\"kp-pass-\"\"quoted\"\",x\",\"https://forum.example\",\"line one\nline two\",\"otpauth://totp/Forum:frank?secret=JBSWY3DPEHPK3PXP&period=30&digits=6&issuer=Forum\",\"0\",\"2024-01-02T03:04:05Z\",\"2024-01-01T00:00:00Z\"\n\
\"Root\",\"Server\",\"\",\"srv-pass\",\"\",\"\",\"\",\"0\",\"2024-01-02T03:04:05Z\",\"2024-01-01T00:00:00Z\"\n";

#[test]
fn a_keepassxc_csv_export() {
    let s = Sandbox::init();
    fs::write(s.root().join("keepass.csv"), KEEPASS).unwrap();
    let home_before = tree(&s.home);
    ok(&migrate(&s, None, &["-n", "keepass.csv"]));
    assert_eq!(tree(&s.home), home_before);
    let text = ok(&migrate(&s, None, &["keepass.csv"]));
    assert!(text.contains("KeePassXC CSV export in plaintext"), "{text}");
    assert_eq!(
        stored(&s, "forum/frank/password").unwrap(),
        "kp-pass-\"quoted\",x"
    );
    assert_eq!(
        stored(&s, "forum/frank/notes").unwrap(),
        "line one\nline two"
    );
    assert_eq!(stored(&s, "server/default/password").unwrap(), "srv-pass");
    totp_agrees(&s, "forum/frank");
    let reg = fs::read_to_string(s.home.join("accounts.toml")).unwrap();
    assert!(reg.contains("folder: Root/Internet"), "{reg}");
    ok(&migrate(&s, None, &["--rollback"]));
    assert_eq!(stored(&s, "forum/frank/password"), None);
    assert_eq!(
        fs::read_to_string(s.root().join("keepass.csv")).unwrap(),
        KEEPASS
    );
}

/// 1Password 8's CSV export (1Password support, "Export your data": Title, Url, Username,
/// Password, OTPAuth, Favorite, Archived, Tags, Notes).
const ONEPASSWORD_CSV: &str = "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n\
Dropbox,https://dropbox.com,grace@example.com,op-pass-111,otpauth://totp/Dropbox:grace?secret=JBSWY3DPEHPK3PXP,false,false,,\n\
Router,http://192.0.2.1,admin,op-router,,false,false,home,\"front desk\"\n";

#[test]
fn a_1password_csv_export() {
    let s = Sandbox::init();
    fs::write(s.root().join("1password.csv"), ONEPASSWORD_CSV).unwrap();
    let text = ok(&migrate(&s, None, &["1password.csv"]));
    assert!(text.contains("1Password CSV export in plaintext"), "{text}");
    assert_eq!(
        stored(&s, "dropbox/grace@example.com/password").unwrap(),
        "op-pass-111"
    );
    assert_eq!(stored(&s, "router/admin/password").unwrap(), "op-router");
    assert_eq!(stored(&s, "router/admin/notes").unwrap(), "front desk");
    totp_agrees(&s, "dropbox/grace@example.com");
    ok(&migrate(&s, None, &["--rollback"]));
    assert_eq!(stored(&s, "router/admin/password"), None);
}

/// 1Password's .1pux (1Password support, "About the 1Password Unencrypted Export (.1PUX)
/// format"): a zip holding `export.attributes` and `export.data`, whose JSON is
/// accounts → vaults → items with `overview` (title, url, urls) and `details`
/// (loginFields with a designation, notesPlain, sections of fields whose `value` is keyed by
/// its kind: concealed, string, totp, …).
const ONEPUX_DATA: &str = r#"{"accounts": [{"attrs": {"accountName": "Heidi", "name": "Heidi", "email": "heidi@example.com", "uuid": "A1", "domain": "https://my.1password.com/"},
  "vaults": [{"attrs": {"uuid": "V1", "desc": "", "avatar": "", "name": "Personal", "type": "P"},
    "items": [
      {"uuid": "I1", "favIndex": 0, "createdAt": 1700000000, "updatedAt": 1700000000, "state": "active", "categoryUuid": "001",
       "details": {"loginFields": [
           {"value": "heidi", "id": "", "name": "username", "fieldType": "T", "designation": "username"},
           {"value": "pux-pass-12345", "id": "", "name": "password", "fieldType": "P", "designation": "password"}],
         "notesPlain": "pux note",
         "sections": [{"title": "Security", "name": "sec", "fields": [
           {"title": "one-time password", "id": "TOTP_1", "value": {"totp": "otpauth://totp/Example:heidi?secret=JBSWY3DPEHPK3PXP"}, "indexAtSource": 0, "guarded": false, "multiline": false, "dontGenerate": false, "inputTraits": {}},
           {"title": "API key", "id": "k", "value": {"concealed": "pux-api-key"}, "indexAtSource": 1}]}],
         "passwordHistory": []},
       "overview": {"subtitle": "heidi", "urls": [{"label": "", "url": "https://example.com"}], "title": "Example", "url": "https://example.com", "ps": 0, "pbe": 0.0, "pgrng": false}},
      {"uuid": "I2", "state": "archived", "categoryUuid": "001",
       "details": {"loginFields": [{"value": "old", "designation": "password"}]},
       "overview": {"title": "Old"}}
    ]}]}]}"#;

fn write_zip(path: &Path, files: &[(&str, &[u8])]) {
    let mut z = zip::ZipWriter::new(fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, data) in files {
        z.start_file(*name, opts).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn a_1pux_export() {
    let s = Sandbox::init();
    let file = s.root().join("export.1pux");
    write_zip(
        &file,
        &[
            ("export.attributes", br#"{"version": 3, "description": "1Password Unencrypted Export", "createdAt": 1700000000}"#),
            ("export.data", ONEPUX_DATA.as_bytes()),
        ],
    );
    let bytes = fs::read(&file).unwrap();
    let text = ok(&migrate(&s, None, &["export.1pux"]));
    assert!(
        text.contains("1Password .1pux export in plaintext"),
        "{text}"
    );
    assert_eq!(
        stored(&s, "example/heidi/password").unwrap(),
        "pux-pass-12345"
    );
    assert_eq!(stored(&s, "example/heidi/api_key").unwrap(), "pux-api-key");
    assert_eq!(stored(&s, "example/heidi/notes").unwrap(), "pux note");
    assert_eq!(
        stored(&s, "old/default/password"),
        None,
        "an archived item was imported"
    );
    totp_agrees(&s, "example/heidi");
    ok(&migrate(&s, None, &["--rollback"]));
    assert_eq!(stored(&s, "example/heidi/password"), None);
    assert_eq!(fs::read(&file).unwrap(), bytes);
}

#[test]
fn a_1pux_zip_bomb_is_refused() {
    let s = Sandbox::init();
    let file = s.root().join("bomb.1pux");
    // 80 MiB of spaces deflate to well under 100 KiB: more than the 64 MiB sigil unpacks.
    let big = vec![b' '; 80 << 20];
    write_zip(&file, &[("export.data", &big)]);
    assert!(fs::metadata(&file).unwrap().len() < 1 << 20);
    let home_before = tree(&s.home);
    let out = migrate(&s, None, &["bomb.1pux"]);
    assert!(!out.status.success());
    insta::assert_snapshot!(redact(&s, &out.stderr), @r"
    sigil-migrate: error: '[TMP]/bomb.1pux' is not a readable .1pux export: export.data decompresses to more than 64 MiB (a zip bomb?)
    help: export again from 1Password (File › Export › 1PUX); nothing was changed
    ");
    assert_eq!(tree(&s.home), home_before);
}

#[test]
fn an_import_that_meets_a_stored_value_follows_on_conflict() {
    let s = Sandbox::init();
    s.cmd("sigil-add")
        .args(["forum/frank/password", "--note", "my own note"])
        .write_stdin("mine")
        .assert()
        .success();
    fs::write(s.root().join("keepass.csv"), KEEPASS).unwrap();
    let out = migrate(&s, None, &["keepass.csv"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("'forum/frank/password' already holds a different value"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stored(&s, "forum/frank/password").unwrap(), "mine");
    assert_eq!(stored(&s, "server/default/password"), None);
    ok(&migrate(
        &s,
        None,
        &["--on-conflict", "overwrite", "keepass.csv"],
    ));
    assert_eq!(
        stored(&s, "forum/frank/password").unwrap(),
        "kp-pass-\"quoted\",x"
    );
    // The user's own note is kept; the new account gets the export's group.
    let reg = fs::read_to_string(s.home.join("accounts.toml")).unwrap();
    assert!(
        reg.contains("my own note") && !reg.contains("forum.example"),
        "{reg}"
    );
    assert!(reg.contains("folder: Root"), "{reg}");
    ok(&migrate(&s, None, &["--rollback"]));
    assert_eq!(stored(&s, "forum/frank/password").unwrap(), "mine");
}

#[test]
fn huge_inputs_are_refused_before_they_are_read_whole() {
    let s = Sandbox::init();
    let home_before = tree(&s.home);
    // A 17 MiB CSV export: over the 16 MiB limit for files to migrate.
    let mut csv =
        String::from("Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n");
    let row = "T,https://x,u,p,,false,false,,\n";
    while csv.len() <= 17 << 20 {
        csv.push_str(row);
    }
    fs::write(s.root().join("big.csv"), &csv).unwrap();
    let out = migrate(&s, None, &["big.csv"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("larger than 16 MiB"),
        "{}",
        stderr(&out)
    );
    // A 5 MiB "entry" in a pass store: refused before gpg sees it.
    let store = s.root().join("store");
    fs::create_dir_all(&store).unwrap();
    fs::write(store.join(".gpg-id"), "nobody@sigil.invalid\n").unwrap();
    fs::write(store.join("big.gpg"), vec![0u8; 5 << 20]).unwrap();
    let out = migrate(&s, None, &["store"]);
    assert!(!out.status.success());
    insta::assert_snapshot!(redact(&s, &out.stderr), @r"
    sigil-migrate: error: '[TMP]/store/big.gpg' is larger than 4 MiB, the limit for one encrypted entry
    help: it is no password entry: move it out of the store, or migrate the store's folders one by one; nothing was changed
    ");
    assert_eq!(tree(&s.home), home_before);
}

#[test]
fn an_import_killed_at_each_step_is_undone_by_the_next_command() {
    for step in ["journal", "secret", "secrets"] {
        let s = Sandbox::init();
        s.add("keep/me/api_key", b"kept-value");
        fs::write(s.root().join("keepass.csv"), KEEPASS).unwrap();
        let mut c = s.cmd("sigil-migrate");
        c.arg("keepass.csv");
        crate::support::kill_at(c, step);
        assert!(s.home.join("migrations/.pending").exists(), "{step}");
        let out = s.cmd("sigil-list").output().unwrap();
        assert!(out.status.success(), "{step}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("undid the interrupted migration"),
            "{step}: {}",
            stderr(&out)
        );
        let listed = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            listed.starts_with("keep/me") && !listed.contains("forum"),
            "{step}: {listed}"
        );
        assert_eq!(stored(&s, "forum/frank/password"), None, "{step}");
        assert_eq!(stored(&s, "keep/me/api_key").unwrap(), "kept-value");
        assert_eq!(
            fs::read_to_string(s.root().join("keepass.csv")).unwrap(),
            KEEPASS
        );
    }
}

#[test]
fn list_names_what_was_imported() {
    let s = Sandbox::init();
    fs::write(s.root().join("1password.csv"), ONEPASSWORD_CSV).unwrap();
    ok(&migrate(&s, None, &["1password.csv"]));
    let out = migrate(&s, None, &["--list"]);
    let text = ok(&out);
    assert!(
        text.contains("1password.csv") && text.contains("done"),
        "{text}"
    );
}

/// The user's gpg (and the agent and pinentry it starts) runs without the variables that
/// carry sigil's key: a wrapper named by `SIGIL_GPG` records its environment, then decrypts.
#[test]
fn gpg_never_sees_the_key_variables() {
    need("pass");
    let s = Sandbox::init();
    let gpg = Gpg::new(s.root());
    let store = s.root().join(".password-store");
    gpg.pass_init(&store);
    gpg.pass_insert(&store, "site/alice", "pw\n");
    let dump = s.root().join("gpg-env");
    let wrapper = s.root().join("gpg-wrapper");
    fs::write(
        &wrapper,
        format!("#!/bin/sh\nenv >> '{}'\nexec gpg \"$@\"\n", dump.display()),
    )
    .unwrap();
    chmod(&wrapper, 0o755);
    let key = fs::read_to_string(s.home.join("identity.txt")).unwrap();
    let key = key
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap()
        .to_owned();
    let out = s
        .std_cmd(crate::support::bin("sigil-migrate"))
        .env("GNUPGHOME", &gpg.home)
        .env("SIGIL_GPG", &wrapper)
        .env("SIGIL_IDENTITY", &key)
        .arg(".password-store")
        .output()
        .unwrap();
    ok(&out);
    let seen = fs::read_to_string(&dump).expect("the wrapper ran");
    assert!(seen.contains("GNUPGHOME="), "{seen}");
    assert!(!seen.contains("SIGIL_IDENTITY="), "gpg saw SIGIL_IDENTITY");
    assert!(!seen.contains(&key));
    assert_eq!(stored(&s, "site/alice/password").unwrap(), "pw");
}
