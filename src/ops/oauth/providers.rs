//! OAuth providers: the built-in catalogue (`providers.toml`, compiled in as data), custom
//! providers and overrides from `[providers.<name>]` in config.toml, and OIDC discovery for
//! providers given by `issuer`.
#![deny(clippy::arithmetic_side_effects)]

use super::http::{self, is_safe_endpoint};
use super::{Failure, Flow};
use crate::model::config::Config;
use crate::model::error::{Error, Result};
use crate::model::secret::Secret;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The catalogue, as shipped.
pub const CATALOGUE: &str = include_str!("providers.toml");

/// One provider as written in the catalogue or config.toml: every key optional, so that a
/// config entry can override just one value of a catalogue entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Shown to people.
    pub name: Option<String>,
    /// OIDC issuer: endpoints not given are discovered from it.
    pub issuer: Option<String>,
    /// Authorization endpoint (pkce).
    pub auth_url: Option<String>,
    /// Token endpoint.
    pub token_url: Option<String>,
    /// Device authorization endpoint (RFC 8628).
    pub device_url: Option<String>,
    /// Revocation endpoint (RFC 7009).
    pub revoke_url: Option<String>,
    /// Flows the provider supports, preferred first.
    pub flows: Option<Vec<String>>,
    /// Scopes asked for when none are given.
    pub scopes: Option<Vec<String>>,
    /// The user's registered client.
    pub client_id: Option<String>,
    /// Its secret, for providers that insist (prefer `SIGIL_CLIENT_SECRET` or stdin).
    pub client_secret: Option<String>,
    /// `basic` (HTTP Basic) or `post` (in the form): how the secret is sent.
    pub client_auth: Option<String>,
    /// Fixed loopback port for providers that match the redirect URI exactly.
    pub redirect_port: Option<u16>,
    /// Extra authorization-request parameters.
    pub auth_params: Option<BTreeMap<String, String>>,
    /// `query` (the default) or `form_post`: how the authorization answer comes back.
    pub response_mode: Option<String>,
    /// Git hosts that map to this service.
    pub hosts: Option<Vec<String>>,
    /// How to register a client.
    pub register: Option<String>,
    /// Documentation.
    pub docs: Option<String>,
}

impl Spec {
    /// `self` with every key that `over` sets replaced. Another issuer (a self-managed GitLab
    /// for the `gitlab` entry) is another server: the catalogue's endpoints, client and git
    /// hosts belong to the old one, so they go, and what `over` does not give is discovered
    /// from the new issuer. Keeping them sent the login to gitlab.com, and would have handed
    /// gitlab.com's git remotes a token of the self-managed server.
    fn overridden_by(mut self, over: Spec) -> Spec {
        if over.issuer.is_some() && over.issuer != self.issuer {
            self.auth_url = None;
            self.token_url = None;
            self.device_url = None;
            self.revoke_url = None;
            self.client_id = None;
            self.client_secret = None;
            self.hosts = None;
        }
        macro_rules! take {
            ($($f:ident),*) => { $( if over.$f.is_some() { self.$f = over.$f; } )* };
        }
        take!(
            name,
            issuer,
            auth_url,
            token_url,
            device_url,
            revoke_url,
            flows,
            scopes,
            client_id,
            client_secret,
            client_auth,
            redirect_port,
            auth_params,
            response_mode,
            hosts,
            register,
            docs
        );
        self
    }
}

/// The catalogue's entries by name.
pub fn catalogue() -> BTreeMap<String, Spec> {
    toml::from_str(CATALOGUE).expect("the built-in providers.toml parses (a unit test checks)")
}

/// Every provider name known: the catalogue's and config.toml's, with their merged specs.
pub fn all(config: &Config) -> Result<BTreeMap<String, Spec>> {
    let mut out = catalogue();
    for (name, table) in &config.providers {
        let over = parse_config_entry(name, table)?;
        let merged = match out.remove(name) {
            Some(base) => base.overridden_by(over),
            None => over,
        };
        out.insert(name.clone(), merged);
    }
    Ok(out)
}

fn parse_config_entry(name: &str, table: &toml::Table) -> Result<Spec> {
    toml::Value::Table(table.clone())
        .try_into::<Spec>()
        .map_err(|e| {
            Error::other(
                format!(
                    "[providers.{name}] in config.toml is invalid: {}",
                    e.message()
                ),
                Some(
                    "keys: issuer, auth_url, token_url, device_url, revoke_url, client_id, \
                     client_secret, scopes, flows, client_auth, redirect_port, auth_params, response_mode, name"
                        .into(),
                ),
            )
        })
}

/// A provider ready to use: endpoints checked, client known.
#[derive(Debug, Clone)]
pub struct Provider {
    /// Its key (`github`, or the config.toml table name).
    pub key: String,
    /// Shown to people.
    pub name: String,
    /// Authorization endpoint.
    pub auth_url: Option<url::Url>,
    /// Token endpoint.
    pub token_url: Option<url::Url>,
    /// Device authorization endpoint.
    pub device_url: Option<url::Url>,
    /// Revocation endpoint.
    pub revoke_url: Option<url::Url>,
    /// Supported flows, preferred first.
    pub flows: Vec<Flow>,
    /// Default scopes.
    pub scopes: Vec<String>,
    /// The client.
    pub client_id: Option<String>,
    /// The client secret, when one is configured.
    pub client_secret: Option<Secret>,
    /// Send the secret in the form rather than with HTTP Basic.
    pub secret_in_body: bool,
    /// Fixed loopback port.
    pub redirect_port: Option<u16>,
    /// Extra authorization parameters.
    pub auth_params: BTreeMap<String, String>,
    /// The answer is POSTed to the loopback listener (`response_mode=form_post`) rather than
    /// sent in the redirect's query.
    pub form_post: bool,
    /// How to register a client.
    pub register: Option<String>,
    /// How its endpoints are timed and retried (from `[defaults]` in config.toml).
    pub http: http::Settings,
}

/// Resolves a provider by name from the catalogue and config.toml, discovering endpoints
/// from an `issuer` when some are missing (one HTTP request).
pub fn resolve(key: &str, config: &Config) -> Result<Provider> {
    resolve_or_fail(key, config).map_err(Error::from)
}

/// [`resolve`], saying whether a failure may pass (the discovery got no answer, or 429 or a
/// 5xx), for a refresh that can fall back on a still valid token.
pub(crate) fn resolve_or_fail(
    key: &str,
    config: &Config,
) -> std::result::Result<Provider, Failure> {
    let mut specs = all(config)?;
    let Some(mut spec) = specs.remove(key) else {
        let known: Vec<String> = specs.keys().cloned().collect();
        return Err(Failure::from(Error::UsageHelp {
            message: format!("unknown OAuth provider '{key}'"),
            help: format!(
                "known: {}; add a [providers.{key}] table with issuer or endpoints to config.toml \
                 (`sigil login --list-providers` shows them)",
                known.join(", ")
            ),
        }));
    };
    let settings = http::Settings::from_config(config);
    let needs_discovery =
        spec.issuer.is_some() && (spec.token_url.is_none() || spec.auth_url.is_none());
    if needs_discovery {
        discover(key, &mut spec, settings)?;
    }
    Ok(Provider {
        http: settings,
        ..build_checked(key, spec)?
    })
}

/// A provider from a spec whose endpoints are known: each one checked.
fn build_checked(key: &str, spec: Spec) -> Result<Provider> {
    let url_of = |what: &str, v: &Option<String>| -> Result<Option<url::Url>> {
        let Some(text) = v else { return Ok(None) };
        let u = url::Url::parse(text).map_err(|e| {
            Error::other(
                format!("the {what} of provider '{key}' is not a URL: {e}"),
                Some(format!("fix [providers.{key}] {what} in config.toml")),
            )
        })?;
        if !is_safe_endpoint(&u) {
            return Err(Error::other(
                format!(
                    "the {what} of provider '{key}' is '{}': tokens only go to https, or http on loopback",
                    http::shown(&u)
                ),
                Some(format!("use an https URL for [providers.{key}] {what}")),
            ));
        }
        Ok(Some(u))
    };
    let flows = match &spec.flows {
        Some(list) => list
            .iter()
            .map(|f| f.parse::<Flow>())
            .collect::<Result<Vec<_>>>()?,
        None => {
            // A custom provider without a list supports what its endpoints allow.
            let mut f = vec![];
            if spec.auth_url.is_some() {
                f.push(Flow::Pkce);
            }
            if spec.device_url.is_some() {
                f.push(Flow::Device);
            }
            f.push(Flow::ClientCredentials);
            f
        }
    };
    let secret_in_body = match spec.client_auth.as_deref() {
        None | Some("basic") => false,
        Some("post") => true,
        Some(other) => {
            return Err(Error::other(
                format!("provider '{key}' has client_auth = '{other}'"),
                Some("client_auth is \"basic\" or \"post\"".into()),
            ));
        }
    };
    let form_post = match spec.response_mode.as_deref() {
        None | Some("query") => false,
        Some("form_post") => true,
        Some(other) => {
            return Err(Error::other(
                format!("provider '{key}' has response_mode = '{other}'"),
                Some("response_mode is \"query\" or \"form_post\"".into()),
            ));
        }
    };
    Ok(Provider {
        key: key.to_owned(),
        name: spec.name.clone().unwrap_or_else(|| key.to_owned()),
        auth_url: url_of("auth_url", &spec.auth_url)?,
        token_url: url_of("token_url", &spec.token_url)?,
        device_url: url_of("device_url", &spec.device_url)?,
        revoke_url: url_of("revoke_url", &spec.revoke_url)?,
        flows,
        scopes: spec.scopes.clone().unwrap_or_default(),
        client_id: spec.client_id.clone(),
        client_secret: spec.client_secret.clone().map(Secret::from),
        secret_in_body,
        redirect_port: spec.redirect_port,
        auth_params: spec.auth_params.clone().unwrap_or_default(),
        form_post,
        register: spec.register.clone(),
        http: http::Settings::default(),
    })
}

/// Fills the endpoints a spec leaves out from the issuer's OpenID configuration.
fn discover(
    key: &str,
    spec: &mut Spec,
    settings: http::Settings,
) -> std::result::Result<(), Failure> {
    let issuer = spec.issuer.as_deref().unwrap_or_default();
    let base = url::Url::parse(issuer.trim_end_matches('/')).map_err(|e| {
        Error::other(
            format!("the issuer of provider '{key}' is not a URL: {e}"),
            None,
        )
    })?;
    let mut well_known = base.clone();
    let path = format!(
        "{}/.well-known/openid-configuration",
        base.path().trim_end_matches('/')
    );
    well_known.set_path(&path);
    let doc = http::get_json(&well_known, settings).map_err(|e| Failure {
        passing: e.is_passing(),
        error: Error::Auth {
            message: format!("cannot discover the endpoints of provider '{key}': {e}"),
            help: Some(if e.is_passing() {
                super::passing_help(key)
            } else {
                format!("check issuer in [providers.{key}], or give auth_url and token_url instead")
            }),
        },
    })?;
    Ok(apply_discovery(key, spec, &doc)?)
}

#[doc(hidden)]
/// The provider a spec with an `issuer` becomes once `doc` (its OpenID configuration, as
/// fetched) fills the endpoints it leaves out. Public for the fuzz target, which feeds
/// documents without a server.
pub fn from_discovery(key: &str, mut spec: Spec, doc: &serde_json::Value) -> Result<Provider> {
    apply_discovery(key, &mut spec, doc)?;
    build_checked(key, spec)
}

/// Checks a fetched discovery document against the spec's issuer and fills the endpoints
/// the spec leaves out from it.
fn apply_discovery(key: &str, spec: &mut Spec, doc: &serde_json::Value) -> Result<()> {
    let issuer = spec.issuer.as_deref().unwrap_or_default();
    // OpenID Connect Discovery 1.0 §4.3: the document must name exactly the issuer it was
    // fetched for. Anything else (a look-alike, a copied document, a server answering for
    // another) could point the token endpoint elsewhere, so it is refused before a client
    // secret, code or refresh token is sent anywhere.
    let claimed = doc.get("issuer").and_then(|v| v.as_str());
    if claimed != Some(issuer) {
        let said = match claimed {
            Some(other) => format!(
                "names the issuer '{}'",
                other.chars().take(200).collect::<String>().escape_debug()
            ),
            None => "names no issuer".to_owned(),
        };
        return Err(Error::Auth {
            message: format!(
                "the discovery document of provider '{key}' {said}, not '{}'",
                issuer.escape_debug()
            ),
            help: Some(format!(
                "sigil takes endpoints only from the issuer's own document; check issuer in \
                 [providers.{key}] (it must match the document exactly), or give auth_url and \
                 token_url instead"
            )),
        });
    }
    let field = |name: &str| doc.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let fill = |slot: &mut Option<String>, name: &str| {
        if slot.is_none() {
            *slot = field(name);
        }
    };
    fill(&mut spec.auth_url, "authorization_endpoint");
    fill(&mut spec.token_url, "token_endpoint");
    fill(&mut spec.device_url, "device_authorization_endpoint");
    fill(&mut spec.revoke_url, "revocation_endpoint");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `[providers.gitlab] issuer = "https://gitlab.example.com"`, as the catalogue's own
    /// advice says, points every endpoint at that server (by discovery), not at gitlab.com.
    #[test]
    fn another_issuer_drops_the_catalogues_endpoints_client_and_hosts() {
        let mut config = Config::default();
        let table: toml::Table =
            toml::from_str("issuer = \"https://gitlab.example.com\"\nclient_id = \"mine\"")
                .unwrap();
        config.providers.insert("gitlab".into(), table);
        let spec = all(&config).unwrap().remove("gitlab").unwrap();
        assert_eq!(spec.issuer.as_deref(), Some("https://gitlab.example.com"));
        for url in [
            &spec.auth_url,
            &spec.token_url,
            &spec.device_url,
            &spec.revoke_url,
        ] {
            assert!(url.is_none(), "{url:?} is left for discovery");
        }
        assert_eq!(spec.client_id.as_deref(), Some("mine"));
        assert!(
            spec.hosts.is_none(),
            "gitlab.com's remotes do not get this server's token"
        );
        // The same issuer keeps what it had.
        let mut config = Config::default();
        let table: toml::Table = toml::from_str("issuer = \"https://gitlab.com\"").unwrap();
        config.providers.insert("gitlab".into(), table);
        let spec = all(&config).unwrap().remove("gitlab").unwrap();
        assert!(spec.token_url.is_some() && spec.hosts.is_some());
    }

    #[test]
    fn the_catalogue_has_every_promised_provider_with_endpoints() {
        let c = catalogue();
        for name in [
            "github",
            "gitlab",
            "google",
            "microsoft",
            "spotify",
            "discord",
            "twitch",
            "reddit",
            "x",
            "kick",
            "slack",
            "bitbucket",
            "dropbox",
        ] {
            let spec = c.get(name).unwrap_or_else(|| panic!("{name} missing"));
            assert!(spec.token_url.is_some(), "{name}");
            assert!(spec.register.is_some(), "{name}");
            assert!(
                !spec.scopes.clone().unwrap_or_default().is_empty(),
                "{name}"
            );
            let p = resolve(name, &Config::default()).unwrap();
            assert!(!p.flows.is_empty(), "{name}");
            if p.flows.contains(&Flow::Device) {
                assert!(p.device_url.is_some(), "{name}");
            }
            if p.flows.contains(&Flow::Pkce) {
                assert!(p.auth_url.is_some(), "{name}");
            }
        }
    }

    #[test]
    fn config_overrides_the_catalogue_key_by_key() {
        let config: Config = toml::from_str(
            "[providers.github]\nclient_id = \"abc\"\nscopes = [\"gist\"]\n\
             [providers.corp]\nauth_url = \"https://corp.example/a\"\n\
             token_url = \"https://corp.example/t\"\nclient_id = \"sigil\"\n",
        )
        .unwrap();
        let gh = resolve("github", &config).unwrap();
        assert_eq!(gh.client_id.as_deref(), Some("abc"));
        assert_eq!(gh.scopes, ["gist"]);
        assert_eq!(gh.flows, [Flow::Device, Flow::Pkce]);
        let corp = resolve("corp", &config).unwrap();
        assert_eq!(corp.flows, [Flow::Pkce, Flow::ClientCredentials]);
        let e = resolve("nope", &config).unwrap_err();
        assert!(
            e.to_string().contains("unknown OAuth provider 'nope'"),
            "{e}"
        );
    }

    #[test]
    fn plain_http_endpoints_are_refused() {
        let config: Config = toml::from_str(
            "[providers.bad]\nauth_url = \"http://corp.example/a\"\ntoken_url = \"http://corp.example/t\"\n",
        )
        .unwrap();
        let e = resolve("bad", &config).unwrap_err().to_string();
        assert!(e.contains("only go to https"), "{e}");
    }

    #[test]
    fn unknown_keys_are_named() {
        let config: Config =
            toml::from_str("[providers.corp]\ntoken_uri = \"https://x\"\n").unwrap();
        let e = resolve("corp", &config).unwrap_err().to_string();
        assert!(
            e.contains("[providers.corp]") && e.contains("token_uri"),
            "{e}"
        );
    }

    #[test]
    fn response_mode_is_query_or_form_post() {
        let with = |mode: &str| {
            let text = format!(
                "[providers.corp]\nauth_url = \"https://x/a\"\ntoken_url = \"https://x/t\"\n\
                 client_id = \"c\"\nflows = [\"pkce\"]\n{mode}"
            );
            let config: Config = toml::from_str(&text).unwrap();
            resolve("corp", &config)
        };
        assert!(!with("").unwrap().form_post);
        assert!(!with("response_mode = \"query\"").unwrap().form_post);
        assert!(with("response_mode = \"form_post\"").unwrap().form_post);
        let e = with("response_mode = \"fragment\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("response_mode = 'fragment'"), "{e}");
    }
}
