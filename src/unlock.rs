//! `sigil unlock` without a daemon: the decrypted identity waits in the Linux kernel's session
//! keyring (a `user` key with a timeout, see keyrings(7)) so that later commands of the login
//! session need no passphrase until the kernel drops it. `sigil lock` drops it sooner.
//!
//! The key is named per config directory (`sigil:identity:<config>`), so two sigil homes never
//! share one. Its payload starts with a line giving the unix time it stops being valid: the
//! kernel's timeout is set just after the key is added, and the line covers the moment
//! between (and lets `sigil status` say how long is left without parsing `/proc/keys`).
//! Only processes that possess the session keyring can read the key (the kernel's default
//! permissions for a new key): those of the login session that ran `sigil unlock`. A process
//! without a session keyring of its own (a login without `pam_keyinit`: `su`, containers,
//! some SSH setups) falls back to the user-session keyring, which any process of the user in
//! any session can reach (`keyctl link @us @s`). Unlocking into it is refused unless asked for
//! knowingly (`--user-keyring`), and `sigil lock` looks in both. Other platforms have no such
//! keyring and ask every time.

use crate::model::error::Error;
use crate::model::paths::Paths;
use std::time::Duration;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// How long `sigil unlock` keeps the identity by default.
pub const DEFAULT_FOR: Duration = Duration::from_secs(15 * 60);

/// The longest `--for` accepted: a day.
pub const MAX_FOR: Duration = Duration::from_secs(24 * 3600);

/// The first line of the payload, before the unix time.
const HEADER: &str = "sigil-unlocked-until ";

/// The key's description in the session keyring.
pub fn key_name(paths: &Paths) -> String {
    format!("sigil:identity:{}", paths.config_dir().display())
}

/// Splits a payload into (valid until, identity text); `None` when it is not ours.
fn parse_payload(payload: &[u8]) -> Option<(OffsetDateTime, Zeroizing<String>)> {
    let text = std::str::from_utf8(payload).ok()?;
    let (first, rest) = text.split_once('\n')?;
    let at: i64 = first.strip_prefix(HEADER)?.trim().parse().ok()?;
    let until = OffsetDateTime::from_unix_timestamp(at).ok()?;
    Some((until, Zeroizing::new(rest.to_owned())))
}

#[cfg(target_os = "linux")]
mod kernel {
    use super::*;
    use linux_keyutils::{Key, KeyError, KeyRing, KeyRingIdentifier};

    /// The session keyring, and whether it is this login's own (not the user-session keyring
    /// that the kernel hands a process without one).
    fn session() -> Result<(KeyRing, bool), KeyError> {
        let session = KeyRing::from_special_id(KeyRingIdentifier::Session, false)
            .or_else(|_| KeyRing::from_special_id(KeyRingIdentifier::Session, true))?;
        let user = KeyRing::from_special_id(KeyRingIdentifier::UserSession, false).ok();
        Ok((session, user != Some(session)))
    }

    pub(super) fn own_session() -> bool {
        session().is_ok_and(|(_, own)| own)
    }

    fn find(paths: &Paths) -> Option<Key> {
        session().ok()?.0.search(&key_name(paths)).ok()
    }

    fn failure(what: &str, e: KeyError) -> Error {
        Error::other(
            format!("cannot {what} the kernel keyring: {e:?}"),
            Some("`keyctl show @s` shows the session keyring (package keyutils)".into()),
        )
    }

    pub(super) fn store(paths: &Paths, payload: &[u8], secs: u64) -> Result<(), Error> {
        let (ring, _) = session().map_err(|e| failure("open", e))?;
        let key = ring
            .add_key(&key_name(paths), payload)
            .map_err(|e| failure("write to", e))?;
        key.set_timeout(secs as usize)
            .map_err(|e| failure("set a timeout in", e))
    }

    pub(super) fn read(paths: &Paths) -> Option<Zeroizing<Vec<u8>>> {
        // An expired key is found but not read (EKEYEXPIRED): that is "locked".
        find(paths)?.read_to_vec().ok().map(Zeroizing::new)
    }

    /// Drops the key from the session keyring and from the user-session keyring: a process
    /// with a session of its own does not reach the user-session keyring's keys (their owner
    /// may only view them), so it links that keyring into its session for a moment, which
    /// makes them its own to find and invalidate, and unlinks it again. `sigil lock` so finds
    /// the identity wherever an unlock put it.
    pub(super) fn remove(paths: &Paths) -> Result<bool, Error> {
        let (session, own) = session().map_err(|e| failure("open", e))?;
        let drop_all = |found: &mut bool| -> Result<(), Error> {
            // Each search finds one key; a few rounds cover duplicates from racing unlocks.
            for _ in 0..8 {
                let Ok(key) = session.search(&key_name(paths)) else {
                    break;
                };
                key.invalidate()
                    .or_else(|_| key.revoke())
                    .map_err(|e| failure("remove the identity from", e))?;
                *found = true;
            }
            Ok(())
        };
        let mut found = false;
        drop_all(&mut found)?;
        if own
            && session
                .link_keyring_id(KeyRingIdentifier::UserSession)
                .is_ok()
        {
            let dropped = drop_all(&mut found);
            let _ = session.unlink_keyring_id(KeyRingIdentifier::UserSession);
            dropped?;
        }
        Ok(found)
    }
}

#[cfg(not(target_os = "linux"))]
mod kernel {
    use super::*;

    pub(super) fn store(_paths: &Paths, _payload: &[u8], _secs: u64) -> Result<(), Error> {
        Err(Error::other(
            "there is no kernel keyring on this system to keep the identity in",
            Some("sigil asks for the passphrase each time instead".into()),
        ))
    }

    pub(super) fn read(_paths: &Paths) -> Option<Zeroizing<Vec<u8>>> {
        None
    }

    pub(super) fn remove(_paths: &Paths) -> Result<bool, Error> {
        Ok(false)
    }

    pub(super) fn own_session() -> bool {
        false
    }
}

/// Whether this system has a kernel keyring to unlock into.
pub fn supported() -> bool {
    cfg!(target_os = "linux")
}

/// Refuses to unlock where every session of the user could use the identity: without a
/// session keyring of its own, the kernel would put the key into the user-session keyring.
/// `user_keyring` accepts that knowingly. Checked before the passphrase is asked for.
pub fn check_placement(user_keyring: bool) -> Result<(), Error> {
    if user_keyring || kernel::own_session() {
        return Ok(());
    }
    Err(Error::Refused {
        message: "this process has no session keyring of its own, so the identity would be \
                  kept in the user-session keyring, where every process of your user in any \
                  session can use it: refused"
            .into(),
        help: Some(
            "start a session keyring for this login (`keyctl session -`, or log in through \
             pam_keyinit), or pass --user-keyring to accept that every process of your user \
             can use the unlocked identity"
                .into(),
        ),
    })
}

/// Keeps the identity text in the kernel keyring for `duration`; returns until when.
pub fn store(paths: &Paths, text: &str, duration: Duration) -> Result<OffsetDateTime, Error> {
    let secs = duration.as_secs().max(1);
    let until = OffsetDateTime::now_utc() + Duration::from_secs(secs);
    let mut payload = Zeroizing::new(format!("{HEADER}{}\n", until.unix_timestamp()));
    payload.push_str(text);
    kernel::store(paths, payload.as_bytes(), secs)?;
    Ok(until)
}

/// The identity text `sigil unlock` left, and until when it stays, when it is still there.
pub fn cached(paths: &Paths) -> Option<(Zeroizing<String>, OffsetDateTime)> {
    let payload = kernel::read(paths)?;
    let (until, text) = parse_payload(&payload)?;
    if until <= OffsetDateTime::now_utc() {
        // The kernel's timeout is about to fire; do not wait for it.
        let _ = kernel::remove(paths);
        return None;
    }
    Some((text, until))
}

/// How long the identity stays unlocked, when it is.
pub fn remaining(paths: &Paths) -> Option<Duration> {
    let (_, until) = cached(paths)?;
    let left = until - OffsetDateTime::now_utc();
    Some(Duration::from_secs(left.whole_seconds().max(0) as u64))
}

/// Replaces an unlocked identity with `text` for the time it had left (after `sigil rekey`);
/// does nothing when it was locked.
pub fn replace_if_unlocked(paths: &Paths, text: &str) -> Result<(), Error> {
    if let Some(left) = remaining(paths) {
        store(paths, text, left.max(Duration::from_secs(1)))?;
    }
    Ok(())
}

/// Drops the identity from the kernel keyring; `false` when it was not there.
pub fn lock(paths: &Paths) -> Result<bool, Error> {
    kernel::remove(paths)
}

/// Says a duration the way people read it (`14m 58s`).
pub fn human(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trip_and_junk() {
        let (until, text) =
            parse_payload(b"sigil-unlocked-until 2000000000\nAGE-SECRET-KEY-1X\n").expect("ours");
        assert_eq!(until.unix_timestamp(), 2_000_000_000);
        assert_eq!(text.as_str(), "AGE-SECRET-KEY-1X\n");
        assert!(parse_payload(b"something else\n").is_none());
        assert!(parse_payload(b"sigil-unlocked-until x\n").is_none());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn kernel_keyring_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let paths = Paths::in_one(d.path());
        store(&paths, "payload\n", Duration::from_secs(30)).unwrap();
        let (text, _) = cached(&paths).expect("stored");
        assert_eq!(text.as_str(), "payload\n");
        assert!(remaining(&paths).unwrap() <= Duration::from_secs(30));
        assert!(lock(&paths).unwrap());
        assert!(cached(&paths).is_none());
        assert!(!lock(&paths).unwrap());
    }
}
