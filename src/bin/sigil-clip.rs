//! `sigil-clip`: an entry point that starts the `sigil` executable beside it as `sigil-clip`, which
//! runs the built-in (`sigil::internal::cli::BUILTINS`).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::sigil::exec_as("sigil-clip")
}
