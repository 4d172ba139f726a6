//! The ASKPASS protocol over sigil: what `sigil askpass PROMPT` answers when it is
//! `GIT_ASKPASS`, `SSH_ASKPASS` or `SUDO_ASKPASS`, kept in the library so that other programs
//! map prompts the same way.
//!
//! The client runs the program with the prompt it would have shown as the one argument and
//! reads the answer from stdout; any other exit code than 0 is "no answer". The prompt is
//! text an attacker influences: a git remote's URL appears in it (`Password for
//! 'https://me@host': `), and so does the host name ssh connects to. So a prompt is answered
//! only when it is, from its first character to its last, one of the forms below, and the
//! thing it names (the URL, `user@host`, the key file, the sudo user) is, character for
//! character, a key of the `[askpass]` table in `config.toml`. Every other prompt, ssh's
//! host-key questions among them, is refused: never answered with something else.
//!
//! | prompt (exactly)                           | key in `[askpass."…"]`      |
//! |--------------------------------------------|-----------------------------|
//! | `Username for 'URL': ` (git)               | `URL` with a `user@`, or with `username` set |
//! | `Password for 'SCHEME://USER@REST': ` (git) | that URL, or `SCHEME://REST` with `username = "USER"` |
//! | `USER@HOST's password: ` (ssh)             | `ssh:USER@HOST`             |
//! | `(USER@HOST) Password: ` (ssh, keyboard-interactive) | `ssh:USER@HOST`   |
//! | `Enter passphrase for key 'PATH': ` (ssh)  | `ssh-key:PATH`              |
//! | `Enter passphrase for /PATH: ` (ssh-add)   | `ssh-key:/PATH`             |
//! | `[sudo] password for USER: ` (sudo)        | `sudo:USER`                 |

use crate::Sigil;
use crate::model::address::{Address, FieldAddress};
use crate::model::error::{Error, Result};
use crate::model::secret::Secret;
use zeroize::Zeroizing;

/// What a prompt asks for, and the key it is answered under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// git's `Username for 'URL': `: the URL, which has no `user@`.
    GitUsername(String),
    /// A password or passphrase under this key of the `[askpass]` table.
    Secret(String),
}

/// The prompt `text` as one of the forms sigil answers, or `None`. The named part may not hold
/// a quote, white space or control character, which is how a prompt inside a prompt would be
/// dressed up.
pub fn parse(text: &str) -> Option<Prompt> {
    let plain = |s: &str| {
        !s.is_empty()
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '\'' || c == '"')
    };
    let between = |prefix: &str, suffix: &str| {
        text.strip_prefix(prefix)?
            .strip_suffix(suffix)
            .filter(|s| plain(s))
            .map(str::to_owned)
    };
    if let Some(url) = between("Username for '", "': ") {
        return (url.contains("://") && !has_user(&url)).then_some(Prompt::GitUsername(url));
    }
    if let Some(url) = between("Password for '", "': ") {
        return (url.contains("://") && has_user(&url)).then_some(Prompt::Secret(url));
    }
    if let Some(who) = between("", "'s password: ").or_else(|| between("(", ") Password: ")) {
        return who
            .contains('@')
            .then(|| Prompt::Secret(format!("ssh:{who}")));
    }
    if let Some(path) = between("Enter passphrase for key '", "': ") {
        return Some(Prompt::Secret(format!("ssh-key:{path}")));
    }
    // ssh-add names the file without quotes; only an absolute path is taken, so that no
    // other wording of the prompt reads as one.
    if let Some(path) = between("Enter passphrase for ", ": ").filter(|p| p.starts_with('/')) {
        return Some(Prompt::Secret(format!("ssh-key:{path}")));
    }
    if let Some(user) = between("[sudo] password for ", ": ") {
        return Some(Prompt::Secret(format!("sudo:{user}")));
    }
    None
}

/// Whether a URL has a `user@` in its authority.
fn has_user(url: &str) -> bool {
    split_user(url).1.is_some()
}

/// A URL without its `user@`, and the user.
fn split_user(url: &str) -> (String, Option<&str>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let authority = rest.split('/').next().unwrap_or_default();
    match authority.rsplit_once('@') {
        Some((user, _)) => (
            format!("{scheme}://{}", &rest[user.len() + 1..]),
            Some(user),
        ),
        None => (url.to_owned(), None),
    }
}

/// What a mapping answers: the address and, for git, the username.
struct Mapping {
    address: Address,
    /// The key a password prompt must name exactly.
    secret_key: String,
    /// For a git URL: the URL without the user, and the user.
    git: Option<(String, String)>,
}

/// Every `[askpass]` mapping. A malformed one is an error on every call, so that a typo never
/// silently answers a prompt with another credential.
fn mappings(sigil: &Sigil) -> Result<Vec<Mapping>> {
    let mut out = Vec::new();
    for (key, m) in &sigil.config().askpass {
        let bad = |why: String| {
            Error::other(
                format!(
                    "config.toml maps the askpass prompt '{}', which {why}",
                    key.escape_debug()
                ),
                Some(
                    "write the key as the prompt names it: a git URL (https://me@host), \
                     ssh:user@host, ssh-key:PATH or sudo:user, with address = \
                     \"service/account\""
                        .into(),
                ),
            )
        };
        let address = Address::parse(&m.address).map_err(|e| bad(format!("names {e}")))?;
        let kinds = ["ssh:", "ssh-key:", "sudo:"];
        if key.contains("://") {
            let (bare, user) = split_user(key);
            let user = match (user, &m.username) {
                (Some(u), Some(named)) if u != named => {
                    return Err(bad(format!("has the user '{u}' and username '{named}'")));
                }
                (Some(u), _) => u.to_owned(),
                (None, Some(named)) => named.clone(),
                (None, None) => address.account().to_owned(),
            };
            let (scheme, rest) = bare.split_once("://").unwrap_or_default();
            out.push(Mapping {
                address,
                secret_key: format!("{scheme}://{user}@{rest}"),
                git: Some((bare, user)),
            });
        } else if kinds
            .iter()
            .any(|k| key.starts_with(k) && key.len() > k.len())
        {
            out.push(Mapping {
                address,
                secret_key: key.clone(),
                git: None,
            });
        } else {
            return Err(bad("is not a git URL, ssh:…, ssh-key:… or sudo:…".into()));
        }
    }
    Ok(out)
}

/// What `sigil askpass` answers.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A username for git's `Username for` prompt (no secret read).
    Username(String),
    /// A secret, and where it was read.
    Secret(FieldAddress, Secret),
}

impl Answer {
    /// The answer as the client reads it: one line. A secret that is not one line of UTF-8
    /// text is an error that names the address, never the value.
    pub fn to_protocol(&self) -> Result<Zeroizing<Vec<u8>>> {
        let (value, address) = match self {
            Answer::Username(u) => (u.as_bytes(), None),
            Answer::Secret(a, s) => (s.expose(), Some(a)),
        };
        let one_line = std::str::from_utf8(value).is_ok_and(|t| !t.contains(['\n', '\r']));
        if let (false, Some(address)) = (one_line, address) {
            return Err(Error::other(
                format!("'{address}' is not one line of UTF-8 text, which askpass cannot carry"),
                Some("store a one-line text password in that field".into()),
            ));
        }
        let mut out = Zeroizing::new(Vec::with_capacity(value.len() + 1));
        out.extend_from_slice(value);
        out.push(b'\n');
        Ok(out)
    }
}

/// Why a prompt gets no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not one of the forms sigil answers (ssh's host-key questions, anything else).
    UnknownPrompt,
    /// One of the forms, naming what no mapping names.
    NoMapping,
}

/// `sigil askpass`: the answer to `prompt`, or why there is none. Failures other than these
/// (a policy, a locked identity, a missing secret) are errors; a secret read is audited as an
/// `askpass` use.
pub fn answer(sigil: &Sigil, prompt: &str) -> Result<std::result::Result<Answer, Refusal>> {
    let Some(parsed) = parse(prompt) else {
        return Ok(Err(Refusal::UnknownPrompt));
    };
    let maps = mappings(sigil)?;
    match parsed {
        Prompt::GitUsername(url) => {
            let users: Vec<&String> = maps
                .iter()
                .filter_map(|m| m.git.as_ref().filter(|(bare, _)| *bare == url))
                .map(|(_, u)| u)
                .collect();
            // Two users mapped for one URL: git would get the first, so neither is guessed.
            Ok(match users.as_slice() {
                [one] => Ok(Answer::Username((*one).clone())),
                _ => Err(Refusal::NoMapping),
            })
        }
        Prompt::Secret(key) => {
            let Some(m) = maps.iter().find(|m| m.secret_key == key) else {
                return Ok(Err(Refusal::NoMapping));
            };
            let (address, secret) = sigil.get_address(&m.address)?;
            Ok(Ok(Answer::Secret(address, secret)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Option<String> {
        match parse(text)? {
            Prompt::GitUsername(u) => Some(format!("user of {u}")),
            Prompt::Secret(k) => Some(k),
        }
    }

    #[test]
    fn prompts_are_parsed_whole_or_not_at_all() {
        for (text, want) in [
            (
                "Username for 'https://git.example': ",
                "user of https://git.example",
            ),
            (
                "Password for 'https://me@git.example': ",
                "https://me@git.example",
            ),
            (
                "Password for 'http://me@127.0.0.1:8080/x.git': ",
                "http://me@127.0.0.1:8080/x.git",
            ),
            ("me@host.example's password: ", "ssh:me@host.example"),
            ("(me@host.example) Password: ", "ssh:me@host.example"),
            (
                "Enter passphrase for key '/home/me/.ssh/id_ed25519': ",
                "ssh-key:/home/me/.ssh/id_ed25519",
            ),
            ("[sudo] password for me: ", "sudo:me"),
            (
                "Enter passphrase for /home/me/.ssh/id: ",
                "ssh-key:/home/me/.ssh/id",
            ),
        ] {
            assert_eq!(key(text).as_deref(), Some(want), "{text:?}");
        }
        for text in [
            "",
            "Password: ",
            "Password for 'https://git.example': ",
            "Username for 'https://me@git.example': ",
            "Password for 'https://me@git.example':",
            "Password for 'https://me@git.example': x",
            " Password for 'https://me@git.example': ",
            "Password for 'https://evil.example/' Password for 'https://me@git.example': ",
            "Password for 'https://me@git.example\n': ",
            "Password for 'https://me@git example': ",
            "Are you sure you want to continue connecting (yes/no/[fingerprint])? ",
            "The authenticity of host 'h (127.0.0.1)' can't be established.\nAre you sure? ",
            "host's password: ",
            "Password for 'git.example': ",
            "Enter passphrase for key '': ",
            "[sudo] password for : ",
            "Enter passphrase for id: ",
            "Enter passphrase for /id (will confirm each use): ",
        ] {
            assert_eq!(key(text), None, "{text:?}");
        }
    }

    #[test]
    fn urls_split_their_user() {
        assert_eq!(
            split_user("https://me@host:1/p@x"),
            ("https://host:1/p@x".into(), Some("me"))
        );
        assert_eq!(
            split_user("https://host/p@x"),
            ("https://host/p@x".into(), None)
        );
    }

    #[test]
    fn answers_are_one_line() {
        let ok = Answer::Secret("a/b/api_key".parse().unwrap(), Secret::from("pw"));
        assert_eq!(&ok.to_protocol().unwrap()[..], b"pw\n");
        let bad = Answer::Secret("a/b/api_key".parse().unwrap(), Secret::from("p\nw"));
        let e = bad.to_protocol().unwrap_err().to_string();
        assert!(e.contains("a/b/api_key") && !e.contains("p\nw"), "{e}");
    }
}
