//! `sigil-sync`: an entry point that starts the `sigil` executable beside it as `sigil-sync`, which
//! runs the built-in (`sigil::internal::cli::BUILTINS`).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::sigil::exec_as("sigil-sync")
}
