//! `sigil`: the dispatcher; a thin shell over `sigil::internal::cli::sigil`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::sigil::main()
}
