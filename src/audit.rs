//! The tamper-evident audit log, `<home>/audit.log`: one JSON line per access to a secret or
//! change to the store, each carrying a MAC over its content and the previous line's MAC.
//!
//! The MAC key is derived from the age identity with HKDF (see `Identity::audit_key`), so
//! someone who can write the file but lacks the identity can neither forge nor repair the
//! chain. The keyed log holds keyed entries only, from its first line: what a process without
//! the identity records (a wrong passphrase, an env-only CI job) goes to a separate side log,
//! `<home>/audit-unkeyed.log`, a plain SHA-256 chain that `verify` reports on its own, so that
//! it neither breaks the keyed chain nor can stand in for part of it. The head of the keyed
//! chain (the last entry's number and MAC, itself authenticated with the same key) is kept
//! twice: in a checkpoint beside the log, which catches a truncated or deleted log, and in an
//! anchor in `<config>` (when that is not `<home>`), which catches the log and checkpoint
//! deleted or rolled back together. `docs/audit.md` describes the format, and what is and
//! is not detected, for people who read it with other tools.
//!
//! Appending takes an exclusive lock on the log file, reads only its tail and the head
//! records, writes one line with one `write` and overwrites the records: a few hundred
//! microseconds, which `sigil get` must be able to afford.

use crate::identity::Identity;
use crate::model::config::AuditSetting;
pub use crate::model::config::Size;
use crate::model::error::{Error, ExitClass, Result};
use crate::model::paths::Paths;
use crate::store::StoreError;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The log's file name in `<home>`. Rotated files are `audit.log.1`, `audit.log.2`, … (oldest
/// first), and the chain runs through them in that order and then through `audit.log`.
pub const LOG_NAME: &str = "audit.log";
/// The checkpoint's file name, in `<home>`.
pub const CHECKPOINT_NAME: &str = ".audit-checkpoint";
/// The anchor's file name, in `<config>`.
pub const ANCHOR_NAME: &str = ".audit-anchor";
/// The unkeyed side log's file name in `<home>` (rotated like the log: `audit-unkeyed.log.1`, …).
pub const SIDE_LOG_NAME: &str = "audit-unkeyed.log";
/// The size past which the log rotates when config.toml does not say (`audit_max_size`).
pub const DEFAULT_MAX_SIZE: u64 = 10 << 20;
/// How many rotated files are kept when config.toml does not say (`audit_keep`): with the
/// default size, the log takes at most about 110 MiB.
pub const DEFAULT_KEEP: usize = 10;

/// How big a log file grows and how many rotated files are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The size past which the current file is rotated.
    pub max_size: u64,
    /// How many rotated files are kept (at least one).
    pub keep: usize,
}

impl Limits {
    /// The limits config.toml sets, else the defaults.
    pub fn of(config: Option<&crate::model::config::Config>) -> Limits {
        Limits {
            max_size: config
                .and_then(|c| c.audit_max_size)
                .map_or(DEFAULT_MAX_SIZE, |s| s.0),
            keep: config
                .and_then(|c| c.audit_keep)
                .unwrap_or(DEFAULT_KEEP)
                .max(1),
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::of(None)
    }
}
/// The checkpoint's size on disk: its JSON padded with spaces, so each update overwrites it.
const CHECKPOINT_LEN: usize = 256;
/// What the first entry chains from.
const GENESIS: [u8; 32] = [0; 32];
/// `,"mac":"` + 64 hex digits + `"}`: how every line ends.
const MAC_SUFFIX_LEN: usize = 8 + 64 + 2;

/// How entries are chained: with the identity's key, or (with no identity) a plain hash.
pub enum Key {
    /// HMAC-SHA256 with a key derived from the identity; `id` names the key in entries.
    Keyed {
        /// The MAC key.
        key: Zeroizing<[u8; 32]>,
        /// A short public name for it (not the key: an HMAC of a constant under it).
        id: String,
    },
    /// SHA-256 only: shows accidents, not forgery.
    Unkeyed,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl Key {
    /// The key of the identity `sigil` uses, or [`Key::Unkeyed`] when there is none.
    pub fn of(sigil: &dyn Context) -> Key {
        sigil.key()
    }

    /// The key of an identity.
    pub fn from_identity(identity: &Identity) -> Key {
        let key = identity.audit_key();
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&key[..]).expect("any key length");
        m.update(b"sigil audit key id");
        let id = hex(&m.finalize().into_bytes()[..6]);
        Key::Keyed { key, id }
    }

    /// The name entries carry: the key's id, or `none`.
    pub fn id(&self) -> &str {
        match self {
            Key::Keyed { id, .. } => id,
            Key::Unkeyed => "none",
        }
    }

    /// The MAC of an entry: over the previous MAC and the entry's exact bytes.
    fn mac(&self, prev: &[u8; 32], content: &[u8]) -> [u8; 32] {
        self.mac_parts(&[prev, content])
    }

    fn mac_parts(&self, parts: &[&[u8]]) -> [u8; 32] {
        match self {
            Key::Keyed { key, .. } => {
                let mut m =
                    <Hmac<Sha256> as Mac>::new_from_slice(&key[..]).expect("any key length");
                for p in parts {
                    m.update(p);
                }
                m.finalize().into_bytes().into()
            }
            Key::Unkeyed => {
                let mut h = Sha256::new();
                for p in parts {
                    h.update(p);
                }
                h.finalize().into()
            }
        }
    }
}

/// One entry as it is stored (before its MAC). Field order is the order on disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Its number in the whole chain, from 1, continuing across rotated files.
    pub seq: u64,
    /// When, RFC 3339 UTC.
    pub time: String,
    /// What happened: `get`, `resolve`, `run`, `env`, `git`, `add`, `rm`, `login`, `refresh`,
    /// `migrate`, `rollback`, `backup.create`, `backup.verify`, `backup.restore`, `init`,
    /// `policy.set`, `policy.clear`, `check`, `audit.verify`.
    pub event: String,
    /// The credentials concerned (never values).
    pub addresses: Vec<String>,
    /// `ok`, `refused` or `failed`.
    pub outcome: String,
    /// Why it was refused or failed, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The program that did it.
    pub binary: String,
    /// Its process id.
    pub pid: u32,
    /// The parent process's command name, where the platform tells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The id of the key that made the MAC, or `none` for the unkeyed chain.
    pub key: String,
}

/// How an event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It happened.
    Ok,
    /// Refused: permissions, policy, identity, tampering.
    Refused,
    /// Any other failure.
    Failed,
}

impl Outcome {
    /// The word in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }

    /// The outcome of a result, and the reason of an error.
    pub fn of<T>(result: &Result<T>) -> (Outcome, Option<String>) {
        match result {
            Ok(_) => (Outcome::Ok, None),
            Err(e) => {
                // A missing or wrong identity is a refusal; a provider that fails a login or a
                // refresh is a failure.
                let outcome = match e {
                    Error::Auth { .. } => Outcome::Failed,
                    Error::Resolve { source, .. } if matches!(**source, Error::Auth { .. }) => {
                        Outcome::Failed
                    }
                    _ if matches!(e.class(), ExitClass::Refused | ExitClass::Auth) => {
                        Outcome::Refused
                    }
                    _ => Outcome::Failed,
                };
                (outcome, Some(reason(e)))
            }
        }
    }
}

/// A short reason for the log. Only messages sigil composes itself from addresses, paths and
/// rules are used; anything that could quote an input file is reduced to its kind.
fn reason(e: &Error) -> String {
    let short = match e {
        Error::Permission(p) => return format!("permissions: {p}"),
        Error::Store(StoreError::Permission(p)) => return format!("permissions: {p}"),
        Error::Store(StoreError::WrongIdentity { .. }) => "wrong identity",
        Error::Store(StoreError::Damaged { .. }) => "damaged secret file",
        Error::Store(StoreError::NotFound { .. }) | Error::NotFound { .. } => "not found",
        Error::Store(StoreError::NotARecipient { .. }) => "not a recipient",
        Error::Store(_) => "backend error",
        Error::Identity(crate::identity::IdentityError::Missing { .. }) => "no identity",
        Error::Identity(_) => "identity unusable",
        Error::Refused { message, .. } => return message.clone(),
        Error::Resolve { source, .. } => return reason(source),
        Error::Auth { .. } => "authentication failed",
        Error::Address(_) | Error::Usage(_) | Error::UsageHelp { .. } => "usage",
        Error::Unconfirmed { .. } => "not confirmed",
        Error::Malformed(_) => "malformed file",
        Error::Other { .. } | Error::Io { .. } | Error::Output(_) => "error",
    };
    short.to_owned()
}

/// What the audit log needs of an open home: where it is, its settings, its backend and its
/// identity. `Sigil` (a layer above) provides it, so that the log takes a `&Sigil` without
/// naming it.
pub trait Context {
    /// The home's paths.
    fn paths(&self) -> &Paths;
    /// Its config.toml.
    fn config(&self) -> &crate::model::config::Config;
    /// Whether its backend is the memory one, which writes nothing to disk.
    fn in_memory(&self) -> bool;
    /// The key of the identity its file store uses (loaded on first need), or
    /// [`Key::Unkeyed`] when there is none. Only the key: the identity itself is not handed
    /// out through this.
    fn key(&self) -> Key;
}

/// Whether `sigil` keeps an audit log: on unless config.toml says `audit = false`, and never
/// for the memory backend (a program's tests), which writes nothing to disk.
pub fn enabled(sigil: &dyn Context) -> bool {
    sigil.config().audit != Some(AuditSetting::Off) && !sigil.in_memory()
}

/// Whether config.toml says `audit = "required"` (and the log is kept at all).
pub fn required(sigil: &dyn Context) -> bool {
    sigil.config().audit == Some(AuditSetting::Required) && enabled(sigil)
}

/// Room an entry needs: far more than one line, so that a log that passes this check takes
/// the entry written after the change (a rotation renames; it does not copy).
const ROOM: u64 = 64 * 1024;

/// With `audit = "required"`, checks before a command changes anything or hands a secret
/// out that its entry can be written: the log opens for appending (not a directory, not on a
/// read-only filesystem, not denied) and its filesystem has room. Without it, nothing.
pub fn ready(sigil: &dyn Context) -> Result<()> {
    if !required(sigil) {
        return Ok(());
    }
    ready_at(sigil.paths(), matches!(Key::of(sigil), Key::Keyed { .. }))
}

/// [`ready`] for a command that works without a [`crate::Sigil`] (`sigil rekey`): reads
/// config.toml itself; `keyed` says which log the entry goes to.
pub fn ready_without_sigil(paths: &Paths, keyed: bool) -> Result<()> {
    let config = crate::fsutil::check_config(paths)
        .ok()
        .and_then(|()| crate::model::config::Config::load(paths).ok());
    if config.is_some_and(|c| c.audit == Some(AuditSetting::Required)) {
        return ready_at(paths, keyed);
    }
    Ok(())
}

fn ready_at(paths: &Paths, keyed: bool) -> Result<()> {
    let log = paths
        .home()
        .join(if keyed { LOG_NAME } else { SIDE_LOG_NAME });
    let checked = (|| -> io::Result<()> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(paths.home())?;
        OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&log)?;
        let st = rustix::fs::statvfs(paths.home())?;
        if st.f_bavail.saturating_mul(st.f_frsize) < ROOM {
            return Err(io::Error::from(io::ErrorKind::StorageFull));
        }
        Ok(())
    })();
    checked.map_err(|e| not_written(format!("cannot append to '{}': {e}", log.display())))
}

/// The error of a command refused because its entry could not be written.
fn not_written(why: String) -> Error {
    Error::other(
        format!(
            "cannot write the audit log: {}",
            crate::model::shown::block(&why)
        ),
        Some(
            "config.toml says audit = \"required\": nothing was handed out or changed; \
             free some space or fix the log, or set audit = true to go on with a warning"
                .into(),
        ),
    )
}

/// Records an event as [`record`] does; with `audit = "required"` an entry that cannot be
/// written is the command's error instead of a warning, and the caller must not hand out
/// or keep what it did.
pub fn record_required<T>(
    sigil: &dyn Context,
    event: &str,
    addresses: &[String],
    result: &Result<T>,
) -> Result<()> {
    if !required(sigil) {
        record(sigil, event, addresses, result);
        return Ok(());
    }
    let (outcome, reason) = Outcome::of(result);
    append(
        sigil.paths(),
        &Key::of(sigil),
        Limits::of(Some(sigil.config())),
        event,
        addresses.to_vec(),
        outcome,
        reason,
    )
    .map_err(|e| not_written(e.to_string()))
}

/// Records an event whose outcome is `result`'s. A log that cannot be written is a warning,
/// not a failure of the command: the user's work goes on.
pub fn record<T>(sigil: &dyn Context, event: &str, addresses: &[String], result: &Result<T>) {
    if !enabled(sigil) {
        return;
    }
    let (outcome, reason) = Outcome::of(result);
    record_outcome(sigil, event, addresses, outcome, reason);
}

/// Records an event with an explicit outcome.
pub fn record_outcome(
    sigil: &dyn Context,
    event: &str,
    addresses: &[String],
    outcome: Outcome,
    reason: Option<String>,
) {
    if !enabled(sigil) {
        return;
    }
    let key = Key::of(sigil);
    let limits = Limits::of(Some(sigil.config()));
    if let Err(e) = append(
        sigil.paths(),
        &key,
        limits,
        event,
        addresses.to_vec(),
        outcome,
        reason,
    ) {
        crate::model::notice::warn(format!("cannot write the audit log: {e}"));
    }
}

/// The name of the running program.
fn binary() -> String {
    std::env::args_os()
        .next()
        .map(PathBuf::from)
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "sigil".into())
}

/// The parent process's command name (`/proc/<ppid>/comm` on Linux).
fn parent_command() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        let ppid = std::os::unix::process::parent_id();
        let comm = fs::read_to_string(format!("/proc/{ppid}/comm")).ok()?;
        let comm = comm.trim();
        (!comm.is_empty()).then(|| comm.to_owned())
    }
    #[cfg(not(target_os = "linux"))]
    None
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A MAC as [`hex`] writes it: 64 lower-case hex digits and nothing else, so that each MAC
/// has one spelling. (`u8::from_str_radix` would also take `0F` and `+f`: a line edited that
/// way would still verify.)
fn unhex32(text: &str) -> Option<[u8; 32]> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let b = text.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = digit(b[2 * i])? << 4 | digit(b[2 * i + 1])?;
    }
    Some(out)
}

/// A line as stored: the entry's exact bytes and its MAC.
struct Line {
    content: Vec<u8>,
    mac: [u8; 32],
}

impl Line {
    /// Builds the stored line: the entry's JSON with `"mac"` added as its last member.
    fn encode(content: &[u8], mac: &[u8; 32]) -> Vec<u8> {
        let mut line = Vec::with_capacity(content.len() + MAC_SUFFIX_LEN + 1);
        line.extend_from_slice(&content[..content.len() - 1]);
        line.extend_from_slice(b",\"mac\":\"");
        line.extend_from_slice(hex(mac).as_bytes());
        line.extend_from_slice(b"\"}\n");
        line
    }

    /// Splits a stored line (without its newline) back into content and MAC.
    fn decode(line: &[u8]) -> Option<Line> {
        if line.len() < MAC_SUFFIX_LEN + 2 {
            return None;
        }
        let (body, tail) = line.split_at(line.len() - MAC_SUFFIX_LEN);
        let tail = std::str::from_utf8(tail).ok()?;
        let mac = unhex32(tail.strip_prefix(",\"mac\":\"")?.strip_suffix("\"}")?)?;
        let mut content = body.to_vec();
        content.push(b'}');
        Some(Line { content, mac })
    }

    fn entry(&self) -> Option<Entry> {
        serde_json::from_slice(&self.content).ok()
    }
}

#[doc(hidden)]
/// A stored line (without its newline) split into the entry's JSON and its MAC, with the
/// entry when that JSON is one. Public only for the fuzz targets, which check it against
/// [`encode_line`].
pub fn decode_line(line: &[u8]) -> Option<(Vec<u8>, [u8; 32], Option<Entry>)> {
    let l = Line::decode(line)?;
    let entry = l.entry();
    Some((l.content, l.mac, entry))
}

#[doc(hidden)]
/// The stored line (with its newline) of an entry's JSON and its MAC: [`decode_line`]'s
/// inverse, public for the fuzz targets.
pub fn encode_line(content: &[u8], mac: &[u8; 32]) -> Vec<u8> {
    Line::encode(content, mac)
}

/// The head of the keyed chain (the last entry's number and MAC), kept apart from the log so
/// that a truncated, deleted or rolled-back log is noticed. It is authenticated with the
/// chain's key rather than age-encrypted: anyone who knows a public key can write an age
/// file, but only the identity's holder can tag this. Two copies are kept, in two places
/// ([`Place`]); only keyed appends write them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Checkpoint {
    seq: u64,
    mac: String,
    key: String,
    tag: String,
}

/// Where a head record is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// `<home>/.audit-checkpoint`, beside the log: catches a cut tail or a deleted log.
    Checkpoint,
    /// `<config>/.audit-anchor`: catches what an attacker does to `<home>` as a whole
    /// (deleting or rolling back log and checkpoint together), as long as `<config>` is
    /// left alone. It stays out of the store directory, which may be shared through git.
    Anchor,
}

impl Place {
    /// What the tag covers first, so that one record cannot stand in for the other.
    fn domain(self) -> &'static [u8] {
        match self {
            Place::Checkpoint => b"sigil audit checkpoint\0",
            Place::Anchor => b"sigil audit anchor\0",
        }
    }

    /// The file. There is no anchor when `<config>` is `<home>` (`SIGIL_HOME`): a second
    /// copy beside the first would fall to the same rollback.
    fn path(self, paths: &Paths) -> Option<PathBuf> {
        match self {
            Place::Checkpoint => Some(paths.home().join(CHECKPOINT_NAME)),
            Place::Anchor => {
                (paths.config_dir() != paths.home()).then(|| paths.config_dir().join(ANCHOR_NAME))
            }
        }
    }
}

impl Checkpoint {
    fn tag(place: Place, key: &Key, seq: u64, mac: &str, key_id: &str) -> String {
        hex(&key.mac_parts(&[
            place.domain(),
            seq.to_string().as_bytes(),
            b"\0",
            mac.as_bytes(),
            b"\0",
            key_id.as_bytes(),
        ]))
    }

    fn new(place: Place, key: &Key, seq: u64, mac: &[u8; 32]) -> Checkpoint {
        let mac = hex(mac);
        Checkpoint {
            tag: Checkpoint::tag(place, key, seq, &mac, key.id()),
            seq,
            mac,
            key: key.id().to_owned(),
        }
    }

    /// Whether `key` made it. An unkeyed record is never authentic: anyone can compute it.
    fn authentic(&self, place: Place, key: &Key) -> bool {
        matches!(key, Key::Keyed { .. })
            && self.key == key.id()
            && Checkpoint::tag(place, key, self.seq, &self.mac, &self.key) == self.tag
    }

    /// The record at `place`; `None` when there is none (or it is not a record at all,
    /// which `verify` treats like a missing one).
    fn read(paths: &Paths, place: Place) -> io::Result<Option<Checkpoint>> {
        let Some(path) = place.path(paths) else {
            return Ok(None);
        };
        match fs::read(path) {
            Ok(b) => Ok(serde_json::from_slice(&b).ok()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Overwrites the record in place with one `pwrite` of a fixed-size record (padded
    /// with spaces), which costs a tenth of a create-and-rename; the caller holds the log's
    /// lock, and so does `verify`, so no reader sees it half-written. There is no fsync: the
    /// log line before it is not synced either, and a crash that loses both loses them
    /// consistently; entries found past the checkpoint are accepted when their MACs hold.
    /// A missing `<config>` directory means no anchor (an identity from the environment);
    /// it is not created for this.
    fn write(&self, paths: &Paths, place: Place) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        let Some(path) = place.path(paths) else {
            return Ok(());
        };
        let mut record = serde_json::to_vec(self).map_err(io::Error::other)?;
        if record.len() < CHECKPOINT_LEN {
            record.resize(CHECKPOINT_LEN - 1, b' ');
            record.push(b'\n');
        }
        let f = match OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if place == Place::Anchor && e.kind() == io::ErrorKind::NotFound => {
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        f.write_all_at(&record, 0)?;
        // Every record is padded to the same size; only a longer one from elsewhere needs
        // cutting.
        if record.len() != CHECKPOINT_LEN {
            f.set_len(record.len() as u64)?;
        }
        Ok(())
    }
}

/// The files of the chain whose current file is `<home>/<name>` (the keyed log or the
/// unkeyed side log): its rotated predecessors `<name>.1`, `<name>.2`, …, then itself.
fn chain_files(paths: &Paths, name: &str) -> Vec<PathBuf> {
    let prefix = format!("{name}.");
    let mut rotated: Vec<(u64, PathBuf)> = fs::read_dir(paths.home())
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let file = e.file_name().into_string().ok()?;
            let n: u64 = file.strip_prefix(&prefix)?.parse().ok()?;
            Some((n, e.path()))
        })
        .collect();
    rotated.sort();
    let mut out: Vec<PathBuf> = rotated.into_iter().map(|(_, p)| p).collect();
    let current = paths.home().join(name);
    if current.exists() {
        out.push(current);
    }
    out
}

/// The keyed log and its rotated predecessors, oldest first.
pub fn files(paths: &Paths) -> Vec<PathBuf> {
    chain_files(paths, LOG_NAME)
}

/// The unkeyed side log and its rotated predecessors, oldest first.
pub fn side_files(paths: &Paths) -> Vec<PathBuf> {
    chain_files(paths, SIDE_LOG_NAME)
}

/// Reads the last complete line of `f` (of length `len`) by reading backwards from the end
/// in growing chunks, never the whole file unless it is one line. Returns the line and
/// whether the file ends without a newline (a torn write, to be closed before appending).
fn last_line(f: &mut File, len: u64) -> io::Result<(Option<Vec<u8>>, bool)> {
    if len == 0 {
        return Ok((None, false));
    }
    let mut chunk = 4096u64;
    loop {
        let start = len.saturating_sub(chunk);
        f.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity((len - start) as usize);
        Read::take(&mut *f, len - start).read_to_end(&mut buf)?;
        let torn = !buf.ends_with(b"\n");
        let body = if torn {
            &buf[..]
        } else {
            &buf[..buf.len() - 1]
        };
        // The last complete line ends at the last newline (or the end, when not torn).
        let end = if torn {
            match body.iter().rposition(|&b| b == b'\n') {
                Some(i) => i,
                None if start == 0 => return Ok((None, true)),
                None => {
                    chunk *= 4;
                    continue;
                }
            }
        } else {
            body.len()
        };
        match body[..end].iter().rposition(|&b| b == b'\n') {
            Some(i) => return Ok((Some(body[i + 1..end].to_vec()), torn)),
            None if start == 0 => return Ok((Some(body[..end].to_vec()), torn)),
            None => chunk *= 4,
        }
    }
}

/// The number and MAC of a line, when it is a well-formed entry.
fn position(line: &[u8]) -> Option<(u64, [u8; 32], String)> {
    let l = Line::decode(line)?;
    let e = l.entry()?;
    Some((e.seq, l.mac, e.key))
}

/// The event that bridges a change of identity (after `sigil rekey`): the first entry under
/// the new key names the key before it, so `verify` can tell a rotation from a forgery.
pub const KEY_CHANGE: &str = "audit.key";
/// The event that records where the kept chain starts after rotation deleted the oldest
/// files: `kept from entry N after MAC` (the MAC of entry N-1, which `verify` chains from).
pub const PRUNE: &str = "audit.prune";

/// Opens the current log locked. Another process may rotate it while we wait for the lock,
/// so the lock counts only if the path still names the file we locked.
fn open_locked(path: &Path) -> io::Result<(File, u64)> {
    loop {
        let f = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)?;
        f.lock()?;
        let ours = f.metadata()?;
        match fs::metadata(path) {
            Ok(m) if m.ino() == ours.ino() && m.dev() == ours.dev() => return Ok((f, ours.len())),
            _ => continue,
        }
    }
}

/// Appends one entry under the chain's lock, chaining it to the last entry; rotates the file
/// past `max_size`. With the identity's key the entry goes to the keyed log and the head
/// records (checkpoint and anchor) move; without it, to the unkeyed side log, so that a
/// process without the identity (a wrong passphrase, an env-only job) never puts into the
/// keyed chain an entry anyone could have written, and never breaks it either.
///
/// An entry that cannot be written (a full disk) leaves an empty marker file in `<home>`
/// (`.audit-lost-<time>-<pid>-<event>`: a name, no data, so it can be made when nothing else
/// can); the next append that succeeds records an `audit.lost` entry naming them and removes
/// them, so the log says that entries are missing and from when.
pub fn append(
    paths: &Paths,
    key: &Key,
    limits: Limits,
    event: &str,
    addresses: Vec<String>,
    outcome: Outcome,
    reason: Option<String>,
) -> Result<()> {
    match append_entries(paths, key, limits, event, addresses, outcome, reason) {
        Ok(recorded) => {
            for marker in recorded {
                let _ = fs::remove_file(marker);
            }
            Ok(())
        }
        Err(e) => {
            mark_lost(paths, event);
            Err(e)
        }
    }
}

/// The event that records entries lost to a failed write.
pub const LOST: &str = "audit.lost";
const LOST_PREFIX: &str = ".audit-lost-";

fn mark_lost(paths: &Paths, event: &str) {
    use std::os::unix::fs::OpenOptionsExt;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let safe: String = event
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = format!("{LOST_PREFIX}{now}-{}-{safe}", std::process::id());
    let _ = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(paths.home().join(name));
}

/// The markers of lost entries, oldest first, and the `audit.lost` entry's reason for them.
fn lost_markers(paths: &Paths) -> (Vec<PathBuf>, Option<String>) {
    let mut found: Vec<(i64, String, PathBuf)> = fs::read_dir(paths.home())
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let rest = name.strip_prefix(LOST_PREFIX)?;
            let mut parts = rest.splitn(3, '-');
            let at: i64 = parts.next()?.parse().ok()?;
            let event = parts.nth(1)?.to_owned();
            Some((at, event, e.path()))
        })
        .collect();
    if found.is_empty() {
        return (Vec::new(), None);
    }
    found.sort();
    let when = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .map_or_else(|_| t.to_string(), crate::model::when::format)
    };
    let events: Vec<&str> = found.iter().map(|(_, e, _)| e.as_str()).collect();
    let reason = format!(
        "{} entr{} could not be written ({}) from {} to {}",
        found.len(),
        if found.len() == 1 { "y" } else { "ies" },
        events.join(", "),
        when(found[0].0),
        when(found[found.len() - 1].0)
    );
    (found.into_iter().map(|(_, _, p)| p).collect(), Some(reason))
}

/// [`append`]'s work; returns the lost-entry markers it recorded.
fn append_entries(
    paths: &Paths,
    key: &Key,
    limits: Limits,
    event: &str,
    addresses: Vec<String>,
    outcome: Outcome,
    reason: Option<String>,
) -> Result<Vec<PathBuf>> {
    let keyed = matches!(key, Key::Keyed { .. });
    let name = if keyed { LOG_NAME } else { SIDE_LOG_NAME };
    let path = paths.home().join(name);
    let ctx = |e: io::Error| Error::io(format!("cannot append to '{}'", path.display()), e);
    // Reading is not writing: a command that only reads (an env-only CI job) creates no home.
    // Once the home exists (`sigil init`, a first write, or `mkdir`), the log is kept.
    let (mut f, len) = match open_locked(&path) {
        Ok(x) => x,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ctx(e)),
    };
    let (tail, torn) = last_line(&mut f, len).map_err(ctx)?;
    let (last, prune) = chain_start(paths, key, limits, (name, &path, len), tail).map_err(ctx)?;
    let (prev_seq, prev_mac, prev_key) = last.unwrap_or((0, GENESIS, Key::Unkeyed.id().to_owned()));
    let mut events = Vec::with_capacity(3);
    // The log was written under another identity until now (a rotated key): say so first,
    // under the new key, so that verify can tell the rotation from a forgery.
    if keyed && prev_key != "none" && prev_key != key.id() {
        events.push((
            KEY_CHANGE.to_owned(),
            vec![],
            Outcome::Ok,
            Some(format!("previous key {prev_key}")),
        ));
    }
    // The kept chain will start after the deleted files: a keyed entry says where, with the
    // MAC it chains from, so that verify can tell this from someone deleting the oldest files.
    if let Some((_, seq, mac)) = &prune
        && keyed
    {
        events.push((
            PRUNE.to_owned(),
            vec![],
            Outcome::Ok,
            Some(format!("kept from entry {seq} after {}", hex(mac))),
        ));
    }
    // Entries that could not be written before this one: said first, so that the log shows
    // a gap where it has one.
    let (lost, lost_reason) = lost_markers(paths);
    if let Some(why) = lost_reason {
        events.push((LOST.to_owned(), vec![], Outcome::Failed, Some(why)));
    }
    events.push((event.to_owned(), addresses, outcome, reason));
    let (line, prev_seq, mac) = encode_entries(key, events, (prev_seq, prev_mac), torn)?;
    // One write with O_APPEND: a reader never sees half an entry from a live writer. A write
    // cut short (a full disk) is cut back off, under the lock: half a line would read as
    // tampering, when it is a lost entry (which the marker left by `append` records).
    if let Err(e) =
        crate::fsutil::fault(crate::fsutil::Step::Append).and_then(|()| f.write_all(&line))
    {
        let _ = f.set_len(len);
        return Err(ctx(e));
    }
    if keyed {
        for place in [Place::Checkpoint, Place::Anchor] {
            Checkpoint::new(place, key, prev_seq, &mac)
                .write(paths, place)
                .map_err(|e| {
                    let p = place.path(paths).unwrap_or_default();
                    Error::io(format!("cannot write '{}'", p.display()), e)
                })?;
        }
    }
    if let Some((gone, _, _)) = prune {
        for p in gone {
            fs::remove_file(&p).map_err(ctx)?;
        }
    }
    if len + line.len() as u64 > limits.max_size {
        rotate(paths, name, &path).map_err(ctx)?;
    }
    Ok(lost)
}

/// The last entry of a chain: its sequence number, MAC and key.
type ChainEnd = (u64, [u8; 32], String);

/// Rotated files to delete, with the first kept entry's sequence number and the MAC it
/// chains from.
type Prune = (Vec<PathBuf>, u64, [u8; 32]);

/// Where the chain goes on, for [`append_entries`]: the last entry's sequence number, MAC
/// and key (from the log's `tail`, from the newest rotated file just after a rotation, or
/// from a head record that is further on), and the rotated files past the limit, to delete
/// once the append is written, with the entry the kept chain starts from.
fn chain_start(
    paths: &Paths,
    key: &Key,
    limits: Limits,
    (name, path, len): (&str, &Path, u64),
    tail: Option<Vec<u8>>,
) -> io::Result<(Option<ChainEnd>, Option<Prune>)> {
    let keyed = matches!(key, Key::Keyed { .. });
    let mut last = match tail {
        Some(line) => position(&line),
        None => None,
    };
    // Rotated files past the limit, deleted once this append is written.
    let mut prune: Option<Prune> = None;
    if last.is_none() && len == 0 {
        // Just rotated: the chain goes on from the newest rotated file.
        let rotated: Vec<PathBuf> = chain_files(paths, name)
            .into_iter()
            .filter(|p| p != path)
            .collect();
        if let Some(prev) = rotated.last()
            && let Ok(mut pf) = File::open(prev)
        {
            let plen = pf.metadata()?.len();
            if let (Some(line), _) = last_line(&mut pf, plen)? {
                last = position(&line);
            }
        }
        if rotated.len() > limits.keep {
            let gone = rotated[..rotated.len() - limits.keep].to_vec();
            prune = pruned_head(&gone)?.map(|(s, m)| (gone, s, m));
        }
    }
    // A head record ahead of the log means entries were cut off, deleted or rolled back.
    // Chaining from the furthest one keeps that visible: the new entry will not follow the
    // log's last line.
    if keyed {
        for place in [Place::Checkpoint, Place::Anchor] {
            if let Ok(Some(cp)) = Checkpoint::read(paths, place)
                && cp.authentic(place, key)
                && cp.seq > last.as_ref().map_or(0, |(s, _, _)| *s)
                && let Some(mac) = unhex32(&cp.mac)
            {
                last = Some((cp.seq, mac, cp.key));
            }
        }
    }
    Ok((last, prune))
}

/// The audit lines for `events`, chained from `(seq, mac)`, after a line break when the
/// log ends `torn`; with the last sequence number and MAC.
fn encode_entries(
    key: &Key,
    events: Vec<(String, Vec<String>, Outcome, Option<String>)>,
    (mut prev_seq, mut prev_mac): (u64, [u8; 32]),
    torn: bool,
) -> Result<(Vec<u8>, u64, [u8; 32])> {
    let mut line = Vec::new();
    if torn {
        line.push(b'\n');
    }
    let (time, binary, parent) = (
        crate::model::when::format(time::OffsetDateTime::now_utc()),
        binary(),
        parent_command(),
    );
    let mut mac = prev_mac;
    for (event, addresses, outcome, reason) in events {
        let entry = Entry {
            seq: prev_seq + 1,
            time: time.clone(),
            event,
            addresses,
            outcome: outcome.as_str().to_owned(),
            reason,
            binary: binary.clone(),
            pid: std::process::id(),
            parent: parent.clone(),
            key: key.id().to_owned(),
        };
        let content = serde_json::to_vec(&entry)
            .map_err(|e| Error::other(format!("cannot encode an audit entry: {e}"), None))?;
        mac = key.mac(&prev_mac, &content);
        line.extend_from_slice(&Line::encode(&content, &mac));
        prev_seq = entry.seq;
        prev_mac = mac;
    }
    Ok((line, prev_seq, mac))
}

/// Moves the full log `name` aside as the next rotated file (`audit.log.N`).
fn rotate(paths: &Paths, name: &str, path: &Path) -> io::Result<()> {
    let n = chain_files(paths, name)
        .iter()
        .filter_map(|p| {
            p.file_name()?
                .to_str()?
                .strip_prefix(name)?
                .strip_prefix('.')?
                .parse::<u64>()
                .ok()
        })
        .max()
        .unwrap_or(0);
    let to = paths.home().join(format!("{name}.{}", n + 1));
    fs::rename(path, &to)
}

/// The first entry after the files `gone` (oldest first) and the MAC it chains from: the
/// last entry of the last of them. `None` when they hold no entry.
fn pruned_head(gone: &[PathBuf]) -> io::Result<Option<(u64, [u8; 32])>> {
    for p in gone.iter().rev() {
        let mut f = File::open(p)?;
        let len = f.metadata()?.len();
        if let (Some(line), _) = last_line(&mut f, len)?
            && let Some((seq, mac, _)) = position(&line)
        {
            return Ok(Some((seq + 1, mac)));
        }
    }
    Ok(None)
}

/// Every entry of the keyed log and of the unkeyed side log, oldest first (by time; the
/// side log's entries carry `"key":"none"` and their own numbering), skipping lines that are
/// not entries.
pub fn read_all(paths: &Paths) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for p in files(paths).into_iter().chain(side_files(paths)) {
        let bytes = crate::fsutil::read_capped(&p, crate::fsutil::Input::Log)
            .map_err(|e| Error::io(format!("cannot read '{}'", p.display()), e))?;
        for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            if let Some(e) = Line::decode(line).and_then(|l| l.entry()) {
                out.push(e);
            }
        }
    }
    // RFC 3339 UTC to the second sorts as text; the sort is stable, so each chain keeps its
    // order within a second.
    out.sort_by(|a, b| a.time.cmp(&b.time));
    Ok(out)
}

/// What `verify` found when the chains hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// How many entries in the keyed log.
    pub entries: u64,
    /// The first entry kept: 1, or where the chain starts after rotation deleted the oldest
    /// files (`audit_keep`), as an `audit.prune` entry under the key records.
    pub starts_at: u64,
    /// In how many files.
    pub files: usize,
    /// The key id, or `None` when the keyed log is empty.
    pub key: Option<String>,
    /// Entries at the start written under an earlier identity (before a key rotation), which
    /// cannot be checked without it.
    pub earlier_key: u64,
    /// The unkeyed side log, when it has entries.
    pub side: Option<Side>,
    /// What `audit.lost` entries say could not be written (a full disk), oldest first.
    pub lost: Vec<String>,
}

/// The unkeyed side log as `verify` found it: intact as a hash chain, which proves nothing
/// about who wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// Its current file.
    pub path: PathBuf,
    /// How many entries.
    pub entries: u64,
    /// In how many files.
    pub files: usize,
}

/// A break: where, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The file.
    pub file: PathBuf,
    /// The 1-based line in it, or 0 when the file as a whole is concerned (deleted, rolled
    /// back, replaced).
    pub line: usize,
    /// What is wrong.
    pub what: String,
}

impl Broken {
    /// The error `sigil audit verify` exits 5 with.
    pub fn into_error(self) -> Error {
        if self.line == 0 {
            return Error::Refused {
                message: format!("the audit log '{}' {}", self.file.display(), self.what),
                help: Some(
                    "keep what is left for investigation; the next entry chains from the last \
                     one recorded, so the loss stays visible"
                        .into(),
                ),
            };
        }
        Error::Refused {
            message: format!(
                "the audit log has been tampered with: line {} of '{}' {}",
                self.line,
                self.file.display(),
                self.what
            ),
            help: Some(
                "keep the log as it is for investigation; entries after the break still \
                 carry their MACs, and new entries go on being chained"
                    .into(),
            ),
        }
    }
}

/// `1 entry`, `2 entries`.
fn entries(n: u64) -> String {
    if n == 1 {
        "1 entry".into()
    } else {
        format!("{n} entries")
    }
}

/// One line as read, with where it was.
struct ReadLine {
    file: PathBuf,
    line: usize,
    bytes: Vec<u8>,
}

/// What walking one chain found.
struct Walked {
    lines: Vec<ReadLine>,
    seqs: Vec<Option<u64>>,
    /// The first entry kept (1 unless rotation deleted the oldest files).
    first_seq: u64,
    last_seq: u64,
    keyed_seen: bool,
    bridged: u64,
}

impl Walked {
    /// The line holding entry `seq`, decoded.
    fn at(&self, seq: u64) -> Option<(Line, Entry)> {
        let (r, _) = self
            .lines
            .iter()
            .zip(&self.seqs)
            .find(|(_, s)| **s == Some(seq))?;
        let l = Line::decode(&r.bytes)?;
        let e = l.entry()?;
        Some((l, e))
    }
}

fn no_identity() -> Error {
    Error::Auth {
        message: "the audit log is keyed, and no identity is available to check it".into(),
        help: Some(
            "run `sigil audit verify` where the identity is (SIGIL_IDENTITY_FILE, or \
             <config>/identity.txt)"
                .into(),
        ),
    }
}

/// The `audit.prune` entry that says the kept chain starts at `first`: its line and the MAC
/// of the entry before `first`. Its own MAC is checked when the walk reaches it.
fn prune_record(lines: &[ReadLine], first: u64) -> Option<(usize, [u8; 32])> {
    let want = format!("kept from entry {first} after ");
    lines.iter().enumerate().find_map(|(i, r)| {
        let e = Line::decode(&r.bytes)?.entry()?;
        let mac = e.reason.as_deref()?.strip_prefix(&want)?;
        (e.event == PRUNE).then(|| unhex32(mac).map(|m| (i, m)))?
    })
}

/// Walks one chain: the keyed log (`side` false), whose every entry must carry a key, or the
/// unkeyed side log, whose every entry must carry none.
fn walk(files: &[PathBuf], key: &Key, side: bool) -> Result<std::result::Result<Walked, Broken>> {
    let lines = read_lines(files)?;
    let seqs: Vec<Option<u64>> = lines
        .iter()
        .map(|r| {
            Line::decode(&r.bytes)
                .and_then(|l| l.entry())
                .map(|e| e.seq)
        })
        .collect();
    let (mut expected, mut prev, vouching) = walk_start(files, &lines, &seqs, side);
    let start = expected;
    let mut vouched = false;
    let mut keys = Keys::default();
    let unkeyed = Key::Unkeyed;
    let broken = |r: &ReadLine, what: String| Broken {
        file: r.file.clone(),
        line: r.line,
        what,
    };
    for (i, r) in lines.iter().enumerate() {
        let Some((line, entry)) = Line::decode(&r.bytes).and_then(|l| {
            let e = l.entry()?;
            Some((l, e))
        }) else {
            return Ok(Err(broken(
                r,
                "is not an audit entry: it was altered".into(),
            )));
        };
        let verifier = match keys.pick(key, side, &entry, i, expected)? {
            Pick::Unkeyed => &unkeyed,
            Pick::Ours => key,
            Pick::Foreign => {
                prev = line.mac;
                expected = entry.seq + 1;
                continue;
            }
            Pick::Broken(at, what) => return Ok(Err(broken(&lines[at], what))),
        };
        let unchained = side && i == 0 && start > 1;
        if !unchained && verifier.mac(&prev, &line.content) != line.mac {
            return Ok(Err(broken(
                r,
                mismatch(entry.seq, expected, &seqs[i + 1..]),
            )));
        }
        prev = line.mac;
        expected = entry.seq + 1;
        vouched |= vouching == Some(i) && entry.key == key.id();
    }
    if vouching.is_some() && !vouched {
        return Ok(Err(broken(
            &lines[0],
            format!(
                "follows a gap: entries 1–{} before it were deleted",
                start - 1
            ),
        )));
    }
    if let Some((first, old, _)) = keys.foreign {
        return Ok(Err(broken(
            &lines[first],
            format!(
                "was written with another identity (key {old}, not {})",
                key.id()
            ),
        )));
    }
    Ok(Ok(Walked {
        lines,
        seqs,
        first_seq: start,
        last_seq: expected - 1,
        keyed_seen: keys.keyed_seen,
        bridged: keys.bridged,
    }))
}

/// Every line of the chain `files`, in order, with its file and line number.
fn read_lines(files: &[PathBuf]) -> Result<Vec<ReadLine>> {
    let mut lines = Vec::new();
    for p in files {
        let bytes = crate::fsutil::read_capped(p, crate::fsutil::Input::Log)
            .map_err(|e| Error::io(format!("cannot read '{}'", p.display()), e))?;
        let mut parts: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        if parts.last().is_some_and(|l| l.is_empty()) {
            parts.pop();
        }
        for (i, l) in parts.into_iter().enumerate() {
            lines.push(ReadLine {
                file: p.clone(),
                line: i + 1,
                bytes: l.to_vec(),
            });
        }
    }
    Ok(lines)
}

/// Where [`walk`] starts: the sequence number it expects first, the MAC that entry chains
/// from, and the line of the `audit.prune` entry that must vouch for the start, if any.
fn walk_start(
    files: &[PathBuf],
    lines: &[ReadLine],
    seqs: &[Option<u64>],
    side: bool,
) -> (u64, [u8; 32], Option<usize>) {
    let mut prev = GENESIS;
    let mut expected = 1u64;
    // Rotation may have deleted the oldest files (`audit_keep`). The keyed chain then starts
    // where an `audit.prune` entry under our key says, chaining from the MAC it names; the
    // side log proves nothing, so its first kept entry is taken as it stands.
    let mut vouching: Option<usize> = None;
    if let Some(Some(first)) = seqs.first().copied()
        && first > 1
    {
        // Rotated files are numbered from 1; a first file numbered higher says older ones
        // were deleted, which is all the side log can go by.
        let after_deleted = files.first().is_some_and(|f| {
            f.extension()
                .and_then(|x| x.to_str())
                .and_then(|x| x.parse::<u64>().ok())
                .is_some_and(|n| n > 1)
        });
        if side && after_deleted {
            expected = first;
        } else if let Some((i, mac)) = prune_record(lines, first) {
            (expected, prev, vouching) = (first, mac, Some(i));
        }
    }
    (expected, prev, vouching)
}

/// Why entry `seq` does not chain where entry `expected` belongs; `later` are the sequence
/// numbers of the lines after it.
fn mismatch(seq: u64, expected: u64, later: &[Option<u64>]) -> String {
    if seq > expected {
        if later.contains(&Some(expected)) {
            format!("is out of order: entry {seq} stands where entry {expected} belongs")
        } else if expected + 1 == seq {
            format!("follows a gap: entry {expected} before it was deleted")
        } else {
            format!(
                "follows a gap: entries {expected}–{} before it were deleted",
                seq - 1
            )
        }
    } else if seq < expected {
        format!("is out of order: entry {seq} stands where entry {expected} belongs")
    } else {
        "was altered (its MAC does not match its content)".into()
    }
}

/// The keys [`walk`] has met so far.
#[derive(Default)]
struct Keys {
    /// An entry under our key was seen.
    keyed_seen: bool,
    /// Entries under an earlier identity (before `sigil rekey`): their first line, their key,
    /// and how many. They count only when bridged by a key-change entry under ours.
    foreign: Option<(usize, String, u64)>,
    /// How many such entries a key-change entry bridged.
    bridged: u64,
}

/// How [`walk`] checks one entry.
enum Pick {
    /// Its MAC is unkeyed (the side log).
    Unkeyed,
    /// Under our key.
    Ours,
    /// Under an earlier identity: taken as it stands until an entry under ours vouches.
    Foreign,
    /// The chain breaks at line `.0` for the reason `.1`.
    Broken(usize, String),
}

impl Keys {
    /// How to check `entry` (line `i`, where entry `expected` belongs) under `key`.
    fn pick(
        &mut self,
        key: &Key,
        side: bool,
        entry: &Entry,
        i: usize,
        expected: u64,
    ) -> Result<Pick> {
        if side {
            if entry.key != "none" {
                return Ok(Pick::Broken(
                    i,
                    format!("carries a key: keyed entries are kept in '{LOG_NAME}'"),
                ));
            }
            return Ok(Pick::Unkeyed);
        }
        if entry.key == "none" {
            // Anyone can compute an unkeyed entry, so the keyed log holds none, not even
            // before its first keyed one: a prefix would be vouched for by the keyed entries
            // chained after it, whoever wrote it.
            return Ok(Pick::Broken(
                i,
                format!(
                    "carries no key: entries written without the identity are kept in \
                     '{SIDE_LOG_NAME}', never in the keyed log"
                ),
            ));
        }
        if entry.key == key.id() {
            if !self.keyed_seen
                && let Some((first, old, n)) = self.foreign.take()
            {
                let names_it = entry.event == KEY_CHANGE
                    && entry.reason.as_deref() == Some(&format!("previous key {old}"));
                if !names_it {
                    return Ok(Pick::Broken(
                        first,
                        format!(
                            "was written with another identity (key {old}, not {})",
                            key.id()
                        ),
                    ));
                }
                self.bridged = n;
            }
            self.keyed_seen = true;
            return Ok(Pick::Ours);
        }
        if matches!(key, Key::Unkeyed) {
            return Err(no_identity());
        }
        if !self.keyed_seen
            && self
                .foreign
                .as_ref()
                .is_none_or(|(_, old, _)| *old == entry.key)
            && entry.seq == expected
        {
            // Possibly the identity before a rotation: its MACs cannot be checked here, so
            // the line is taken as it stands until an entry under our key vouches for it.
            let f = self.foreign.get_or_insert((i, entry.key.clone(), 0));
            f.2 += 1;
            return Ok(Pick::Foreign);
        }
        Ok(Pick::Broken(
            i,
            format!(
                "was written with another identity (key {}, not {})",
                entry.key,
                key.id()
            ),
        ))
    }
}

/// Checks the keyed log against its checkpoint and anchor, then the unkeyed side log.
/// `Ok(Err(_))` names the first break; `Err(_)` is a failure to check at all.
pub fn verify(paths: &Paths, key: &Key) -> Result<std::result::Result<Verified, Broken>> {
    // Appenders hold this lock while they move the head records; holding it too, verify
    // never sees a record ahead of the lines it read.
    let current = paths.home().join(LOG_NAME);
    let _lock = if current.exists() {
        open_locked(&current).ok()
    } else {
        None
    };
    let files = files(paths);
    let w = match walk(&files, key, false)? {
        Ok(w) => w,
        Err(b) => return Ok(Err(b)),
    };
    let read = |place: Place| {
        Checkpoint::read(paths, place).map_err(|e| {
            let p = place.path(paths).unwrap_or_default();
            Error::io(format!("cannot read '{}'", p.display()), e)
        })
    };
    let checkpoint = read(Place::Checkpoint)?;
    let anchor = read(Place::Anchor)?;
    if let Some(b) = check_heads(paths, key, &w, checkpoint, anchor)? {
        return Ok(Err(b));
    }
    let side_files = side_files(paths);
    let side_current = paths.home().join(SIDE_LOG_NAME);
    let _side_lock = if side_current.exists() {
        open_locked(&side_current).ok()
    } else {
        None
    };
    let s = match walk(&side_files, &Key::Unkeyed, true)? {
        Ok(s) => s,
        Err(b) => return Ok(Err(b)),
    };
    let lost = w
        .lines
        .iter()
        .chain(&s.lines)
        .filter_map(|r| Line::decode(&r.bytes)?.entry())
        .filter(|e| e.event == LOST)
        .filter_map(|e| e.reason)
        .collect();
    Ok(Ok(Verified {
        lost,
        entries: (w.last_seq + 1).saturating_sub(w.first_seq),
        starts_at: w.first_seq,
        files: files.len(),
        key: w.keyed_seen.then(|| key.id().to_owned()),
        earlier_key: w.bridged,
        side: (s.last_seq > 0).then_some(Side {
            path: side_current,
            entries: (s.last_seq + 1).saturating_sub(s.first_seq),
            files: side_files.len(),
        }),
    }))
}

/// Holds the keyed log up against the checkpoint (beside it) and the anchor (in `<config>`):
/// a log that ends before either, or holds another entry where they name one, lost entries.
fn check_heads(
    paths: &Paths,
    key: &Key,
    w: &Walked,
    checkpoint: Option<Checkpoint>,
    anchor: Option<Checkpoint>,
) -> Result<Option<Broken>> {
    // A keyed record says the log is keyed; without the identity there is nothing to check.
    if matches!(key, Key::Unkeyed)
        && (checkpoint.as_ref().is_some_and(|c| c.key != "none") || anchor.is_some())
    {
        return Err(no_identity());
    }
    let heads = Heads {
        w,
        key,
        log: paths.home().join(LOG_NAME),
        cp_path: Place::Checkpoint.path(paths).unwrap_or_default(),
        anchor_path: Place::Anchor.path(paths).unwrap_or_default(),
    };
    let cp_ok = checkpoint
        .as_ref()
        .filter(|c| c.authentic(Place::Checkpoint, key));
    let anchor_ok = anchor.as_ref().filter(|a| a.authentic(Place::Anchor, key));
    if w.last_seq == 0
        && let Some(broken) = heads.emptied(cp_ok, checkpoint.is_none(), anchor_ok)
    {
        return Ok(Some(broken));
    }
    if let Some(broken) = heads.against_checkpoint(checkpoint.as_ref(), cp_ok) {
        return Ok(Some(broken));
    }
    Ok(anchor
        .as_ref()
        .and_then(|a| heads.against_anchor(a, anchor_ok.is_some(), checkpoint.is_some())))
}

/// What [`check_heads`] holds the keyed log's end up against, and how it names a break.
struct Heads<'a> {
    w: &'a Walked,
    key: &'a Key,
    log: PathBuf,
    cp_path: PathBuf,
    anchor_path: PathBuf,
}

impl Heads<'_> {
    /// A break of the whole log.
    fn whole(&self, what: String) -> Broken {
        Broken {
            file: self.log.clone(),
            line: 0,
            what,
        }
    }

    /// A break just past the log's last line.
    fn end(&self, what: String) -> Broken {
        match self.w.lines.last() {
            Some(r) => Broken {
                file: r.file.clone(),
                line: r.line + 1,
                what,
            },
            None => Broken {
                file: self.log.clone(),
                line: 1,
                what,
            },
        }
    }

    /// An empty or missing log where an authentic checkpoint, or (with the checkpoint gone
    /// too) the anchor, records entries.
    fn emptied(
        &self,
        cp_ok: Option<&Checkpoint>,
        no_checkpoint: bool,
        anchor_ok: Option<&Checkpoint>,
    ) -> Option<Broken> {
        let exists = self.log.exists();
        let gone = if exists { "was emptied" } else { "was deleted" };
        if let Some(cp) = cp_ok.filter(|c| c.seq > 0) {
            return Some(self.whole(format!(
                "{gone}: the checkpoint '{}' records {}",
                self.cp_path.display(),
                entries(cp.seq)
            )));
        }
        if no_checkpoint && let Some(a) = anchor_ok.filter(|a| a.seq > 0) {
            let gone = if exists {
                "was emptied and its checkpoint deleted"
            } else {
                "and its checkpoint were deleted"
            };
            return Some(self.whole(format!(
                "{gone}: the anchor '{}' records {}",
                self.anchor_path.display(),
                entries(a.seq)
            )));
        }
        None
    }

    /// The log's end against the checkpoint: missing, altered, ahead of the log, or naming
    /// another entry than the log holds.
    fn against_checkpoint(
        &self,
        checkpoint: Option<&Checkpoint>,
        cp_ok: Option<&Checkpoint>,
    ) -> Option<Broken> {
        let last_seq = self.w.last_seq;
        let cp = match checkpoint {
            None if last_seq > 0 => {
                return Some(self.end(format!(
                    "is past the end, and the checkpoint '{}' is missing, so a truncated tail \
                     cannot be ruled out",
                    self.cp_path.display()
                )));
            }
            None => return None,
            Some(_) if cp_ok.is_none() => {
                return Some(self.end(format!(
                    "is past the end, and the checkpoint '{}' was altered or written without \
                     the identity",
                    self.cp_path.display()
                )));
            }
            Some(cp) => cp,
        };
        if cp.seq > last_seq {
            let missing = if cp.seq == last_seq + 1 {
                format!("entry {}", cp.seq)
            } else {
                format!("entries {}–{}", last_seq + 1, cp.seq)
            };
            return Some(self.end(format!(
                "is missing: the log was truncated ({missing} recorded by the checkpoint are \
                 gone)"
            )));
        }
        if cp.seq > 0 && self.w.at(cp.seq).is_none_or(|(l, _)| hex(&l.mac) != cp.mac) {
            return Some(self.end(format!(
                "is past the end, and entry {} does not match the checkpoint: the tail was \
                 replaced",
                cp.seq
            )));
        }
        None
    }

    /// The log against the anchor `a` (in `<config>`): rolled back, replaced, or an anchor
    /// that cannot be checked.
    fn against_anchor(
        &self,
        a: &Checkpoint,
        authentic: bool,
        has_checkpoint: bool,
    ) -> Option<Broken> {
        let (w, last_seq) = (self.w, self.w.last_seq);
        if !authentic {
            // Written under the identity before a rotation (or by a process run with another
            // identity, which the walk has already named): its tag cannot be checked here,
            // but the entry it names must be in the log as it says.
            let earlier = a.key != self.key.id()
                && w.at(a.seq)
                    .is_some_and(|(l, e)| hex(&l.mac) == a.mac && e.key == a.key);
            if earlier {
                return None;
            }
            return Some(self.whole(format!(
                "cannot be checked: the anchor '{}' was altered or written without the identity",
                self.anchor_path.display()
            )));
        }
        if a.seq > last_seq {
            let which = if has_checkpoint {
                "and its checkpoint were rolled back: they end"
            } else {
                "was rolled back: it ends"
            };
            return Some(self.whole(format!(
                "{which} at entry {last_seq}, and the anchor '{}' records entry {}",
                self.anchor_path.display(),
                a.seq
            )));
        }
        if a.seq > 0 && w.at(a.seq).is_none_or(|(l, _)| hex(&l.mac) != a.mac) {
            return Some(self.whole(format!(
                "was replaced: entry {} does not match the anchor '{}'",
                a.seq,
                self.anchor_path.display()
            )));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `audit_line` fuzz target: a MAC in upper case (or with a `+` before a
    /// digit) decoded to the same bytes, so an edited line still verified.
    #[test]
    fn a_mac_has_one_spelling() {
        let mac = [0xaf; 32];
        let line = Line::encode(br#"{"seq":1}"#, &mac);
        let line = line.strip_suffix(b"\n").unwrap();
        assert_eq!(Line::decode(line).unwrap().mac, mac);
        let text = String::from_utf8(line.to_vec()).unwrap();
        for edited in [text.replacen("af", "AF", 1), text.replacen("af", "+a", 1)] {
            assert!(Line::decode(edited.as_bytes()).is_none(), "{edited}");
        }
    }

    fn key() -> Key {
        Key::from_identity(&Identity::generate())
    }

    fn add(paths: &Paths, key: &Key, n: usize, max: u64) {
        let limits = Limits {
            max_size: max,
            keep: DEFAULT_KEEP,
        };
        for i in 0..n {
            append(
                paths,
                key,
                limits,
                "get",
                vec![format!("svc/a{i}/api_key")],
                Outcome::Ok,
                None,
            )
            .unwrap();
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(crate::model::config::parse_size("10MiB"), Some(10 << 20));
        assert_eq!(crate::model::config::parse_size("512 kb"), Some(512 << 10));
        assert_eq!(crate::model::config::parse_size("100"), Some(100));
        assert_eq!(crate::model::config::parse_size("10 parsecs"), None);
    }

    #[test]
    fn lines_round_trip_and_the_tail_is_found() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path());
        let k = key();
        add(&paths, &k, 3, DEFAULT_MAX_SIZE);
        let all = read_all(&paths).unwrap();
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(all[2].addresses, ["svc/a2/api_key"]);
        assert_eq!(all[0].key, k.id());
        let v = verify(&paths, &k).unwrap().unwrap();
        assert_eq!((v.entries, v.files), (3, 1));
        // Another identity cannot check it, and says so by line.
        let b = verify(&paths, &key()).unwrap().unwrap_err();
        assert_eq!(b.line, 1);
    }

    #[test]
    fn long_lines_and_rotation_keep_the_chain() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path());
        let k = key();
        for i in 0..5 {
            let many: Vec<String> = (0..200).map(|j| format!("svc/a{i}x{j}/api_key")).collect();
            let limits = Limits {
                max_size: 6000,
                keep: DEFAULT_KEEP,
            };
            append(&paths, &k, limits, "resolve", many, Outcome::Ok, None).unwrap();
        }
        assert!(files(&paths).len() > 2, "{:?}", files(&paths));
        let v = verify(&paths, &k).unwrap().unwrap();
        assert_eq!(v.entries, 5);
    }

    #[test]
    fn rotation_keeps_a_bounded_number_of_files_and_verify_says_where_the_chain_starts() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path());
        let k = key();
        let limits = Limits {
            max_size: 2000,
            keep: 2,
        };
        for i in 0..60 {
            let many: Vec<String> = (0..10).map(|j| format!("svc/a{i}x{j}/api_key")).collect();
            append(&paths, &k, limits, "resolve", many, Outcome::Ok, None).unwrap();
        }
        let kept = files(&paths);
        assert!(kept.len() <= 3, "{kept:?}");
        let v = verify(&paths, &k).unwrap().unwrap();
        assert!(v.starts_at > 1, "{v:?}");
        assert_eq!(
            v.starts_at + v.entries - 1,
            read_all(&paths).unwrap().last().unwrap().seq
        );
        // Deleting the oldest kept file too is not a rotation: nothing under the key says so.
        fs::remove_file(&kept[0]).unwrap();
        let b = verify(&paths, &k).unwrap().unwrap_err();
        assert!(b.what.contains("follows a gap"), "{b:?}");
    }

    #[test]
    fn a_key_rotation_is_bridged_but_a_forged_prefix_is_not() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path());
        let (old, new) = (key(), key());
        add(&paths, &old, 2, DEFAULT_MAX_SIZE);
        add(&paths, &new, 1, DEFAULT_MAX_SIZE);
        let all = read_all(&paths).unwrap();
        assert_eq!(all[2].event, KEY_CHANGE);
        assert_eq!(
            all[2].reason.as_deref(),
            Some(&*format!("previous key {}", old.id()))
        );
        let v = verify(&paths, &new).unwrap().unwrap();
        assert_eq!((v.entries, v.earlier_key), (4, 2));
        // Lines claiming some other key, put in front of entries under ours, are not believed.
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path());
        add(&paths, &new, 3, DEFAULT_MAX_SIZE);
        let log = paths.home().join(LOG_NAME);
        let text = fs::read_to_string(&log).unwrap();
        let forged = text.replacen(
            &format!("\"key\":\"{}\"", new.id()),
            "\"key\":\"0123456789ab\"",
            1,
        );
        fs::write(&log, forged).unwrap();
        let b = verify(&paths, &new).unwrap().unwrap_err();
        assert_eq!(b.line, 1, "{b:?}");
        assert!(b.what.contains("another identity"), "{b:?}");
    }

    #[test]
    fn unkeyed_entries_go_to_the_side_log_and_never_into_the_keyed_one() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path());
        add(&paths, &Key::Unkeyed, 2, DEFAULT_MAX_SIZE);
        assert!(files(&paths).is_empty());
        let v = verify(&paths, &Key::Unkeyed).unwrap().unwrap();
        assert_eq!(
            (v.entries, v.key, v.side.map(|s| s.entries)),
            (0, None, Some(2))
        );
        let k = key();
        add(&paths, &k, 2, DEFAULT_MAX_SIZE);
        add(&paths, &Key::Unkeyed, 1, DEFAULT_MAX_SIZE);
        add(&paths, &k, 1, DEFAULT_MAX_SIZE);
        let v = verify(&paths, &k).unwrap().unwrap();
        assert_eq!((v.entries, v.side.map(|s| s.entries)), (3, Some(3)));
        assert_eq!(read_all(&paths).unwrap().len(), 6);
        // An unkeyed line put into the keyed log by hand is named, wherever it stands.
        let side = fs::read_to_string(paths.home().join(SIDE_LOG_NAME)).unwrap();
        let log = paths.home().join(LOG_NAME);
        let text = fs::read_to_string(&log).unwrap();
        fs::write(
            &log,
            format!("{}{text}", side.lines().next().unwrap().to_owned() + "\n"),
        )
        .unwrap();
        let b = verify(&paths, &k).unwrap().unwrap_err();
        assert_eq!(b.line, 1, "{b:?}");
        assert!(b.what.contains("carries no key"), "{b:?}");
    }
}
