//! `sigil-list`: a thin shell over `sigil::cli::list`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::cli::main("sigil-list", sigil::cli::list::run)
}
