//! `sigil-unlock`: a thin shell over `sigil::internal::cli::unlock`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-unlock", sigil::internal::cli::unlock::run)
}
