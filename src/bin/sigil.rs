//! `sigil`: the dispatcher; a thin shell over `sigil::cli::sigil`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::cli::sigil::main()
}
