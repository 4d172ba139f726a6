//! `sigil-rekey`: a thin shell over `sigil::internal::cli::rekey`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-rekey", sigil::internal::cli::rekey::run)
}
