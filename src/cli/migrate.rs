//! `sigil migrate`: move plaintext credentials into the store (with a plan, a dry run and a
//! journal), scan for them, list migrations and roll one back.

use crate::model::error::{Error, Result};
use crate::ops::migrate::{self, Action, OnConflict, Options, Plan};
use clap::Parser;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Move plaintext credentials into the store; undo it byte for byte
#[derive(Debug, Parser)]
#[command(
    name = "sigil-migrate",
    version,
    about = "Move plaintext credentials into the store; undo it byte for byte",
    long_about = "Moves credentials out of plaintext files into the store and rewrites the files.

Sources (the format is taken from the file name):
  dotenv (.env, *.env, anything else)  variables named like credentials (*_KEY, *_TOKEN,
      *_SECRET, *_PASSWORD, *_PASS, *_PWD, *_CREDENTIALS, *_AUTH; --all takes every value)
      become auth:// references, so `sigil run --env-file F` still hands the program the
      value; quoting, `export `, comments and blank lines are kept; values that already are
      references are left.
  ~/.netrc, ~/.git-credentials  entries are removed and stored as <host>/<login> (a known
      host maps to its service, github.com → github) in the default api_key field, where
      git-credential-sigil finds them: run `git config --global credential.helper sigil`.
  gh's hosts.yml  oauth_token lines are removed and stored as github/<user>/token; gh then
      gets it through GH_TOKEN: `GH_TOKEN=auth://github/<user> sigil run -- gh …`.
  *.json, *.toml  string values of credential-like keys (*api_key, *apikey, *token, *secret,
      *password, *passwd, *private_key, *access_key) become auth:// references; render the
      file with `sigil resolve -i`.
  ~/.aws/credentials  each profile's aws_access_key_id, aws_secret_access_key and
      aws_session_token move to aws/<profile>, and their lines give way to one line
      `credential_process = sigil aws credential-process aws/<profile>`, which the AWS CLI and
      SDKs run; the file is read as botocore reads it, and a profile is taken whole or not at
      all.
  Other password managers (imported; their store or export is never changed):
      a pass or gopass store (a folder with .gpg-id; decrypted by your gpg), a passage store
      (~/.passage/store with ~/.passage/identities or $PASSAGE_IDENTITIES_FILE), a Bitwarden
      JSON export (unencrypted), a KeePassXC or 1Password CSV export, a 1Password .1pux.
      pass web/github.com/alice → github.com/alice: its first line the password field, `key:
      value` lines fields (login/user → username), an otpauth:// line the totp field, other
      lines the notes field; an export's item → <title>/<username or default> with password,
      username, totp, notes and custom fields. URLs and folders go to the metadata note. Two
      entries on one address: the later gets <account>-2. Undo removes what was imported.

Names: a dotenv variable goes to <prefix>/<dir>/<suffix>: OPENAI_API_KEY in app/.env →
openai/app/api_key, GITHUB_TOKEN → github/app/token, a name with no known suffix (with --all)
→ <name>/<dir>/api_key. --account replaces <dir>, --prefix P makes the service P-<service>,
--service S puts every variable at S/<dir>/<name>. A JSON/TOML key goes to
<file stem, or its directory for config/settings/credentials>/default/<key>.

Safety: --dry-run prints the plan and changes nothing. An apply writes a journal and an
encrypted copy of every source under <home>/migrations/<id>/ first, stores each credential and
reads it back, then rewrites the sources atomically with their mode and owner. Any failure
undoes everything; a killed migration is undone by the next sigil command. Conflicts with
stored credentials follow --on-conflict (checked before anything is written).",
    after_help = "Examples:
  sigil migrate --scan ~/src
  sigil migrate --dry-run app/.env ~/.netrc
  sigil migrate app/.env ~/.netrc ~/.git-credentials
  sigil migrate --list
  sigil migrate --rollback"
)]
pub struct Args {
    /// Files to migrate (or, with --scan, files and directories to search)
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<PathBuf>,
    /// Print the plan and change nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Report plaintext credentials in the known locations and SOURCEs, masked; change nothing
    #[arg(long, conflicts_with_all = ["dry_run", "rollback", "list"])]
    pub scan: bool,
    /// Show the migrations
    #[arg(long, conflicts_with_all = ["rollback", "dry_run"])]
    pub list: bool,
    /// Undo a migration (the latest by default)
    #[arg(long, value_name = "ID", num_args = 0..=1, default_missing_value = "")]
    pub rollback: Option<String>,
    /// With --rollback: restore sources changed since the migration (the current version is
    /// kept beside as NAME.sigil-ID), leaving credentials changed since as they are
    #[arg(long, requires = "rollback")]
    pub force: bool,
    /// Take every dotenv value, not only credential-looking names
    #[arg(long)]
    pub all: bool,
    /// Names/keys to take instead of the defaults (a glob, `*` wildcards; repeatable)
    #[arg(long = "key-pattern", value_name = "GLOB")]
    pub key_patterns: Vec<String>,
    /// Prefix for derived services (PREFIX-SERVICE)
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,
    /// One service for every dotenv/JSON/TOML entry
    #[arg(long, value_name = "SERVICE")]
    pub service: Option<String>,
    /// The account instead of the source's directory name
    #[arg(long, value_name = "ACCOUNT")]
    pub account: Option<String>,
    /// When an address already holds a different value (skip leaves that entry in its source,
    /// in plaintext; overwrite keeps the old value for --rollback)
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = OnConflict::Fail)]
    pub on_conflict: OnConflict,
    /// Store into this backend (as --backend)
    #[arg(long, value_name = "BACKEND")]
    pub to: Option<String>,
    /// Move every credential of this backend (file, keyring or vault) to --to
    #[arg(long, value_name = "BACKEND", requires = "to")]
    pub from_backend: Option<String>,
    /// Print records as JSON
    #[arg(long)]
    pub json: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `sigil migrate`.
pub fn run(args: Args) -> Result<()> {
    let opts = Options {
        all: args.all,
        prefix: args.prefix.clone(),
        service: args.service.clone(),
        account: args.account.clone(),
        key_patterns: args.key_patterns.clone(),
        on_conflict: args.on_conflict,
        ..Options::default()
    };
    if args.scan {
        return scan(&args, &opts);
    }
    // A backend move reads and writes both backends itself; a source migration stores into --to.
    let backend = match args.from_backend {
        Some(_) => args.backend.backend.as_deref(),
        None => args.to.as_deref().or(args.backend.backend.as_deref()),
    };
    let sigil = crate::Sigil::builder().backend(backend).open()?;
    // The open above already healed an interrupted migration; say so here too when it
    // could not (one running elsewhere finishes or is healed by the next command).
    if args.list {
        return list(&sigil, args.json);
    }
    if let Some(id) = &args.rollback {
        return rollback(&sigil, id, args.force);
    }
    if let (Some(from), Some(to)) = (&args.from_backend, &args.to) {
        return move_backend(&sigil, from, to, &args);
    }
    migrate_sources(&sigil, &args, &opts)
}

/// `--rollback [ID]`: undoes a migration from its journal.
fn rollback(sigil: &crate::Sigil, id: &str, force: bool) -> Result<()> {
    let id = (!id.is_empty()).then_some(id);
    let j = migrate::rollback(sigil, id, force);
    let addrs = match &j {
        Ok(j) => j.secrets.iter().map(|s| s.address.clone()).collect(),
        Err(_) => vec![],
    };
    crate::audit::record(sigil, "rollback", &addrs, &j);
    let j = j?;
    eprintln!(
        "rolled back migration '{}': {} source(s) restored, {} credential(s) removed or restored",
        j.id,
        j.sources.len(),
        j.secrets.len() + j.moved.len()
    );
    Ok(())
}

/// `--from-backend A --to B`: moves stored credentials between backends.
fn move_backend(sigil: &crate::Sigil, from: &str, to: &str, args: &Args) -> Result<()> {
    if !args.sources.is_empty() {
        return Err(Error::Usage(
            "--from-backend moves stored credentials; it takes no SOURCE".into(),
        ));
    }
    let addrs = migrate::plan_move(sigil, from, to)?;
    let rows: Vec<Vec<String>> = addrs
        .iter()
        .map(|a| vec![a.to_string(), format!("{from} → {to}")])
        .collect();
    let text = super::table(&["ADDRESS", "MOVE"], &rows);
    if args.dry_run {
        super::out(text.as_bytes())?;
        eprintln!("dry run: nothing was changed");
        return Ok(());
    }
    eprint!("{text}");
    let applied = migrate::move_backend(sigil, from, to);
    let shown: Vec<String> = addrs.iter().map(|a| a.to_string()).collect();
    crate::audit::record(sigil, "migrate", &shown, &applied);
    let applied = applied?;
    eprintln!(
        "migration '{}': {} credential(s) moved from {from} to {to}; undo with `sigil migrate --rollback {}`",
        applied.id, applied.stored, applied.id
    );
    Ok(())
}

/// Migrates the named sources: plan, show, apply, and say what changed.
fn migrate_sources(sigil: &crate::Sigil, args: &Args, opts: &Options) -> Result<()> {
    if args.sources.is_empty() {
        return Err(Error::UsageHelp {
            message: "no source given".into(),
            help: "name the files to migrate, or use --scan, --list or --rollback".into(),
        });
    }
    let plan = migrate::plan(sigil, &args.sources, opts)?;
    let text = render_plan(&plan);
    for s in &plan.sources {
        for note in &s.notes {
            eprintln!("note: {}: {note}", shown(&s.path));
        }
        for (line, name) in &s.expanded {
            eprintln!(
                "note: '{name}' ('{}:{line}') is built by ${{…}} expansion and stays as it is",
                s.path.display()
            );
        }
    }
    if args.dry_run {
        super::out(text.as_bytes())?;
        if let Some((s, i)) = plan.conflicts().first() {
            eprintln!(
                "note: '{}' ('{}:{}') conflicts; the migration would fail under --on-conflict fail",
                i.address,
                s.path.display(),
                i.line
            );
        }
        eprintln!("dry run: nothing was changed");
        return Ok(());
    }
    eprint!("{text}");
    if !plan.items().any(|(_, i)| i.taken()) && plan.conflicts().is_empty() {
        eprintln!("nothing to migrate; nothing was changed");
        return Ok(());
    }
    let total = plan
        .items()
        .filter(|(_, i)| matches!(i.action, Action::Store | Action::Overwrite))
        .count();
    // A bar only for a migration long enough to wait for, and only for a person watching.
    let bar = (total >= 200 && std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .then(|| indicatif::ProgressBar::new(total as u64));
    let applied = migrate::apply_with(sigil, &plan, &mut |n| {
        if let Some(b) = &bar {
            b.set_position(n as u64);
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let shown: Vec<String> = plan
        .items()
        .filter(|(_, i)| i.taken())
        .map(|(_, i)| i.address.to_string())
        .collect();
    crate::audit::record(sigil, "migrate", &shown, &applied);
    let applied = applied?;
    eprint!("{}", summary(&plan));
    let imported = plan
        .sources
        .iter()
        .filter(|s| s.format.read_only() && s.items.iter().any(migrate::Item::taken))
        .count();
    let imported = if imported > 0 {
        format!(
            ", imported from {imported} password manager store(s) or export(s) left as they are"
        )
    } else {
        String::new()
    };
    eprintln!(
        "migration '{}': {} credential(s) stored, {} source(s) rewritten{imported}; undo with `sigil migrate --rollback {}`",
        applied.id, applied.stored, applied.sources, applied.id
    );
    after_migration(&plan);
    Ok(())
}

/// What to do with another password manager's export once it is imported: it is a
/// plaintext file of every password, which sigil leaves for the user to delete (it never
/// deletes or changes a source it only imports from, and a shred is no promise on a
/// journaling or copy-on-write file system or an SSD).
fn after_import(plan: &migrate::Plan) {
    for s in &plan.sources {
        if s.format.is_export() && s.items.iter().any(migrate::Item::taken) {
            eprintln!(
                "'{}' still holds every password of the {} in plaintext: once you have checked \
                 the import (`sigil list`), delete it (and empty the trash); sigil leaves it as it is",
                shown(&s.path),
                s.format.label()
            );
        }
    }
}

/// What the tools whose files were migrated need from now on.
fn after_migration(plan: &migrate::Plan) {
    after_import(plan);
    if plan.sources.iter().any(|s| {
        matches!(
            s.format,
            migrate::Format::Netrc | migrate::Format::GitCredentials
        ) && s.items.iter().any(migrate::Item::taken)
    }) {
        eprintln!(
            "git now needs sigil for these hosts: run `git config --global credential.helper sigil`"
        );
    }
    if plan
        .sources
        .iter()
        .any(|s| s.format == migrate::Format::Aws && s.items.iter().any(migrate::Item::taken))
    {
        eprintln!(
            "the AWS CLI and SDKs now run `sigil aws credential-process` for these profiles: keep \
             sigil on their PATH"
        );
    }
    // gh no longer finds its token in hosts.yml; it reads GH_TOKEN first, which `sigil run`
    // resolves from a reference.
    let gh: std::collections::BTreeSet<String> = plan
        .sources
        .iter()
        .filter(|s| s.format == migrate::Format::GhHosts)
        .flat_map(|s| s.items.iter().filter(|i| i.taken()))
        .map(|i| i.address.account_key())
        .collect();
    for account in gh {
        eprintln!(
            "gh now takes its token from sigil: run it as `GH_TOKEN=auth://{account} sigil run -- gh …` \
             (or alias gh to that)"
        );
    }
}

/// The plan as people read it: one line per entry, values masked.
pub fn render_plan(plan: &Plan) -> String {
    let mut rows = Vec::new();
    for (s, i) in plan.items() {
        let action = match i.action {
            Action::Store => "store",
            Action::Same => "already stored",
            Action::Overwrite => "overwrite",
            Action::Skip => "skip (conflict)",
            Action::Conflict => "CONFLICT",
        };
        rows.push(vec![
            if i.line == 0 {
                shown(&s.path)
            } else {
                format!("{}:{}", shown(&s.path), i.line)
            },
            i.name.clone(),
            // A password manager's values are passwords and recovery codes, whose first
            // characters are no kind of token: none of them is shown.
            if s.format.read_only() {
                "…".to_owned()
            } else {
                migrate::mask(i.value.expose())
            },
            format!("→ {}", i.address),
            action.to_owned(),
        ]);
    }
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("no credentials found\n");
        return out;
    }
    out.push_str(&super::table(
        &["SOURCE", "NAME", "VALUE", "ADDRESS", "ACTION"],
        &rows,
    ));
    for s in &plan.sources {
        let n = s.items.iter().filter(|i| i.taken()).count();
        if n > 0 {
            let _ = writeln!(
                out,
                "{}: {n} entr{} — {}",
                shown(&s.path),
                if n == 1 { "y" } else { "ies" },
                s.format.effect()
            );
        }
    }
    out
}

fn scan(args: &Args, opts: &Options) -> Result<()> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let mut paths: Vec<PathBuf> = home
        .as_deref()
        .map(migrate::known_locations)
        .unwrap_or_default();
    paths.extend(args.sources.iter().cloned());
    let scan = migrate::scan(&paths, opts);
    if args.json {
        let text = serde_json::to_string_pretty(&scan).expect("findings serialize");
        return super::out(format!("{text}\n").as_bytes());
    }
    let found = &scan.found;
    if !found.is_empty() {
        let rows: Vec<Vec<String>> = found
            .iter()
            .map(|f| {
                vec![
                    format!("{}:{}", shown(&f.path), f.line),
                    f.name.clone(),
                    f.masked.clone(),
                    format!("→ {}", f.address),
                ]
            })
            .collect();
        super::out(super::table(&["SOURCE", "NAME", "VALUE", "ADDRESS"], &rows).as_bytes())?;
    }
    // What could not be read is said, or "nothing found" would be said of files never read.
    for u in &scan.unread {
        let (what, how) = if u.read_by_line {
            ("read", " string by string")
        } else {
            ("skipped", "")
        };
        eprintln!(
            "{what} '{}'{how} ({})",
            shown(&u.path),
            crate::model::shown::line(&u.reason)
        );
    }
    if found.is_empty() {
        eprintln!("no plaintext credentials found");
    } else {
        eprintln!(
            "{} plaintext credential(s) found; `sigil migrate --dry-run FILE…` shows the plan",
            found.len()
        );
    }
    Ok(())
}

fn list(sigil: &crate::Sigil, json: bool) -> Result<()> {
    let all = migrate::list(sigil)?;
    if json {
        let text = serde_json::to_string_pretty(&all).expect("journals serialize");
        return super::out(format!("{text}\n").as_bytes());
    }
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|j| {
            let state = match j.state {
                migrate::State::Applying => "unfinished",
                migrate::State::Done => "done",
                migrate::State::RolledBack => "rolled back",
                migrate::State::Failed => "failed (undone)",
            };
            vec![
                j.id.clone(),
                state.to_owned(),
                j.secrets.len().to_string(),
                match &j.backends {
                    Some([from, to]) => format!("backend {from} → {to}"),
                    None => j
                        .sources
                        .iter()
                        .map(|s| &s.path)
                        .chain(&j.imported)
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                },
            ]
        })
        .collect();
    super::out(super::table(&["ID", "STATE", "SECRETS", "SOURCES"], &rows).as_bytes())
}

/// A path as the user most likely typed it: relative to the working directory when inside it.
fn shown(path: &std::path::Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(|p| p.display().to_string()))
        .unwrap_or_else(|| path.display().to_string())
}

/// The table after an apply: per source, what was moved and what was left.
fn summary(plan: &Plan) -> String {
    let rows: Vec<Vec<String>> = plan
        .sources
        .iter()
        .map(|s| {
            let moved = s
                .items
                .iter()
                .filter(|i| matches!(i.action, Action::Store | Action::Overwrite | Action::Same))
                .count();
            let left = s.items.iter().filter(|i| i.action == Action::Skip).count();
            let result = if moved > 0 {
                s.format.effect()
            } else {
                "unchanged"
            };
            vec![
                shown(&s.path),
                moved.to_string(),
                left.to_string(),
                result.to_owned(),
            ]
        })
        .collect();
    super::table(&["SOURCE", "MOVED", "LEFT", "RESULT"], &rows)
}
