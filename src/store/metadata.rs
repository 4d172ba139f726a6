//! Reading and writing sigil's metadata files: `config.toml`, and `accounts.toml` with the
//! two sealed copies derived from it (the registry cache and the use index). What the files
//! hold, and how their text is parsed, is the model's (`model::config`, `model::registry`);
//! this is where they meet the disk, the store lock and the identity's seal.

use crate::fsutil;
use crate::model::config::Config;
use crate::model::error::{Error, Result, parse_toml};
use crate::model::paths::Paths;
use crate::model::registry::{Facts, Registry, facts_of};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

impl Config {
    /// Reads `<config>/config.toml`; a missing file means all defaults.
    pub fn load(paths: &Paths) -> Result<Config, Error> {
        let path = paths.config_file();
        match crate::fsutil::read_capped_string(&path, crate::fsutil::Input::Metadata) {
            Ok(text) => Ok(parse_toml(&path, &text)?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(Error::io(format!("cannot read '{}'", path.display()), e)),
        }
    }
}

/// The comment `accounts.toml` opens with.
pub(crate) const HEADER: &str = "# sigil account metadata: no secret values are kept here.\n\
# Managed by sigil; edits are kept but formatting is not.\n";

impl Registry {
    /// Reads the registry; a missing file is an empty registry.
    pub fn load(paths: &Paths) -> Result<Registry, Error> {
        Self::load_from(paths, &paths.accounts())
    }

    fn load_from(paths: &Paths, path: &Path) -> Result<Registry, Error> {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Registry::empty()),
            Err(e) => return Err(Error::io(format!("cannot read '{}'", path.display()), e)),
        };
        if let Some(reg) = Cache::read(paths, path, &meta) {
            return Ok(reg);
        }
        let text = fsutil::read_capped_string(path, fsutil::Input::Metadata)
            .map_err(|e| Error::io(format!("cannot read '{}'", path.display()), e))?;
        let reg: Registry = parse_toml(path, &text)?;
        // Rebuild the cache with the stamp seen before reading: if the file was replaced
        // meanwhile, the stamp (inode) no longer matches and the cache is simply not used.
        if reg.version == 1 {
            Cache::write(paths, path, &meta, &reg);
        }
        if reg.version != 1 {
            return Err(Error::other(
                format!(
                    "'{}' has format version {}, this sigil reads version 1",
                    path.display(),
                    reg.version
                ),
                Some("upgrade sigil".into()),
            ));
        }
        Ok(reg)
    }

    /// Writes the registry atomically. The caller holds the store lock.
    pub(crate) fn save(&self, paths: &Paths) -> Result<(), Error> {
        let text = toml::to_string(self)
            .map_err(|e| Error::other(format!("cannot encode the account metadata: {e}"), None))?;
        fsutil::create_private_dir(paths.home())?;
        let path = paths.accounts();
        fsutil::write_atomic(&path, |f| {
            f.write_all(HEADER.as_bytes())?;
            f.write_all(text.as_bytes())
        })?;
        // Megabytes for a large store: gone before the cache and the index are encoded.
        drop(text);
        if let Ok(meta) = std::fs::metadata(&path) {
            Cache::write(paths, &path, &meta, self);
            write_index(paths, &meta, self);
        }
        Ok(())
    }
}

/// A JSON copy of `accounts.toml` for fast reading: parsing ten thousand accounts as TOML
/// takes longer than `sigil list` may. It is derived data, written after the TOML under the
/// same lock, and used only while the TOML file's size, mtime and inode still match, so a
/// hand edit of `accounts.toml` always wins. It is sealed with a key from the identity
/// (`seal`): a planted copy that drops a policy is not used, and a process that cannot open
/// the identity without asking reads the TOML instead.
struct Cache;

impl Cache {
    const LABEL: &'static str = "sigil registry cache";

    fn path(toml: &Path) -> std::path::PathBuf {
        toml.with_file_name(".accounts.cache.json")
    }

    fn read(paths: &Paths, toml: &Path, meta: &std::fs::Metadata) -> Option<Registry> {
        let body = crate::seal::open(
            paths,
            Self::LABEL,
            &Self::path(toml),
            crate::seal::stamp(meta),
        )?;
        serde_json::from_slice(&body).ok()
    }

    /// Best effort: without a cache (or a key to seal it), readers parse the TOML.
    fn write(paths: &Paths, toml: &Path, meta: &std::fs::Metadata, registry: &Registry) {
        let path = Self::path(toml);
        let sealed = serde_json::to_vec(registry).ok().and_then(|body| {
            crate::seal::wrap(paths, Self::LABEL, crate::seal::stamp(meta), &body)
        });
        let written = match sealed {
            Some(bytes) => fsutil::write_atomic(&path, |f| f.write_all(&bytes)),
            None => Err(Error::other("no key to seal the cache", None)),
        };
        if written.is_err() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The label the index is sealed under (see `seal`).
const INDEX_LABEL: &str = "sigil use index";

fn index_path(paths: &Paths) -> std::path::PathBuf {
    paths.home().join(".use-index.json")
}

/// What is known about an account's policy and expiry, cheaply: one `stat` and one small
/// read while the index is fresh. After a hand edit of `accounts.toml` the registry is read
/// instead, until the next write through sigil rebuilds the index: reading never writes.
pub fn facts(paths: &Paths, account_key: &str) -> Result<Option<Facts>, Error> {
    let toml = paths.accounts();
    let meta = match std::fs::metadata(&toml) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("cannot read '{}'", toml.display()), e)),
    };
    let stamp = crate::seal::stamp(&meta);
    if let Some(body) = crate::seal::open(paths, INDEX_LABEL, &index_path(paths), stamp)
        && let Ok(mut idx) = serde_json::from_slice::<BTreeMap<String, Facts>>(&body)
    {
        return Ok(idx.remove(account_key));
    }
    let reg = Registry::load(paths)?;
    Ok(facts_of(&reg).remove(account_key))
}

/// Rebuilds the index after `accounts.toml` was written (`meta` is its metadata then).
/// Called by `Registry::save` under the store lock; best effort, by rename, so that readers
/// never see half of it, and without fsync: it is derived data.
pub(crate) fn write_index(paths: &Paths, meta: &std::fs::Metadata, reg: &Registry) {
    let path = index_path(paths);
    let sealed = serde_json::to_vec(&facts_of(reg))
        .ok()
        .and_then(|body| crate::seal::wrap(paths, INDEX_LABEL, crate::seal::stamp(meta), &body));
    let Some(bytes) = sealed else {
        let _ = std::fs::remove_file(&path);
        return;
    };
    let tmp = path.with_file_name(format!(".use-index.{}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(&bytes))
        .and_then(|_| std::fs::rename(&tmp, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        let _ = std::fs::remove_file(&path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::registry::{AccountMeta, Kind};
    use time::macros::datetime;

    fn meta() -> AccountMeta {
        AccountMeta {
            kind: Kind::ApiKey,
            fields: ["api_key".to_string()].into(),
            backend: "file".into(),
            provider: None,
            scopes: vec![],
            created: datetime!(2026-11-23 0:00 UTC),
            updated: datetime!(2026-11-23 0:00 UTC),
            expires_at: None,
            note: Some("a \"quoted\" note".into()),
            bound: None,
        }
    }

    #[test]
    fn round_trips_through_the_file() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path());
        assert_eq!(Registry::load(&paths).unwrap(), Registry::empty());
        let mut r = Registry::empty();
        r.accounts.insert("github/me".into(), meta());
        r.save(&paths).unwrap();
        let text = std::fs::read_to_string(paths.accounts()).unwrap();
        assert!(text.contains("[accounts.\"github/me\"]"), "{text}");
        assert!(
            text.contains("created = \"2026-11-23T00:00:00Z\""),
            "{text}"
        );
        assert_eq!(
            Registry::load(&paths).unwrap().accounts["github/me"],
            meta()
        );
    }

    #[test]
    fn a_hand_edit_wins_over_the_cache() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path());
        crate::seal::remember(&paths, &crate::identity::Identity::generate());
        let mut r = Registry::empty();
        r.accounts.insert("github/me".into(), meta());
        r.save(&paths).unwrap();
        assert!(d.path().join(".accounts.cache.json").exists());
        assert_eq!(Registry::load(&paths).unwrap(), r);
        let text = std::fs::read_to_string(paths.accounts()).unwrap();
        let edited: String = text
            .lines()
            .map(|l| {
                if l.starts_with("note = ") {
                    "note = \"edited\"\n".to_owned()
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        std::fs::write(paths.accounts(), edited).unwrap();
        let back = Registry::load(&paths).unwrap();
        assert_eq!(back.accounts["github/me"].note.as_deref(), Some("edited"));
        // The miss rebuilt the cache from the edited file.
        let cache = std::fs::read_to_string(d.path().join(".accounts.cache.json")).unwrap();
        assert!(cache.contains("\"edited\""), "{cache}");
        assert_eq!(Registry::load(&paths).unwrap(), back);
    }

    #[test]
    fn malformed_file_is_named() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path());
        std::fs::write(
            paths.accounts(),
            "version = 1\n[accounts.\"a/b\"]\nkind = 7\n",
        )
        .unwrap();
        let e = Registry::load(&paths).unwrap_err().to_string();
        assert!(
            e.contains("accounts.toml' is malformed at line 3, column 8"),
            "{e}"
        );
    }
}
