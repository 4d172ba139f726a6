//! `sigil migrate`: every source format round trip (migrate → the program still gets its
//! value → rollback → byte-identical), dry runs that touch nothing, conflicts under each
//! policy, failures and kills at each step healed by the next command, and scans that never
//! show a secret.

use crate::support::{Sandbox, stderr};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;

const OPENAI: &str = "sk-test-1234567890abcd11";
const DB: &str = "hunter2-correct-horse";
const GH: &str = "ghp_abcdefghijklmnop";

const DOTENV: &str = "# app settings\n\
export OPENAI_API_KEY=\"sk-test-1234567890abcd11\"\n\
\n\
DB_PASSWORD=hunter2-correct-horse # the database\n\
PORT=8080\n\
GITHUB_TOKEN='ghp_abcdefghijklmnop'\n\
ALREADY=auth://openai/app\n";

/// Every file under `dir` with its bytes, mode and mtime.
fn tree(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32, i64, i64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(p) = stack.pop() {
        let m = fs::symlink_metadata(&p).unwrap();
        if m.is_dir() {
            out.insert(p.clone(), (vec![], m.mode(), m.mtime(), m.mtime_nsec()));
            stack.extend(fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            // The audit log records every command, refused ones included, by design; the
            // policy index is derived data, like the registry cache.
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            if name.starts_with("audit.log")
                || name == ".audit-checkpoint"
                || name == ".use-index.json"
            {
                continue;
            }
            let bytes = fs::read(&p).unwrap_or_default();
            out.insert(p, (bytes, m.mode(), m.mtime(), m.mtime_nsec()));
        }
    }
    out
}

fn write(p: &Path, text: &str, mode: u32) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

fn migrate(s: &Sandbox, args: &[&str]) -> std::process::Output {
    s.cmd("sigil-migrate").args(args).output().unwrap()
}

fn stored(s: &Sandbox, addr: &str) -> Option<Vec<u8>> {
    let out = s.cmd("sigil-get").args(["-n", addr]).output().unwrap();
    out.status.success().then_some(out.stdout)
}

/// No secret value in any file under the sigil home (journal, registry, originals).
fn assert_no_plaintext(s: &Sandbox, secrets: &[&str]) {
    for (p, (bytes, ..)) in tree(&s.home) {
        for v in secrets {
            assert!(
                !bytes.windows(v.len()).any(|w| w == v.as_bytes()),
                "'{v}' in plaintext in {}",
                p.display()
            );
        }
    }
}

fn assert_same_bytes_and_mode(p: &Path, bytes: &[u8], mode: u32) {
    assert_eq!(fs::read(p).unwrap(), bytes, "{}", p.display());
    assert_eq!(
        fs::metadata(p).unwrap().permissions().mode() & 0o7777,
        mode,
        "{}",
        p.display()
    );
}

fn redact(s: &Sandbox, out: &[u8]) -> String {
    let text = s.redact(out);
    // Migration ids are timestamps.
    let mut r = String::new();
    for w in text.split_inclusive(['\'', ' ', '\n']) {
        let t = w.trim_end_matches(['\'', ' ', '\n']);
        if t.len() >= 15 && t.as_bytes()[8] == b'-' && t[..8].bytes().all(|b| b.is_ascii_digit()) {
            r.push_str(&w.replacen(t, "[ID]", 1));
        } else {
            r.push_str(w);
        }
    }
    r
}

#[test]
fn dotenv_round_trip() {
    let s = Sandbox::init();
    let env = s.root().join("app/.env");
    write(&env, DOTENV, 0o640);
    let out = migrate(&s, &["app/.env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = fs::read_to_string(&env).unwrap();
    insta::assert_snapshot!(text, @r#"
    # app settings
    export OPENAI_API_KEY="auth://openai/app/api_key"

    DB_PASSWORD=auth://db/app/password # the database
    PORT=8080
    GITHUB_TOKEN='auth://github/app/token'
    ALREADY=auth://openai/app
    "#);
    assert_eq!(
        fs::metadata(&env).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert_eq!(stored(&s, "openai/app/api_key").unwrap(), OPENAI.as_bytes());
    assert_eq!(stored(&s, "db/app/password").unwrap(), DB.as_bytes());
    assert_eq!(stored(&s, "github/app/token").unwrap(), GH.as_bytes());
    assert_no_plaintext(&s, &[OPENAI, DB, GH]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains(OPENAI));

    // The program still gets its values.
    let run = s
        .cmd("sigil-run")
        .args(["--no-mask", "--env-file", "app/.env", "--"])
        .args([
            "sh",
            "-c",
            "printf '%s|%s|%s' \"$OPENAI_API_KEY\" \"$DB_PASSWORD\" \"$PORT\"",
        ])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        format!("{OPENAI}|{DB}|8080")
    );

    let out = migrate(&s, &["--rollback"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_same_bytes_and_mode(&env, DOTENV.as_bytes(), 0o640);
    for a in ["openai/app/api_key", "db/app/password", "github/app/token"] {
        assert_eq!(stored(&s, a), None, "{a}");
    }
    // Twice is a clear error.
    let list = migrate(&s, &["--list"]);
    let id = String::from_utf8_lossy(&list.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let again = migrate(&s, &["--rollback", &id]);
    assert_eq!(again.status.code(), Some(2));
    insta::assert_snapshot!(redact(&s, &again.stderr), @r"
    sigil-migrate: error: migration '[ID]' was already rolled back
    help: `sigil migrate --list` shows the migrations
    ");
    let latest = migrate(&s, &["--rollback"]);
    assert_eq!(latest.status.code(), Some(3));
}

#[test]
fn options_choose_the_names() {
    let s = Sandbox::init();
    write(
        &s.root().join("svc/.env"),
        "A=1\nOPENAI_API_KEY=sk-x\n",
        0o600,
    );
    let out = migrate(
        &s,
        &[
            "--dry-run",
            "--all",
            "--account",
            "prod",
            "--prefix",
            "acme",
            "svc/.env",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let plan = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(plan.contains("→ acme-a/prod/api_key"), "{plan}");
    assert!(plan.contains("→ acme-openai/prod/api_key"), "{plan}");
    let out = migrate(&s, &["--dry-run", "--service", "myapp", "svc/.env"]);
    let plan = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(plan.contains("→ myapp/svc/openai_api_key"), "{plan}");
    assert!(!plan.contains("A  "), "{plan}");
}

fn git(s: &Sandbox) -> std::process::Command {
    let mut c = std::process::Command::new("git");
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("SIGIL_") || k.starts_with("XDG_") || k.starts_with("GIT_") {
            c.env_remove(k);
        }
    }
    let path = format!(
        "{}:/usr/local/bin:/usr/bin:/bin",
        crate::support::bin_dir().display()
    );
    c.env("PATH", path)
        .env("SIGIL_HOME", &s.home)
        .env("HOME", s.root())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_ASKPASS")
        .env_remove("SSH_ASKPASS")
        .env("DBUS_SESSION_BUS_ADDRESS", crate::support::DEAD_BUS)
        .env("LC_ALL", "C")
        .current_dir(s.root());
    c
}

fn fill(s: &Sandbox, input: &str) -> String {
    use std::io::Write;
    let mut child = git(s)
        .args(["-c", "credential.helper=sigil", "credential", "fill"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn netrc_and_git_credentials_then_git_asks_sigil() {
    crate::support::need("git");
    let s = Sandbox::init();
    let netrc = s.root().join(".netrc");
    let netrc_text = "machine git.example.com login alice password netrc-pass-1\n\
                      default login anonymous password guest\n";
    write(&netrc, netrc_text, 0o600);
    let gc = s.root().join(".git-credentials");
    let gc_text = "https://bob:p%40ss-2@gitlab.com\nhttps://carol:pw3@github.com\n";
    write(&gc, gc_text, 0o600);
    let out = migrate(&s, &[".netrc", ".git-credentials"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("git config --global credential.helper sigil"));
    assert_eq!(
        fs::read_to_string(&netrc).unwrap(),
        "default login anonymous password guest\n"
    );
    assert_eq!(fs::read_to_string(&gc).unwrap(), "");
    assert_eq!(
        fill(
            &s,
            "protocol=https\nhost=git.example.com\nusername=alice\n\n"
        ),
        "protocol=https\nhost=git.example.com\nusername=alice\npassword=netrc-pass-1\n"
    );
    assert_eq!(
        fill(&s, "protocol=https\nhost=gitlab.com\nusername=bob\n\n"),
        "protocol=https\nhost=gitlab.com\nusername=bob\npassword=p@ss-2\n"
    );
    assert_no_plaintext(&s, &["netrc-pass-1", "p@ss-2"]);
    let out = migrate(&s, &["--rollback"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_same_bytes_and_mode(&netrc, netrc_text.as_bytes(), 0o600);
    assert_same_bytes_and_mode(&gc, gc_text.as_bytes(), 0o600);
    assert_eq!(stored(&s, "git.example.com/alice"), None);
}

#[test]
fn gh_hosts_json_and_toml_round_trip() {
    let s = Sandbox::init();
    let hosts = s.root().join(".config/gh/hosts.yml");
    let hosts_text = "github.com:\n    users:\n        octo:\n            oauth_token: gho_abcdefghijklmnop\n    git_protocol: https\n    oauth_token: gho_abcdefghijklmnop\n    user: octo\n";
    write(&hosts, hosts_text, 0o600);
    let json = s.root().join("tool/settings.json");
    let json_text = "{\n  \"name\": \"x\",\n  \"api_key\": \"json-key-123\",\n  \"nested\": {\"client_secret\": \"cs-456\", \"max_tokens\": 5}\n}\n";
    write(&json, json_text, 0o644);
    let toml = s.root().join("svc/app.toml");
    let toml_text =
        "title = \"t\"\n[auth]\ntoken = 'toml-tok-789' # keep\npassword = \"pw\\u0021\"\n";
    write(&toml, toml_text, 0o600);

    let out = migrate(
        &s,
        &[".config/gh/hosts.yml", "tool/settings.json", "svc/app.toml"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(&hosts).unwrap(),
        "github.com:\n    users:\n        octo:\n    git_protocol: https\n    user: octo\n"
    );
    assert_eq!(
        stored(&s, "github/octo/token").unwrap(),
        b"gho_abcdefghijklmnop"
    );
    // The user is told how gh gets its token now, and that way works.
    assert!(
        stderr(&out).contains("`GH_TOKEN=auth://github/octo sigil run -- gh …`"),
        "{}",
        stderr(&out)
    );
    let gh = s
        .cmd("sigil-run")
        .env("GH_TOKEN", "auth://github/octo")
        .args(["--no-mask", "--", "sh", "-c", "printf %s \"$GH_TOKEN\""])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&gh.stdout), "gho_abcdefghijklmnop");
    let j: serde_json::Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    assert_eq!(j["api_key"], "auth://tool/default/api_key");
    assert_eq!(
        j["nested"]["client_secret"],
        "auth://tool/default/client_secret"
    );
    assert_eq!(stored(&s, "tool/default/api_key").unwrap(), b"json-key-123");
    assert_eq!(stored(&s, "tool/default/client_secret").unwrap(), b"cs-456");
    assert_eq!(
        fs::read_to_string(&toml).unwrap(),
        "title = \"t\"\n[auth]\ntoken = \"auth://app/default/token\" # keep\npassword = \"auth://app/default/password\"\n"
    );
    assert_eq!(stored(&s, "app/default/password").unwrap(), b"pw!");
    // The rendered config is what the tool reads.
    let r = s
        .cmd("sigil-resolve")
        .args(["auth://app/default/token"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&r.stdout), "toml-tok-789\n");

    let out = migrate(&s, &["--rollback"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_same_bytes_and_mode(&hosts, hosts_text.as_bytes(), 0o600);
    assert_same_bytes_and_mode(&json, json_text.as_bytes(), 0o644);
    assert_same_bytes_and_mode(&toml, toml_text.as_bytes(), 0o600);
    assert_eq!(stored(&s, "github/octo/token"), None);
}

#[test]
fn dry_run_changes_nothing() {
    let s = Sandbox::init();
    write(&s.root().join("app/.env"), DOTENV, 0o600);
    write(
        &s.root().join(".netrc"),
        "machine example.org login bob password pw-example-org-1\n",
        0o600,
    );
    s.add("db/app/password", b"other");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let before = tree(s.root());
    let out = migrate(
        &s,
        &["--dry-run", "--on-conflict", "skip", "app/.env", ".netrc"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(before, tree(s.root()), "the dry run changed the tree");
    insta::assert_snapshot!(redact(&s, &out.stdout), @r"
    SOURCE      NAME            VALUE  ADDRESS                    ACTION
    app/.env:2  OPENAI_API_KEY  sk-t…  → openai/app/api_key       store
    app/.env:4  DB_PASSWORD     hunt…  → db/app/password          skip (conflict)
    app/.env:6  GITHUB_TOKEN    ghp_…  → github/app/token         store
    .netrc:1    example.org     pw-e…  → example.org/bob/api_key  store
    app/.env: 2 entries — values become auth:// references
    .netrc: 1 entry — entries removed; git asks git-credential-sigil
    ");
    for v in [OPENAI, DB, GH] {
        assert!(!String::from_utf8_lossy(&out.stdout).contains(v));
    }
}

#[test]
fn conflicts_fail_skip_overwrite() {
    let s = Sandbox::init();
    let env = s.root().join("app/.env");
    write(&env, DOTENV, 0o600);
    s.add("db/app/password", b"old-value");
    let before = tree(s.root());
    let out = migrate(&s, &["app/.env"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(redact(&s, &out.stderr).lines().filter(|l| l.starts_with("sigil-migrate:") || l.starts_with("help:")).collect::<Vec<_>>().join("\n"), @"
    sigil-migrate: error: 'db/app/password' already holds a different value ('[TMP]/app/.env:4')
    help: nothing was changed; pass --on-conflict skip or --on-conflict overwrite, or choose other names with --service/--prefix/--account
    ");
    assert_eq!(
        before,
        tree(s.root()),
        "a refused migration changed something"
    );

    let out = migrate(&s, &["--on-conflict", "skip", "app/.env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = fs::read_to_string(&env).unwrap();
    assert!(text.contains(&format!("DB_PASSWORD={DB}")), "{text}");
    assert_eq!(stored(&s, "db/app/password").unwrap(), b"old-value");
    assert!(migrate(&s, &["--rollback"]).status.success());
    assert_eq!(fs::read_to_string(&env).unwrap(), DOTENV);

    let out = migrate(&s, &["--on-conflict", "overwrite", "app/.env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stored(&s, "db/app/password").unwrap(), DB.as_bytes());
    assert_no_plaintext(&s, &[OPENAI, DB, GH, "old-value"]);
    assert!(migrate(&s, &["--rollback"]).status.success());
    assert_eq!(fs::read_to_string(&env).unwrap(), DOTENV);
    assert_eq!(stored(&s, "db/app/password").unwrap(), b"old-value");
}

#[test]
fn rollback_after_an_edit_refuses_unless_forced() {
    let s = Sandbox::init();
    let env = s.root().join("app/.env");
    write(&env, DOTENV, 0o600);
    assert!(migrate(&s, &["app/.env"]).status.success());
    let edited = format!("{}NEW=1\n", fs::read_to_string(&env).unwrap());
    fs::write(&env, &edited).unwrap();
    let out = migrate(&s, &["--rollback"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(redact(&s, &out.stderr), @r"
    sigil-migrate: error: '[TMP]/app/.env' changed since migration '[ID]'
    help: nothing was changed; pass --force to restore it anyway (the current version is kept beside it)
    ");
    assert_eq!(fs::read_to_string(&env).unwrap(), edited);
    let out = migrate(&s, &["--rollback", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&env).unwrap(), DOTENV);
    let kept: Vec<_> = fs::read_dir(s.root().join("app"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".env.sigil-"))
        .collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        fs::read_to_string(s.root().join("app").join(&kept[0])).unwrap(),
        edited
    );
}

#[test]
fn a_failure_half_way_leaves_the_sources_as_they_were() {
    let s = Sandbox::init();
    let a = s.root().join("a/.env");
    let b = s.root().join("b/.env");
    write(&a, "A_TOKEN=aaaaaaaaaaaaaaaaaaaa\n", 0o600);
    write(&b, "B_TOKEN=bbbbbbbbbbbbbbbbbbbb\n", 0o644);
    // The first source is rewritten, then the failure: both must come back.
    let out = s
        .cmd("sigil-migrate")
        .args(["a/.env", "b/.env"])
        .env("SIGIL_TEST_FAULT", "@source:fail")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("injected failure"));
    assert_same_bytes_and_mode(&a, b"A_TOKEN=aaaaaaaaaaaaaaaaaaaa\n", 0o600);
    assert_same_bytes_and_mode(&b, b"B_TOKEN=bbbbbbbbbbbbbbbbbbbb\n", 0o644);
    assert_eq!(stored(&s, "a/a/token"), None);
    assert_eq!(stored(&s, "b/b/token"), None);
    assert!(!s.home.join("migrations/.pending").exists());

    // An unwritable source directory (not enforceable for root, who may write anywhere).
    let dir = s.root().join("b");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o500)).unwrap();
    if fs::write(dir.join("probe"), b"").is_err() {
        let out = migrate(&s, &["a/.env", "b/.env"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_same_bytes_and_mode(&a, b"A_TOKEN=aaaaaaaaaaaaaaaaaaaa\n", 0o600);
        assert_same_bytes_and_mode(&b, b"B_TOKEN=bbbbbbbbbbbbbbbbbbbb\n", 0o644);
        assert_eq!(stored(&s, "a/a/token"), None);
    }
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
}

/// Runs a migration killed at `step`.
fn kill_at(s: &Sandbox, step: &str, args: &[&str]) {
    let mut c = s.cmd("sigil-migrate");
    c.args(args).current_dir(s.root());
    crate::support::kill_at(c, step);
}

#[test]
fn a_kill_at_each_step_is_undone_by_the_next_command() {
    for step in ["journal", "secret", "secrets", "source"] {
        let s = Sandbox::init();
        let a = s.root().join("a/.env");
        let n = s.root().join(".netrc");
        write(&a, DOTENV, 0o640);
        write(
            &n,
            "machine example.org login bob password pw-example-org-1\n",
            0o600,
        );
        kill_at(&s, step, &["a/.env", ".netrc"]);
        assert!(s.home.join("migrations/.pending").exists(), "{step}");
        // Any command that opens the store finishes the rollback.
        let out = s.cmd("sigil-list").output().unwrap();
        assert!(out.status.success(), "{step}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("undid the interrupted migration"),
            "{step}: {}",
            stderr(&out)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{step}");
        assert_same_bytes_and_mode(&a, DOTENV.as_bytes(), 0o640);
        assert_same_bytes_and_mode(
            &n,
            b"machine example.org login bob password pw-example-org-1\n",
            0o600,
        );
        assert!(!s.home.join("migrations/.pending").exists(), "{step}");
        assert_no_plaintext(&s, &[OPENAI, DB, GH, "pw-example-org-1"]);
        // And a migration after that works.
        let out = migrate(&s, &["a/.env", ".netrc"]);
        assert!(out.status.success(), "{step}: {}", stderr(&out));
    }
}

/// A config with a comment or a trailing comma is what editors write (JSONC): `--scan` reads
/// its strings anyway and says so, and a file it cannot read at all is named with the reason,
/// never passed over in silence.
#[test]
fn scan_names_what_it_could_not_read_and_reads_jsonc_string_by_string() {
    let s = Sandbox::init();
    write(
        &s.root().join("proj/settings.json"),
        "{\n  // the key for the assistant\n  \"openai_api_key\": \"sk-proj-abcdef123456\",\n}\n",
        0o600,
    );
    fs::create_dir_all(s.root().join("proj/app")).unwrap();
    fs::write(
        s.root().join("proj/app/.env"),
        b"API_TOKEN=\xff\xfe-secret\n",
    )
    .unwrap();
    let out = migrate(&s, &["--scan", "proj", "proj/settings.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = redact(&s, &out.stdout);
    assert!(!text.contains("abcdef123456"), "{text}");
    insta::assert_snapshot!(text, @r"
    SOURCE                NAME            VALUE  ADDRESS
    proj/settings.json:3  openai_api_key  sk-p…  → proj/default/openai_api_key
    ");
    let err = redact(&s, &out.stderr);
    assert!(
        !err.contains("abcdef123456") && !err.contains("-secret"),
        "{err}"
    );
    insta::assert_snapshot!(err, @r"
    skipped 'proj/app/.env' (not UTF-8 text)
    read 'proj/settings.json' string by string (malformed at line 2, column 3: key must be a string)
    1 plaintext credential(s) found; `sigil migrate --dry-run FILE…` shows the plan
    ");
    let out = migrate(&s, &["--scan", "proj", "proj/settings.json", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["found"][0]["address"], "proj/default/openai_api_key");
    assert_eq!(json["unread"].as_array().unwrap().len(), 2, "{json}");
}

#[test]
fn scan_reports_masked_and_changes_nothing() {
    let s = Sandbox::init();
    write(&s.root().join("proj/app/.env"), DOTENV, 0o600);
    write(
        &s.root().join(".netrc"),
        "machine example.org login bob password pw-example-org-1\n",
        0o600,
    );
    let before = tree(s.root());
    let out = migrate(&s, &["--scan", "proj"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(before, tree(s.root()));
    let text = redact(&s, &out.stdout);
    for v in [OPENAI, DB, GH, "pw-example-org-1"] {
        assert!(!text.contains(v), "{text}");
    }
    insta::assert_snapshot!(text, @r"
    SOURCE           NAME            VALUE  ADDRESS
    .netrc:1         example.org     pw-e…  → example.org/bob/api_key
    proj/app/.env:2  OPENAI_API_KEY  sk-t…  → openai/app/api_key
    proj/app/.env:4  DB_PASSWORD     hunt…  → db/app/password
    proj/app/.env:6  GITHUB_TOKEN    ghp_…  → github/app/token
    ");
    // Programs read the JSON, and it ends up in logs: no hint of a value at all.
    let out = migrate(&s, &["--scan", "proj", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(
        json.contains("\"address\": \"openai/app/api_key\""),
        "{json}"
    );
    assert!(!json.contains("sk-t") && !json.contains("masked"), "{json}");
    let st = s.cmd("sigil-status").output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&st.stdout),
        String::from_utf8_lossy(&st.stderr)
    );
    assert!(all.contains("plaintext credentials found in"), "{all}");
    assert!(!all.contains("pw-example-org-1"));
}

#[test]
fn usage_errors() {
    let s = Sandbox::init();
    let out = migrate(&s, &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = migrate(&s, &["missing/.env"]);
    assert_eq!(out.status.code(), Some(3));
    insta::assert_snapshot!(redact(&s, &out.stderr), @r"
    sigil-migrate: error: '[TMP]/missing/.env' not found
    help: `sigil migrate --scan` lists the files sigil knows
    ");
}

#[test]
fn file_to_keyring_and_back() {
    if !crate::support::private_keyring() {
        return;
    }
    let s = Sandbox::new();
    s.cmd("sigil-init")
        .args(["--backend", "file"])
        .assert()
        .success();
    let svc = crate::support::unique_service("mig");
    let addr = format!("{svc}/me/api_key");
    s.cmd("sigil-add")
        .args(["--backend", "file", &addr])
        .write_stdin(b"moved-value".to_vec())
        .assert()
        .success();
    let out = s
        .keyring(s.cmd("sigil-migrate"))
        .args(["--from-backend", "file", "--to", "keyring"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!s.secret_file(&addr).exists(), "the file copy is gone");
    let got = s
        .keyring(s.cmd("sigil-get"))
        .args(["-n", &addr])
        .output()
        .unwrap();
    assert_eq!(got.stdout, b"moved-value", "{}", stderr(&got));
    let list = s.keyring(s.cmd("sigil-list")).arg(&svc).output().unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).contains("\tkeyring\t"));
    // And back, by rollback.
    let out = s
        .keyring(s.cmd("sigil-migrate"))
        .arg("--rollback")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(s.secret_file(&addr).exists());
    assert_eq!(stored(&s, &addr).unwrap(), b"moved-value");
}

#[test]
fn a_backend_move_without_a_keyring_changes_nothing() {
    let s = Sandbox::init();
    s.add("svc/me", b"stays-here");
    let before = tree(&s.home);
    let out = migrate(&s, &["--from-backend", "file", "--to", "keyring"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("keyring"), "{}", stderr(&out));
    assert_eq!(before, tree(&s.home));
    let out = migrate(&s, &["--dry-run", "--from-backend", "file", "--to", "env"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn rollback_keeps_a_credential_rotated_since() {
    let s = Sandbox::init();
    let env = s.root().join("app/.env");
    write(&env, DOTENV, 0o600);
    assert!(migrate(&s, &["app/.env"]).status.success());
    s.cmd("sigil-add")
        .args(["--force", "openai/app/api_key"])
        .write_stdin(b"sk-rotated-value".to_vec())
        .assert()
        .success();
    let out = migrate(&s, &["--rollback"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(redact(&s, &out.stderr), @r"
    sigil-migrate: error: 'openai/app/api_key' changed since migration '[ID]'
    help: nothing was changed; pass --force to roll back anyway (changed credentials are kept)
    ");
    assert!(migrate(&s, &["--rollback", "--force"]).status.success());
    assert_eq!(fs::read_to_string(&env).unwrap(), DOTENV);
    assert_eq!(
        stored(&s, "openai/app/api_key").unwrap(),
        b"sk-rotated-value"
    );
    assert_eq!(stored(&s, "db/app/password"), None);
}

#[test]
fn a_symlinked_source_stays_a_symlink() {
    let s = Sandbox::init();
    let real = s.root().join("shared/app.env");
    write(&real, DOTENV, 0o600);
    fs::create_dir_all(s.root().join("app")).unwrap();
    let link = s.root().join("app/.env");
    std::os::unix::fs::symlink("../shared/app.env", &link).unwrap();
    let out = migrate(&s, &["app/.env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(fs::read_to_string(&real).unwrap().contains("auth://"));
    assert!(migrate(&s, &["--rollback"]).status.success());
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_to_string(&real).unwrap(), DOTENV);
}

/// A migration's own reads (the conflict check of a dry run, the read-back) hand nothing out:
/// they neither use up a policy's count nor fill the audit log.
#[test]
fn a_dry_run_uses_no_policy_count_and_writes_no_reads_to_the_audit_log() {
    let s = Sandbox::init();
    s.add("openai/app/api_key", b"sk-other-value-0000000000");
    s.cmd("sigil-policy")
        .args(["set", "openai/app", "--max-uses", "2"])
        .assert()
        .success();
    fs::create_dir_all(s.root().join("app")).unwrap();
    fs::write(
        s.root().join("app/.env"),
        "OPENAI_API_KEY=sk-proj-0123456789abcdefghij\n",
    )
    .unwrap();
    let log = || fs::read_to_string(s.home.join("audit.log")).unwrap_or_default();
    let before = log();
    for _ in 0..3 {
        let out = migrate(&s, &["--dry-run", "app/.env"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let added = log()[before.len()..].to_owned();
    assert!(!added.contains("\"event\":\"get\""), "{added}");
    let out = s
        .cmd("sigil-policy")
        .args(["show", "openai/app"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("max-uses    2 (used 0)"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The two uses are still there.
    s.cmd("sigil-get").arg("openai/app").assert().success();
    s.cmd("sigil-get").arg("openai/app").assert().success();
}

/// The value of `$NAME` that a program run by `sigil run --env-file FILE` sees.
fn run_sees(s: &Sandbox, file: &str, name: &str) -> String {
    let run = s
        .cmd("sigil-run")
        .args(["--no-mask", "--env-file", file, "--"])
        .args(["sh", "-c", &format!("printf '%s' \"${name}\"")])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    String::from_utf8(run.stdout).unwrap()
}

#[test]
fn a_tab_before_a_comment_ends_the_value_and_the_program_still_runs() {
    let s = Sandbox::init();
    let env = s.root().join("api/.env");
    write(&env, "API_TOKEN=s3cret\t# rotated monthly\n", 0o600);
    assert_eq!(run_sees(&s, "api/.env", "API_TOKEN"), "s3cret");
    let out = migrate(&s, &["api/.env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stored(&s, "api/api/token").unwrap(), b"s3cret");
    assert_eq!(
        fs::read_to_string(&env).unwrap(),
        "API_TOKEN=auth://api/api/token\t# rotated monthly\n"
    );
    assert_eq!(run_sees(&s, "api/.env", "API_TOKEN"), "s3cret");
}

#[test]
fn an_empty_value_before_a_comment_is_empty_and_stays() {
    let s = Sandbox::init();
    let env = s.root().join("app/.env");
    let text = "A_TOKEN= # comment\nB_TOKEN=\t# another\n";
    write(&env, text, 0o600);
    let out = migrate(&s, &["app/.env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing to migrate"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_to_string(&env).unwrap(), text);
    assert_eq!(stored(&s, "a/app/token"), None);
    assert_eq!(run_sees(&s, "app/.env", "A_TOKEN"), "");
}

/// Values that only look like references are plaintext; real ones are left alone.
const LOOK_ALIKES: &str = "DB_PASSWORD=ab{{cd\n\
API_KEY=ref+abc123\n\
URL_TOKEN=auth://me:pw@db.example.com/app\n\
GH_TOKEN=auth://github/me\n\
VAULT_TOKEN=ref+vault://secret/x#/key\n\
TEMPLATE_TOKEN=\"{{ auth://github/me/token }}\"\n";

#[test]
fn values_that_only_look_like_references_are_plaintext_to_migrate_and_scan() {
    let s = Sandbox::init();
    let env = s.root().join("proj/app/.env");
    write(&env, LOOK_ALIKES, 0o600);
    let out = migrate(&s, &["--scan", "proj"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(redact(&s, &out.stdout), @r"
    SOURCE           NAME         VALUE  ADDRESS
    proj/app/.env:1  DB_PASSWORD  …      → db/app/password
    proj/app/.env:2  API_KEY      …      → api/app/key
    proj/app/.env:3  URL_TOKEN    auth…  → url/app/token
    ");
    let out = migrate(&s, &["proj/app/.env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stored(&s, "db/app/password").unwrap(), b"ab{{cd");
    assert_eq!(stored(&s, "api/app/key").unwrap(), b"ref+abc123");
    insta::assert_snapshot!(fs::read_to_string(&env).unwrap(), @r#"
    DB_PASSWORD=auth://db/app/password
    API_KEY=auth://api/app/key
    URL_TOKEN=auth://url/app/token
    GH_TOKEN=auth://github/me
    VAULT_TOKEN=ref+vault://secret/x#/key
    TEMPLATE_TOKEN="{{ auth://github/me/token }}"
    "#);
}

#[test]
fn status_and_check_decide_what_is_plaintext_as_migrate_does() {
    let s = Sandbox::init();
    // gh's token is a look-alike (plaintext); the netrc password is a real reference.
    write(
        &s.root().join(".config/gh/hosts.yml"),
        "github.com:\n    oauth_token: ref+abc123\n    user: me\n",
        0o600,
    );
    write(
        &s.root().join(".netrc"),
        "machine example.org login bob password auth://example.org/bob\n",
        0o600,
    );
    let st = s.cmd("sigil-status").output().unwrap();
    let all = format!("{}{}", s.redact(&st.stdout), s.redact(&st.stderr));
    assert!(
        all.contains("plaintext credentials found in '[TMP]/.config/gh/hosts.yml' (1)"),
        "{all}"
    );
    assert!(!all.contains(".netrc"), "{all}");
    let check = s.cmd("sigil-check").args(["--json"]).output().unwrap();
    let json = s.redact(&check.stdout);
    assert!(
        json.contains("hosts.yml") && !json.contains(".netrc"),
        "{json}"
    );
}

#[test]
fn a_value_built_by_expansion_stays_and_sees_the_secret_it_names() {
    let s = Sandbox::init();
    let env = s.root().join("app/.env");
    let text = "DB_PASSWORD=hunter2-correct-horse\n\
                DATABASE_URL=postgres://u:${DB_PASSWORD}@db/app\n\
                API_KEY=${CI_API_KEY:-dev-key}\n";
    write(&env, text, 0o600);
    let before = run_sees(&s, "app/.env", "DATABASE_URL");
    assert_eq!(before, format!("postgres://u:{DB}@db/app"));
    let out = migrate(&s, &["app/.env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let note = "note: 'API_KEY' ('[TMP]/app/.env:3') is built by ${…} expansion and stays as it is";
    assert!(s.redact(&out.stderr).contains(note), "{}", stderr(&out));
    insta::assert_snapshot!(fs::read_to_string(&env).unwrap(), @r"
    DB_PASSWORD=auth://db/app/password
    DATABASE_URL=postgres://u:${DB_PASSWORD}@db/app
    API_KEY=${CI_API_KEY:-dev-key}
    ");
    // The program sees what it saw before the migration.
    assert_eq!(run_sees(&s, "app/.env", "DATABASE_URL"), before);
    assert_eq!(run_sees(&s, "app/.env", "API_KEY"), "dev-key");
}

#[test]
fn a_file_that_does_not_parse_completely_is_never_rewritten() {
    let s = Sandbox::init();
    let env = s.root().join("app/.env");
    let text = "API_KEY=sk-live-1234567890abcdef\nDB_PASSWORD=\"open\nPORT 80\n";
    write(&env, text, 0o600);
    let out = migrate(&s, &["app/.env"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(redact(&s, &out.stderr), @r#"sigil-migrate: error: '[TMP]/app/.env' line 2: the " quote is never closed"#);
    assert_eq!(fs::read_to_string(&env).unwrap(), text);
    assert_eq!(stored(&s, "api/app/key"), None);
}

/// The preview rule: wherever sigil hints at a secret it found (the migration plan, a dry
/// run, a scan, `status`, `check`), at most its first 4 characters, none at all for a secret
/// shorter than 16, and nothing in `--json` output.
#[test]
fn no_output_shows_more_than_four_characters_of_a_secret() {
    let s = Sandbox::init();
    let long = "MARKsecretvalue-7f3a9c-long";
    let short = "Pw7f3a9c";
    write(
        &s.root().join("app/.env"),
        &format!("API_TOKEN={long}\nDB_PASSWORD={short}\n"),
        0o600,
    );
    let mut outputs = Vec::new();
    for args in [
        &["--scan", "."][..],
        &["--scan", ".", "--json"],
        &["--dry-run", "app/.env"],
    ] {
        let out = migrate(&s, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        outputs.push((format!("{args:?}"), out));
    }
    for bin in ["sigil-status", "sigil-check"] {
        let out = s.cmd(bin).current_dir(s.root()).output().unwrap();
        outputs.push((bin.to_owned(), out));
    }
    let out = migrate(&s, &["app/.env"]);
    assert!(out.status.success(), "{}", stderr(&out));
    outputs.push(("migrate".into(), out));
    // The rule is exercised: the plan and the scan do show the long one's first characters.
    assert!(
        outputs
            .iter()
            .any(|(_, o)| String::from_utf8_lossy(&o.stdout).contains(&format!("{}…", &long[..4]))),
        "no output hints at the secret at all"
    );
    for (what, out) in &outputs {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !text.contains(&long[..5]),
            "{what} shows more than 4 characters: {text}"
        );
        assert!(
            !text.contains(&short[..2]),
            "{what} hints at a short secret: {text}"
        );
        if what.contains("--json") {
            assert!(!text.contains(&long[..4]), "{what}: {text}");
        }
    }
}
