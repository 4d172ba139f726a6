//! `sigil-policy`: a thin shell over `sigil::internal::cli::policy`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-policy", sigil::internal::cli::policy::run)
}
