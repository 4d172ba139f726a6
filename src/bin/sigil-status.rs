//! `sigil-status`: a thin shell over `sigil::internal::cli::status`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-status", sigil::internal::cli::status::run)
}
