//! `cargo xtask advisories`: `Cargo.lock` against the RustSec advisory database, offline, from
//! the snapshot in `xtask/advisory-db`. Every advisory that applies fails the check (a
//! vulnerability, or an informational one: unmaintained, unsound, notice) unless
//! `xtask/advisories-ignore.toml` lists it with the reason it does not matter to sigil.

use rustsec::advisory::Informational;
use rustsec::report::{Report, Settings};
use rustsec::{Database, Lockfile};
use std::collections::BTreeMap;
use std::path::Path;

/// The reviewed exceptions: `[ignore."RUSTSEC-…"] reason = "…"`.
#[derive(serde::Deserialize, Default)]
struct Ignores {
    #[serde(default)]
    ignore: BTreeMap<String, Ignored>,
}

#[derive(serde::Deserialize)]
struct Ignored {
    reason: String,
}

/// Checks the workspace's `Cargo.lock`; `Err` lists every advisory that applies and is not
/// ignored with a reason.
pub fn check(root: &Path) -> Result<String, String> {
    let db_dir = root.join("xtask/advisory-db");
    let db = Database::open(&db_dir).map_err(|e| {
        format!(
            "cannot open the advisory database {}: {e}",
            db_dir.display()
        )
    })?;
    let lockfile = Lockfile::load(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let ignores_path = root.join("xtask/advisories-ignore.toml");
    let ignores: Ignores = match std::fs::read_to_string(&ignores_path) {
        Ok(text) => toml::from_str(&text)
            .map_err(|e| format!("{} is malformed: {e}", ignores_path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ignores::default(),
        Err(e) => return Err(format!("cannot read {}: {e}", ignores_path.display())),
    };
    for (id, i) in &ignores.ignore {
        if i.reason.trim().is_empty() {
            return Err(format!("{id} is ignored without a reason"));
        }
    }
    let settings = Settings {
        informational_warnings: vec![
            Informational::Unmaintained,
            Informational::Unsound,
            Informational::Notice,
        ],
        ..Settings::default()
    };
    let report = Report::generate(&db, &lockfile, &settings);
    let mut found: Vec<String> = Vec::new();
    for v in &report.vulnerabilities.list {
        found.push(format!(
            "{} {} {}: {} (vulnerability)",
            v.advisory.id, v.package.name, v.package.version, v.advisory.title
        ));
    }
    for (kind, warnings) in &report.warnings {
        for w in warnings {
            let id = w
                .advisory
                .as_ref()
                .map_or("-".to_owned(), |a| a.id.to_string());
            let title = w.advisory.as_ref().map_or("", |a| a.title.as_str());
            found.push(format!(
                "{id} {} {}: {title} ({kind})",
                w.package.name, w.package.version
            ));
        }
    }
    let (ignored, failing): (Vec<String>, Vec<String>) = found.into_iter().partition(|line| {
        ignores
            .ignore
            .keys()
            .any(|id| line.starts_with(id.as_str()))
    });
    let summary = format!(
        "{} packages checked against {} advisories; {} ignored with a reason",
        lockfile.packages.len(),
        db.iter().count(),
        ignored.len()
    );
    if failing.is_empty() {
        Ok(summary)
    } else {
        Err(format!(
            "advisories apply to Cargo.lock ({summary}):\n  {}\nupgrade the crate, or list the \
             advisory in xtask/advisories-ignore.toml with the reason it does not affect sigil",
            failing.join("\n  ")
        ))
    }
}
