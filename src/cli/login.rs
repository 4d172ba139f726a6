//! `sigil login` (and `sigil add --oauth`): run an OAuth flow and store the token set; also
//! `--list-providers`, the provider catalogue as people and scripts see it.

use super::out;
use crate::Sigil;
use crate::model::address::Address;
use crate::model::error::{Error, Result};
use crate::model::token::TokenSet;
use crate::ops::oauth::{self, Client, Flow, Provider, flows, providers};
use crate::store::backend::BackendKind;
use clap::Parser;

/// Log in with OAuth and store the token set
#[derive(Debug, Parser)]
#[command(
    name = "sigil-login",
    version,
    about = "Log in with OAuth and store the token set",
    long_about = "Log in with OAuth 2.0 and store the token set under service/account: the access \
token as `token` (what `sigil get` prints, refreshed when it is about to expire), and the refresh \
token, ID token and client as fields of their own. Expiry, scopes and provider go to accounts.toml.\n\n\
Flows: pkce (a browser on this machine; the redirect comes back to 127.0.0.1), device (enter a code \
on any device), client-credentials (no user: CI and service accounts).\n\n\
The provider is --provider, else the service name when it names one (`sigil login \
--list-providers`). Its client_id comes from --client-id or [providers.NAME] in config.toml; a \
client secret from --client-secret-stdin, SIGIL_CLIENT_SECRET or config.toml, never from the \
command line. Custom providers are added to config.toml by endpoints or by OIDC issuer:\n\n  \
[providers.corp]\n  issuer = \"https://login.corp.example\"\n  client_id = \"sigil-cli\"\n  \
scopes = [\"openid\", \"offline_access\"]",
    after_help = "Examples:\n  sigil login github/me\n  sigil login work/me --provider corp --flow device\n  \
printf %s \"$SECRET\" | sigil login ci/bot --provider corp --flow client-credentials --client-secret-stdin\n  \
sigil login --list-providers"
)]
pub struct Args {
    /// The account to store the tokens under: service/account
    #[arg(value_name = "ADDRESS", required_unless_present = "list_providers")]
    pub address: Option<String>,
    /// The OAuth provider (default: the service name)
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// The flow: pkce, device or client-credentials (default: the provider's first)
    #[arg(long, value_name = "FLOW")]
    pub flow: Option<String>,
    /// A scope to ask for (repeatable; default: the provider's scopes)
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// The registered client's id (default: client_id in config.toml)
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Read the client secret from stdin (else SIGIL_CLIENT_SECRET, else config.toml)
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// How long to wait for the login in the browser or on the other device
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub timeout: String,
    /// Do not open a browser; only print the URL
    #[arg(long)]
    pub no_browser: bool,
    /// Replace the tokens of an account that is already logged in
    #[arg(long, short = 'f')]
    pub force: bool,
    /// List the providers sigil knows (built in and from config.toml) and exit
    #[arg(long, conflicts_with = "address")]
    pub list_providers: bool,
    /// With --list-providers, print JSON
    #[arg(long, requires = "list_providers")]
    pub json: bool,
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

impl Args {
    /// The arguments `sigil add ADDR --oauth …` stands for.
    pub fn from_add(
        address: String,
        provider: Option<String>,
        flow: Option<String>,
        scopes: Vec<String>,
        force: bool,
        backend: super::BackendArg,
    ) -> Args {
        Args {
            address: Some(address),
            provider,
            flow,
            scopes,
            client_id: None,
            client_secret_stdin: false,
            timeout: "5m".into(),
            no_browser: false,
            force,
            list_providers: false,
            json: false,
            backend,
        }
    }
}

/// Runs `sigil login`.
pub fn run(args: Args) -> Result<()> {
    if args.list_providers {
        return list(&args);
    }
    let addr = super::address(args.address.as_deref().expect("clap requires it"))?;
    if addr.field().is_some() {
        return Err(Error::UsageHelp {
            message: format!("'{addr}' names a field; a login fills a whole account"),
            help: format!("give service/account: `sigil login {}`", addr.account_key()),
        });
    }
    let timeout = humantime::parse_duration(&args.timeout)
        .map_err(|e| Error::Usage(format!("invalid --timeout '{}': {e}", args.timeout)))?;
    let sigil = args.backend.open()?;
    let key = provider_key(&args, &addr, &sigil)?;
    let provider = providers::resolve(&key, sigil.config())?;
    let flow = flow_of(&args, &key, &provider)?;
    let client = client_of(&args, &key, &provider)?;
    let scopes = if args.scopes.is_empty() {
        provider.scopes.clone()
    } else {
        args.scopes.clone()
    };
    let ui = flows::Interaction {
        timeout,
        open_browser: !args.no_browser,
    };
    let (kind, tokens) = oauth::login(&sigil, &addr, &key, &client, args.force, || match flow {
        Flow::Pkce => flows::pkce(&provider, &client, &scopes, &ui),
        Flow::Device => flows::device(&provider, &client, &scopes, &ui),
        Flow::ClientCredentials => {
            flows::client_credentials(&provider, &client, &scopes, time::OffsetDateTime::now_utc())
        }
    })?;
    say_logged_in(&provider, &addr, flow, kind, &tokens);
    Ok(())
}

/// The provider to log in with: `--provider`, else the service's name when it names one.
fn provider_key(args: &Args, addr: &Address, sigil: &Sigil) -> Result<String> {
    if let Some(p) = &args.provider {
        return Ok(p.clone());
    }
    let service = addr.service();
    if providers::all(sigil.config())?.contains_key(service) {
        return Ok(service.to_owned());
    }
    Err(Error::UsageHelp {
        message: format!("'{service}' is not a known OAuth provider"),
        help: "name one with --provider (`sigil login --list-providers`), or add \
               [providers.NAME] to config.toml"
            .into(),
    })
}

/// The flow to run: `--flow` when the provider supports it, else the provider's first.
fn flow_of(args: &Args, key: &str, provider: &Provider) -> Result<Flow> {
    let Some(f) = &args.flow else {
        return provider.flows.first().copied().ok_or_else(|| {
            Error::Usage(format!("provider '{key}' lists no flows in config.toml"))
        });
    };
    let f: Flow = f.parse()?;
    if !provider.flows.contains(&f) {
        return Err(Error::UsageHelp {
            message: format!("provider '{key}' does not support the {f} flow"),
            help: format!(
                "it supports: {}",
                provider
                    .flows
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    Ok(f)
}

/// The client to log in as: its id from `--client-id` or config.toml, its secret from stdin
/// (`--client-secret-stdin`), `SIGIL_CLIENT_SECRET` or config.toml.
fn client_of(args: &Args, key: &str, provider: &Provider) -> Result<Client> {
    let client_id = args
        .client_id
        .clone()
        .or_else(|| provider.client_id.clone())
        .ok_or_else(|| Error::UsageHelp {
            message: format!("no client_id for provider '{key}'"),
            help: format!(
                "register an app with {} and put its id in config.toml as [providers.{key}] \
                 client_id = \"…\" (or pass --client-id){}",
                provider.name,
                provider
                    .register
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
        })?;
    let secret = if args.client_secret_stdin {
        Some(super::read_secret("client secret: ")?)
    } else if let Some(s) = std::env::var_os("SIGIL_CLIENT_SECRET").filter(|s| !s.is_empty()) {
        Some(crate::model::secret::Secret::new(s.into_encoded_bytes()))
    } else {
        provider.client_secret.clone()
    };
    Ok(Client {
        id: client_id,
        secret,
    })
}

/// Tells the user where the tokens went, how long the access token lasts and whether
/// `sigil get` refreshes it.
fn say_logged_in(
    provider: &Provider,
    addr: &Address,
    flow: Flow,
    kind: BackendKind,
    tokens: &TokenSet,
) {
    let expiry = match tokens.expires_at {
        Some(at) => {
            let left = at - time::OffsetDateTime::now_utc();
            format!(
                ", access token valid for {}",
                humantime::format_duration(std::time::Duration::from_secs(
                    left.whole_seconds().max(0) as u64
                ))
            )
        }
        None => String::new(),
    };
    let refresh = if tokens.refresh_token.is_some() {
        ", refreshed by `sigil get`"
    } else {
        ""
    };
    eprintln!(
        "logged in to {} as '{addr}' ({flow}); stored in {}{expiry}{refresh}",
        provider.name,
        super::backend_phrase(kind)
    );
}

/// Runs `sigil login --list-providers`: the providers sigil knows, as a table or JSON.
fn list(args: &Args) -> Result<()> {
    let sigil = args.backend.open()?;
    let specs = providers::all(sigil.config())?;
    let catalogue = providers::catalogue();
    if args.json {
        let rows: Vec<serde_json::Value> = specs
            .iter()
            .map(|(key, s)| {
                serde_json::json!({
                    "provider": key,
                    "name": s.name.clone().unwrap_or_else(|| key.clone()),
                    "builtin": catalogue.contains_key(key),
                    "flows": s.flows.clone().unwrap_or_default(),
                    "scopes": s.scopes.clone().unwrap_or_default(),
                    "issuer": s.issuer,
                    "auth_url": s.auth_url,
                    "token_url": s.token_url,
                    "device_url": s.device_url,
                    "revoke_url": s.revoke_url,
                    "client_id_configured": s.client_id.is_some(),
                    "register": s.register,
                    "docs": s.docs,
                })
            })
            .collect();
        let mut doc = serde_json::to_vec_pretty(&rows)
            .map_err(|e| Error::other(format!("cannot encode JSON: {e}"), None))?;
        doc.push(b'\n');
        return out(&doc);
    }
    let rows: Vec<Vec<String>> = specs
        .iter()
        .map(|(key, s)| {
            vec![
                key.clone(),
                s.name.clone().unwrap_or_else(|| key.clone()),
                s.flows.clone().unwrap_or_default().join(","),
                s.scopes.clone().unwrap_or_default().join(" "),
                if s.client_id.is_some() {
                    "configured".into()
                } else {
                    "-".into()
                },
            ]
        })
        .collect();
    let text = if super::stdout_is_tty() {
        let mut t = super::table(&["PROVIDER", "NAME", "FLOWS", "SCOPES", "CLIENT"], &rows);
        t.push_str(
            "\nRegister a client with the provider, then set [providers.NAME] client_id in \
             config.toml; `sigil login --list-providers --json` has the registration notes.\n",
        );
        t
    } else {
        super::tsv(&rows)
    };
    out(text.as_bytes())
}
