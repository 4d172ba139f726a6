//! `sigil-migrate`: an entry point that starts the `sigil` executable beside it as `sigil-migrate`, which
//! runs the built-in (`sigil::internal::cli::BUILTINS`).
#![cfg_attr(not(test), no_main)]
#![forbid(unsafe_code)]

sigil::entry!(sigil::internal::cli::sigil::exec_as("sigil-migrate"));
