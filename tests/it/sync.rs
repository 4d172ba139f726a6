//! `sigil sync`: two machines (two homes, each with its own identity, both recipients of the
//! store) sharing it through a bare repository served by a real `git daemon` on 127.0.0.1,
//! and a teammate who controls the repository's content attacking with the real `git`.

use crate::support::*;
use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Std};
use std::time::{Duration, Instant};

/// A `git daemon` serving bare repositories under `base`, stopped when dropped.
struct Daemon {
    child: Child,
    port: u16,
    base: PathBuf,
}

impl Daemon {
    fn start(root: &Path) -> Daemon {
        need("git");
        let base = root.join("served");
        fs::create_dir_all(&base).unwrap();
        git(&base, &["init", "-q", "--bare", "-b", "main", "team.git"]);
        let port = free_port();
        // The daemon itself, not `git daemon`, which would leave it running when killed.
        let exec_path = git(root, &["--exec-path"]);
        let child = Std::new(Path::new(exec_path.trim()).join("git-daemon"))
            .args([
                "--export-all",
                "--enable=receive-pack",
                "--reuseaddr",
                "--listen=127.0.0.1",
            ])
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", base.display()))
            .arg(&base)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "git daemon did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Daemon { child, port, base }
    }

    fn url(&self) -> String {
        format!("git://127.0.0.1:{}/team.git", self.port)
    }

    /// The files of the served branch, as `git ls-tree` lists them.
    fn files(&self) -> Vec<String> {
        let out = git(
            &self.base.join("team.git"),
            &["ls-tree", "-r", "--name-only", "main"],
        );
        out.lines().map(str::to_owned).collect()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the real git in `dir` with a fixed author, asserting success; its stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Std::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn public_key(s: &Sandbox) -> String {
    fs::read_to_string(s.home.join("identity.pub"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("age1"))
        .unwrap()
        .to_owned()
}

/// `sigil-sync ARGS` on a machine, asserting success; stdout.
fn sync(s: &Sandbox, args: &[&str]) -> String {
    let out = s.cmd("sigil-sync").args(args).assert().success();
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

/// Machine A with a secret, B a recipient of the store, both synced through the daemon.
fn team() -> (Daemon, Sandbox, Sandbox) {
    let a = Sandbox::init();
    let b = Sandbox::init();
    let daemon = Daemon::start(a.root());
    a.add("svc/one/api_key", b"one-from-a");
    a.cmd("sigil-recipients")
        .args(["add", &public_key(&b)])
        .assert()
        .success();
    sync(&a, &["init", &daemon.url()]);
    sync(&a, &[]);
    sync(&b, &["clone", &daemon.url()]);
    (daemon, a, b)
}

#[test]
fn added_on_a_reads_on_b_and_back() {
    let (_d, a, b) = team();
    assert_eq!(b.get("svc/one/api_key"), b"one-from-a");
    b.add("svc/two/api_key", b"two-from-b");
    let out = sync(&b, &[]);
    assert!(out.contains("committed: sigil: "), "{out}");
    assert!(out.contains("add svc/two/api_key"), "{out}");
    assert!(!out.contains("two-from-b"));
    sync(&a, &[]);
    assert_eq!(a.get("svc/two/api_key"), b"two-from-b");
    // What git wrote is as private as the rest of the store.
    assert_eq!(mode(&a.secret_file("svc/two/api_key")), 0o600);
    assert_eq!(
        mode(a.secret_file("svc/two/api_key").parent().unwrap()),
        0o700
    );
    let out = sync(&a, &[]);
    assert_eq!(out, "pushed to 'origin'\n");
}

#[test]
fn different_accounts_on_both_machines_merge_without_conflict() {
    let (_d, a, b) = team();
    a.add("svc/a-only/api_key", b"aaa");
    b.add("svc/b-only/api_key", b"bbb");
    sync(&a, &[]);
    let out = sync(&b, &[]);
    assert!(!out.contains("conflict"), "{out}");
    sync(&a, &[]);
    for s in [&a, &b] {
        assert_eq!(s.get("svc/a-only/api_key"), b"aaa");
        assert_eq!(s.get("svc/b-only/api_key"), b"bbb");
        let list = s.cmd("sigil-list").assert().success();
        let list = String::from_utf8_lossy(&list.get_output().stdout).into_owned();
        assert!(
            list.contains("svc/a-only") && list.contains("svc/b-only"),
            "{list}"
        );
        assert!(!s.home.join("conflicts").exists());
    }
}

/// `svc/one/api_key` changed on A (`new-on-a`) and on B (`new-on-b`) before either syncs.
fn change_on_both(a: &Sandbox, b: &Sandbox) {
    for (s, value) in [(a, "new-on-a"), (b, "new-on-b")] {
        s.cmd("sigil-add")
            .args(["svc/one/api_key", "--force"])
            .write_stdin(value)
            .assert()
            .success();
    }
}

#[test]
fn the_same_secret_changed_twice_keeps_both_until_resolved() {
    let (_d, a, b) = team();
    change_on_both(&a, &b);
    sync(&a, &[]);
    let out = sync(&b, &[]);
    insta::assert_snapshot!(out.lines().last().unwrap(), @"conflict: 'svc/one/api_key' was changed on two machines: this store keeps one value, the other is kept encrypted in 'conflicts/svc/one/api_key.age'; run `sigil sync resolve svc/one/api_key --keep mine|theirs`");
    // Both are kept: B's in place, A's encrypted aside, and neither confuses the readers.
    assert_eq!(b.get("svc/one/api_key"), b"new-on-b");
    let list = b.cmd("sigil-list").assert().success();
    assert_eq!(
        String::from_utf8_lossy(&list.get_output().stdout)
            .matches("svc/one")
            .count(),
        1
    );
    let status = b.cmd("sigil-status").assert().success();
    let status = String::from_utf8_lossy(&status.get_output().stdout).into_owned();
    assert!(status.contains("fix: sigil sync resolve svc/one/api_key --keep mine|theirs"));
    // A sees the conflict too once it syncs, and either side can end it.
    sync(&a, &[]);
    assert!(a.home.join("conflicts/svc/one/api_key.age").is_file());
    sync(&b, &["resolve", "svc/one/api_key", "--keep", "theirs"]);
    assert_eq!(b.get("svc/one/api_key"), b"new-on-a");
    sync(&b, &[]);
    sync(&a, &[]);
    assert_eq!(a.get("svc/one/api_key"), b"new-on-a");
    assert!(!a.home.join("conflicts").exists());
    let out = b
        .cmd("sigil-sync")
        .args(["resolve", "svc/one/api_key", "--keep", "mine"])
        .assert()
        .code(3);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-sync: error: 'svc/one/api_key' has no conflict to resolve
    help: `sigil status` lists the conflicts
    ");
}

#[test]
fn resolve_mine_keeps_this_machines_value() {
    let (_d, a, b) = team();
    change_on_both(&a, &b);
    sync(&a, &[]);
    sync(&b, &[]);
    sync(&b, &["resolve", "svc/one/api_key", "--keep", "mine"]);
    sync(&b, &[]);
    sync(&a, &[]);
    assert_eq!(a.get("svc/one/api_key"), b"new-on-b");
    assert_eq!(b.get("svc/one/api_key"), b"new-on-b");
    assert!(!b.home.join("conflicts").exists());
}

#[test]
fn a_push_race_is_retried() {
    let (d, a, b) = team();
    b.add("svc/from-b/api_key", b"b");
    a.add("svc/from-a/api_key", b"a");
    // B pushes between A's pull and A's push: A's own pre-push hook runs B's sync, once.
    let hook = a.home.join(".git/hooks/pre-push");
    let mut env = String::new();
    for (k, v) in [("SIGIL_HOME", &b.home), ("HOME", &b.root().to_owned())] {
        env.push_str(&format!("{k}='{}' ", v.display()));
    }
    fs::write(
        &hook,
        format!(
            "#!/bin/sh\nrm -f \"$0\"\n{env}'{}' >&2 || exit 1\n",
            bin("sigil-sync").display()
        ),
    )
    .unwrap();
    chmod(&hook, 0o755);
    let out = sync(&a, &[]);
    assert!(!hook.exists(), "the hook did not run");
    assert!(out.contains("pushed to 'origin'"), "{out}");
    let files = d.files();
    assert!(files.contains(&"store/svc/from-a/api_key.age".to_owned()));
    assert!(files.contains(&"store/svc/from-b/api_key.age".to_owned()));
    sync(&b, &[]);
    assert_eq!(b.get("svc/from-a/api_key"), b"a");
    assert_eq!(a.get("svc/from-b/api_key"), b"b");
}

#[test]
fn an_unreachable_remote_loses_nothing_and_a_later_sync_succeeds() {
    let (d, a, _b) = team();
    let dead = format!("git://127.0.0.1:{}/team.git", free_port());
    sync(&a, &["init", &dead]);
    a.add("svc/offline/api_key", b"made-offline");
    let out = a.cmd("sigil-sync").assert().code(1);
    let err = stderr(out.get_output()).replace(&dead, "[URL]");
    let err = err.split(": ").take(3).collect::<Vec<_>>().join(": ");
    insta::assert_snapshot!(err, @"sigil-sync: error: cannot reach the remote 'origin'");
    assert!(stderr(out.get_output()).contains(
        "help: your changes are committed locally and nothing is lost; check the network and the remote (git -C HOME remote -v), then run `sigil sync` again"
    ));
    let log = git(&a.home, &["log", "--format=%s", "-1"]);
    assert_eq!(
        log.trim(),
        "sigil: change accounts.toml, add svc/offline/api_key"
    );
    assert_eq!(a.get("svc/offline/api_key"), b"made-offline");
    sync(&a, &["init", &d.url()]);
    let out = sync(&a, &[]);
    assert!(out.contains("pushed to 'origin'"), "{out}");
    assert!(
        d.files()
            .contains(&"store/svc/offline/api_key.age".to_owned())
    );
}

#[test]
fn a_clone_that_cannot_reach_the_remote_changes_nothing() {
    let (d, _a, _b) = team();
    let c = Sandbox::init();
    let dead = format!("git://127.0.0.1:{}/team.git", free_port());
    let out = c.cmd("sigil-sync").args(["clone", &dead]).assert().code(1);
    assert!(stderr(out.get_output()).ends_with(
        "help: nothing was changed; check the address and the network, then run `sigil sync clone REMOTE` again\n"
    ));
    assert!(!c.home.join(".git").exists());
    sync(&c, &["clone", &d.url()]);
}

#[test]
fn no_repository_is_a_clear_error() {
    let s = Sandbox::init();
    let out = s.cmd("sigil-sync").assert().code(3);
    insta::assert_snapshot!(s.redact(&out.get_output().stderr), @r"
    sigil-sync: error: '[TMP]/home' is not synced with git
    help: run `sigil sync init [REMOTE]` to share this store, or `sigil sync clone REMOTE` to take a shared one
    ");
}

#[test]
fn a_removed_member_cannot_read_what_is_written_after() {
    let (_d, a, b) = team();
    let b_key = public_key(&b);
    assert_eq!(
        age_reads(&a, &b.identity_file(), "svc/one/api_key").as_deref(),
        Some(&b"one-from-a"[..])
    );
    a.cmd("sigil-recipients")
        .args(["rm", &b_key])
        .assert()
        .success();
    // And A rotates its own key, as a team does when a member leaves.
    a.cmd("sigil-rekey").assert().success();
    a.cmd("sigil-add")
        .args(["svc/one/api_key", "--force"])
        .write_stdin("rotated-after-removal")
        .assert()
        .success();
    a.add("svc/new/api_key", b"new-after-removal");
    sync(&a, &[]);
    let out = b.cmd("sigil-sync").assert().success();
    // B is told that the pull took its key away.
    let err = b.redact(&out.get_output().stderr);
    assert!(
        err.contains("the pull changed who can read the secrets under 'store/.age-recipients'"),
        "{err}"
    );
    assert!(err.contains("removed age1[KEY]"), "{err}");
    for addr in ["svc/one/api_key", "svc/new/api_key"] {
        assert_eq!(age_reads(&b, &b.identity_file(), addr), None, "{addr}");
        assert!(age_reads(&a, &a.identity_file(), addr).is_some());
    }
    let status = b.cmd("sigil-status").assert().success();
    let status = String::from_utf8_lossy(&status.get_output().stdout).into_owned();
    assert!(
        status.contains("cannot read svc/new/api_key (not a recipient)"),
        "{status}"
    );
}

#[test]
fn sync_auto_commits_and_pushes_after_each_change() {
    let (d, a, b) = team();
    let config = a.home.join("config.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, format!("sync = \"auto\"\n{text}")).unwrap();
    a.add("svc/auto/api_key", b"auto-value");
    assert!(d.files().contains(&"store/svc/auto/api_key.age".to_owned()));
    sync(&b, &[]);
    assert_eq!(b.get("svc/auto/api_key"), b"auto-value");
    // Offline, the change still succeeds, is committed, and a notice says so.
    let dead = format!("git://127.0.0.1:{}/team.git", free_port());
    sync(&a, &["init", &dead]);
    let out = a
        .cmd("sigil-add")
        .arg("svc/auto2/api_key")
        .write_stdin("offline")
        .assert()
        .success();
    let err = stderr(out.get_output());
    assert!(
        err.contains("warning: sync = \"auto\": cannot reach the remote 'origin'"),
        "{err}"
    );
    let log = git(&a.home, &["log", "--format=%s", "-1"]);
    assert!(log.contains("add svc/auto2/api_key"), "{log}");
    // A reader is not a change: `get` never syncs (it would try the dead remote again, for
    // the commit not yet pushed, and warn).
    let out = a
        .cmd("sigil-get")
        .arg("svc/auto2/api_key")
        .assert()
        .success();
    assert_eq!(stderr(out.get_output()), "");
}

#[test]
fn clone_onto_a_new_machine_and_status_says_what_it_can_read() {
    let (d, a, _b) = team();
    let c = Sandbox::init();
    sync(&c, &["clone", &d.url()]);
    let out = c.cmd("sigil-status").assert().success();
    let text = c.redact(&out.get_output().stdout);
    assert!(text.contains("sync      git, remote 'origin'"), "{text}");
    assert!(text.contains("readable  0 of 1 secrets"), "{text}");
    assert!(
        text.contains("cannot read svc/one/api_key (not a recipient)"),
        "{text}"
    );
    // Once a member adds this machine's key and syncs, it reads.
    a.cmd("sigil-recipients")
        .args(["add", &public_key(&c)])
        .assert()
        .success();
    sync(&a, &[]);
    sync(&c, &[]);
    assert_eq!(c.get("svc/one/api_key"), b"one-from-a");
    let out = c.cmd("sigil-status").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("readable  1 of 1 secrets"), "{text}");
}

#[test]
fn only_ciphertext_and_metadata_are_ever_committed() {
    let (d, a, b) = team();
    for i in 0..5 {
        a.add(&format!("svc/n{i}/api_key"), b"v");
        a.cmd("sigil-get")
            .args(["svc/one/api_key"])
            .assert()
            .success();
        sync(&a, &[]);
    }
    a.cmd("sigil-mv")
        .args(["svc/n0", "svc/moved"])
        .assert()
        .success();
    a.cmd("sigil-rm")
        .args(["svc/n1", "--yes"])
        .assert()
        .success();
    sync(&a, &[]);
    sync(&b, &[]);
    for home in [&a.home, &b.home] {
        let files = git(home, &["ls-files"]);
        for f in files.lines() {
            let ok = f == ".gitignore"
                || f == ".gitattributes"
                || f == "accounts.toml"
                || (f.starts_with("store/")
                    && (f.ends_with(".age") || f.ends_with("/.age-recipients")));
            assert!(ok, "{f} was committed");
        }
        // Not even in history.
        let all = git(home, &["log", "--all", "--name-only", "--format="]);
        for private in [
            "identity",
            "audit",
            "config.toml",
            "journal",
            "cache",
            ".lock",
        ] {
            assert!(!all.contains(private), "{private} in history: {all}");
        }
    }
    assert!(
        d.files()
            .contains(&"store/svc/moved/api_key.age".to_owned())
    );
}

/// A teammate with write access to the repository: a plain clone where they commit anything.
fn attacker(d: &Daemon, root: &Path) -> PathBuf {
    let dir = root.join("mallory");
    git(root, &["clone", "-q", &d.url(), dir.to_str().unwrap()]);
    dir
}

/// Mallory commits everything in their clone `m`, ignored files too, and pushes it.
fn mallory_pushes(m: &Path, message: &str) {
    git(m, &["add", "-A", "-f"]);
    git(m, &["commit", "-q", "-m", message]);
    git(m, &["push", "-q", "origin", "main"]);
}

/// The team, after Mallory pushed `text` as the file `path` of the repository.
fn planted(path: &str, text: &str) -> (Daemon, Sandbox, Sandbox) {
    let (d, a, b) = team();
    let m = attacker(&d, a.root());
    fs::write(m.join(path), text).unwrap();
    mallory_pushes(&m, path);
    (d, a, b)
}

#[test]
fn a_committed_symlink_or_private_file_is_refused_before_checkout() {
    let (d, a, b) = team();
    let m = attacker(&d, a.root());
    let link_dir = m.join("store/svc/evil");
    fs::create_dir_all(&link_dir).unwrap();
    std::os::unix::fs::symlink(b.identity_file(), link_dir.join("api_key.age")).unwrap();
    mallory_pushes(&m, "evil");
    let before = git(&b.home, &["rev-parse", "HEAD"]);
    let out = b.cmd("sigil-sync").assert().code(5);
    insta::assert_snapshot!(stderr(out.get_output()), @r"
    sigil-sync: error: refusing to merge 'refs/remotes/origin/main': 'store/svc/evil/api_key.age' is a symbolic link
    help: someone with write access to the shared repository committed files sigil does not share; nothing was merged. Remove them from the repository (git rm) and sync again
    ");
    assert_eq!(git(&b.home, &["rev-parse", "HEAD"]), before);
    assert!(!b.home.join("store/svc/evil").exists());

    // Pulled by hand with git, bypassing sigil: the store's no-follow rules still hold.
    git(&b.home, &["pull", "-q", "--no-rebase", "origin", "main"]);
    assert!(
        fs::symlink_metadata(b.home.join("store/svc/evil/api_key.age"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let out = b
        .cmd("sigil-get")
        .arg("svc/evil/api_key")
        .assert()
        .failure();
    assert!(!out.get_output().stdout.starts_with(b"AGE-SECRET-KEY"));
    let err = stderr(out.get_output());
    assert!(!err.contains("AGE-SECRET-KEY"), "{err}");

    // A config.toml planted in the repository is refused the same way.
    let c = Sandbox::init();
    fs::remove_file(m.join("store/svc/evil/api_key.age")).unwrap();
    fs::write(m.join("config.toml"), "sync = \"auto\"\n").unwrap();
    mallory_pushes(&m, "config");
    let out = c
        .cmd("sigil-sync")
        .args(["clone", &d.url()])
        .assert()
        .code(5);
    assert!(stderr(out.get_output()).contains("'config.toml' is not a file sigil shares"));
    assert!(!c.home.join("store/svc").exists());
}

#[test]
fn a_hostile_accounts_toml_is_reported_and_nothing_is_lost() {
    let (_d, _a, b) = planted(
        "accounts.toml",
        "version = 1\n[accounts.\"svc/one\"\nkind = \n",
    );
    b.add("svc/mine/api_key", b"kept");
    let out = b.cmd("sigil-sync").assert().code(1);
    let err = stderr(out.get_output());
    assert!(
        err.contains(
            "sigil-sync: error: 'accounts.toml (in the remote's commit)' is malformed at line 2"
        ),
        "{err}"
    );
    assert_eq!(b.get("svc/mine/api_key"), b"kept");
    assert_eq!(b.get("svc/one/api_key"), b"one-from-a");
    b.cmd("sigil-list").assert().success();
}

#[test]
fn recipients_added_by_a_pull_are_told_loudly() {
    let (d, a, b) = team();
    let (_f, stranger) = age_keygen(a.root(), "stranger");
    let m = attacker(&d, a.root());
    let file = m.join("store/.age-recipients");
    let text = fs::read_to_string(&file).unwrap();
    fs::write(&file, format!("{text}{stranger}\n")).unwrap();
    mallory_pushes(&m, "add a key");
    let out = b.cmd("sigil-sync").assert().success();
    let err = stderr(out.get_output());
    assert!(
        err.contains(&format!(
            "sigil-sync: warning: the pull changed who can read the secrets under 'store/.age-recipients':\n  added   {stranger}"
        )),
        "{err}"
    );
    assert_eq!(b.get("svc/one/api_key"), b"one-from-a");
}

#[test]
fn plaintext_in_the_store_is_never_committed() {
    let (_d, a, _b) = team();
    let dir = a.home.join("store/svc/leak");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("api_key.age"), "hunter2\n").unwrap();
    chmod(&dir.join("api_key.age"), 0o600);
    let out = a.cmd("sigil-sync").assert().code(5);
    let err = stderr(out.get_output());
    assert!(
        err.contains("refusing to commit: 'store/svc/leak/api_key.age' is not an age file (plaintext may have slipped in)"),
        "{err}"
    );
    assert!(!err.contains("hunter2"));
    let staged = git(&a.home, &["diff", "--cached", "--name-only"]);
    assert_eq!(staged, "");
}

#[test]
fn the_merge_driver_merges_accounts_one_by_one() {
    let s = Sandbox::new();
    let dir = s.root();
    let entry = |name: &str, updated: &str, fields: &str| {
        format!(
            "[accounts.\"{name}\"]\nbackend = \"file\"\ncreated = 2026-01-01T00:00:00Z\nfields = [{fields}]\nkind = \"api_key\"\nupdated = {updated}\n"
        )
    };
    let base = format!(
        "version = 1\n{}",
        entry("s/x", "2026-01-01T00:00:00Z", "\"a\"")
    );
    let ours = format!("{base}{}", entry("s/ours", "2026-01-02T00:00:00Z", "\"a\"")).replace(
        "fields = [\"a\"]\nkind = \"api_key\"\nupdated = 2026-01-01",
        "fields = [\"a\", \"b\"]\nkind = \"api_key\"\nupdated = 2026-01-03",
    );
    let theirs = format!(
        "{base}{}",
        entry("s/theirs", "2026-01-02T00:00:00Z", "\"a\"")
    )
    .replace(
        "fields = [\"a\"]\nkind = \"api_key\"\nupdated = 2026-01-01",
        "fields = [\"a\", \"c\"]\nkind = \"api_key\"\nupdated = 2026-01-04",
    );
    for (n, t) in [("o", &base), ("a", &ours), ("b", &theirs)] {
        fs::write(dir.join(n), t).unwrap();
    }
    // As git runs it: %O %A %B %P.
    let mut driver = s.cmd("sigil-sync");
    driver.arg("--merge-driver").args([
        dir.join("o"),
        dir.join("a"),
        dir.join("b"),
        "accounts.toml".into(),
    ]);
    driver.assert().success();
    let merged = fs::read_to_string(dir.join("a")).unwrap();
    assert!(merged.contains("[accounts.\"s/ours\"]"), "{merged}");
    assert!(merged.contains("[accounts.\"s/theirs\"]"), "{merged}");
    assert!(
        merged.contains("fields = [\"a\", \"b\", \"c\"]"),
        "{merged}"
    );
    // A side that does not parse fails the merge and leaves ours as it was.
    fs::write(dir.join("b"), "[accounts.\"s/x\"\n").unwrap();
    fs::write(dir.join("a"), &ours).unwrap();
    driver.assert().code(1);
    assert_eq!(fs::read_to_string(dir.join("a")).unwrap(), ours);
}

#[test]
fn three_machines_changing_one_secret_keep_every_value() {
    let (d, a, b) = team();
    let c = Sandbox::init();
    a.cmd("sigil-recipients")
        .args(["add", &public_key(&c)])
        .assert()
        .success();
    sync(&a, &[]);
    sync(&b, &[]);
    sync(&c, &["clone", &d.url()]);
    for (s, value) in [(&a, "from-a"), (&b, "from-b"), (&c, "from-c")] {
        s.cmd("sigil-add")
            .args(["svc/one/api_key", "--force"])
            .write_stdin(value)
            .assert()
            .success();
    }
    sync(&a, &[]);
    sync(&b, &[]);
    let out = sync(&c, &[]);
    assert_eq!(
        out.matches("conflict: 'svc/one/api_key'").count(),
        2,
        "{out}"
    );
    assert_eq!(c.get("svc/one/api_key"), b"from-c");
    need("age");
    let mut kept: Vec<String> = ["api_key.age", "api_key.2.age"]
        .iter()
        .map(|f| {
            let out = Std::new("age")
                .arg("-d")
                .arg("-i")
                .arg(c.identity_file())
                .arg(c.home.join("conflicts/svc/one").join(f))
                .output()
                .unwrap();
            assert!(out.status.success(), "{f}: {}", stderr(&out));
            String::from_utf8(out.stdout).unwrap()
        })
        .collect();
    kept.sort();
    assert_eq!(kept, ["from-a", "from-b"]);
    // Two copies: --keep theirs cannot choose, --keep mine ends it.
    c.cmd("sigil-sync")
        .args(["resolve", "svc/one/api_key", "--keep", "theirs"])
        .assert()
        .code(2);
    sync(&c, &["resolve", "svc/one/api_key", "--keep", "mine"]);
    sync(&c, &[]);
    sync(&a, &[]);
    assert_eq!(a.get("svc/one/api_key"), b"from-c");
    assert!(!a.home.join("conflicts").exists());
}

#[test]
fn attributes_that_would_rewrite_or_splice_ciphertext_are_refused() {
    // With these, git would turn LF into CRLF inside ciphertext on checkout, and splice two
    // age files line by line on a merge; a filter needs config and does nothing.
    let (_d, _a, b) = planted(
        ".gitattributes",
        "*.age text eol=crlf merge=union\n* filter=evil\n",
    );
    let before = git(&b.home, &["rev-parse", "HEAD"]);
    let out = b.cmd("sigil-sync").assert().code(5);
    assert!(
        stderr(out.get_output()).contains("'.gitattributes' is not the one sigil writes"),
        "{}",
        stderr(out.get_output())
    );
    assert_eq!(git(&b.home, &["rev-parse", "HEAD"]), before);
    assert_eq!(b.get("svc/one/api_key"), b"one-from-a");
}

/// git, and every program it starts (hooks, ssh, credential helpers), runs without the
/// variables that carry sigil's key: a CI job that gives sigil its identity in
/// `SIGIL_IDENTITY` must not hand it to whatever the repository's remote makes git run.
#[test]
fn git_and_its_hooks_never_see_the_key_variables() {
    let (_d, a, _b) = team();
    a.add("svc/hooked/api_key", b"v");
    let dump = a.root().join("hook-env");
    let hook = a.home.join(".git/hooks/pre-push");
    fs::write(&hook, format!("#!/bin/sh\nenv > '{}'\n", dump.display())).unwrap();
    chmod(&hook, 0o755);
    let key = fs::read_to_string(a.home.join("identity.txt")).unwrap();
    let key = key
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap();
    let passphrase = a.root().join("passphrase");
    fs::write(&passphrase, "not-used").unwrap();
    a.cmd("sigil-sync")
        .env("SIGIL_IDENTITY", key)
        .env("SIGIL_PASSPHRASE_FILE", &passphrase)
        .env("SIGIL_VAULT_SECRET_ID", "approle-secret-id")
        .assert()
        .success();
    let seen = fs::read_to_string(&dump).expect("the hook ran");
    assert!(seen.contains("SIGIL_HOME="), "{seen}");
    for var in [
        "SIGIL_IDENTITY=",
        "SIGIL_PASSPHRASE_FILE=",
        "SIGIL_VAULT_SECRET_ID=",
    ] {
        assert!(!seen.contains(var), "the hook saw {var}");
    }
    assert!(!seen.contains(key));
    assert!(!seen.contains("approle-secret-id"));
}

/// A sync killed in the middle of its merge (git left `MERGE_HEAD` and an unmerged age file)
/// is finished by the next `sigil sync`: the merge is settled as a whole one would have been,
/// both values kept, and nothing half-merged is committed or pushed.
#[test]
fn a_sync_killed_in_its_merge_is_finished_by_the_next() {
    let (d, a, b) = team();
    change_on_both(&a, &b);
    sync(&b, &[]);
    // What a sync killed after git's merge and before sigil settled it leaves behind.
    git(&a.home, &["commit", "-q", "-am", "local"]);
    git(&a.home, &["fetch", "-q", "origin"]);
    let out = Std::new("git")
        .arg("-C")
        .arg(&a.home)
        .args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args(["merge", "-q", "--no-edit", "--no-commit", "origin/main"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "the two values did not conflict");
    assert!(a.home.join(".git/MERGE_HEAD").exists());
    let out = sync(&a, &[]);
    assert!(out.contains("pushed to 'origin'"), "{out}");
    assert!(!a.home.join(".git/MERGE_HEAD").exists());
    let status = a.cmd("sigil-status").assert().success();
    let status = String::from_utf8_lossy(&status.get_output().stdout).into_owned();
    assert!(
        status.contains("fix: sigil sync resolve svc/one/api_key --keep mine|theirs"),
        "{status}"
    );
    assert_eq!(a.get("svc/one/api_key"), b"new-on-a");
    assert!(a.home.join("conflicts/svc/one/api_key.age").is_file());
    let status = git(&a.home, &["status", "--porcelain"]);
    assert!(status.trim().is_empty(), "{status}");
    assert!(d.files().contains(&"store/svc/one/api_key.age".to_owned()));
    // B's value was kept: choosing it on A brings it back.
    sync(&a, &["resolve", "svc/one/api_key", "--keep", "theirs"]);
    assert_eq!(a.get("svc/one/api_key"), b"new-on-b");
}
