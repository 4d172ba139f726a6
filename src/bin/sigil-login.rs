//! `sigil-login`: a thin shell over `sigil::cli::login`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::cli::main("sigil-login", sigil::cli::login::run)
}
