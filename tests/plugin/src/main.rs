//! `age-plugin-sigiltest`: a toy age plugin for sigil's tests, built from the `age-plugin`
//! crate. Its recipient (`age1sigiltest1…`) carries an age X25519 public key and its identity
//! (`AGE-PLUGIN-SIGILTEST-1…`) the matching secret key; it wraps file keys with the age crate's
//! own X25519 recipient under the stanza tag `sigiltest`, so that only this plugin reads them.
//!
//! Run without arguments it prints a new identity with its recipient in a comment, as real
//! plugins do. Its environment makes it misbehave for the tests:
//! - `SIGILTEST_MESSAGE`: the message it sends while wrapping;
//! - `SIGILTEST_PIN=1234`: unwrapping asks for a PIN through the client (`request-secret`) and
//!   fails unless it is `1234`;
//! - `SIGILTEST_HOSTILE=crash|garbage|hang` (optionally `SIGILTEST_HOSTILE_AT=wrap` or
//!   `unwrap`, both by default): dies mid-protocol, answers with a line that is no stanza, or
//!   never answers.

use age::secrecy::ExposeSecret;
use age_core::format::{FileKey, Stanza};
use age_plugin::{
    Callbacks, PluginHandler,
    identity::{self, IdentityPluginV1},
    recipient::{self, RecipientPluginV1},
    run_state_machine,
};
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::str::FromStr;

const NAME: &str = "sigiltest";
const TAG: &str = "sigiltest";

/// Misbehaves as `SIGILTEST_HOSTILE` asks, at `step` (`wrap` or `unwrap`).
fn hostile(step: &str) {
    let at = std::env::var("SIGILTEST_HOSTILE_AT").unwrap_or_else(|_| step.to_owned());
    if at != step {
        return;
    }
    match std::env::var("SIGILTEST_HOSTILE").as_deref() {
        Ok("crash") => std::process::abort(),
        Ok("garbage") => {
            let mut out = io::stdout();
            let _ = out.write_all(b"\x1b]0;owned\x07 this is not a stanza\n\n-> \n");
            let _ = out.flush();
            std::process::exit(0);
        }
        Ok("hang") => loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        },
        _ => {}
    }
}

/// The age key a recipient or identity of this plugin carries, as text.
fn key<T: FromStr>(name: &str, bytes: &[u8]) -> Option<T> {
    let text = std::str::from_utf8(bytes).ok().filter(|_| name == NAME)?;
    T::from_str(text).ok()
}

struct Handler;

impl PluginHandler for Handler {
    type RecipientV1 = Wrap;
    type IdentityV1 = Unwrap;

    fn recipient_v1(self) -> io::Result<Wrap> {
        Ok(Wrap(Vec::new()))
    }

    fn identity_v1(self) -> io::Result<Unwrap> {
        Ok(Unwrap(Vec::new()))
    }
}

/// The recipients given, as age X25519 public keys.
struct Wrap(Vec<age::x25519::Recipient>);

impl RecipientPluginV1 for Wrap {
    fn add_recipient(
        &mut self,
        index: usize,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), recipient::Error> {
        match key(name, bytes) {
            Some(k) => {
                self.0.push(k);
                Ok(())
            }
            None => Err(recipient::Error::Recipient {
                index,
                message: "not a sigiltest recipient".into(),
            }),
        }
    }

    fn add_identity(&mut self, index: usize, _: &str, _: &[u8]) -> Result<(), recipient::Error> {
        Err(recipient::Error::Identity {
            index,
            message: "sigiltest encrypts to recipients only".into(),
        })
    }

    fn labels(&mut self) -> HashSet<String> {
        HashSet::new()
    }

    fn wrap_file_keys(
        &mut self,
        file_keys: Vec<FileKey>,
        mut callbacks: impl Callbacks<recipient::Error>,
    ) -> io::Result<Result<Vec<Vec<Stanza>>, Vec<recipient::Error>>> {
        hostile("wrap");
        let message = std::env::var("SIGILTEST_MESSAGE");
        let _ = callbacks.message(
            message
                .as_deref()
                .unwrap_or("sigiltest: wrapping the file key"),
        )?;
        let mut out = Vec::new();
        for key in &file_keys {
            let mut stanzas = Vec::new();
            for r in &self.0 {
                let (wrapped, _) = age::Recipient::wrap_file_key(r, key)
                    .map_err(|e| io::Error::other(e.to_string()))?;
                stanzas.extend(wrapped.into_iter().map(|mut s| {
                    s.tag = TAG.into();
                    s
                }));
            }
            out.push(stanzas);
        }
        Ok(Ok(out))
    }
}

/// The identities given, as age X25519 secret keys.
struct Unwrap(Vec<age::x25519::Identity>);

impl IdentityPluginV1 for Unwrap {
    fn add_identity(
        &mut self,
        index: usize,
        name: &str,
        bytes: &[u8],
    ) -> Result<(), identity::Error> {
        match key(name, bytes) {
            Some(k) => {
                self.0.push(k);
                Ok(())
            }
            None => Err(identity::Error::Identity {
                index,
                message: "not a sigiltest identity".into(),
            }),
        }
    }

    fn unwrap_file_keys(
        &mut self,
        files: Vec<Vec<Stanza>>,
        mut callbacks: impl Callbacks<identity::Error>,
    ) -> io::Result<HashMap<usize, Result<FileKey, Vec<identity::Error>>>> {
        hostile("unwrap");
        if let Ok(pin) = std::env::var("SIGILTEST_PIN") {
            let fail = |message: &str| {
                (0..files.len())
                    .map(|i| {
                        let e = identity::Error::Identity {
                            index: 0,
                            message: message.into(),
                        };
                        (i, Err(vec![e]))
                    })
                    .collect()
            };
            match callbacks.request_secret("sigiltest PIN")? {
                Ok(given) if given.expose_secret() == pin => {}
                Ok(_) => return Ok(fail("wrong PIN")),
                Err(_) => return Ok(fail("a PIN is needed")),
            }
        }
        let mut keys = HashMap::new();
        for (i, stanzas) in files.into_iter().enumerate() {
            for mut s in stanzas.into_iter().filter(|s| s.tag == TAG) {
                s.tag = "X25519".into();
                if let Some(Ok(k)) = self
                    .0
                    .iter()
                    .find_map(|id| age::Identity::unwrap_stanza(id, &s))
                {
                    keys.insert(i, Ok(k));
                    break;
                }
            }
        }
        Ok(keys)
    }
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(machine) = args.first().and_then(|a| a.strip_prefix("--age-plugin=")) {
        return run_state_machine(machine, Handler);
    }
    let key = age::x25519::Identity::generate();
    let public = key.to_public().to_string();
    age_plugin::print_new_identity(
        NAME,
        key.to_string().expose_secret().as_bytes(),
        public.as_bytes(),
    );
    Ok(())
}
