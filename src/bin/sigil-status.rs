//! `sigil-status`: a thin shell over `sigil::cli::status`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::cli::main("sigil-status", sigil::cli::status::run)
}
