//! `sigil-list`: a thin shell over `sigil::internal::cli::list`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-list", sigil::internal::cli::list::run)
}
