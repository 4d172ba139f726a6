//! `sigil list`: accounts and their state, never values.

use super::{out, stdout_is_tty, table};
use crate::ExpiryState;
use crate::model::error::{Error, Result};
use crate::model::shown;
use crate::model::when;
use crate::ops::handle::Account;
use clap::Parser;
use std::time::Duration;
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
    #[arg(long, conflicts_with = "tree")]
    pub json: bool,
    /// Print the store as a tree (service, account, fields), as `pass ls` does
    #[arg(long)]
    pub tree: bool,
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
        return out(json(&accounts, now, warn)?.as_bytes());
    }
    if args.tree {
        return out(tree(&accounts).as_bytes());
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

/// The accounts as a JSON array, one object per account (`list --json`, `find --json`).
pub(crate) fn json(accounts: &[Account], now: OffsetDateTime, warn: Duration) -> Result<String> {
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
    Ok(s)
}

/// The accounts as `pass ls` draws a store: services, their accounts, their fields, in the
/// order given (sorted by address), each name made terminal-safe.
pub(crate) fn tree(accounts: &[Account]) -> String {
    let mut services: Vec<(&str, Vec<&Account>)> = Vec::new();
    for a in accounts {
        match services.last_mut() {
            Some((s, list)) if *s == a.address.service() => list.push(a),
            _ => services.push((a.address.service(), vec![a])),
        }
    }
    let mut s = String::new();
    for (i, (service, list)) in services.iter().enumerate() {
        let last_service = i + 1 == services.len();
        branch(&mut s, "", last_service, service);
        let indent = if last_service { "    " } else { "\u{2502}   " };
        for (j, a) in list.iter().enumerate() {
            let last_account = j + 1 == list.len();
            branch(&mut s, indent, last_account, a.address.account());
            let inner = format!(
                "{indent}{}",
                if last_account { "    " } else { "\u{2502}   " }
            );
            let fields = &a.meta.fields;
            for (k, f) in fields.iter().enumerate() {
                branch(&mut s, &inner, k + 1 == fields.len(), f);
            }
        }
    }
    s
}

/// One line of a tree: the indent, `├── ` or `└── `, the name.
fn branch(s: &mut String, indent: &str, last: bool, name: &str) {
    let mark = if last {
        "\u{2514}\u{2500}\u{2500} "
    } else {
        "\u{251c}\u{2500}\u{2500} "
    };
    s.push_str(indent);
    s.push_str(mark);
    s.push_str(&shown::line(name));
    s.push('\n');
}
