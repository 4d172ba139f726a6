//! `cargo xtask fuzz`: sigil's fuzz targets (`fuzz/`, cargo-fuzz layout) run one after another
//! with cargo-fuzz on the nightly toolchain, each for a fixed time. A crash fails the run with
//! the target's name and the reproducer libFuzzer wrote.
//!
//! The targets run one at a time in a single libFuzzer process each: CI machines and laptops
//! here have two cores, and parallel jobs would only make each target's time count for less.

use crate::common::{Result, header};
use crate::tools::{on_path, run};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// The toolchain cargo-fuzz needs (`-Z sanitizer`, `-C passes=sancov-module`).
const TOOLCHAIN: &str = "nightly";

/// How a short run in `cargo xtask test` builds the targets: unoptimized and without
/// AddressSanitizer, which takes a third of the time of the full build from cold and still
/// runs every check of the harness (and Rust's own bounds and overflow checks).
const SMOKE_BUILD: &[&str] = &["--dev", "--sanitizer", "none"];

/// The full runs (`cargo xtask fuzz`): optimized, AddressSanitizer and debug assertions on.
const FULL_BUILD: &[&str] = &["--debug-assertions"];

/// A short run of every target, for `cargo xtask test` (so for CI): `seconds` each from the
/// committed corpus, so that a check or a parser change that breaks on what a fuzzer would
/// find in seconds fails the test run. The long runs are `cargo xtask fuzz`.
pub fn smoke(root: &Path, seconds: u64) -> Result<()> {
    let known = known_targets(&root.join("fuzz"))?;
    run_with(root, seconds, &known, SMOKE_BUILD)
}

/// Runs `targets` (every target when empty) for `seconds` each; fails when any crashed.
pub fn run_all(root: &Path, seconds: u64, targets: &[String]) -> Result<()> {
    let fuzz_dir = root.join("fuzz");
    let known = known_targets(&fuzz_dir)?;
    let chosen: Vec<String> = if targets.is_empty() {
        known.clone()
    } else {
        targets.to_vec()
    };
    if let Some(unknown) = chosen.iter().find(|t| !known.contains(t)) {
        return Err(format!(
            "no fuzz target '{unknown}'; the targets are: {}",
            known.join(", ")
        ));
    }
    run_with(root, seconds, &chosen, FULL_BUILD)
}

/// Builds every target with `build` flags, then runs `chosen` for `seconds` each.
fn run_with(root: &Path, seconds: u64, chosen: &[String], build: &[&str]) -> Result<()> {
    ensure_cargo_fuzz()?;
    // One build of every target first: each run after it starts at once.
    run(fuzz_command(root).arg("build").args(build))?;
    let mut crashes = Vec::new();
    for target in chosen {
        if let Some(crash) = run_one(root, target, seconds, build)? {
            crashes.push(crash);
        }
    }
    if crashes.is_empty() {
        eprintln!("no crash in {} target(s), {seconds} s each", chosen.len());
        return Ok(());
    }
    Err(format!(
        "{} target(s) crashed:\n{}",
        crashes.len(),
        crashes.join("\n")
    ))
}

/// The targets: the files of `fuzz/fuzz_targets/`, sorted.
fn known_targets(fuzz_dir: &Path) -> Result<Vec<String>> {
    let dir = fuzz_dir.join("fuzz_targets");
    let entries = fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .collect();
    names.sort();
    Ok(names)
}

/// Installs cargo-fuzz (pinned by its own lock file) when it is not on PATH.
fn ensure_cargo_fuzz() -> Result<()> {
    if on_path("cargo-fuzz") {
        return Ok(());
    }
    header("installing cargo-fuzz");
    run(Command::new("cargo").args(["install", "--locked", "cargo-fuzz"]))
}

/// `cargo fuzz` on nightly in `fuzz/`, building into `fuzz/target` whatever
/// `CARGO_TARGET_DIR` the caller set (so a nightly sanitizer build never mixes with the
/// stable one). The variables cargo and rustup set for xtask itself are dropped, so that the
/// nightly toolchain is the one that runs.
fn fuzz_command(root: &Path) -> Command {
    let mut c = Command::new("rustup");
    c.args(["run", TOOLCHAIN, "cargo", "fuzz"])
        .current_dir(root.join("fuzz"))
        .env("CARGO_TARGET_DIR", root.join("fuzz/target"));
    for var in ["CARGO", "RUSTUP_TOOLCHAIN", "RUSTC", "RUSTDOC", "RUSTFLAGS"] {
        c.env_remove(var);
    }
    c
}

/// Runs one target for `seconds`. New inputs go to `fuzz/target/corpus/<target>` (ignored by
/// git); the committed corpus is read as seeds. Returns what to report when it crashed.
fn run_one(root: &Path, target: &str, seconds: u64, build: &[&str]) -> Result<Option<String>> {
    let scratch = root.join("fuzz/target/corpus").join(target);
    fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let seeds = root.join("fuzz/corpus").join(target);
    let artifacts = root.join("fuzz/artifacts").join(target);
    let started = SystemTime::now();
    header(&format!("fuzzing {target} for {seconds} s"));
    let status = fuzz_command(root)
        .arg("run")
        .args(build)
        .arg(target)
        .arg(&scratch)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg("-print_final_stats=1")
        .status()
        .map_err(|e| format!("cannot run `cargo fuzz run {target}`: {e}"))?;
    if status.success() {
        return Ok(None);
    }
    let reproducer = newest_since(&artifacts, started);
    Ok(Some(match reproducer {
        Some(path) => format!(
            "  {target}: reproducer {} (replay: cd fuzz && cargo +{TOOLCHAIN} fuzz run {target} {})",
            path.display(),
            path.display()
        ),
        None => format!("  {target}: cargo fuzz failed ({status}) and wrote no reproducer"),
    }))
}

/// The newest file in `dir` written at or after `since`.
fn newest_since(dir: &Path, since: SystemTime) -> Option<PathBuf> {
    fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .filter(|(t, _)| *t >= since)
        .max()
        .map(|(_, p)| p)
}
