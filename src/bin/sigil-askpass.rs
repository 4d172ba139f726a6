//! `sigil-askpass`: an entry point that starts the `sigil` executable beside it as
//! `sigil-askpass`, which runs the built-in (`sigil::internal::cli::BUILTINS`): a program to
//! name in `GIT_ASKPASS`, `SSH_ASKPASS` or `SUDO_ASKPASS`.
#![cfg_attr(not(test), no_main)]
#![forbid(unsafe_code)]

sigil::entry!(sigil::internal::cli::sigil::exec_as("sigil-askpass"));
