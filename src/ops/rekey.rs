//! `sigil rekey`: rotates the identity and re-encrypts every age file sigil keeps (the file
//! store, and the encrypted originals of migrations and restores) to the new one, replacing
//! the old public key by the new one in every `.age-recipients` of the store.
//!
//! The rotation is journaled and rolls forward. Before any file changes, `<home>/rekey/`
//! holds the journal and the new identity encrypted to the old one (and, for a
//! passphrase-protected identity, the new `identity.age` is staged beside the old one, since
//! no later command may have the passphrase). Then each file is rewritten atomically, one at
//! a time, and recorded in the journal. So at every moment each file is readable by the old
//! identity or the new one, and the new one is readable by the old: whichever command comes
//! next (or `sigil rekey` again) finishes the rotation. Only a rotation killed before the
//! journal says `ready` is rolled back (nothing had changed). The old identity is then kept
//! in `<config>/identity.old.age`, encrypted to the new one, until `sigil rekey --purge-old`.

use crate::audit::Outcome as Audit;
use crate::fsutil::{self, Lock};
use crate::identity::{self, Identity, IdentitySource, Place};
use crate::model::error::{Error, Result};
use crate::model::paths::Paths;
use crate::store::RECIPIENTS_FILE;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// What a rotation did.
#[derive(Debug, Default)]
pub struct Report {
    /// The old public keys.
    pub old: Vec<String>,
    /// The new public key.
    pub new: String,
    /// Files re-encrypted.
    pub files: usize,
    /// `.age-recipients` files updated.
    pub recipients_files: usize,
    /// Files neither identity could read (left as they were).
    pub unreadable: Vec<PathBuf>,
}

fn dir(paths: &Paths) -> PathBuf {
    paths.home().join("rekey")
}

fn journal_path(paths: &Paths) -> PathBuf {
    dir(paths).join("journal")
}

fn new_identity_path(paths: &Paths) -> PathBuf {
    dir(paths).join("new.age")
}

fn staged_protected(paths: &Paths) -> PathBuf {
    paths.config_dir().join("identity.age.rekey")
}

/// What an interrupted rotation may leave behind (for `rm --all --purge-identity`).
pub fn leftovers(paths: &Paths) -> Vec<PathBuf> {
    vec![dir(paths), staged_protected(paths)]
}

/// Whether a rotation was interrupted (one `stat`).
pub fn pending(paths: &Paths) -> bool {
    fs::symlink_metadata(journal_path(paths)).is_ok()
}

/// A named step of a rotation, where the tests kill it ([`fsutil::point`]). A rotation
/// never fails on purpose there: it only goes forward.
fn pause(step: &str) {
    let _ = fsutil::point(step);
}

/// The journal: a header written first, then one line appended per step.
#[derive(Debug)]
struct Journal {
    place: Place,
    old: Vec<String>,
    new: String,
    ready: bool,
    done: Vec<PathBuf>,
    switched: bool,
}

impl Journal {
    fn header(place: Place, old: &[String], new: &str) -> String {
        let place = match place {
            Place::File => "file",
            Place::Keyring => "keyring",
            Place::Protected => "protected",
        };
        let mut s = format!("sigil rekey journal v1\nplace {place}\n");
        for o in old {
            s.push_str(&format!("old {o}\n"));
        }
        s.push_str(&format!("new {new}\n"));
        s
    }

    fn load(paths: &Paths) -> Result<Journal> {
        let path = journal_path(paths);
        let text = fs::read_to_string(&path)
            .map_err(|e| Error::io(format!("cannot read '{}'", path.display()), e))?;
        let mut j = Journal {
            place: Place::File,
            old: vec![],
            new: String::new(),
            ready: false,
            done: vec![],
            switched: false,
        };
        for line in text.lines() {
            let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
            match word {
                "place" => {
                    j.place = match rest {
                        "keyring" => Place::Keyring,
                        "protected" => Place::Protected,
                        _ => Place::File,
                    }
                }
                "old" => j.old.push(rest.to_owned()),
                "new" => j.new = rest.to_owned(),
                "ready" => j.ready = true,
                "done" => j.done.push(PathBuf::from(rest)),
                "switched" => j.switched = true,
                _ => {}
            }
        }
        if j.new.is_empty() {
            return Err(Error::other(
                format!("'{}' is damaged: it names no new identity", path.display()),
                Some(format!(
                    "remove '{}' to forget the rotation",
                    dir(paths).display()
                )),
            ));
        }
        Ok(j)
    }

    fn append(paths: &Paths, line: &str) -> Result<()> {
        let path = journal_path(paths);
        let ctx = |e| Error::io(format!("cannot write '{}'", path.display()), e);
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(ctx)?;
        f.write_all(format!("{line}\n").as_bytes()).map_err(ctx)?;
        f.sync_data().map_err(ctx)
    }
}

fn encrypt_to(bytes: &[u8], recipients: &[crate::crypto::Recipient]) -> Result<Vec<u8>> {
    let enc = crate::crypto::to_keys(recipients)?;
    let mut out = Vec::new();
    let mut w = enc
        .wrap_output(&mut out)
        .map_err(|e| Error::io("cannot encrypt", e))?;
    w.write_all(bytes)
        .and_then(|()| w.finish().map(|_| ()))
        .map_err(|e| Error::io("cannot encrypt", e))?;
    Ok(out)
}

fn decrypt_with(
    bytes: &[u8],
    id: &Identity,
) -> std::result::Result<Zeroizing<Vec<u8>>, age::DecryptError> {
    let dec = crate::crypto::decryptor_armored(bytes)?;
    let mut r = dec.decrypt(id.as_age())?;
    let mut out = Zeroizing::new(Vec::new());
    r.read_to_end(&mut out)?;
    Ok(out)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| Error::io(format!("cannot read '{}'", path.display()), e))
}

fn public_keys(id: &Identity) -> Vec<String> {
    id.recipients().iter().map(|r| r.to_string()).collect()
}

/// Rotates the identity (see the module doc). A protected identity's passphrase is asked
/// even when it is unlocked: the new identity is protected with it.
pub fn rekey(paths: &Paths) -> Result<Report> {
    let place = identity::place(paths)?;
    crate::audit::ready_without_sigil(paths, true)?;
    let _lock = Lock::acquire(&paths.lock_file())?;
    if pending(paths) {
        finish_locked(paths)?;
    }
    let (old, pass) = match place {
        Place::Protected => {
            let (id, pass) = identity::open_protected(paths)?;
            (id, Some(pass))
        }
        _ => (Identity::load(paths)?, None),
    };
    let new = Identity::generate();
    let old_keys = public_keys(&old);
    let new_key = public_keys(&new).remove(0);
    fsutil::create_private_dir(&dir(paths))?;
    let header = Journal::header(place, &old_keys, &new_key);
    fsutil::write_atomic(&journal_path(paths), |f| f.write_all(header.as_bytes()))?;
    pause("journal");
    let sealed = encrypt_to(new.text().as_bytes(), &old.recipients())?;
    fsutil::write_atomic(&new_identity_path(paths), |f| f.write_all(&sealed))?;
    if let Some(pass) = &pass {
        identity::write_protected(&staged_protected(paths), &new, pass)?;
    }
    Journal::append(paths, "ready")?;
    // The start is chained with the old key, the end with the new one.
    identity::audit(
        paths,
        Some(&old),
        "rekey.start",
        Audit::Ok,
        Some(format!("{} -> {new_key}", old_keys.join(", "))),
    );
    pause("ready");
    // From here the rotation goes forward: a failure leaves it to be finished, and says so.
    Journal::load(paths)
        .and_then(|j| proceed(paths, &j, &old, &new))
        .map_err(|e| {
            Error::other(
                format!("the key rotation stopped halfway: {e}"),
                Some(FINISHED_NEXT.to_owned()),
            )
        })
}

/// What a rotation that failed once its new key was ready tells the user.
pub const FINISHED_NEXT: &str = "the new key is ready and the rotation is finished by the next sigil command that opens the store (`sigil list`), or by `sigil rekey` again";

/// What finishing an interrupted rotation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Healed {
    /// It was killed before its new key was ready: nothing had changed, and it is forgotten.
    RolledBack,
    /// It was finished.
    Finished,
}

/// Finishes an interrupted rotation, as the next command does; `None` when there was none.
/// The caller holds the store lock, waiting for it if need be (`ops::recover`: a command
/// must not read the store while a rotation is at work).
pub fn heal(paths: &Paths) -> Result<Option<Healed>> {
    if !pending(paths) {
        return Ok(None);
    }
    finish_locked(paths).map(Some)
}

fn finish_locked(paths: &Paths) -> Result<Healed> {
    let j = Journal::load(paths)?;
    if !j.ready {
        // Killed while preparing: no file had changed, so forget it.
        cleanup(paths)?;
        return Ok(Healed::RolledBack);
    }
    if j.switched {
        drop_stale_unlock(paths, &j.new);
        cleanup(paths)?;
        return Ok(Healed::Finished);
    }
    let current = Identity::load(paths)?;
    if public_keys(&current).contains(&j.new) {
        cleanup(paths)?;
        return Ok(Healed::Finished);
    }
    let sealed = read(&new_identity_path(paths))?;
    let text = decrypt_with(&sealed, &current).map_err(|_| Error::Auth {
        message: format!(
            "the interrupted key rotation in '{}' cannot be finished with this identity",
            dir(paths).display()
        ),
        help: Some("use the identity that was in place when `sigil rekey` started".into()),
    })?;
    let text = std::str::from_utf8(&text)
        .map_err(|_| Error::other("the new identity of the rotation is damaged", None))?;
    let new = Identity::parse(text, IdentitySource::Given)?;
    proceed(paths, &j, &current, &new)?;
    Ok(Healed::Finished)
}

fn proceed(paths: &Paths, j: &Journal, old: &Identity, new: &Identity) -> Result<Report> {
    let mut report = Report {
        old: public_keys(old),
        new: j.new.clone(),
        ..Report::default()
    };
    let store = paths.store();
    for f in recipients_files(&store) {
        if rewrite_recipients(&f, &j.old, &j.new)? {
            report.recipients_files += 1;
        }
    }
    pause("recipients");
    for f in age_files(paths) {
        if j.done.contains(&f) {
            continue;
        }
        match reencrypt(&f, &store, old, new)? {
            Outcome::Rewritten => report.files += 1,
            Outcome::AlreadyNew => {}
            Outcome::Unreadable => report.unreadable.push(f.clone()),
        }
        Journal::append(paths, &format!("done {}", f.display()))?;
        pause("secret");
    }
    pause("secrets");
    keep_old(paths, old, new)?;
    pause("kept");
    switch(paths, j.place, new)?;
    identity::forget_opened();
    // An unlocked old identity would open nothing any more: the new one takes its place
    // (before the journal says `switched`, so a kill here is repaired by running this again).
    crate::unlock::replace_if_unlocked(paths, &new.text())?;
    Journal::append(paths, "switched")?;
    pause("switched");
    cleanup(paths)?;
    identity::audit(
        paths,
        Some(new),
        "rekey",
        Audit::Ok,
        Some(format!(
            "{} -> {}; {} file(s) re-encrypted",
            report.old.join(", "),
            report.new,
            report.files
        )),
    );
    Ok(report)
}

/// Locks an unlocked identity that is not the rotation's new one: it opens nothing now.
fn drop_stale_unlock(paths: &Paths, new: &str) {
    if let Some((text, _)) = crate::unlock::cached(paths)
        && let Ok(id) = Identity::parse(&text, IdentitySource::Given)
        && !public_keys(&id).iter().any(|k| k == new)
    {
        let _ = crate::unlock::lock(paths);
    }
}

enum Outcome {
    Rewritten,
    AlreadyNew,
    Unreadable,
}

fn reencrypt(path: &Path, store: &Path, old: &Identity, new: &Identity) -> Result<Outcome> {
    let bytes = read(path)?;
    if decrypt_with(&bytes, new).is_ok() {
        return Ok(Outcome::AlreadyNew);
    }
    let Ok(plain) = decrypt_with(&bytes, old) else {
        return Ok(Outcome::Unreadable);
    };
    let mut recipients = match path.parent().filter(|d| d.starts_with(store)) {
        Some(d) => nearest_recipients(d, store)?.unwrap_or_else(|| new.recipients()),
        None => new.recipients(),
    };
    // Never write what the new identity could not read back.
    let mine = new.recipients();
    if !recipients
        .iter()
        .any(|r| r.to_string() == mine[0].to_string())
    {
        recipients.extend(mine);
    }
    let sealed = encrypt_to(&plain, &recipients)?;
    fsutil::write_atomic(path, |f| f.write_all(&sealed))?;
    Ok(Outcome::Rewritten)
}

fn nearest_recipients(mut d: &Path, store: &Path) -> Result<Option<Vec<crate::crypto::Recipient>>> {
    while d.starts_with(store) {
        let f = d.join(RECIPIENTS_FILE);
        if let Ok(text) = fs::read_to_string(&f) {
            return Ok(Some(crate::store::parse_recipients(&f, &text)?));
        }
        match d.parent() {
            Some(p) => d = p,
            None => break,
        }
    }
    Ok(None)
}

/// Replaces the old public keys by the new one in a recipients file; `true` when it changed.
fn rewrite_recipients(path: &Path, old: &[String], new: &str) -> Result<bool> {
    let text = fs::read_to_string(path)
        .map_err(|e| Error::io(format!("cannot read '{}'", path.display()), e))?;
    let has_new = text.lines().any(|l| l.trim() == new);
    let mut out = String::new();
    let mut changed = false;
    let mut placed = has_new;
    for line in text.lines() {
        if old.iter().any(|o| o == line.trim()) {
            changed = true;
            if !placed {
                out.push_str(new);
                out.push('\n');
                placed = true;
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if changed {
        fsutil::write_atomic(path, |f| f.write_all(out.as_bytes()))?;
    }
    Ok(changed)
}

/// Every `.age-recipients` under the store.
fn recipients_files(store: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk_from(store, true, &mut |p| {
        if p.file_name().is_some_and(|n| n == RECIPIENTS_FILE) {
            out.push(p.to_owned());
        }
    });
    out.sort();
    out
}

/// Every age file sigil keeps in `<home>`, except the identity's own files and the
/// rotation's.
fn age_files(paths: &Paths) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let skip_dir = dir(paths);
    let Ok(top) = fs::read_dir(paths.home()) else {
        return out;
    };
    for e in top.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p == skip_dir || name.starts_with("identity") {
            continue;
        }
        walk_from(&p, p == paths.store(), &mut |f| {
            let n = f.file_name().map(|n| n.to_string_lossy().into_owned());
            if n.is_some_and(|n| n.ends_with(".age") && !n.starts_with(".tmp-")) {
                out.push(f.to_owned());
            }
        });
    }
    out.sort();
    out
}

/// Calls `f` for every regular file below `p`. Links are not followed, except `p` itself
/// when `follow` says so: the store root may be a link the user made, a link inside the
/// store may have been planted by whoever can write a shared folder.
fn walk_from(p: &Path, follow: bool, f: &mut dyn FnMut(&Path)) {
    let meta = if follow {
        fs::metadata(p)
    } else {
        fs::symlink_metadata(p)
    };
    let Ok(meta) = meta else {
        return;
    };
    if meta.is_dir() {
        if let Ok(rd) = fs::read_dir(p) {
            for e in rd.flatten() {
                walk_from(&e.path(), false, f);
            }
        }
    } else if meta.is_file() {
        f(p);
    }
}

/// Keeps the old identity (and any kept before it) in `identity.old.age`, encrypted to the
/// new one. Safe to repeat: an existing file is read with either identity.
fn keep_old(paths: &Paths, old: &Identity, new: &Identity) -> Result<()> {
    let file = identity::old_file(paths);
    let mut all = old.merged(old);
    if file.exists() {
        let bytes = read(&file)?;
        let text = decrypt_with(&bytes, new)
            .or_else(|_| decrypt_with(&bytes, old))
            .map_err(|e| {
                Error::other(
                    format!(
                        "cannot read the old identities in '{}': {e}",
                        file.display()
                    ),
                    Some("move it aside, then run `sigil rekey` again".into()),
                )
            })?;
        let text = std::str::from_utf8(&text).unwrap_or_default();
        if let Ok(prev) = Identity::parse(text, IdentitySource::Given) {
            all = all.merged(&prev);
        }
    }
    let sealed = encrypt_to(all.text().as_bytes(), &new.recipients())?;
    fsutil::write_atomic(&file, |f| f.write_all(&sealed))
}

/// Puts the new identity where the old one was.
fn switch(paths: &Paths, place: Place, new: &Identity) -> Result<()> {
    // The old public keys go: the next time the new identity is opened it keeps its own, and
    // until then a write that cannot open it stops rather than encrypt to the old keys.
    match std::fs::remove_file(paths.public_key_file()) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(Error::io(
                format!("cannot remove '{}'", paths.public_key_file().display()),
                e,
            ));
        }
        _ => {}
    }
    match place {
        Place::File => {
            let text = new.text();
            fsutil::write_atomic(&paths.identity_file(), |f| f.write_all(text.as_bytes()))
        }
        Place::Protected => {
            let staged = staged_protected(paths);
            // Missing means the rename already happened (it was staged before `ready`).
            if staged.exists() {
                let target = identity::protected_file(paths);
                fs::rename(&staged, &target)
                    .map_err(|e| Error::io(format!("cannot replace '{}'", target.display()), e))?;
                let _ = fsutil::sync_dir(paths.config_dir());
            }
            Ok(())
        }
        #[cfg(feature = "keyring")]
        Place::Keyring => crate::store::keyring::write_identity(paths, new.text().as_bytes()),
        #[cfg(not(feature = "keyring"))]
        Place::Keyring => Err(Error::other(
            "this sigil was built without the keyring feature",
            None,
        )),
    }
}

fn cleanup(paths: &Paths) -> Result<()> {
    let staged = staged_protected(paths);
    if staged.exists() {
        fs::remove_file(&staged)
            .map_err(|e| Error::io(format!("cannot remove '{}'", staged.display()), e))?;
    }
    let d = dir(paths);
    // The journal goes last, so a kill here leaves a rotation the next command finishes.
    let _ = fs::remove_file(new_identity_path(paths));
    let j = journal_path(paths);
    match fs::remove_file(&j) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(format!("cannot remove '{}'", j.display()), e)),
    }
    let _ = fs::remove_dir_all(&d);
    remove_temporaries(paths);
    let _ = fsutil::sync_dir(paths.home());
    Ok(())
}

/// Removes the temporary files (`.tmp-*`) that a writer killed in the middle of a file left
/// in the home: encrypted to a rotation's key, later rotations would skip them and they would
/// stay for good. Only under the store lock, where no write is under way.
fn remove_temporaries(paths: &Paths) {
    let mut found = Vec::new();
    let Ok(top) = fs::read_dir(paths.home()) else {
        return;
    };
    for e in top.flatten() {
        let p = e.path();
        walk_from(&p, p == paths.store(), &mut |f| {
            if f.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".tmp-"))
            {
                found.push(f.to_owned());
            }
        });
    }
    for f in found {
        let _ = fs::remove_file(f);
    }
}

/// `sigil rekey --purge-old`: forgets the old identities kept by earlier rotations; `true`
/// when there were some.
pub fn purge_old(paths: &Paths) -> Result<bool> {
    let _lock = Lock::acquire(&paths.lock_file())?;
    if pending(paths) {
        return Err(Error::other(
            "a key rotation was interrupted; it must finish before the old identity goes",
            Some("run `sigil rekey` to finish it".into()),
        ));
    }
    let gone = identity::shred(&identity::old_file(paths))?;
    if gone {
        identity::audit(paths, None, "rekey.purge-old", Audit::Ok, None);
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_keep_others_and_comments() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join(RECIPIENTS_FILE);
        fs::write(&f, "# team\nage1old\nage1friend\n").unwrap();
        assert!(rewrite_recipients(&f, &["age1old".into()], "age1new").unwrap());
        assert_eq!(
            fs::read_to_string(&f).unwrap(),
            "# team\nage1new\nage1friend\n"
        );
        // Again: nothing to do (a resumed rotation repeats this step).
        assert!(!rewrite_recipients(&f, &["age1old".into()], "age1new").unwrap());
    }

    #[test]
    fn journal_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path());
        fsutil::create_private_dir(&dir(&paths)).unwrap();
        let header = Journal::header(Place::Protected, &["age1a".into()], "age1b");
        fs::write(journal_path(&paths), header).unwrap();
        Journal::append(&paths, "ready").unwrap();
        Journal::append(&paths, "done /x/y.age").unwrap();
        let j = Journal::load(&paths).unwrap();
        assert_eq!(j.place, Place::Protected);
        assert_eq!(j.old, ["age1a"]);
        assert_eq!(j.new, "age1b");
        assert!(j.ready && !j.switched);
        assert_eq!(j.done, [PathBuf::from("/x/y.age")]);
        assert!(pending(&paths));
    }
}
