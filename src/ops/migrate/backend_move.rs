//! Moving credentials between the file, keyring and vault backends, journaled like a file
//! migration, and moving them back on undo.

use super::State;
use super::apply::{Applied, pause, undo};
use super::journal::{begin, lock, remove_pending, save_journal};
use crate::Sigil;
use crate::fsutil;
use crate::model::address::FieldAddress;
use crate::model::error::{Error, Result};

fn backend(name: &str) -> Result<crate::store::backend::BackendKind> {
    let kind: crate::store::backend::BackendKind = name.parse().map_err(|_| {
        Error::Usage(format!(
            "'{name}' is not a backend (file, keyring or vault)"
        ))
    })?;
    if !matches!(
        kind,
        crate::store::backend::BackendKind::File
            | crate::store::backend::BackendKind::Keyring
            | crate::store::backend::BackendKind::Vault
    ) {
        return Err(Error::Usage(format!(
            "credentials move between the file, keyring and vault backends, not '{name}'"
        )));
    }
    Ok(kind)
}

/// The credentials a move from one backend to another takes: every field of every account
/// `accounts.toml` records in `from`.
pub fn plan_move(sigil: &Sigil, from: &str, to: &str) -> Result<Vec<FieldAddress>> {
    let (f, t) = (backend(from)?, backend(to)?);
    if f == t {
        return Err(Error::Usage(format!(
            "--from-backend and --to are both '{from}'"
        )));
    }
    let reg = crate::model::registry::Registry::load(sigil.paths())?;
    let mut out = Vec::new();
    for (key, meta) in &reg.accounts {
        if meta.backend != f.as_str() {
            continue;
        }
        for field in &meta.fields {
            out.push(format!("{key}/{field}").parse()?);
        }
    }
    Ok(out)
}

/// Moves credentials between backends, journaled like a file migration: each is copied and
/// read back, then `accounts.toml` points at the new backend, then the old copies go. A
/// credential already in the target refuses the move (nothing is written).
pub fn move_backend(sigil: &Sigil, from: &str, to: &str) -> Result<Applied> {
    let addrs = plan_move(sigil, from, to)?;
    let (src, dst) = (
        sigil.store_of(backend(from)?)?,
        sigil.store_of(backend(to)?)?,
    );
    for a in &addrs {
        if dst.contains(a)? {
            return Err(Error::other(
                format!("'{a}' is already in the {to} backend"),
                Some(format!("nothing was changed; remove it from {to} first")),
            ));
        }
    }
    let _lock = lock(sigil)?;
    let mut j = begin(
        sigil,
        Some([from.to_owned(), to.to_owned()]),
        addrs.iter().map(ToString::to_string).collect(),
    )?;
    let id = j.id.clone();
    let run = || -> Result<()> {
        save_journal(sigil, &j)?;
        pause("journal")?;
        for a in &addrs {
            let v = src.get(a)?;
            dst.put(a, &v)?;
            if dst.get(a)?.expose() != v.expose() {
                return Err(Error::other(
                    format!("'{a}' did not read back from the {to} backend"),
                    None,
                ));
            }
        }
        pause("secrets")?;
        set_backend(sigil, &addrs, to)?;
        for a in &addrs {
            src.delete(a)?;
        }
        Ok(())
    };
    match run() {
        Ok(()) => {
            j.state = State::Done;
            save_journal(sigil, &j)?;
            remove_pending(sigil);
            Ok(Applied {
                id,
                stored: addrs.len(),
                sources: 0,
            })
        }
        Err(e) => {
            undo(sigil, &mut j, State::Failed)?;
            remove_pending(sigil);
            Err(e)
        }
    }
}

fn set_backend(sigil: &Sigil, addrs: &[FieldAddress], to: &str) -> Result<()> {
    let _lock = fsutil::Lock::acquire(&sigil.paths().lock_file())?;
    let mut reg = crate::model::registry::Registry::load(sigil.paths())?;
    for a in addrs {
        if let Some(m) = reg.accounts.get_mut(&a.account_key()) {
            m.backend = to.to_owned();
        }
    }
    reg.save(sigil.paths())
}

/// Moves credentials back to `from`: copies what `from` lacks, points `accounts.toml` back,
/// and removes the copies in `to`.
pub(super) fn unmove(sigil: &Sigil, from: &str, to: &str, moved: &[String]) -> Result<()> {
    let (src, dst) = (
        sigil.store_of(backend(from)?)?,
        sigil.store_of(backend(to)?)?,
    );
    let addrs: Vec<FieldAddress> = moved.iter().map(|a| a.parse()).collect::<Result<_, _>>()?;
    for a in &addrs {
        if !src.contains(a)? {
            let v = dst.get(a)?;
            src.put(a, &v)?;
        }
    }
    set_backend(sigil, &addrs, from)?;
    for a in &addrs {
        dst.delete(a)?;
    }
    Ok(())
}
