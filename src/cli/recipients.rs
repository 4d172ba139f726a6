//! `sigil recipients`: list, add and remove who a store folder's secrets are encrypted to, and
//! re-encrypt that folder (work: `crate::ops::recipients`).

use super::out;
use crate::model::error::Result;
use crate::ops::recipients::{self, Change, Folder, Op};
use clap::{Parser, Subcommand};

/// List, add and remove the recipients of a shared folder
#[derive(Debug, Parser)]
#[command(
    name = "sigil-recipients",
    version,
    about = "List, add and remove the recipients of a shared folder",
    long_about = "A folder of the store — the whole store, a service (team) or an account \
(team/deploy) — is encrypted to the public keys (age1…, ssh-ed25519, ssh-rsa) in the nearest .age-recipients at or above \
it. `add` and `rm` edit the folder's own file (creating it from the inherited recipients when it \
has none, so the rest of the store is not widened) and re-encrypt every secret it governs, one \
file atomically at a time. A deeper folder with its own .age-recipients is left alone. \
Removing someone does not take back what they already read: rotate those values (`rm` lists \
them). An edit is journaled: if it is interrupted, running it again (`rm` by name too) or any \
other sigil command finishes it and lists the values to rotate; `sigil status` and `sigil \
check` report it until then.",
    after_help = "Examples:\n  sigil recipients list team\n  sigil recipients add \"$(age-keygen -y alice.txt)\" team --name alice\n  sigil recipients add \"$(cat ~/.ssh/id_ed25519.pub)\" team\n  curl -s https://github.com/bob.keys | sigil recipients add --ssh-keys - team --name bob\n  sigil recipients rm alice team"
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
    /// Print the public keys a folder's secrets are encrypted to
    List {
        /// The folder: service or service/account (default: the whole store)
        #[arg(value_name = "PATH")]
        path: Option<String>,
        /// Print them as JSON
        #[arg(long)]
        json: bool,
    },
    /// Add an age or SSH public key to a folder and re-encrypt its secrets
    Add {
        /// The public key: age1…, or an SSH key line (ssh-ed25519 AAAA… comment, ssh-rsa …)
        #[arg(value_name = "KEY", required_unless_present = "ssh_keys")]
        key: Option<String>,
        /// The folder: service or service/account (default: the whole store)
        #[arg(value_name = "PATH")]
        path: Option<String>,
        /// A name for the key, kept as a `# name:` comment above it
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Add every SSH key in FILE, one per line, as `https://github.com/USER.keys` serves
        /// them (`-`: standard input); lines age cannot encrypt to are reported and skipped.
        /// Check the keys are the person's before sharing secrets with them
        #[arg(long, value_name = "FILE")]
        ssh_keys: Option<std::path::PathBuf>,
        /// Hand the new recipient secrets whose usage policy forbids copies (a run-only
        /// secret, say); recorded in the audit log
        #[arg(long)]
        force: bool,
    },
    /// Remove a key (or a named recipient) from a folder and re-encrypt its secrets
    Rm {
        /// The age public key, or the name given with --name
        #[arg(value_name = "KEY")]
        key: String,
        /// The folder: service or service/account (default: the whole store)
        #[arg(value_name = "PATH")]
        path: Option<String>,
    },
}

/// Runs `sigil recipients`.
pub fn run(args: Args) -> Result<()> {
    // An interrupted add or rm is left to this command, which reports it as its own result
    // when it is the same edit run again (`rm alice team` after alice left the file).
    let sigil = args.backend.open_leaving_recipients()?;
    let finished = recipients::finish(&sigil)?;
    match args.command {
        Command::List { path, json } => {
            let folder = Folder::parse(&sigil, path.as_deref())?;
            if let Some(c) = finished {
                eprint!("sigil-recipients: {}", recipients::healed_report(&c));
            }
            list(&sigil, &folder, json)
        }
        Command::Add {
            key,
            path,
            name,
            ssh_keys: Some(file),
            force,
        } => {
            // With --ssh-keys the one positional argument is the folder.
            let path = path.or(key);
            let folder = Folder::parse(&sigil, path.as_deref())?;
            if let Some(c) = finished {
                eprint!("sigil-recipients: {}", recipients::healed_report(&c));
            }
            add_key_list(&sigil, &folder, &file, name.as_deref(), force)
        }
        Command::Add {
            key,
            path,
            name,
            ssh_keys: None,
            force,
        } => {
            let key = key.unwrap_or_default();
            let folder = Folder::parse(&sigil, path.as_deref())?;
            if let Some(c) = same(finished, Op::Add, &folder, &key) {
                return report(&c);
            }
            let c = recipients::add(&sigil, &folder, &key, name.as_deref(), force)?;
            if !c.forced.is_empty() {
                let list: Vec<String> = c.forced.iter().map(|a| format!("'{a}'")).collect();
                eprintln!(
                    "warning: --force handed {} {} that a usage policy restricts; it can decrypt them without sigil, where no policy applies (recorded in the audit log)",
                    c.who(),
                    list.join(", ")
                );
            }
            report(&c)
        }
        Command::Rm { key, path } => {
            let folder = Folder::parse(&sigil, path.as_deref())?;
            if let Some(c) = same(finished, Op::Remove, &folder, &key) {
                return report(&c);
            }
            let c = recipients::remove(&sigil, &folder, &key)?;
            report(&c)
        }
    }
}

/// `add --ssh-keys FILE`: every key age can encrypt to, one edit each; what was skipped
/// and why on stderr first, so that a key left out is never silent.
fn add_key_list(
    sigil: &crate::Sigil,
    folder: &Folder,
    file: &std::path::Path,
    name: Option<&str>,
    force: bool,
) -> Result<()> {
    use crate::fsutil::{Input, read_capped_from, read_capped_string};
    use crate::model::error::Error;
    let shown = file.display().to_string();
    let text = if shown == "-" {
        read_capped_from(std::io::stdin().lock(), Input::Key).and_then(|b| {
            String::from_utf8(b)
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"))
        })
    } else {
        read_capped_string(file, Input::Key)
    }
    .map_err(|e| Error::reading(format!("cannot read the SSH keys in '{shown}'"), e))?;
    let (keys, skipped) = recipients::key_list(&text);
    for why in &skipped {
        eprintln!("warning: skipped {why}");
    }
    if keys.is_empty() {
        return Err(Error::UsageHelp {
            message: format!("'{shown}' holds no key age can encrypt to"),
            help: "age encrypts to ssh-ed25519 and ssh-rsa keys (and age1… keys); ecdsa and security keys (sk-…) need an age plugin".into(),
        });
    }
    for key in keys {
        let c = recipients::add(sigil, folder, &key, name, force)?;
        report(&c)?;
    }
    Ok(())
}

/// The edit just finished when it is the one asked for again; otherwise it is reported as
/// any command that finishes one reports it, and the one asked for runs.
fn same(finished: Option<Change>, op: Op, folder: &Folder, who: &str) -> Option<Change> {
    let c = finished?;
    if c.answers(op, folder, who) {
        return Some(c);
    }
    eprint!("sigil-recipients: {}", recipients::healed_report(&c));
    None
}

/// What an add or rm says: its summary on stderr, and for a removal the values to rotate on
/// stdout (after the warning on stderr).
fn report(c: &Change) -> Result<()> {
    for line in c.summary() {
        eprintln!("{line}");
    }
    if let Some((warning, list)) = c.to_rotate() {
        eprintln!("{warning}");
        out(list.as_bytes())?;
    }
    Ok(())
}

fn list(sigil: &crate::Sigil, folder: &Folder, json: bool) -> Result<()> {
    let l = recipients::list(sigil, folder)?;
    if json {
        let v = serde_json::json!({
            "folder": folder.name,
            "file": l.file.as_ref().map(|f| f.display().to_string()),
            "inherited": l.inherited,
            "recipients": l.recipients.iter().map(|r| serde_json::json!({
                "key": r.key,
                "name": r.name,
                "you": r.you,
            })).collect::<Vec<_>>(),
        });
        return out(format!("{v:#}\n").as_bytes());
    }
    match &l.file {
        Some(f) if l.inherited => eprintln!(
            "{} has no .age-recipients of its own; it inherits '{}':",
            folder.shown(),
            f.display()
        ),
        Some(f) => eprintln!("recipients of {} ('{}'):", folder.shown(), f.display()),
        None => eprintln!(
            "no .age-recipients applies to {}: its secrets are encrypted to your identity alone",
            folder.shown()
        ),
    }
    let text: String = l
        .recipients
        .iter()
        .map(|r| {
            let mut label: Vec<&str> = Vec::new();
            if let Some(n) = &r.name {
                label.push(n);
            }
            if r.you {
                label.push("(you)");
            }
            format!("{}  {}\n", r.key, label.join(" "))
                .trim_end()
                .to_owned()
                + "\n"
        })
        .collect();
    out(text.as_bytes())
}
