//! The one error type of the library and its exit-code classes.

use crate::address::AddressError;
use crate::fsutil::PermissionError;
use crate::identity::IdentityError;
use crate::store::StoreError;
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
    /// An I/O error with context.
    pub fn io(context: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
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
            Error::Address(_) => Some(crate::address::GRAMMAR.to_owned()),
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
            message: e.message().trim().to_owned(),
        }
    })
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
}
