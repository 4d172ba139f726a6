//! `sigil list`: accounts and their state, never values.

use super::{out, stdout_is_tty, table};
use crate::ExpiryState;
use crate::model::error::{Error, Result};
use crate::model::when;
use clap::Parser;
use time::OffsetDateTime;

/// List stored credentials (never their values)
#[derive(Debug, Parser)]
#[command(
    name = "sigil-list",
    version,
    about = "List stored credentials (never their values)",
    long_about = "List stored credentials with their kind, fields, backend and expiry state. \
Values are never shown. On a terminal the output is a table; otherwise one tab-separated \
line per account: address, kind, fields, backend, expires, state."
)]
pub struct Args {
    /// Only this service's accounts
    #[arg(value_name = "SERVICE")]
    pub service: Option<String>,
    /// Print a JSON array
    #[arg(long)]
    pub json: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil list`.
pub fn run(args: Args) -> Result<()> {
    if let Some(s) = &args.service {
        crate::model::address::Address::new(s, "x", None)?;
    }
    let sigil = args.backend.open()?;
    let accounts = sigil.list(args.service.as_deref())?;
    let now = OffsetDateTime::now_utc();
    let warn = sigil.config().defaults.expiry_warning();
    if args.json {
        let items: Vec<serde_json::Value> = accounts
            .iter()
            .map(|a| {
                let m = &a.meta;
                serde_json::json!({
                    "address": a.address.to_string(),
                    "kind": m.kind.as_str(),
                    "fields": m.fields,
                    "backend": m.backend,
                    "provider": m.provider,
                    "scopes": m.scopes,
                    "created": when::format(m.created),
                    "updated": when::format(m.updated),
                    "expires_at": m.expires_at.map(when::format),
                    "state": ExpiryState::of(m.expires_at, now, warn).as_str(),
                    "note": m.note,
                })
            })
            .collect();
        let mut s = serde_json::to_string_pretty(&items)
            .map_err(|e| Error::other(format!("cannot encode JSON: {e}"), None))?;
        s.push('\n');
        return out(s.as_bytes());
    }
    let rows: Vec<Vec<String>> = accounts
        .iter()
        .map(|a| {
            let m = &a.meta;
            vec![
                a.address.to_string(),
                m.kind.as_str().to_owned(),
                m.fields.iter().cloned().collect::<Vec<_>>().join(","),
                m.backend.clone(),
                m.expires_at.map(when::format).unwrap_or_else(|| "-".into()),
                ExpiryState::of(m.expires_at, now, warn).as_str().to_owned(),
            ]
        })
        .collect();
    if stdout_is_tty() {
        if rows.is_empty() {
            eprintln!("no credentials stored; add one with `sigil add SERVICE/ACCOUNT`");
            return Ok(());
        }
        let header = ["ADDRESS", "KIND", "FIELDS", "BACKEND", "EXPIRES", "STATE"];
        return out(table(&header, &rows).as_bytes());
    }
    out(super::tsv(&rows).as_bytes())
}
