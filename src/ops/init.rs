//! Setting up a sigil home: the directories, the identity (in the keyring when one answers,
//! else a 0600 file), the store's `.age-recipients` and a commented `config.toml`. Safe to
//! repeat: nothing that exists is changed.

use crate::Sigil;
use crate::fsutil;
use crate::fsutil::Lock;
use crate::identity::{Identity, IdentityError};
use crate::model::config::{Config, DEFAULT_CONFIG};
use crate::model::error::{Error, Result};
use crate::model::registry::Registry;
use crate::store::RECIPIENTS_FILE;
use crate::store::backend::BackendKind;
use std::io::Write;

/// Creates whatever is missing; returns (what, where, created) for each part.
pub fn init(sigil: &Sigil) -> Result<Vec<(&'static str, String, bool)>> {
    let paths = sigil.paths();
    // Check the files we will keep before creating anything, so a malformed one stops us.
    Config::load(paths)?;
    Registry::load(paths)?;
    let home_created = !paths.home().exists();
    fsutil::create_private_dir(paths.home())?;
    fsutil::create_private_dir(paths.config_dir())?;
    let _lock = Lock::acquire(&paths.lock_file())?;
    let store = paths.store();
    let store_created = !store.exists();
    fsutil::create_private_dir(&store)?;

    // Only the public keys are needed: a passphrase-protected SSH key stays shut.
    let (identity, id_created) = match Identity::load_locked(paths) {
        Ok(id) => (id, false),
        Err(Error::Identity(IdentityError::Missing { .. })) => {
            let id = Identity::generate();
            // On a machine whose keyring answers, the identity goes there (unless the user
            // chose another backend); otherwise into a 0600 file.
            let in_keyring = match sigil.choice().kind {
                BackendKind::Keyring => {
                    sigil.store_of(BackendKind::Keyring)?;
                    true
                }
                BackendKind::Auto => sigil.keyring_state().0.is_available(),
                _ => false,
            };
            if in_keyring {
                id.keep_in_keyring(paths)?;
            } else {
                id.write_new_file(&paths.identity_file())?;
            }
            (Identity::load(paths)?, true)
        }
        Err(e) => return Err(e),
    };
    identity.keep_public_keys(paths);
    let keys: Vec<String> = identity
        .recipients()
        .iter()
        .map(|r| r.to_string())
        .collect();

    let recipients = store.join(RECIPIENTS_FILE);
    let rec_created = !recipients.exists();
    if rec_created {
        let text = format!(
            "# Secrets under this folder are encrypted to these age public keys.\n{}\n",
            keys.join("\n")
        );
        fsutil::write_atomic(&recipients, |f| f.write_all(text.as_bytes()))?;
    }
    let config = paths.config_file();
    let config_created = !config.exists();
    if config_created {
        fsutil::write_atomic(&config, |f| f.write_all(DEFAULT_CONFIG.as_bytes()))?;
    }
    Ok(vec![
        (
            "identity",
            format!("{} (public key {})", identity.source(), keys.join(", ")),
            id_created,
        ),
        (
            "store",
            store.display().to_string(),
            store_created || home_created,
        ),
        ("recipients", recipients.display().to_string(), rec_created),
        ("config", config.display().to_string(), config_created),
    ])
}
