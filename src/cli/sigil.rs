//! `sigil`: the dispatcher. `sigil <cmd> args…` runs the built-in `sigil-<cmd>` in this
//! process, or else the plugin `sigil-<cmd>` on PATH; and the entry point of every built-in.

use crate::cli::dispatch;
use crate::model::error::Error;
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

const BIN: &str = "sigil";
const ABOUT: &str = "Keep credentials out of plaintext and hand them to programs on demand";

/// The built-ins `sigil <cmd>` runs: those named `sigil-<cmd>` (`git-credential-sigil` is
/// git's to run, not ours).
fn dispatchable() -> Vec<clap::Command> {
    super::subcommands()
        .into_iter()
        .filter(|c| c.get_name().starts_with(dispatch::PREFIX))
        .collect()
}

/// The dispatcher's clap command, for completions and the man page: each built-in appears as
/// a subcommand with its own options.
pub fn command() -> clap::Command {
    let subs = dispatchable().into_iter().map(|c| {
        let name = c.get_name().trim_start_matches(dispatch::PREFIX).to_owned();
        c.name(name)
    });
    clap::Command::new(BIN)
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .long_about(format!(
            "{ABOUT}.\n\n`sigil <COMMAND> [ARGS]...` runs the built-in COMMAND, or else the \
plugin `sigil-<COMMAND>` from beside the sigil executable or from PATH, with the arguments \
unchanged; any `sigil-*` program on PATH is a plugin. Every built-in is also a binary of its \
own name (`sigil-get`)."
        ))
        .subcommands(subs)
        .allow_external_subcommands(true)
}

fn listing() -> String {
    let builtins: Vec<(String, String)> = dispatchable()
        .iter()
        .map(|c| {
            let name = c.get_name().trim_start_matches(dispatch::PREFIX).to_owned();
            let about = c.get_about().map(|a| a.to_string()).unwrap_or_default();
            (name, about)
        })
        .collect();
    let plugins: Vec<String> = dispatch::available()
        .into_iter()
        .filter(|p| !builtins.iter().any(|(b, _)| b == p))
        .collect();
    let width = builtins
        .iter()
        .map(|(n, _)| n.len())
        .chain(plugins.iter().map(String::len))
        .max()
        .unwrap_or(0);
    let mut s = format!("{ABOUT}\n\nUsage: sigil <COMMAND> [ARGS]...\n\nCommands:\n");
    for (name, about) in &builtins {
        s.push_str(&format!("  {name:<width$}  {about}\n"));
    }
    if !plugins.is_empty() {
        s.push_str("\nPlugins (sigil-* on PATH):\n");
        for p in &plugins {
            s.push_str(&format!("  {p}\n"));
        }
    }
    s.push_str(
        "\nOptions:\n  -h, --help     Print help\n  -V, --version  Print version\n\n\
Run `sigil help <COMMAND>` or `sigil <COMMAND> --help` for a command's options.\n",
    );
    s
}

fn suggest(name: &str) -> Option<String> {
    let mut names: Vec<String> = dispatchable()
        .iter()
        .map(|c| c.get_name().trim_start_matches(dispatch::PREFIX).to_owned())
        .collect();
    names.extend(dispatch::available());
    names
        .into_iter()
        .map(|n| (strsim::osa_distance(name, &n), n))
        // Like cargo: close enough is a third of the name's length, at least one edit.
        .filter(|(d, _)| *d <= (name.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn print(text: &str) -> ExitCode {
    let mut o = std::io::stdout().lock();
    match o.write_all(text.as_bytes()).and_then(|_| o.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => crate::exit::report(BIN, &Error::Output(e)),
    }
}

fn run_command(name: &str, rest: Vec<OsString>) -> ExitCode {
    // A built-in runs here, in this process, as git runs its builtins: one process start for
    // `sigil get`. A `sigil-<cmd>` program of the same name elsewhere never replaces it.
    if let Some((bin, run)) = super::builtin(&format!("{}{name}", dispatch::PREFIX)) {
        return run(bin, rest);
    }
    // The built-ins above name themselves in what the library tells; from here on, sigil.
    super::print_notices(BIN);
    match dispatch::find(name) {
        Some(path) => {
            let err = dispatch::exec(&path, rest);
            crate::exit::report(
                BIN,
                &Error::io(format!("cannot run '{}'", path.display()), err),
            )
        }
        None => {
            let help = match suggest(name) {
                Some(s) => format!("did you mean '{s}'? (`sigil help` lists every command)"),
                None => "`sigil help` lists every command".into(),
            };
            crate::exit::report(
                BIN,
                &Error::UsageHelp {
                    message: format!("'{}' is not a sigil command", name.escape_debug()),
                    help,
                },
            )
        }
    }
}

/// Runs the dispatcher on this process's arguments.
pub fn main() -> ExitCode {
    super::harden();
    let mut args = std::env::args_os();
    #[cfg(unix)]
    if std::env::args_os()
        .next()
        .is_some_and(|a| a == crate::ops::pty::SESSION_EXEC)
    {
        return session_exec(args.skip(1).collect());
    }
    // Started under a built-in's name (by a dashed entry point, or through a link of that
    // name), this executable is that built-in, with every argument its own.
    let named = args.next().and_then(|argv0| {
        let name = Path::new(&argv0).file_name()?.to_str()?.to_owned();
        super::builtin(&name)
    });
    // `SIGIL_COMPLETE=<shell>`: the shell asks for completions (or for its script), as the
    // binary it was started as; nothing else runs.
    if let Some(code) = super::complete::answer(named.map_or(BIN, |(bin, _)| bin)) {
        return code;
    }
    if let Some((bin, run)) = named {
        return run(bin, args.collect());
    }
    let Some(first) = args.next() else {
        return print(&listing());
    };
    let rest: Vec<OsString> = args.collect();
    let Some(first) = first.to_str().map(str::to_owned) else {
        return crate::exit::report(BIN, &Error::Usage("the command name is not UTF-8".into()));
    };
    match first.as_str() {
        "-h" | "--help" => print(&listing()),
        "-V" | "--version" => print(&format!("sigil {}\n", env!("CARGO_PKG_VERSION"))),
        "help" => match rest.first().and_then(|s| s.to_str()) {
            None => print(&listing()),
            Some(cmd) => run_command(cmd, vec!["--help".into()]),
        },
        opt if opt.starts_with('-') => crate::exit::report(
            BIN,
            &Error::UsageHelp {
                message: format!("unknown option '{}'", opt.escape_debug()),
                help: "options go after the command: sigil <COMMAND> [OPTIONS]".into(),
            },
        ),
        cmd => run_command(cmd, rest),
    }
}

/// A dashed entry point (`sigil-add`, `git-credential-sigil`, …): replaces this process with
/// the `sigil` executable beside it, started as `bin` (its argv\[0\]) with the arguments
/// unchanged. One executable holds every built-in, so an install is not 25 copies of the
/// library, while the names scripts and git look for stay. The executable is the one in this
/// file's own directory (symbolic links resolved), never one found on PATH. Only `std` is
/// used here, not [`crate::exit`]: an entry point links nothing else and stays small.
pub fn exec_as(bin: &'static str) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let problem = match std::env::current_exe() {
        Ok(exe) => {
            let sigil = exe.with_file_name(BIN);
            let err = std::process::Command::new(&sigil)
                .arg0(bin)
                .args(std::env::args_os().skip(1))
                .exec();
            format!("cannot run '{}': {err}", sigil.display())
        }
        Err(e) => format!("cannot find the sigil executable: {e}"),
    };
    let _ = writeln!(std::io::stderr(), "{bin}: error: {problem}");
    ExitCode::from(crate::model::error::ExitClass::Other.code())
}

/// The child's side of `sigil run` on a pseudo-terminal ([`crate::ops::pty::session_exec`]):
/// arguments PROGRAM ARGV0 ARGS…. A failure is told on the terminal, with a shell's status
/// (127 for a program that is not there, else 126), which `sigil run` then exits with.
#[cfg(unix)]
fn session_exec(mut args: Vec<OsString>) -> ExitCode {
    if args.len() < 2 {
        return ExitCode::from(crate::model::error::ExitClass::Other.code());
    }
    let rest = args.split_off(2);
    let argv0 = args.pop().expect("two arguments");
    let program = args.pop().expect("two arguments");
    let err = crate::ops::pty::session_exec(program, argv0.clone(), rest);
    let _ = write!(
        std::io::stderr(),
        "sigil run: error: cannot run '{}': {err}\r\n",
        argv0.to_string_lossy()
    );
    ExitCode::from(if err.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    })
}
