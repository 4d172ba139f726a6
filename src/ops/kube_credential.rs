//! kubectl's exec credential plugin protocol over sigil (client-go's `ExecCredential`): what
//! `kube-credential-sigil` answers, kept in the library so that other programs bind clusters
//! the same way.
//!
//! kubectl (any client-go program) runs the plugin named in a kubeconfig's
//! `users[].user.exec` and passes its request in the environment variable
//! `KUBERNETES_EXEC_INFO`: an `ExecCredential` object whose `apiVersion` is the one the
//! kubeconfig asked for (`client.authentication.k8s.io/v1beta1` or `…/v1`) and whose
//! `spec.cluster` carries the cluster's `server` when the kubeconfig sets
//! `provideClusterInfo: true`. The plugin prints an `ExecCredential` of the same
//! `apiVersion` with `status.token` and, when the token's expiry is known,
//! `status.expirationTimestamp`; kubectl sends the token as `Authorization: Bearer …` and
//! asks again after that time. Any failure is a non-zero exit with the reason on stderr,
//! which kubectl shows and stops on.
//!
//! A kubeconfig is text anyone can hand over, and one user entry may serve several contexts,
//! so the answer is bound to the cluster: only a server mapped in `config.toml`
//! (`[kube."https://k8s.corp.example:6443"] address = "corp/me"`) gets a token, compared by
//! scheme, host, port and path as [`Server`] normalises them. Without `provideClusterInfo`
//! the plugin cannot know where the token goes, and answers nothing.

use crate::Sigil;
use crate::model::address::{Address, FieldAddress, OAUTH_FIELD};
use crate::model::error::{Error, ExitClass, Result};
use crate::model::registry::{Kind, Registry};
use crate::model::secret::Secret;
use crate::ops::docker_credential::Server;
use serde::Deserialize;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// The environment variable kubectl passes its request in.
pub const EXEC_INFO: &str = "KUBERNETES_EXEC_INFO";

/// The most of [`EXEC_INFO`] that is read: the request carries a CA bundle at most.
pub const MAX_EXEC_INFO: usize = 1 << 20;

/// The API versions of `ExecCredential` the plugin answers in.
pub const API_VERSIONS: [&str; 2] = [
    "client.authentication.k8s.io/v1",
    "client.authentication.k8s.io/v1beta1",
];

/// What kubectl asks: the `apiVersion` to answer in, and the cluster when it said which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// One of [`API_VERSIONS`].
    pub api_version: String,
    /// `spec.cluster.server`, as the kubeconfig writes it.
    pub server: Option<String>,
}

impl Request {
    /// Parses the text of [`EXEC_INFO`]. The error says what is wrong and where, never the
    /// text, which may carry a client key.
    pub fn parse(text: &str) -> Result<Request> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(rename = "apiVersion", default)]
            api_version: String,
            #[serde(default)]
            kind: String,
            #[serde(default)]
            spec: Spec,
        }
        #[derive(Deserialize, Default)]
        struct Spec {
            #[serde(default)]
            cluster: Option<Cluster>,
        }
        #[derive(Deserialize)]
        struct Cluster {
            #[serde(default)]
            server: Option<String>,
        }
        if text.len() > MAX_EXEC_INFO {
            return Err(Error::Usage(format!("{EXEC_INFO} is larger than 1 MiB")));
        }
        let wire: Wire = serde_json::from_str(text).map_err(|e| {
            Error::Usage(format!(
                "{EXEC_INFO} is not an ExecCredential: it {} at line {} column {}",
                json_problem(&e),
                e.line(),
                e.column()
            ))
        })?;
        if wire.kind != "ExecCredential" {
            return Err(Error::Usage(format!(
                "{EXEC_INFO} is not an ExecCredential (its kind is '{}')",
                wire.kind.escape_debug()
            )));
        }
        if !API_VERSIONS.contains(&wire.api_version.as_str()) {
            return Err(Error::Usage(format!(
                "{EXEC_INFO} asks for apiVersion '{}', and sigil answers in {} or {}",
                wire.api_version.escape_debug(),
                API_VERSIONS[0],
                API_VERSIONS[1]
            )));
        }
        Ok(Request {
            api_version: wire.api_version,
            server: wire
                .spec
                .cluster
                .and_then(|c| c.server)
                .filter(|s| !s.is_empty()),
        })
    }
}

/// What kind of JSON error it is, without serde's words, which may repeat a value.
fn json_problem(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Io => "cannot be read",
        Category::Syntax => "is not JSON",
        Category::Data => "is not an object of the expected shape",
        Category::Eof => "ends inside its JSON",
    }
}

/// The plugin's answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The `apiVersion` kubectl asked for.
    pub api_version: String,
    /// Where the token was read.
    pub address: FieldAddress,
    /// `status.token`.
    pub token: Secret,
    /// `status.expirationTimestamp`: the OAuth access token's expiry, when known.
    pub expires_at: Option<OffsetDateTime>,
}

impl Answer {
    /// The answer as the protocol's JSON `ExecCredential`, with a newline. A token that is
    /// not text is an error that names the address, never the value.
    pub fn to_protocol(&self) -> Result<Zeroizing<Vec<u8>>> {
        let token = std::str::from_utf8(self.token.expose()).map_err(|_| {
            Error::other(
                format!(
                    "'{}' is not UTF-8 text, which an ExecCredential cannot carry",
                    self.address
                ),
                Some("store a text token for kubectl in that field".into()),
            )
        })?;
        let expiry = self
            .expires_at
            .map(|at| {
                let at = at.to_offset(time::UtcOffset::UTC).replace_nanosecond(0);
                at.map_err(|e| e.to_string())?
                    .format(&time::format_description::well_known::Rfc3339)
                    .map_err(|e| e.to_string())
            })
            .transpose()
            .map_err(|e| Error::other(format!("cannot write the expiry: {e}"), None))?;
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Status<'a> {
            token: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            expiration_timestamp: Option<String>,
        }
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            kind: &'a str,
            api_version: &'a str,
            status: Status<'a>,
        }
        // Room for the worst escaping up front, so the buffer holding the token never moves.
        let mut out = Zeroizing::new(Vec::with_capacity(6 * token.len() + 256));
        let wire = Wire {
            kind: "ExecCredential",
            api_version: &self.api_version,
            status: Status {
                token,
                expiration_timestamp: expiry,
            },
        };
        serde_json::to_writer(&mut *out, &wire)
            .map_err(|e| Error::other(format!("cannot write the answer: {e}"), None))?;
        out.push(b'\n');
        Ok(out)
    }
}

/// A cluster server as tokens are bound to it: [`Server`]'s normal form, with the scheme
/// required (a kubeconfig's `server` always has one).
fn cluster(text: &str) -> Option<Server> {
    Server::parse(text).filter(|s| s.as_str().contains("://"))
}

/// The account mapped to `server` in `config.toml`. A malformed `[kube]` table is an error
/// on every call, so that a typo never silently sends a token elsewhere.
fn mapping(sigil: &Sigil, server: &Server) -> Result<Option<Address>> {
    let mut found = None;
    for (key, m) in &sigil.config().kube {
        let bad = |why: String| {
            Error::other(
                format!(
                    "config.toml maps the kubernetes cluster '{}', which {why}",
                    key.escape_debug()
                ),
                Some(
                    "write it as the kubeconfig's cluster server, [kube.\"https://host[:port]\"] \
                     with address = \"service/account\""
                        .into(),
                ),
            )
        };
        let mapped = cluster(key)
            .ok_or_else(|| bad("is not a server URL (http[s]://host[:port][/path])".into()))?;
        let address = Address::parse(&m.address).map_err(|e| bad(format!("names {e}")))?;
        if mapped == *server {
            if found.is_some() {
                return Err(bad(format!("is mapped twice (as '{server}')")));
            }
            found = Some(address);
        }
    }
    Ok(found)
}

/// The token for the cluster kubectl names, read (and an expiring OAuth token refreshed)
/// through the policy guard, so that it is one audit entry of the `kubectl` use. A request
/// without the cluster, or for a cluster nothing is mapped to, is an error that says so.
pub fn get(sigil: &Sigil, request: &Request) -> Result<Answer> {
    let Some(text) = &request.server else {
        return Err(Error::Refused {
            message: "kubectl did not say which cluster the token is for".into(),
            help: Some(
                "set provideClusterInfo: true in the kubeconfig's exec stanza, so that the \
                 token goes only to the cluster mapped to it in config.toml"
                    .into(),
            ),
        });
    };
    let not_mapped = || Error::NotFound {
        message: format!(
            "no credential for the kubernetes cluster '{}'",
            crate::model::shown::line(text)
        ),
        help: Some(
            "map the cluster's server to an account in config.toml: [kube.\"https://host:port\"] \
             with address = \"service/account\""
                .into(),
        ),
    };
    let server = cluster(text).ok_or_else(not_mapped)?;
    let address = mapping(sigil, &server)?.ok_or_else(not_mapped)?;
    let (address, token) = sigil.get_address(&address)?;
    let expires_at = if address.field() == OAUTH_FIELD {
        expiry(sigil, &address)?
    } else {
        None
    };
    Ok(Answer {
        api_version: request.api_version.clone(),
        address,
        token,
        expires_at,
    })
}

/// The access token's expiry as recorded after the read (a refresh records the new one);
/// `None` for an account that is not OAuth.
fn expiry(sigil: &Sigil, field: &FieldAddress) -> Result<Option<OffsetDateTime>> {
    let reg = match Registry::load(sigil.paths()) {
        Ok(reg) => reg,
        Err(e) if e.class() == ExitClass::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(reg
        .accounts
        .get(&field.account_key())
        .filter(|m| m.kind == Kind::Oauth)
        .and_then(|m| m.expires_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn requests_parse_in_both_versions() {
        let r = Request::parse(
            r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",
                "spec":{"cluster":{"server":"https://127.0.0.1:6443","config":null},
                "interactive":false}}"#,
        )
        .unwrap();
        assert_eq!(r.api_version, "client.authentication.k8s.io/v1");
        assert_eq!(r.server.as_deref(), Some("https://127.0.0.1:6443"));
        let r = Request::parse(
            r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{}}"#,
        )
        .unwrap();
        assert_eq!(r.server, None);
        for (text, want) in [
            ("", "is not an ExecCredential: it ends inside"),
            ("garbage", "is not an ExecCredential: it is not JSON"),
            ("[1]", "is not an object of the expected shape"),
            (r#"{"kind":"Pod"}"#, "its kind is 'Pod'"),
            (
                r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1alpha1"}"#,
                "asks for apiVersion 'client.authentication.k8s.io/v1alpha1'",
            ),
        ] {
            let e = Request::parse(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        // The kernel keeps a variable this long out of the environment; a library caller
        // gets the limit.
        let big = format!("{{\"kind\":\"{}\"}}", "x".repeat(MAX_EXEC_INFO));
        let e = Request::parse(&big).unwrap_err().to_string();
        assert!(e.contains("larger than 1 MiB"), "{e}");
        // A value of the wrong type is never repeated.
        let e =
            Request::parse(r#"{"kind":"ExecCredential","spec":{"cluster":{"server":7654321}}}"#)
                .unwrap_err()
                .to_string();
        assert!(!e.contains("7654321"), "{e}");
    }

    #[test]
    fn clusters_need_a_scheme_and_compare_normalised() {
        let c = |t: &str| cluster(t).map(|s| s.to_string());
        assert_eq!(
            c("HTTPS://K8s.Example:443/"),
            Some("https://k8s.example".into())
        );
        assert_eq!(
            c("http://127.0.0.1:8080"),
            Some("http://127.0.0.1:8080".into())
        );
        assert_eq!(c("k8s.example:6443"), None);
        assert_eq!(c("https://user@k8s.example"), None);
        assert_ne!(c("https://k8s.example:6443"), c("https://k8s.example:6444"));
    }

    #[test]
    fn answers_are_exec_credentials() {
        let a = Answer {
            api_version: "client.authentication.k8s.io/v1".into(),
            address: "corp/me/token".parse().unwrap(),
            token: Secret::from("t\"k"),
            expires_at: Some(datetime!(2026-12-01 14:00:30.5 +01:00)),
        };
        assert_eq!(
            String::from_utf8(a.to_protocol().unwrap().to_vec()).unwrap(),
            "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\
             \"status\":{\"token\":\"t\\\"k\",\"expirationTimestamp\":\"2026-12-01T13:00:30Z\"}}\n"
        );
        let none = Answer {
            expires_at: None,
            ..a.clone()
        };
        let text = String::from_utf8(none.to_protocol().unwrap().to_vec()).unwrap();
        assert!(!text.contains("expiration"), "{text}");
        let binary = Answer {
            token: Secret::new(vec![0xff]),
            ..a
        };
        let e = binary.to_protocol().unwrap_err().to_string();
        assert!(e.contains("corp/me/token"), "{e}");
    }
}
