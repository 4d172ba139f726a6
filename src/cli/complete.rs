//! Shell completion: `SIGIL_COMPLETE=<shell> sigil` prints the script that registers it, and
//! the shell then runs `SIGIL_COMPLETE=<shell> sigil -- <words>` at each TAB. clap_complete's
//! engine completes subcommands and options from the clap definitions; what is added here are
//! the names a command's arguments take from the store: services, then accounts, then fields
//! (`svc/`, `svc/acct`, `svc/acct/field`), OAuth providers, and store folders.
//!
//! A completion reads metadata only: `accounts.toml` (its account keys and field lists, never
//! a note or anything else), `config.toml` (the provider names) and the file store's
//! directory names. It never opens the identity, the keyring, a store file or the audit log,
//! so it cannot prompt, decrypt, or leave an audit entry. Every name it offers is one the
//! address grammar accepts (`[a-z0-9._-]`, `[A-Za-z0-9@._+-]`, `[a-z0-9_]`): those need no
//! quoting in any shell, and anything else in the files (a newline, an escape sequence, a
//! space, `;` or `$(…)` in a crafted name) is dropped rather than reaching the command line.

use crate::model::address::{AUTH_SCHEME, Address};
use crate::model::paths::Paths;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::process::ExitCode;

/// The environment variable that turns a run into a completion (clap's default is
/// `COMPLETE`, which other programs use too).
pub const VAR: &str = "SIGIL_COMPLETE";

/// What an argument names, and so what its completion offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// `service/account[/field]`: services, then accounts, then fields.
    Address,
    /// `service/account`: services, then accounts.
    Account,
    /// A service alone.
    Service,
    /// A store folder: a service or `service/account`, from the registry and the file
    /// store's directories (a shared folder may hold nothing of one's own yet).
    Folder,
    /// An OAuth provider's name.
    Provider,
    /// `sigil login`'s `service/account`: the services include the provider names.
    Login,
}

/// What each argument of `bin` completes to, by the argument's id and value name; `None` for
/// the arguments that name nothing in the store.
fn names_of(bin: &str, arg: &clap::Arg) -> Option<Names> {
    let value = arg
        .get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.as_str());
    match (bin, arg.get_id().as_str(), value) {
        // pip's index URL, not a sigil service.
        ("sigil-keyring", _, _) => None,
        ("sigil-login", _, Some("ADDRESS")) => Some(Names::Login),
        ("sigil-policy", _, Some("ADDR")) => Some(Names::Account),
        ("sigil-recipients", "path", _) => Some(Names::Folder),
        (_, "provider", _) => Some(Names::Provider),
        // SRC and DST: `sigil mv` and `sigil cp` (on main beside this work).
        (_, _, Some("ADDRESS" | "ADDR" | "REF" | "SRC" | "DST")) => Some(Names::Address),
        (_, _, Some("SERVICE")) => Some(Names::Service),
        _ => None,
    }
}

/// `cmd` (the command of the binary `bin`, or a subcommand of it) with the store's names
/// attached to the arguments that take them.
fn attach(bin: &str, cmd: clap::Command) -> clap::Command {
    // In place (`mut_arg` would move the argument last, and positionals are numbered by
    // their order).
    let mut cmd = cmd.mut_args(|a| match names_of(bin, &a) {
        Some(names) => a.add(ArgValueCompleter::new(move |current: &OsStr| {
            candidates(names, current)
        })),
        None => a,
    });
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for sub in subs {
        // `sigil get` is the built-in sigil-get: its arguments are named as that binary's.
        let inner = if bin == "sigil" {
            format!("{}{sub}", super::dispatch::PREFIX)
        } else {
            bin.to_owned()
        };
        cmd = cmd.mut_subcommand(sub, |s| attach(&inner, s));
    }
    cmd
}

/// The command of the binary `bin` (`sigil` or a built-in's), with completion of names.
pub fn command(bin: &str) -> Option<clap::Command> {
    let cmd = if bin == "sigil" {
        super::sigil::command()
    } else {
        super::subcommands()
            .into_iter()
            .find(|c| c.get_name() == bin)?
    };
    Some(attach(bin, cmd))
}

/// Answers a completion request when [`VAR`] is set: prints the registration script (no
/// words given) or the candidates, and returns the exit code; `None` when it is not set.
/// `bin` is the binary the shell runs (`sigil`, `sigil-get`, …). Nothing goes to stderr: the
/// shell is drawing its prompt.
pub fn answer(bin: &str) -> Option<ExitCode> {
    let shell = std::env::var_os(VAR)?;
    if shell.is_empty() || shell == "0" {
        return None;
    }
    let bin = bin.to_owned();
    let Some(_) = command(&bin) else {
        return Some(ExitCode::FAILURE);
    };
    if std::env::args_os().len() == 1 {
        // The registration script: the very one `cargo xtask gen` commits (zsh's with its
        // autoload lines).
        let name = std::path::Path::new(&shell)
            .file_stem()
            .and_then(OsStr::to_str)
            .unwrap_or_default();
        return Some(match registration(name, &bin) {
            Some(script) => match super::out(&script) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            },
            None => ExitCode::FAILURE,
        });
    }
    let factory = {
        let bin = bin.clone();
        move || command(&bin).expect("checked above")
    };
    let done = clap_complete::CompleteEnv::with_factory(factory)
        .var(VAR)
        .bin(bin.clone())
        .completer(bin)
        .try_complete(std::env::args_os(), std::env::current_dir().ok().as_deref());
    Some(match done {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    })
}

/// The registration script of `bin` for `shell` (`bash`, `zsh`, `fish`, …), as
/// `SIGIL_COMPLETE=<shell> <bin>` prints it: what `cargo xtask gen` writes to `completions/`.
pub fn registration(shell: &str, bin: &str) -> Option<Vec<u8>> {
    let shells = clap_complete::env::Shells::builtins();
    let completer = shells.completer(shell)?;
    let mut buf = Vec::new();
    completer
        .write_registration(VAR, bin, bin, bin, &mut buf)
        .ok()?;
    if shell == "zsh" {
        // Autoloaded from a directory on fpath (where packages put `_sigil`), the file runs as
        // the function `_sigil` at the first TAB: it registers the completer, which must then
        // also answer that first TAB. Sourced, it only registers.
        let function = format!("_clap_dynamic_completer_{}", bin.replace('-', "_"));
        buf.extend_from_slice(
            format!("if [[ ${{funcstack[1]-}} == _{bin} ]]; then\n    {function} \"$@\"\nfi\n")
                .as_bytes(),
        );
    }
    Some(buf)
}

/// The candidates for `current` (what is typed so far of the argument).
fn candidates(names: Names, current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let Ok(paths) = Paths::from_env() else {
        return Vec::new();
    };
    offer(
        names,
        current,
        &|folders, keep| Known::read(&paths, folders, keep),
        &|| providers(&paths),
    )
    .into_iter()
    .map(CompletionCandidate::new)
    .collect()
}

/// The names known from the metadata: accounts by service, each with its fields.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Known {
    /// Service → account → fields.
    pub accounts: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// Store folders without accounts of their own in the registry: service → accounts
    /// (possibly none).
    pub folders: BTreeMap<String, BTreeSet<String>>,
}

impl Known {
    /// Reads `accounts.toml`, and with `folders` the file store's folder names too: the
    /// services (`Some(None)`) or one service's accounts (`Some(Some(service))`). Unreadable
    /// or malformed files give no names, never an error: a completion has nowhere to report
    /// one.
    /// Only the accounts whose key (`svc/acct`) `keep` accepts are looked at, so that a
    /// completion costs little more than reading the file.
    pub fn read(
        paths: &Paths,
        folders: Option<Option<&str>>,
        keep: &dyn Fn(&str) -> bool,
    ) -> Known {
        let mut known = Known::default();
        if let Ok(text) =
            crate::fsutil::read_capped_string(&paths.accounts(), crate::fsutil::Input::Metadata)
        {
            for (key, fields) in registry_names(&text, keep).unwrap_or_default() {
                known.insert(&key, fields);
            }
        }
        if let Some(service) = folders {
            known.folders = store_folders(paths, service);
        }
        known
    }

    fn insert(&mut self, key: &str, fields: Vec<String>) {
        let Some((service, account)) = key.split_once('/') else {
            return;
        };
        if Address::new(service, account, None).is_err() {
            return;
        }
        let fields = fields
            .into_iter()
            .filter(|f| Address::new(service, account, Some(f)).is_ok())
            .collect();
        self.accounts
            .entry(service.to_owned())
            .or_default()
            .insert(account.to_owned(), fields);
    }
}

/// The file store's folders, `<home>/store/<service>/<account>`: every service (with no
/// accounts listed), or the accounts of `service`. Only names the grammar accepts: a
/// teammate's shared folder may hold any name, and such names are left out.
fn store_folders(paths: &Paths, service: Option<&str>) -> BTreeMap<String, BTreeSet<String>> {
    let dirs = |dir: std::path::PathBuf| {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().into_string().ok())
    };
    match service {
        None => dirs(paths.store())
            .filter(|s| Address::new(s, "x", None).is_ok())
            .map(|s| (s, BTreeSet::new()))
            .collect(),
        Some(service) if Address::new(service, "x", None).is_ok() => {
            let accounts = dirs(paths.store().join(service))
                .filter(|a| Address::new(service, a, None).is_ok())
                .collect();
            [(service.to_owned(), accounts)].into()
        }
        Some(_) => BTreeMap::new(),
    }
}

/// The account keys of `accounts.toml` with their field lists, in the file's order.
///
/// sigil writes the file itself (`Registry::save`), one `[accounts."svc/acct"]` table per
/// account with `fields = [...]` on one line, so a scan of its lines finds them in a few
/// milliseconds for ten thousand accounts, where parsing the whole TOML takes tens. A file
/// the scan is not sure of (edited by hand into another TOML form, or holding a multi-line
/// string, whose lines could look like tables) is parsed as TOML instead. `None` when it is
/// not TOML at all.
pub fn registry_names(
    text: &str,
    keep: &dyn Fn(&str) -> bool,
) -> Option<Vec<(String, Vec<String>)>> {
    if let Some(found) = scan(text, keep) {
        return Some(found);
    }
    let reg: crate::model::registry::Registry = toml::from_str(text).ok()?;
    Some(
        reg.accounts
            .into_iter()
            .filter(|(k, _)| keep(k))
            .map(|(k, m)| (k, m.fields.into_iter().collect()))
            .collect(),
    )
}

/// The line scan of [`registry_names`]; `None` when the file is not in the form it knows.
fn scan(text: &str, keep: &dyn Fn(&str) -> bool) -> Option<Vec<(String, Vec<String>)>> {
    if text.contains("\"\"\"") || text.contains("'''") {
        return None;
    }
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    // Whether the lines being read are the current account's own table (not a subtable).
    let mut in_account = false;
    for line in text.lines() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[') {
            let rest = header.strip_prefix("accounts.\"")?;
            let (key, tail) = rest.split_once('"')?;
            if key.contains('\\') {
                return None;
            }
            if tail == "]" {
                in_account = keep(key);
                if in_account {
                    out.push((key.to_owned(), Vec::new()));
                }
            } else if tail.starts_with('.') && tail.ends_with(']') && !tail.contains('[') {
                // A subtable of an account (`.bound`): the account's own keys are over.
                in_account = false;
            } else {
                return None;
            }
        } else if in_account
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == "fields"
        {
            let items = v.trim().strip_prefix('[')?.strip_suffix(']')?;
            let mut fields = Vec::new();
            for item in items.split(',') {
                let item = item.trim();
                if item.is_empty() {
                    continue;
                }
                let f = item.strip_prefix('"')?.strip_suffix('"')?;
                if f.contains('"') || f.contains('\\') {
                    return None;
                }
                fields.push(f.to_owned());
            }
            out.last_mut()?.1 = fields;
        }
    }
    Some(out)
}

/// The OAuth provider names: the built-in catalogue's and `config.toml`'s `[providers.*]`.
fn providers(paths: &Paths) -> BTreeSet<String> {
    #[allow(unused_mut)]
    let mut out = BTreeSet::<String>::new();
    #[cfg(feature = "oauth")]
    {
        out.extend(crate::ops::oauth::providers::catalogue().into_keys());
        if let Ok(config) = crate::model::config::Config::load(paths) {
            out.extend(config.providers.into_keys());
        }
    }
    let _ = paths;
    out.retain(|p| Address::new(p, "x", None).is_ok());
    out
}

/// Reads the names [`offer`] needs: the store folders to list (see [`Known::read`]) and which
/// account keys to keep.
pub type Reader<'a> = dyn Fn(Option<Option<&str>>, &dyn Fn(&str) -> bool) -> Known + 'a;

/// What to offer for `current`, from the names `known` and `providers` read (only when the
/// stage needs them). Each offer is the whole word, `auth://` kept when it was typed.
pub fn offer(
    names: Names,
    current: &str,
    known: &Reader,
    providers: &dyn Fn() -> BTreeSet<String>,
) -> Vec<String> {
    let (scheme, body) = match current.strip_prefix(AUTH_SCHEME) {
        Some(body) => (AUTH_SCHEME, body),
        None => ("", current),
    };
    let parts: Vec<&str> = body.split('/').collect();
    let mut out = Vec::new();
    match (names, parts.as_slice()) {
        (Names::Provider, [p]) => {
            out.extend(providers().into_iter().filter(|n| n.starts_with(p)));
        }
        (Names::Provider, _) => {}
        (_, [s]) => {
            let known = known((names == Names::Folder).then_some(None), &|key| {
                key.split_once('/')
                    .is_some_and(|(svc, _)| svc.starts_with(s))
            });
            let mut services: BTreeSet<String> = known.accounts.keys().cloned().collect();
            match names {
                Names::Folder => services.extend(known.folders.into_keys()),
                Names::Login => services.extend(providers()),
                _ => {}
            }
            let slash = if names == Names::Service { "" } else { "/" };
            out.extend(
                services
                    .into_iter()
                    .filter(|n| n.starts_with(s))
                    .map(|n| format!("{scheme}{n}{slash}")),
            );
        }
        (Names::Service, _) => {}
        (_, [s, a]) => {
            let mut known = known((names == Names::Folder).then_some(Some(*s)), &|key| {
                key.split_once('/')
                    .is_some_and(|(svc, acct)| svc == *s && acct.starts_with(a))
            });
            let mut accounts: BTreeSet<String> = known
                .accounts
                .remove(*s)
                .map(|m| m.into_keys().collect())
                .unwrap_or_default();
            if names == Names::Folder {
                accounts.extend(known.folders.remove(*s).unwrap_or_default());
            }
            out.extend(
                accounts
                    .into_iter()
                    .filter(|n| n.starts_with(a))
                    .map(|n| format!("{scheme}{s}/{n}")),
            );
        }
        (Names::Address, [s, a, f]) => {
            let known = known(None, &|key| {
                key.split_once('/')
                    .is_some_and(|(svc, acct)| svc == *s && acct == *a)
            });
            if let Some(fields) = known.accounts.get(*s).and_then(|m| m.get(*a)) {
                out.extend(
                    fields
                        .iter()
                        .filter(|n| n.starts_with(f))
                        .map(|n| format!("{scheme}{s}/{a}/{n}")),
                );
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::registry::{AccountMeta, Binding, Kind, Registry};
    use time::macros::datetime;

    fn meta(fields: &[&str], note: Option<&str>, bound: bool) -> AccountMeta {
        AccountMeta {
            kind: Kind::ApiKey,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            backend: "file".into(),
            provider: None,
            scopes: vec!["read".into(), "write".into()],
            created: datetime!(2026-11-23 0:00 UTC),
            updated: datetime!(2026-11-23 0:00 UTC),
            expires_at: None,
            note: note.map(str::to_owned),
            bound: bound.then(|| Binding {
                by: "git".into(),
                origin: "https://example.com".into(),
                username: "me".into(),
            }),
        }
    }

    fn full(text: &str) -> Vec<(String, Vec<String>)> {
        let reg: Registry = toml::from_str(text).unwrap();
        reg.accounts
            .into_iter()
            .map(|(k, m)| (k, m.fields.into_iter().collect()))
            .collect()
    }

    /// The scan reads what sigil writes exactly as the TOML parser does, subtables, notes
    /// with quotes and escapes, and notes that look like tables included.
    #[test]
    fn the_scan_agrees_with_the_parser_on_what_sigil_writes() {
        let mut reg = Registry::empty();
        reg.accounts
            .insert("github/me".into(), meta(&["api_key", "user"], None, false));
        reg.accounts.insert(
            "git.example.com/me@x.org".into(),
            meta(
                &["password"],
                Some("a \"quoted\" [accounts.\"evil/x\"] note"),
                true,
            ),
        );
        reg.accounts
            .insert("aws/prod".into(), meta(&[], Some("tab\there"), false));
        let text = toml::to_string(&reg).unwrap();
        let scanned = scan(&text, &|_| true).expect("the scan knows sigil's own form");
        let mut sorted = scanned.clone();
        sorted.sort();
        assert_eq!(sorted, full(&text), "{text}");
        // A multi-line note (which TOML may write with """) goes to the parser, and
        // whichever reads it, its text never becomes an account.
        reg.accounts.insert(
            "z/z".into(),
            meta(
                &["api_key"],
                Some("line\n[accounts.\"evil/x\"]\nfields = [\"x\"]"),
                false,
            ),
        );
        let text = toml::to_string(&reg).unwrap();
        let names = registry_names(&text, &|_| true).unwrap();
        assert!(names.iter().all(|(k, _)| k != "evil/x"), "{text}");
        assert_eq!(names.len(), 4);
    }

    #[test]
    fn other_toml_forms_are_parsed() {
        let text = "version = 1\n[accounts]\n\"a/b\" = { kind = \"api_key\", fields = [\"k\"], \
                    backend = \"file\", created = \"2026-11-23T00:00:00Z\", \
                    updated = \"2026-11-23T00:00:00Z\" }\n";
        assert_eq!(scan(text, &|_| true), None);
        assert_eq!(
            registry_names(text, &|_| true).unwrap(),
            vec![("a/b".to_owned(), vec!["k".to_owned()])]
        );
        assert_eq!(registry_names("[[[not toml", &|_| true), None);
        // Only the accounts asked for are kept, by either reader.
        let sigils = "version = 1\n[accounts.\"a/b\"]\nfields = [\"k\"]\n[accounts.\"c/d\"]\n\
                      fields = [\"l\"]\n";
        assert_eq!(
            scan(sigils, &|k| k.starts_with("c/")).unwrap(),
            vec![("c/d".to_owned(), vec!["l".to_owned()])]
        );
        assert_eq!(registry_names(text, &|k| k != "a/b").unwrap(), vec![]);
    }

    fn known() -> Known {
        let mut k = Known::default();
        k.insert("github/me", vec!["token".into(), "refresh_token".into()]);
        k.insert("github/work", vec!["token".into()]);
        k.insert("gitlab/me", vec!["api_key".into()]);
        k.insert("aws/prod", vec!["api_key".into(), "secret".into()]);
        // Names the grammar refuses are never offered.
        k.insert("evil\u{1b}]0;x\u{7}/me", vec!["api_key".into()]);
        k.insert("evil/a b", vec!["api_key".into()]);
        k.insert("evil/x;rm -rf ~", vec!["api_key".into()]);
        k.insert("evil/$(id)", vec!["api_key".into()]);
        k.insert("evil/ok", vec!["api_key".into(), "bad\nfield".into()]);
        k.folders.insert("team".into(), ["deploy".into()].into());
        k
    }

    fn offered(names: Names, current: &str) -> Vec<String> {
        offer(names, current, &|_, _| known(), &|| {
            ["github".into(), "google".into()].into()
        })
    }

    #[test]
    fn services_then_accounts_then_fields() {
        assert_eq!(offered(Names::Address, "gi"), ["github/", "gitlab/"]);
        assert_eq!(
            offered(Names::Address, "github/"),
            ["github/me", "github/work"]
        );
        assert_eq!(offered(Names::Address, "github/w"), ["github/work"]);
        assert_eq!(
            offered(Names::Address, "github/me/"),
            ["github/me/refresh_token", "github/me/token"]
        );
        assert_eq!(
            offered(Names::Address, "auth://aws/prod/s"),
            ["auth://aws/prod/secret"]
        );
        assert_eq!(offered(Names::Account, "github/me/"), Vec::<String>::new());
        assert_eq!(offered(Names::Service, "g"), ["github", "gitlab"]);
        assert_eq!(offered(Names::Service, "github/"), Vec::<String>::new());
        assert_eq!(offered(Names::Folder, "t"), ["team/"]);
        assert_eq!(offered(Names::Folder, "team/"), ["team/deploy"]);
        assert_eq!(offered(Names::Provider, "g"), ["github", "google"]);
        assert_eq!(offered(Names::Login, "go"), ["google/"]);
    }

    #[test]
    fn hostile_names_are_dropped() {
        assert_eq!(offered(Names::Address, "e"), ["evil/"]);
        assert_eq!(offered(Names::Address, "evil/"), ["evil/ok"]);
        assert_eq!(offered(Names::Address, "evil/ok/"), ["evil/ok/api_key"]);
    }

    /// Every argument that takes an address completes one, in every binary.
    #[test]
    fn every_address_argument_completes() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for a in cmd.get_arguments() {
                let value = a
                    .get_value_names()
                    .and_then(|v| v.first())
                    .map(|v| v.as_str());
                // pip's SERVICE (`sigil keyring`) is an index URL.
                if matches!(
                    value,
                    Some("ADDRESS" | "ADDR" | "REF" | "SRC" | "DST" | "SERVICE")
                ) && !path.ends_with("keyring")
                    && a.get::<ArgValueCompleter>().is_none()
                {
                    missing.push(format!("{path} {}", a.get_id()));
                }
            }
            for s in cmd.get_subcommands() {
                walk(s, &format!("{path} {}", s.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        for bin in super::super::commands() {
            let name = bin.get_name().to_owned();
            walk(&command(&name).unwrap(), &name, &mut missing);
        }
        assert!(missing.is_empty(), "{missing:?}");
        let get = command("sigil").unwrap();
        let get = get.find_subcommand("get").unwrap();
        assert!(
            get.get_arguments()
                .any(|a| a.get_id() == "address" && a.get::<ArgValueCompleter>().is_some())
        );
    }
}
