//! `sigil run`: run a command with the references in its environment resolved, and its output
//! masked.

use crate::model::dotenv;
use crate::model::error::{Error, Result};
use crate::ops::mask::Masker;
use crate::ops::reference::{Resolver, located};
use clap::Parser;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};

/// Run a command with auth:// references in its environment resolved
#[derive(Debug, Parser)]
#[command(
    name = "sigil-run",
    version,
    about = "Run a command with auth:// references in its environment resolved",
    long_about = "Run CMD with the current environment plus the --env-file files and --env \
assignments (later ones win), where every value that is a reference (auth://… or \
ref+<backend>://…) is replaced by the secret. The command's stdin is passed through; its \
stdout and stderr are filtered so that every resolved value prints as <concealed by sigil>, \
also when it is split across writes. SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 sent to sigil run \
are passed on to the command. sigil run exits with the command's status (128+N when a signal N \
ends it).\n\n\
When stdin and stdout are both terminals (or with --pty/-t), the command runs on a \
pseudo-terminal of its own instead of pipes, as under ssh or docker run -t: it sees a terminal \
on stdin, stdout and stderr (colours, prompts, /dev/tty, job control and the window size work), \
sigil puts the terminal into raw mode and relays the keys typed to it, and what the terminal \
shows is masked as above (the echo of typed text included), on stdout. Ctrl-C and the other \
keys act on the command; SIGINT, SIGQUIT, SIGTERM and SIGHUP sent to sigil run are passed on to \
the command's process group. --no-pty/-T keeps the pipes.\n\n\
--netrc writes a .netrc for the hosts mapped in config.toml ([netrc.\"HOST\"], see sigil netrc; \
--netrc=HOST,HOST for some of them) into a private temporary file (0600, in a 0700 directory \
under $XDG_RUNTIME_DIR or the temporary directory) that is removed when the command ends. The \
command finds it through NETRC (its path, which Python's requests reads, and \
netrc.netrc(os.environ[\"NETRC\"])) and CURL_HOME (a directory whose .curlrc points curl at \
it, so curl -n and curl use it; curl then reads no other .curlrc). The passwords are masked in \
the output too.",
    after_help = "Examples:\n  GITHUB_TOKEN=auth://github/me sigil run -- ./deploy.sh\n  sigil run --env-file .env -- npm start\n  sigil run --env OPENAI_API_KEY=auth://openai/work -- python app.py"
)]
pub struct Args {
    /// A dotenv file to add to the environment (repeatable)
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// A variable to set, NAME=VALUE, where VALUE may be a reference (repeatable)
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Pass the command's output through untouched
    #[arg(long)]
    pub no_mask: bool,
    /// Give the command a pseudo-terminal even when stdin or stdout is not a terminal
    #[arg(long, short = 't', conflicts_with_all = ["no_pty", "no_mask"])]
    pub pty: bool,
    /// Give the command pipes even on a terminal (its stdin is sigil's own)
    #[arg(long, short = 'T')]
    pub no_pty: bool,
    /// Give the command a .netrc for the hosts mapped in config.toml (or these), in a
    /// private temporary file named by NETRC and CURL_HOME
    #[arg(
        long,
        value_name = "HOSTS",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "",
        value_delimiter = ','
    )]
    pub netrc: Option<Vec<String>>,
    /// The command and its arguments
    #[arg(
        value_name = "CMD",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<OsString>,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// A variable, where its value came from (for error messages), and what it holds.
pub(crate) struct Var {
    pub name: OsString,
    pub value: OsString,
    pub origin: String,
    /// Whether the value is a resolved secret or holds one through `${…}` expansion.
    pub secret: bool,
    /// Whether an env file or `--env` set it, rather than the inherited environment.
    pub from_file: bool,
}

/// A value while the environment is built. A reference is resolved only when something
/// needs it (an expansion, or the end), so one that a later file replaces is never read.
enum Held {
    Plain(Vec<u8>),
    Reference(String),
    Secret(Vec<u8>),
}

impl Held {
    /// A value as written: a reference when it is one (or an `auth://` one that does not
    /// parse, which resolving reports), else plain text.
    fn of(value: Vec<u8>) -> Held {
        match std::str::from_utf8(&value) {
            Ok(text) if crate::model::address::Reference::parse(text).is_some() => {
                Held::Reference(text.to_owned())
            }
            _ => Held::Plain(value),
        }
    }
}

struct Slot {
    name: OsString,
    held: Held,
    origin: String,
    from_file: bool,
}

/// The environment being built: a later assignment replaces an earlier one and moves to the
/// end, as a shell's would. Replaced slots are left empty and dropped at the end, with an
/// index by name, so that an env file of 160,000 lines takes linear time, not quadratic.
struct Building<'r, 'a> {
    slots: Vec<Option<Slot>>,
    at: std::collections::HashMap<OsString, usize>,
    resolver: &'r mut Resolver<'a>,
}

impl Building<'_, '_> {
    fn put(&mut self, slot: Slot) {
        if let Some(old) = self.at.insert(slot.name.clone(), self.slots.len()) {
            self.slots[old] = None;
        }
        self.slots.push(Some(slot));
    }

    /// Resolves the slot at `i` when it holds a reference.
    fn resolve(&mut self, i: usize) -> Result<()> {
        let slot = self.slots[i].as_mut().expect("indexed slots are filled");
        if let Held::Reference(r) = &slot.held {
            let secret = self
                .resolver
                .resolve_text(r)
                .map_err(|e| located(r, slot.origin.clone(), e))?;
            slot.held = Held::Secret(secret.expose().to_vec());
        }
        Ok(())
    }

    /// A variable's value for `${name}`, its reference resolved: the program would get the
    /// secret, so the expansion does too. Whether it is a secret comes with it.
    fn lookup(&mut self, name: &str) -> Result<Option<(Vec<u8>, bool)>> {
        let Some(&i) = self.at.get(std::ffi::OsStr::new(name)) else {
            return Ok(None);
        };
        self.resolve(i)?;
        Ok(
            match &self.slots[i]
                .as_ref()
                .expect("indexed slots are filled")
                .held
            {
                Held::Plain(v) => Some((v.clone(), false)),
                Held::Secret(v) => Some((v.clone(), true)),
                Held::Reference(_) => unreachable!("resolved above"),
            },
        )
    }

    /// An env-file entry: its expansions done against what is set so far (the environment,
    /// earlier files and earlier lines). What an expansion gives is never taken for a
    /// reference: a reference is written out, so that no variable can steer which secret
    /// is read.
    fn entry(&mut self, e: &dotenv::Entry, origin: String) -> Result<()> {
        let held = if e.expands() {
            let (mut secret, mut failed) = (false, None);
            let value = e.expand(&mut |name| match self.lookup(name) {
                Ok(found) => found.map(|(v, s)| {
                    secret |= s;
                    v
                }),
                Err(err) => {
                    failed.get_or_insert(err);
                    None
                }
            });
            if let Some(err) = failed {
                return Err(err);
            }
            if secret {
                Held::Secret(value)
            } else {
                Held::Plain(value)
            }
        } else {
            Held::of(e.value.clone().into_bytes())
        };
        self.put(Slot {
            name: e.name.clone().into(),
            held,
            origin,
            from_file: true,
        });
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<Var>> {
        for i in 0..self.slots.len() {
            if self.slots[i].is_some() {
                self.resolve(i)?;
            }
        }
        let vars = self.slots.into_iter().flatten().map(|s| {
            let (value, secret) = match s.held {
                Held::Plain(v) => (v, false),
                Held::Secret(v) => (v, true),
                Held::Reference(_) => unreachable!("resolved above"),
            };
            Var {
                name: s.name,
                value: os_from_bytes(value),
                origin: s.origin,
                secret,
                from_file: s.from_file,
            }
        });
        Ok(vars.collect())
    }
}

/// The environment with the env files and `--env` assignments applied, in order, every
/// reference resolved and every `${…}` expanded (docs/dotenv.md).
pub(crate) fn gather_env(
    env_files: &[PathBuf],
    assignments: &[String],
    resolver: &mut Resolver<'_>,
) -> Result<Vec<Var>> {
    // Every file is read and parsed, and every assignment checked, before a secret is read.
    let mut files = Vec::new();
    for file in env_files {
        let text =
            crate::fsutil::read_capped_string(file, crate::fsutil::Input::Text).map_err(|e| {
                Error::reading(format!("cannot read the env file '{}'", file.display()), e)
            })?;
        let shown = file.display().to_string();
        let entries = dotenv::parse(&text, &shown)?;
        files.push((shown, entries));
    }
    let mut sets = Vec::new();
    for a in assignments {
        let Some((name, value)) = a.split_once('=') else {
            return Err(Error::Usage(format!(
                "--env '{}' is not NAME=VALUE",
                a.escape_debug()
            )));
        };
        sets.push((name, value));
    }
    let mut env = Building {
        slots: Vec::new(),
        at: std::collections::HashMap::new(),
        resolver,
    };
    for (name, value) in std::env::vars_os() {
        let origin = format!("the environment variable {}", name.to_string_lossy());
        let held = Held::of(os_bytes(&value));
        env.put(Slot {
            name,
            held,
            origin,
            from_file: false,
        });
    }
    for (shown, entries) in &files {
        for e in entries {
            env.entry(e, format!("{shown}:{}", e.line))?;
        }
    }
    for (name, value) in sets {
        env.put(Slot {
            name: name.into(),
            held: Held::of(value.as_bytes().to_vec()),
            origin: format!("--env {name}"),
            from_file: true,
        });
    }
    env.finish()
}

#[cfg(unix)]
fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    s.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

#[cfg(unix)]
fn os_from_bytes(b: Vec<u8>) -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(b)
}

#[cfg(not(unix))]
fn os_from_bytes(b: Vec<u8>) -> OsString {
    String::from_utf8_lossy(&b).into_owned().into()
}

/// Copies a child's stream to ours through a masker, flushing as it goes.
fn pump(mut from: impl Read, mut to: impl Write, mut masker: Masker) {
    let mut buf = vec![0u8; 8192];
    loop {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let shown = masker.feed(&buf[..n]);
                if to.write_all(&shown).and_then(|_| to.flush()).is_err() {
                    // Our reader went away: stop, so the child sees a closed pipe too.
                    return;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    let _ = to.write_all(&masker.finish()).and_then(|_| to.flush());
}

/// The child's environment ([`gather_env`]). The token that opens the vault backend opens
/// every secret in it, as the identity opens the file store: the child does not inherit it
/// (an env file or `--env` may still give it one on purpose).
fn child_env(args: &Args, sigil: &crate::Sigil, resolver: &mut Resolver<'_>) -> Result<Vec<Var>> {
    let mut vars = gather_env(&args.env_files, &args.env, resolver)?;
    if sigil.uses_vault() {
        vars.retain(|v| v.from_file || v.name != "VAULT_TOKEN");
    }
    Ok(vars)
}

/// Runs `sigil run`, returning the child's exit status.
pub fn run(args: Args) -> Result<ExitCode> {
    let sigil = args.backend.open()?.for_use(crate::model::policy::Use::Run);
    let mut resolver = Resolver::new(&sigil);
    let mut vars = child_env(&args, &sigil, &mut resolver)?;
    let (program, rest) = args.command.split_first().expect("clap requires CMD");
    // The netrc is written before the command starts and removed after it ends: kept here,
    // it outlives the wait below, which a signal sigil passes on does not cut short.
    let (netrc, netrc_values) = match &args.netrc {
        Some(hosts) => {
            let (file, values) = netrc_for(&args.backend, hosts)?;
            for (name, value) in [
                ("NETRC", file.netrc().into_os_string()),
                ("CURL_HOME", file.curl_home().as_os_str().to_owned()),
            ] {
                vars.push(Var {
                    name: name.into(),
                    value,
                    origin: "--netrc".into(),
                    secret: false,
                    from_file: false,
                });
            }
            (Some(file), values)
        }
        None => (None, Vec::new()),
    };
    // The command gets the environment built above less the variables that carry sigil's
    // key: it needs the secrets it asked for, never the identity that opens all the others.
    let mut cmd =
        crate::ops::child::command_with_env(program, vars.iter().map(|v| (&v.name, &v.value)));
    cmd.args(rest);
    // With a netrc to remove afterwards, sigil stays to wait for the command.
    if args.no_mask && netrc.is_none() {
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            let err = cmd.exec();
            return Err(start_error(program, err));
        }
    }
    // The identity is masked too: a command may find it on its own (in identity.txt, say)
    // and print it, and one line of a CI log would then open every secret.
    let mut secrets = resolver.values();
    secrets.extend(netrc_values);
    secrets.extend(crate::ops::mask::identity_forms(&sigil));
    #[cfg(unix)]
    if !args.no_mask && use_pty(&args) {
        drop(cmd);
        let code = run_on_pty(program, rest, &vars, secrets)?;
        drop(netrc);
        return Ok(ExitCode::from(code));
    }
    #[cfg(unix)]
    let caught = catch_signals();
    let mut child = cmd
        .stdin(Stdio::inherit())
        .stdout(if args.no_mask {
            Stdio::inherit()
        } else {
            Stdio::piped()
        })
        .stderr(if args.no_mask {
            Stdio::inherit()
        } else {
            Stdio::piped()
        })
        .spawn()
        .map_err(|e| start_error(program, e))?;
    drop(vars);
    let pumps: Vec<_> = [
        child.stdout.take().map(|s| {
            let m = Masker::new(secrets.clone());
            std::thread::spawn(move || pump(s, std::io::stdout(), m))
        }),
        child.stderr.take().map(|s| {
            let m = Masker::new(secrets.clone());
            std::thread::spawn(move || pump(s, std::io::stderr(), m))
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    drop(secrets);
    #[cfg(unix)]
    let forwarding = forwarding(caught, &child, false);
    #[cfg(not(unix))]
    let forwarding = forward_signals(&child);
    let status = child.wait().map_err(|e| {
        Error::io(
            format!("cannot wait for '{}'", program.to_string_lossy()),
            e,
        )
    })?;
    drop(forwarding);
    for p in pumps {
        let _ = p.join();
    }
    drop(netrc);
    Ok(ExitCode::from(exit_code(status)))
}

/// Whether the command gets a pseudo-terminal: asked for, or on a terminal at both ends (a
/// pty between a pipe and the command would echo and edit what the pipe sends, and take a
/// byte 3 in it for Ctrl-C).
#[cfg(unix)]
fn use_pty(args: &Args) -> bool {
    use rustix::termios::isatty;
    !args.no_pty && (args.pty || (isatty(std::io::stdin()) && isatty(std::io::stdout())))
}

/// The program as `exec` would find it on `path` (the command's own PATH): a name with a `/`
/// as it is. Looked for here, so that a missing command is reported as without a pty.
#[cfg(unix)]
fn find_on(program: &std::ffi::OsStr, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    if program.as_bytes().contains(&b'/') {
        return Some(PathBuf::from(program));
    }
    std::env::split_paths(path?)
        .map(|d| {
            if d.as_os_str().is_empty() {
                PathBuf::from(".").join(program)
            } else {
                d.join(program)
            }
        })
        .find(|p| crate::ops::child::is_executable(p))
}

/// `sigil run` on a pseudo-terminal (see the command's help and `ops::pty`): starts the
/// command as a session leader on a new pty with the user's modes and window size, relays
/// until it ends with the user's terminal in raw mode, and returns its exit code.
#[cfg(unix)]
fn run_on_pty(
    program: &std::ffi::OsStr,
    rest: &[OsString],
    vars: &[Var],
    secrets: Vec<Vec<u8>>,
) -> Result<u8> {
    use crate::ops::pty::{self, Pty, RawMode, Wake};
    use rustix::fd::AsFd;
    use rustix::termios::{isatty, tcgetattr, tcsetwinsize};
    let name = program.to_string_lossy();
    let failed = |what: &str, e: std::io::Error| Error::io(format!("{what} for '{name}'"), e);
    let path = vars.iter().find(|v| v.name == "PATH").map(|v| &v.value);
    let resolved = find_on(program, path.map(|p| p.as_os_str()))
        .ok_or_else(|| start_error(program, std::io::Error::from(std::io::ErrorKind::NotFound)))?;
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let input_tty = isatty(&stdin);
    // The window size comes from the terminal sigil shows the output on, else the one it reads.
    let size_of = || {
        pty::window_size(&stdout).or_else(|| input_tty.then(|| pty::window_size(&stdin)).flatten())
    };
    let modes = if input_tty {
        tcgetattr(&stdin).ok()
    } else {
        None
    };
    let pty = Pty::open(modes.as_ref(), size_of())
        .map_err(|e| failed("cannot open a pseudo-terminal", e))?;
    let eof = match input_tty {
        true => None,
        false => tcgetattr(&pty.slave)
            .ok()
            .map(|t| t.special_codes[rustix::termios::SpecialCodeIndex::VEOF]),
    };
    // Registered before the child starts, so that an early end is not missed.
    let (wake_rx, hooks) = wake_ups().map_err(|e| failed("cannot set up the terminal relay", e))?;
    let exe = std::env::current_exe().map_err(|e| failed("cannot find the sigil executable", e))?;
    // Raw from before the command starts, so that no key typed early is taken by the user's
    // terminal (as a signal, or echoed twice) instead of reaching the command's.
    let raw = match input_tty {
        true => RawMode::enter(stdin.as_fd()).ok(),
        false => None,
    };
    let caught = catch_signals();
    let spawned = spawn_on(&pty, &exe, &resolved, program, rest, vars)
        .map_err(|e| failed("cannot set up the terminal relay", e))?;
    let Pty { master, slave } = pty;
    // Only the child holds the terminal now, so that its end is the end of the output.
    drop(slave);
    let mut child = spawned.map_err(|e| start_error(program, e))?;
    let forwarding = forward_signals_to_group(caught, &child);
    let mut masker = Masker::for_terminal(secrets);
    let mut status = None;
    let mut check = |signalled: bool| {
        if signalled && let Some(size) = size_of() {
            let _ = tcsetwinsize(&master, size);
        }
        if status.is_none()
            && let Ok(Some(s)) = child.try_wait()
        {
            status = Some(s);
        }
        status.is_some()
    };
    let relayed = pty::relay(
        &master,
        Some(stdin.as_fd()),
        eof,
        &mut stdout.lock(),
        &mut masker,
        Wake {
            fd: wake_rx.as_fd(),
            check: &mut check,
        },
    );
    drop(raw);
    drop(hooks);
    // The terminal closes: a command still on it (the output could not be shown) is hung up.
    drop(master);
    if relayed.is_err() {
        let _ = rustix::process::kill_process_group(
            rustix::process::Pid::from_child(&child),
            rustix::process::Signal::HUP,
        );
    }
    let status = match status {
        Some(s) => s,
        None => child.wait().map_err(|e| failed("cannot wait", e))?,
    };
    drop(forwarding);
    Ok(exit_code(status))
}

/// The wake-ups of the pty relay: a socket that becomes readable when a child ended (SIGCHLD)
/// or the window changed size (SIGWINCH), and the registrations, undone when dropped.
#[cfg(unix)]
fn wake_ups() -> std::io::Result<(std::os::unix::net::UnixStream, Hooks)> {
    let (wake_rx, wake_tx) = std::os::unix::net::UnixStream::pair()?;
    for s in [&wake_rx, &wake_tx] {
        s.set_nonblocking(true)?;
    }
    let mut hooks = Hooks(Vec::new());
    for sig in [signal_hook::consts::SIGCHLD, signal_hook::consts::SIGWINCH] {
        let tx = wake_tx.try_clone()?;
        hooks
            .0
            .push(signal_hook::low_level::pipe::register(sig, tx)?);
    }
    Ok((wake_rx, hooks))
}

/// Signal registrations, unregistered when dropped (on every way out).
#[cfg(unix)]
struct Hooks(Vec<signal_hook::SigId>);

#[cfg(unix)]
impl Drop for Hooks {
    fn drop(&mut self) {
        for h in self.0.drain(..) {
            signal_hook::low_level::unregister(h);
        }
    }
}

/// Starts `program` (found at `resolved`) on the pty's slave end through the sigil executable
/// `exe` under [`crate::ops::pty::SESSION_EXEC`], with the environment `vars`. The outer
/// error is sigil's (the slave end could not be handed over), the inner the start's.
#[cfg(unix)]
fn spawn_on(
    pty: &crate::ops::pty::Pty,
    exe: &std::path::Path,
    resolved: &std::path::Path,
    program: &std::ffi::OsStr,
    rest: &[OsString],
    vars: &[Var],
) -> std::io::Result<std::io::Result<std::process::Child>> {
    use std::os::unix::process::CommandExt;
    let slave = || pty.slave.try_clone().map(Stdio::from);
    let mut cmd =
        crate::ops::child::command_with_env(exe, vars.iter().map(|v| (&v.name, &v.value)));
    cmd.arg0(crate::ops::pty::SESSION_EXEC)
        .arg(resolved)
        .arg(program)
        .args(rest)
        .stdin(slave()?)
        .stdout(slave()?)
        .stderr(slave()?);
    Ok(cmd.spawn())
}

/// The netrc of `--netrc` in its temporary file, and its passwords (to mask). Its entries
/// are read as the `netrc` use, so a policy names that, and each is audited as one.
fn netrc_for(
    backend: &super::BackendArg,
    hosts: &[String],
) -> Result<(crate::ops::netrc::TempNetrc, Vec<Vec<u8>>)> {
    use crate::ops::netrc;
    let sigil = backend.open()?.for_use(crate::model::policy::Use::Netrc);
    let hosts: Vec<String> = hosts.iter().filter(|h| !h.is_empty()).cloned().collect();
    let entries = netrc::entries(&sigil, &hosts)?;
    let file = netrc::TempNetrc::create(&netrc::render(&entries)?)?;
    let values = entries
        .iter()
        .map(|e| e.password.expose().to_vec())
        .collect();
    Ok((file, values))
}

/// Passes the signals sigil run receives on to its child, until dropped, so that `kill`,
/// `docker stop` or a CI timeout reach the program and its exit status comes back to us.
/// SIGINT and SIGQUIT are caught but not passed on: a terminal sends them to the whole
/// process group, so the child already has them, and sigil must live to report its status.
#[cfg(unix)]
pub(crate) struct Forwarding {
    handle: signal_hook::iterator::Handle,
    thread: Option<std::thread::JoinHandle<()>>,
    ended: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

#[cfg(unix)]
impl Forwarding {
    /// Whether sigil was told to end (SIGTERM or SIGHUP) while the child ran: `sigil edit`
    /// then stores nothing, whatever the editor did with the signal.
    pub(crate) fn told_to_end(&self) -> bool {
        self.ended.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[cfg(unix)]
pub(crate) fn forward_signals(child: &std::process::Child) -> Option<Forwarding> {
    forwarding(catch_signals(), child, false)
}

/// The signals [`Forwarding`] passes on, caught from now on: taken before the child starts,
/// they are held for it instead of ending sigil when the child signals sigil at once.
#[cfg(unix)]
pub(crate) fn catch_signals() -> Option<signal_hook::iterator::Signals> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
    signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGINT, SIGQUIT]).ok()
}

/// [`forward_signals`] for a child that leads a session on a terminal of its own: no signal
/// sigil gets reaches it otherwise, SIGINT and SIGQUIT included, so all are passed on, to its
/// process group (SIGUSR1 and SIGUSR2 to the child alone, as without a terminal).
#[cfg(unix)]
fn forward_signals_to_group(
    caught: Option<signal_hook::iterator::Signals>,
    child: &std::process::Child,
) -> Option<Forwarding> {
    forwarding(caught, child, true)
}

#[cfg(unix)]
fn forwarding(
    caught: Option<signal_hook::iterator::Signals>,
    child: &std::process::Child,
    session: bool,
) -> Option<Forwarding> {
    use rustix::process::{Pid, Signal, kill_process, kill_process_group};
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
    let pid = Pid::from_child(child);
    let mut signals = caught?;
    let handle = signals.handle();
    let ended = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = ended.clone();
    let thread = std::thread::spawn(move || {
        for sig in signals.forever() {
            if sig == SIGTERM || sig == SIGHUP {
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            let to_child = match sig {
                SIGTERM => Signal::TERM,
                SIGHUP => Signal::HUP,
                SIGUSR1 => Signal::USR1,
                SIGUSR2 => Signal::USR2,
                SIGINT if session => Signal::INT,
                SIGQUIT if session => Signal::QUIT,
                _ => continue,
            };
            let _ = match to_child {
                Signal::USR1 | Signal::USR2 => kill_process(pid, to_child),
                _ if session => kill_process_group(pid, to_child),
                _ => kill_process(pid, to_child),
            };
        }
    });
    Some(Forwarding {
        handle,
        thread: Some(thread),
        ended,
    })
}

#[cfg(unix)]
impl Drop for Forwarding {
    fn drop(&mut self) {
        self.handle.close();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(not(unix))]
pub(crate) fn forward_signals(_child: &std::process::Child) -> Option<()> {
    None
}

pub(crate) fn start_error(program: &std::ffi::OsStr, e: std::io::Error) -> Error {
    let name = program.to_string_lossy();
    match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound {
            message: format!("cannot run '{name}': no such command"),
            help: Some("check the command name and PATH".into()),
        },
        _ => Error::io(format!("cannot run '{name}'"), e),
    }
}

/// A child's status as a shell reports it: its code, or 128+N for signal N.
pub(crate) fn exit_code(status: std::process::ExitStatus) -> u8 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return (128 + sig).min(255) as u8;
        }
    }
    status.code().map_or(1, |c| (c & 0xff) as u8)
}
