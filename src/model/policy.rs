//! Usage policies per credential (`sigil policy`): the rules an account may carry, how they
//! are checked and described, and which secrets may be handed over as copies. They live in
//! `accounts.toml` (the `[policies."service/account"]` tables), with their use counts; the
//! guard that applies them to every read is `ops::policy`, and the index that lets
//! `sigil get` learn them cheaply is kept with the registry (`model::registry`).

use crate::model::address::FieldAddress;
use crate::model::error::{Error, Result};
use crate::model::registry::Registry;
use crate::model::when;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// The commands that hand a secret out, as `--allow` names them. A program using the library
/// (`Sigil::get`) counts as `get`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Use {
    /// `sigil get` (and the library).
    Get,
    /// `sigil resolve`.
    Resolve,
    /// `sigil run`: injected into a child's environment, never printed.
    Run,
    /// `sigil env`.
    Env,
    /// `git-credential-sigil`.
    Git,
    /// `docker-credential-sigil`.
    Docker,
    /// `sigil aws credential-process`: an AWS SDK or the `aws` CLI asking for a profile's keys.
    Aws,
    /// `kube-credential-sigil`.
    Kubectl,
    /// `sigil netrc` and `sigil run --netrc`.
    Netrc,
    /// `cargo-credential-sigil`.
    Cargo,
    /// `sigil keyring` (pip's and uv's keyring provider).
    Pip,
    /// `sigil askpass` (GIT_ASKPASS, SSH_ASKPASS, SUDO_ASKPASS).
    Askpass,
    /// `sigil clip` and `--clip`: copied to the clipboard.
    Clip,
}

impl Use {
    /// Every use, in `--allow` order.
    pub const ALL: [Use; 13] = [
        Use::Get,
        Use::Resolve,
        Use::Run,
        Use::Env,
        Use::Git,
        Use::Docker,
        Use::Aws,
        Use::Kubectl,
        Use::Netrc,
        Use::Cargo,
        Use::Pip,
        Use::Askpass,
        Use::Clip,
    ];

    /// The name in `--allow`, the policy and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Use::Get => "get",
            Use::Resolve => "resolve",
            Use::Run => "run",
            Use::Env => "env",
            Use::Git => "git",
            Use::Docker => "docker",
            Use::Aws => "aws",
            Use::Kubectl => "kubectl",
            Use::Netrc => "netrc",
            Use::Cargo => "cargo",
            Use::Pip => "pip",
            Use::Askpass => "askpass",
            Use::Clip => "clip",
        }
    }

    /// The command a user types for it.
    pub fn command(self) -> &'static str {
        match self {
            Use::Git => "git-credential-sigil",
            Use::Docker => "docker-credential-sigil",
            Use::Kubectl => "kube-credential-sigil",
            Use::Netrc => "sigil netrc",
            Use::Cargo => "cargo-credential-sigil",
            Use::Pip => "sigil keyring",
            Use::Askpass => "sigil askpass",
            Use::Clip => "sigil clip",
            Use::Get => "sigil get",
            Use::Resolve => "sigil resolve",
            Use::Run => "sigil run",
            Use::Env => "sigil env",
            Use::Aws => "sigil aws credential-process",
        }
    }
}

impl std::str::FromStr for Use {
    type Err = Error;
    fn from_str(s: &str) -> Result<Use> {
        Use::ALL
            .into_iter()
            .find(|u| u.as_str() == s.trim())
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown use '{}' in --allow: use get, resolve, run, env, git, docker, aws, kubectl, netrc, cargo, pip, askpass or clip",
                    s.escape_debug()
                ))
            })
    }
}

/// One account's rules, and how often it has been handed out under `max_uses`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Refused before this time.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub not_before: Option<OffsetDateTime>,
    /// Refused after this time.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub not_after: Option<OffsetDateTime>,
    /// At most this many hand-outs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<u64>,
    /// Hand-outs so far (counted only under `max_uses`).
    #[serde(default)]
    pub uses: u64,
    /// Only these commands may hand it out; `None` is all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<BTreeSet<Use>>,
}

impl Policy {
    /// Whether it has no rule at all.
    pub fn is_empty(&self) -> bool {
        self.not_before.is_none()
            && self.not_after.is_none()
            && self.max_uses.is_none()
            && self.allow.is_none()
    }

    /// Checks every rule but the count; the refusal names the rule.
    pub(crate) fn check(&self, key: &str, usage: Use, now: OffsetDateTime) -> Result<()> {
        let refuse = |rule: String, help: String| Error::Refused {
            message: format!(
                "the policy of '{key}' refuses `{}`: {rule}",
                usage.command()
            ),
            help: Some(help),
        };
        if let Some(allow) = &self.allow
            && !allow.contains(&usage)
        {
            let list: Vec<&str> = allow.iter().map(|u| u.as_str()).collect();
            return Err(refuse(
                format!(
                    "--allow {} does not include {}",
                    list.join(","),
                    usage.as_str()
                ),
                format!(
                    "hand it out with {}, or change the policy: `sigil policy set {key} --allow …`",
                    allow
                        .iter()
                        .map(|u| format!("`{}`", u.command()))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            ));
        }
        if let Some(nb) = self.not_before
            && now < nb
        {
            return Err(refuse(
                format!("--not-before {} has not come yet", when::format(nb)),
                format!("wait, or change the policy: `sigil policy set {key} --not-before …`"),
            ));
        }
        if let Some(na) = self.not_after
            && now > na
        {
            return Err(refuse(
                format!("--not-after {} has passed", when::format(na)),
                format!("change the policy: `sigil policy set {key} --not-after …`"),
            ));
        }
        Ok(())
    }

    pub(crate) fn check_count(&self, key: &str, usage: Use) -> Result<()> {
        if let Some(max) = self.max_uses
            && self.uses >= max
        {
            return Err(Error::Refused {
                message: format!(
                    "the policy of '{key}' refuses `{}`: --max-uses {max} reached ({} uses)",
                    usage.command(),
                    self.uses
                ),
                help: Some(format!(
                    "allow more with `sigil policy set {key} --max-uses N` (this resets the count)"
                )),
            });
        }
        Ok(())
    }

    /// The rules as `sigil policy show` prints them, one per line.
    pub fn describe(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(t) = self.not_before {
            out.push(("not-before".into(), when::format(t)));
        }
        if let Some(t) = self.not_after {
            out.push(("not-after".into(), when::format(t)));
        }
        if let Some(m) = self.max_uses {
            out.push(("max-uses".into(), format!("{m} (used {})", self.uses)));
        }
        if let Some(a) = &self.allow {
            let list: Vec<&str> = a.iter().map(|u| u.as_str()).collect();
            out.push(("allow".into(), list.join(",")));
        }
        out
    }
}

/// Whether a secret under `policy` may be handed to someone else as a plain age file: a
/// backup or export to a key that is not the store's own, or a new recipient of its folder.
/// Nothing binds the copy afterwards: whoever holds the key decrypts it with `age`, without
/// sigil, any `--allow`, window or count. So only a secret that `sigil get` may print at any
/// time, as often as asked, is handed over; its owner can copy it out anyway. (A policy
/// binds programs and scripts that run sigil, not the owner of the identity, who can always
/// decrypt the store with `age`; see SECURITY.md.)
pub(crate) fn exportable(policy: Option<&Policy>) -> bool {
    policy.is_none_or(|p| {
        p.not_before.is_none()
            && p.not_after.is_none()
            && p.max_uses.is_none()
            && p.allow.as_ref().is_none_or(|a| a.contains(&Use::Get))
    })
}

/// The accounts among `fields` whose policy forbids handing them over (see [`exportable`]),
/// as `service/account`, sorted and without repeats.
pub(crate) fn restricted(reg: &Registry, fields: &[FieldAddress]) -> Vec<String> {
    let keys: BTreeSet<String> = fields
        .iter()
        .map(FieldAddress::account_key)
        .filter(|k| !exportable(reg.policies.get(k)))
        .collect();
    keys.into_iter().collect()
}

/// The refusal of handing `accounts` over, or `Ok` when there is none.
pub(crate) fn refuse_handover(accounts: &[String], what: &str, help: &str) -> Result<()> {
    if accounts.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = accounts.iter().map(|a| format!("'{a}'")).collect();
    Err(Error::Refused {
        message: format!(
            "{what}; the usage policy of {} does not allow that",
            list.join(", ")
        ),
        help: Some(help.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn only_what_get_may_print_freely_is_handed_over() {
        let with = |f: fn(&mut Policy)| {
            let mut p = Policy::default();
            f(&mut p);
            exportable(Some(&p))
        };
        assert!(exportable(None));
        assert!(with(|_| {}));
        assert!(with(|p| p.allow = Some([Use::Get, Use::Run].into())));
        assert!(!with(|p| p.allow = Some([Use::Run].into())));
        assert!(!with(|p| p.allow = Some([Use::Git, Use::Env].into())));
        assert!(!with(|p| p.max_uses = Some(5)));
        assert!(!with(|p| p.not_after = Some(datetime!(2099-01-01 0:00 UTC))));
        assert!(!with(
            |p| p.not_before = Some(datetime!(2000-01-01 0:00 UTC))
        ));
    }

    #[test]
    fn restricted_names_each_account_once_and_the_refusal_lists_them() {
        let mut reg = Registry::default();
        let run_only = Policy {
            allow: Some([Use::Run].into()),
            ..Policy::default()
        };
        reg.policies.insert("team/deploy".into(), run_only.clone());
        reg.policies.insert("team/ci".into(), run_only);
        reg.policies.insert("team/docs".into(), Policy::default());
        let fields: Vec<FieldAddress> = [
            "team/deploy/api_key",
            "team/deploy/token",
            "team/docs/api_key",
            "team/ci/api_key",
            "team/free/api_key",
        ]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
        let r = restricted(&reg, &fields);
        assert_eq!(r, ["team/ci", "team/deploy"]);
        let e = refuse_handover(
            &r,
            "a backup to a key that is not the store's own is an export",
            "h",
        )
        .unwrap_err();
        assert_eq!(e.class(), crate::model::error::ExitClass::Refused);
        assert_eq!(
            e.to_string(),
            "a backup to a key that is not the store's own is an export; the usage policy of 'team/ci', 'team/deploy' does not allow that"
        );
        assert!(refuse_handover(&[], "x", "h").is_ok());
    }

    #[test]
    fn rules_name_themselves() {
        let now = datetime!(2026-11-23 10:00 UTC);
        let p = Policy {
            allow: Some([Use::Run].into()),
            ..Policy::default()
        };
        let e = p.check("a/b", Use::Get, now).unwrap_err().to_string();
        assert!(e.contains("--allow run does not include get"), "{e}");
        assert!(p.check("a/b", Use::Run, now).is_ok());
        let p = Policy {
            not_after: Some(datetime!(2026-11-22 0:00 UTC)),
            ..Policy::default()
        };
        let e = p.check("a/b", Use::Run, now).unwrap_err().to_string();
        assert!(
            e.contains("--not-after 2026-11-22T00:00:00Z has passed"),
            "{e}"
        );
        let p = Policy {
            max_uses: Some(2),
            uses: 2,
            ..Policy::default()
        };
        let e = p.check_count("a/b", Use::Get).unwrap_err().to_string();
        assert!(e.contains("--max-uses 2 reached"), "{e}");
        assert_eq!("run".parse::<Use>().unwrap(), Use::Run);
        assert!("print".parse::<Use>().is_err());
    }
}
