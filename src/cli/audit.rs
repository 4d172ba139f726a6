//! `sigil audit`: show and verify the tamper-evident audit log.

use super::{out, stdout_is_tty, table};
use crate::audit::{self, Entry, Key};
use crate::model::error::{Error, Result};
use clap::{Parser, Subcommand};
use time::OffsetDateTime;

/// Show and verify the tamper-evident audit log
#[derive(Debug, Parser)]
#[command(
    name = "sigil-audit",
    version,
    about = "Show and verify the tamper-evident audit log",
    long_about = "Show and verify <home>/audit.log, where every sigil command that touches a \
secret appends one JSON line: time, event, addresses, outcome, binary, pid and parent command, \
never a value. Each line carries a MAC over its content and the previous line's, keyed from \
the age identity, so a change by someone without the identity is caught. `audit = false` in \
config.toml turns the log off.",
    after_help = "Examples:\n  sigil audit show --since 24h --event get\n  sigil audit show --json | jq .\n  sigil audit verify"
)]
pub struct Args {
    /// What to do
    #[command(subcommand)]
    pub action: Action,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// `sigil audit` actions.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Print entries: a table on a terminal, tab-separated lines otherwise, JSON lines with --json
    Show {
        /// Only entries at or after WHEN: a time, a date, or a duration ago (24h, 7d)
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// Only entries about this credential (service/account[/field])
        #[arg(long, value_name = "ADDR")]
        address: Option<String>,
        /// Only this event (get, add, rm, refresh, policy.set, …; `backup` matches backup.*)
        #[arg(long, value_name = "E")]
        event: Option<String>,
        /// Print one JSON object per line (for a SIEM)
        #[arg(long)]
        json: bool,
    },
    /// Check the whole chain; exit 0 when intact, 5 naming the first bad line when not
    Verify,
}

/// Runs `sigil audit`.
pub fn run(args: Args) -> Result<()> {
    let sigil = args.backend.open()?;
    match args.action {
        Action::Show {
            since,
            address,
            event,
            json,
        } => show(&sigil, since, address, event, json),
        Action::Verify => {
            let result = verify(&sigil);
            if result
                .as_ref()
                .is_err_and(|e| e.class() == crate::model::error::ExitClass::Refused)
            {
                audit::record(&sigil, "audit.verify", &[], &result);
            }
            result
        }
    }
}

/// `--since`: a duration means that long ago; otherwise a time or date.
fn since(text: &str, now: OffsetDateTime) -> Result<OffsetDateTime> {
    if let Ok(d) = humantime::parse_duration(text.trim())
        && let Ok(d) = time::Duration::try_from(d)
    {
        return Ok(now - d);
    }
    crate::model::when::parse(text, now)
}

fn show(
    sigil: &crate::Sigil,
    since_text: Option<String>,
    address: Option<String>,
    event: Option<String>,
    json: bool,
) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let from = since_text.as_deref().map(|t| since(t, now)).transpose()?;
    let address = address.map(|a| super::address(&a)).transpose()?;
    let entries = audit::read_all(sigil.paths())?;
    let wanted = |e: &Entry| -> bool {
        if let Some(from) = from {
            let at = time::OffsetDateTime::parse(
                &e.time,
                &time::format_description::well_known::Rfc3339,
            );
            if at.is_ok_and(|t| t < from) {
                return false;
            }
        }
        if let Some(ev) = &event
            && !(e.event == *ev || e.event.starts_with(&format!("{ev}.")))
        {
            return false;
        }
        if let Some(a) = &address {
            let a = a.to_string();
            let account = format!("{a}/");
            if !e
                .addresses
                .iter()
                .any(|x| *x == a || x.starts_with(&account))
            {
                return false;
            }
        }
        true
    };
    let chosen: Vec<&Entry> = entries.iter().filter(|e| wanted(e)).collect();
    if json {
        let mut s = String::new();
        for e in chosen {
            let line = serde_json::to_string(e)
                .map_err(|e| Error::other(format!("cannot encode JSON: {e}"), None))?;
            s.push_str(&line);
            s.push('\n');
        }
        return out(s.as_bytes());
    }
    let rows: Vec<Vec<String>> = chosen
        .iter()
        .map(|e| {
            vec![
                e.seq.to_string(),
                e.time.clone(),
                e.event.clone(),
                if e.addresses.is_empty() {
                    "-".into()
                } else {
                    e.addresses.join(",")
                },
                match &e.reason {
                    Some(r) => format!("{} ({r})", e.outcome),
                    None => e.outcome.clone(),
                },
                e.binary.clone(),
                e.pid.to_string(),
                e.parent.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    if stdout_is_tty() {
        if rows.is_empty() {
            eprintln!("no audit entries match");
            return Ok(());
        }
        let header = [
            "SEQ", "TIME", "EVENT", "ADDRESS", "OUTCOME", "BINARY", "PID", "PARENT",
        ];
        return out(table(&header, &rows).as_bytes());
    }
    out(super::tsv(&rows).as_bytes())
}

fn verify(sigil: &crate::Sigil) -> Result<()> {
    let key = Key::of(sigil);
    match audit::verify(sigil.paths(), &key)? {
        Err(broken) => Err(broken.into_error()),
        Ok(v) => {
            let files = |n: usize| {
                if n == 1 {
                    "1 file".to_owned()
                } else {
                    format!("{n} files")
                }
            };
            let entries = |n: u64| {
                if n == 1 {
                    "1 entry".to_owned()
                } else {
                    format!("{n} entries")
                }
            };
            let mut s = match &v.key {
                Some(id) => format!(
                    "the audit log is intact: {} in {}, keyed from the identity (key {id})\n",
                    entries(v.entries),
                    files(v.files)
                ),
                None => "the audit log is empty\n".to_owned(),
            };
            for lost in &v.lost {
                s.push_str(&format!(
                    "note: {}: the log has a gap there\n",
                    crate::model::shown::line(lost)
                ));
            }
            if v.starts_at > 1 {
                s.push_str(&format!(
                    "note: the kept chain starts at entry {}: entries 1–{} were in the oldest rotated files, deleted past audit_keep (recorded in the log)\n",
                    v.starts_at,
                    v.starts_at - 1
                ));
            }
            if v.earlier_key > 0 {
                s.push_str(&format!(
                    "note: the first {} were written under an earlier identity (before a key rotation); only that identity can check them\n",
                    entries(v.earlier_key)
                ));
            }
            if let Some(side) = &v.side {
                s.push_str(&format!(
                    "note: the unkeyed side log '{}' is intact: {} in {}, unkeyed: a plain \
                     SHA-256 chain written without the identity (wrong passphrases, jobs \
                     without one), which shows damage but not forgery\n",
                    side.path.display(),
                    entries(side.entries),
                    files(side.files)
                ));
            }
            out(s.as_bytes())
        }
    }
}
