//! A private Secret Service (gnome-keyring on a D-Bus bus of its own) for the keyring tests,
//! the keyring benchmark and `cargo xtask keyring-shell`.

use crate::common::{Result, create_private_dir, header};
use crate::tools::{KEYRING_TOOLS, ensure_tools, shown, spawn_piped};
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{self, BufRead as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitCode, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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
pub(crate) struct KeyringSession {
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
    pub(crate) fn log(&self, name: &str) -> String {
        match fs::read_to_string(self.dir.join(name)) {
            Ok(text) if !text.trim().is_empty() => format!("\n{name}:\n{}", text.trim_end()),
            _ => String::new(),
        }
    }

    /// Points `command` (a client: everything else from our environment stays) at this
    /// Secret Service.
    pub(crate) fn apply<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("GNOME_KEYRING_CONTROL", &self.control)
    }

    pub(crate) fn client(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        self.apply(&mut command);
        command
    }

    /// How the keyring daemon ended, if it is no longer running.
    pub(crate) fn daemon_exit(&mut self) -> Option<ExitStatus> {
        self.keyring.as_mut()?.try_wait().ok().flatten()
    }

    pub(crate) fn env(&self) -> [(&'static str, &OsStr); 2] {
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

/// [`capture`](crate::tools::capture), but `command` is killed (and this fails) if it has not
/// finished by `deadline`. For commands with little output: it is read once they exit.
fn capture_until(command: &mut Command, stdin: Option<&[u8]>, deadline: Instant) -> Result<String> {
    let (mut child, what) = spawn_piped(command, stdin)?;
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
pub(crate) fn start_keyring_session(purpose: &str) -> Result<KeyringSession> {
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
pub(crate) fn keyring_shell(mut argv: Vec<OsString>) -> Result<ExitCode> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::{capture, on_path};

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
}
