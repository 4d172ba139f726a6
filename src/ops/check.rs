//! `sigil check`: a health check for cron and CI. Every secret must decrypt, every OAuth
//! account must still refresh (a real refresh, stored atomically), nothing may have expired
//! or be about to, the store must be private, and no plaintext credentials may sit in the
//! known locations. Each problem comes with the command that fixes it.
//!
//! Secrets are read from their stores directly, not through `get`: a health check is not a
//! use, so it neither counts against `--max-uses` nor is refused by `--allow`.

use crate::model::address::{Address, FieldAddress};
use crate::model::error::Result;
use crate::model::registry::{AccountMeta, Kind, Registry};
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
    for a in only.iter().filter(|a| !described(&reg, a)) {
        push(
            "metadata",
            a.to_string(),
            "not in accounts.toml".into(),
            "`sigil list` shows what is stored".into(),
        );
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
        for field in &meta.fields {
            if !wanted(key, Some(field)) && !wanted(key, None) {
                continue;
            }
            let Ok(fa) = account_addr.with_field(field) else {
                continue;
            };
            match read(sigil, &meta.backend, &fa) {
                Ok(_) => secrets += 1,
                // The walk over the store reports a file open to others, with its chmod.
                Err(
                    crate::model::error::Error::Permission(_)
                    | crate::model::error::Error::Store(StoreError::Permission(_)),
                ) if only.is_empty() => {}
                Err(e) => push(
                    "decrypt",
                    fa.to_string(),
                    e.to_string(),
                    decrypt_fix(&e, &fa),
                ),
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
        if let Some((check, problem, fix)) = expiry(key, meta, now, window) {
            push(check, key.clone(), problem, fix);
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
        store_wide_problems(sigil, &mut report.problems);
    }
    Ok(report)
}

/// Reads field `fa` from the backend `accounts.toml` names for it.
fn read(sigil: &Sigil, backend: &str, fa: &FieldAddress) -> Result<crate::Secret> {
    let kind = backend
        .parse::<crate::store::backend::BackendKind>()
        .map_err(|_| {
            crate::model::error::Error::other(format!("unknown backend '{backend}'"), None)
        })?;
    sigil.store_of(kind)?.get(fa)
}

/// Whether `accounts.toml` describes the account or field `a`.
fn described(reg: &Registry, a: &Address) -> bool {
    reg.accounts
        .get(&a.account_key())
        .is_some_and(|m| a.field().is_none_or(|f| m.fields.iter().any(|x| x == f)))
}

/// What fixes a field that could not be read: a permission's chmod, the wrong identity's
/// advice, or storing it again.
fn decrypt_fix(e: &crate::model::error::Error, fa: &FieldAddress) -> String {
    use crate::model::error::Error as E;
    match e {
        E::Permission(p) | E::Store(StoreError::Permission(p)) => p.fix(),
        E::Store(StoreError::WrongIdentity { .. }) => e
            .help()
            .unwrap_or_else(|| format!("sigil add {fa} --force")),
        _ => format!("sigil add {fa} --force"),
    }
}

/// An account that has expired or expires within `window`: the check's name, the problem
/// and its fix.
fn expiry(
    key: &str,
    meta: &AccountMeta,
    now: OffsetDateTime,
    window: std::time::Duration,
) -> Option<(&'static str, String, String)> {
    let fix = if meta.kind == Kind::Oauth {
        format!("sigil login {key} --force")
    } else {
        format!("sigil add {key} --force --expires WHEN")
    };
    match (
        meta.expires_at,
        ExpiryState::of(meta.expires_at, now, window),
    ) {
        (Some(at), ExpiryState::Expired) => {
            Some(("expired", format!("expired at {}", when::format(at)), fix))
        }
        (Some(at), ExpiryState::Expiring) => {
            Some(("expiring", format!("expires at {}", when::format(at)), fix))
        }
        _ => None,
    }
}

/// The store-wide checks of a check of everything: files others can read or write, and
/// plaintext credentials left in known places, as `sigil status` finds them.
fn store_wide_problems(sigil: &Sigil, problems: &mut Vec<Problem>) {
    let mut permissions = Vec::new();
    crate::ops::status::permission_problems(sigil.paths(), &mut permissions);
    let mut plaintext = Vec::new();
    crate::ops::status::plaintext_problems(&mut plaintext);
    let found = permissions
        .into_iter()
        .map(|p| ("permissions", p))
        .chain(plaintext.into_iter().map(|p| ("plaintext", p)));
    for (check, p) in found {
        problems.push(Problem {
            check: check.into(),
            // The path the message quotes.
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
