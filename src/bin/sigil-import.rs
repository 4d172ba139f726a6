//! `sigil-import`: a thin shell over `sigil::internal::cli::import`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-import", sigil::internal::cli::import::run)
}
