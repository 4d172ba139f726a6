//! `sigil unlock`: keep the decrypted identity in the kernel keyring for a while (the work is
//! in `crate::unlock`).

use crate::identity;
use crate::model::error::{Error, Result};
use crate::model::paths::Paths;
use crate::unlock;
use clap::Parser;
use std::time::Duration;

/// Keep the decrypted identity in the kernel keyring for a while
#[derive(Debug, Parser)]
#[command(
    name = "sigil-unlock",
    version,
    about = "Keep the decrypted identity in the kernel keyring for a while",
    long_about = "Ask for the passphrase of the protected identity once and keep the decrypted \
identity in the Linux kernel's session keyring, so that commands of this login session need no \
passphrase until the time runs out (no daemon: the kernel drops it). Only processes of this \
login session (the ones that possess its session keyring) can use it. A process without a \
session keyring of its own (no pam_keyinit: su, containers, some SSH setups) is refused, \
since the key would land in the user-session keyring that every session of the user can \
reach; --user-keyring accepts that. `sigil lock` drops it sooner, wherever it is; `sigil \
status` says how long is left. Other systems have no kernel keyring: there sigil asks each \
time.",
    after_help = "Examples:\n  sigil unlock\n  sigil unlock --for 1h\n  sigil lock"
)]
pub struct Args {
    /// How long to stay unlocked (e.g. 90s, 15m, 2h; at most 24h)
    #[arg(long = "for", value_name = "DURATION", default_value = "15m", value_parser = parse_for)]
    pub duration: Duration,
    /// Without a session keyring of this login's own (no pam_keyinit: su, containers, some
    /// SSH setups), keep the identity in the user-session keyring anyway, where every process
    /// of your user in any session can use it
    #[arg(long)]
    pub user_keyring: bool,
}

fn parse_for(s: &str) -> std::result::Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| e.to_string())?;
    if d < Duration::from_secs(1) || d > unlock::MAX_FOR {
        return Err("it must be between 1s and 24h".into());
    }
    Ok(d)
}

/// Runs `sigil unlock`.
pub fn run(args: Args) -> Result<()> {
    let paths = Paths::from_env()?;
    if std::env::var_os("SIGIL_IDENTITY_FILE").is_some_and(|v| !v.is_empty()) {
        // A passphrase-protected SSH key is opened once per command; sigil keeps no copy of it.
        return Err(Error::UsageHelp {
            message: "the identity comes from SIGIL_IDENTITY_FILE: `sigil unlock` keeps only \
                      sigil's own passphrase-protected identity unlocked"
                .into(),
            help: "a passphrase-protected SSH key is asked for once per command; unset \
                   SIGIL_IDENTITY_FILE to unlock sigil's own identity"
                .into(),
        });
    }
    if !identity::is_protected(&paths) {
        return Err(Error::UsageHelp {
            message: "the identity is not protected by a passphrase, so there is nothing to unlock"
                .into(),
            help: "`sigil identity protect` sets a passphrase".into(),
        });
    }
    if !unlock::supported() {
        return Err(Error::other(
            "this system has no kernel keyring to keep the identity in",
            Some("sigil asks for the passphrase each time instead".into()),
        ));
    }
    unlock::check_placement(args.user_keyring)?;
    // Always from identity.age with its passphrase, never from the unlocked copy: a process
    // that can use the identity must not be able to keep it unlocked for ever.
    let (id, _passphrase) = identity::open_protected(&paths)?;
    unlock::store(&paths, &id.text(), args.duration)?;
    identity::audit(
        &paths,
        Some(&id),
        "unlock",
        crate::audit::Outcome::Ok,
        Some(format!("for {}", unlock::human(args.duration))),
    );
    eprintln!(
        "sigil-unlock: unlocked for {}; `sigil lock` locks it now",
        unlock::human(args.duration)
    );
    Ok(())
}
