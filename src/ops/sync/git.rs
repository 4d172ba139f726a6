//! Running the `git` program for `sigil sync`: always on the home's repository, in a fixed
//! environment, with arguments that never carry a secret.

use crate::model::error::Error;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Variables that would point git at another repository, index or object store, or add
/// settings from a parent git (sigil may run inside a hook): none of them is the user's
/// intent for the store, so they are removed. `GIT_TERMINAL_PROMPT`, `GIT_ASKPASS`,
/// `SSH_AUTH_SOCK` and the credential helpers stay, so every way the user authenticates
/// to the remote keeps working.
const CLEARED: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_PREFIX",
    "GIT_QUARANTINE_PATH",
    "GIT_EXTERNAL_DIFF",
    "GIT_DIFF_OPTS",
];

/// The repository at a sigil home.
#[derive(Debug, Clone)]
pub struct Repo {
    dir: PathBuf,
}

/// What a git command printed, as text.
#[derive(Debug)]
pub struct Ran {
    /// Whether it exited 0.
    pub ok: bool,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error, trimmed.
    pub stderr: String,
}

impl Repo {
    /// The repository whose work tree is `dir` (it may not exist yet).
    pub fn at(dir: &Path) -> Repo {
        Repo {
            dir: dir.to_owned(),
        }
    }

    /// The work tree: the home.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the home is a repository of its own (a `.git` directory in it, not a
    /// repository further up that merely contains it).
    pub fn exists(&self) -> bool {
        self.dir.join(".git").is_dir()
    }

    /// A git command on this repository, in the fixed environment, without the variables
    /// that carry sigil's key: git starts hooks, ssh and credential helpers, none of which
    /// needs them.
    pub fn command<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Command {
        let mut c = crate::ops::child::command("git");
        for v in CLEARED {
            c.env_remove(v);
        }
        // Messages parsed below are git's English ones; what it prints for people is kept
        // in the error text as it is.
        c.env("LC_ALL", "C")
            .env("GIT_MERGE_AUTOEDIT", "no")
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            .stdin(Stdio::null());
        c
    }

    /// Runs git and returns what it printed, whatever its exit status.
    pub fn run<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Result<Ran, Error> {
        let mut c = self.command(args);
        // Authentication may need the terminal (ssh's passphrase prompt, a credential helper
        // asking): stdin stays the user's for network commands, see `run_network`.
        let out = c.output().map_err(spawn_error)?;
        Ok(ran(out))
    }

    /// Runs git for a command that talks to the remote: stdin is inherited so that ssh or
    /// a credential helper can ask the user.
    pub fn run_network<S: AsRef<OsStr>>(
        &self,
        args: impl IntoIterator<Item = S>,
    ) -> Result<Ran, Error> {
        let mut c = self.command(args);
        c.stdin(Stdio::inherit());
        let out = c.output().map_err(spawn_error)?;
        Ok(ran(out))
    }

    /// Runs git and fails with its own words when it fails.
    pub fn ok<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Result<String, Error> {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let r = self.run(&args)?;
        if r.ok {
            return Ok(r.stdout);
        }
        let what: Vec<String> = args
            .iter()
            .take(2)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        Err(Error::other(
            format!("'git {}' failed: {}", what.join(" "), r.stderr),
            None,
        ))
    }

    /// The raw bytes of a blob (`REV:PATH` or `:N:PATH`), or `None` when there is none.
    pub fn blob(&self, spec: &str) -> Result<Option<Vec<u8>>, Error> {
        let out = self
            .command(["cat-file", "blob", spec])
            .output()
            .map_err(spawn_error)?;
        Ok(out.status.success().then_some(out.stdout))
    }

    /// `-c` settings naming an author when git's config names none, so that committing
    /// works on a fresh machine; the user's own name and address win when set.
    pub fn identity_args(&self) -> Vec<String> {
        let has = |key: &str| {
            self.run(["config", "--get", key])
                .is_ok_and(|r| r.ok && !r.stdout.trim().is_empty())
        };
        let mut args = Vec::new();
        if !has("user.name") {
            args.extend(["-c".into(), "user.name=sigil".into()]);
        }
        if !has("user.email") {
            args.extend(["-c".into(), "user.email=sigil@localhost".into()]);
        }
        args
    }
}

fn ran(out: Output) -> Ran {
    Ran {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
    }
}

fn spawn_error(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        return Error::NotFound {
            message: "cannot run 'git': it is not installed or not on PATH".into(),
            help: Some("install git (e.g. apt install git), then run the command again".into()),
        };
    }
    Error::io("cannot run 'git'", e)
}
