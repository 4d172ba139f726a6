//! `sigil-init`: a thin shell over `sigil::cli::init`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::cli::main("sigil-init", sigil::cli::init::run)
}
