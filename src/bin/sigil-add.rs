//! `sigil-add`: a thin shell over `sigil::cli::add`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::cli::main("sigil-add", sigil::cli::add::run)
}
