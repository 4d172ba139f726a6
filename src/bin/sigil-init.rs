//! `sigil-init`: a thin shell over `sigil::internal::cli::init`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-init", sigil::internal::cli::init::run)
}
