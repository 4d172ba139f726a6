//! The binaries' building blocks — stores, registry, the CLI front end, dispatch, masking —
//! by layer, lowest first: `model` (plain data and parsers); `crypto`; `identity`, `unlock`,
//! `store` and `audit`; `ops` (the use cases); `cli` and `exit` (the front end).
//! Public only so that the binaries, xtask and the benches reach them; not part of the
//! stable interface, hidden from the docs, and changed without notice.

#[cfg(feature = "cli")]
pub use crate::cli;
pub use crate::{audit, crypto, exit, identity, model, ops, store, unlock};
