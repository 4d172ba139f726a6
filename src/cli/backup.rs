//! `sigil backup`: create, verify and restore encrypted, portable backups (one age file; the
//! format is in `docs/backup-format.md`, the work in `crate::ops::backup`).

use super::out;
use crate::model::error::{Error, Result};
use crate::ops::backup::{self, Encryption, Key, Manifest, OnConflict};
use clap::{Parser, Subcommand};
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Create, verify and restore encrypted backups of every secret
#[derive(Debug, Parser)]
#[command(
    name = "sigil-backup",
    version,
    about = "Create, verify and restore encrypted backups of every secret",
    long_about = "A backup is one standard age file holding a compressed tar archive: every \
secret from every backend, accounts.toml, config.toml and a manifest with a SHA-256 of each \
entry. It is encrypted to the store's recipients (or --recipient / --passphrase), so it can be \
restored on another machine, onto any backend, or opened with the age CLI alone. The identity \
itself is not in the backup: keep it (or the passphrase) somewhere else.",
    after_help = "Examples:\n  sigil backup create -o sigil.backup.age\n  sigil backup create --passphrase -o - > /media/usb/sigil.age\n  sigil backup verify sigil.backup.age\n  sigil backup restore sigil.backup.age --dry-run\n  age -d -i identity.txt sigil.backup.age | tar -tzf -"
)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a backup of every secret, the metadata and the config
    Create {
        /// Where to write it (`-` for stdout; default: `sigil-backup-DATE.age` here)
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Encrypt to this age public key instead of the store's recipients (repeatable)
        #[arg(long = "recipient", short = 'r', value_name = "KEY")]
        recipients: Vec<String>,
        /// Encrypt to the public keys listed in this file
        #[arg(long = "recipients-file", short = 'R', value_name = "FILE")]
        recipients_file: Vec<PathBuf>,
        /// Encrypt with a passphrase (asked twice on a terminal, else read from stdin)
        #[arg(long, conflicts_with_all = ["recipients", "recipients_file"])]
        passphrase: bool,
        /// Write into a directory that others can read
        #[arg(long)]
        force: bool,
    },
    /// Check a backup from end to end and say what it holds
    Verify {
        /// The backup file
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Open it with a passphrase (detected by itself; asked on a terminal, else stdin)
        #[arg(long)]
        passphrase: bool,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Restore a backup into this sigil, all or nothing
    Restore {
        /// The backup file
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Print what would be restored and change nothing
        #[arg(long)]
        dry_run: bool,
        /// What to do with secrets that already exist
        #[arg(long, value_enum, default_value_t = OnConflict::Fail, value_name = "POLICY")]
        on_conflict: OnConflict,
        /// Open it with a passphrase (detected by itself; asked on a terminal, else stdin)
        #[arg(long)]
        passphrase: bool,
        /// With --dry-run, print the plan as JSON
        #[arg(long, requires = "dry_run")]
        json: bool,
        /// Also replace config.toml with the backup's (its changes are shown first); without
        /// it, config.toml is never touched
        #[arg(long)]
        with_config: bool,
    },
}

/// Runs `sigil backup`.
pub fn run(args: Args) -> Result<()> {
    let event = match &args.command {
        Command::Create { .. } => "backup.create",
        Command::Verify { .. } => "backup.verify",
        Command::Restore { .. } => "backup.restore",
    };
    let backend = args.backend.clone();
    let result = run_checked(args);
    // Recorded here, once, whatever the outcome: a damaged or altered backup is a refusal.
    if let Ok(sigil) = backend.open() {
        crate::audit::record(&sigil, event, &[], &result);
    }
    result
}

fn run_checked(args: Args) -> Result<()> {
    // The store's advice for a damaged file is to restore it "from a backup": for a backup
    // that is the wrong advice, so a damaged one gets its own (same exit code, 5).
    run_command(args).map_err(|e| match e {
        Error::Store(crate::store::StoreError::Damaged { .. }) => Error::Refused {
            message: e.to_string(),
            help: Some(
                "this copy cannot be trusted and nothing was restored; use another copy of the backup"
                    .into(),
            ),
        },
        e => e,
    })
}

fn run_command(args: Args) -> Result<()> {
    let sigil = args.backend.open()?;
    match args.command {
        Command::Create {
            output,
            recipients,
            recipients_file,
            passphrase,
            force,
        } => create(
            &sigil,
            output,
            &recipients,
            &recipients_file,
            passphrase,
            force,
        ),
        Command::Verify {
            file,
            passphrase,
            json,
        } => verify(&sigil, &file, passphrase, json),
        Command::Restore {
            file,
            dry_run,
            on_conflict,
            passphrase,
            json,
            with_config,
        } => restore(
            &sigil,
            &file,
            Restore {
                dry_run,
                on_conflict,
                passphrase,
                json,
                with_config,
            },
        ),
    }
}

/// `sigil backup create`.
fn create(
    sigil: &crate::Sigil,
    output: Option<PathBuf>,
    recipients: &[String],
    recipients_file: &[PathBuf],
    passphrase: bool,
    force: bool,
) -> Result<()> {
    let encryption = if passphrase {
        Encryption::Passphrase(super::keys::new_passphrase("passphrase for the backup: ")?)
    } else if !recipients.is_empty() || !recipients_file.is_empty() {
        Encryption::Recipients(super::keys::given_recipients(recipients, recipients_file)?)
    } else {
        Encryption::Recipients(backup::default_recipients(sigil)?)
    };
    let output = output.unwrap_or_else(|| {
        let date = time::OffsetDateTime::now_utc().date();
        PathBuf::from(format!("sigil-backup-{date}.age"))
    });
    let mut bar = Progress::new("backing up");
    let manifest = if output.as_os_str() == "-" {
        if super::stdout_is_tty() {
            return Err(Error::UsageHelp {
                message: "refusing to write a backup to a terminal".into(),
                help: "redirect stdout to a file, or use -o FILE".into(),
            });
        }
        let stdout = io::stdout().lock();
        backup::create(
            sigil,
            io::BufWriter::new(stdout),
            encryption,
            &mut |d, t| bar.tick(d, t),
        )?
    } else {
        backup::create_file(sigil, &output, force, encryption, &mut |d, t| {
            bar.tick(d, t)
        })?
    };
    bar.finish();
    let where_ = if output.as_os_str() == "-" {
        "stdout".to_owned()
    } else {
        format!("'{}'", output.display())
    };
    eprintln!(
        "backed up {} secret{} of {} account{} to {where_}",
        manifest.secrets,
        plural(manifest.secrets),
        manifest.accounts,
        plural(manifest.accounts)
    );
    Ok(())
}

/// `sigil backup verify`.
fn verify(sigil: &crate::Sigil, file: &Path, passphrase: bool, json: bool) -> Result<()> {
    let key = key_for(sigil, file, passphrase)?;
    let m = backup::verify(file, &key.as_key())?;
    if json {
        let v = serde_json::json!({
            "file": file.display().to_string(),
            "ok": true,
            "format": m.format,
            "version": m.version,
            "sigil_version": m.sigil_version,
            "created": rfc3339(&m),
            "accounts": m.accounts,
            "secrets": m.secrets,
            "backends": m.backends,
            "passphrase": key.is_passphrase(),
        });
        return out(format!("{v:#}\n").as_bytes());
    }
    out(report(file, &m, key.is_passphrase()).as_bytes())
}

/// The options of `sigil backup restore`.
struct Restore {
    dry_run: bool,
    on_conflict: OnConflict,
    passphrase: bool,
    json: bool,
    with_config: bool,
}

/// `sigil backup restore`.
fn restore(sigil: &crate::Sigil, file: &Path, opts: Restore) -> Result<()> {
    let Restore {
        dry_run,
        on_conflict,
        passphrase,
        json,
        with_config,
    } = opts;
    let key = key_for(sigil, file, passphrase)?;
    let policy = on_conflict;
    // Opening the store undid an interrupted restore already, unless another
    // command held the lock then; this waits for it.
    if !dry_run && backup::recover(sigil)? {
        eprintln!("sigil-backup: {}", backup::HEALED);
    }
    let mut bar = Progress::new("restoring");
    let plan = backup::restore(
        sigil,
        file,
        &key.as_key(),
        policy,
        with_config,
        dry_run,
        &mut |d, t| bar.tick(d, t),
    )?;
    bar.finish();
    config_note(&plan, with_config, dry_run);
    let backend = super::backend_phrase(plan.backend);
    if dry_run {
        return print_dry_run(&plan, policy, json, backend);
    }
    let written = plan.new.len()
        + if policy == OnConflict::Overwrite {
            plan.conflicts.len()
        } else {
            0
        };
    let mut msg = format!(
        "restored {written} secret{} from '{}'",
        plural(written),
        file.display()
    );
    if policy == OnConflict::Skip && !plan.conflicts.is_empty() {
        msg.push_str(&format!(", kept {} existing", plan.conflicts.len()));
    }
    if plan.config {
        msg.push_str(", and config.toml");
    }
    eprintln!("{msg}");
    Ok(())
}

/// What a dry run of `restore` would do: a row per entry on stdout, a summary on stderr.
fn print_dry_run(plan: &backup::Plan, policy: OnConflict, json: bool, backend: &str) -> Result<()> {
    let verb = match policy {
        OnConflict::Fail => "conflict",
        OnConflict::Skip => "skip",
        OnConflict::Overwrite => "overwrite",
    };
    let mut rows: Vec<(&str, String)> = plan
        .new
        .iter()
        .map(|a| ("restore", a.to_string()))
        .collect();
    rows.extend(plan.conflicts.iter().map(|a| (verb, a.to_string())));
    if plan.config {
        rows.push(("restore", "config.toml".to_owned()));
    }
    if json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|(action, what)| serde_json::json!({"action": action, "entry": what}))
            .collect();
        out(format!("{:#}\n", serde_json::Value::Array(v)).as_bytes())?;
    } else {
        let text: String = rows
            .iter()
            .map(|(action, what)| format!("{action:<10} {what}\n"))
            .collect();
        out(text.as_bytes())?;
    }
    eprintln!(
        "dry run: {} new secret{} would go to {backend}, {} already exist{}; nothing was changed",
        plan.new.len(),
        plural(plan.new.len()),
        plan.conflicts.len(),
        if plan.conflicts.len() == 1 { "s" } else { "" }
    );
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn rfc3339(m: &Manifest) -> String {
    m.created
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The human report of `verify`.
fn report(file: &Path, m: &Manifest, passphrase: bool) -> String {
    let backends: Vec<String> = m.backends.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let backends = if backends.is_empty() {
        String::new()
    } else {
        format!(" ({})", backends.join(", "))
    };
    format!(
        "'{}' is intact\nformat:     {} {}\ncreated:    {} by sigil {}\naccounts:   {}\nsecrets:    {}{backends}\nencryption: {}\n",
        file.display(),
        m.format,
        m.version,
        rfc3339(m),
        m.sigil_version,
        m.accounts,
        m.secrets,
        if passphrase {
            "passphrase"
        } else {
            "recipients"
        }
    )
}

/// A key the CLI owns (an identity is borrowed from the store).
enum OwnedKey<'a> {
    Identity(&'a crate::identity::Identity),
    Passphrase(Zeroizing<String>),
}

impl OwnedKey<'_> {
    fn as_key(&self) -> Key<'_> {
        match self {
            OwnedKey::Identity(id) => Key::Identity(id),
            OwnedKey::Passphrase(p) => Key::Passphrase(p.clone()),
        }
    }

    fn is_passphrase(&self) -> bool {
        matches!(self, OwnedKey::Passphrase(_))
    }
}

/// The key to open `file`: a passphrase when the file is a passphrase file (detected from
/// its header, so the user need not remember how it was made), else the identity.
fn key_for<'a>(sigil: &'a crate::Sigil, file: &Path, passphrase: bool) -> Result<OwnedKey<'a>> {
    if passphrase || backup::is_passphrase_protected(file)? {
        return Ok(OwnedKey::Passphrase(super::keys::read_passphrase(
            "passphrase of the backup: ",
        )?));
    }
    Ok(OwnedKey::Identity(sigil.file_store().identity()?))
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    what: &'static str,
}

impl Progress {
    fn new(what: &'static str) -> Progress {
        Progress { bar: None, what }
    }

    fn tick(&mut self, done: u64, total: u64) {
        if self.bar.is_none() && io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total),
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} secrets ({eta})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(self.what);
            self.bar = Some(bar);
        }
        if let Some(b) = &self.bar {
            b.set_position(done);
        }
    }

    fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// What the backup's config.toml would change, on stderr: the changes themselves when
/// `--with-config` was given, else that it was left alone and how to take it.
fn config_note(plan: &backup::Plan, with_config: bool, dry_run: bool) {
    if plan.config_changes.is_empty() {
        return;
    }
    if !with_config {
        eprintln!(
            "config.toml: the backup's differs from yours and was left alone; \
             `--with-config --dry-run` shows the change, `--with-config` makes it"
        );
        return;
    }
    let verb = if dry_run { "would change" } else { "changes" };
    eprintln!("config.toml {verb}:");
    for line in &plan.config_changes {
        eprintln!("  {}", crate::model::shown::line(line));
    }
}
