//! `cargo xtask gen [--check]`: shell completions and man pages rendered from the clap
//! definitions in `sigil::internal::cli::commands()` into the committed `completions/` and
//! `man/`, or checked against them. The bash, zsh and fish completions are the registration
//! scripts of clap_complete's dynamic completion ([`DYNAMIC`]).

use crate::common::{Result, workspace_root};
use clap_complete::{Generator, Shell};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

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

/// Shells whose completions are clap_complete's dynamic registration (`SIGIL_COMPLETE=<shell>
/// <bin>` prints the same script): at each TAB the shell asks the binary, which completes
/// options and subcommands from the clap definitions and addresses, accounts, fields,
/// providers and folders from the store's metadata (`sigil::internal::cli::complete`). The
/// others get clap_complete's static scripts (options and subcommands only): the dynamic path
/// is run in real bash, zsh and fish by tests/it/complete.rs, and nothing here runs
/// PowerShell or Elvish.
const DYNAMIC: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

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
            let buf = if DYNAMIC.contains(&shell) {
                sigil::internal::cli::complete::registration(&shell.to_string(), &name)
                    .ok_or_else(|| format!("clap_complete has no {shell} registration"))?
            } else {
                let mut command = command.clone();
                let mut buf = Vec::new();
                clap_complete::generate(shell, &mut command, name.as_str(), &mut buf);
                buf
            };
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

pub(crate) fn gen_check() -> Result<()> {
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

pub(crate) fn gen_write() -> Result<()> {
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
}
