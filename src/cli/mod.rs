//! The command-line front end: one clap struct and one `run` per binary, and what they share
//! (prompts, reading stdin, tables). Kept in the library so xtask can render completions and
//! man pages from the same definitions.

pub mod add;
pub mod askpass;
pub mod audit;
pub mod aws;
pub mod backup;
pub mod cargo_credential;
pub mod check;
pub mod clip;
pub mod complete;
pub mod dispatch;
pub mod docker_credential;
pub mod edit;
pub mod env;
pub mod export;
pub mod find;
pub mod generate;
pub mod get;
pub mod git_credential;
pub mod identity;
pub mod import;
pub mod init;
pub(crate) mod keys;
pub mod kube_credential;
pub mod list;
pub mod lock;
#[cfg(feature = "oauth")]
pub mod login;
pub mod migrate;
pub mod mv;
pub mod netrc;
pub mod otp;
pub mod pip_keyring;
pub mod policy;
mod qr_image;
pub mod recipients;
pub mod rekey;
pub mod resolve;
pub mod rm;
pub mod run;
pub mod sigil;
pub mod start;
pub mod status;
pub mod sync;
pub mod unlock;

use crate::model::error::{Error, Result};
use clap::{CommandFactory, Parser};
use std::ffi::OsString;
use std::io::{self, IsTerminal, Read, Write};
use std::process::ExitCode;

/// Parses the binary's arguments and runs it, reporting an error as every sigil binary does. Usage
/// errors from clap exit 2, `--help` and `--version` exit 0.
pub fn main<A: Parser>(bin: &str, run: fn(A) -> Result<()>) -> ExitCode {
    harden();
    if let Some(code) = complete::answer(bin) {
        return code;
    }
    run_from(bin, std::env::args_os().skip(1).collect(), run)
}

/// [`main`] on the given arguments (those after the program's name), as the binary `bin`: how
/// the `sigil` executable runs a built-in in its own process.
pub fn run_from<A: Parser>(bin: &str, args: Vec<OsString>, run: fn(A) -> Result<()>) -> ExitCode {
    run_code_from(bin, args, |a| {
        run(a).map(|()| {
            sync_after(bin);
            ExitCode::SUCCESS
        })
    })
}

/// The commands after which `sync = "auto"` syncs the store: those that change it. Readers
/// (`get`, `list`, the protocol helpers) are not here, so they never pay for it.
const CHANGERS: &[&str] = &[
    "sigil-add",
    "sigil-generate",
    "sigil-edit",
    "sigil-login",
    "sigil-rm",
    "sigil-mv",
    "sigil-cp",
    "sigil-migrate",
    "sigil-import",
    "sigil-recipients",
    "sigil-rekey",
    "sigil-policy",
];

/// Syncs after a change command when config.toml says `sync = "auto"`; a failure is a notice.
fn sync_after(bin: &str) {
    if CHANGERS.contains(&bin)
        && let Ok(paths) = crate::model::paths::Paths::from_env()
    {
        crate::ops::sync::auto(&paths);
    }
}

/// Like [`run_from`], for commands whose success has an exit code of its own (`sigil run` passes
/// its child's on). The process's entry point ([`main`], the dispatcher) has hardened it.
pub fn run_code_from<A: Parser>(
    bin: &str,
    args: Vec<OsString>,
    run: impl FnOnce(A) -> Result<ExitCode>,
) -> ExitCode {
    print_notices(bin);
    let args = A::parse_from(std::iter::once(OsString::from(bin)).chain(args));
    match run(args) {
        Ok(code) => code,
        Err(e) => crate::exit::report(bin, &e),
    }
}

/// A built-in's entry point: runs it as the binary named first on the arguments after the
/// program's name.
pub type Entry = fn(&'static str, Vec<OsString>) -> ExitCode;

/// Every built-in by its binary's name, run in the `sigil` executable's own process: by
/// `sigil <cmd>`, and by the dashed entry points (`sigil-add`, …), which start that executable
/// under their own name.
pub const BUILTINS: &[(&str, Entry)] = &[
    ("sigil-init", |b, a| run_from(b, a, init::run)),
    ("sigil-add", |b, a| run_from(b, a, add::run)),
    ("sigil-generate", |b, a| run_from(b, a, generate::run)),
    ("sigil-edit", |b, a| run_from(b, a, edit::run)),
    #[cfg(feature = "oauth")]
    ("sigil-login", |b, a| run_from(b, a, login::run)),
    ("sigil-get", |b, a| run_from(b, a, get::run)),
    ("sigil-list", |b, a| run_from(b, a, list::run)),
    ("sigil-find", |b, a| run_from(b, a, find::run)),
    ("sigil-rm", |b, a| run_from(b, a, rm::run)),
    ("sigil-mv", |b, a| run_from(b, a, mv::run_mv)),
    ("sigil-cp", |b, a| run_from(b, a, mv::run_cp)),
    ("sigil-status", |b, a| run_from(b, a, status::run)),
    ("sigil-resolve", |b, a| run_from(b, a, resolve::run)),
    ("sigil-run", |b, a| run_code_from(b, a, run::run)),
    ("sigil-env", |b, a| run_from(b, a, env::run)),
    ("sigil-migrate", |b, a| run_from(b, a, migrate::run)),
    ("sigil-backup", |b, a| run_from(b, a, backup::run)),
    ("sigil-audit", |b, a| run_from(b, a, audit::run)),
    ("sigil-check", |b, a| run_from(b, a, check::run)),
    ("sigil-policy", |b, a| run_from(b, a, policy::run)),
    ("sigil-otp", |b, a| run_from(b, a, otp::run)),
    ("sigil-identity", |b, a| run_from(b, a, identity::run)),
    ("sigil-unlock", |b, a| run_from(b, a, unlock::run)),
    ("sigil-lock", |b, a| run_from(b, a, lock::run)),
    ("sigil-rekey", |b, a| run_from(b, a, rekey::run)),
    ("sigil-recipients", |b, a| run_from(b, a, recipients::run)),
    ("sigil-export", |b, a| run_from(b, a, export::run)),
    ("sigil-import", |b, a| run_from(b, a, import::run)),
    ("sigil-netrc", |b, a| run_from(b, a, netrc::run)),
    ("git-credential-sigil", |b, a| {
        run_from(b, a, git_credential::run)
    }),
    ("docker-credential-sigil", |b, a| {
        run_code_from(b, a, docker_credential::run)
    }),
    ("sigil-aws", |b, a| run_from(b, a, aws::run)),
    ("kube-credential-sigil", |b, a| {
        run_from(b, a, kube_credential::run)
    }),
    ("cargo-credential-sigil", |b, a| {
        run_code_from(b, a, cargo_credential::run)
    }),
    ("sigil-keyring", |b, a| {
        run_code_from(b, a, pip_keyring::run)
    }),
    ("sigil-askpass", |b, a| run_code_from(b, a, askpass::run)),
    ("sigil-clip", |b, a| run_from(b, a, clip::run)),
    ("sigil-sync", |b, a| run_from(b, a, sync::run)),
];

/// The built-in whose binary is called `bin`, with its name.
pub fn builtin(bin: &str) -> Option<(&'static str, Entry)> {
    BUILTINS.iter().copied().find(|(name, _)| *name == bin)
}

/// The program's name in what it prints: the dispatcher's until it hands over to a built-in.
static BIN: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// Prints what the library has to say on stderr as it says it: `<bin>: note`,
/// `<bin>: warning: …`, or an instruction as it is; outside text made safe for a terminal.
pub fn print_notices(bin: &str) {
    // An age plugin's request for a secret (a PIN) is asked as a passphrase is.
    crate::crypto::plugin::set_secret_prompt(crate::identity::ask_plugin_secret);
    bin.clone_into(
        &mut BIN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    crate::model::notice::set_sink(|n| {
        use crate::model::notice::Level;
        let bin = BIN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let text = crate::model::shown::block(&n.text);
        let mut err = io::stderr().lock();
        let _ = match n.level {
            Level::Note => writeln!(err, "{bin}: {text}"),
            Level::Warning => writeln!(err, "{bin}: warning: {text}"),
            Level::Prompt => writeln!(err, "{}", n.text),
        };
    });
}

/// Keeps this process's memory, which holds the identity and the secrets it reads, out of
/// core files and away from other processes of the same user. Every binary calls it first
/// (through [`main`] and the dispatcher):
///
/// - `RLIMIT_CORE` 0, soft and hard: a crash or a SIGABRT writes no core file, and since the
///   hard limit cannot be raised again without privileges, neither does a program that
///   `sigil run` starts (it would hold the resolved secrets in its environment).
/// - On Linux, `PR_SET_DUMPABLE` 0: no core either way (`core_pattern` pipes included), and
///   another process of the user can neither ptrace sigil nor read its `/proc/<pid>/mem` or
///   `environ`. A program sigil starts is dumpable again (exec resets it).
///
/// Failures are ignored: a system that refuses these calls is no worse off than before.
pub fn harden() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        let none = Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        let _ = setrlimit(Resource::Core, none);
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{DumpableBehavior, set_dumpable_behavior};
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    }
}

/// Every binary's command, named as the binary, for completions and man pages.
pub fn commands() -> Vec<clap::Command> {
    let mut out = vec![sigil::command()];
    out.extend(subcommands());
    out
}

/// The built-in subcommands (`sigil-init`, …), named as their binaries.
pub fn subcommands() -> Vec<clap::Command> {
    vec![
        init::Args::command(),
        add::Args::command(),
        generate::Args::command(),
        edit::Args::command(),
        #[cfg(feature = "oauth")]
        login::Args::command(),
        get::Args::command(),
        list::Args::command(),
        find::Args::command(),
        rm::Args::command(),
        mv::MvArgs::command(),
        mv::CpArgs::command(),
        status::Args::command(),
        resolve::Args::command(),
        run::Args::command(),
        env::Args::command(),
        migrate::Args::command(),
        backup::Args::command(),
        audit::Args::command(),
        check::Args::command(),
        policy::Args::command(),
        otp::Args::command(),
        identity::Args::command(),
        unlock::Args::command(),
        lock::Args::command(),
        rekey::Args::command(),
        recipients::Args::command(),
        export::Args::command(),
        import::Args::command(),
        netrc::Args::command(),
        git_credential::Args::command(),
        docker_credential::Args::command(),
        aws::Args::command(),
        kube_credential::Args::command(),
        cargo_credential::Args::command(),
        pip_keyring::Args::command(),
        askpass::Args::command(),
        clip::Args::command(),
        sync::Args::command(),
    ]
}

/// `--backend`, shared by every command that touches secrets.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BackendArg {
    /// Use this backend: auto, file, keyring, env or vault (default: SIGIL_BACKEND, then backend in
    /// config.toml, then auto)
    #[arg(long, value_name = "NAME")]
    pub backend: Option<String>,
}

impl BackendArg {
    /// Opens the user's sigil with this choice.
    pub fn open(&self) -> Result<crate::Sigil> {
        crate::Sigil::builder()
            .backend(self.backend.as_deref())
            .open()
    }

    /// Opens it leaving an interrupted `recipients add` or `rm` as it is: `status` and `check`
    /// report it, `recipients` finishes it and reports it as its own result.
    pub fn open_leaving_recipients(&self) -> Result<crate::Sigil> {
        crate::Sigil::builder()
            .backend(self.backend.as_deref())
            .leave_recipients()
            .open()
    }
}

/// How a backend is named in messages.
pub(crate) fn backend_phrase(kind: crate::store::backend::BackendKind) -> &'static str {
    use crate::store::backend::BackendKind as B;
    match kind {
        B::File => "the file store",
        B::Keyring => "the keyring",
        B::Env => "the environment",
        B::Memory => "memory",
        B::Vault => "the vault server",
        B::Auto => "auto",
    }
}

/// Whether stdin is a terminal (so we may prompt).
pub(crate) fn stdin_is_tty() -> bool {
    io::stdin().is_terminal()
}

/// Whether stdout is a terminal (so we may print tables for people).
pub(crate) fn stdout_is_tty() -> bool {
    io::stdout().is_terminal()
}

/// The most a secret read from stdin may be; more is surely a mistake (a binary piped in).
const MAX_SECRET: u64 = crate::model::secret::MAX_SIZE;

/// Reads a secret: from a no-echo prompt on a terminal, else all of stdin with one trailing
/// newline removed (so `echo tok | sigil add` stores `tok`).
pub(crate) fn read_secret(prompt: &str) -> Result<crate::model::secret::Secret> {
    let bytes = if stdin_is_tty() {
        let s = rpassword::prompt_password(prompt)
            .map_err(|e| Error::io("cannot read the secret from the terminal", e))?;
        s.into_bytes()
    } else {
        let mut buf = Vec::new();
        io::stdin()
            .lock()
            .take(MAX_SECRET + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io("cannot read the secret from stdin", e))?;
        if buf.len() as u64 > MAX_SECRET {
            use zeroize::Zeroize;
            buf.zeroize();
            return Err(Error::Usage(
                "the secret on stdin is larger than 1 MiB; that is not a credential".into(),
            ));
        }
        if buf.ends_with(b"\n") {
            buf.pop();
            if buf.ends_with(b"\r") {
                buf.pop();
            }
        }
        buf
    };
    let secret = crate::model::secret::Secret::new(bytes);
    if secret.is_empty() {
        return Err(Error::Usage("no secret given: the input was empty".into()));
    }
    Ok(secret)
}

/// Asks a yes/no question on the terminal; `false` unless the answer starts with y.
pub(crate) fn confirm(question: &str) -> Result<bool> {
    let mut err = io::stderr().lock();
    write!(err, "{question} [y/N] ").map_err(Error::Output)?;
    err.flush().map_err(Error::Output)?;
    let mut line = String::new();
    io::stdin()
        .read_line(&mut line)
        .map_err(|e| Error::io("cannot read the answer", e))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
}

/// Writes to stdout, mapping failures (a closed pipe included) to [`Error::Output`].
pub(crate) fn out(bytes: &[u8]) -> Result<()> {
    let mut o = io::stdout().lock();
    o.write_all(bytes).map_err(Error::Output)?;
    o.flush().map_err(Error::Output)
}

/// Prints rows as aligned columns under a header (for people on a terminal). Cells often hold
/// what came from files or servers (notes, audit details, migration sources), so each is made
/// safe for the terminal and kept on its line.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| crate::model::shown::line(c).into_owned())
                .collect()
        })
        .collect();
    let rows = &rows;
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut s = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                l.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        s.push_str(l.trim_end());
        s.push('\n');
    };
    line(header.to_vec());
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
    s
}

/// Prints rows as tab-separated lines (for scripts), each cell made safe for a terminal and
/// kept on its line, so a tab or newline inside one cannot shift the columns or add a row.
pub(crate) fn tsv(rows: &[Vec<String>]) -> String {
    let mut s = String::with_capacity(rows.len() * 64);
    for r in rows {
        let cells: Vec<_> = r.iter().map(|c| crate::model::shown::line(c)).collect();
        s.push_str(&cells.join("\t"));
        s.push('\n');
    }
    s
}

/// Parses an address argument, turning a grammar error into exit 2 with the grammar shown.
pub(crate) fn address(text: &str) -> Result<crate::model::address::Address> {
    Ok(crate::model::address::Address::parse(text)?)
}

#[cfg(test)]
mod tests {
    /// The entry points and the clap commands (which completions, man pages and `sigil help`
    /// come from) name the same built-ins.
    #[test]
    fn every_command_has_an_entry_point() {
        let mut commands: Vec<String> = super::subcommands()
            .iter()
            .map(|c| c.get_name().to_owned())
            .collect();
        let mut entries: Vec<String> = super::BUILTINS.iter().map(|(n, _)| n.to_string()).collect();
        commands.sort();
        entries.sort();
        assert_eq!(commands, entries);
    }
}
