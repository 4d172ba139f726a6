//! `sigil-rm`: a thin shell over `sigil::internal::cli::rm`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-rm", sigil::internal::cli::rm::run)
}
