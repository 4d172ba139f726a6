//! The binaries' building blocks — stores, registry, the CLI front end, dispatch, masking.
//! Public only so that the binaries, xtask and the benches reach them; not part of the
//! stable interface, hidden from the docs, and changed without notice.

#[path = "address.rs"]
pub mod address;
#[path = "backend.rs"]
pub mod backend;
#[cfg(feature = "cli")]
#[path = "cli/mod.rs"]
pub mod cli;
#[path = "config.rs"]
pub mod config;
#[path = "dispatch.rs"]
pub mod dispatch;
#[path = "dotenv.rs"]
pub mod dotenv;
#[path = "error.rs"]
pub mod error;
#[path = "exit.rs"]
pub mod exit;
#[path = "git_credential.rs"]
pub mod git_credential;
#[path = "identity.rs"]
pub mod identity;
#[path = "init.rs"]
pub mod init;
#[path = "mask.rs"]
pub mod mask;
#[cfg(feature = "oauth")]
#[path = "oauth/mod.rs"]
pub mod oauth;
#[path = "paths.rs"]
pub mod paths;
#[path = "reference.rs"]
pub mod reference;
#[path = "registry.rs"]
pub mod registry;
#[path = "secret.rs"]
pub mod secret;
#[path = "status.rs"]
pub mod status;
#[path = "store/mod.rs"]
pub mod store;
#[path = "token.rs"]
pub mod token;
#[path = "when.rs"]
pub mod when;
