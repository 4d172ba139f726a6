//! `sigil-resolve`: a thin shell over `sigil::internal::cli::resolve`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-resolve", sigil::internal::cli::resolve::run)
}
