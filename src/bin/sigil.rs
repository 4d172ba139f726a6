//! `sigil`: the dispatcher; a thin shell over `sigil::internal::cli::sigil`.
#![cfg_attr(not(test), no_main)]
#![forbid(unsafe_code)]

sigil::entry!(sigil::internal::cli::sigil::main());
