//! `sigil check`: a health check for cron and CI. Every secret must decrypt, every OAuth
//! account must still refresh (a real refresh, stored atomically), nothing may have expired
//! or be about to, the store must be private, and no plaintext credentials may sit in the
//! known locations. Each problem comes with the command that fixes it.
//!
//! Secrets are read from their stores directly, not through `get`: a health check is not a
//! use, so it neither counts against `--max-uses` nor is refused by `--allow`.

use crate::model::address::Address;
use crate::model::error::Result;
use crate::model::registry::{Kind, Registry};
use crate::model::when;
use crate::store::StoreError;
use crate::{ExpiryState, Sigil};
use serde::Serialize;
use time::OffsetDateTime;

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What kind: `decrypt`, `refresh`, `expired`, `expiring`, `permissions`, `plaintext`,
    /// `metadata`, `recipients`.
    pub check: String,
    /// The credential or file concerned.
    pub subject: String,
    /// What is wrong (never a value).
    pub problem: String,
    /// The command that fixes it.
    pub fix: String,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Secrets that were read.
    pub secrets: usize,
    /// OAuth accounts refreshed.
    pub refreshed: usize,
    /// What is wrong.
    pub problems: Vec<Problem>,
}

/// Checks `only` (accounts or fields), or everything when empty. Store-wide checks
/// (permissions, plaintext files) run only for a check of everything.
pub fn run(sigil: &Sigil, only: &[Address]) -> Result<Report> {
    let reg = Registry::load(sigil.paths())?;
    let now = OffsetDateTime::now_utc();
    let window = sigil.config().defaults.expiry_warning();
    let mut report = Report {
        secrets: 0,
        refreshed: 0,
        problems: vec![],
    };
    let mut push = |check: &str, subject: String, problem: String, fix: String| {
        report.problems.push(Problem {
            check: check.into(),
            subject,
            problem,
            fix,
        })
    };
    let wanted = |key: &str, field: Option<&str>| {
        only.is_empty()
            || only
                .iter()
                .any(|a| a.account_key() == key && (a.field().is_none() || a.field() == field))
    };
    for a in only {
        let known = reg
            .accounts
            .get(&a.account_key())
            .is_some_and(|m| a.field().is_none_or(|f| m.fields.iter().any(|x| x == f)));
        if !known {
            push(
                "metadata",
                a.to_string(),
                "not in accounts.toml".into(),
                "`sigil list` shows what is stored".into(),
            );
        }
    }
    let mut secrets = 0;
    let mut refreshed = 0;
    for (key, meta) in &reg.accounts {
        if !wanted(key, None) && !meta.fields.iter().any(|f| wanted(key, Some(f))) {
            continue;
        }
        let Some((service, account)) = key.split_once('/') else {
            continue;
        };
        let Ok(account_addr) = Address::new(service, account, None) else {
            continue;
        };
        let backend = meta
            .backend
            .parse::<crate::store::backend::BackendKind>()
            .ok();
        for field in &meta.fields {
            if !wanted(key, Some(field)) && !wanted(key, None) {
                continue;
            }
            let Ok(fa) = account_addr.with_field(field) else {
                continue;
            };
            let read = backend
                .ok_or_else(|| {
                    crate::model::error::Error::other(
                        format!("unknown backend '{}'", meta.backend),
                        None,
                    )
                })
                .and_then(|k| sigil.store_of(k))
                .and_then(|s| s.get(&fa));
            match read {
                Ok(_) => secrets += 1,
                // The walk over the store reports a file open to others, with its chmod.
                Err(
                    crate::model::error::Error::Permission(_)
                    | crate::model::error::Error::Store(StoreError::Permission(_)),
                ) if only.is_empty() => {}
                Err(e) => {
                    let fix = match &e {
                        crate::model::error::Error::Permission(p)
                        | crate::model::error::Error::Store(StoreError::Permission(p)) => p.fix(),
                        crate::model::error::Error::Store(StoreError::WrongIdentity { .. }) => e
                            .help()
                            .unwrap_or_else(|| format!("sigil add {fa} --force")),
                        _ => format!("sigil add {fa} --force"),
                    };
                    push("decrypt", fa.to_string(), e.to_string(), fix)
                }
            }
        }
        let renews = meta.kind == Kind::Oauth
            && (meta.fields.contains("refresh_token") || meta.fields.contains("client_secret"));
        if renews {
            match refresh(sigil, key) {
                Ok(()) => refreshed += 1,
                Err(e) => push(
                    "refresh",
                    key.clone(),
                    e.to_string(),
                    format!("sigil login {key} --force"),
                ),
            }
            continue;
        }
        let fix = if meta.kind == Kind::Oauth {
            format!("sigil login {key} --force")
        } else {
            format!("sigil add {key} --force --expires WHEN")
        };
        match (
            meta.expires_at,
            ExpiryState::of(meta.expires_at, now, window),
        ) {
            (Some(at), ExpiryState::Expired) => push(
                "expired",
                key.clone(),
                format!("expired at {}", when::format(at)),
                fix,
            ),
            (Some(at), ExpiryState::Expiring) => push(
                "expiring",
                key.clone(),
                format!("expires at {}", when::format(at)),
                fix,
            ),
            _ => {}
        }
    }
    report.secrets = secrets;
    report.refreshed = refreshed;
    // Whatever was asked: some secrets may still open with a removed member's key. Reported,
    // not finished (see `status::gather`).
    if let Some(u) = crate::ops::recipients::unfinished(sigil) {
        report.problems.push(Problem {
            check: "recipients".into(),
            subject: u.subject,
            problem: u.message,
            fix: u.fix,
        });
    }
    if only.is_empty() {
        let mut found = Vec::new();
        crate::ops::status::permission_problems(sigil.paths(), &mut found);
        for p in found {
            report.problems.push(Problem {
                check: "permissions".into(),
                subject: p
                    .message
                    .split('\'')
                    .nth(1)
                    .unwrap_or(&p.message)
                    .to_owned(),
                problem: p.message,
                fix: p.fix.unwrap_or_default(),
            });
        }
        let mut found = Vec::new();
        crate::ops::status::plaintext_problems(&mut found);
        for p in found {
            report.problems.push(Problem {
                check: "plaintext".into(),
                subject: p
                    .message
                    .split('\'')
                    .nth(1)
                    .unwrap_or(&p.message)
                    .to_owned(),
                problem: p.message,
                fix: p.fix.unwrap_or_default(),
            });
        }
    }
    Ok(report)
}

/// A real refresh of an OAuth account: the stored token is handed in as rejected, which
/// makes the provider issue a new one (stored atomically, rotated refresh token first).
#[cfg(feature = "oauth")]
fn refresh(sigil: &Sigil, key: &str) -> Result<()> {
    let addr = Address::parse(key)?;
    let full = addr.with_field(crate::model::address::OAUTH_FIELD)?;
    let kind = sigil.placement(&full)?;
    let current = sigil.store_of(kind)?.get(&full)?;
    sigil.refresh_unguarded(&full, &current).map(|_| ())
}

#[cfg(not(feature = "oauth"))]
fn refresh(_sigil: &Sigil, key: &str) -> Result<()> {
    Err(crate::model::error::Error::other(
        format!("cannot refresh '{key}': this sigil was built without the oauth feature"),
        None,
    ))
}
