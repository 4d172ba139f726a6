//! `sigil-backup`: a thin shell over `sigil::internal::cli::backup`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-backup", sigil::internal::cli::backup::run)
}
