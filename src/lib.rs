//! sigil keeps API keys, passwords and OAuth tokens out of plaintext files and hands them to
//! programs on demand. This crate is the whole program; the binaries in `src/bin/` are thin
//! shells over it, and Rust programs link it instead of talking to a daemon:
//!
//! ```no_run
//! let sigil = sigil::open()?;
//! let token = sigil.get("github/me")?;
//! assert!(!token.expose().is_empty());
//! # Ok::<(), sigil::Error>(())
//! ```
//!
//! The interface is [`open`], [`Sigil`] (built with [`Sigil::builder`] for embedding and
//! tests) and the types they take and return, all at the crate root; `docs/library.md` says
//! what is stable. Everything under [`internal`] is the binaries' machinery.
//!
//! This file only declares the modules and re-exports the interface; the handle itself is
//! `ops::handle` (`src/ops/handle/`). docs/architecture.md draws the layers, says what each
//! module owns and how `sigil get` and `sigil migrate` flow through them.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[doc(hidden)]
pub mod internal;

// docs/architecture.md draws these layers, says what each module owns and how `sigil get` and
// `sigil migrate` flow through them.
//
// The layers, lowest first: model (`model`: plain data and parsers); base (`fsutil`, `crypto`);
// storage (`identity`, `unlock`, `seal`, `store`, `audit`); ops (`ops`: the use cases, the
// `Sigil` handle in `ops::handle` and the healing of interrupted commands in `ops::recover`);
// cli (`cli`, `exit`, the binaries). A module imports only from its own layer and the ones
// below (`imports_only_go_down` in xtask/src/tidy.rs). This file holds no code of its own
// (`lib_rs_holds_no_code`): it sits above every layer, as `internal` does. The modules are
// public to be reached through `internal` by the binaries, tests and benches, but for
// `fsutil` and `seal`.
#[doc(hidden)]
pub mod audit;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod crypto;
#[doc(hidden)]
pub mod exit;
mod fsutil;
#[doc(hidden)]
pub mod identity;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod ops;
mod seal;
#[doc(hidden)]
pub mod store;
#[doc(hidden)]
pub mod unlock;

pub use crate::identity::{Identity, IdentityError, IdentitySource};
pub use crate::model::address::{Address, AddressError, FieldAddress, Reference};
pub use crate::model::error::PermissionError;
pub use crate::model::error::{Error, ExitClass, MalformedFile, Result};
pub use crate::model::notice;
pub use crate::model::paths::Paths;
pub use crate::model::registry::{AccountMeta, Kind};
pub use crate::model::secret::Secret;
pub use crate::model::token::{Token, TokenSet};
pub use crate::model::when::ExpiryState;
pub use crate::ops::handle::{Account, Builder, PutOptions, Sigil, open};
pub use crate::store::StoreError;
pub use crate::store::backend::BackendKind;
