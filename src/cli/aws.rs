//! `sigil aws`: the AWS SDKs' `credential_process` answered from sigil. The protocol lives in
//! [`crate::ops::aws`]; this is the process around it: the JSON (and only that) on stdout,
//! real errors on stderr, never a prompt.

use super::out;
use crate::model::error::Result;
use clap::{Parser, Subcommand};

/// AWS credential_process backed by sigil
#[derive(Debug, Parser)]
#[command(
    name = "sigil-aws",
    version,
    about = "AWS credential_process backed by sigil",
    long_about = "AWS integration: the `aws` CLI and the AWS SDKs (botocore, boto3, …) run \
`sigil aws credential-process ADDRESS` when a profile's credential_process line names it, and \
read the keys of that one sigil account from its output.",
    after_help = "Setup (~/.aws/config, or ~/.aws/credentials without the `profile ` prefix):\n  \
[profile prod]\n  credential_process = sigil aws credential-process aws/prod\n\n\
Storing the keys (each read from a prompt or stdin, never from the command line):\n  \
sigil add aws/prod/aws_access_key_id\n  sigil add aws/prod/aws_secret_access_key\n\n\
Or move them out of ~/.aws/credentials, undoably:\n  sigil migrate ~/.aws/credentials"
)]
pub struct Args {
    /// What to do
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `sigil aws`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print an account's keys as credential_process JSON (run by the AWS SDKs)
    #[command(
        long_about = "Print an account's keys as the JSON an AWS SDK reads from a \
credential_process: {\"Version\":1,\"AccessKeyId\":…,\"SecretAccessKey\":…} with SessionToken \
when the account holds aws_session_token, and Expiration when it has an expiry (sigil add \
--expires). The fields are aws_access_key_id, aws_secret_access_key and aws_session_token of \
exactly the account named; nothing else is ever read or printed. It never prompts: a locked \
identity is an error with the advice to run `sigil unlock`.\n\n\
An account whose expiry has passed is refused, not handed out: sigil cannot renew AWS keys \
(that takes a call to AWS STS with other keys). A usage policy that does not allow aws \
(`sigil policy set ADDRESS --allow aws`) refuses too. Every refusal exits non-zero with the \
reason on stderr, which the SDK reports as its credential error; each answer or refusal is \
one audit entry (event aws).",
        after_help = "Examples:\n  \
sigil aws credential-process aws/prod\n  \
aws configure export-credentials --profile prod   # with the credential_process line above"
    )]
    CredentialProcess {
        /// The account: service/account (aws/prod)
        #[arg(value_name = "ADDRESS")]
        address: String,
        /// The backend choice.
        #[command(flatten)]
        backend: super::BackendArg,
    },
}

/// Runs `sigil aws`.
pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::CredentialProcess { address, backend } => {
            let account = super::address(&address)?;
            // The SDK runs it unattended and keeps its stderr until it exits: a passphrase
            // prompt would hang the SDK with nothing on the screen.
            crate::identity::never_prompt();
            let sigil = backend.open()?.for_use(crate::model::policy::Use::Aws);
            let creds = crate::ops::aws::credentials(&sigil, &account)?;
            out(&creds.to_json()?)
        }
    }
}
