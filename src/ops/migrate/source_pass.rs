//! pass, passage and gopass stores: a directory of encrypted files, one entry each, read and
//! never changed. pass and gopass files are decrypted by the user's own `gpg` (its agent asks
//! for the passphrase); passage files by the age crate with `~/.passage/identities`.
//!
//! An entry's text, as pass's man page and gopass's docs lay it out: the first line is the
//! password; each following `key: value` line a field (`login`, `user`, `username` the user
//! name; `url`, `website` a URL); an `otpauth://` line the TOTP seed (pass-otp's convention);
//! gopass's `---` separator is skipped; any other line is a note.

use super::source_vault::{Entry, MAX_ENTRIES, items_of, shown};
use super::{Format, Item, Options};
use crate::model::error::{Error, Result};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Most bytes of one decrypted entry.
const MAX_ENTRY: u64 = 1 << 20;
/// Most bytes of one encrypted file.
const MAX_FILE: u64 = 4 << 20;
/// Deepest folder nesting read.
const MAX_DEPTH: usize = 32;

/// Which kind of store a directory is, if any.
pub(super) fn store_format(dir: &Path) -> Option<Format> {
    let gopass = dir
        .components()
        .any(|c| c.as_os_str().to_string_lossy().contains("gopass"));
    if dir.join(".gpg-id").is_file() {
        return Some(if gopass { Format::Gopass } else { Format::Pass });
    }
    if dir.join(".age-recipients").is_file()
        || dir.file_name().is_some_and(|n| n == "store")
            && dir.parent().is_some_and(|p| p.join("identities").is_file())
    {
        return Some(Format::Passage);
    }
    None
}

/// The encrypted files of a store, with their names relative to it (`web/github.com/alice`).
/// Hidden files and folders (`.git`, `.gpg-id`, `.extensions`) are not entries. A symbolic
/// link that leads out of the store is refused; one inside it is read as what it points at.
fn entries_of(root: &Path, ext: &str) -> Result<Vec<(PathBuf, String)>> {
    let canon_root = fs::canonicalize(root)
        .map_err(|e| Error::io(format!("cannot read '{}'", root.display()), e))?;
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new(), 0usize)];
    while let Some((dir, rel, depth)) = stack.pop() {
        let rd = fs::read_dir(&dir)
            .map_err(|e| Error::io(format!("cannot read '{}'", dir.display()), e))?;
        let mut names: Vec<_> = rd.flatten().collect();
        names.sort_by_key(|e| e.file_name());
        for e in names.into_iter().rev() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = e.path();
            let rel_name = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let lmeta = fs::symlink_metadata(&path)
                .map_err(|e| Error::io(format!("cannot read '{}'", path.display()), e))?;
            if lmeta.file_type().is_symlink() {
                let target = fs::canonicalize(&path).ok();
                if !target.as_ref().is_some_and(|t| t.starts_with(&canon_root)) {
                    return Err(Error::UsageHelp {
                        message: format!(
                            "'{}' is a symbolic link that leads out of the store",
                            shown(&path.display().to_string())
                        ),
                        help: "sigil reads only the store's own files: remove the link, or \
                               migrate what it points at on its own; nothing was changed"
                            .into(),
                    });
                }
                // A link to a folder inside the store: its entries are read there.
                if !path.is_file() {
                    continue;
                }
            } else if lmeta.is_dir() {
                if depth + 1 >= MAX_DEPTH {
                    return Err(Error::Usage(format!(
                        "'{}' nests folders more than {MAX_DEPTH} deep",
                        root.display()
                    )));
                }
                stack.push((path, rel_name, depth + 1));
                continue;
            } else if !lmeta.is_file() {
                continue;
            }
            let Some(entry) = rel_name.strip_suffix(ext) else {
                continue;
            };
            out.push((path, entry.to_owned()));
            if out.len() > MAX_ENTRIES {
                return Err(Error::UsageHelp {
                    message: format!(
                        "'{}' has more than {MAX_ENTRIES} entries, the most sigil imports at once",
                        root.display()
                    ),
                    help: "migrate its folders one by one".into(),
                });
            }
        }
    }
    Ok(out)
}

fn too_large(path: &Path, what: &str) -> Error {
    Error::UsageHelp {
        message: format!("'{}' is larger than {what}", path.display()),
        help: "it is no password entry: move it out of the store, or migrate the store's \
               folders one by one; nothing was changed"
            .into(),
    }
}

/// A file's size, refused over [`MAX_FILE`].
fn check_size(path: &Path) -> Result<()> {
    let meta = fs::metadata(path)
        .map_err(|e| Error::io(format!("cannot read '{}'", path.display()), e))?;
    if meta.len() > MAX_FILE {
        return Err(too_large(path, "4 MiB, the limit for one encrypted entry"));
    }
    Ok(())
}

/// Reads at most [`MAX_ENTRY`] bytes of plaintext, refusing more.
fn capped(path: &Path, r: impl Read) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let mut out = zeroize::Zeroizing::new(Vec::new());
    r.take(MAX_ENTRY + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::io(format!("cannot decrypt '{}'", path.display()), e))?;
    if out.len() as u64 > MAX_ENTRY {
        return Err(too_large(path, "1 MiB once decrypted"));
    }
    Ok(out)
}

/// Decrypts a pass file with the user's `gpg` (`$SIGIL_GPG`, else `gpg`), as pass does:
/// `gpg --quiet --batch --yes --decrypt`.
fn gpg_decrypt(path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    use std::process::Stdio;
    check_size(path)?;
    let gpg = std::env::var_os("SIGIL_GPG").unwrap_or_else(|| "gpg".into());
    // Without the variables that carry sigil's key, as every program sigil starts.
    let mut child = crate::ops::child::command(&gpg)
        .args(["--quiet", "--batch", "--yes", "--decrypt", "--"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::UsageHelp {
            message: format!("cannot run '{}': {}", gpg.to_string_lossy(), e.kind()),
            help: "a pass store is decrypted by gpg: install GnuPG (or set SIGIL_GPG)".into(),
        })?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let errs = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = (&mut stderr).take(64 << 10).read_to_end(&mut s);
        s
    });
    let out = capped(path, &mut stdout);
    if out.is_err() {
        let _ = child.kill();
    }
    let status = child
        .wait()
        .map_err(|e| Error::io(format!("cannot run '{}'", gpg.to_string_lossy()), e))?;
    let errs = errs.join().unwrap_or_default();
    let out = out?;
    if !status.success() {
        let why = String::from_utf8_lossy(&errs);
        let why = why
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("gpg failed");
        return Err(Error::UsageHelp {
            message: format!(
                "gpg could not decrypt '{}': {}",
                path.display(),
                shown(why.trim_start_matches("gpg: "))
            ),
            help: "check that `gpg --decrypt` of that file works (the key and its agent); \
                   nothing was changed"
                .into(),
        });
    }
    Ok(out)
}

/// passage's identities: `$PASSAGE_IDENTITIES_FILE`, else `identities` beside the store
/// (`~/.passage/identities` for `~/.passage/store`), else `~/.passage/identities`.
fn passage_identities(store: &Path) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>> {
    let path = std::env::var_os("PASSAGE_IDENTITIES_FILE")
        .map(PathBuf::from)
        .or_else(|| {
            store
                .parent()
                .map(|p| p.join("identities"))
                .filter(|p| p.is_file())
        })
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".passage/identities")))
        .unwrap_or_default();
    let bytes = crate::fsutil::read_capped(&path, crate::fsutil::Input::Key).map_err(|e| Error::UsageHelp {
        message: format!("cannot read passage's identities '{}': {}", path.display(), e.kind()),
        help: "set PASSAGE_IDENTITIES_FILE to the file of age identities the store is encrypted to".into(),
    })?;
    let bytes = zeroize::Zeroizing::new(bytes);
    let refused = |why: String| Error::UsageHelp {
        message: format!(
            "cannot use passage's identities '{}': {why}",
            path.display()
        ),
        help: "sigil reads plain age identities (AGE-SECRET-KEY-1…); decrypt a protected \
               identities file to a private temporary one and point PASSAGE_IDENTITIES_FILE at it"
            .into(),
    };
    let ids = age::IdentityFile::from_buffer(&bytes[..])
        .map_err(|e| refused(crate::model::error::kind_of(&e.to_string())))?
        .into_identities()
        .map_err(|e| refused(crate::model::error::kind_of(&e.to_string())))?;
    if ids.is_empty() {
        return Err(refused("it holds no identity".into()));
    }
    Ok(ids)
}

fn age_decrypt(
    path: &Path,
    ids: &[Box<dyn age::Identity + Send + Sync>],
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    check_size(path)?;
    let f = fs::File::open(path)
        .map_err(|e| Error::io(format!("cannot read '{}'", path.display()), e))?;
    let failed = |e: age::DecryptError| Error::UsageHelp {
        message: format!(
            "cannot decrypt '{}': {}",
            path.display(),
            crate::model::error::kind_of(&e.to_string())
        ),
        help: "check that passage's identities open it (`age -d -i IDENTITIES FILE`); nothing \
               was changed"
            .into(),
    };
    let dec = crate::crypto::decryptor_armored(f).map_err(failed)?;
    let r = dec
        .decrypt(ids.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(failed)?;
    capped(path, r)
}

/// One decrypted entry's text as an [`Entry`] (the rules in the module's doc).
pub(super) fn pass_entry(rel: &str, text: &str) -> Entry {
    let parts: Vec<&str> = rel.split('/').collect();
    let mut e = Entry {
        name: shown(rel),
        ..Entry::default()
    };
    let (service, account) = match parts.as_slice() {
        [.., folder, file] => (folder.to_string(), Some(file.to_string())),
        [file] => (file.to_string(), None),
        [] => ("unnamed".into(), None),
    };
    e.service = service;
    let mut lines = text.lines();
    if let Some(first) = lines.next() {
        if first
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("otpauth://")
        {
            e.totp = Some(first.trim().to_owned());
        } else if !first.is_empty() {
            e.password = Some(first.to_owned());
        }
    }
    let mut notes = Vec::new();
    for line in lines {
        let t = line.trim();
        if t == "---" {
            continue;
        }
        if t.to_ascii_lowercase().starts_with("otpauth://") {
            if e.totp.is_none() {
                e.totp = Some(t.to_owned());
                continue;
            }
        } else if let Some((k, v)) = line.split_once(':') {
            let key = k.trim();
            let v = v.trim();
            let keyish = !key.is_empty()
                && key.len() <= 64
                && key
                    .chars()
                    .all(|c| c.is_alphanumeric() || " _-.".contains(c));
            if keyish && !v.is_empty() {
                match key.to_ascii_lowercase().as_str() {
                    "login" | "user" | "username" if e.username.is_none() => {
                        e.username = Some(v.to_owned())
                    }
                    "url" | "website" | "site" => e.urls.push(v.to_owned()),
                    "totp" | "otp" if e.totp.is_none() => e.totp = Some(v.to_owned()),
                    _ => e.fields.push((key.to_owned(), v.to_owned())),
                }
                continue;
            }
        }
        notes.push(line.to_owned());
    }
    while notes.last().is_some_and(|l| l.trim().is_empty()) {
        notes.pop();
    }
    if !notes.is_empty() {
        e.notes.push(notes.join("\n"));
    }
    e.account = account.or_else(|| e.username.clone());
    e
}

/// Reads a pass, passage or gopass store: every entry decrypted and mapped. A gopass
/// mount (a store under `…/gopass/stores/NAME` other than `root`) names its entries
/// `NAME/…`, as gopass shows them.
pub(super) fn read_store(
    dir: &Path,
    format: Format,
    opts: &Options,
) -> Result<(Vec<Item>, Vec<String>)> {
    let ext = if format == Format::Passage {
        ".age"
    } else {
        ".gpg"
    };
    let files = entries_of(dir, ext)?;
    let mount = (format == Format::Gopass
        && dir
            .parent()
            .and_then(|p| p.file_name())
            .is_some_and(|n| n == "stores"))
    .then(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
    .flatten()
    .filter(|m| m != "root");
    let ids = if format == Format::Passage {
        Some(passage_identities(dir)?)
    } else {
        None
    };
    let mut entries = Vec::new();
    let mut notes = Vec::new();
    for (path, rel) in files {
        let plain = match &ids {
            Some(ids) => age_decrypt(&path, ids)?,
            None => gpg_decrypt(&path)?,
        };
        let Ok(text) = std::str::from_utf8(&plain) else {
            notes.push(format!(
                "'{}' is not text (a binary file?); skipped",
                shown(&rel)
            ));
            continue;
        };
        let rel = match &mount {
            Some(m) => format!("{m}/{rel}"),
            None => rel,
        };
        entries.push(pass_entry(&rel, text));
    }
    let (items, mut more) = items_of(entries, opts)?;
    notes.append(&mut more);
    Ok((items, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_and_its_lines() {
        let e = pass_entry(
            "web/github.com/alice",
            "hunter2\nlogin: alice\nurl: https://github.com\notpauth://totp/x?secret=JBSWY3DPEHPK3PXP\nrecovery: abc\nfree text\n",
        );
        assert_eq!(e.service, "github.com");
        assert_eq!(e.account.as_deref(), Some("alice"));
        assert_eq!(e.password.as_deref(), Some("hunter2"));
        assert_eq!(e.username.as_deref(), Some("alice"));
        assert_eq!(e.urls, vec!["https://github.com"]);
        assert!(e.totp.unwrap().starts_with("otpauth://"));
        assert_eq!(e.fields, vec![("recovery".to_string(), "abc".to_string())]);
        assert_eq!(e.notes, vec!["free text"]);
        let top = pass_entry("email", "pw\nuser: bob\n");
        assert_eq!(
            (top.service.as_str(), top.account.as_deref()),
            ("email", Some("bob"))
        );
    }
}
