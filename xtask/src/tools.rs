//! The external tools the tests and the benchmark need (and the Debian packages that install
//! them), and running commands.

use crate::common::{Result, header};
use std::fs;
use std::io::{self, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Commands the test suite runs, and the Debian package that provides each; `cargo xtask test`
/// also installs [`KEYRING_TOOLS`]. Later work adds rows here (e.g. `oathtool` → `oathtool`,
/// `node`/`npm` → `nodejs`/`npm`).
pub(crate) const TEST_TOOLS: &[(&str, &str)] = &[
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
    // sigil migrate's pass and gopass tests make a real store with pass and gpg.
    ("pass", "pass"),
    ("gpg", "gnupg"),
    ("gpgconf", "gnupg"),
    // The OAuth tests run an oidc-provider authorization server (tests/oidc).
    ("node", "nodejs"),
    ("npm", "npm"),
    // The browser tests log in through Debian's Chromium, headless, driven by puppeteer-core.
    ("chromium", "chromium"),
    // The dotenv tests hold sigil's reading of env files against python-dotenv's.
    ("python-dotenv", "python3-dotenv"),
    // The docker credential helper's tests log in with the docker CLI (client-side, no
    // daemon), push and inspect with skopeo, against docker-registry behind htpasswd auth.
    ("docker", "docker.io"),
    ("skopeo", "skopeo"),
    ("docker-registry", "docker-registry"),
    ("htpasswd", "apache2-utils"),
    // The AWS tests run sigil as a credential_process under Debian's AWS CLI v2 and
    // botocore. Both by path: the `aws` first on a developer's PATH may be another one (a
    // pyenv CLI v1 has no `configure export-credentials`), and botocore is a module that
    // Debian's python3 loads, not a command.
    ("/usr/bin/aws", "awscli"),
    (BOTOCORE, "python3-botocore"),
    // The kubectl exec plugin's tests run the real kubectl against an API server written in
    // Python, behind TLS with a certificate openssl makes.
    ("kubectl", "kubernetes-client"),
    ("openssl", "openssl"),
    // The netrc tests run the real curl -n against a server that checks basic auth.
    ("curl", "curl"),
    // The pip keyring tests install pip and pypiserver into a venv of Debian's python3.
    ("/usr/bin/python3", "python3-venv"),
    // The askpass tests add a passphrase-protected key to an ssh-agent with SSH_ASKPASS.
    ("ssh-add", "openssh-client"),
    ("ssh-agent", "openssh-client"),
    ("ssh-keygen", "openssh-client"),
    // The completion tests load completions/ into real shells: bash's completion function,
    // fish's `complete -C`, and an interactive zsh driven by tmux (tests/it/complete.rs).
    ("bash", "bash"),
    ("zsh", "zsh"),
    ("fish", "fish"),
    ("tmux", "tmux"),
    // The clipboard tests copy under an Xvfb server of their own and read back with xclip.
    ("Xvfb", "xvfb"),
    ("xclip", "xclip"),
];

/// The file that shows Debian's botocore is installed for `/usr/bin/python3`.
pub(crate) const BOTOCORE: &str = "/usr/lib/python3/dist-packages/botocore/__init__.py";

/// Commands `cargo xtask bench` runs besides sigil's own binaries; it also installs
/// [`KEYRING_TOOLS`].
pub(crate) const BENCH_TOOLS: &[(&str, &str)] = &[
    // command      Debian package
    ("hyperfine", "hyperfine"),
    // GNU time: the peak memory of the large-store rows.
    ("/usr/bin/time", "time"),
    ("age", "age"),
    ("pass", "pass"),
    ("gpg", "gnupg"),
    ("gpgconf", "gnupg"),
];

/// What [`KeyringSession`](crate::keyring::KeyringSession) runs: a private Secret Service for
/// `test`, `bench` and `keyring-shell`.
pub(crate) const KEYRING_TOOLS: &[(&str, &str)] = &[
    // command      Debian package
    ("dbus-daemon", "dbus"),
    ("gnome-keyring-daemon", "gnome-keyring"),
    ("secret-tool", "libsecret-tools"),
    // The locked-keyring test locks the collection through the Secret Service API with it.
    ("dbus-send", "dbus-bin"),
];

pub(crate) fn on_path(command: &str) -> bool {
    // An absolute path names the file itself: a program that must be that one, not the first
    // of its name on PATH, or a module that a program loads.
    if Path::new(command).is_absolute() {
        return Path::new(command).is_file();
    }
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
pub(crate) fn ensure_tools(tools: &[(&str, &str)]) -> Result<()> {
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

pub(crate) fn shown(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs `command` with inherited stdio, so its output reaches the terminal or the CI log as is.
pub(crate) fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .map_err(|e| format!("cannot run `{}`: {e}", shown(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", shown(command)))
    }
}

/// Starts `command` with its stdout and stderr piped, and its stdin piped when there is input
/// to give it (else empty). Returns the child and the command as messages show it.
pub(crate) fn spawn_piped(command: &mut Command, stdin: Option<&[u8]>) -> Result<(Child, String)> {
    let what = shown(command);
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command
        .spawn()
        .map_err(|e| format!("cannot run `{what}`: {e}"))?;
    Ok((child, what))
}

/// Runs `command` with `stdin` as its input and returns its stdout; its stderr is shown only
/// when it fails.
pub(crate) fn capture(command: &mut Command, stdin: Option<&[u8]>) -> Result<String> {
    let (mut child, what) = spawn_piped(command, stdin)?;
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
