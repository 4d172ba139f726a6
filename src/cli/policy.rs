//! `sigil policy`: set, show and clear per-credential usage policies.

use super::out;
use crate::model::error::{Error, Result};
use crate::model::policy::{Policy, Use};
use crate::model::when;
use crate::ops::policy;
use clap::{Parser, Subcommand};
use std::collections::BTreeSet;

/// Set, show and clear per-credential usage policies
#[derive(Debug, Parser)]
#[command(
    name = "sigil-policy",
    version,
    about = "Set, show and clear per-credential usage policies",
    long_about = "Set, show and clear an account's usage policy: when it may be handed out \
(--not-before, --not-after), how often (--max-uses, counted across processes), and by which \
commands (--allow). A use outside the policy exits 5 with a message naming the rule, and is \
recorded in the audit log. `--allow run` lets `sigil run` inject a secret into a program's \
environment while `sigil get` refuses to print it. A program using the library counts as get.",
    after_help = "Examples:\n  sigil policy set deploy/ci --allow run --not-after 2026-12-31\n  sigil policy set vendor/key --max-uses 10\n  sigil policy show deploy/ci\n  sigil policy clear deploy/ci"
)]
pub struct Args {
    /// What to do
    #[command(subcommand)]
    pub action: Action,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// `sigil policy` actions.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Set rules on an account (rules not given are kept)
    Set {
        /// The account: service/account
        #[arg(value_name = "ADDR")]
        address: String,
        /// Refuse before WHEN (2026-12-31, an RFC 3339 time, or a duration from now)
        #[arg(long, value_name = "WHEN")]
        not_before: Option<String>,
        /// Refuse after WHEN
        #[arg(long, value_name = "WHEN")]
        not_after: Option<String>,
        /// Hand it out at most N times (setting it starts a new count)
        #[arg(long, value_name = "N")]
        max_uses: Option<u64>,
        /// Only these commands may hand it out: get, resolve, run, env, git, docker, aws,
        /// kubectl, netrc, cargo, pip, askpass, clip (comma-separated)
        #[arg(long, value_name = "USES", value_delimiter = ',')]
        allow: Option<Vec<String>>,
    },
    /// Print an account's policy
    Show {
        /// The account: service/account
        #[arg(value_name = "ADDR")]
        address: String,
        /// Print a JSON object
        #[arg(long)]
        json: bool,
    },
    /// Remove an account's policy
    Clear {
        /// The account: service/account
        #[arg(value_name = "ADDR")]
        address: String,
    },
}

/// Runs `sigil policy`.
pub fn run(args: Args) -> Result<()> {
    let sigil = args.backend.open()?;
    match args.action {
        Action::Set {
            address,
            not_before,
            not_after,
            max_uses,
            allow,
        } => {
            let addr = super::address(&address)?;
            let now = time::OffsetDateTime::now_utc();
            let allow = allow
                .map(|list| {
                    list.iter()
                        .filter(|s| !s.trim().is_empty())
                        .map(|s| s.parse::<Use>())
                        .collect::<Result<BTreeSet<Use>>>()
                })
                .transpose()?;
            if allow.as_ref().is_some_and(|a| a.is_empty()) {
                return Err(Error::Usage(
                    "--allow needs at least one of get, resolve, run, env, git, docker, aws, kubectl, netrc, cargo, pip, askpass, clip"
                        .into(),
                ));
            }
            let change = Policy {
                not_before: not_before.map(|w| when::parse(&w, now)).transpose()?,
                not_after: not_after.map(|w| when::parse(&w, now)).transpose()?,
                max_uses,
                uses: 0,
                allow,
            };
            if change.is_empty() {
                return Err(Error::UsageHelp {
                    message: "no rule given".into(),
                    help: "give --not-before, --not-after, --max-uses or --allow".into(),
                });
            }
            let result = policy::set(&sigil, &addr, change);
            crate::audit::record(&sigil, "policy.set", &[addr.to_string()], &result);
            let p = result?;
            eprintln!("set the policy of '{addr}'");
            out(render(&p).as_bytes())
        }
        Action::Show { address, json } => {
            let addr = super::address(&address)?;
            let p = policy::show(&sigil, &addr)?;
            if json {
                let v = match &p {
                    Some(p) => serde_json::json!({
                        "address": addr.to_string(),
                        "not_before": p.not_before.map(when::format),
                        "not_after": p.not_after.map(when::format),
                        "max_uses": p.max_uses,
                        "uses": p.uses,
                        "allow": p.allow.as_ref().map(|a| a.iter().map(|u| u.as_str()).collect::<Vec<_>>()),
                    }),
                    None => serde_json::json!({ "address": addr.to_string() }),
                };
                return out(format!("{v:#}\n").as_bytes());
            }
            match p {
                Some(p) => out(render(&p).as_bytes()),
                None => {
                    eprintln!("'{addr}' has no policy: every command may hand it out");
                    Ok(())
                }
            }
        }
        Action::Clear { address } => {
            let addr = super::address(&address)?;
            let result = policy::clear(&sigil, &addr);
            crate::audit::record(&sigil, "policy.clear", &[addr.to_string()], &result);
            if result? {
                eprintln!("cleared the policy of '{addr}'");
            } else {
                eprintln!("'{addr}' had no policy; nothing changed");
            }
            Ok(())
        }
    }
}

fn render(p: &Policy) -> String {
    p.describe()
        .into_iter()
        .map(|(rule, value)| format!("{rule:<11} {value}\n"))
        .collect()
}
