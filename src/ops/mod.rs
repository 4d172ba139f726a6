//! Layer 3, ops: the use cases — adding a secret, editing one, generating one, finding
//! accounts, policies, migrate, backup, export and import, rekey, recipients, status, check,
//! init, purge, the integrations (git, docker, AWS, kubectl, netrc, cargo, pip, askpass),
//! references, masking, OAuth — built on the layers below (model, `fsutil` and `crypto`,
//! identity, store and audit) and importing only from them.
//! The `Sigil` handle is here too (`handle`, re-exported at the crate root), and `recover`
//! heals what an interrupted command left, for every command that opens a home.

pub mod add;
pub mod askpass;
pub mod aws;
pub mod backup;
pub mod cargo_credential;
pub mod check;
pub mod child;
pub mod clip;
pub mod docker_credential;
pub mod edit;
pub mod export;
pub mod find;
pub mod generate;
pub mod git_credential;
pub mod init;
pub mod kube_credential;
pub mod mask;
pub mod migrate;
pub mod mv;
pub mod netrc;
#[cfg(feature = "oauth")]
pub mod oauth;
pub mod pip_keyring;
pub mod policy;
#[cfg(all(unix, feature = "cli"))]
pub mod pty;
pub mod purge;
pub mod recipients;
pub mod recover;
pub mod reference;
pub mod rekey;
pub mod status;
pub mod sync;

pub mod handle;
