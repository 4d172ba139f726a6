//! The `file` backend: one standard age file per secret at
//! `<home>/store/<service>/<account>/<field>.age`, encrypted to the nearest `.age-recipients`.

use super::{Store, StoreError};
use crate::fsutil;
use crate::identity::Identity;
use crate::model::address::{Address, FieldAddress};
use crate::model::error::Error;
use crate::model::paths::Paths;
use crate::model::secret::Secret;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// The name of the file that lists who a folder's secrets are encrypted to.
pub const RECIPIENTS_FILE: &str = ".age-recipients";

/// The age file store. The identity is loaded on first use, so listing and deleting work
/// without one.
#[derive(Debug)]
pub struct FileStore {
    paths: Paths,
    root: PathBuf,
    identity: OnceLock<Identity>,
    /// Files and directories written or emptied by deferred operations, not yet flushed.
    pending: std::sync::Mutex<std::collections::BTreeSet<PathBuf>>,
}

impl FileStore {
    /// The store under `<home>/store`, with the identity found where `Identity::load` looks for it.
    pub fn new(paths: &Paths) -> FileStore {
        FileStore {
            root: paths.store(),
            paths: paths.clone(),
            identity: OnceLock::new(),
            pending: Default::default(),
        }
    }

    /// The store with an identity given by the caller.
    pub fn with_identity(paths: &Paths, identity: Identity) -> FileStore {
        let store = FileStore::new(paths);
        let _ = store.identity.set(identity);
        store
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The identity, loading it on first use.
    pub fn identity(&self) -> Result<&Identity, Error> {
        if let Some(id) = self.identity.get() {
            return Ok(id);
        }
        // The seal may have opened it already (without asking) to check the use index.
        if let Some(id) = crate::seal::take_identity(&self.paths) {
            return Ok(self.identity.get_or_init(|| id));
        }
        let id = Identity::load(&self.paths)?;
        Ok(self.adopt(id))
    }

    /// Makes `id` the store's identity.
    fn adopt(&self, id: Identity) -> &Identity {
        crate::seal::remember(&self.paths, &id);
        id.keep_public_keys(&self.paths);
        self.identity.get_or_init(|| id)
    }

    /// The public keys of the identity, for writing: the loaded identity's, else those in
    /// `<config>/identity.pub`, else the identity's once opened. A write therefore needs no
    /// identity (nor a passphrase, nor the keyring) once `sigil init` or a read has kept them.
    pub(crate) fn own_public_keys(&self) -> Result<Vec<crate::crypto::Recipient>, Error> {
        if let Some(id) = self.identity.get() {
            return Ok(id.recipients());
        }
        let file = self.paths.public_key_file();
        match fsutil::read_capped_string(&file, fsutil::Input::Key) {
            Ok(text) => return Ok(parse_recipients(&file, &text)?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("cannot read '{}'", file.display()), e)),
        }
        if let Some(id) = crate::seal::take_identity(&self.paths) {
            return Ok(self.identity.get_or_init(|| id).recipients());
        }
        // A passphrase-protected SSH key names its public key without its passphrase.
        let id = Identity::load_locked(&self.paths)?;
        if id.is_locked() {
            return Ok(id.recipients());
        }
        Ok(self.adopt(id).recipients())
    }

    /// The identity if it was loaded already (nothing is looked for or asked).
    pub(crate) fn loaded_identity(&self) -> Option<&Identity> {
        self.identity.get()
    }

    /// Keeps what `addr`'s file holds now (a hard link beside it, which needs no space for
    /// data), so that a command whose later step fails (the metadata write on a full disk)
    /// can put the old file back instead of leaving a new value it reports as not stored.
    pub(crate) fn keep(&self, addr: &FieldAddress) -> Result<Kept, Error> {
        let path = self.path_of(addr);
        self.refuse_links(&path)?;
        let dir = path.parent().expect("secret path has a parent");
        // `.tmp-` so that status reports, and the sweeps remove, one a kill left behind.
        let saved = dir.join(format!(".tmp-kept-{}-{}", std::process::id(), addr.field()));
        let _ = fs::remove_file(&saved);
        match fsutil::fault(fsutil::Step::Link).and_then(|()| fs::hard_link(&path, &saved)) {
            Ok(()) => Ok(Kept {
                path,
                saved: Some(saved),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Kept { path, saved: None }),
            Err(e) => Err(Error::io(format!("cannot keep '{}'", path.display()), e)),
        }
    }

    /// Where a secret's file is. The address grammar keeps every part a plain file name.
    pub fn path_of(&self, addr: &FieldAddress) -> PathBuf {
        self.root
            .join(addr.service())
            .join(addr.account())
            .join(format!("{}.age", addr.field()))
    }

    /// The fields an account has files for, sorted.
    pub fn fields_of(&self, service: &str, account: &str) -> Vec<String> {
        let dir = self.root.join(service).join(account);
        let mut out: Vec<String> = fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                // A link is never a secret of the store's (see `refuse_links`).
                if !e.file_type().is_ok_and(|t| t.is_file()) {
                    return None;
                }
                let name = e.file_name().into_string().ok()?;
                let field = name.strip_suffix(".age")?;
                Address::new(service, account, Some(field)).ok()?;
                Some(field.to_owned())
            })
            .collect();
        out.sort();
        out
    }

    /// The recipients a secret in `dir` is encrypted to: those in the nearest
    /// `.age-recipients` at or above `dir` within the store, else the identity's own keys
    /// (see [`FileStore::own_public_keys`]).
    pub fn recipients_for(
        &self,
        dir: &Path,
    ) -> Result<(Vec<crate::crypto::Recipient>, Option<PathBuf>), Error> {
        let mut d = dir;
        while d.starts_with(&self.root) {
            let f = d.join(RECIPIENTS_FILE);
            self.refuse_links(&f)?;
            match fsutil::read_capped_string(&f, fsutil::Input::Key) {
                Ok(text) => return Ok((parse_recipients(&f, &text)?, Some(f))),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(format!("cannot read '{}'", f.display()), e)),
            }
            match d.parent() {
                Some(p) => d = p,
                None => break,
            }
        }
        Ok((self.own_public_keys()?, None))
    }

    /// Refuses a path below the store root that is, or passes through, a symbolic link. The
    /// author of a shared folder could otherwise point a secret's file at another secret (which
    /// `recipients add` would re-encrypt to the team) or a directory outside the store (where
    /// `add` would write). The root itself, like the home, may be a link the user made.
    fn refuse_links(&self, path: &Path) -> Result<(), Error> {
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return Ok(());
        };
        let mut p = self.root.clone();
        for c in rel.components() {
            p.push(c);
            match fs::symlink_metadata(&p) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(StoreError::Symlink { path: p }.into());
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(Error::io(format!("cannot read '{}'", p.display()), e)),
            }
        }
        Ok(())
    }

    fn check_dirs(&self) -> Result<(), Error> {
        fsutil::check_private_if_exists(self.paths.home())?;
        fsutil::check_private_if_exists(&self.root)
    }

    /// Encrypts and writes one secret atomically (temporary file, rename). `durable` waits
    /// for the disk (file and directory fsync); otherwise the paths are remembered for
    /// [`Store::flush`].
    fn write(&self, addr: &FieldAddress, secret: &Secret, durable: bool) -> Result<(), Error> {
        let path = self.path_of(addr);
        let dir = path.parent().expect("secret path has a parent");
        self.check_dirs()?;
        self.refuse_links(&path)?;
        let (recipients, from) = self.recipients_for(dir)?;
        // Refuse to write what we could not read back: that would lose the secret.
        if let Some(file) = from {
            let mine = self.own_public_keys()?;
            let mine: Vec<String> = mine.iter().map(|r| r.to_string()).collect();
            if !recipients.iter().any(|r| mine.contains(&r.to_string())) {
                return Err(StoreError::NotARecipient {
                    path: file,
                    public_key: mine.first().cloned().unwrap_or_default(),
                }
                .into());
            }
        }
        let encryptor = crate::crypto::to_keys(&recipients)?;
        let new_dirs = !dir.exists();
        fsutil::create_private_dir(dir)?;
        let encrypt = |f: &mut fs::File| -> io::Result<()> {
            let mut w = encryptor.wrap_output(io::BufWriter::new(f))?;
            w.write_all(secret.expose())?;
            w.finish()?.flush()
        };
        if durable {
            return fsutil::write_atomic(&path, encrypt);
        }
        let ctx = |e: io::Error| Error::io(format!("cannot write '{}'", path.display()), e);
        fsutil::fault(fsutil::Step::Write).map_err(ctx)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempfile_in(dir)
            .map_err(ctx)?;
        encrypt(tmp.as_file_mut()).map_err(ctx)?;
        fsutil::fault(fsutil::Step::Rename).map_err(ctx)?;
        tmp.persist(&path).map_err(|e| ctx(e.error))?;
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.insert(path.clone());
        pending.insert(dir.to_owned());
        if new_dirs {
            self.new_dirs_pending(&mut pending, dir);
        }
        Ok(())
    }

    /// The age file of `addr` as it is on disk, not decrypted: opened without following a
    /// link, and refused when others can read it; [`Store::get`] decrypts what it reads.
    fn read_sealed(&self, addr: &FieldAddress) -> Result<Vec<u8>, Error> {
        self.check_dirs()?;
        let path = self.path_of(addr);
        self.refuse_links(&path)?;
        let mut open = fs::OpenOptions::new();
        open.read(true);
        // And should a link appear after the check, the open does not follow it either.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            open.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
        }
        let file = match open.open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::NotFound {
                    address: addr.to_string(),
                    available: self.fields_of(addr.service(), addr.account()),
                }
                .into());
            }
            Err(e) => return Err(Error::io(format!("cannot open '{}'", path.display()), e)),
        };
        let ctx = |e| Error::io(format!("cannot read '{}'", path.display()), e);
        let meta = file.metadata().map_err(ctx)?;
        fsutil::check_private(&path, &meta)?;
        fsutil::read_capped_from(file, fsutil::Input::Stored).map_err(ctx)
    }

    /// Moves (`copy` false) or copies the age file of `from` to `to` as it is, without
    /// decrypting it: for a destination whose recipients are the source's, so that this needs
    /// no identity. A move is one rename; a copy is written beside the destination and renamed
    /// over it. No path below the store root may be or pass through a link, at either end.
    pub(crate) fn transfer_sealed(
        &self,
        from: &FieldAddress,
        to: &FieldAddress,
        copy: bool,
    ) -> Result<(), Error> {
        let src = self.path_of(from);
        let dst = self.path_of(to);
        let dir = dst.parent().expect("secret path has a parent");
        self.check_dirs()?;
        self.refuse_links(&src)?;
        self.refuse_links(&dst)?;
        if copy {
            let bytes = self.read_sealed(from)?;
            fsutil::create_private_dir(dir)?;
            // Made just now or there before: neither may be a link planted meanwhile.
            self.refuse_links(&dst)?;
            return fsutil::write_atomic(&dst, |f| f.write_all(&bytes));
        }
        if fs::symlink_metadata(&src).is_err() {
            return Err(StoreError::NotFound {
                address: from.to_string(),
                available: self.fields_of(from.service(), from.account()),
            }
            .into());
        }
        fsutil::create_private_dir(dir)?;
        self.refuse_links(&dst)?;
        let ctx = |e: io::Error| {
            Error::io(
                format!("cannot move '{}' to '{}'", src.display(), dst.display()),
                e,
            )
        };
        fsutil::fault(fsutil::Step::Rename).map_err(ctx)?;
        fs::rename(&src, &dst).map_err(ctx)?;
        fsutil::sync_dir(dir).map_err(ctx)?;
        if let Some(from_dir) = src.parent() {
            fsutil::sync_dir(from_dir).map_err(ctx)?;
        }
        Ok(())
    }

    /// Removes the temporary files that a killed writer left in `addr`'s directory. Only for
    /// a caller that holds the store lock and so knows that no write is under way there: the
    /// undo of an interrupted batch.
    pub fn remove_leftovers(&self, addr: &FieldAddress) -> Result<(), Error> {
        let path = self.path_of(addr);
        let dir = path.parent().expect("secret path has a parent");
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(format!("cannot read '{}'", dir.display()), e)),
        };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(".tmp-") {
                let p = entry.path();
                fs::remove_file(&p)
                    .map_err(|e| Error::io(format!("cannot remove '{}'", p.display()), e))?;
            }
        }
        Ok(())
    }

    /// Remembers for [`Store::flush`] that `dir` was created: it must reach its parents too.
    fn new_dirs_pending(&self, pending: &mut std::collections::BTreeSet<PathBuf>, dir: &Path) {
        let mut d = dir;
        while let Some(p) = d.parent() {
            pending.insert(p.to_owned());
            if p == self.root {
                break;
            }
            d = p;
        }
    }

    /// Removes one secret's file and the account and service directories it leaves empty.
    fn remove(&self, addr: &FieldAddress, durable: bool) -> Result<bool, Error> {
        let path = self.path_of(addr);
        self.refuse_links(&path)?;
        match fsutil::fault(fsutil::Step::Remove).and_then(|()| fs::remove_file(&path)) {
            Ok(()) => {
                let dir = path.parent().expect("secret path has a parent");
                if durable {
                    let _ = fsutil::sync_dir(dir);
                    fsutil::remove_empty_dirs(dir, &self.root);
                } else {
                    let mut d = dir;
                    while d != self.root && d.starts_with(&self.root) && fs::remove_dir(d).is_ok() {
                        d = d.parent().expect("inside the store");
                    }
                    self.pending
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(d.to_owned());
                }
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // A batch that was undone may have made the directories and not the file.
                let dir = path.parent().expect("secret path has a parent");
                if durable && dir.is_dir() {
                    fsutil::remove_empty_dirs(dir, &self.root);
                }
                Ok(false)
            }
            Err(e) => Err(Error::io(format!("cannot remove '{}'", path.display()), e)),
        }
    }

    /// Writes many secrets with a few threads, then makes them durable with one flush.
    /// Stops at the first error; what was written before it stays (callers journal).
    pub fn put_many(&self, items: &[(FieldAddress, &Secret)]) -> Result<(), Error> {
        let failed = std::sync::atomic::AtomicBool::new(false);
        let results = super::in_parallel(items, |(addr, secret)| {
            if failed.load(std::sync::atomic::Ordering::Relaxed) {
                return Ok(());
            }
            let r = self.put_deferred(addr, secret);
            if r.is_err() {
                failed.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            r
        });
        let flushed = self.flush();
        results.into_iter().collect::<Result<(), Error>>()?;
        flushed
    }

    /// Removes many secrets with a few threads and one flush; how many there were.
    pub fn delete_many(&self, addrs: &[FieldAddress]) -> Result<usize, Error> {
        let results = super::in_parallel(addrs, |a| self.delete_deferred(a));
        let flushed = self.flush();
        let mut n = 0;
        for r in results {
            n += usize::from(r?);
        }
        flushed.map(|()| n)
    }

    /// Reads many secrets with a few threads, in order.
    pub fn get_many(&self, addrs: &[FieldAddress]) -> Vec<Result<Secret, Error>> {
        super::in_parallel(addrs, |a| self.get(a))
    }

    /// Reads a kept age file outside the store (a migration's original, a restore's kept
    /// value) and decrypts it with the identity. Any failure to decrypt is damage: unlike a
    /// secret, such a file was always encrypted to this identity by sigil itself.
    pub(crate) fn read_kept(&self, path: &Path) -> Result<Zeroizing<Vec<u8>>, Error> {
        let identity = self.identity()?;
        let bytes = fsutil::read_capped(path, fsutil::Input::Stored)
            .map_err(|e| Error::io(format!("cannot read '{}'", path.display()), e))?;
        let damaged = |reason: String| -> Error {
            StoreError::Damaged {
                path: path.to_owned(),
                reason,
            }
            .into()
        };
        let d = crate::crypto::decryptor_armored(&bytes[..]).map_err(|e| damaged(e.to_string()))?;
        let mut r = d.decrypt(identity.as_age()).map_err(|e| {
            identity
                .explain(e)
                .unwrap_or_else(|e| damaged(e.to_string()))
        })?;
        let mut out = Zeroizing::new(Vec::new());
        r.read_to_end(&mut out)
            .map_err(|e| damaged(e.to_string()))?;
        Ok(out)
    }

    /// Decrypts age-file bytes (binary or armored) with the identity.
    fn decrypt(&self, path: &Path, bytes: &[u8]) -> Result<Secret, Error> {
        let identity = self.identity()?;
        let damaged = |reason: String| StoreError::Damaged {
            path: path.to_owned(),
            reason,
        };
        let decryptor =
            crate::crypto::decryptor_armored(bytes).map_err(|e| damaged(e.to_string()))?;
        let mut reader =
            decryptor
                .decrypt(identity.as_age())
                .map_err(|e| match identity.explain(e) {
                    Ok(plugin) => plugin,
                    Err(age::DecryptError::NoMatchingKeys) => StoreError::WrongIdentity {
                        path: path.to_owned(),
                    }
                    .into(),
                    Err(other) => damaged(other.to_string()).into(),
                })?;
        let mut out = Zeroizing::new(Vec::with_capacity(bytes.len()));
        reader
            .read_to_end(&mut out)
            .map_err(|e| damaged(e.to_string()))?;
        Ok(Secret::new(std::mem::take(&mut *out)))
    }
}

/// A secret file as it was before a change ([`FileStore::keep`]): [`Kept::undo`] puts it
/// back (or removes a file that did not exist), [`Kept::done`] forgets it.
#[derive(Debug)]
pub(crate) struct Kept {
    path: PathBuf,
    saved: Option<PathBuf>,
}

impl Kept {
    /// A kept file named by a change journal.
    pub(crate) fn from_parts(path: PathBuf, saved: Option<PathBuf>) -> Kept {
        Kept { path, saved }
    }

    /// The secret's file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Its old content's link, when it existed.
    pub(crate) fn saved(&self) -> Option<&Path> {
        self.saved.as_deref()
    }

    /// Restores the file as it was: a rename, which needs no space.
    pub(crate) fn undo(self) {
        match &self.saved {
            Some(saved) => {
                let _ = fs::rename(saved, &self.path);
                // A rename between two links of one file does nothing (POSIX): when the
                // change never replaced the file, the kept link is still there.
                let _ = fs::remove_file(saved);
            }
            None => {
                let _ = fs::remove_file(&self.path);
                self.remove_empty_dirs();
            }
        }
    }

    /// The change stands: drops the kept copy, and the account's directories if a removal
    /// left them empty (the kept link had kept them from being removed with the file).
    pub(crate) fn done(self) {
        if let Some(saved) = &self.saved {
            let _ = fs::remove_file(saved);
            self.remove_empty_dirs();
        }
    }

    /// Removes the account's and the service's directory when they are empty.
    fn remove_empty_dirs(&self) {
        if let Some(dir) = self.path.parent() {
            let _ = fs::remove_dir(dir).and_then(|()| match dir.parent() {
                Some(up) => fs::remove_dir(up),
                None => Ok(()),
            });
        }
    }
}

/// Parses a recipients file: one public key per line (`age1…`, `ssh-ed25519 …`, `ssh-rsa …`),
/// `#` comments allowed. Every reader of a recipients file goes through here.
pub fn parse_recipients(
    path: &Path,
    text: &str,
) -> Result<Vec<crate::crypto::Recipient>, StoreError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        out.push(crate::crypto::Recipient::parse(line).map_err(|reason| {
            StoreError::Recipients {
                path: path.to_owned(),
                line: i + 1,
                reason,
            }
        })?);
    }
    if out.is_empty() {
        return Err(StoreError::Recipients {
            path: path.to_owned(),
            line: text.lines().count().max(1),
            reason: "it lists no recipient".into(),
        });
    }
    Ok(out)
}

impl Store for FileStore {
    fn name(&self) -> &'static str {
        "file"
    }

    fn get(&self, addr: &FieldAddress) -> Result<Secret, Error> {
        let bytes = self.read_sealed(addr)?;
        self.decrypt(&self.path_of(addr), &bytes)
    }

    fn contains(&self, addr: &FieldAddress) -> Result<bool, Error> {
        let path = self.path_of(addr);
        self.refuse_links(&path)?;
        match fs::symlink_metadata(&path) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io(format!("cannot read '{}'", path.display()), e)),
        }
    }

    fn put(&self, addr: &FieldAddress, secret: &Secret) -> Result<(), Error> {
        self.write(addr, secret, true)
    }

    fn delete(&self, addr: &FieldAddress) -> Result<bool, Error> {
        self.remove(addr, true)
    }

    fn put_deferred(&self, addr: &FieldAddress, secret: &Secret) -> Result<(), Error> {
        self.write(addr, secret, false)
    }

    fn delete_deferred(&self, addr: &FieldAddress) -> Result<bool, Error> {
        self.remove(addr, false)
    }

    fn prepare(&self, addr: &FieldAddress) -> Result<(), Error> {
        let path = self.path_of(addr);
        let dir = path.parent().expect("secret path has a parent");
        self.refuse_links(dir)?;
        if dir.is_dir() {
            return Ok(());
        }
        fsutil::create_private_dir(dir)?;
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.insert(dir.to_owned());
        self.new_dirs_pending(&mut pending, dir);
        Ok(())
    }

    fn flush(&self) -> Result<(), Error> {
        let pending = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if pending.is_empty() {
            return Ok(());
        }
        let ctx = |e: io::Error| Error::io(format!("cannot flush '{}'", self.root.display()), e);
        // One syncfs makes every file, rename and unlink on the filesystem durable at once.
        #[cfg(target_os = "linux")]
        {
            let root = fs::File::open(&self.root).map_err(ctx)?;
            rustix::fs::syncfs(&root).map_err(|e| ctx(e.into()))
        }
        #[cfg(not(target_os = "linux"))]
        {
            for p in &pending {
                match fs::File::open(p) {
                    Ok(f) => f.sync_all().map_err(ctx)?,
                    // Removed since (a deleted file or an emptied directory): nothing to keep.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(ctx(e)),
                }
            }
            Ok(())
        }
    }

    fn list(&self) -> Result<Vec<FieldAddress>, Error> {
        let mut out = Vec::new();
        for service in subdirs(&self.root)? {
            for account in subdirs(&self.root.join(&service))? {
                for field in self.fields_of(&service, &account) {
                    if let Ok(a) = Address::new(&service, &account, Some(&field)) {
                        out.extend(a.to_field_address());
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// The names of the directories in `dir` that could be address parts (no dot-files).
fn subdirs(dir: &Path) -> Result<Vec<String>, Error> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(Error::io(format!("cannot list '{}'", dir.display()), e)),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if !name.starts_with('.') && entry.file_type().is_ok_and(|t| t.is_dir()) {
            out.push(name);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::error::ExitClass;
    use crate::store::conformance;
    use age::x25519;
    use std::os::unix::fs::PermissionsExt;

    fn store() -> (tempfile::TempDir, FileStore) {
        let d = tempfile::tempdir().unwrap();
        let s = FileStore::with_identity(&Paths::in_one(d.path().join("h")), Identity::generate());
        (d, s)
    }

    #[test]
    fn conforms() {
        conformance::all(&store().1, "");
    }

    #[test]
    fn files_are_private_and_dirs_pruned() {
        let (d, s) = store();
        let a: FieldAddress = "gh/me/api_key".parse().unwrap();
        s.put(&a, &Secret::from("x")).unwrap();
        let p = s.path_of(&a);
        assert_eq!(p, d.path().join("h/store/gh/me/api_key.age"));
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        for dir in ["h", "h/store", "h/store/gh", "h/store/gh/me"] {
            let m = fs::metadata(d.path().join(dir))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(m & 0o777, 0o700, "{dir}");
        }
        s.delete(&a).unwrap();
        assert!(!d.path().join("h/store/gh").exists());
        assert!(d.path().join("h/store").exists());
    }

    #[test]
    fn prepared_dirs_are_private_and_an_undo_removes_them() {
        let (d, s) = store();
        let a: FieldAddress = "svc/acct/api_key".parse().unwrap();
        s.prepare(&a).unwrap();
        let dir = d.path().join("h/store/svc/acct");
        for p in [&dir, &d.path().join("h/store/svc")] {
            assert_eq!(fs::metadata(p).unwrap().permissions().mode() & 0o777, 0o700);
        }
        s.put_deferred(&a, &Secret::from("v")).unwrap();
        s.flush().unwrap();
        assert_eq!(s.get(&a).unwrap().expose(), b"v");
        // Prepared but never written (a batch stopped before it): deleting the address
        // removes the empty directories.
        let b: FieldAddress = "other/acct/api_key".parse().unwrap();
        s.prepare(&b).unwrap();
        let tmp = d.path().join("h/store/other/acct/.tmp-Ab12Cd");
        fs::write(&tmp, b"half an age file").unwrap();
        s.remove_leftovers(&b).unwrap();
        assert!(!tmp.exists());
        assert!(!s.delete(&b).unwrap());
        assert!(!d.path().join("h/store/other").exists());
        assert!(dir.is_dir());
    }

    #[test]
    fn batches_write_read_and_remove_many() {
        let (d, s) = store();
        let addrs: Vec<FieldAddress> = (0..40)
            .map(|i| format!("svc{}/acct{i}/api_key", i % 3).parse().unwrap())
            .collect();
        let values: Vec<Secret> = (0..40).map(|i| Secret::from(format!("v{i}"))).collect();
        let items: Vec<(FieldAddress, &Secret)> =
            addrs.iter().cloned().zip(values.iter()).collect();
        s.put_many(&items).unwrap();
        assert!(s.pending.lock().unwrap().is_empty(), "flushed");
        for (r, v) in s.get_many(&addrs).into_iter().zip(&values) {
            assert_eq!(r.unwrap().expose(), v.expose());
        }
        assert_eq!(
            fs::metadata(s.path_of(&addrs[7]))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
        // A batch that cannot write stops with the error.
        let store_dir = d.path().join("h/store");
        fs::write(store_dir.join("svc0/.age-recipients"), "age1bogus\n").unwrap();
        let e = s.put_many(&items).unwrap_err();
        assert!(e.to_string().contains("malformed"), "{e}");
        fs::remove_file(store_dir.join("svc0/.age-recipients")).unwrap();
        assert_eq!(s.delete_many(&addrs).unwrap(), 40);
        assert_eq!(s.delete_many(&addrs[..2]).unwrap(), 0);
        assert!(s.list().unwrap().is_empty());
        assert_eq!(
            fs::read_dir(&store_dir).unwrap().count(),
            0,
            "empty dirs pruned"
        );
    }

    #[test]
    fn refuses_readable_files_and_damaged_ones_fail_alone() {
        let (_d, s) = store();
        let a: FieldAddress = "gh/a/api_key".parse().unwrap();
        let b: FieldAddress = "gh/b/api_key".parse().unwrap();
        s.put(&a, &Secret::from("a")).unwrap();
        s.put(&b, &Secret::from("b")).unwrap();
        fs::set_permissions(s.path_of(&a), fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(s.get(&a).unwrap_err().class(), ExitClass::Refused);
        fs::write(s.path_of(&a), b"age-encryption.org/v1\n-> junk\n").unwrap();
        fs::set_permissions(s.path_of(&a), fs::Permissions::from_mode(0o600)).unwrap();
        let e = s.get(&a).unwrap_err();
        assert_eq!(e.class(), ExitClass::Refused, "{e}");
        assert!(e.to_string().contains("damaged or altered"), "{e}");
        assert_eq!(s.get(&b).unwrap().expose(), b"b");
    }

    #[test]
    fn wrong_identity_is_an_auth_error() {
        let (d, s) = store();
        let a: FieldAddress = "gh/a/api_key".parse().unwrap();
        s.put(&a, &Secret::from("a")).unwrap();
        let other =
            FileStore::with_identity(&Paths::in_one(d.path().join("h")), Identity::generate());
        assert_eq!(other.get(&a).unwrap_err().class(), ExitClass::Auth);
    }

    #[test]
    fn nearest_recipients_file_wins_and_must_include_me() {
        let (_d, s) = store();
        let me = s.identity().unwrap().recipients()[0].to_string();
        let friend = x25519::Identity::generate().to_public().to_string();
        let team = s.root().join("team");
        fsutil::create_private_dir(&team).unwrap();
        fs::write(team.join(RECIPIENTS_FILE), format!("# team\n{friend}\n")).unwrap();
        let a: FieldAddress = "team/x/api_key".parse().unwrap();
        let e = s.put(&a, &Secret::from("v")).unwrap_err();
        assert_eq!(e.class(), ExitClass::Refused, "{e}");
        fs::write(team.join(RECIPIENTS_FILE), format!("{friend}\n{me}\n")).unwrap();
        s.put(&a, &Secret::from("v")).unwrap();
        let (r, from) = s.recipients_for(&team.join("x")).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(from, Some(team.join(RECIPIENTS_FILE)));
        fs::write(team.join(RECIPIENTS_FILE), "age1bogus\n").unwrap();
        let e = s.put(&a, &Secret::from("v")).unwrap_err();
        assert!(e.to_string().contains("malformed at line 1"), "{e}");
    }
}
