//! Merging what two machines changed: `accounts.toml` account by account (the git merge
//! driver `sigil sync --merge-driver` runs), and a secret changed on both sides settled by
//! keeping ours in place and theirs, still encrypted, as a conflict copy under
//! `<home>/conflicts/`, outside the store that list, get, completion and backup read.

use super::git::Repo;
use super::shared::{CONFLICTS, allowed};
use crate::fsutil;
use crate::model::error::{Error, MalformedFile, parse_toml};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use toml::{Table, Value};

/// The tables of `accounts.toml` whose entries are accounts (`service/account` keys), merged
/// entry by entry.
const PER_ACCOUNT: &[&str] = &["accounts", "policies"];

/// The merge driver: a three-way merge of `accounts.toml` (`base`, `ours`, `theirs` are the
/// files git names with %O %A %B), written over `ours` as git expects. Every account that
/// changed on one side only takes that side; one changed on both keeps ours with the fields
/// of both (so neither side's secret files are orphaned); one deleted on a side and changed
/// on the other is kept. A file that does not parse fails the merge and changes nothing.
pub fn merge_driver(base: &Path, ours: &Path, theirs: &Path, name: &str) -> Result<(), Error> {
    let read = |p: &Path| -> Result<Table, Error> {
        let text = fsutil::read_capped_string(p, fsutil::Input::Metadata)
            .map_err(|e| Error::io(format!("cannot read '{}'", p.display()), e))?;
        parse_toml(Path::new(name), &text).map_err(|e: MalformedFile| e.into())
    };
    let (b, o, t) = (read(base)?, read(ours)?, read(theirs)?);
    let merged = merge_tables(&b, &o, &t);
    let text = toml::to_string(&merged)
        .map_err(|e| Error::other(format!("cannot encode the merged '{name}': {e}"), None))?;
    std::fs::write(ours, format!("{}{text}", crate::store::metadata::HEADER))
        .map_err(|e| Error::io(format!("cannot write '{}'", ours.display()), e))
}

/// The three-way merge of the top table.
pub fn merge_tables(base: &Table, ours: &Table, theirs: &Table) -> Table {
    let mut out = Table::new();
    for key in keys(base, ours, theirs) {
        let (b, o, t) = (base.get(&key), ours.get(&key), theirs.get(&key));
        let value = if PER_ACCOUNT.contains(&key.as_str()) {
            let tab = |v: Option<&Value>| v.and_then(Value::as_table).cloned().unwrap_or_default();
            let (bt, ot, tt) = (tab(b), tab(o), tab(t));
            let mut merged = Table::new();
            for k in keys(&bt, &ot, &tt) {
                if let Some(v) = pick(bt.get(&k), ot.get(&k), tt.get(&k), true) {
                    merged.insert(k, v);
                }
            }
            (o.is_some() || t.is_some() || !merged.is_empty()).then_some(Value::Table(merged))
        } else {
            pick(b, o, t, false)
        };
        if let Some(v) = value {
            out.insert(key, v);
        }
    }
    out
}

fn keys(a: &Table, b: &Table, c: &Table) -> BTreeSet<String> {
    a.keys().chain(b.keys()).chain(c.keys()).cloned().collect()
}

/// One entry's three-way pick; `account` says it is an account's metadata, whose fields are
/// joined when both sides changed it.
fn pick(b: Option<&Value>, o: Option<&Value>, t: Option<&Value>, account: bool) -> Option<Value> {
    if o == t || t == b {
        return o.cloned();
    }
    if o == b {
        return t.cloned();
    }
    // Changed on both sides: a side that deleted it loses to one that changed it (nothing is
    // lost); otherwise ours, with both sides' fields for an account.
    match (o, t) {
        (None, t) => t.cloned(),
        (o, None) => o.cloned(),
        (Some(o), Some(t)) => {
            let mut v = o.clone();
            if account
                && let (Some(vt), Some(tt)) = (v.as_table_mut(), t.as_table())
                && let (Some(Value::Array(mine)), Some(Value::Array(theirs))) =
                    (vt.get("fields"), tt.get("fields"))
            {
                let mut all: Vec<Value> = mine.clone();
                for f in theirs {
                    if !all.contains(f) {
                        all.push(f.clone());
                    }
                }
                all.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                vt.insert("fields".into(), Value::Array(all));
            }
            Some(v)
        }
    }
}

/// A secret both sides changed: the copy of theirs that was kept.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Conflict {
    /// `service/account/field`.
    pub address: String,
    /// The kept copy, relative to the home.
    pub copy: String,
}

/// Settles what a merge left unmerged. For an age file changed on both sides (or added on
/// both), ours stays in place and theirs is kept as a conflict copy; for one deleted on one
/// side and changed on the other, the changed one stays. Anything else unmerged (a
/// recipients file both sides edited, an `accounts.toml` the driver could not merge) is an
/// error; the caller aborts the merge.
pub fn settle(repo: &Repo) -> Result<Vec<Conflict>, Error> {
    let listing = repo.ok(["ls-files", "-u", "-z"])?;
    let mut stages: BTreeMap<String, BTreeSet<char>> = BTreeMap::new();
    for line in listing.split('\0').filter(|l| !l.is_empty()) {
        let Some((meta, path)) = line.split_once('\t') else {
            continue;
        };
        let stage = meta.rsplit(' ').next().and_then(|s| s.chars().next());
        if let Some(s) = stage {
            stages.entry(path.to_owned()).or_default().insert(s);
        }
    }
    let mut conflicts = Vec::new();
    for (path, st) in &stages {
        // A conflict copy kept on two machines at once (three members changed one secret)
        // is settled like a secret: both copies are kept.
        let is_secret = (path.starts_with("store/") || path.starts_with("conflicts/"))
            && path.ends_with(".age")
            && allowed(path);
        if !is_secret {
            return Err(Error::other(
                format!("cannot merge '{path}': both machines changed it"),
                Some(
                    "nothing was merged; merge it by hand with git in the home (git -C HOME \
                     merge origin/BRANCH), commit, then run `sigil sync` again"
                        .into(),
                ),
            ));
        }
        match (st.contains(&'2'), st.contains(&'3')) {
            (true, true) => conflicts.push(keep_theirs_aside(repo, path)?),
            (false, true) => {
                repo.ok(["checkout", "--theirs", "--", path])?;
            }
            _ => {}
        }
        if st.contains(&'2') || st.contains(&'3') {
            repo.ok(["add", "--", path])?;
        }
    }
    Ok(conflicts)
}

/// Keeps ours of `path` in place and writes theirs (stage 3) under `conflicts/`.
fn keep_theirs_aside(repo: &Repo, path: &str) -> Result<Conflict, Error> {
    let theirs = repo.blob(&format!(":3:{path}"))?.unwrap_or_default();
    repo.ok(["checkout", "--ours", "--", path])?;
    let rel = path
        .strip_prefix("store/")
        .or_else(|| path.strip_prefix("conflicts/"))
        .unwrap_or(path);
    let address = super::shared::conflict_address(rel).map_or_else(
        || rel.trim_end_matches(".age").to_owned(),
        |a| a.to_string(),
    );
    let field_file = rel.rsplit('/').next().unwrap_or(rel);
    let account_dir = &rel[..rel.len() - field_file.len()];
    let dir = repo.dir().join(CONFLICTS).join(account_dir);
    fsutil::create_private_dir(&dir)?;
    let field = address.rsplit('/').next().unwrap_or_default();
    let stem = field.to_owned();
    let mut name = format!("{stem}.age");
    let mut n = 2;
    while dir.join(&name).exists() {
        name = format!("{stem}.{n}.age");
        n += 1;
    }
    let copy = dir.join(&name);
    fsutil::write_atomic(&copy, |f| std::io::Write::write_all(f, &theirs))?;
    let copy_rel = format!("{CONFLICTS}/{account_dir}{name}");
    repo.ok(["add", "--", &copy_rel])?;
    Ok(Conflict {
        address,
        copy: copy_rel,
    })
}

/// One recipients file a pull changed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RecipientsChange {
    /// The file, relative to the home.
    pub file: String,
    /// Keys it lists now and did not.
    pub added: Vec<String>,
    /// Keys it no longer lists.
    pub removed: Vec<String>,
}

/// How the recipients of each folder changed between two commits: per recipients file, the
/// keys added and removed. A pull that adds a stranger's key is told loudly by the caller.
pub fn recipients_changes(
    repo: &Repo,
    old: &str,
    new: &str,
) -> Result<Vec<RecipientsChange>, Error> {
    let names = repo.ok(["diff", "--name-only", "-z", old, new, "--", "store"])?;
    let mut out = Vec::new();
    for path in names.split('\0').filter(|p| p.ends_with(".age-recipients")) {
        let keys = |rev: &str| -> Result<BTreeSet<String>, Error> {
            let bytes = repo.blob(&format!("{rev}:{path}"))?.unwrap_or_default();
            Ok(String::from_utf8_lossy(&bytes)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned)
                .collect())
        };
        let (before, after) = (keys(old)?, keys(new)?);
        let added: Vec<String> = after.difference(&before).cloned().collect();
        let removed: Vec<String> = before.difference(&after).cloned().collect();
        if !added.is_empty() || !removed.is_empty() {
            out.push(RecipientsChange {
                file: path.to_owned(),
                added,
                removed,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn each_account_takes_the_side_that_changed_it() {
        let base = t("[accounts.a]\nn = 1\n[accounts.b]\nn = 1\n[accounts.c]\nn = 1\n");
        let ours = t(
            "[accounts.a]\nn = 2\n[accounts.b]\nn = 1\n[accounts.c]\nn = 1\n[accounts.o]\nn = 1\n",
        );
        let theirs = t("[accounts.a]\nn = 1\n[accounts.b]\nn = 3\n[accounts.t]\nn = 1\n");
        let m = merge_tables(&base, &ours, &theirs);
        let acc = m["accounts"].as_table().unwrap();
        assert_eq!(acc["a"]["n"].as_integer(), Some(2));
        assert_eq!(acc["b"]["n"].as_integer(), Some(3));
        // Deleted on their side, unchanged on ours: deleted.
        assert!(!acc.contains_key("c"));
        assert!(acc.contains_key("o") && acc.contains_key("t"));
    }

    #[test]
    fn an_account_changed_on_both_sides_keeps_ours_with_both_fields() {
        let base = t("[accounts.a]\nfields = [\"x\"]\nn = 1\n");
        let ours = t("[accounts.a]\nfields = [\"x\", \"y\"]\nn = 2\n");
        let theirs = t("[accounts.a]\nfields = [\"x\", \"z\"]\nn = 3\n");
        let m = merge_tables(&base, &ours, &theirs);
        let a = &m["accounts"]["a"];
        assert_eq!(a["n"].as_integer(), Some(2));
        let fields: Vec<&str> = a["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(fields, ["x", "y", "z"]);
        // Deleted on one side and changed on the other: kept.
        let theirs = t("");
        let m = merge_tables(&base, &ours, &theirs);
        assert_eq!(m["accounts"]["a"]["n"].as_integer(), Some(2));
    }
}
