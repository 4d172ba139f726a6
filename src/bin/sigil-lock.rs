//! `sigil-lock`: a thin shell over `sigil::internal::cli::lock`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-lock", sigil::internal::cli::lock::run)
}
