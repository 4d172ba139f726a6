//! `sigil`: the dispatcher. `sigil <cmd> args…` becomes `sigil-<cmd> args…`.

use crate::dispatch;
use crate::error::Error;
use std::ffi::OsString;
use std::io::Write;
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
            "{ABOUT}.\n\n`sigil <COMMAND> [ARGS]...` runs `sigil-<COMMAND>` from beside the \
sigil executable, or else from PATH, with the arguments unchanged; any `sigil-*` program on \
PATH is a plugin."
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
    match dispatch::find(name) {
        Some(path) => {
            // Only sigil's own `sigil-<cmd>` beside this executable is a built-in; the same
            // name found on PATH is somebody else's program.
            let built_in = path.parent() == dispatch::own_dir().as_deref()
                && dispatchable()
                    .iter()
                    .any(|c| c.get_name().strip_prefix(dispatch::PREFIX) == Some(name));
            let err = dispatch::exec(&path, rest, built_in);
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
    super::print_notices(BIN);
    let mut args = std::env::args_os().skip(1);
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
