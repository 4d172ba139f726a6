//! `sigil-login`: a thin shell over `sigil::internal::cli::login`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-login", sigil::internal::cli::login::run)
}
