//! Layer 3, ops: the use cases — adding a secret, policies, migrate, backup, export and
//! import, rekey, recipients, status, check, init, purge, the git helper, references,
//! masking, OAuth — built on the layers below (model, `fsutil` and `crypto`, identity, store
//! and audit) and importing only from them.
//! The `Sigil` handle in `lib.rs` belongs to this layer too.

pub mod add;
pub mod askpass;
pub mod backup;
pub mod check;
pub mod child;
pub mod docker_credential;
pub mod export;
pub mod git_credential;
pub mod init;
pub mod mask;
pub mod migrate;
#[cfg(feature = "oauth")]
pub mod oauth;
pub mod pip_keyring;
pub mod policy;
pub mod purge;
pub mod recipients;
pub mod reference;
pub mod rekey;
pub mod status;
