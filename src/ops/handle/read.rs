//! Reading: finding which backend holds a secret, its default field, the read itself behind
//! the usage policy and the audit log, OAuth refreshes, and listing accounts.

use super::{Account, Sigil};
#[cfg(feature = "oauth")]
use crate::audit;
use crate::model::address::{self, Address, FieldAddress};
#[cfg(feature = "oauth")]
use crate::model::error::Error;
use crate::model::error::Result;
use crate::model::registry::Registry;
use crate::model::secret::Secret;
use crate::ops::reference;
use crate::store::Store;
use crate::store::backend::BackendKind;
use std::collections::BTreeSet;

impl Sigil {
    /// Reads a secret by address (`service/account[/field]` or `auth://…`).
    pub fn get(&self, addr: &str) -> Result<Secret> {
        Ok(self.get_address(&Address::parse(addr)?)?.1)
    }

    /// Renders a template as `sigil resolve -i` does: `{{ auth://… }}` and dotenv values that
    /// are exactly a reference are replaced; each distinct secret is read once.
    pub fn resolve_str(&self, template: &str) -> Result<String> {
        reference::render(template, "<template>", &mut reference::Resolver::new(self))
    }

    /// The field an address means: the one it names, else the account's default — `token`
    /// for an OAuth account (which holds a token and no API key), `api_key` otherwise. This
    /// asks the stores, not `accounts.toml`, so a file-store `get` costs the same however many
    /// accounts there are.
    pub fn resolve_field(&self, addr: &Address) -> Result<FieldAddress> {
        Ok(self.resolve_and_locate(addr)?.0)
    }

    /// [`Sigil::resolve_field`], also saying where the secret was found when the search
    /// found it, so that `get` does not ask the stores twice.
    fn resolve_and_locate(&self, addr: &Address) -> Result<(FieldAddress, Option<BackendKind>)> {
        if let Some(f) = addr.to_field_address() {
            return Ok((f, None));
        }
        let api = addr.with_field(address::DEFAULT_FIELD)?;
        let token = addr.with_field(address::OAUTH_FIELD)?;
        if matches!(self.choice.kind, BackendKind::Keyring | BackendKind::Vault) {
            // Each keyring question is a D-Bus round trip, each vault one an HTTP request: ask
            // the record first.
            let reg = Registry::load(&self.paths)?;
            if let Some(meta) = reg.accounts.get(&addr.account_key()) {
                let has = |f: &FieldAddress| meta.fields.contains(f.field());
                let field = if !has(&api) && has(&token) {
                    token
                } else {
                    api
                };
                return Ok((field, None));
            }
        }
        if let Some(kind) = self.locate(&api)? {
            return Ok((api, Some(kind)));
        }
        if let Some(kind) = self.locate(&token)? {
            return Ok((token, Some(kind)));
        }
        Ok((api, None))
    }

    /// Reads a secret, returning the full address it was found at. An OAuth access token
    /// that expires within the refresh skew is refreshed first.
    pub fn get_address(&self, addr: &Address) -> Result<(FieldAddress, Secret)> {
        self.get_address_with(addr, true)
    }

    /// [`Sigil::get_address`], with the refresh of an expiring OAuth token optional
    /// (`sigil get --no-refresh`). Every read passes the account's usage policy and is
    /// recorded in the audit log.
    pub fn get_address_with(
        &self,
        addr: &Address,
        refresh: bool,
    ) -> Result<(FieldAddress, Secret)> {
        crate::ops::policy::guard(self, addr, || self.read_unguarded(addr, refresh))
    }

    /// Reads a secret for sigil's own bookkeeping (a migration's conflict check and read-back,
    /// the value an overwrite saves for its undo): nothing is handed out, so no policy is
    /// checked or counted and nothing goes to the audit log, and no token is refreshed.
    pub(crate) fn peek(&self, addr: &FieldAddress) -> Result<Secret> {
        Ok(self.read_unguarded(&addr.clone().into(), false)?.1)
    }

    fn read_unguarded(&self, addr: &Address, refresh: bool) -> Result<(FieldAddress, Secret)> {
        let (full, found) = self.resolve_and_locate(addr)?;
        // Only a `token` can be an OAuth access token, so other gets never read accounts.toml.
        #[cfg(feature = "oauth")]
        if refresh && full.field() == address::OAUTH_FIELD {
            let refreshed = self.refresh_if_due(&full, None);
            // Only an actual refresh (or a failed one) is an event of its own.
            if !matches!(refreshed, Ok(None)) {
                audit::record(self, "refresh", &[full.account_key()], &refreshed);
            }
            if let Some(fresh) = refreshed? {
                return Ok((full, fresh));
            }
        }
        #[cfg(not(feature = "oauth"))]
        let _ = refresh;
        let secret = match self.choice.kind {
            // A forced backend is simply asked: it says "not found" itself.
            BackendKind::Auto => match found.map_or_else(|| self.locate(&full), |k| Ok(Some(k)))? {
                Some(kind) => self.reader_of(kind)?.get(&full)?,
                // Not anywhere: the file store says so, with its suggestions.
                None => self.file.get(&full)?,
            },
            forced => self.reader_of(forced)?.get(&full)?,
        };
        Ok((full, secret))
    }

    /// A fresh token after a server rejected `rejected` (an HTTP 401): refreshes the OAuth
    /// account now, unless another thread or process already replaced that token, in which
    /// case the replacement is returned. So a burst of 401s costs one refresh.
    ///
    /// ```no_run
    /// let sigil = sigil::open()?;
    /// let token = sigil.get("github/me")?;
    /// // … the API answered 401 with `token` …
    /// let fresh = sigil.refresh_rejected("github/me", &token)?;
    /// # Ok::<(), sigil::Error>(())
    /// ```
    #[cfg(feature = "oauth")]
    pub fn refresh_rejected(&self, addr: &str, rejected: &Secret) -> Result<Secret> {
        let addr = Address::parse(addr)?;
        // A fresh token is handed out like any other read: the policy applies, and it is logged.
        crate::ops::policy::guard(self, &addr, || {
            let full = self.resolve_field(&addr)?;
            let fresh = self.refresh_unguarded(&full, rejected)?;
            Ok((full, fresh))
        })
        .map(|(_, fresh)| fresh)
    }

    /// [`Sigil::refresh_rejected`] without the policy (`sigil check`: a check is not a use).
    #[cfg(feature = "oauth")]
    pub(crate) fn refresh_unguarded(
        &self,
        full: &FieldAddress,
        rejected: &Secret,
    ) -> Result<Secret> {
        let full = full.clone();
        let refreshed = self.refresh_if_due(&full, Some(rejected));
        audit::record(self, "refresh", &[full.account_key()], &refreshed);
        match refreshed? {
            Some(fresh) => Ok(fresh),
            None => Err(Error::Auth {
                message: format!("'{full}' is not an OAuth token, so it cannot be refreshed"),
                help: Some(format!("store a new value with `sigil add {full} --force`")),
            }),
        }
    }

    #[doc(hidden)]
    /// The fields an account has, with the backend each lives in.
    pub fn fields_of(&self, addr: &Address) -> Result<Vec<(FieldAddress, BackendKind)>> {
        let mut candidates: BTreeSet<String> = BTreeSet::new();
        match addr.field() {
            Some(f) => {
                candidates.insert(f.to_owned());
            }
            None => {
                let reg = Registry::load(&self.paths)?;
                if let Some(m) = reg.accounts.get(&addr.account_key()) {
                    candidates.extend(m.fields.iter().cloned());
                }
                candidates.extend(self.file.fields_of(addr.service(), addr.account()));
            }
        }
        let mut out = Vec::new();
        for f in candidates {
            let fa = addr.with_field(&f)?;
            if let Some(kind) = self.locate(&fa)? {
                out.push((fa, kind));
            }
        }
        Ok(out)
    }

    /// Every account with its metadata, sorted by address; `service` filters.
    pub fn list(&self, service: Option<&str>) -> Result<Vec<Account>> {
        let reg = Registry::load(&self.paths)?;
        let mut out = Vec::with_capacity(reg.accounts.len());
        for (key, meta) in reg.accounts {
            let Some((s, a)) = key.split_once('/') else {
                continue;
            };
            if service.is_some_and(|want| want != s) {
                continue;
            }
            if let Ok(address) = Address::new(s, a, None) {
                out.push(Account { address, meta });
            }
        }
        Ok(out)
    }
}
