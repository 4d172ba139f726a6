//! `sigil-check`: a thin shell over `sigil::internal::cli::check`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-check", sigil::internal::cli::check::run)
}
