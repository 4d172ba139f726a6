//! `sigil-recipients`: a thin shell over `sigil::internal::cli::recipients`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-recipients", sigil::internal::cli::recipients::run)
}
