//! `sigil-get`: a thin shell over `sigil::internal::cli::get`. The one built-in linked into a
//! binary of its own besides `sigil`: programs start it for every secret they read, and it
//! costs one process start where an entry point that starts `sigil` costs two.
#![cfg_attr(not(test), no_main)]
#![forbid(unsafe_code)]

sigil::entry!(sigil::internal::cli::main(
    "sigil-get",
    sigil::internal::cli::get::run
));
