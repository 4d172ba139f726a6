//! `sigil-keyring`: an entry point that starts the `sigil` executable beside it as
//! `sigil-keyring`, which runs the built-in (`sigil::internal::cli::BUILTINS`). Linked as
//! `keyring` in a directory on pip's PATH, it is pip's keyring provider.
#![cfg_attr(not(test), no_main)]
#![forbid(unsafe_code)]

sigil::entry!(sigil::internal::cli::sigil::exec_as("sigil-keyring"));
