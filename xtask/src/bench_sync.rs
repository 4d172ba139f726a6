//! The team-store rows of `cargo xtask bench`: a store of 10,000 secrets encrypted to 100
//! members, shared through a local bare repository (`file://`), cloned onto a new machine
//! and synced after one change. Like the large-store rows these change state, so xtask times
//! each run itself by the wall clock.

use crate::bench::Sigil;
use crate::common::{Result, create_private_dir, header};
use crate::tools::capture;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// How many times each command runs.
const RUNS: usize = 3;
/// How many secrets and members the team store has.
const SECRETS: usize = 10_000;
const MEMBERS: usize = 100;

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
    header("a team store: 100 members, 10,000 secrets, through a bare repository");
    let mut r = SyncBench::default();
    let a = tmp.join("team-a");
    sigil.init(&a)?;
    // The 99 other members' keys: made by sigil itself, one home each, as each member's
    // `sigil init` would.
    let mut keys = fs::read_to_string(a.join("identity.pub")).map_err(|e| e.to_string())?;
    for i in 1..MEMBERS {
        let m = tmp.join(format!("member-{i}"));
        sigil.init(&m)?;
        keys.push_str(&fs::read_to_string(m.join("identity.pub")).map_err(|e| e.to_string())?);
        let _ = fs::remove_dir_all(&m);
    }
    fs::write(a.join("store/.age-recipients"), keys).map_err(|e| e.to_string())?;
    let app = tmp.join("team-app");
    create_private_dir(&app)?;
    let mut text = String::new();
    for i in 0..SECRETS {
        let _ = writeln!(text, "TEAM_{i}_API_KEY=sk-team-{i:08}-abcdefghijklmnop");
    }
    fs::write(app.join(".env"), text).map_err(|e| e.to_string())?;
    capture(
        sigil
            .command("sigil-migrate", &a)
            .arg(app.join(".env"))
            .current_dir(tmp),
        None,
    )?;
    let bare = tmp.join("team.git");
    capture(
        Command::new("git")
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(&bare),
        None,
    )?;
    let url = format!("file://{}", bare.display());
    capture(sigil.command("sigil-sync", &a).args(["init", &url]), None)?;
    capture(&mut sigil.command("sigil-sync", &a), None)?;
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
                .command("sigil-add", &a)
                .arg(format!("bench/change-{run}")),
            Some(b"one-change"),
        )?;
        r.sync_one
            .push(timed(&mut sigil.command("sigil-sync", &a))?);
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
