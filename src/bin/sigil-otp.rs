//! `sigil-otp`: a thin shell over `sigil::internal::cli::otp`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main("sigil-otp", sigil::internal::cli::otp::run)
}
