//! `sigil-rm`: a thin shell over `sigil::cli::rm`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::cli::main("sigil-rm", sigil::cli::rm::run)
}
