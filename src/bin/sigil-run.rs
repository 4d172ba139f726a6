//! `sigil-run`: a thin shell over `sigil::internal::cli::run`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main_with_code("sigil-run", sigil::internal::cli::run::run)
}
