//! What a synced home shares: the allow-list of paths that may be committed or pulled (age
//! files, recipients files, `accounts.toml`, the two git files sigil writes, conflict copies),
//! the `.gitignore` and `.gitattributes` sigil writes, and the checks run on what is about
//! to be committed and on what a pull would check out.

use super::git::Repo;
use crate::model::address::Address;
use crate::model::error::Error;

/// The `.gitignore` sigil writes: everything is ignored, then the shared files are let back
/// in, so a file sigil adds to the home later (a cache, a journal) is private by default.
pub const GITIGNORE: &str = "\
# Written by `sigil sync`: only encrypted or secret-free files are shared.
# Everything is ignored, then the shared files are let back in.
/*
!/.gitignore
!/.gitattributes
!/accounts.toml
!/store/
!/conflicts/
/store/**
/conflicts/**
!/store/**/
!/conflicts/**/
!/store/**/*.age
!/store/**/.age-recipients
!/conflicts/**/*.age
";

/// The `.gitattributes` sigil writes: `accounts.toml` merges account by account through
/// sigil's driver (registered in `.git/config` by `sigil sync`), and an age file is never
/// merged as text: a change on both sides is a conflict that sigil keeps both sides of.
pub const GITATTRIBUTES: &str = "\
# Written by `sigil sync`.
/accounts.toml merge=sigil-accounts
*.age binary
.age-recipients -text
";

/// The name of sigil's merge driver in `.git/config` and `.gitattributes`.
pub const DRIVER: &str = "sigil-accounts";

/// The directory, in the home, of the other side's copy of a secret both machines changed.
pub const CONFLICTS: &str = "conflicts";

/// The recipients file's name.
const RECIPIENTS: &str = ".age-recipients";

/// Whether `path` (relative to the home, `/`-separated) is a file a synced home may share.
pub fn allowed(path: &str) -> bool {
    if matches!(path, ".gitignore" | ".gitattributes" | "accounts.toml") {
        return true;
    }
    if let Some(rest) = path.strip_prefix("store/") {
        let parts: Vec<&str> = rest.split('/').collect();
        return match parts.as_slice() {
            [RECIPIENTS] => true,
            [s, RECIPIENTS] => Address::new(s, "x", None).is_ok(),
            [s, a, RECIPIENTS] => Address::new(s, a, None).is_ok(),
            [s, a, f] => field_of(f).is_some_and(|f| Address::new(s, a, Some(f)).is_ok()),
            _ => false,
        };
    }
    if let Some(rest) = path.strip_prefix("conflicts/") {
        return conflict_address(rest).is_some();
    }
    false
}

/// `NAME` of `NAME.age`.
fn field_of(file: &str) -> Option<&str> {
    file.strip_suffix(".age").filter(|f| !f.is_empty())
}

/// The address a conflict copy (`service/account/field[.N].age`, relative to the conflicts
/// directory) keeps the other side of.
pub fn conflict_address(rel: &str) -> Option<Address> {
    let parts: Vec<&str> = rel.split('/').collect();
    let [s, a, f] = parts.as_slice() else {
        return None;
    };
    let f = field_of(f)?;
    // `field.2.age` is the second copy kept for `field`; a field name may hold dots itself,
    // so the plain name is tried first.
    Address::new(s, a, Some(f)).ok().or_else(|| {
        let (base, n) = f.rsplit_once('.')?;
        n.parse::<u32>().ok()?;
        Address::new(s, a, Some(base)).ok()
    })
}

/// One entry of a tree or of the index: its mode and path.
struct Entry {
    mode: String,
    path: String,
}

fn entries(listing: &str, mode_at: usize) -> Vec<Entry> {
    listing
        .split('\0')
        .filter(|l| !l.is_empty())
        .filter_map(|l| {
            let (meta, path) = l.split_once('\t')?;
            let mode = meta.split(' ').nth(mode_at)?.to_owned();
            Some(Entry {
                mode,
                path: path.to_owned(),
            })
        })
        .collect()
}

/// What is wrong with one entry, if anything: a link, a submodule, or a path outside the
/// allow-list.
fn refusal(e: &Entry) -> Option<String> {
    match e.mode.as_str() {
        "100644" | "100755" => {}
        "120000" => return Some(format!("'{}' is a symbolic link", e.path)),
        "160000" => return Some(format!("'{}' is a submodule", e.path)),
        m => return Some(format!("'{}' has mode {m}", e.path)),
    }
    (!allowed(&e.path)).then(|| format!("'{}' is not a file sigil shares", e.path))
}

/// Refuses a commit (the remote's branch, before it is merged or checked out) holding a
/// link, a submodule, or a file outside the allow-list: a teammate who controls the shared
/// repository could otherwise plant a `config.toml`, a journal or a link where sigil reads.
pub fn check_incoming(repo: &Repo, rev: &str) -> Result<(), Error> {
    let listing = repo.ok(["ls-tree", "-r", "-z", "--full-tree", rev])?;
    let mut bad: Vec<String> = entries(&listing, 0).iter().filter_map(refusal).collect();
    // Attributes decide how git converts and merges files: `*.age text eol=crlf` would
    // rewrite ciphertext on checkout, `merge=union` would splice two of them. Only sigil's
    // own are taken (and `.gitignore` likewise, though the staged check stands behind it).
    for (name, ours) in [(".gitattributes", GITATTRIBUTES), (".gitignore", GITIGNORE)] {
        if let Some(theirs) = repo.blob(&format!("{rev}:{name}"))?
            && theirs != ours.as_bytes()
        {
            bad.push(format!("'{name}' is not the one sigil writes"));
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    Err(Error::Refused {
        message: format!(
            "refusing to merge '{rev}': {}{}",
            bad.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
            more(bad.len(), 5)
        ),
        help: Some(
            "someone with write access to the shared repository committed files sigil does not \
             share; nothing was merged. Remove them from the repository (git rm) and sync again"
                .into(),
        ),
    })
}

fn more(n: usize, shown: usize) -> String {
    if n > shown {
        format!(" and {} more", n - shown)
    } else {
        String::new()
    }
}

/// The check before each commit: everything in the index is an allowed path with a plain
/// file mode, and every staged `.age` file (`changed`) starts with a valid age header, so a
/// plaintext file that slipped into the store is never committed.
pub fn check_staged(repo: &Repo, changed: &[String]) -> Result<(), Error> {
    let listing = repo.ok(["ls-files", "-s", "-z"])?;
    let refuse = |why: String| Error::Refused {
        message: format!("refusing to commit: {why}"),
        help: Some(
            "only age files, recipients files and secret-free metadata are shared; remove the \
             file from the index (git -C HOME rm --cached PATH) and sync again"
                .into(),
        ),
    };
    if let Some(why) = entries(&listing, 0).iter().find_map(refusal) {
        return Err(refuse(why));
    }
    // The work tree's file is what `git add` just staged (and no entry is a link, checked
    // above); reading it spares a git process per file, which a first commit of ten
    // thousand secrets would pay ten thousand times.
    for path in changed.iter().filter(|p| p.ends_with(".age")) {
        let Ok(file) = std::fs::File::open(repo.dir().join(path)) else {
            continue;
        };
        if crate::crypto::decryptor(std::io::BufReader::new(file)).is_err() {
            return Err(refuse(format!(
                "'{path}' is not an age file (plaintext may have slipped in)"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stores_files_and_metadata_are_allowed() {
        for ok in [
            ".gitignore",
            "accounts.toml",
            "store/.age-recipients",
            "store/team/.age-recipients",
            "store/team/deploy/.age-recipients",
            "store/team/deploy/api_key.age",
            "conflicts/team/deploy/api_key.age",
            "conflicts/team/deploy/api_key.2.age",
        ] {
            assert!(allowed(ok), "{ok}");
        }
        for bad in [
            "identity.txt",
            "config.toml",
            "audit.log",
            ".accounts.cache.json",
            "store/team/deploy/.tmp-123",
            "store/team/deploy/api_key.txt",
            "store/team/deploy/x/api_key.age",
            "store/../identity.txt",
            "store/Team/deploy/api_key.age",
            "conflicts/team/deploy/api_key",
            ".git/config",
        ] {
            assert!(!allowed(bad), "{bad}");
        }
    }

    #[test]
    fn a_conflict_copy_names_its_address() {
        let a = conflict_address("team/deploy/api_key.3.age").unwrap();
        assert_eq!(a.to_string(), "team/deploy/api_key");
    }
}
