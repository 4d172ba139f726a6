//! sigil's project automation (`cargo xtask gen|test|bench`), in the cargo-xtask style: plain
//! Rust instead of shell scripts, so the same steps run on a laptop and in CI.
//!
//! - `cargo xtask gen [--check]` renders shell completions and man pages from the clap
//!   definitions in `sigil::internal::cli::commands()` into the committed `completions/` and `man/`.
//! - `cargo xtask test` is the one command a newcomer (and `.ci/run`) runs: it installs the
//!   external tools the tests need, then runs fmt, clippy and the whole test suite, the latter
//!   against a private Secret Service (gnome-keyring on a D-Bus bus of its own).
//! - `cargo xtask bench` measures whole-process timings against `age`, `pass` and
//!   `secret-tool` with hyperfine and writes `docs/performance.md`.
//! - `cargo xtask soak [--processes N] [--ops N] [--seconds LIMIT]` loads one store with N
//!   processes at once, checks that nothing was lost, invented or miscounted, and writes the
//!   figures into the soak section of `docs/performance.md` (`soak.rs`).
//! - `cargo xtask fuzz [--seconds N] [TARGET...]` runs sigil's fuzz targets (`fuzz/`) one after
//!   another with cargo-fuzz on nightly, N seconds each, and fails on a crash
//!   (`docs/fuzzing.md`).
//! - `cargo xtask keyring-shell [-- CMD...]` (hidden) runs CMD, or a shell, inside such a
//!   private Secret Service, e.g. `cargo xtask keyring-shell -- secret-tool search --all service
//!   sigil`.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufRead as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitCode, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

mod advisories;
mod bulk;
mod fuzz;
mod soak;
mod tidy;

use clap::{Arg, ArgAction};
use clap_complete::{Generator, Shell};

type Result<T, E = String> = std::result::Result<T, E>;

fn main() -> ExitCode {
    let matches = cli().get_matches();
    let done = |result: Result<()>| result.map(|()| ExitCode::SUCCESS);
    // Every subcommand returns rather than calling `std::process::exit` (gen --check aside), so
    // that what it started, such as a private Secret Service, is dropped and stopped first.
    let result = match matches.subcommand() {
        Some(("gen", m)) => done(if m.get_flag("check") {
            gen_check()
        } else {
            gen_write()
        }),
        Some(("test", _)) => done(test()),
        Some(("advisories", _)) => done(advisories(&workspace_root())),
        Some(("bench", _)) => done(bench()),
        Some(("soak", m)) => done(soak::run(&soak::Options {
            // Both are bounded by clap (at most 99 and 9,999), so they fit a usize.
            processes: *m.get_one::<u64>("processes").expect("has a default") as usize,
            ops: *m.get_one::<u64>("ops").expect("has a default") as usize,
            seconds: *m.get_one::<u64>("seconds").expect("has a default"),
            debug: m.get_flag("debug"),
        })),
        Some(("fuzz", m)) => done(fuzz(
            *m.get_one::<u64>("seconds").expect("has a default"),
            m.get_many::<String>("targets")
                .map(|t| t.cloned().collect())
                .unwrap_or_default(),
        )),
        Some(("keyring-shell", m)) => keyring_shell(
            m.get_many::<OsString>("command")
                .map(|args| args.cloned().collect())
                .unwrap_or_default(),
        ),
        // `subcommand_required` makes clap reject anything else before we get here.
        _ => unreachable!("clap requires a known subcommand"),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

// The builder API rather than derive: xtask's own clap dependency does not enable `derive`, and
// relying on the library's features being unified into ours would break silently.
fn cli() -> clap::Command {
    clap::Command::new("xtask")
        .bin_name("cargo xtask")
        .about("sigil's project automation")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(
            clap::Command::new("gen")
                .about("regenerate completions/ and man/ from the clap definitions")
                .arg(
                    Arg::new("check")
                        .long("check")
                        .action(ArgAction::SetTrue)
                        .help("change nothing; exit 1 when a generated file is out of date"),
                ),
        )
        .subcommand(
            clap::Command::new("test")
                .about("install missing tools, then run fmt, clippy and the whole test suite"),
        )
        .subcommand(
            clap::Command::new("advisories").about(
                "check Cargo.lock against the RustSec advisory snapshot in xtask/advisory-db",
            ),
        )
        .subcommand(clap::Command::new("bench").about(
            "time sigil against age, pass and secret-tool with hyperfine; write \
                 docs/performance.md",
        ))
        .subcommand(
            clap::Command::new("soak")
                .about(
                    "soak/load run: N processes of mixed operations on one store, then \
                     invariants checked; write the soak section of docs/performance.md",
                )
                .arg(
                    Arg::new("processes")
                        .long("processes")
                        .value_name("N")
                        .default_value("16")
                        .value_parser(clap::value_parser!(u64).range(1..=99))
                        .help("how many sigil processes run at once"),
                )
                .arg(
                    Arg::new("ops")
                        .long("ops")
                        .value_name("N")
                        .default_value("500")
                        .value_parser(clap::value_parser!(u64).range(1..=9999))
                        .help("how many operations each of them runs"),
                )
                .arg(
                    Arg::new("seconds")
                        .long("seconds")
                        .value_name("LIMIT")
                        .default_value("600")
                        .value_parser(clap::value_parser!(u64).range(1..=86_400))
                        .help("start no operation after LIMIT seconds; check and report"),
                )
                .arg(
                    Arg::new("debug")
                        .long("debug")
                        .action(ArgAction::SetTrue)
                        .help(
                            "use the debug build, for trying the soak itself (figures are \
                             printed, not written)",
                        ),
                ),
        )
        .subcommand(
            clap::Command::new("fuzz")
                .about(
                    "run the fuzz targets in fuzz/ one after another with cargo-fuzz on \
                     nightly; fail on a crash",
                )
                .arg(
                    Arg::new("seconds")
                        .long("seconds")
                        .value_name("N")
                        .default_value("60")
                        .value_parser(clap::value_parser!(u64).range(1..))
                        .help("how long each target runs"),
                )
                .arg(
                    Arg::new("targets")
                        .value_name("TARGET")
                        .num_args(0..)
                        .help("the targets to run (default: every one in fuzz/fuzz_targets/)"),
                ),
        )
        .subcommand(
            clap::Command::new("keyring-shell")
                .about(
                    "run CMD (default: $SHELL) against a private gnome-keyring, with the \
                     environment `cargo xtask test` gives the test suite",
                )
                .hide(true)
                .arg(
                    Arg::new("command")
                        .value_name("CMD")
                        .num_args(1..)
                        .trailing_var_arg(true)
                        .allow_hyphen_values(true)
                        .value_parser(clap::value_parser!(OsString)),
                ),
        )
}

/// The workspace root, found from this crate's manifest rather than the cwd so that every
/// subcommand (and the freshness test, which cargo runs from `xtask/`) agrees on it.
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .expect("xtask/ has a parent directory")
        .to_path_buf()
}

fn header(text: &str) {
    eprintln!("==> {text}");
}

// ---------------------------------------------------------------------------------------------
// gen: completions and man pages
// ---------------------------------------------------------------------------------------------

/// Shells we ship completions for; the directory under `completions/` is the shell's clap name.
/// Listed explicitly (not `Shell::value_variants()`) so a clap_complete upgrade that adds a shell
/// is a deliberate change here, not a surprise diff in `completions/`.
const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

/// Directories that hold nothing but generated output. Every file in them that the generator
/// does not produce is stale (typically a command that was removed) and gets deleted; hidden
/// files such as `.gitkeep` or `.gitattributes` are left alone.
const GENERATED_DIRS: [&str; 2] = ["completions", "man"];

/// Renders every generated file in memory, keyed by its path relative to the workspace root.
/// A `BTreeMap` so iteration (and therefore every report) is in a stable order.
fn render_generated() -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut files = BTreeMap::new();
    // The command list comes from the library, never from a list here: adding a binary there
    // is enough for its completions and man page to appear.
    for command in sigil::internal::cli::commands() {
        let name = command.get_name().to_owned();
        for shell in SHELLS {
            let mut command = command.clone();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut command, name.as_str(), &mut buf);
            let path = Path::new("completions")
                .join(shell.to_string())
                .join(shell.file_name(&name));
            insert_unique(&mut files, path, buf)?;
        }
        // clap_mangen leaves the date empty by default; keep it that way, since a date would
        // make every regeneration differ.
        let mut buf = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut buf)
            .map_err(|e| format!("cannot render the man page of {name}: {e}"))?;
        insert_unique(&mut files, Path::new("man").join(format!("{name}.1")), buf)?;
    }
    Ok(files)
}

fn insert_unique(
    files: &mut BTreeMap<PathBuf, Vec<u8>>,
    path: PathBuf,
    contents: Vec<u8>,
) -> Result<()> {
    if files.contains_key(&path) {
        return Err(format!(
            "two commands from sigil::internal::cli::commands() both generate {}",
            path.display()
        ));
    }
    files.insert(path, contents);
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Drift {
    /// On disk, but with other contents.
    Stale,
    /// Generated, but not on disk.
    Missing,
    /// On disk in a generated directory, but no longer generated.
    Extra,
}

impl Drift {
    fn label(self) -> &'static str {
        match self {
            Drift::Stale => "stale",
            Drift::Missing => "missing",
            Drift::Extra => "extra",
        }
    }
}

/// Compares the rendered files with the disk, in the style of rust-analyzer's
/// `ensure_file_contents`: generation and checking share one renderer, so "fresh" means exactly
/// "what `cargo xtask gen` would write".
fn drift(root: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) -> Result<Vec<(PathBuf, Drift)>> {
    let mut found = Vec::new();
    for (path, contents) in files {
        match fs::read(root.join(path)) {
            Ok(on_disk) if on_disk == *contents => {}
            Ok(_) => found.push((path.clone(), Drift::Stale)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                found.push((path.clone(), Drift::Missing));
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        }
    }
    for dir in GENERATED_DIRS {
        for path in files_under(root, Path::new(dir))? {
            if !files.contains_key(&path) {
                found.push((path, Drift::Extra));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Non-hidden files under `root/dir`, recursively, as paths relative to `root`.
fn files_under(root: &Path, dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(root.join(dir)) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display())),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = dir.join(entry.file_name());
        let file_type = entry
            .file_type()
            .map_err(|e| format!("cannot inspect {}: {e}", path.display()))?;
        if file_type.is_dir() {
            files.extend(files_under(root, &path)?);
        } else {
            files.push(path);
        }
    }
    Ok(files)
}

/// The text `gen --check` prints and the freshness test fails with, or `None` when everything
/// generated is up to date.
fn freshness_report(root: &Path) -> Result<Option<String>> {
    let files = render_generated()?;
    let found = drift(root, &files)?;
    if found.is_empty() {
        return Ok(None);
    }
    let mut report = String::from("generated files are out of date:\n");
    for (path, kind) in &found {
        let _ = writeln!(report, "  {:<8}{}", kind.label(), path.display());
    }
    report.push_str("run `cargo xtask gen`");
    Ok(Some(report))
}

fn gen_check() -> Result<()> {
    match freshness_report(&workspace_root())? {
        None => {
            eprintln!("generated files are up to date");
            Ok(())
        }
        Some(report) => {
            eprintln!("{report}");
            // The report already says what to do; exit 1 without a second "error:" line.
            std::process::exit(1);
        }
    }
}

fn gen_write() -> Result<()> {
    let root = workspace_root();
    let files = render_generated()?;
    let found = drift(&root, &files)?;
    // Only files that differ are written, so an unchanged file keeps its mtime and a rerun is a
    // no-op.
    for (path, kind) in &found {
        let full = root.join(path);
        match kind {
            Drift::Stale | Drift::Missing => {
                if let Some(parent) = full.parent() {
                    fs::create_dir_all(parent)
                        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
                }
                fs::write(&full, &files[path])
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            Drift::Extra => {
                fs::remove_file(&full)
                    .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
            }
        }
        let done = match kind {
            Drift::Stale => "updated",
            Drift::Missing => "created",
            Drift::Extra => "removed",
        };
        eprintln!("{done} {}", path.display());
    }
    for dir in GENERATED_DIRS {
        remove_empty_subdirs(&root.join(dir))?;
    }
    eprintln!("{} generated files, {} changed", files.len(), found.len());
    Ok(())
}

/// Removes now-empty directories below `dir` (e.g. a shell we stopped generating for), leaving
/// `dir` itself in place.
fn remove_empty_subdirs(dir: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            remove_empty_subdirs(&path)?;
            if fs::read_dir(&path).is_ok_and(|mut d| d.next().is_none()) {
                fs::remove_dir(&path)
                    .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// external tools
// ---------------------------------------------------------------------------------------------

/// Commands the test suite runs, and the Debian package that provides each; `cargo xtask test`
/// also installs [`KEYRING_TOOLS`]. Later work adds rows here (e.g. `oathtool` → `oathtool`,
/// `node`/`npm` → `nodejs`/`npm`).
const TEST_TOOLS: &[(&str, &str)] = &[
    // command      Debian package
    ("age", "age"),
    ("age-keygen", "age"),
    ("git", "git"),
    ("dbus-run-session", "dbus"),
    ("script", "bsdutils"),
    // The suite runs in a session keyring of its own, and the unlock tests inspect keyrings.
    ("keyctl", "keyutils"),
    // The TOTP tests check sigil's codes against a second implementation.
    ("oathtool", "oathtool"),
    // The OAuth tests run an oidc-provider authorization server (tests/oidc).
    ("node", "nodejs"),
    ("npm", "npm"),
    // The dotenv tests hold sigil's reading of env files against python-dotenv's.
    ("python-dotenv", "python3-dotenv"),
];

/// Commands `cargo xtask bench` runs besides sigil's own binaries; it also installs
/// [`KEYRING_TOOLS`].
const BENCH_TOOLS: &[(&str, &str)] = &[
    // command      Debian package
    ("hyperfine", "hyperfine"),
    // GNU time: the peak memory of the large-store rows.
    ("/usr/bin/time", "time"),
    ("age", "age"),
    ("pass", "pass"),
    ("gpg", "gnupg"),
    ("gpgconf", "gnupg"),
];

/// What [`KeyringSession`] runs: a private Secret Service for `test`, `bench` and
/// `keyring-shell`.
const KEYRING_TOOLS: &[(&str, &str)] = &[
    // command      Debian package
    ("dbus-daemon", "dbus"),
    ("gnome-keyring-daemon", "gnome-keyring"),
    ("secret-tool", "libsecret-tools"),
    // The locked-keyring test locks the collection through the Secret Service API with it.
    ("dbus-send", "dbus-bin"),
];

fn on_path(command: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| is_executable(&dir.join(command)))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

fn is_root() -> bool {
    // std has no getuid(); `id` is in coreutils, which every Debian system has.
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.status.success() && out.stdout.trim_ascii() == b"0")
}

/// Installs the Debian packages of whichever `tools` are not on PATH. A fresh Debian machine
/// with only the Rust toolchain should need nothing but `cargo xtask test`.
fn ensure_tools(tools: &[(&str, &str)]) -> Result<()> {
    let commands: Vec<&str> = tools.iter().map(|(command, _)| *command).collect();
    header(&format!("checking tools: {}", commands.join(", ")));
    let missing: Vec<&(&str, &str)> = tools
        .iter()
        .filter(|(command, _)| !on_path(command))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut packages: Vec<&str> = Vec::new();
    for (_, package) in &missing {
        if !packages.contains(package) {
            packages.push(package);
        }
    }
    let missing_commands: Vec<&str> = missing.iter().map(|(command, _)| *command).collect();
    let wanted = format!(
        "missing {} (Debian packages: {})",
        missing_commands.join(", "),
        packages.join(" ")
    );
    if !on_path("apt-get") {
        return Err(format!("{wanted}; no apt-get here, install them by hand"));
    }
    // apt-get needs root: use sudo when we are not root and it exists, otherwise say what to
    // install rather than fail inside apt-get with a less helpful message.
    let sudo = if is_root() {
        false
    } else if on_path("sudo") {
        true
    } else {
        return Err(format!(
            "{wanted}; not root and no sudo, run `apt-get install {}` as root",
            packages.join(" ")
        ));
    };
    let apt = |args: &[&str]| {
        let mut command;
        if sudo {
            // sudo resets the environment, so the variable goes through as an argument.
            command = Command::new("sudo");
            command.arg("DEBIAN_FRONTEND=noninteractive").arg("apt-get");
        } else {
            command = Command::new("apt-get");
            command.env("DEBIAN_FRONTEND", "noninteractive");
        }
        command.args(args);
        command
    };
    header(&format!("installing {wanted}"));
    run(&mut apt(&["update"]))?;
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend(&packages);
    run(&mut apt(&install))?;
    let still_missing: Vec<&str> = missing_commands
        .iter()
        .copied()
        .filter(|command| !on_path(command))
        .collect();
    if !still_missing.is_empty() {
        return Err(format!(
            "still missing after installing {}: {}",
            packages.join(" "),
            still_missing.join(", ")
        ));
    }
    Ok(())
}

fn shown(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs `command` with inherited stdio, so its output reaches the terminal or the CI log as is.
fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run `{}`: {e}", shown(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", shown(command)))
    }
}

/// Runs `command` with `stdin` as its input and returns its stdout; its stderr is shown only
/// when it fails.
fn capture(command: &mut Command, stdin: Option<&[u8]>) -> Result<String> {
    let what = shown(command);
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run `{what}`: {e}"))?;
    if let Some(input) = stdin {
        // Dropping the handle closes the pipe, which is the end of input for the child. A
        // child that exits without reading breaks the pipe; its exit status says why.
        let mut pipe = child.stdin.take().expect("stdin is piped");
        match pipe.write_all(input) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                return Err(format!("cannot write to `{what}`: {e}"));
            }
            _ => {}
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("cannot run `{what}`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{what}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

// ---------------------------------------------------------------------------------------------
// a private Secret Service
// ---------------------------------------------------------------------------------------------

/// Password of the throwaway login keyring that [`KeyringSession`] creates.
const KEYRING_PASSWORD: &[u8] = b"test";

/// How long each start-up step (the bus printing its address, the Secret Service answering) may
/// take before [`KeyringSession::start`] gives up. Usually ~0.1 s; generous for a busy machine.
const KEYRING_START_TIMEOUT: Duration = Duration::from_secs(10);

/// The attributes of the item [`KeyringSession::start`] stores to see that the service answers.
const PROBE_ATTRIBUTES: [&str; 4] = ["service", "sigil-xtask-probe", "username", "probe"];

/// Numbers the sessions of one xtask process, so each gets a directory of its own.
static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// A gnome-keyring on a D-Bus bus of its own. Both daemons are children of this process, run
/// with `HOME` and the XDG directories in a fresh temporary directory and nothing else from
/// our environment, so the developer's keyring and desktop bus are never touched. The bus has
/// no service activation: nothing but our gnome-keyring can answer on it, and a client can't
/// start a second one (or a prompter) by asking. Dropping the session stops both daemons and
/// removes the directory, however the caller ends.
struct KeyringSession {
    dir: PathBuf,
    bus: Option<Child>,
    keyring: Option<Child>,
    /// `DBUS_SESSION_BUS_ADDRESS` of the private bus.
    address: String,
    /// `GNOME_KEYRING_CONTROL` of the daemon.
    control: PathBuf,
}

impl KeyringSession {
    fn start() -> Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "sigil-keyring-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        create_private_dir(&dir)?;
        // From here on, dropping `session` (on any `?` below too) cleans up what was started.
        let mut session = KeyringSession {
            dir,
            bus: None,
            keyring: None,
            address: String::new(),
            control: PathBuf::new(),
        };
        for sub in ["home", "data", "config", "runtime"] {
            create_private_dir(&session.dir.join(sub))?;
        }
        session.start_bus()?;
        session.start_keyring()?;
        session.wait_until_ready()?;
        session.control = session.control_dir();
        Ok(session)
    }

    fn start_bus(&mut self) -> Result<()> {
        let config = self.dir.join("bus.conf");
        fs::write(&config, bus_config(&self.dir))
            .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
        let mut flag = OsString::from("--config-file=");
        flag.push(&config);
        let mut bus = self.daemon_command("dbus-daemon", "dbus-daemon.log")?;
        bus.arg(flag)
            .args(["--nofork", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        let mut child = bus
            .spawn()
            .map_err(|e| format!("cannot run `{}`: {e}", shown(&bus)))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        self.bus = Some(child);
        // dbus-daemon prints its address once it listens, so the bus is ready when it does.
        self.address = read_first_line(stdout, KEYRING_START_TIMEOUT).ok_or_else(|| {
            format!(
                "dbus-daemon printed no address within {} s{}",
                KEYRING_START_TIMEOUT.as_secs(),
                self.log("dbus-daemon.log")
            )
        })?;
        Ok(())
    }

    fn start_keyring(&mut self) -> Result<()> {
        // --foreground rather than --daemonize: the daemon stays our child, so we know its pid
        // and can stop it. --unlock reads the password from stdin; with no login keyring yet
        // it creates one with that password, unlocked, without any prompt.
        let mut keyring = self.daemon_command("gnome-keyring-daemon", "gnome-keyring.log")?;
        keyring
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdin(Stdio::piped())
            .stdout(self.log_file("gnome-keyring.out")?);
        let mut child = keyring
            .spawn()
            .map_err(|e| format!("cannot run `{}`: {e}", shown(&keyring)))?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        self.keyring = Some(child);
        // Dropping `stdin` closes it: the end of the password.
        stdin
            .write_all(KEYRING_PASSWORD)
            .map_err(|e| format!("cannot give gnome-keyring-daemon its password: {e}"))
    }

    /// Polls until an item can be stored and read back, then removes it.
    fn wait_until_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + KEYRING_START_TIMEOUT;
        loop {
            let outcome = self.probe(deadline);
            if outcome.is_ok() {
                return self.clear_probe(deadline);
            }
            let exited = self
                .keyring
                .as_mut()
                .and_then(|child| child.try_wait().ok().flatten());
            if let Some(status) = exited {
                return Err(format!(
                    "gnome-keyring-daemon exited ({status}) before the Secret Service \
                     answered{}",
                    self.log("gnome-keyring.log")
                ));
            }
            if Instant::now() >= deadline {
                let why = outcome.err().unwrap_or_default();
                return Err(format!(
                    "the Secret Service did not answer within {} s (last try: {why}){}",
                    KEYRING_START_TIMEOUT.as_secs(),
                    self.log("gnome-keyring.log")
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn probe(&self, deadline: Instant) -> Result<()> {
        let mut store = self.client("secret-tool");
        store
            .args(["store", "--label", "sigil xtask probe"])
            .args(PROBE_ATTRIBUTES);
        capture_until(&mut store, Some(b"x"), deadline)?;
        let mut lookup = self.client("secret-tool");
        lookup.arg("lookup").args(PROBE_ATTRIBUTES);
        let found = capture_until(&mut lookup, None, deadline)?;
        if found.trim_end() == "x" {
            Ok(())
        } else {
            Err(format!("`{}` printed {found:?}", shown(&lookup)))
        }
    }

    fn clear_probe(&self, deadline: Instant) -> Result<()> {
        let mut clear = self.client("secret-tool");
        clear.arg("clear").args(PROBE_ATTRIBUTES);
        capture_until(
            &mut clear,
            None,
            deadline.max(Instant::now() + KEYRING_START_TIMEOUT),
        )
        .map(drop)
    }

    /// `GNOME_KEYRING_CONTROL` as the daemon prints it; gnome-keyring 42 prints nothing for
    /// the secrets component alone, and then it is `$XDG_RUNTIME_DIR/keyring`.
    fn control_dir(&self) -> PathBuf {
        let printed = fs::read_to_string(self.dir.join("gnome-keyring.out")).unwrap_or_default();
        keyring_env(&printed, "GNOME_KEYRING_CONTROL")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.dir.join("runtime/keyring"))
    }

    /// A daemon's command: only PATH from our environment (no DISPLAY, no desktop bus, no
    /// keyring variables), private HOME and XDG directories, stderr into `log` in the session
    /// directory.
    fn daemon_command(&self, program: &str, log: &str) -> Result<Command> {
        let mut command = Command::new(program);
        command.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        command
            .env("HOME", self.dir.join("home"))
            .env("XDG_DATA_HOME", self.dir.join("data"))
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("XDG_CACHE_HOME", self.dir.join("home/.cache"))
            .env("XDG_RUNTIME_DIR", self.dir.join("runtime"))
            .current_dir(&self.dir)
            .stderr(self.log_file(log)?);
        Ok(command)
    }

    fn log_file(&self, name: &str) -> Result<fs::File> {
        let path = self.dir.join(name);
        fs::File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))
    }

    /// A log's contents for an error message: empty, or a newline and the text.
    fn log(&self, name: &str) -> String {
        match fs::read_to_string(self.dir.join(name)) {
            Ok(text) if !text.trim().is_empty() => format!("\n{name}:\n{}", text.trim_end()),
            _ => String::new(),
        }
    }

    /// Points `command` (a client: everything else from our environment stays) at this
    /// Secret Service.
    fn apply<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("GNOME_KEYRING_CONTROL", &self.control)
    }

    fn client(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        self.apply(&mut command);
        command
    }

    /// How the keyring daemon ended, if it is no longer running.
    fn daemon_exit(&mut self) -> Option<ExitStatus> {
        self.keyring.as_mut()?.try_wait().ok().flatten()
    }

    fn env(&self) -> [(&'static str, &OsStr); 2] {
        [
            ("DBUS_SESSION_BUS_ADDRESS", self.address.as_ref()),
            ("GNOME_KEYRING_CONTROL", self.control.as_os_str()),
        ]
    }
}

impl Drop for KeyringSession {
    fn drop(&mut self) {
        // The keyring first, so it is not left running on a bus that went away. SIGKILL (all
        // std offers) is fine: everything it would save is about to be deleted.
        for child in [self.keyring.take(), self.bus.take()].into_iter().flatten() {
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A session bus configuration like the system's `session.conf`, but listening in `dir` and
/// with no service directories, so that nothing is activated on demand.
fn bus_config(dir: &Path) -> String {
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        xml_escape(&dir.to_string_lossy())
    )
}

fn xml_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The value of `NAME=value` in what gnome-keyring-daemon prints (`eval`-able lines).
fn keyring_env(printed: &str, name: &str) -> Option<String> {
    printed.lines().find_map(|line| {
        let value = line.trim().strip_prefix(name)?.strip_prefix('=')?;
        Some(value.trim_matches(['"', '\'']).to_owned()).filter(|v| !v.is_empty())
    })
}

/// The first line `stdout` prints, trimmed, if one comes within `timeout`. A thread reads it
/// (and then the rest, so the writer never hits a closed pipe) so that the wait is bounded.
fn read_first_line(stdout: ChildStdout, timeout: Duration) -> Option<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = io::BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = sender.send(line);
        let _ = io::copy(&mut reader, &mut io::sink());
    });
    let line = receiver.recv_timeout(timeout).ok()?;
    Some(line.trim().to_owned()).filter(|line| !line.is_empty())
}

/// [`capture`], but `command` is killed (and this fails) if it has not finished by `deadline`.
/// For commands with little output: it is read once they exit.
fn capture_until(command: &mut Command, stdin: Option<&[u8]>, deadline: Instant) -> Result<String> {
    let what = shown(command);
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run `{what}`: {e}"))?;
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // A child that exits without reading breaks the pipe; its exit status says why.
        let _ = pipe.write_all(input);
    }
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("`{what}` did not finish in time"));
            }
            Err(e) => return Err(format!("cannot wait for `{what}`: {e}")),
        }
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        let _ = pipe.read_to_string(&mut stdout);
    }
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    if status.success() {
        Ok(stdout)
    } else {
        Err(format!("`{what}` failed ({status}): {}", stderr.trim()))
    }
}

/// Starts a private Secret Service for `purpose` (for the error message) and announces it.
fn start_keyring_session(purpose: &str) -> Result<KeyringSession> {
    let session = KeyringSession::start()
        .map_err(|e| format!("cannot start a private Secret Service for {purpose}: {e}"))?;
    header(&format!(
        "private Secret Service: gnome-keyring on {}",
        session.address
    ));
    Ok(session)
}

/// `cargo xtask keyring-shell [-- CMD...]`: runs CMD (or `$SHELL`) with the environment the
/// test suite gets in `cargo xtask test`, and exits with its status.
fn keyring_shell(mut argv: Vec<OsString>) -> Result<ExitCode> {
    ensure_tools(KEYRING_TOOLS)?;
    if argv.is_empty() {
        argv.push(std::env::var_os("SHELL").unwrap_or_else(|| "sh".into()));
    }
    let session = start_keyring_session("keyring-shell")?;
    let mut command = Command::new(&argv[0]);
    command.args(&argv[1..]);
    session.apply(&mut command);
    command.env("SIGIL_TEST_REQUIRE_KEYRING", "1");
    let status = command
        .status()
        .map_err(|e| format!("cannot run `{}`: {e}", shown(&command)))?;
    drop(session);
    Ok(exit_code(status))
}

/// The exit code a shell would report for `status`.
fn exit_code(status: ExitStatus) -> ExitCode {
    if let Some(code) = status.code() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return ExitCode::from(u8::try_from(128 + signal).unwrap_or(1));
    }
    ExitCode::FAILURE
}

// ---------------------------------------------------------------------------------------------
// test
// ---------------------------------------------------------------------------------------------

/// The cargo that runs us (cargo sets `CARGO` for `cargo run`), so a pinned or rustup-selected
/// toolchain is used throughout.
fn cargo(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.args(args).current_dir(root);
    command
}

fn cargo_step(root: &Path, args: &[&str]) -> Result<()> {
    cargo_step_with(root, args, |_| {})
}

/// [`cargo_step`], with `configure` applied to the command (e.g. environment) first.
fn cargo_step_with(root: &Path, args: &[&str], configure: impl FnOnce(&mut Command)) -> Result<()> {
    cargo_step_as(root, args, false, configure)
}

/// [`cargo_step_with`], optionally under a session keyring of its own (`keyctl session -`):
/// `sigil unlock` keeps the identity only in a session keyring that belongs to the login, which
/// a container or CI job may lack (it then has only the user-session keyring). The tests of
/// that case make it for themselves.
fn cargo_step_as(
    root: &Path,
    args: &[&str],
    own_session: bool,
    configure: impl FnOnce(&mut Command),
) -> Result<()> {
    let shown = format!("cargo {}", args.join(" "));
    header(&shown);
    let mut command = if own_session {
        let mut c = Command::new("keyctl");
        c.args(["session", "-"])
            .arg(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(args)
            .current_dir(root);
        c
    } else {
        cargo(root, args)
    };
    configure(&mut command);
    // Reported as `cargo …` rather than by the toolchain path `CARGO` points to.
    let status = command
        .status()
        .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// How long `cargo xtask test` runs each fuzz target.
const FUZZ_SMOKE_SECONDS: u64 = 5;

fn test() -> Result<()> {
    let root = workspace_root();
    ensure_tools(&[TEST_TOOLS, KEYRING_TOOLS].concat())?;
    cargo_step(&root, &["fmt", "--all", "--", "--check"])?;
    cargo_step(
        &root,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // Every public item documented, and the docs build without a warning.
    cargo_step_with(
        &root,
        &["doc", "--no-deps", "--package", "sigil"],
        |command| {
            command.env("RUSTDOCFLAGS", "-D warnings");
        },
    )?;
    lean_library(&root)?;
    advisories(&root)?;
    // The keyring backend's tests run against a real Secret Service, never the developer's:
    // this one lives until the end of this function, however it ends. With
    // SIGIL_TEST_REQUIRE_KEYRING they fail, rather than skip, when no keyring answers.
    let mut keyring = start_keyring_session("the keyring tests")?;
    ensure_oidc_server(&root)?;
    // Includes xtask's `generated_files_are_fresh`, so stale completions or man pages fail here.
    let run_tests = |keyring: &KeyringSession| {
        cargo_step_as(&root, &["test", "--workspace"], true, |command| {
            keyring.apply(command);
            command.env("SIGIL_TEST_REQUIRE_KEYRING", "1");
            // With node and tests/oidc/node_modules in place, the OAuth tests fail, not skip.
            command.env("SIGIL_TEST_REQUIRE_OAUTH", "1");
        })
    };
    if let Err(e) = run_tests(&keyring) {
        // gnome-keyring-daemon 42 has been seen to abort on a glib assertion of its own in
        // the middle of a run (the kernel logs "trap int3" in libglib). That is the peer
        // failing, not sigil: say so, with its log, and run the suite once more on a fresh
        // one. Any other failure, or the same crash twice, fails the run.
        let Some(status) = keyring.daemon_exit() else {
            return Err(e);
        };
        eprintln!(
            "gnome-keyring-daemon died during the tests ({status}); its log:\n{}\n\
             running the tests again with a fresh private Secret Service",
            keyring.log("gnome-keyring.log")
        );
        drop(keyring);
        keyring = start_keyring_session("the keyring tests (second run)")?;
        run_tests(&keyring)?;
    }
    drop(keyring);
    // Every fuzz target for a few seconds from the committed corpus (the long runs are
    // `cargo xtask fuzz`); docs/fuzzing.md says what this costs.
    fuzz::smoke(&root, FUZZ_SMOKE_SECONDS)?;
    eprintln!("all checks passed");
    Ok(())
}

/// `cargo xtask fuzz`: see [`fuzz::run_all`].
fn fuzz(seconds: u64, targets: Vec<String>) -> Result<()> {
    fuzz::run_all(&workspace_root(), seconds, &targets)
}

/// `Cargo.lock` against the RustSec advisories, offline.
fn advisories(root: &Path) -> Result<()> {
    header("advisories: Cargo.lock against xtask/advisory-db");
    let summary = advisories::check(root)?;
    eprintln!("{summary}");
    Ok(())
}

/// A program that only reads secrets links the library without the CLI: it must build with
/// no default features, and clap, indicatif and rpassword must stay out of its tree.
fn lean_library(root: &Path) -> Result<()> {
    cargo_step(
        root,
        &[
            "build",
            "--package",
            "sigil",
            "--lib",
            "--no-default-features",
        ],
    )?;
    let shown = "cargo tree --package sigil --no-default-features --edges normal";
    header(shown);
    let out = cargo(
        root,
        &[
            "tree",
            "--package",
            "sigil",
            "--no-default-features",
            "--edges",
            "normal",
            "--prefix",
            "none",
        ],
    )
    .output()
    .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{shown}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let tree = String::from_utf8_lossy(&out.stdout);
    let heavy: Vec<&str> = ["clap", "indicatif", "rpassword"]
        .into_iter()
        .filter(|name| tree.lines().any(|l| l.split(' ').next() == Some(*name)))
        .collect();
    if heavy.is_empty() {
        eprintln!("the lean library has no clap, indicatif or rpassword");
        Ok(())
    } else {
        Err(format!(
            "the library without default features still depends on {}",
            heavy.join(", ")
        ))
    }
}

/// Installs the OAuth tests' authorization server (oidc-provider, pinned by
/// tests/oidc/package-lock.json) when tests/oidc/node_modules is missing.
fn ensure_oidc_server(root: &Path) -> Result<()> {
    let dir = root.join("tests/oidc");
    if dir.join("node_modules").is_dir() {
        return Ok(());
    }
    header("installing the OAuth test server: npm ci --prefix tests/oidc");
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir))
}

// ---------------------------------------------------------------------------------------------
// bench
// ---------------------------------------------------------------------------------------------

/// hyperfine settings shared by every measurement: `-N` (no shell) because a shell's start-up
/// would be a large share of a few-millisecond process.
const HYPERFINE_ARGS: [&str; 5] = ["--warmup", "20", "--runs", "200", "-N"];

/// One row of the results: hyperfine's name for it and mean/σ in seconds.
#[derive(Debug, Clone)]
struct Measurement {
    name: String,
    mean: f64,
    stddev: f64,
}

/// One command for hyperfine: its name in the results and its argv.
struct Timed {
    name: &'static str,
    argv: Vec<OsString>,
}

struct Results {
    get: Measurement,
    age: Measurement,
    pass: Measurement,
    get_1_env: Measurement,
    get_2000: Measurement,
    get_audit_on: Measurement,
    get_audit_off: Measurement,
    list_10000: Measurement,
    resolve_1000: Measurement,
    env_160k: Measurement,
    run_160k: Measurement,
    get_keyring: Measurement,
    secret_tool: Measurement,
    /// The large-store rows (migrate, backup), timed by xtask itself.
    bulk: bulk::Bulk,
}

/// Removes the benchmark's scratch directory however the run ends.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Stops the gpg-agent that `pass` started for the throwaway GNUPGHOME.
struct GpgAgent(PathBuf);

impl Drop for GpgAgent {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "all"])
            .env("GNUPGHOME", &self.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn create_private_dir(path: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))
}

/// Runs sigil's binaries from one build with one home and nothing else from the caller's
/// environment that sigil reads (`SIGIL_BACKEND`, `SIGIL_IDENTITY`, `SIGIL_<SVC>_<ACCT>_...`
/// values would all change what is measured).
struct Sigil {
    bin_dir: PathBuf,
}

impl Sigil {
    fn command(&self, bin: &str, home: &Path) -> Command {
        let mut command = Command::new(self.bin_dir.join(bin));
        clear_sigil_env(&mut command);
        command.env("SIGIL_HOME", home);
        command
    }

    fn init(&self, home: &Path) -> Result<()> {
        capture(&mut self.command("sigil-init", home), None).map(drop)
    }

    fn add(&self, home: &Path, address: &str, secret: &[u8]) -> Result<()> {
        // Not a TTY on stdin, so sigil-add reads the secret from it.
        capture(self.command("sigil-add", home).arg(address), Some(secret)).map(drop)
    }
}

fn clear_sigil_env(command: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SIGIL_") {
            command.env_remove(key);
        }
    }
}

/// The target directory cargo builds into (it may be shared or moved by `CARGO_TARGET_DIR` or
/// config), read from `cargo metadata`.
fn target_dir(root: &Path) -> Result<PathBuf> {
    let json = capture(
        &mut cargo(root, &["metadata", "--format-version", "1", "--no-deps"]),
        None,
    )?;
    json_string_field(&json, "target_directory")
        .map(PathBuf::from)
        .ok_or_else(|| "cannot find target_directory in `cargo metadata` output".to_owned())
}

/// The first `"key":"value"` string in compact JSON. `target_directory` is a top-level string
/// in `cargo metadata`, so this is enough without adding a JSON crate to xtask.
fn json_string_field(json: &str, key: &str) -> Option<String> {
    let pattern = format!("\"{key}\":\"");
    let start = json.find(&pattern)? + pattern.len();
    let mut value = String::new();
    let mut chars = json[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                'r' => value.push('\r'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    value.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

/// Quotes one argument for hyperfine's `-N` mode, which splits the command line with POSIX
/// shell-word rules (but runs no shell).
fn shell_word(arg: &std::ffi::OsStr) -> String {
    let arg = arg.to_string_lossy();
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if plain {
        arg.into_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// Runs hyperfine over `commands` with `env` set (and sigil's other variables cleared), keeps
/// the JSON export in `exports/<tag>.json`, and reads the numbers back from the CSV export (the
/// same data in a format that needs no parser crate).
fn hyperfine(
    exports: &Path,
    tag: &str,
    env: &[(&str, &OsStr)],
    commands: &[Timed],
) -> Result<Vec<Measurement>> {
    let json = exports.join(format!("{tag}.json"));
    let csv = exports.join(format!("{tag}.csv"));
    let mut command = Command::new("hyperfine");
    command
        .args(HYPERFINE_ARGS)
        .arg("--export-json")
        .arg(&json)
        .arg("--export-csv")
        .arg(&csv);
    for timed in commands {
        command.args(["--command-name", timed.name]);
    }
    for timed in commands {
        let line: Vec<String> = timed.argv.iter().map(|a| shell_word(a)).collect();
        command.arg(line.join(" "));
    }
    clear_sigil_env(&mut command);
    for (key, value) in env {
        command.env(key, value);
    }
    let names: Vec<&str> = commands.iter().map(|t| t.name).collect();
    header(&format!("hyperfine: {}", names.join(" vs ")));
    run(&mut command)?;
    let text =
        fs::read_to_string(&csv).map_err(|e| format!("cannot read {}: {e}", csv.display()))?;
    let measurements = parse_hyperfine_csv(&text)?;
    // hyperfine names results by `--command-name`; matching them proves the order is ours.
    let names_match = measurements.len() == commands.len()
        && measurements
            .iter()
            .zip(commands)
            .all(|(m, t)| m.name == t.name);
    if !names_match {
        return Err(format!("unexpected results in {}", csv.display()));
    }
    Ok(measurements)
}

fn parse_hyperfine_csv(text: &str) -> Result<Vec<Measurement>> {
    let mut lines = text.lines();
    let header = split_csv_line(lines.next().ok_or("empty hyperfine csv export")?);
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("no `{name}` column in hyperfine csv export"))
    };
    let (name_at, mean_at, stddev_at) = (column("command")?, column("mean")?, column("stddev")?);
    let number = |fields: &[String], at: usize| -> Result<f64> {
        fields
            .get(at)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| format!("bad number in hyperfine csv export: {fields:?}"))
    };
    let mut measurements = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let fields = split_csv_line(line);
        measurements.push(Measurement {
            name: fields.get(name_at).cloned().unwrap_or_default(),
            mean: number(&fields, mean_at)?,
            stddev: number(&fields, stddev_at)?,
        });
    }
    Ok(measurements)
}

/// One CSV record (RFC 4180 quoting), as hyperfine writes it.
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("fields is never empty");
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => field.push(c),
        }
    }
    fields
}

/// A registry of `accounts` written directly (adding 10,000 secrets one process at a time would
/// take minutes and only `sigil list`'s reading of the registry is being measured). Kept in one
/// function so a change to the registry format is a change here only.
fn registry_toml(accounts: impl Iterator<Item = String>) -> String {
    let mut toml = String::from("version = 1\n");
    for account in accounts {
        let _ = write!(
            toml,
            "\n[accounts.\"{account}\"]\n\
             kind = \"api_key\"\n\
             fields = [\"api_key\"]\n\
             backend = \"file\"\n\
             created = \"2026-11-23T00:00:00Z\"\n\
             updated = \"2026-11-23T00:00:00Z\"\n"
        );
    }
    toml
}

/// Adds `count` secrets named `svcNN/userNNNNN`, a few processes at a time: each add is its own
/// process, and with a lock serialising the registry writes more workers would only queue.
fn add_many(sigil: &Sigil, home: &Path, count: usize) -> Result<()> {
    let next = AtomicUsize::new(0);
    let failure = Mutex::new(None::<String>);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count || failure.lock().expect("not poisoned").is_some() {
                        break;
                    }
                    let address = format!("svc{:02}/user{i:05}", i % 40);
                    // A few tries: a concurrent add may hold the store's lock, and whether
                    // sigil waits for it or reports it is the library's choice.
                    let mut outcome = Ok(());
                    for attempt in 0..5 {
                        outcome = sigil.add(home, &address, b"tok");
                        if outcome.is_ok() {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(20 << attempt));
                    }
                    if let Err(e) = outcome {
                        failure.lock().expect("not poisoned").get_or_insert(e);
                        break;
                    }
                }
            });
        }
    });
    match failure.into_inner().expect("not poisoned") {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn expect_secret(what: &str, output: &str) -> Result<()> {
    if output.trim_end_matches('\n') == "tok" {
        Ok(())
    } else {
        Err(format!(
            "{what} printed {:?} instead of the stored secret",
            output
        ))
    }
}

fn bench() -> Result<()> {
    let root = workspace_root();
    // The release profile in Cargo.toml is what users get, so that is what is measured.
    cargo_step(
        &root,
        &["build", "--release", "--package", "sigil", "--bins"],
    )?;
    ensure_tools(&[BENCH_TOOLS, KEYRING_TOOLS].concat())?;
    let target = target_dir(&root)?;
    let sigil = Sigil {
        bin_dir: target.join("release"),
    };
    let exports = target.join("xtask-bench");
    fs::create_dir_all(&exports)
        .map_err(|e| format!("cannot create {}: {e}", exports.display()))?;

    let scratch =
        ScratchDir(std::env::temp_dir().join(format!("sigil-bench-{}", std::process::id())));
    let _ = fs::remove_dir_all(&scratch.0);
    create_private_dir(&scratch.0)?;
    let tmp = scratch.0.as_path();

    // --- one secret, read by sigil, by age on the very same file, and by pass --------------
    header("setting up a 1-entry sigil store");
    let home = tmp.join("home-1");
    sigil.init(&home)?;
    sigil.add(&home, "bench/one", b"tok")?;
    let identity = home.join("identity.txt");
    let store_file = home.join("store/bench/one/api_key.age");
    for file in [&identity, &store_file] {
        if !file.is_file() {
            return Err(format!(
                "{} does not exist after sigil-init and sigil-add: the secret went to another \
                 backend (a keyring answered?); try \
                 `env -u DBUS_SESSION_BUS_ADDRESS cargo xtask bench`",
                file.display()
            ));
        }
    }

    header("setting up pass with a throwaway GnuPG key");
    let gnupg = tmp.join("gnupg");
    let password_store = tmp.join("password-store");
    create_private_dir(&gnupg)?;
    let _agent = GpgAgent(gnupg.clone());
    let key_id = "sigil bench <bench@sigil.invalid>";
    capture(
        Command::new("gpg")
            .env("GNUPGHOME", &gnupg)
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(["--quick-gen-key", key_id, "default", "default", "never"]),
        None,
    )?;
    let pass = |args: &[&str]| {
        let mut command = Command::new("pass");
        command
            .args(args)
            .env("GNUPGHOME", &gnupg)
            .env("PASSWORD_STORE_DIR", &password_store);
        command
    };
    capture(&mut pass(&["init", "bench@sigil.invalid"]), None)?;
    capture(
        &mut pass(&["insert", "--echo", "bench/one"]),
        Some(b"tok\n"),
    )?;

    // All three must print the same secret, or the comparison means nothing.
    expect_secret(
        "sigil-get",
        &capture(sigil.command("sigil-get", &home).arg("bench/one"), None)?,
    )?;
    expect_secret(
        "age -d",
        &capture(
            Command::new("age")
                .arg("-d")
                .arg("-i")
                .arg(&identity)
                .arg(&store_file),
            None,
        )?,
    )?;
    expect_secret(
        "pass show",
        &capture(&mut pass(&["show", "bench/one"]), None)?,
    )?;

    let get_argv = vec![sigil.bin_dir.join("sigil-get").into(), "bench/one".into()];
    let env = [
        ("SIGIL_HOME", home.as_os_str()),
        ("GNUPGHOME", gnupg.as_os_str()),
        ("PASSWORD_STORE_DIR", password_store.as_os_str()),
    ];
    let first = hyperfine(
        &exports,
        "get",
        &env,
        &[
            Timed {
                name: "sigil get",
                argv: get_argv.clone(),
            },
            Timed {
                name: "age -d",
                argv: vec![
                    "age".into(),
                    "-d".into(),
                    "-i".into(),
                    identity.clone().into(),
                    store_file.clone().into(),
                ],
            },
            Timed {
                name: "pass show",
                argv: vec!["pass".into(), "show".into(), "bench/one".into()],
            },
        ],
    )?;
    let [get, age, pass_show]: [Measurement; 3] =
        first.try_into().expect("hyperfine() checked the count");

    // --- the same read from a store of 2,000 secrets ----------------------------------------
    header("setting up a 2,000-entry sigil store");
    let home_2000 = tmp.join("home-2000");
    sigil.init(&home_2000)?;
    sigil.add(&home_2000, "bench/one", b"tok")?;
    add_many(&sigil, &home_2000, 1999)?;
    expect_secret(
        "sigil-get (2,000 entries)",
        &capture(
            sigil.command("sigil-get", &home_2000).arg("bench/one"),
            None,
        )?,
    )?;
    // Both stores in one hyperfine run, so that drift in the machine's speed between runs
    // cannot pass for a difference between the stores. `env` sets each one's SIGIL_HOME (and
    // adds the same exec to both).
    let via_env = |h: &Path| -> Vec<OsString> {
        vec![
            "env".into(),
            format!("SIGIL_HOME={}", h.display()).into(),
            sigil.bin_dir.join("sigil-get").into(),
            "bench/one".into(),
        ]
    };
    let [get_1_env, get_2000]: [Measurement; 2] = hyperfine(
        &exports,
        "get-2000",
        &[],
        &[
            Timed {
                name: "sigil get (1 entry)",
                argv: via_env(&home),
            },
            Timed {
                name: "sigil get (2,000 entries)",
                argv: via_env(&home_2000),
            },
        ],
    )?
    .try_into()
    .expect("hyperfine() checked the count");

    // --- the cost of the audit log: the same get with it on and off, paired ----------------
    header("setting up a sigil home with the audit log off");
    let home_quiet = tmp.join("home-no-audit");
    sigil.init(&home_quiet)?;
    fs::write(home_quiet.join("config.toml"), "audit = false\n")
        .map_err(|e| format!("cannot write the no-audit config.toml: {e}"))?;
    sigil.add(&home_quiet, "bench/one", b"tok")?;
    // `sigil init` logged itself before config.toml said `audit = false`; from here on the
    // log must not grow.
    let log_len = || fs::metadata(home_quiet.join("audit.log")).map_or(0, |m| m.len());
    let before = log_len();
    expect_secret(
        "sigil-get (audit off)",
        &capture(
            sigil.command("sigil-get", &home_quiet).arg("bench/one"),
            None,
        )?,
    )?;
    if log_len() != before {
        return Err("sigil-get wrote an audit log with `audit = false`".into());
    }
    let [get_audit_on, get_audit_off]: [Measurement; 2] = hyperfine(
        &exports,
        "get-audit",
        &[],
        &[
            Timed {
                name: "sigil get (audit on)",
                argv: via_env(&home),
            },
            Timed {
                name: "sigil get (audit off)",
                argv: via_env(&home_quiet),
            },
        ],
    )?
    .try_into()
    .expect("hyperfine() checked the count");
    drop(get_argv);

    // --- a template with 1,000 references to 100 distinct secrets of that store ---------------
    header("rendering a template of 1,000 references to 100 secrets");
    let template = tmp.join("resolve.tmpl");
    let lines: String = (0..1000)
        .map(|j| {
            let i = j % 100;
            format!("k{j}={{{{ auth://svc{:02}/user{i:05} }}}}\n", i % 40)
        })
        .collect();
    fs::write(&template, lines).map_err(|e| format!("cannot write {}: {e}", template.display()))?;
    let rendered = capture(
        sigil
            .command("sigil-resolve", &home_2000)
            .arg("-i")
            .arg(&template),
        None,
    )?;
    if rendered.lines().count() != 1000 || !rendered.lines().all(|l| l.ends_with("=tok")) {
        return Err("sigil-resolve did not render the 1,000 references to `tok`".into());
    }
    let [resolve_1000]: [Measurement; 1] = hyperfine(
        &exports,
        "resolve-1000",
        &[("SIGIL_HOME", home_2000.as_os_str())],
        &[Timed {
            name: "sigil resolve (1,000 references, 100 secrets)",
            argv: vec![
                sigil.bin_dir.join("sigil-resolve").into(),
                "-i".into(),
                template.clone().into(),
            ],
        }],
    )?
    .try_into()
    .expect("hyperfine() checked the count");

    // --- an env file of 160,000 lines (plain values, no references) -------------------------
    // Each variable was once checked against every other (a retain per entry): 94 s for
    // `sigil env`, 37 s for `sigil run` at this size. Linear handling keeps it well under 1 s.
    header("an env file of 160,000 lines");
    let env_file = tmp.join("big.env");
    let text: String = (0..160_000)
        .map(|i| format!("VAR_{i}=value-{i}\n"))
        .collect();
    fs::write(&env_file, text).map_err(|e| format!("cannot write {}: {e}", env_file.display()))?;
    let printed = capture(
        sigil
            .command("sigil-env", &home_2000)
            .args(["--format", "dotenv", "--env-file"])
            .arg(&env_file),
        None,
    )?;
    if printed.lines().filter(|l| l.starts_with("VAR_")).count() != 160_000 {
        return Err("sigil-env did not print the 160,000 variables".into());
    }
    // A child's environment cannot hold 160,000 variables (exec's limit is a few MB), so
    // `sigil run` gets 160,000 lines that set 1,000 names again and again (later ones win):
    // the same per-line work, an environment exec accepts.
    let repeats = tmp.join("big-repeats.env");
    let text: String = (0..160_000)
        .map(|i| format!("VAR_{}=value-{i}\n", i % 1000))
        .collect();
    fs::write(&repeats, text).map_err(|e| format!("cannot write {}: {e}", repeats.display()))?;
    let env_argv = |bin: &str, file: &Path, rest: &[&str]| -> Vec<OsString> {
        let mut v: Vec<OsString> = vec![sigil.bin_dir.join(bin).into()];
        v.extend(["--env-file".into(), file.as_os_str().to_owned()]);
        v.extend(rest.iter().map(OsString::from));
        v
    };
    let [env_160k, run_160k]: [Measurement; 2] = hyperfine(
        &exports,
        "env-160k",
        &[("SIGIL_HOME", home_2000.as_os_str())],
        &[
            Timed {
                name: "sigil env (160,000-line env file)",
                argv: env_argv("sigil-env", &env_file, &["--format", "dotenv"]),
            },
            Timed {
                name: "sigil run (160,000-line env file)",
                argv: env_argv("sigil-run", &repeats, &["--", "true"]),
            },
        ],
    )?
    .try_into()
    .expect("hyperfine() checked the count");

    // --- listing a registry of 10,000 accounts --------------------------------------------
    header("setting up a 10,000-account registry");
    let home_10000 = tmp.join("home-10000");
    sigil.init(&home_10000)?;
    let registry = home_10000.join("accounts.toml");
    fs::write(
        &registry,
        registry_toml((0..10_000).map(|i| format!("svc{:02}/user{i:05}", i % 100))),
    )
    .map_err(|e| format!("cannot write {}: {e}", registry.display()))?;
    let listed = capture(&mut sigil.command("sigil-list", &home_10000), None)?;
    if listed.lines().count() < 10_000 {
        return Err(format!(
            "sigil-list printed {} lines for 10,000 accounts: has the registry format in \
             registry_toml() changed?",
            listed.lines().count()
        ));
    }
    let [list_10000]: [Measurement; 1] = hyperfine(
        &exports,
        "list-10000",
        &[("SIGIL_HOME", home_10000.as_os_str())],
        &[Timed {
            name: "sigil list (10,000 accounts)",
            argv: vec![sigil.bin_dir.join("sigil-list").into()],
        }],
    )?
    .try_into()
    .expect("hyperfine() checked the count");

    // --- the keyring backend against secret-tool, on one private Secret Service -------------
    header("setting up a keyring-backed secret");
    let keyring = start_keyring_session("the keyring benchmark")?;
    let home_kr = tmp.join("home-kr");
    // Each sigil command is pointed at the private Secret Service, never the desktop's.
    let kr = |bin: &str, backend: bool| {
        let mut command = sigil.command(bin, &home_kr);
        keyring.apply(&mut command);
        if backend {
            command.env("SIGIL_BACKEND", "keyring");
        }
        command
    };
    capture(&mut kr("sigil-init", false), None)?;
    capture(kr("sigil-add", true).arg("bench/kr"), Some(b"tok"))?;
    // Both must print the secret: sigil through its backend, secret-tool from the item the
    // backend wrote (which proves the secret is in the keyring, not in a file).
    let lookup = ["lookup", "service", "sigil", "username", "bench/kr/api_key"];
    expect_secret(
        "sigil-get (keyring)",
        &capture(kr("sigil-get", true).arg("bench/kr"), None)?,
    )?;
    expect_secret(
        "secret-tool lookup",
        &capture(keyring.client("secret-tool").args(lookup), None)?,
    )?;
    // One hyperfine run for both, like the 1/2,000-entry pair, and both through `env` so they
    // pay the same extra exec.
    let mut get_kr_argv: Vec<OsString> = vec![
        "env".into(),
        format!("SIGIL_HOME={}", home_kr.display()).into(),
        "SIGIL_BACKEND=keyring".into(),
    ];
    get_kr_argv.extend([sigil.bin_dir.join("sigil-get").into(), "bench/kr".into()]);
    let mut lookup_argv: Vec<OsString> = vec!["env".into(), "secret-tool".into()];
    lookup_argv.extend(lookup.iter().map(OsString::from));
    let [get_keyring, secret_tool]: [Measurement; 2] = hyperfine(
        &exports,
        "get-keyring",
        &keyring.env(),
        &[
            Timed {
                name: "sigil get (keyring)",
                argv: get_kr_argv,
            },
            Timed {
                name: "secret-tool lookup",
                argv: lookup_argv,
            },
        ],
    )?
    .try_into()
    .expect("hyperfine() checked the count");
    drop(keyring);

    let bulk = bulk::run(&sigil, tmp)?;

    let results = Results {
        get,
        age,
        pass: pass_show,
        get_1_env,
        get_2000,
        get_audit_on,
        get_audit_off,
        list_10000,
        resolve_1000,
        env_160k,
        run_160k,
        get_keyring,
        secret_tool,
        bulk,
    };
    let path = root.join("docs/performance.md");
    // `cargo xtask soak` owns a block of the same file; a bench run keeps it as it is.
    let old = fs::read_to_string(&path).unwrap_or_default();
    let doc = soak::carry_over(&old, performance_doc(&results, &machine()));
    fs::create_dir_all(root.join("docs")).map_err(|e| format!("cannot create docs/: {e}"))?;
    fs::write(&path, doc).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    for (target, _, met) in targets(&results)
        .into_iter()
        .chain(bulk::targets(&results.bulk))
    {
        eprintln!("{}  {target}", if met { "met   " } else { "MISSED" });
    }
    eprintln!(
        "wrote docs/performance.md; raw hyperfine exports in {}",
        exports.display()
    );
    Ok(())
}

/// What the numbers were measured on, for the doc.
struct Machine {
    date: String,
    uname: String,
    nproc: String,
    cpu: String,
    tools: Vec<String>,
}

fn machine() -> Machine {
    let first_line = |program: &str, args: &[&str]| {
        capture(Command::new(program).args(args), None)
            .ok()
            .and_then(|out| out.lines().next().map(str::trim).map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned())
    };
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    Machine {
        date: first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        uname: first_line("uname", &["-srm"]),
        nproc: first_line("nproc", &[]),
        cpu,
        tools: vec![
            first_line("rustc", &["--version"]),
            first_line("hyperfine", &["--version"]),
            format!("age {}", first_line("age", &["--version"])),
            first_line("gpg", &["--version"]),
            first_line("gnome-keyring-daemon", &["--version"]),
        ],
    }
}

fn duration(seconds: f64) -> String {
    format!("{:.2} ms", seconds * 1000.0)
}

fn mean_sd(m: &Measurement) -> String {
    format!("{} ± {}", duration(m.mean), duration(m.stddev))
}

/// Each target from the spec: its wording, the measured value and whether it is met.
fn targets(r: &Results) -> [(&'static str, String, bool); 9] {
    let vs_age = r.get.mean / r.age.mean;
    let vs_pass = r.pass.mean / r.get.mean;
    let scale = r.get_2000.mean / r.get_1_env.mean;
    let vs_secret_tool = r.get_keyring.mean / r.secret_tool.mean;
    let audit_cost = r.get_audit_on.mean / r.get_audit_off.mean;
    [
        (
            "`sigil get` ≤ `age -d` on the same file",
            format!("{vs_age:.2}× the time of age -d"),
            vs_age <= 1.0,
        ),
        (
            "`sigil get` ≥ 10× faster than `pass show`",
            format!("{vs_pass:.1}× faster"),
            vs_pass >= 10.0,
        ),
        (
            "`sigil get` in a 2,000-entry store within 1.2× of a 1-entry store",
            format!("{scale:.2}×"),
            scale <= 1.2,
        ),
        (
            "`sigil get` with the audit log on within 1.1× of `sigil get` with it off",
            format!("{audit_cost:.2}×"),
            audit_cost <= 1.1,
        ),
        (
            "`sigil list` of 10,000 accounts < 50 ms",
            duration(r.list_10000.mean),
            r.list_10000.mean < 0.050,
        ),
        (
            "`sigil resolve` of 1,000 references to 100 secrets < 100 ms (each decrypted once: \
             `reference::tests::each_distinct_secret_is_read_once`)",
            duration(r.resolve_1000.mean),
            r.resolve_1000.mean < 0.100,
        ),
        (
            "`sigil env` of a 160,000-line env file < 1 s",
            duration(r.env_160k.mean),
            r.env_160k.mean < 1.0,
        ),
        (
            "`sigil run` with a 160,000-line env file < 1 s",
            duration(r.run_160k.mean),
            r.run_160k.mean < 1.0,
        ),
        (
            "`sigil get` from the keyring within 1.2× of `secret-tool lookup`",
            format!("{vs_secret_tool:.2}× the time of secret-tool lookup"),
            vs_secret_tool <= 1.2,
        ),
    ]
}

fn performance_doc(r: &Results, machine: &Machine) -> String {
    let mut doc = String::from(INTRO);
    let _ = writeln!(
        doc,
        "\n- produced by: `cargo xtask bench`\n\
         - date: {}\n\
         - machine: `{}`, {} CPUs ({})\n\
         - tools: {}\n",
        machine.date,
        machine.uname,
        machine.nproc,
        machine.cpu,
        machine.tools.join("; "),
    );
    doc.push_str("## Results\n\n| benchmark | command | mean ± σ |\n| --- | --- | --- |\n");
    let rows = [
        ("sigil get, 1-entry store", "sigil-get bench/one", &r.get),
        ("age -d, same file", AGE_SHOWN, &r.age),
        ("pass show", "pass show bench/one", &r.pass),
        (
            "sigil get, 1-entry store (paired run)",
            "env SIGIL_HOME=… sigil-get bench/one",
            &r.get_1_env,
        ),
        (
            "sigil get, 2,000-entry store (paired run)",
            "env SIGIL_HOME=… sigil-get bench/one",
            &r.get_2000,
        ),
        (
            "sigil get, audit log on (paired run)",
            "env SIGIL_HOME=… sigil-get bench/one",
            &r.get_audit_on,
        ),
        (
            "sigil get, audit log off (paired run)",
            "env SIGIL_HOME=… sigil-get bench/one",
            &r.get_audit_off,
        ),
        ("sigil list, 10,000 accounts", "sigil-list", &r.list_10000),
        (
            "sigil resolve, 1,000 references to 100 secrets",
            "sigil-resolve -i resolve.tmpl",
            &r.resolve_1000,
        ),
        (
            "sigil env, 160,000-line env file",
            "sigil-env --env-file big.env --format dotenv",
            &r.env_160k,
        ),
        (
            "sigil run, 160,000-line env file",
            "sigil-run --env-file big-repeats.env -- true (160,000 lines, 1,000 names)",
            &r.run_160k,
        ),
        (
            "sigil get, keyring backend (paired run)",
            "env SIGIL_HOME=… SIGIL_BACKEND=keyring sigil-get bench/kr",
            &r.get_keyring,
        ),
        (
            "secret-tool lookup, same item (paired run)",
            "env secret-tool lookup service sigil username bench/kr/api_key",
            &r.secret_tool,
        ),
    ];
    for (what, command, m) in rows {
        let _ = writeln!(doc, "| {what} | `{command}` | {} |", mean_sd(m));
    }
    doc.push_str("\n## Targets\n\n| target | measured | result |\n| --- | --- | --- |\n");
    for (target, measured, met) in targets(r) {
        let result = if met { "met" } else { "missed" };
        let _ = writeln!(doc, "| {target} | {measured} | {result} |");
    }
    doc.push_str(&bulk::section(&r.bulk));
    doc.push_str(METHOD);
    doc
}

/// How the doc shows the `age -d` command (the real one has the scratch directory's paths).
const AGE_SHOWN: &str =
    "age -d -i $SIGIL_HOME/identity.txt $SIGIL_HOME/store/bench/one/api_key.age";

// The fixed prose of docs/performance.md. The committed template (before anyone has run the
// benchmark) uses the same text, so keep the two in step.
const INTRO: &str = "# Performance

<!-- written by `cargo xtask bench` (the Soak section by `cargo xtask soak`); change xtask/src/main.rs
(xtask/src/soak.rs), not this file -->

sigil's commands are short-lived processes, so what a user waits for is the whole process:
start, read the identity, decrypt one file, print. `cargo xtask bench` times exactly that with
[hyperfine](https://github.com/sharkdp/hyperfine) against the tools sigil stands beside: `age -d`
decrypting the very same store file with the same identity, `pass show` with a
passphrase-less GnuPG key (so neither waits for a prompt), and, for the keyring backend,
`secret-tool lookup` reading the same item from the same Secret Service.
";

const METHOD: &str = "
## How the numbers are made

- `cargo build --release --bins` (the release profile in `Cargo.toml`), then hyperfine with
  `--warmup 20 --runs 200 -N` (no shell in between; output discarded).
- Everything lives in a scratch directory: `SIGIL_HOME` made by `sigil-init`, the secret added
  with `printf 'tok' | sigil-add bench/one`, other `SIGIL_*` variables cleared, and a throwaway
  `GNUPGHOME` and `PASSWORD_STORE_DIR` for pass.
- The 2,000-entry store is filled with `sigil-add`; the 10,000-account registry is written
  directly as `accounts.toml`, since only `sigil list`'s reading of it is measured.
- The audit pair times the same `sigil get` in the 1-entry home (audit log on, the default)
  and in a second home whose `config.toml` says `audit = false`, in one hyperfine run; every
  timed get of the first appends an entry, so the log grows during the run as it would in use.
- The keyring rows use a private Secret Service: `dbus-daemon` on a bus of its own (no service
  activation) and `gnome-keyring-daemon --foreground --unlock --components=secrets`, whose
  login keyring is created and unlocked with a throwaway password, both with `HOME` and the
  XDG directories in a temporary directory of their own, so no desktop keyring is touched (the
  same setup `cargo xtask test` gives the keyring tests). `sigil-init` makes `SIGIL_HOME`,
  `printf 'tok' | sigil-add bench/kr` with `SIGIL_BACKEND=keyring` stores the secret (item
  attributes `service=sigil username=bench/kr/api_key` and the home's `sigil-home` tag, which
  the lookup leaves out), and both `sigil get` and `secret-tool lookup` are checked to print it
  before they are timed in one hyperfine run, each through `env`.
- hyperfine's raw exports (JSON and CSV) are left in `target/xtask-bench/`.

## In-process benchmarks

`cargo bench --bench store` runs the criterion benchmarks in `benches/store.rs`: the library's
store operations without process start-up. Use them to see where time goes inside sigil; the
numbers above are what a user of the binaries sees.
";

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails, with the same report as `cargo xtask gen --check`, when `completions/` or `man/`
    /// do not match the clap definitions; runs as part of `cargo test --workspace`.
    #[test]
    fn generated_files_are_fresh() {
        match freshness_report(&workspace_root()) {
            Ok(None) => {}
            Ok(Some(report)) => panic!("{report}"),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn hyperfine_csv_is_parsed() {
        let csv = "command,mean,stddev,median,user,system,min,max\n\
                   sigil get,0.0012,0.0001,0.0012,0.0005,0.0004,0.0010,0.0020\n\
                   \"a, \"\"quoted\"\" name\",0.5,0.25,0.5,0,0,0.1,0.9\n";
        let m = parse_hyperfine_csv(csv).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].name, "sigil get");
        assert_eq!(m[0].mean, 0.0012);
        assert_eq!(m[1].name, "a, \"quoted\" name");
        assert_eq!(m[1].stddev, 0.25);
    }

    #[test]
    fn target_directory_is_read_from_cargo_metadata() {
        let json = r#"{"packages":[],"target_directory":"/w/my \"t\"\\dir","version":1}"#;
        assert_eq!(
            json_string_field(json, "target_directory").unwrap(),
            "/w/my \"t\"\\dir"
        );
        assert_eq!(json_string_field(json, "absent"), None);
    }

    #[test]
    fn hyperfine_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("/tmp/x/sigil-get".as_ref()), "/tmp/x/sigil-get");
        assert_eq!(shell_word("my dir/it's".as_ref()), r"'my dir/it'\''s'");
    }

    #[test]
    fn bus_config_listens_in_its_directory_and_activates_nothing() {
        let config = bus_config(Path::new("/tmp/a&b<c>"));
        assert!(config.contains("<listen>unix:dir=/tmp/a&amp;b&lt;c&gt;</listen>"));
        assert!(!config.contains("servicedir"));
        assert!(!config.contains("<include"));
    }

    #[test]
    fn keyring_env_lines_are_parsed() {
        let printed = "GNOME_KEYRING_CONTROL=/run/user/1000/keyring\nSSH_AUTH_SOCK=/x/ssh\n";
        assert_eq!(
            keyring_env(printed, "GNOME_KEYRING_CONTROL").as_deref(),
            Some("/run/user/1000/keyring")
        );
        assert_eq!(keyring_env(printed, "GNOME_KEYRING"), None);
        assert_eq!(keyring_env("", "GNOME_KEYRING_CONTROL"), None);
    }

    /// Starts the private Secret Service that `cargo xtask test` gives the test suite, uses it,
    /// and checks that dropping it leaves no process and no directory behind. Skipped when the
    /// tools are missing, unless SIGIL_TEST_REQUIRE_KEYRING is set (as `cargo xtask test` does,
    /// after installing them).
    #[test]
    fn keyring_session_answers_and_cleans_up() {
        if KEYRING_TOOLS.iter().any(|(command, _)| !on_path(command)) {
            assert!(
                std::env::var_os("SIGIL_TEST_REQUIRE_KEYRING").is_none(),
                "SIGIL_TEST_REQUIRE_KEYRING is set but {KEYRING_TOOLS:?} are not all installed"
            );
            eprintln!("skipped: gnome-keyring-daemon, dbus-daemon or secret-tool missing");
            return;
        }
        let mut session = KeyringSession::start().unwrap();
        assert!(session.address.starts_with("unix:"), "{}", session.address);
        assert!(session.daemon_exit().is_none(), "the daemon runs");
        assert!(session.control.starts_with(&session.dir));
        let attributes = ["service", "sigil-xtask-test", "username", "a/b/api_key"];
        let mut store = session.client("secret-tool");
        store.args(["store", "--label", "t"]).args(attributes);
        capture(&mut store, Some(b"tok")).unwrap();
        let mut lookup = session.client("secret-tool");
        lookup.arg("lookup").args(attributes);
        assert_eq!(capture(&mut lookup, None).unwrap().trim_end(), "tok");
        // The probe item is gone again.
        let mut probe = session.client("secret-tool");
        probe.arg("lookup").args(PROBE_ATTRIBUTES);
        assert!(capture(&mut probe, None).is_err());

        // A daemon that died is noticed (what `test` reruns the suite for).
        let mut dead = KeyringSession::start().unwrap();
        let daemon = dead.keyring.as_mut().expect("started");
        daemon.kill().unwrap();
        daemon.wait().unwrap();
        assert!(dead.daemon_exit().is_some());
        drop(dead);

        let dir = session.dir.clone();
        let pids: Vec<u32> = [&session.bus, &session.keyring]
            .into_iter()
            .map(|child| child.as_ref().expect("started").id())
            .collect();
        drop(session);
        assert!(!dir.exists(), "{} is left behind", dir.display());
        if cfg!(target_os = "linux") {
            for pid in pids {
                assert!(
                    !Path::new(&format!("/proc/{pid}")).exists(),
                    "{pid} still runs"
                );
            }
        }
    }

    #[test]
    fn registry_has_one_table_per_account() {
        let toml = registry_toml(["a/b".to_owned(), "c/d".to_owned()].into_iter());
        assert!(toml.starts_with("version = 1\n"));
        assert_eq!(toml.matches("[accounts.").count(), 2);
        assert!(toml.contains("[accounts.\"c/d\"]\nkind = \"api_key\"\n"));
    }
}
