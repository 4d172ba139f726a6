//! `git-credential-sigil`: a thin shell over `sigil::cli::git_credential`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::cli::main("git-credential-sigil", sigil::cli::git_credential::run)
}
