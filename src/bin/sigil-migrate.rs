//! `sigil-migrate`: a thin shell over `sigil::internal::cli::migrate`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-migrate", sigil::internal::cli::migrate::run)
}
