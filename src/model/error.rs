//! The one error type of the library and its exit-code classes, and the errors of each
//! domain it wraps: the store's, the identity's, a file's permissions, a malformed file.
//! The domain errors are plain data, so they live here, below every layer that raises them;
//! `store::StoreError` and `identity::IdentityError` are their names in their domains.

use crate::model::address::{AddressError, FieldAddress};
use std::io;
use std::path::PathBuf;

/// The class of a failure, which is also the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitClass {
    /// Any other error: 1.
    Other = 1,
    /// Bad usage or input: 2.
    Usage = 2,
    /// The credential (or file) does not exist: 3.
    NotFound = 3,
    /// Authentication failed: identity missing or wrong, refresh or OAuth failed: 4.
    Auth = 4,
    /// Refused for safety: permissions, tampering, policy: 5.
    Refused = 5,
}

impl ExitClass {
    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// A file sigil reads (config or metadata) that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{}' is malformed at line {line}, column {column}: {message}", path.display())]
pub struct MalformedFile {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What the parser said.
    pub message: String,
}

/// Everything that can go wrong in sigil. Messages name the subject in quotes and never
/// contain a secret value; [`Error::help`] says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An address that does not follow the grammar.
    #[error(transparent)]
    Address(#[from] AddressError),
    /// A backend failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The identity is missing, unreadable or wrong.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// A file or directory is open to other users.
    #[error(transparent)]
    Permission(#[from] PermissionError),
    /// A config or metadata file is malformed.
    #[error(transparent)]
    Malformed(#[from] MalformedFile),
    /// Bad usage that clap could not catch.
    #[error("{0}")]
    Usage(String),
    /// A reference that could not be resolved, with where it was written.
    #[error("cannot resolve '{reference}' at {location}: {source}")]
    Resolve {
        /// The reference as written.
        reference: String,
        /// `file:line`, or what it came from.
        location: String,
        /// Why.
        source: Box<Error>,
    },
    /// Bad usage, with a suggestion.
    #[error("{message}")]
    UsageHelp {
        /// What is wrong.
        message: String,
        /// What to do.
        help: String,
    },
    /// A destructive command without `--yes` and no terminal to ask on.
    #[error("refusing to delete {what} without confirmation")]
    Unconfirmed {
        /// What would have been deleted.
        what: String,
    },
    /// Something does not exist.
    #[error("{message}")]
    NotFound {
        /// What is missing.
        message: String,
        /// What to do.
        help: Option<String>,
    },
    /// Authentication with a provider failed: an OAuth flow, refresh or revocation (exit 4).
    #[error("{message}")]
    Auth {
        /// What failed (never a token).
        message: String,
        /// What to do, typically how to log in again.
        help: Option<String>,
    },
    /// Refused for safety (exit 5), with what to do instead.
    #[error("{message}")]
    Refused {
        /// What was refused and why.
        message: String,
        /// What to do.
        help: Option<String>,
    },
    /// Any other failure with a message and an optional suggestion.
    #[error("{message}")]
    Other {
        /// What failed.
        message: String,
        /// What to do.
        help: Option<String>,
    },
    /// An operating-system error with what sigil was doing.
    #[error("{context}: {source}")]
    Io {
        /// What sigil was doing.
        context: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Writing the output failed (a closed pipe is not reported).
    #[error("cannot write the output: {0}")]
    Output(#[source] io::Error),
}

impl Error {
    /// An I/O error with context. A file over its size limit (`FileTooLarge`, from the capped
    /// reads) is bad input, not a failing disk: a usage error that says how to raise the limit.
    pub fn io(context: impl Into<String>, source: io::Error) -> Error {
        if source.kind() == io::ErrorKind::FileTooLarge {
            return Error::UsageHelp {
                message: format!("{}: {source}", context.into()),
                help: "SIGIL_MAX_INPUT raises every input limit, e.g. SIGIL_MAX_INPUT=1GiB".into(),
            };
        }
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// An error reading a file the user named: not found, too large, or another I/O error.
    pub fn reading(context: impl Into<String>, source: io::Error) -> Error {
        if source.kind() == io::ErrorKind::NotFound {
            return Error::NotFound {
                message: format!("{}: {source}", context.into()),
                help: None,
            };
        }
        Error::io(context, source)
    }

    /// Any other error with a suggestion.
    pub fn other(message: impl Into<String>, help: Option<String>) -> Error {
        Error::Other {
            message: message.into(),
            help,
        }
    }

    /// The exit-code class.
    pub fn class(&self) -> ExitClass {
        match self {
            Error::Address(_)
            | Error::Usage(_)
            | Error::UsageHelp { .. }
            | Error::Unconfirmed { .. } => ExitClass::Usage,
            Error::Store(e) => e.class(),
            Error::Resolve { source, .. } => source.class(),
            Error::Identity(e) => e.class(),
            Error::Permission(_) | Error::Refused { .. } => ExitClass::Refused,
            Error::NotFound { .. } => ExitClass::NotFound,
            Error::Auth { .. } => ExitClass::Auth,
            Error::Malformed(_) | Error::Other { .. } | Error::Io { .. } | Error::Output(_) => {
                ExitClass::Other
            }
        }
    }

    /// What the user can do about it, when there is something to say.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Address(_) => Some(crate::model::address::GRAMMAR.to_owned()),
            Error::Store(e) => e.help(),
            Error::Resolve { source, .. } => source.help(),
            Error::Identity(e) => e.help(),
            Error::Permission(e) => Some(format!("run `{}`", e.fix())),
            Error::Malformed(_) => {
                Some("fix the file (or move it aside); nothing was changed".to_owned())
            }
            Error::UsageHelp { help, .. } => Some(help.clone()),
            Error::Unconfirmed { .. } => Some("pass --yes to confirm".into()),
            Error::NotFound { help, .. }
            | Error::Other { help, .. }
            | Error::Auth { help, .. }
            | Error::Refused { help, .. } => help.clone(),
            Error::Usage(_) | Error::Io { .. } | Error::Output(_) => None,
        }
    }

    /// Whether this is a write to a closed pipe, which is not an error for a CLI (`| head`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// The result type of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Parses TOML, turning a syntax or type error into [`MalformedFile`] with line and column.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    text: &str,
) -> Result<T, MalformedFile> {
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0).min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        MalformedFile {
            path: path.to_owned(),
            line,
            column,
            message: kind_of(e.message()),
        }
    })
}

/// A serde_json error as the kind of problem alone: its position is reported beside it, and
/// its text may quote the input (a secret).
pub(crate) fn json_kind(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let msg = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(m, _)| m);
    kind_of(msg)
}

/// A serde_json error in plain words, with its place: [`json_kind`] for a value of the wrong
/// kind (`invalid type: string, expected usize (line 1, column 124)`), else whether the text
/// is not JSON or ends early.
pub(crate) fn json_fault(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "it cannot be read".to_owned(),
        Category::Syntax => "it is not valid JSON".to_owned(),
        Category::Eof => "it ends early".to_owned(),
        Category::Data => json_kind(e),
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}

/// What a serde, TOML or JSON parser said about bad input, reduced to the kind of problem:
/// parsers quote the offending text (`invalid type: string "hunter2", expected u32`,
/// ``unknown variant `…` ``, ``duplicate key `…` ``), and the files sigil parses hold secrets.
/// Only sigil's own words and the parser's fixed vocabulary survive: the kind of value
/// found, and what the schema expected (which comes from sigil's types, never the input).
/// The position is reported beside it by the caller.
pub(crate) fn kind_of(message: &str) -> String {
    let first = message.trim().lines().next().unwrap_or("").trim();
    // The schema's part: after the last ", expected " (input comes before it).
    let expected = first
        .rsplit_once(", expected ")
        .map(|(_, e)| format!(", expected {e}"))
        .unwrap_or_default();
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = first.strip_prefix(prefix) {
            let found = UNEXPECTED
                .iter()
                .find(|k| rest.starts_with(*k))
                .copied()
                .unwrap_or("a value");
            return format!("{prefix}{found}{expected}");
        }
    }
    for prefix in [
        "unknown variant",
        "unknown field",
        "duplicate field",
        "duplicate key",
    ] {
        if first.starts_with(prefix) {
            return format!("{prefix}{expected}");
        }
    }
    if let Some(rest) = first.strip_prefix("missing field `")
        && let Some((name, _)) = rest.split_once('`')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        // A field sigil's types require: a name from the schema.
        return format!("missing field `{name}`");
    }
    if let Some(rest) = first.strip_prefix("invalid length ")
        && let Some((n, _)) = rest.split_once(',')
        && n.chars().all(|c| c.is_ascii_digit())
    {
        return format!("invalid length {n}{expected}");
    }
    SYNTAX.iter().find(|k| first.starts_with(*k)).map_or_else(
        || "a value is not valid here".to_owned(),
        |k| format!("{k}{expected}"),
    )
}

/// The kinds of value serde names in `invalid type`/`invalid value` (serde::de::Unexpected),
/// longest first where one starts another.
const UNEXPECTED: &[&str] = &[
    "boolean",
    "integer",
    "floating point",
    "character",
    "string",
    "byte array",
    "unit value",
    "unit variant",
    "newtype struct",
    "newtype variant",
    "tuple variant",
    "struct variant",
    "Option value",
    "sequence",
    "map",
    "enum",
];

/// The syntax errors of the TOML and JSON parsers, as their messages start. Anything else
/// becomes "a value is not valid here": a message not on this list might quote input.
const SYNTAX: &[&str] = &[
    "invalid basic string",
    "invalid literal string",
    "invalid string",
    "invalid unquoted key",
    "invalid key",
    "invalid table header",
    "invalid array",
    "invalid inline table",
    "invalid number",
    "invalid integer",
    "invalid float",
    "invalid datetime",
    "invalid escape",
    "invalid unicode",
    "invalid comment",
    "invalid whitespace",
    "invalid mixed",
    "unexpected content",
    "unexpected end",
    "unclosed",
    "expected newline",
    "key with no value",
    "string values must be quoted",
    "EOF while parsing",
    "expected value",
    "expected `,` or `]`",
    "expected `,` or `}`",
    "expected `:`",
    "expected ident",
    "key must be a string",
    "trailing characters",
    "trailing comma",
    "control character",
    "lone leading surrogate",
    "number out of range",
    "recursion limit exceeded",
];

/// A file or directory that others can read or write, which sigil refuses to use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{}' is accessible by other users (mode {mode:04o})", path.display())]
pub struct PermissionError {
    /// The offending path.
    pub path: PathBuf,
    /// Its permission bits.
    pub mode: u32,
    /// Whether it is a directory (the fix differs).
    pub is_dir: bool,
}

impl PermissionError {
    /// The command that fixes it.
    pub fn fix(&self) -> String {
        let mode = if self.is_dir { "700" } else { "600" };
        format!("chmod {mode} '{}'", self.path.display())
    }
}

/// What a backend can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such secret.
    #[error("'{address}' not found")]
    NotFound {
        /// The address asked for.
        address: String,
        /// Fields the account does have, to suggest.
        available: Vec<String>,
    },
    /// A secret is already there and `--force` was not given.
    #[error("'{address}' already exists")]
    Exists {
        /// The address.
        address: String,
    },
    /// The file is not encrypted to any key of the identity.
    #[error("cannot decrypt '{}': it is not encrypted to your identity", path.display())]
    WrongIdentity {
        /// The file.
        path: PathBuf,
    },
    /// The file is not a valid age file or fails its integrity check.
    #[error("'{}' is damaged or altered: {reason}", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What the age crate said.
        reason: String,
    },
    /// A `.age-recipients` file has a line that is not a recipient.
    #[error("'{}' is malformed at line {line}: {reason}", path.display())]
    Recipients {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Why.
        reason: String,
    },
    /// The recipients would lock the user out of their own secret.
    #[error("'{}' does not list your identity's public key, so sigil could not read back what it wrote", path.display())]
    NotARecipient {
        /// The recipients file.
        path: PathBuf,
        /// The user's public key, to add.
        public_key: String,
    },
    /// A path is accessible by other users.
    #[error(transparent)]
    Permission(#[from] PermissionError),
    /// A symbolic link below the store root, which sigil never follows: whoever can write a
    /// shared folder could point it at another secret or outside the store.
    #[error("'{}' is a symbolic link inside the store, and sigil never follows one there", path.display())]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// The backend only reads (env).
    #[error("the env backend is read-only: cannot change '{address}'")]
    ReadOnly {
        /// The address.
        address: String,
        /// The variable to set instead.
        variable: String,
    },
    /// A backend that was asked for explicitly cannot be used.
    #[error("the {backend} backend is unavailable: {reason}")]
    Unavailable {
        /// Which.
        backend: String,
        /// Why.
        reason: String,
    },
    /// The OS keyring refused or failed an operation.
    #[error("the keyring failed on '{address}': {reason}")]
    Keyring {
        /// The address (or item).
        address: String,
        /// What the platform said.
        reason: String,
    },
}

impl StoreError {
    pub(crate) fn class(&self) -> ExitClass {
        match self {
            StoreError::NotFound { .. } => ExitClass::NotFound,
            StoreError::WrongIdentity { .. } => ExitClass::Auth,
            StoreError::Damaged { .. } | StoreError::Permission(_) => ExitClass::Refused,
            StoreError::NotARecipient { .. } | StoreError::Symlink { .. } => ExitClass::Refused,
            StoreError::Exists { .. }
            | StoreError::Recipients { .. }
            | StoreError::ReadOnly { .. }
            | StoreError::Unavailable { .. }
            | StoreError::Keyring { .. } => ExitClass::Other,
        }
    }

    pub(crate) fn help(&self) -> Option<String> {
        match self {
            StoreError::NotFound { address, available } if !available.is_empty() => {
                let acct = address.rsplit_once('/').map_or(address.as_str(), |x| x.0);
                Some(format!(
                    "that account has: {} (e.g. `sigil get {acct}/{}`)",
                    available.join(", "),
                    available[0]
                ))
            }
            StoreError::NotFound { .. } => Some("`sigil list` shows what is stored".into()),
            StoreError::Exists { .. } => Some("pass --force to replace it".into()),
            StoreError::WrongIdentity { .. } => Some(
                "check SIGIL_IDENTITY / SIGIL_IDENTITY_FILE, or the .age-recipients file it was written with"
                    .into(),
            ),
            StoreError::Damaged { .. } => Some(
                "restore it from a backup, or remove it with `sigil rm`; other secrets are unaffected"
                    .into(),
            ),
            StoreError::Recipients { .. } => {
                Some("each line is an age public key (age1…) or an SSH public key (ssh-ed25519 …, ssh-rsa …); # starts a comment".into())
            }
            StoreError::NotARecipient { path, public_key } => Some(format!(
                "add your public key to it: echo {public_key} >> '{}'",
                path.display()
            )),
            StoreError::Permission(e) => Some(format!("run `{}`", e.fix())),
            StoreError::Symlink { path } => Some(format!(
                "if you did not put it there, someone with access to the folder did: remove it \
                 with `rm '{}'` (what it points to is not touched)",
                path.display()
            )),
            StoreError::ReadOnly { variable, .. } => {
                Some(format!("set {variable} in the environment instead"))
            }
            StoreError::Unavailable { .. } => Some(
                "choose another backend with --backend or SIGIL_BACKEND (`sigil status --verbose` shows what was probed)"
                    .into(),
            ),
            StoreError::Keyring { .. } => None,
        }
    }
}

impl StoreError {
    /// A not-found error for an address, with nothing to suggest.
    pub fn not_found(addr: &FieldAddress) -> StoreError {
        StoreError::NotFound {
            address: addr.to_string(),
            available: vec![],
        }
    }
}

/// Why no usable identity could be had.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// None of the sources has one.
    #[error("no identity found: SIGIL_IDENTITY and SIGIL_IDENTITY_FILE are unset, none is kept in the OS keyring, and '{}' does not exist", file.display())]
    Missing {
        /// The identity file that was looked for.
        file: PathBuf,
    },
    /// A source exists but cannot be read.
    #[error("cannot read the identity from {source_name}: {error}")]
    Unreadable {
        /// Where.
        source_name: String,
        /// Why.
        #[source]
        error: io::Error,
    },
    /// A source holds something that is not an age X25519 identity.
    #[error("the identity in {source_name} is invalid at line {line}: {reason}")]
    Invalid {
        /// Where.
        source_name: String,
        /// The 1-based line.
        line: usize,
        /// Why (never the key itself).
        reason: String,
    },
    /// A source holds no key at all.
    #[error("{source_name} holds no identity")]
    Empty {
        /// Where.
        source_name: String,
    },
    /// The passphrase of `identity.age` was wrong (each try counted and delayed).
    #[error("wrong passphrase for '{}'", file.display())]
    WrongPassphrase {
        /// The protected identity file.
        file: PathBuf,
        /// Consecutive failures so far, across runs.
        failures: u32,
    },
    /// The identity is protected and nothing can supply the passphrase.
    #[error("'{}' is protected by a passphrase and there is no terminal to ask on", file.display())]
    NoPassphrase {
        /// The protected identity file.
        file: PathBuf,
    },
    /// The passphrase of an SSH private key given as the identity was wrong.
    #[error("wrong passphrase for the SSH key in {source_name}")]
    SshWrongPassphrase {
        /// Where the key came from.
        source_name: String,
    },
    /// An SSH private key given as the identity is protected and nothing can supply the
    /// passphrase.
    #[error(
        "the SSH key in {source_name} is protected by a passphrase and there is no terminal to ask on"
    )]
    SshNoPassphrase {
        /// Where the key came from.
        source_name: String,
    },
}

impl IdentityError {
    pub(crate) fn class(&self) -> ExitClass {
        ExitClass::Auth
    }

    pub(crate) fn help(&self) -> Option<String> {
        match self {
            IdentityError::Missing { .. } => Some(
                "run `sigil init` to create one, or set SIGIL_IDENTITY_FILE to an age identity file"
                    .into(),
            ),
            IdentityError::Invalid { .. } | IdentityError::Empty { .. } => Some(
                "an identity file holds lines like AGE-SECRET-KEY-1… (as `age-keygen` writes; \
                 lines starting with # are comments) and AGE-PLUGIN-NAME-1… (as an age plugin \
                 writes), or is an SSH private key \
                 (ssh-ed25519, ssh-rsa)"
                    .into(),
            ),
            IdentityError::Unreadable { source_name, .. }
                if source_name.starts_with("the OS keyring") =>
            {
                Some("unlock the keyring (log in to the desktop session), or set SIGIL_IDENTITY_FILE".into())
            }
            IdentityError::Unreadable { .. } => None,
            IdentityError::WrongPassphrase { failures, .. } => Some(format!(
                "{failures} failed attempt(s) in a row; each further failure waits longer before \
                 the next try. `age -d` opens the file with the same passphrase"
            )),
            IdentityError::SshWrongPassphrase { .. } => Some(
                "it is the passphrase `ssh-keygen -p -f FILE` changes; `ssh-keygen -y -f FILE` \
                 tells whether it is right"
                    .into(),
            ),
            IdentityError::SshNoPassphrase { .. } => Some(
                "run it on a terminal, or give the key's passphrase in a 0600 file named by \
                 SIGIL_PASSPHRASE_FILE or on the descriptor named by SIGIL_PASSPHRASE_FD"
                    .into(),
            ),
            IdentityError::NoPassphrase { .. } => Some(
                "run `sigil unlock` on a terminal first, or give the passphrase in a 0600 file \
                 named by SIGIL_PASSPHRASE_FILE or on the descriptor named by SIGIL_PASSPHRASE_FD"
                    .into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct T {
        a: u32,
    }

    #[test]
    fn malformed_toml_names_line_and_column() {
        let e = parse_toml::<T>("x.toml".as_ref(), "# c\na = 1\nb = = 2\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 5), "{e}");
        let e = parse_toml::<T>("x.toml".as_ref(), "a = \"s\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 5), "{e}");
        assert!(
            e.to_string()
                .starts_with("'x.toml' is malformed at line 1, column 5: ")
        );
    }

    #[test]
    fn parse_errors_keep_the_kind_and_drop_the_input() {
        let cases = [
            (
                "invalid type: string \"hunter2, expected x\", expected u32",
                "invalid type: string, expected u32",
            ),
            (
                "unknown variant `hunter2`, expected `file` or `keyring`",
                "unknown variant, expected `file` or `keyring`",
            ),
            ("duplicate key `hunter2`", "duplicate key"),
            (
                "unknown field `hunter2`, expected `a`",
                "unknown field, expected `a`",
            ),
            ("missing field `address`", "missing field `address`"),
            ("missing field `hunter2 x`", "a value is not valid here"),
            ("invalid string\nexpected `\"`, `'`", "invalid string"),
            ("'hunter2' is not a size", "a value is not valid here"),
        ];
        for (message, want) in cases {
            assert_eq!(kind_of(message), want, "{message}");
        }
        let e = parse_toml::<T>("x.toml".as_ref(), "a = \"hunter2\"\n").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let json = |text: &str| json_fault(&serde_json::from_str::<u32>(text).unwrap_err());
        assert_eq!(
            json("\"hunter2\""),
            "invalid type: string, expected u32 (line 1, column 9)"
        );
        assert_eq!(json("hunter2"), "it is not valid JSON (line 1, column 1)");
        assert_eq!(json("\"hunter2"), "it ends early (line 1, column 8)");
    }
}
