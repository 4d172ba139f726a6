//! `sigil check`: health check for cron and CI.

use super::{out, table};
use crate::model::error::{Error, Result};
use clap::Parser;

/// Health check for cron and CI
#[derive(Debug, Parser)]
#[command(
    name = "sigil-check",
    version,
    about = "Health check for cron and CI",
    long_about = "Check that every secret decrypts, that every OAuth account can still \
refresh (a real refresh, stored atomically), that nothing has expired or expires within the \
warning window ([defaults] expiry_warning, 7 days), that the store's permissions are private, \
and that no plaintext credentials sit in the known locations (~/.netrc, ~/.git-credentials, \
gh's hosts.yml), and that no `recipients add` or `rm` was left unfinished. With ADDR, only those credentials are checked. Exits 0 when all is well; \
otherwise prints a table of problems with the command that fixes each, and exits 1.",
    after_help = "Examples:\n  sigil check\n  sigil check github/me --json\n  0 6 * * * sigil check || notify-send 'sigil needs attention'"
)]
pub struct Args {
    /// Only these credentials (service/account[/field])
    #[arg(value_name = "ADDR")]
    pub addresses: Vec<String>,
    /// Print a JSON object
    #[arg(long)]
    pub json: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil check`.
pub fn run(args: Args) -> Result<()> {
    let only = args
        .addresses
        .iter()
        .map(|a| super::address(a))
        .collect::<Result<Vec<_>>>()?;
    // Reports an interrupted `recipients` edit instead of finishing it (see `check::run`).
    let sigil = args.backend.open_leaving_recipients()?;
    let report = crate::ops::check::run(&sigil, &only);
    let subjects: Vec<String> = only.iter().map(|a| a.to_string()).collect();
    let report = report?;
    let outcome: Result<()> = if report.problems.is_empty() {
        Ok(())
    } else {
        Err(Error::other(problems(report.problems.len()), None))
    };
    crate::audit::record(&sigil, "check", &subjects, &outcome);
    if args.json {
        let v = serde_json::json!({
            "ok": report.problems.is_empty(),
            "secrets": report.secrets,
            "refreshed": report.refreshed,
            "problems": report.problems,
        });
        out(format!("{v:#}\n").as_bytes())?;
    } else if report.problems.is_empty() {
        eprintln!(
            "all is well: {} secret{} decrypted, {} OAuth account{} refreshed",
            report.secrets,
            if report.secrets == 1 { "" } else { "s" },
            report.refreshed,
            if report.refreshed == 1 { "" } else { "s" }
        );
    } else {
        let rows: Vec<Vec<String>> = report
            .problems
            .iter()
            .map(|p| {
                vec![
                    p.check.clone(),
                    p.subject.clone(),
                    p.problem.clone(),
                    p.fix.clone(),
                ]
            })
            .collect();
        out(table(&["CHECK", "SUBJECT", "PROBLEM", "FIX"], &rows).as_bytes())?;
    }
    outcome
}

fn problems(n: usize) -> String {
    if n == 1 {
        "1 problem found".into()
    } else {
        format!("{n} problems found")
    }
}
