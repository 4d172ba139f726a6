//! `sigil rm`: delete a secret, an account, or everything.

use super::{confirm, stdin_is_tty};
use crate::model::error::{Error, Result};
use clap::Parser;

/// Delete secrets and their metadata
#[derive(Debug, Parser)]
#[command(
    name = "sigil-rm",
    version,
    about = "Delete secrets and their metadata",
    long_about = "Delete a secret (service/account/field), a whole account (service/account), \
or with --all every secret and all metadata. Asks first on a terminal; otherwise --yes is \
required.",
    after_help = "Examples:\n  sigil rm github/me\n  sigil rm openai/work/api_key --yes\n  sigil rm --all --yes"
)]
pub struct Args {
    /// The credential: service/account[/field]
    #[arg(
        value_name = "ADDRESS",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub address: Option<String>,
    /// Delete every secret and all metadata
    #[arg(long)]
    pub all: bool,
    /// With --all, also delete the identity wherever it is kept (file, OS keyring, passphrase
    /// file, unlocked copy, old identities) and every other file of sigil's: nothing stored
    /// before can be read again
    #[arg(long)]
    pub purge_identity: bool,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

fn confirmed(yes: bool, question: &str, what: &str) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !stdin_is_tty() {
        return Err(Error::Unconfirmed {
            what: what.to_owned(),
        });
    }
    if confirm(question)? {
        Ok(())
    } else {
        Err(Error::other("nothing deleted", None))
    }
}

/// Runs `sigil rm`.
pub fn run(args: Args) -> Result<()> {
    if args.purge_identity && !args.all {
        return Err(Error::Usage("--purge-identity only goes with --all".into()));
    }
    let sigil = args.backend.open()?;
    if args.all {
        confirmed(
            args.yes,
            "delete every secret and all metadata?",
            "every secret",
        )?;
        let n = sigil.delete_all();
        crate::audit::record(&sigil, "rm", &["--all".to_owned()], &n);
        let n = n?;
        eprintln!("deleted {n} secret(s) and all metadata");
        if args.purge_identity {
            let purged = crate::ops::purge::purge(sigil.paths())?;
            for what in &purged.gone {
                eprintln!("purged {what}");
            }
            for f in &purged.left {
                eprintln!("left '{}': sigil did not make it", f.display());
            }
        }
        return Ok(());
    }
    let addr = super::address(args.address.as_deref().expect("clap requires it"))?;
    let fields = sigil.fields_of(&addr)?;
    let has_meta = sigil
        .list(Some(addr.service()))?
        .iter()
        .any(|a| a.address.account() == addr.account());
    if fields.is_empty() && !(has_meta && addr.field().is_none()) {
        return Err(Error::NotFound {
            message: format!("'{addr}' not found"),
            help: Some("`sigil list` shows what is stored".into()),
        });
    }
    let names: Vec<String> = fields.iter().map(|(f, _)| f.field().to_owned()).collect();
    let question = if addr.field().is_some() {
        format!("delete '{addr}'?")
    } else {
        format!("delete '{addr}' ({})?", names.join(", "))
    };
    confirmed(args.yes, &question, &format!("'{addr}'"))?;
    let deleted = sigil.delete(&addr)?;
    for d in &deleted {
        eprintln!("deleted '{d}'");
    }
    if deleted.is_empty() {
        eprintln!("deleted the metadata of '{addr}'");
    }
    Ok(())
}
