//! `git-credential-sigil`: a thin shell over `sigil::internal::cli::git_credential`.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    sigil::internal::cli::main(
        "git-credential-sigil",
        sigil::internal::cli::git_credential::run,
    )
}
