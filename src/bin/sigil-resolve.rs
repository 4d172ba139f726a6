//! `sigil-resolve`: a thin shell over `sigil::cli::resolve`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::cli::main("sigil-resolve", sigil::cli::resolve::run)
}
