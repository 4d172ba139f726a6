//! `sigil-audit`: a thin shell over `sigil::internal::cli::audit`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-audit", sigil::internal::cli::audit::run)
}
