//! `kube-credential-sigil`: kubectl's exec credential plugin, answering kubectl (and any
//! client-go program) from sigil. The protocol and the cluster binding live in
//! [`crate::ops::kube_credential`]; this is the process around them: the request from the
//! environment, the `ExecCredential` on stdout, any error on stderr with a non-zero exit.

use super::out;
use crate::model::error::{Error, Result};
use crate::model::policy::Use;
use crate::ops::kube_credential::{self as kc, EXEC_INFO, Request};
use clap::Parser;

/// kubectl exec credential plugin backed by sigil
#[derive(Debug, Parser)]
#[command(
    name = "kube-credential-sigil",
    version,
    about = "kubectl exec credential plugin backed by sigil",
    long_about = "kubectl exec credential plugin backed by sigil. kubectl runs it from a \
kubeconfig's users[].user.exec stanza and passes its request in KUBERNETES_EXEC_INFO; it prints \
an ExecCredential in the apiVersion asked for (client.authentication.k8s.io/v1 or v1beta1) with \
status.token and, for an OAuth account, status.expirationTimestamp, the access token's expiry. \
An OAuth token that is due is refreshed first. It is not meant to be run by hand, reads nothing \
from stdin and never prompts: any failure is a non-zero exit with the reason on stderr, which \
kubectl shows.\n\n\
Every token is bound to the cluster: the kubeconfig must set provideClusterInfo: true, and only \
a cluster server mapped in config.toml gets one, [kube.\"https://k8s.example:6443\"] with \
address = \"corp/me\", compared by scheme, host (as a URL host), port and path. Another server \
gets nothing, and so does a request that does not name its cluster. A usage policy that does \
not allow kubectl refuses with an error, never a hang or a prompt. Every token handed out is \
one audit entry, event kubectl.",
    after_help = "Setup (kubeconfig):\n  users:\n  - name: me\n    user:\n      exec:\n        \
apiVersion: client.authentication.k8s.io/v1\n        command: kube-credential-sigil\n        \
interactiveMode: Never\n        provideClusterInfo: true\n\n\
config.toml:\n  [kube.\"https://k8s.example:6443\"]\n  address = \"corp/me\""
)]
pub struct Args {
    /// The backend choice.
    #[command(flatten)]
    pub backend: super::BackendArg,
}

/// Runs `kube-credential-sigil`: the `ExecCredential` on stdout, or an error.
pub fn run(args: Args) -> Result<()> {
    let Some(info) = std::env::var_os(EXEC_INFO) else {
        return Err(Error::Usage(format!(
            "{EXEC_INFO} is not set: kubectl runs this plugin from a kubeconfig's exec stanza"
        )));
    };
    let info = info
        .into_string()
        .map_err(|_| Error::Usage(format!("{EXEC_INFO} is not UTF-8 text")))?;
    let request = Request::parse(&info)?;
    // kubectl runs plugins unattended (interactiveMode: Never): a locked identity is an
    // error with the advice to unlock, never a prompt that kubectl would wait on.
    crate::identity::never_prompt();
    let sigil = args.backend.open()?.for_use(Use::Kubectl);
    let answer = kc::get(&sigil, &request)?;
    match out(&answer.to_protocol()?) {
        Err(e) if e.is_broken_pipe() => Ok(()),
        other => other,
    }
}
