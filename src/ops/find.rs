//! `sigil find`: which accounts a pattern names, matched against their addresses, field
//! addresses, notes and OAuth providers — metadata only, never a value.

use crate::Sigil;
use crate::model::error::{Error, Result};
use crate::ops::handle::Account;
use glob::{MatchOptions, Pattern};

/// A search pattern: a case-insensitive substring, or a shell glob when it holds `*`, `?` or
/// `[` (the glob matches a whole name, as the shell's does).
#[derive(Debug, Clone)]
pub enum Matcher {
    /// The pattern, lowercased.
    Substring(String),
    /// The compiled glob.
    Glob(Pattern),
}

impl Matcher {
    /// Parses `pattern`; an empty pattern or a malformed glob is an error.
    pub fn new(pattern: &str) -> Result<Matcher> {
        if pattern.is_empty() {
            return Err(Error::Usage("the pattern is empty".into()));
        }
        if !pattern.contains(['*', '?', '[']) {
            return Ok(Matcher::Substring(pattern.to_lowercase()));
        }
        Pattern::new(pattern)
            .map(Matcher::Glob)
            .map_err(|e| Error::Usage(format!("'{pattern}' is not a valid glob: {}", e.msg)))
    }

    /// Whether `text` matches, ignoring case.
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Matcher::Substring(s) => text.to_lowercase().contains(s.as_str()),
            Matcher::Glob(p) => p.matches_with(
                text,
                MatchOptions {
                    case_sensitive: false,
                    require_literal_separator: false,
                    require_literal_leading_dot: false,
                },
            ),
        }
    }

    /// Whether the account matches: its address, one of its field addresses, its note or its
    /// provider.
    pub fn matches_account(&self, account: &Account) -> bool {
        let address = account.address.to_string();
        let m = &account.meta;
        self.matches(&address)
            || m.fields
                .iter()
                .any(|f| self.matches(&format!("{address}/{f}")))
            || m.note.as_deref().is_some_and(|n| self.matches(n))
            || m.provider.as_deref().is_some_and(|p| self.matches(p))
    }
}

/// The accounts `matcher` matches, sorted by address. Reads the registry only, like
/// `Sigil::list`: no identity is needed and nothing is audited, as no value is read.
pub fn find(sigil: &Sigil, matcher: &Matcher) -> Result<Vec<Account>> {
    let mut accounts = sigil.list(None)?;
    accounts.retain(|a| matcher.matches_account(a));
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_unless_glob_characters_and_case_is_ignored() {
        let m = Matcher::new("HUB").unwrap();
        assert!(matches!(m, Matcher::Substring(_)));
        assert!(m.matches("github/me"));
        assert!(!m.matches("gitlab/me"));
        let g = Matcher::new("git*/m?").unwrap();
        assert!(matches!(g, Matcher::Glob(_)));
        assert!(g.matches("GitHub/Me"));
        assert!(!g.matches("github/mine"));
        assert!(Matcher::new("[a-").is_err());
        assert!(Matcher::new("").is_err());
    }
}
