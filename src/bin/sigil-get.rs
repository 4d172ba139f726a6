//! `sigil-get`: a thin shell over `sigil::cli::get`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::cli::main("sigil-get", sigil::cli::get::run)
}
