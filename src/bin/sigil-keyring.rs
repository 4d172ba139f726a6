//! `sigil-keyring`: an entry point that starts the `sigil` executable beside it as
//! `sigil-keyring`, which runs the built-in (`sigil::internal::cli::BUILTINS`). Linked as
//! `keyring` in a directory on pip's PATH, it is pip's keyring provider.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::sigil::exec_as("sigil-keyring")
}
