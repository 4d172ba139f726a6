//! `sigil-env`: a thin shell over `sigil::internal::cli::env`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-env", sigil::internal::cli::env::run)
}
