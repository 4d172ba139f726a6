//! The team-store rows of `cargo xtask bench`: a store of 10,000 secrets encrypted to 100
//! members, shared through a local bare repository (`file://`), cloned onto a new machine
//! and synced after one change. Like the large-store rows these change state, so xtask times
//! each run itself by the wall clock.

use crate::bench::Sigil;
use crate::common::{Result, header};
use crate::tools::capture;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// How many times each command runs.
const RUNS: usize = 3;
/// How many secrets the team store has (`crate::team::fill` makes it).
const SECRETS: usize = 10_000;

/// The team-store results: seconds per run.
#[derive(Debug, Clone, Default)]
pub struct SyncBench {
    pub clone: Vec<f64>,
    pub sync_one: Vec<f64>,
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn cell(v: &[f64]) -> String {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(0.0, f64::max);
    format!(
        "{:.2} s (min {min:.2}, max {max:.2}, {} runs)",
        mean(v),
        v.len()
    )
}

fn timed(command: &mut Command) -> Result<f64> {
    let start = Instant::now();
    capture(command, None)?;
    Ok(start.elapsed().as_secs_f64())
}

/// Builds the team store in `tmp` (a private scratch directory) and times the rows.
pub fn run(sigil: &Sigil, tmp: &Path) -> Result<SyncBench> {
    let (home, _) = crate::team::fill(sigil, tmp)?;
    rows(sigil, tmp, &home)
}

/// Times the rows on the team store `a` (made by [`crate::team::fill`]).
pub fn rows(sigil: &Sigil, tmp: &Path, a: &Path) -> Result<SyncBench> {
    header("the team store through a bare repository: clone, and sync one change");
    let mut r = SyncBench::default();
    let bare = tmp.join("team.git");
    capture(
        Command::new("git")
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(&bare),
        None,
    )?;
    let url = format!("file://{}", bare.display());
    capture(sigil.command("sigil-sync", a).args(["init", &url]), None)?;
    capture(&mut sigil.command("sigil-sync", a), None)?;
    for run in 0..RUNS {
        let b = tmp.join(format!("team-b-{run}"));
        sigil.init(&b)?;
        r.clone.push(timed(
            sigil.command("sigil-sync", &b).args(["clone", &url]),
        )?);
        let listed = capture(&mut sigil.command("sigil-list", &b), None)?;
        if listed.lines().count() < SECRETS {
            return Err(format!(
                "the clone lists {} accounts",
                listed.lines().count()
            ));
        }
        let _ = fs::remove_dir_all(&b);
    }
    for run in 0..RUNS {
        capture(
            sigil
                .command("sigil-add", a)
                .arg(format!("bench/change-{run}")),
            Some(b"one-change"),
        )?;
        r.sync_one.push(timed(&mut sigil.command("sigil-sync", a))?);
    }
    Ok(r)
}

/// The doc's section for these rows.
pub fn section(r: &SyncBench) -> String {
    let mut doc = String::from(
        "\n## A team store through git\n\n\
         10,000 secrets encrypted to 100 members, shared through a local bare repository \
         (`file://`), timed by xtask by the wall clock. The clone goes into a fresh home with \
         its own identity and is checked with `sigil list`; each sync commits one added secret, \
         fetches and pushes.\n\n\
         | benchmark | mean (min, max) |\n| --- | --- |\n",
    );
    let _ = writeln!(
        doc,
        "| sigil sync clone, onto a new machine | {} |",
        cell(&r.clone)
    );
    let _ = writeln!(
        doc,
        "| sigil sync, one change (commit, fetch, push) | {} |",
        cell(&r.sync_one)
    );
    doc
}
