//! `sigil migrate`: moves plaintext credentials (dotenv files, `~/.netrc`,
//! `~/.git-credentials`, gh's `hosts.yml`, JSON/TOML configs, `~/.aws/credentials`) into the store, rewrites the
//! sources, and undoes it byte for byte. It also imports other password managers' stores and
//! exports (pass, passage, gopass, Bitwarden JSON, KeePassXC and 1Password CSV, 1Password
//! `.1pux`: `source_pass.rs`, `source_vault.rs`), which it reads and never changes.
//!
//! Zero loss is the bar, so an apply is journaled: under `<home>/migrations/<id>/` the journal
//! and every original source (encrypted to the identity, like any secret) are written before
//! anything else changes, and `<home>/migrations/.pending` names the migration while it runs.
//! Whatever interrupts it (an error, a full disk, a kill), the sources are restored from those
//! copies — at once for an error, or by the next sigil that opens the store for a kill.
//!
//! The parts, a file each: `parse.rs` and the `source_*.rs` files read a source's text, one
//! file per format; `plan.rs` decides against the store what happens to each entry;
//! `apply.rs` runs a plan (and undoes it when it fails); `journal.rs` keeps what an undo needs,
//! and rolls back and heals from it; `backend_move.rs` moves credentials between backends;
//! `scan.rs` only reports. This file holds the types they share and names the public
//! interface.

use crate::model::address::FieldAddress;
use crate::model::secret::Secret;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

mod apply;
mod backend_move;
mod journal;
mod parse;
mod plan;
mod scan;
mod source_aws;
mod source_dotenv;
mod source_gh_hosts;
mod source_git_credentials;
mod source_json;
mod source_netrc;
mod source_pass;
mod source_toml;
mod source_vault;

pub use apply::{Applied, apply, apply_with};
pub use backend_move::{move_backend, plan_move};
pub use journal::{
    Journal, SecretRecord, SourceRecord, State, heal, list, load_journal, lock_file, pending,
    rollback,
};
#[doc(hidden)]
pub use parse::parse_text;
pub use parse::read_source;
pub use plan::plan;
pub use scan::{Finding, Scan, Unread, known_locations, scan};
pub use source_dotenv::dotenv_address;

/// Where migrations live under the sigil home.
pub const DIR: &str = "migrations";
/// The marker of a migration that has not finished; its content is the migration's id.
pub const PENDING: &str = ".pending";

/// Names of dotenv variables taken by default (case-insensitive globs).
pub const DOTENV_PATTERNS: &[&str] = &[
    "*_KEY",
    "*_TOKEN",
    "*_SECRET",
    "*_PASSWORD",
    "*_PASS",
    "*_PASSWD",
    "*_PWD",
    "*_CREDENTIALS",
    "*_AUTH",
    "TOKEN",
    "SECRET",
    "PASSWORD",
];

/// Keys of JSON/TOML configs taken by default (case-insensitive globs).
pub const CONFIG_PATTERNS: &[&str] = &[
    "*api_key",
    "*apikey",
    "*api-key",
    "*token",
    "*secret",
    "*password",
    "*passwd",
    "*private_key",
    "*access_key",
];

pub use crate::store::OnConflict;

/// How a migration derives names and treats conflicts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Take every dotenv value, not only credential-looking names.
    pub all: bool,
    /// Prepended to derived services (`<prefix>-<service>`).
    pub prefix: Option<String>,
    /// One service for every entry of dotenv/JSON/TOML sources.
    pub service: Option<String>,
    /// The account instead of the source's directory name.
    pub account: Option<String>,
    /// Replaces the default name/key patterns.
    pub key_patterns: Vec<String>,
    /// The conflict policy.
    pub on_conflict: OnConflict,
    /// Read malformed JSON and TOML (comments, trailing commas) string by string instead of
    /// refusing them: what `--scan` does, which only reports.
    pub(crate) lenient: bool,
}

/// The format of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `NAME=value` lines.
    Dotenv,
    /// `~/.netrc`.
    Netrc,
    /// `~/.git-credentials`.
    GitCredentials,
    /// gh's `hosts.yml`.
    GhHosts,
    /// A JSON config.
    Json,
    /// A TOML config.
    Toml,
    /// The AWS SDKs' `~/.aws/credentials`.
    Aws,
    /// A pass store (`~/.password-store`): gpg files, decrypted by `gpg`.
    Pass,
    /// A passage store (`~/.passage/store`): age files and `~/.passage/identities`.
    Passage,
    /// A gopass store (pass's layout).
    Gopass,
    /// A Bitwarden JSON export (unencrypted).
    Bitwarden,
    /// A KeePassXC CSV export.
    KeepassCsv,
    /// A 1Password CSV export.
    OnePasswordCsv,
    /// A 1Password `.1pux` export.
    OnePux,
}

impl Format {
    /// Guesses the format from the file name.
    pub fn of(path: &Path) -> Format {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        let parent = path
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match name.as_str() {
            ".netrc" | "_netrc" => Format::Netrc,
            ".git-credentials" => Format::GitCredentials,
            "credentials" if parent == "git" => Format::GitCredentials,
            "credentials" if parent == ".aws" => Format::Aws,
            "hosts.yml" | "hosts.yaml" => Format::GhHosts,
            n if n.ends_with(".json") => Format::Json,
            n if n.ends_with(".toml") => Format::Toml,
            n if n.ends_with(".1pux") => Format::OnePux,
            n if n.ends_with(".csv") => Format::KeepassCsv,
            _ => Format::Dotenv,
        }
    }

    /// What happens to a source of this format.
    pub fn effect(self) -> &'static str {
        match self {
            Format::Dotenv => "values become auth:// references",
            Format::Netrc | Format::GitCredentials => {
                "entries removed; git asks git-credential-sigil"
            }
            Format::GhHosts => "oauth_token lines removed",
            Format::Json | Format::Toml => "values become auth:// references",
            Format::Aws => "keys removed; the profile runs sigil aws credential-process",
            Format::Pass | Format::Passage | Format::Gopass => {
                "imported; the store is left as it is"
            }
            Format::Bitwarden | Format::KeepassCsv | Format::OnePasswordCsv | Format::OnePux => {
                "imported; the export is left as it is (delete it yourself)"
            }
        }
    }

    /// Whether the source is another password manager's store or export: read, never
    /// changed (nothing of it is journaled, and an undo only removes what was imported).
    pub fn read_only(self) -> bool {
        matches!(
            self,
            Format::Pass
                | Format::Passage
                | Format::Gopass
                | Format::Bitwarden
                | Format::KeepassCsv
                | Format::OnePasswordCsv
                | Format::OnePux
        )
    }

    /// Whether the source is a plaintext export file of a password manager.
    pub fn is_export(self) -> bool {
        self.read_only() && !matches!(self, Format::Pass | Format::Passage | Format::Gopass)
    }

    /// The name people know the source by.
    pub fn label(self) -> &'static str {
        match self {
            Format::Dotenv => "dotenv",
            Format::Netrc => "netrc",
            Format::GitCredentials => "git-credentials",
            Format::GhHosts => "gh hosts.yml",
            Format::Json => "JSON",
            Format::Toml => "TOML",
            Format::Aws => "AWS credentials",
            Format::Pass => "pass",
            Format::Passage => "passage",
            Format::Gopass => "gopass",
            Format::Bitwarden => "Bitwarden JSON export",
            Format::KeepassCsv => "KeePassXC CSV export",
            Format::OnePasswordCsv => "1Password CSV export",
            Format::OnePux => "1Password .1pux export",
        }
    }
}

/// What happens to one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Stored at a free address.
    Store,
    /// The address already holds exactly this value: only the source changes.
    Same,
    /// Replaces a different stored value.
    Overwrite,
    /// Left in the source (conflict, `--on-conflict skip`).
    Skip,
    /// The address holds a different value (`--on-conflict fail`).
    Conflict,
}

/// One credential found in a source.
#[derive(Debug)]
pub struct Item {
    /// 1-based line.
    pub line: usize,
    /// The variable, key or host it was found under.
    pub name: String,
    /// Where it goes.
    pub address: FieldAddress,
    /// The value (never printed).
    pub value: Secret,
    /// What happens to it.
    pub action: Action,
    /// Byte range in the source to replace (by a reference) or remove.
    span: (usize, usize),
    /// Whether `span` is removed (true) or replaced by a reference.
    remove: bool,
    /// The quote to write a reference with.
    quote: Option<char>,
    /// For a credential git stored: the origin it stays bound to.
    bound: Option<crate::model::registry::Binding>,
    /// Text written in place of `span` instead of a reference (an AWS profile's
    /// `credential_process` line).
    replacement: Option<String>,
    /// For an entry of a password manager: the account's kind (a login is a password
    /// account, a TOTP seed alone a TOTP one).
    kind: Option<crate::model::registry::Kind>,
    /// For an entry of a password manager: the account's metadata note (its URLs, folder).
    note: Option<String>,
}

/// The line and name of a credential-looking dotenv variable built by `${…}` expansion.
pub type Expanded = (usize, String);

/// One source file of a plan.
#[derive(Debug)]
pub struct SourcePlan {
    /// Its absolute path.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// Its bytes now.
    pub original: Vec<u8>,
    /// What was found.
    pub items: Vec<Item>,
    /// Line and name of the credential-looking dotenv variables left as they are because
    /// they are built by `${…}` expansion.
    pub expanded: Vec<Expanded>,
    /// What reading it reported: names normalised, collisions renamed, entries skipped.
    pub notes: Vec<String>,
}

impl SourcePlan {
    /// The content after the migration: every taken item replaced or removed.
    pub fn rewritten(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.original.len());
        let mut at = 0;
        let mut items: Vec<&Item> = self.items.iter().filter(|i| i.taken()).collect();
        items.sort_by_key(|i| i.span.0);
        for i in items {
            out.extend_from_slice(&self.original[at..i.span.0]);
            if let Some(text) = &i.replacement {
                out.extend_from_slice(text.as_bytes());
            } else if !i.remove {
                let r = i.address.to_reference();
                match i.quote {
                    Some(q) => out.extend_from_slice(format!("{q}{r}{q}").as_bytes()),
                    None => out.extend_from_slice(r.as_bytes()),
                }
            }
            at = i.span.1;
        }
        out.extend_from_slice(&self.original[at..]);
        out
    }
}

impl Item {
    /// Whether the migration moves it (so the source changes there).
    pub fn taken(&self) -> bool {
        matches!(
            self.action,
            Action::Store | Action::Same | Action::Overwrite
        )
    }
}

/// A whole migration, before it runs.
#[derive(Debug)]
pub struct Plan {
    /// The sources, in the order given.
    pub sources: Vec<SourcePlan>,
}

impl Plan {
    /// Every item.
    pub fn items(&self) -> impl Iterator<Item = (&SourcePlan, &Item)> {
        self.sources
            .iter()
            .flat_map(|s| s.items.iter().map(move |i| (s, i)))
    }

    /// Items in conflict under `--on-conflict fail`.
    pub fn conflicts(&self) -> Vec<(&SourcePlan, &Item)> {
        self.items()
            .filter(|(_, i)| i.action == Action::Conflict)
            .collect()
    }
}

/// Masks a value for display: its first 4 characters (`sk-t…`, enough to tell a token's
/// kind), or `…` alone when it is shorter than 16, for which 4 would be too much of it.
pub fn mask(value: &[u8]) -> String {
    let s = String::from_utf8_lossy(value);
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 16 {
        return "…".into();
    }
    let head: String = chars[..4].iter().collect();
    format!("{head}…")
}
