//! age encryption: the one place that builds an age `Encryptor` or `Decryptor`. Every file
//! sigil encrypts — secrets, a migration's kept originals, backups and what a restore keeps,
//! exports, a protected identity, a key rotation's staged identity — is a standard age file
//! made here, so that a change of format or of the age crate's interface is made once. It also
//! owns the age plugins (`age-plugin-NAME` on PATH) that encrypt to `age1NAME1…` recipients and
//! decrypt with `AGE-PLUGIN-NAME-1…` identities: which may run, and what they may ask.

use crate::model::error::Error;
use age::x25519;
use age::{DecryptError, Decryptor, EncryptError, Encryptor};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::str::FromStr;

/// A public key sigil encrypts to: an age X25519 key (`age1…`), an SSH public key
/// (`ssh-ed25519`, `ssh-rsa`), which age encrypts to natively, or an age plugin's recipient
/// (`age1yubikey1…`), which its plugin encrypts to. Parsed only here, by the age crate, so
/// that every recipients file and command-line key is read the same way.
#[derive(Clone)]
pub enum Recipient {
    /// An age X25519 public key.
    X25519(x25519::Recipient),
    /// An SSH public key (its comment dropped).
    Ssh(age::ssh::Recipient),
    /// A recipient of the plugin `age-plugin-NAME` (`age1NAME1…`).
    Plugin(age::plugin::Recipient),
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Recipient").field(&self.to_string()).finish()
    }
}

impl Recipient {
    /// Parses one recipient: `age1…`, or `ssh-ed25519 AAAA… [comment]` / `ssh-rsa …`. The
    /// error says why, without repeating the text (it may be an identity pasted by mistake).
    pub fn parse(text: &str) -> Result<Recipient, String> {
        let t = text.trim();
        if t.starts_with("age1") {
            // A plugin's recipient has its name between `age1` and bech32's last `1`.
            if t.rfind('1').is_some_and(|i| i > 3) {
                return age::plugin::Recipient::from_str(t)
                    .map(Recipient::Plugin)
                    .map_err(|e| format!("it is not a valid age plugin recipient ({e})"));
            }
            return x25519::Recipient::from_str(t)
                .map(Recipient::X25519)
                .map_err(|e| e.to_string());
        }
        if t.starts_with("ssh-") || t.starts_with("ecdsa-") || t.starts_with("sk-") {
            return ssh_recipient(t);
        }
        Err("it is neither an age public key (age1…, or age1NAME1… for a plugin) nor an SSH public key (ssh-ed25519 …, ssh-rsa …)".into())
    }

    /// The SSH comment of a public key line (`ssh-ed25519 AAAA… alice@laptop` → `alice@laptop`).
    pub fn ssh_comment(text: &str) -> Option<&str> {
        let t = text.trim();
        if !t.starts_with("ssh-") {
            return None;
        }
        let mut parts = t.splitn(3, char::is_whitespace);
        parts.next()?;
        parts.next()?;
        parts.next().map(str::trim).filter(|c| !c.is_empty())
    }

    /// Whether this is an SSH key (sigil's own identity is never one unless given as one).
    pub fn is_ssh(&self) -> bool {
        matches!(self, Recipient::Ssh(_))
    }

    /// The plugin that encrypts to it (`yubikey` for `age1yubikey1…`).
    pub fn plugin(&self) -> Option<&str> {
        match self {
            Recipient::Plugin(r) => Some(r.plugin()),
            _ => None,
        }
    }

    /// The age crate's view of a native key (`None` for a plugin's, which its plugin wraps).
    pub fn as_native(&self) -> Option<&dyn age::Recipient> {
        match self {
            Recipient::X25519(r) => Some(r),
            Recipient::Ssh(r) => Some(r),
            Recipient::Plugin(_) => None,
        }
    }
}

fn ssh_recipient(t: &str) -> Result<Recipient, String> {
    use age::ssh::ParseRecipientKeyError as E;
    age::ssh::Recipient::from_str(t)
        .map(Recipient::Ssh)
        .map_err(|e| match e {
            E::Unsupported(kind) => format!(
                "'{}' keys are not supported: age encrypts to ssh-ed25519 and ssh-rsa keys",
                crate::model::shown::line(&kind)
            ),
            E::RsaModulusTooSmall => "the ssh-rsa key is shorter than 2048 bits".into(),
            E::RsaModulusTooLarge => "the ssh-rsa key is longer than age supports".into(),
            E::Ignore => {
                "this SSH key type is not supported: age encrypts to ssh-ed25519 and ssh-rsa keys"
                    .into()
            }
            _ => "it is not a valid SSH public key".into(),
        })
}

impl fmt::Display for Recipient {
    /// The canonical form: `age1…`, or `ssh-ed25519 AAAA…` without the comment.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipient::X25519(r) => r.fmt(f),
            Recipient::Ssh(r) => r.fmt(f),
            Recipient::Plugin(r) => r.fmt(f),
        }
    }
}

impl PartialEq for Recipient {
    fn eq(&self, other: &Recipient) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for Recipient {}

impl From<x25519::Recipient> for Recipient {
    fn from(r: x25519::Recipient) -> Recipient {
        Recipient::X25519(r)
    }
}

impl std::str::FromStr for Recipient {
    type Err = String;
    fn from_str(s: &str) -> Result<Recipient, String> {
        Recipient::parse(s)
    }
}

/// An encryptor to these recipients (any kind: X25519 keys, scrypt, plugins).
pub(crate) fn encryptor<'a>(
    recipients: impl Iterator<Item = &'a dyn age::Recipient>,
) -> Result<Encryptor, EncryptError> {
    Encryptor::with_recipients(recipients)
}

/// An encryptor to these public keys (`age1…`, SSH, plugins' recipients). Each plugin named
/// runs once here, to wrap the file key, and only if config.toml allows it
/// ([`plugin::allow_plugins`]).
pub(crate) fn to_keys(recipients: &[Recipient]) -> Result<Encryptor, Error> {
    let mut names: Vec<&str> = recipients.iter().filter_map(Recipient::plugin).collect();
    names.sort_unstable();
    names.dedup();
    let mut plugins = Vec::new();
    for name in names {
        plugin::may_run(name)?;
        let of_it: Vec<age::plugin::Recipient> = recipients
            .iter()
            .filter_map(|r| match r {
                Recipient::Plugin(p) if p.plugin() == name => Some(p.clone()),
                _ => None,
            })
            .collect();
        let ui = plugin::Ui::new(name);
        let p = age::plugin::RecipientPluginV1::new(name, &of_it, &[], ui.clone())
            .map_err(|_| plugin::missing(name))?;
        plugins.push((p, ui));
    }
    let native = recipients.iter().filter_map(Recipient::as_native);
    let wrapped = plugins.iter().map(|(p, _)| p as &dyn age::Recipient);
    encryptor(native.chain(wrapped)).map_err(|e| match e {
        EncryptError::Plugin(_) | EncryptError::PluginResolve(_) | EncryptError::Io(_) => {
            let io = match &e {
                EncryptError::Io(io) => Some(io.kind()),
                _ => None,
            };
            let ui = plugins.iter().map(|(_, ui)| ui);
            plugin::failed(ui, &plugin::reason(io, &e.to_string()), "encrypt")
        }
        e => Error::other(format!("cannot encrypt: {e}"), None),
    })
}

/// An encryptor to a passphrase (scrypt).
pub(crate) fn passphrase_encryptor(passphrase: age::secrecy::SecretString) -> Encryptor {
    Encryptor::with_user_passphrase(passphrase)
}

/// A decryptor of a binary age file.
pub(crate) fn decryptor<R: BufRead>(input: R) -> Result<Decryptor<R>, DecryptError> {
    Decryptor::new_buffered(input)
}

/// A decryptor of an age file, binary or ASCII-armored (`-----BEGIN AGE ENCRYPTED FILE-----`).
pub(crate) fn decryptor_armored<R: Read>(
    input: R,
) -> Result<Decryptor<age::armor::ArmoredReader<BufReader<R>>>, DecryptError> {
    Decryptor::new_buffered(age::armor::ArmoredReader::new(input))
}

/// Writes `plaintext` encrypted to `recipients` into `path`, atomically and 0600 (a kept
/// value, a migration's original).
pub(crate) fn write_file(
    path: &Path,
    recipients: &[Recipient],
    plaintext: &[u8],
) -> Result<(), Error> {
    let enc = to_keys(recipients)?;
    crate::fsutil::write_atomic(path, |f| {
        let mut w = enc.wrap_output(f)?;
        w.write_all(plaintext)?;
        w.finish().map(|_| ())
    })
}

pub mod plugin {
    //! The age plugins sigil runs: an allow-list from config.toml for encrypting (a shared
    //! recipients file names plugins, but the programs come from the user's PATH), and the
    //! callbacks a running plugin talks to the person through.

    use crate::model::error::Error;
    use age::secrecy::SecretString;
    use std::sync::{Mutex, RwLock};

    /// Plugins config.toml allows to encrypt, and that file's path for the advice.
    static ALLOWED: RwLock<(Vec<String>, String)> = RwLock::new((Vec::new(), String::new()));

    /// How a plugin's request for a secret (a PIN) is answered: installed by the command-line
    /// front end (a no-echo prompt on the terminal); without one, a plugin is told no.
    static ASK: RwLock<Option<Ask>> = RwLock::new(None);

    /// A prompt for a secret: its text in, the answer (or `None`) out.
    pub type Ask = fn(&str) -> Option<SecretString>;

    /// Plugins that asked for a secret nobody could give (no terminal), to say so.
    static UNANSWERED: Mutex<Vec<String>> = Mutex::new(Vec::new());

    /// Lets sigil run these plugins (config.toml's `plugins`) to encrypt; `config` is the
    /// file's path, named in the refusal.
    pub fn allow_plugins(names: &[String], config: &std::path::Path) {
        if let Ok(mut a) = ALLOWED.write() {
            *a = (names.to_vec(), config.display().to_string());
        }
    }

    /// Answers plugins' requests for a secret with `ask` from now on.
    pub fn set_secret_prompt(ask: Ask) {
        if let Ok(mut a) = ASK.write() {
            *a = Some(ask);
        }
    }

    /// The program that implements plugin `name`.
    pub(crate) fn binary(name: &str) -> String {
        format!("age-plugin-{name}")
    }

    /// Refuses a plugin config.toml does not allow, and any plugin while `AGEDEBUG=plugin`
    /// would make the age crate print the file key and what the plugin is told on stderr.
    pub(crate) fn may_run(name: &str) -> Result<(), Error> {
        debug_off(name)?;
        let allowed = ALLOWED.read().map(|a| a.clone()).unwrap_or_default();
        if allowed.0.iter().any(|n| n == name) {
            return Ok(());
        }
        Err(Error::Refused {
            message: format!(
                "encrypting to an age1{name}1… recipient runs '{}' from your PATH, and config.toml does not allow that plugin",
                binary(name)
            ),
            help: Some(format!(
                "if you trust '{}', allow it with the line plugins = [\"{name}\"] in '{}'",
                binary(name),
                allowed.1
            )),
        })
    }

    /// Refuses to start a plugin under `AGEDEBUG=plugin`.
    pub(crate) fn debug_off(name: &str) -> Result<(), Error> {
        if std::env::var_os("AGEDEBUG").is_some_and(|v| v == "plugin") {
            return Err(Error::Refused {
                message: format!(
                    "AGEDEBUG=plugin is set: the age crate would print the file key and what '{}' is told on stderr",
                    binary(name)
                ),
                help: Some("unset AGEDEBUG".into()),
            });
        }
        Ok(())
    }

    /// Whether plugin `name` may run and is on PATH: checked before a command changes
    /// anything, so that it stops whole rather than halfway.
    pub(crate) fn ready(name: &str) -> Result<(), Error> {
        may_run(name)?;
        age::plugin::RecipientPluginV1::new(name, &[], &[], age::NoCallbacks)
            .map(drop)
            .map_err(|_| missing(name))
    }

    /// A plugin that is not on PATH.
    pub(crate) fn missing(name: &str) -> Error {
        Error::NotFound {
            message: format!("the age plugin '{}' is not on PATH", binary(name)),
            help: Some(format!(
                "install '{}' (it handles age1{name}1… recipients and AGE-PLUGIN-{}-1… identities), or add its directory to PATH",
                binary(name),
                name.to_uppercase()
            )),
        }
    }

    /// Why a plugin failed, in words: what the age crate makes of a broken conversation, or
    /// the plugin's own first line (without the age crate's bidirectional-isolation marks).
    pub(crate) fn reason(io: Option<std::io::ErrorKind>, text: &str) -> String {
        use std::io::ErrorKind as K;
        match io {
            Some(K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe) => {
                "it ended before answering".into()
            }
            Some(K::InvalidData) => "it answered with what is not the age plugin protocol".into(),
            _ => text
                .lines()
                .next()
                .unwrap_or_default()
                .replace(['\u{2068}', '\u{2069}'], "")
                .trim_end_matches('.')
                .to_owned(),
        }
    }

    /// What a plugin's failure to `verb` (encrypt, decrypt) says: that it asked for a secret
    /// with no terminal to ask on, or what went wrong, naming the plugin.
    pub(crate) fn failed<'a>(ui: impl Iterator<Item = &'a Ui>, reason: &str, verb: &str) -> Error {
        let names: Vec<String> = ui.map(|u| u.binary.clone()).collect();
        let asked = UNANSWERED
            .lock()
            .map(|u| names.iter().find(|n| u.contains(n)).cloned())
            .unwrap_or_default();
        if let Some(b) = asked {
            return Error::Auth {
                message: format!("'{b}' asks for a secret (a PIN) and there is no terminal to ask on"),
                help: Some(
                    "run the command on a terminal: sigil takes a plugin's secrets only from a no-echo prompt there"
                        .into(),
                ),
            };
        }
        let reason = crate::model::shown::line(reason);
        Error::other(
            format!("cannot {verb} with the age plugin '{}': {reason}", names.join("', '")),
            Some("nothing was changed; `age` with the same plugin shows whether the plugin works on its own".into()),
        )
    }

    /// The plugins' identities of an identity file, with their plugins found on PATH.
    /// Decrypting with the user's own identity file needs no allow-list: the file names the
    /// plugins, and it is the user's.
    pub(crate) struct Decrypters {
        found: Vec<(age::plugin::IdentityPluginV1<Ui>, Ui)>,
        missing: Vec<String>,
        /// Set when `AGEDEBUG=plugin` kept every plugin from starting.
        refused: Option<String>,
    }

    impl Decrypters {
        pub(crate) fn new(ids: &[age::plugin::Identity]) -> Decrypters {
            let mut names: Vec<&str> = ids.iter().map(|i| i.plugin()).collect();
            names.sort_unstable();
            names.dedup();
            let mut d = Decrypters {
                found: Vec::new(),
                missing: Vec::new(),
                refused: None,
            };
            for name in names {
                if debug_off(name).is_err() {
                    d.refused = Some(name.to_owned());
                    d.found.clear();
                    break;
                }
                let ui = Ui::new(name);
                match age::plugin::IdentityPluginV1::new(name, ids, ui.clone()) {
                    Ok(p) => d.found.push((p, ui)),
                    Err(_) => d.missing.push(name.to_owned()),
                }
            }
            d
        }

        pub(crate) fn as_age(&self) -> impl Iterator<Item = &dyn age::Identity> {
            self.found.iter().map(|(p, _)| p as &dyn age::Identity)
        }

        /// The plugin's part in a failed decryption, or the error back when it had none.
        pub(crate) fn explain(&self, e: age::DecryptError) -> Result<Error, age::DecryptError> {
            use age::DecryptError as D;
            if let Some(name) = &self.refused {
                return Ok(debug_off(name).expect_err("AGEDEBUG was set"));
            }
            match e {
                D::NoMatchingKeys if !self.missing.is_empty() => Ok(missing(&self.missing[0])),
                D::Plugin(_) | D::PluginResolve(_) | D::Io(_) => {
                    let io = match &e {
                        D::Io(io) => Some(io.kind()),
                        _ => None,
                    };
                    let ui = self.found.iter().map(|(_, ui)| ui);
                    Ok(failed(ui, &reason(io, &e.to_string()), "decrypt"))
                }
                e => Err(e),
            }
        }
    }

    /// What a plugin may do to the person while it runs: its messages become notices (their
    /// text made safe by the printer), a secret comes from the installed prompt, and nothing
    /// else is offered (the age crate then tells the plugin so).
    #[derive(Clone)]
    pub(crate) struct Ui {
        binary: String,
    }

    impl Ui {
        pub(crate) fn new(name: &str) -> Ui {
            Ui {
                binary: binary(name),
            }
        }
    }

    impl age::Callbacks for Ui {
        fn display_message(&self, message: &str) {
            // The age crate's own messages wrap names in bidirectional-isolation marks.
            let message = message.replace(['\u{2068}', '\u{2069}'], "");
            crate::model::notice::note(format!("{}: {message}", self.binary));
        }

        fn confirm(&self, _: &str, _: &str, _: Option<&str>) -> Option<bool> {
            None
        }

        fn request_public_string(&self, _: &str) -> Option<String> {
            None
        }

        fn request_passphrase(&self, description: &str) -> Option<SecretString> {
            let ask = ASK.read().ok().and_then(|a| *a);
            let prompt = format!(
                "{} asks: {}: ",
                self.binary,
                crate::model::shown::line(description)
            );
            let answer = ask.and_then(|f| f(&prompt));
            if answer.is_none()
                && let Ok(mut u) = UNANSWERED.lock()
            {
                u.push(self.binary.clone());
            }
            answer
        }
    }
}
