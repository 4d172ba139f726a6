//! Planning a migration: the sources read, and for each entry what happens to it given what
//! the store already holds. Writes nothing.

use super::parse::read_source;
use super::{Action, OnConflict, Options, Plan, SourcePlan};
use crate::Sigil;
use crate::model::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Reads the sources and decides, against the store, what happens to each entry. Writes
/// nothing.
pub fn plan(sigil: &Sigil, paths: &[PathBuf], opts: &Options) -> Result<Plan> {
    let mut sources = read_sources(paths, opts)?;
    one_value_per_address(&sources)?;
    decide(sigil, &mut sources, opts)?;
    Ok(Plan { sources })
}

/// Reads each source once: a file named twice (or by two paths to it) is one source.
fn read_sources(paths: &[PathBuf], opts: &Options) -> Result<Vec<SourcePlan>> {
    let mut sources: Vec<SourcePlan> = Vec::new();
    for p in paths {
        let s = read_source(p, opts)?;
        if sources.iter().any(|o| o.path == s.path) {
            continue;
        }
        sources.push(s);
    }
    Ok(sources)
}

/// Refuses two entries that map to one address with different values: one of them would be
/// silently lost.
fn one_value_per_address(sources: &[SourcePlan]) -> Result<()> {
    let mut seen: std::collections::HashMap<String, (&Path, usize, Vec<u8>)> =
        std::collections::HashMap::new();
    for s in sources {
        for i in &s.items {
            let key = i.address.to_string();
            if let Some((p, l, v)) = seen.get(&key)
                && v.as_slice() != i.value.expose()
            {
                return Err(Error::UsageHelp {
                    message: format!(
                        "'{}:{}' and '{}:{}' both map to '{key}' with different values",
                        p.display(),
                        l,
                        s.path.display(),
                        i.line
                    ),
                    help: "migrate them separately with --service, --prefix or --account".into(),
                });
            }
            seen.insert(key, (&s.path, i.line, i.value.expose().to_vec()));
        }
    }
    Ok(())
}

/// Sets each entry's action from what its address holds now and the conflict policy.
fn decide(sigil: &Sigil, sources: &mut [SourcePlan], opts: &Options) -> Result<()> {
    // Ask the stores only about addresses that may exist: a stat in the file store, the
    // record for the others (a failed `get` would list suggestions, costly 10,000 times).
    use crate::store::Store;
    let reg = crate::model::registry::Registry::load(sigil.paths())?;
    let forced = sigil.choice().kind != crate::store::backend::BackendKind::Auto;
    for s in sources {
        for i in &mut s.items {
            let recorded = reg
                .accounts
                .get(&i.address.account_key())
                .is_some_and(|m| m.fields.contains(i.address.field()));
            let maybe = forced
                || recorded
                || sigil.file_store().contains(&i.address)?
                || std::env::var_os(crate::store::var_name(&i.address)).is_some();
            if !maybe {
                i.action = Action::Store;
                continue;
            }
            let existing = match sigil.peek(&i.address) {
                Ok(v) => Some(v),
                Err(e) if e.class() == crate::model::error::ExitClass::NotFound => None,
                Err(e) => return Err(e),
            };
            i.action = match existing {
                None => Action::Store,
                Some(v) if v.expose() == i.value.expose() => Action::Same,
                Some(_) => match opts.on_conflict {
                    OnConflict::Fail => Action::Conflict,
                    OnConflict::Skip => Action::Skip,
                    OnConflict::Overwrite => Action::Overwrite,
                },
            };
        }
        if s.format == super::Format::Aws {
            super::source_aws::whole_profiles(s, &reg, opts.on_conflict);
        }
    }
    Ok(())
}
