//! `sigil sync`: the home shared through a git repository, over the `git` program so that
//! every remote and way of authenticating git knows works. The repository is the home
//! itself, with an allow-list `.gitignore` so that only age files, recipients files and
//! `accounts.toml` are shared (`shared`); changes are committed with a message naming
//! addresses, the remote's are merged (not rebased: local commits are never rewritten, and
//! a failed merge is undone as a whole) with `accounts.toml` merged account by account and a
//! secret changed on both sides kept twice (`merge`), then pushed (docs/teams.md).

pub mod git;
pub mod merge;
pub mod shared;

use crate::fsutil;
use crate::model::address::FieldAddress;
use crate::model::error::{Error, Result};
use crate::model::notice::{Level, emit};
use crate::model::paths::Paths;
use git::Repo;
pub use merge::Conflict;
use shared::{CONFLICTS, DRIVER, GITATTRIBUTES, GITIGNORE};
use std::path::Path;

/// The remote sigil pushes to and pulls from.
pub const REMOTE: &str = "origin";

/// How many times a push rejected because the remote moved meanwhile is retried (after
/// pulling again).
const PUSH_TRIES: usize = 3;

/// What one `sigil sync` did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    /// The message of the commit of local changes, when there were any.
    pub committed: Option<String>,
    /// Whether there is a remote.
    pub remote: bool,
    /// Whether the remote's commits were merged (something came in).
    pub pulled: bool,
    /// Whether the push went through.
    pub pushed: bool,
    /// Secrets both sides changed in this sync.
    pub new_conflicts: Vec<Conflict>,
    /// Every conflict not yet resolved.
    pub unresolved: Vec<Conflict>,
    /// Recipients files the pull changed: the file, keys added, keys removed.
    pub recipients: Vec<merge::RecipientsChange>,
}

/// The repository of a home that is synced, or the error saying how to make it one.
pub fn repo(paths: &Paths) -> Result<Repo> {
    let repo = Repo::at(paths.home());
    if repo.exists() {
        return Ok(repo);
    }
    Err(Error::NotFound {
        message: format!("'{}' is not synced with git", paths.home().display()),
        help: Some(
            "run `sigil sync init [REMOTE]` to share this store, or `sigil sync clone REMOTE` \
             to take a shared one"
                .into(),
        ),
    })
}

/// `sigil sync init [REMOTE]`: makes the home a repository sharing only the store and its
/// metadata, commits what is there, and sets the remote. It pushes nothing: `sigil sync`
/// does.
pub fn init(paths: &Paths, remote: Option<&str>) -> Result<Report> {
    fsutil::create_private_dir(paths.home())?;
    let _lock = fsutil::Lock::acquire(&paths.lock_file())?;
    let repo = Repo::at(paths.home());
    if !repo.exists() {
        repo.ok(["init", "-q", "-b", "main", "--shared=0600"])?;
    }
    // The repository's own files, as private as the rest of the home (`--shared=0600` keeps
    // those git writes later so).
    repo.ok(["config", "core.sharedRepository", "0600"])?;
    tighten_all(vec![repo.dir().join(".git")]);
    prepare(&repo)?;
    if let Some(url) = remote {
        set_remote(&repo, url)?;
    }
    let committed = commit(&repo, None)?;
    Ok(Report {
        committed,
        remote: remote_exists(&repo),
        ..Report::default()
    })
}

fn set_remote(repo: &Repo, url: &str) -> Result<()> {
    let verb = if remote_exists(repo) {
        "set-url"
    } else {
        "add"
    };
    repo.ok(["remote", verb, "--", REMOTE, url]).map(drop)
}

fn remote_exists(repo: &Repo) -> bool {
    repo.run(["remote", "get-url", REMOTE]).is_ok_and(|r| r.ok)
}

/// `sigil sync clone REMOTE`: takes a shared store onto this machine. The home may already
/// hold an identity and settings (`sigil init` first), but no store. The remote's commit is
/// checked before anything is checked out.
pub fn clone(paths: &Paths, url: &str) -> Result<Report> {
    // `sigil init` leaves a store holding only its own `.age-recipients`: that one is unused.
    let own_recipients = paths.store().join(crate::store::RECIPIENTS_FILE);
    let store_used = std::fs::read_dir(paths.store())
        .is_ok_and(|d| d.flatten().any(|e| e.path() != own_recipients));
    if paths.accounts().exists() || store_used {
        return Err(Error::UsageHelp {
            message: format!("'{}' already has a store", paths.home().display()),
            help: "clone into a new home (SIGIL_HOME=DIR sigil sync clone REMOTE), or share this \
                   one with `sigil sync init REMOTE` and `sigil sync`"
                .into(),
        });
    }
    fsutil::create_private_dir(paths.home())?;
    let _lock = fsutil::Lock::acquire(&paths.lock_file())?;
    let repo = Repo::at(paths.home());
    if repo.exists() {
        return Err(Error::UsageHelp {
            message: format!("'{}' is already synced with git", paths.home().display()),
            help: "run `sigil sync` to bring it up to date".into(),
        });
    }
    repo.ok(["init", "-q", "-b", "main", "--shared=0600"])?;
    // A clone that fails leaves the home as it was, so that it can simply be run again.
    let cloned = take(paths, &repo, url, &own_recipients);
    if cloned.is_err() {
        let _ = std::fs::remove_dir_all(repo.dir().join(".git"));
        for f in [".gitignore", ".gitattributes"] {
            let _ = std::fs::remove_file(repo.dir().join(f));
        }
    }
    cloned
}

/// The part of [`clone`] after `git init`: fetch, check, check out.
fn take(paths: &Paths, repo: &Repo, url: &str, own_recipients: &Path) -> Result<Report> {
    let repo = repo.clone();
    tighten_all(vec![repo.dir().join(".git")]);
    set_remote(&repo, url)?;
    let mut report = Report {
        remote: true,
        ..Report::default()
    };
    fetch(&repo).map_err(|e| match e {
        Error::Other { message, .. } => Error::other(
            message,
            Some(
                "nothing was changed; check the address and the network, then run `sigil sync \
                 clone REMOTE` again"
                    .into(),
            ),
        ),
        e => e,
    })?;
    let branch = remote_head(&repo)?;
    let upstream = format!("refs/remotes/{REMOTE}/{branch}");
    shared::check_incoming(&repo, &upstream)?;
    check_remote_registry(&repo, &upstream)?;
    // The remote's recipients replace those `sigil init` wrote for this home alone;
    // `sigil status` then says what this identity can read.
    let own = std::fs::read(own_recipients).ok();
    if own.is_some() {
        std::fs::remove_file(own_recipients)
            .map_err(|e| Error::io(format!("cannot remove '{}'", own_recipients.display()), e))?;
    }
    if let Err(e) = repo.ok(["checkout", "-q", "-B", &branch, "--track", &upstream]) {
        if let Some(text) = own {
            let _ = fsutil::write_atomic(own_recipients, |f| std::io::Write::write_all(f, &text));
        }
        return Err(e);
    }
    prepare(&repo)?;
    tighten(paths);
    report.pulled = true;
    report.unresolved = conflicts(paths);
    Ok(report)
}

/// The branch the remote's HEAD names, else the first of `main` and `master` it has.
fn remote_head(repo: &Repo) -> Result<String> {
    let r = repo.run(["ls-remote", "--symref", REMOTE, "HEAD"])?;
    if let Some(b) = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("ref: refs/heads/"))
        .and_then(|l| l.split('\t').next())
    {
        return Ok(b.to_owned());
    }
    for b in ["main", "master"] {
        if has_ref(repo, &format!("refs/remotes/{REMOTE}/{b}")) {
            return Ok(b.to_owned());
        }
    }
    Err(Error::NotFound {
        message: format!("the remote '{REMOTE}' has no store yet"),
        help: Some(
            "on a machine that has the store, run `sigil sync init REMOTE` and `sigil sync`".into(),
        ),
    })
}

fn has_ref(repo: &Repo, name: &str) -> bool {
    repo.run(["rev-parse", "-q", "--verify", name])
        .is_ok_and(|r| r.ok)
}

/// Writes the files sigil manages in the repository and registers the merge driver, which
/// lives in `.git/config` because git never takes a driver from a clone.
fn prepare(repo: &Repo) -> Result<()> {
    for (name, text) in [(".gitignore", GITIGNORE), (".gitattributes", GITATTRIBUTES)] {
        let path = repo.dir().join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            fsutil::write_atomic(&path, |f| std::io::Write::write_all(f, text.as_bytes()))?;
        }
    }
    let exe = std::env::current_exe()
        .map_err(|e| Error::io("cannot tell where the sigil executable is", e))?;
    let driver = format!(
        "{} sync --merge-driver %O %A %B %P",
        shell_quote(&exe.to_string_lossy())
    );
    repo.ok([
        "config",
        &format!("merge.{DRIVER}.name"),
        "sigil accounts.toml",
    ])?;
    repo.ok(["config", &format!("merge.{DRIVER}.driver"), &driver])?;
    Ok(())
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `sigil sync`: commit, pull (merge), push; a push the remote rejects because it moved
/// meanwhile is retried after pulling again.
pub fn sync(paths: &Paths) -> Result<Report> {
    let repo = repo(paths)?;
    let _lock = fsutil::Lock::acquire(&paths.lock_file())?;
    prepare(&repo)?;
    let mut report = Report::default();
    // A sync killed between git's merge and its commit left the merge in progress: it is
    // finished as it would have been, before local changes are committed on top; committing
    // first would take the unmerged secret as it lies and lose the other side's value.
    if merging(&repo) {
        finish_merge(&repo, &mut report)?;
    }
    report.committed = commit(&repo, None)?;
    report.remote = remote_exists(&repo);
    if report.remote {
        let branch = repo
            .ok(["symbolic-ref", "--short", "HEAD"])?
            .trim()
            .to_owned();
        for attempt in 1..=PUSH_TRIES {
            fetch(&repo)?;
            let upstream = format!("refs/remotes/{REMOTE}/{branch}");
            if has_ref(&repo, &upstream) {
                pull(&repo, &upstream, &mut report)?;
            }
            fsutil::point("sync-push").map_err(|e| Error::io("cannot push", e))?;
            if push(&repo, &branch)? {
                report.pushed = true;
                break;
            }
            if attempt == PUSH_TRIES {
                return Err(Error::other(
                    format!(
                        "the remote '{REMOTE}' kept changing while pushing ({PUSH_TRIES} tries)"
                    ),
                    Some(
                        "your changes are committed locally and nothing is lost; run `sigil \
                         sync` again"
                            .into(),
                    ),
                ));
            }
        }
    }
    tighten(paths);
    report.unresolved = conflicts(paths);
    Ok(report)
}

/// Fetches the remote's branches; an unreachable remote is an error that says nothing was
/// lost.
fn fetch(repo: &Repo) -> Result<()> {
    let r = repo.run_network([
        "fetch",
        "-q",
        "--no-tags",
        REMOTE,
        &format!("+refs/heads/*:refs/remotes/{REMOTE}/*"),
    ])?;
    if r.ok {
        return Ok(());
    }
    Err(unreachable(&r.stderr))
}

/// The error for a remote that cannot be reached (or refuses us).
fn unreachable(stderr: &str) -> Error {
    let said = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(redact_userinfo)
        .unwrap_or_default();
    Error::other(
        format!("cannot reach the remote '{REMOTE}': {said}"),
        Some(
            "your changes are committed locally and nothing is lost; check the network and the \
             remote (git -C HOME remote -v), then run `sigil sync` again"
                .into(),
        ),
    )
}

/// Hides the user and password of a URL (`https://user:token@host`) in git's words.
fn redact_userinfo(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(tail.len());
        match tail[..end]
            .find('@')
            .filter(|&at| !tail[..at].contains('/'))
        {
            Some(at) => {
                out.push_str("***");
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// Merges `upstream` after checking it: the paths it holds, its `accounts.toml`. A merge
/// that cannot be settled is aborted, leaving the local commits as they were.
fn pull(repo: &Repo, upstream: &str, report: &mut Report) -> Result<()> {
    let before = repo.ok(["rev-parse", "HEAD"])?.trim().to_owned();
    let theirs = repo.ok(["rev-parse", upstream])?.trim().to_owned();
    if before == theirs
        || repo
            .run(["merge-base", "--is-ancestor", &theirs, &before])?
            .ok
    {
        return Ok(());
    }
    shared::check_incoming(repo, upstream)?;
    check_remote_registry(repo, upstream)?;
    let mut args = repo.identity_args();
    args.extend(
        [
            "merge",
            "-q",
            "--no-edit",
            "--no-commit",
            "--allow-unrelated-histories",
            upstream,
        ]
        .map(String::from),
    );
    let merged = repo.run(&args)?;
    let in_merge = merging(repo);
    if !merged.ok && !in_merge {
        return Err(Error::other(
            format!("cannot merge the remote's changes: {}", merged.stderr),
            None,
        ));
    }
    if in_merge {
        finish_merge(repo, report)?;
    }
    report.pulled = true;
    let changes = merge::recipients_changes(repo, &before, "HEAD")?;
    for c in &changes {
        tell_recipients(&c.file, &c.added, &c.removed);
    }
    report.recipients = changes;
    Ok(())
}

/// Finishes the merge git left in progress: each secret changed on both sides is settled
/// (ours in place, theirs kept as a conflict copy), the registry checked, and the merge
/// committed; on an error the merge is aborted, leaving the branch as it was.
fn finish_merge(repo: &Repo, report: &mut Report) -> Result<()> {
    let finished = merge::settle(repo)
        .and_then(|c| check_registry_file(repo).map(|()| c))
        .and_then(|c| {
            let mut args = repo.identity_args();
            args.extend(["commit", "-q", "--no-edit", "--no-verify"].map(String::from));
            repo.ok(&args).map(|_| c)
        });
    match finished {
        Ok(c) => {
            report.new_conflicts.extend(c);
            Ok(())
        }
        Err(e) => {
            let _ = repo.run(["merge", "--abort"]);
            Err(e)
        }
    }
}

/// Whether a merge is in progress: git's own, or one a killed sync left behind.
fn merging(repo: &Repo) -> bool {
    repo.dir().join(".git/MERGE_HEAD").exists()
}

/// The loud notice for a recipients file the pull changed.
fn tell_recipients(file: &str, added: &[String], removed: &[String]) {
    let mut text = format!("the pull changed who can read the secrets under '{file}':");
    for k in added {
        text.push_str(&format!("\n  added   {k}"));
    }
    for k in removed {
        text.push_str(&format!("\n  removed {k}"));
    }
    text.push_str(
        "\nnew secrets there are encrypted to these keys: check with your team that each \
         added key is a member's (`sigil recipients list`)",
    );
    emit(Level::Warning, text);
}

/// Refuses a remote `accounts.toml` that does not parse, before anything is merged.
fn check_remote_registry(repo: &Repo, rev: &str) -> Result<()> {
    let Some(bytes) = repo.blob(&format!("{rev}:accounts.toml"))? else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(&bytes);
    let path = Path::new("accounts.toml (in the remote's commit)");
    crate::model::error::parse_toml::<crate::model::registry::Registry>(path, &text)?;
    Ok(())
}

/// Checks that the merged `accounts.toml` in the work tree parses.
fn check_registry_file(repo: &Repo) -> Result<()> {
    let path = repo.dir().join("accounts.toml");
    let Ok(text) = fsutil::read_capped_string(&path, fsutil::Input::Metadata) else {
        return Ok(());
    };
    crate::model::error::parse_toml::<crate::model::registry::Registry>(&path, &text)?;
    Ok(())
}

/// Pushes; `false` when the remote rejected it because it moved meanwhile.
fn push(repo: &Repo, branch: &str) -> Result<bool> {
    let r = repo.run_network([
        "push",
        "--porcelain",
        "-u",
        REMOTE,
        &format!("HEAD:refs/heads/{branch}"),
    ])?;
    if r.ok {
        return Ok(true);
    }
    if r.stdout.lines().any(|l| l.starts_with('!')) {
        return Ok(false);
    }
    Err(unreachable(&r.stderr))
}

/// Stages what changed in the shared files, checks it, and commits it with a message that
/// names addresses (never values); `None` when nothing changed.
pub fn commit(repo: &Repo, message: Option<&str>) -> Result<Option<String>> {
    repo.ok(["add", "-A"])?;
    let status = repo.ok(["diff", "--cached", "--name-status", "--no-renames", "-z"])?;
    let fields: Vec<&str> = status.split('\0').filter(|s| !s.is_empty()).collect();
    let changes: Vec<(&str, String)> = fields
        .chunks(2)
        .filter_map(|c| Some((c[0], c.get(1)?.to_string())))
        .collect();
    if changes.is_empty() {
        return Ok(None);
    }
    let changed: Vec<String> = changes
        .iter()
        .filter(|(s, _)| *s != "D")
        .map(|(_, p)| p.clone())
        .collect();
    if let Err(e) = shared::check_staged(repo, &changed) {
        let _ = repo.run(["reset", "-q"]);
        return Err(e);
    }
    let text = message.map_or_else(|| message_for(&changes), str::to_owned);
    let mut args = repo.identity_args();
    args.extend(["commit", "-q", "-m", &text].map(String::from));
    repo.ok(&args)?;
    Ok(Some(text))
}

/// `sigil: add github/me/token, change …` with every change on a line of its own below.
fn message_for(changes: &[(&str, String)]) -> String {
    let lines: Vec<String> = changes
        .iter()
        .map(|(status, path)| {
            let verb = match *status {
                "A" => "add",
                "D" => "remove",
                _ => "change",
            };
            let what = path
                .strip_prefix("store/")
                .and_then(|p| p.strip_suffix(".age"))
                .map_or_else(|| path.clone(), str::to_owned);
            format!("{verb} {what}")
        })
        .collect();
    let mut subject = lines.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if lines.len() > 3 {
        subject.push_str(&format!(" and {} more", lines.len() - 3));
    }
    let body: Vec<String> = lines.iter().take(200).cloned().collect();
    format!("sigil: {subject}\n\n{}", body.join("\n"))
}

/// Makes what git checked out private again: git writes files and directories with the
/// umask's modes, and sigil refuses a store that others can read.
pub fn tighten(paths: &Paths) {
    let home = paths.home();
    let mut roots = vec![paths.store(), home.join(CONFLICTS), paths.accounts()];
    for f in [".gitignore", ".gitattributes"] {
        roots.push(home.join(f));
    }
    // Git writes a few files of its own (FETCH_HEAD, ORIG_HEAD) with the umask's mode,
    // whatever `core.sharedRepository` says.
    let git = home.join(".git");
    roots.extend(
        std::fs::read_dir(&git)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path()),
    );
    tighten_all(roots);
}

/// Makes every file under `roots` 0600 and every directory 0700, following no link.
fn tighten_all(mut stack: Vec<std::path::PathBuf>) {
    use std::os::unix::fs::PermissionsExt;
    while let Some(p) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let want = if meta.is_dir() {
            0o700
        } else if meta.is_file() {
            0o600
        } else {
            continue;
        };
        if meta.permissions().mode() & 0o777 != want {
            let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(want));
        }
        if meta.is_dir()
            && let Ok(rd) = std::fs::read_dir(&p)
        {
            stack.extend(rd.flatten().map(|e| e.path()));
        }
    }
}

/// Every conflict copy kept under `<home>/conflicts/`, sorted.
pub fn conflicts(paths: &Paths) -> Vec<Conflict> {
    let root = paths.home().join(CONFLICTS);
    let mut out = Vec::new();
    let dirs = |d: &Path| -> Vec<(String, std::path::PathBuf)> {
        std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir() || t.is_file()))
            .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
            .collect()
    };
    for (s, sd) in dirs(&root) {
        for (a, ad) in dirs(&sd) {
            for (f, _) in dirs(&ad) {
                let rel = format!("{s}/{a}/{f}");
                if let Some(addr) = shared::conflict_address(&rel) {
                    out.push(Conflict {
                        address: addr.to_string(),
                        copy: format!("{CONFLICTS}/{rel}"),
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| a.copy.cmp(&b.copy));
    out
}

/// Which side `sigil sync resolve` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The value in the store on this machine.
    Mine,
    /// The other machine's value, kept as the conflict copy.
    Theirs,
}

/// `sigil sync resolve ADDR --keep mine|theirs`: ends a conflict. The copy kept aside is
/// deleted (mine) or moved into the store in place of this machine's value (theirs), still
/// encrypted; the change is committed, for the next `sigil sync` to share.
pub fn resolve(paths: &Paths, addr: &FieldAddress, keep: Keep) -> Result<()> {
    let _lock = fsutil::Lock::acquire(&paths.lock_file())?;
    let copies: Vec<Conflict> = conflicts(paths)
        .into_iter()
        .filter(|c| c.address == addr.to_string())
        .collect();
    if copies.is_empty() {
        return Err(Error::NotFound {
            message: format!("'{addr}' has no conflict to resolve"),
            help: Some("`sigil status` lists the conflicts".into()),
        });
    }
    if keep == Keep::Theirs && copies.len() > 1 {
        return Err(Error::UsageHelp {
            message: format!("'{addr}' has {} kept copies", copies.len()),
            help: "keep yours with --keep mine, or move the copy you want into place with git \
                   in the home"
                .into(),
        });
    }
    let home = paths.home();
    if keep == Keep::Theirs {
        let to = crate::store::FileStore::new(paths).path_of(addr);
        for d in [
            paths.store().join(addr.service()),
            to.parent().unwrap_or(home).to_owned(),
        ] {
            if std::fs::symlink_metadata(&d).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(crate::store::StoreError::Symlink { path: d }.into());
            }
        }
        fsutil::create_private_dir(to.parent().unwrap_or(home))?;
        std::fs::rename(home.join(&copies[0].copy), &to)
            .map_err(|e| Error::io(format!("cannot move the copy to '{}'", to.display()), e))?;
    } else {
        for c in &copies {
            std::fs::remove_file(home.join(&c.copy))
                .map_err(|e| Error::io(format!("cannot remove '{}'", c.copy), e))?;
        }
    }
    if let Some(dir) = home.join(&copies[0].copy).parent() {
        fsutil::remove_empty_dirs(dir, home);
    }
    let repo = Repo::at(home);
    if repo.exists() {
        let side = if keep == Keep::Mine { "mine" } else { "theirs" };
        commit(
            &repo,
            Some(&format!("sigil: resolve {addr} keeping {side}")),
        )?;
    }
    Ok(())
}

/// After a command that changed the store, with `sync = "auto"` in config.toml: commits and
/// syncs, telling what failed as a notice rather than failing the command that succeeded
/// (offline, the change stays committed locally for the next sync).
pub fn auto(paths: &Paths) {
    let Ok(config) = crate::model::config::Config::load(paths) else {
        return;
    };
    if config.sync != Some(crate::model::config::SyncSetting::Auto)
        || !Repo::at(paths.home()).exists()
    {
        return;
    }
    // A command that changed nothing (a listing) costs no network round trip.
    let changed = {
        let Ok(_lock) = fsutil::Lock::acquire(&paths.lock_file()) else {
            return;
        };
        let repo = Repo::at(paths.home());
        match prepare(&repo).and_then(|()| commit(&repo, None)) {
            Ok(c) => c.is_some() || ahead(&repo),
            Err(e) => {
                emit(Level::Warning, format!("sync = \"auto\": {e}"));
                return;
            }
        }
    };
    if !changed {
        return;
    }
    match sync(paths) {
        Ok(r) => {
            for c in &r.new_conflicts {
                emit(Level::Warning, conflict_notice(c));
            }
        }
        Err(e) => emit(
            Level::Warning,
            format!("sync = \"auto\": {e}; the change is kept, run `sigil sync` later"),
        ),
    }
}

/// Whether this branch has commits its remote branch (as last fetched) has not.
fn ahead(repo: &Repo) -> bool {
    repo.run(["rev-list", "--count", "@{upstream}..HEAD"])
        .map_or(true, |r| !r.ok || r.stdout.trim() != "0")
}

/// How a conflict is told.
pub fn conflict_notice(c: &Conflict) -> String {
    format!(
        "'{}' was changed on two machines: this store keeps one value, the other is kept \
         encrypted in '{}'; run `sigil sync resolve {} --keep mine|theirs`",
        c.address, c.copy, c.address
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_user_and_password_in_a_url_are_hidden() {
        assert_eq!(
            super::redact_userinfo(
                "fatal: unable to access 'https://me:tok@git.example/x.git/': 403"
            ),
            "fatal: unable to access 'https://***@git.example/x.git/': 403"
        );
        assert_eq!(
            super::redact_userinfo("fatal: 'git://127.0.0.1:9/t.git' unreachable"),
            "fatal: 'git://127.0.0.1:9/t.git' unreachable"
        );
    }
}
