//! `sigil-env`: a thin shell over `sigil::cli::env`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::cli::main("sigil-env", sigil::cli::env::run)
}
