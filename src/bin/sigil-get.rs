//! `sigil-get`: a thin shell over `sigil::internal::cli::get`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-get", sigil::internal::cli::get::run)
}
