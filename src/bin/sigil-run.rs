//! `sigil-run`: a thin shell over `sigil::cli::run`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::cli::main_with_code("sigil-run", sigil::cli::run::run)
}
