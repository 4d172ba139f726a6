//! `sigil-add`: a thin shell over `sigil::internal::cli::add`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-add", sigil::internal::cli::add::run)
}
