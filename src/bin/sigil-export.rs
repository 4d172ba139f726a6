//! `sigil-export`: a thin shell over `sigil::internal::cli::export`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-export", sigil::internal::cli::export::run)
}
