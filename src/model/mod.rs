//! Layer 0, model: sigil's plain data and parsers — addresses, secrets, tokens, times, paths,
//! what the config and registry files hold, policies, the error type, notices — importing
//! nothing of sigil above this layer and touching no file (`store::metadata` reads and writes
//! them). The error type and the domain errors it wraps (the store's, the identity's) are
//! plain data, so they are here too, and nothing in this layer imports from above.

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
