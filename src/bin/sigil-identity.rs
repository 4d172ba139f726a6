//! `sigil-identity`: a thin shell over `sigil::internal::cli::identity`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-identity", sigil::internal::cli::identity::run)
}
