//! Private, atomic, locked file operations: every write sigil makes goes through here, and
//! every read of a file from outside goes through a size limit.

use crate::model::error::Error;
pub use crate::model::error::PermissionError;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// What a file sigil reads is, and so how large it may be. A file, a pipe or `/dev/zero`
/// given where a small text is expected must end in a clear error, not in memory running out;
/// `SIGIL_MAX_INPUT` (a size such as `1GiB`) raises every limit at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input {
    /// Env files, templates, files to migrate: 16 MiB.
    Text,
    /// config.toml, accounts.toml and journals: 64 MiB (ten thousand accounts take 3 MB).
    Metadata,
    /// Identity, recipients and passphrase-protected identity files: 1 MiB.
    Key,
    /// A store's age file or an export envelope: 4 MiB (a secret is at most 1 MiB).
    Stored,
    /// One audit log file: 256 MiB (a file rotates at 10 MiB by default).
    Log,
    /// A screenshot read for its QR code (`--qr-image`): 64 MiB. Only the command line reads
    /// one.
    #[cfg(feature = "cli")]
    Image,
}

impl Input {
    fn limit(self) -> u64 {
        match self {
            Input::Text => 16 << 20,
            Input::Metadata => 64 << 20,
            Input::Key => 1 << 20,
            Input::Stored => 4 << 20,
            Input::Log => 256 << 20,
            #[cfg(feature = "cli")]
            Input::Image => 64 << 20,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Input::Text => "env files, templates and files to migrate",
            Input::Metadata => "config.toml, accounts.toml and journals",
            Input::Key => "identity and recipients files",
            Input::Stored => "store files and exports",
            Input::Log => "audit log files",
            #[cfg(feature = "cli")]
            Input::Image => "screenshots of QR codes",
        }
    }

    /// The limit in force: the larger of this kind's and `SIGIL_MAX_INPUT`.
    pub(crate) fn max(self) -> u64 {
        let raised = std::env::var("SIGIL_MAX_INPUT")
            .ok()
            .and_then(|v| crate::model::config::parse_size(&v))
            .unwrap_or(0);
        self.limit().max(raised)
    }
}

/// Reads all of `r` up to `input`'s limit; past it, an error of kind `FileTooLarge` that says
/// the limit and how to raise it (nothing past the limit is read).
pub(crate) fn read_capped_from(r: impl io::Read, input: Input) -> io::Result<Vec<u8>> {
    use io::Read;
    let max = input.max();
    let mut out = Vec::new();
    r.take(max.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        use zeroize::Zeroize;
        out.zeroize();
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "it is larger than {}, the limit for {}",
                human_size(max),
                input.what()
            ),
        ));
    }
    Ok(out)
}

/// [`read_capped_from`] of the file at `path`.
pub(crate) fn read_capped(path: &Path, input: Input) -> io::Result<Vec<u8>> {
    read_capped_from(File::open(path)?, input)
}

/// [`read_capped`] as UTF-8 text (invalid UTF-8 is `InvalidData`, as `fs::read_to_string`).
pub(crate) fn read_capped_string(path: &Path, input: Input) -> io::Result<String> {
    String::from_utf8(read_capped(path, input)?).map_err(|e| {
        use zeroize::Zeroize;
        e.into_bytes().zeroize();
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

fn human_size(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// Refuses a path whose mode lets group or others in.
pub(crate) fn check_private(path: &Path, meta: &fs::Metadata) -> Result<(), PermissionError> {
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(PermissionError {
            path: path.to_owned(),
            mode,
            is_dir: meta.is_dir(),
        });
    }
    Ok(())
}

/// Checks a path if it exists; a missing path is fine.
pub(crate) fn check_private_if_exists(path: &Path) -> Result<(), Error> {
    match fs::metadata(path) {
        Ok(meta) => Ok(check_private(path, &meta)?),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("cannot read '{}'", path.display()), e)),
    }
}

/// Refuses the settings directory or `config.toml` when group or others can write them:
/// whoever can replace config.toml chooses the backend, turns the audit log off and points a
/// provider's `token_url` at a server of their own. Readable is allowed (editors often leave
/// 0644, and the file holds no secret unless the user put one there); a missing one is fine.
/// Every command that reads config.toml calls this first, and refuses as it does for the
/// store and the identity (exit 5, with the `chmod` that fixes it).
pub(crate) fn check_config(paths: &crate::model::paths::Paths) -> Result<(), Error> {
    for path in [paths.config_dir().to_owned(), paths.config_file()] {
        match fs::metadata(&path) {
            Ok(meta) => {
                let mode = meta.permissions().mode() & 0o7777;
                if mode & 0o022 != 0 {
                    return Err(PermissionError {
                        path,
                        mode,
                        is_dir: meta.is_dir(),
                    }
                    .into());
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("cannot read '{}'", path.display()), e)),
        }
    }
    Ok(())
}

/// Creates a directory and its missing parents with mode 0700 from the start, so there is
/// never a moment when they are readable by others.
pub(crate) fn create_private_dir(path: &Path) -> Result<(), Error> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|e| Error::io(format!("cannot create '{}'", path.display()), e))
}

/// A fresh directory named `prefix…`, mode 0700 from the moment it exists (whatever the
/// umask), in the first of `bases` that is an absolute path to a directory, else in the
/// system's temporary directory. It is removed with everything in it when the value is
/// dropped: on every return and on unwinding, and after a signal the caller catches.
pub(crate) fn private_temp_dir(
    prefix: &str,
    bases: &[Option<std::path::PathBuf>],
) -> Result<tempfile::TempDir, Error> {
    let base = bases
        .iter()
        .flatten()
        .find(|d| d.is_absolute() && d.is_dir())
        .cloned()
        .unwrap_or_else(std::env::temp_dir);
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    // tempfile's default would leave the umask's mode (0755 under the usual 022).
    builder.permissions(fs::Permissions::from_mode(0o700));
    builder.tempdir_in(&base).map_err(|e| {
        Error::io(
            format!("cannot make a private directory in '{}'", base.display()),
            e,
        )
    })
}

/// Creates `path`, which must not exist, with mode 0600 (never anything wider, whatever the
/// umask) and writes `text` to it.
pub(crate) fn write_new_private(path: &Path, text: &[u8]) -> Result<(), Error> {
    let write = || -> io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(text)?;
        f.sync_all()
    };
    write().map_err(|e| Error::io(format!("cannot write '{}'", path.display()), e))
}

/// Writes a file atomically: a 0600 temporary file beside it, fsync, rename, fsync of the
/// directory. A reader (or a crash) sees the old content or the new, never a mix.
pub(crate) fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<(), Error> {
    let dir = path.parent().expect("a file path has a parent");
    let ctx = |e: io::Error| Error::io(format!("cannot write '{}'", path.display()), e);
    fault(Step::Write).map_err(ctx)?;
    // tempfile creates the file with mode 0600.
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(ctx)?;
    write(tmp.as_file_mut()).map_err(ctx)?;
    tmp.as_file_mut().flush().map_err(ctx)?;
    fault(Step::Sync).map_err(ctx)?;
    tmp.as_file().sync_all().map_err(ctx)?;
    fault(Step::Rename).map_err(ctx)?;
    tmp.persist(path).map_err(|e| ctx(e.error))?;
    sync_dir(dir).map_err(ctx)
}

/// A step of a command that changes what is on disk, where the tests inject faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Creating and writing a temporary file.
    Write,
    /// Flushing a written file to the disk (`fsync`).
    Sync,
    /// Renaming a written file over the one it replaces.
    Rename,
    /// Making a hard link (a kept copy of a secret's old file).
    Link,
    /// Deleting a file.
    Remove,
    /// Appending to a log.
    Append,
}

impl Step {
    /// Its name in `SIGIL_TEST_FAULT`, which only debug builds read.
    #[cfg(debug_assertions)]
    fn name(self) -> &'static str {
        match self {
            Step::Write => "write",
            Step::Sync => "sync",
            Step::Rename => "rename",
            Step::Link => "link",
            Step::Remove => "remove",
            Step::Append => "append",
        }
    }
}

/// Called before each step that changes the disk. In test builds (debug assertions)
/// `SIGIL_TEST_FAULT=[KIND:]N:ACTION` makes the N-th such step of the process (counting
/// only steps of KIND — `write`, `sync`, `rename`, `link`, `remove`, `append` — when given)
/// fail: `kill` ends the process there at once, as `kill -9` would (no destructor, no
/// undo runs); `eio` and `enospc` make the step fail with that error; `fail` with an error
/// saying it was injected. The tests use it to show that a command killed, or failing, at
/// any step leaves the state before it or the state after it. Release builds do nothing
/// here.
#[cfg(debug_assertions)]
pub(crate) fn fault(step: Step) -> io::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let Ok(spec) = std::env::var("SIGIL_TEST_FAULT") else {
        return Ok(());
    };
    let parts: Vec<&str> = spec.split(':').collect();
    let (kind, n, action) = match parts[..] {
        [n, action] if !n.starts_with('@') => (None, n, action),
        [kind, n, action] => (Some(kind), n, action),
        _ => return Ok(()),
    };
    if kind.is_some_and(|k| k != step.name()) {
        return Ok(());
    }
    let Ok(n) = n.parse::<usize>() else {
        return Ok(());
    };
    if COUNT.fetch_add(1, Ordering::SeqCst) + 1 != n {
        return Ok(());
    }
    injected(action, step.name())
}

#[cfg(not(debug_assertions))]
#[inline(always)]
pub(crate) fn fault(_: Step) -> io::Result<()> {
    Ok(())
}

/// A named point of a multi-step command (`journal`, `secrets`, …), where the tests kill it
/// or make it fail: in test builds `SIGIL_TEST_FAULT=@NAME[#N]:ACTION` acts at the N-th time
/// (the first by default) the process reaches NAME, with the actions of [`fault`]. This is
/// the one fault-injection mechanism of the test suite, with [`fault`] for the durable steps
/// every command shares. Release builds do nothing here.
#[cfg(debug_assertions)]
pub(crate) fn point(name: &str) -> io::Result<()> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);
    let Ok(spec) = std::env::var("SIGIL_TEST_FAULT") else {
        return Ok(());
    };
    let Some((at, action)) = spec.strip_prefix('@').and_then(|s| s.split_once(':')) else {
        return Ok(());
    };
    let (wanted, n) = match at.split_once('#') {
        Some((w, n)) => (w, n.parse::<usize>().unwrap_or(0)),
        None => (at, 1),
    };
    if wanted != name {
        return Ok(());
    }
    let seen = {
        let mut map = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        let c = map
            .get_or_insert_with(HashMap::new)
            .entry(name.to_owned())
            .or_default();
        *c += 1;
        *c
    };
    if seen != n {
        return Ok(());
    }
    injected(action, name)
}

#[cfg(not(debug_assertions))]
#[inline(always)]
pub(crate) fn point(_: &str) -> io::Result<()> {
    Ok(())
}

/// Carries out an injected fault's action at `at`.
#[cfg(debug_assertions)]
fn injected(action: &str, at: &str) -> io::Result<()> {
    match action {
        "kill" => std::process::abort(),
        "eio" => Err(io::Error::from_raw_os_error(
            rustix::io::Errno::IO.raw_os_error(),
        )),
        "enospc" => Err(io::Error::from_raw_os_error(
            rustix::io::Errno::NOSPC.raw_os_error(),
        )),
        "fail" => Err(io::Error::other(format!("injected failure at '{at}'"))),
        _ => Ok(()),
    }
}

/// Opens a file for appending, creating it 0600 whatever the umask: for files outside the home
/// that sigil writes secrets into but does not own (`$GITHUB_ENV`). An existing file keeps
/// its mode; its owner chose it.
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
pub(crate) fn open_append_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
}

/// Makes a rename or unlink in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// An exclusive advisory lock on `<home>/.lock`, held until dropped. Writers take it so that
/// concurrent processes never interleave a read-modify-write of the store or registry.
#[derive(Debug)]
pub struct Lock {
    file: File,
}

impl Lock {
    /// Opens (creating) the lock file, 0600 in a 0700 directory.
    fn open(path: &Path) -> Result<File, Error> {
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| Error::io(format!("cannot open lock file '{}'", path.display()), e))
    }

    /// Blocks until the lock is ours.
    pub(crate) fn acquire(path: &Path) -> Result<Lock, Error> {
        let file = Self::open(path)?;
        file.lock()
            .map_err(|e| Error::io(format!("cannot lock '{}'", path.display()), e))?;
        Ok(Lock { file })
    }

    /// Takes the lock when nobody holds it; `None` when another process does.
    pub(crate) fn try_acquire(path: &Path) -> Result<Option<Lock>, Error> {
        let file = Self::open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Lock { file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(Error::io(format!("cannot lock '{}'", path.display()), e))
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Removes `dir` and then its parents up to (not including) `stop` while they are empty.
pub(crate) fn remove_empty_dirs(mut dir: &Path, stop: &Path) {
    while dir != stop && dir.starts_with(stop) {
        if fs::remove_dir(dir).is_err() {
            break;
        }
        let _ = dir.parent().map(sync_dir);
        match dir.parent() {
            Some(p) => dir = p,
            None => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_is_private_and_replaces() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        write_atomic(&p, |f| f.write_all(b"one")).unwrap();
        write_atomic(&p, |f| f.write_all(b"two")).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::read_dir(d.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn private_dirs_and_checks() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a/b");
        create_private_dir(&p).unwrap();
        for x in [d.path().join("a"), p.clone()] {
            assert_eq!(
                fs::metadata(&x).unwrap().permissions().mode() & 0o777,
                0o700
            );
        }
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        let e = check_private(&p, &fs::metadata(&p).unwrap()).unwrap_err();
        assert_eq!(e.fix(), format!("chmod 700 '{}'", p.display()));
        remove_empty_dirs(&p, d.path());
        assert!(!d.path().join("a").exists());
    }
}
