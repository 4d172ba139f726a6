//! Layer 0, model: sigil's plain data and parsers — addresses, secrets, tokens, times, paths,
//! what the config and registry files hold, policies, the error type, notices — importing
//! nothing of sigil above this layer and touching no file (`store::metadata` reads and writes
//! them). The back edges left, the error type wrapping the store's and the identity's errors,
//! are listed in `xtask/src/tidy.rs`.

pub mod address;
pub mod config;
pub mod dotenv;
pub mod error;
pub mod notice;
pub mod otp;
pub mod paths;
pub mod policy;
pub mod registry;
pub mod secret;
pub mod shown;
pub mod token;
pub mod when;
