//! sigil's project automation (`cargo xtask gen|test|bench`), in the cargo-xtask style: plain
//! Rust instead of shell scripts, so the same steps run on a laptop and in CI.
//!
//! - `cargo xtask gen [--check]` renders shell completions and man pages from the clap
//!   definitions in `sigil::internal::cli::commands()` into the committed `completions/` and `man/`.
//! - `cargo xtask test` is the one command a newcomer (and `.ci/run`) runs: it installs the
//!   external tools the tests need, then runs fmt, clippy and the whole test suite, the latter
//!   against a private Secret Service (gnome-keyring on a D-Bus bus of its own).
//! - `cargo xtask bench` measures whole-process timings against `age`, `pass` and
//!   `secret-tool` with hyperfine and writes `docs/performance.md`.
//! - `cargo xtask bench-completion` times only its completion rows (TAB in a 10,000-account
//!   registry) and prints them; `cargo xtask bench-vault` only its vault row (`sigil get` from
//!   a local OpenBao dev server next to `bao kv get`).
//! - `cargo xtask bench-sync` times only its team-store rows (`sigil sync clone` and one
//!   `sigil sync` of a 10,000-secret store with 100 members, `bench_sync.rs`) and prints them.
//! - `cargo xtask install-bench` times README's install command from a cold target directory,
//!   weighs what it installs and sums cargo's `--timings` by crate, into the Install block of
//!   `docs/performance.md`.
//! - `cargo xtask soak [--processes N] [--ops N] [--seconds LIMIT]` loads one store with N
//!   processes at once, checks that nothing was lost, invented or miscounted, and writes the
//!   figures into the soak section of `docs/performance.md` (`soak.rs`).
//! - `cargo xtask fuzz [--seconds N] [TARGET...]` runs sigil's fuzz targets (`fuzz/`) one after
//!   another with cargo-fuzz on nightly, N seconds each, and fails on a crash
//!   (`docs/fuzzing.md`).
//! - `cargo xtask keyring-shell [-- CMD...]` (hidden) runs CMD, or a shell, inside such a
//!   private Secret Service, e.g. `cargo xtask keyring-shell -- secret-tool search --all service
//!   sigil`.
//!
//! This file only parses the arguments and dispatches; each part lives in a module of its own:
//! `codegen` (gen), `test_env` (test, and the advisories and fuzz steps, from `advisories` and
//! `fuzz`), `bench` (with `bulk`, its large-store rows, and `bench_vault`), `soak`, `keyring` (the private Secret
//! Service, keyring-shell), `tools` (the external tools, and running commands) and `common`
//! (what all of them share).

use std::ffi::OsString;
use std::process::ExitCode;

mod advisories;
mod bench;
mod bench_sync;
mod bench_vault;
mod bulk;
mod codegen;
mod common;
mod docblock;
mod fuzz;
mod guides;
mod install;
mod keyring;
mod soak;
mod symbol_order;
mod team;
mod test_env;
mod tidy;
mod tools;

use clap::{Arg, ArgAction};
use common::{Result, workspace_root};

fn main() -> ExitCode {
    let matches = cli().get_matches();
    let done = |result: Result<()>| result.map(|()| ExitCode::SUCCESS);
    // Every subcommand returns rather than calling `std::process::exit` (gen --check aside), so
    // that what it started, such as a private Secret Service, is dropped and stopped first.
    let result = match matches.subcommand() {
        Some(("gen", m)) => done(if m.get_flag("check") {
            codegen::gen_check()
        } else {
            codegen::gen_write()
        }),
        Some(("test", _)) => done(test_env::test()),
        Some(("advisories", _)) => done(test_env::advisories(&workspace_root())),
        Some(("bench", _)) => done(bench::bench()),
        Some(("bench-completion", _)) => done(bench::bench_completion()),
        Some(("bench-team", _)) => done(team::bench_team()),
        Some(("bench-vault", _)) => done(bench_vault::bench_vault()),
        Some(("bench-sync", _)) => done(bench::bench_sync()),
        Some(("install-bench", _)) => done(install::run()),
        Some(("symbol-order", _)) => done(symbol_order::run()),
        Some(("soak", m)) => done(soak::run(&soak::Options {
            // Both are bounded by clap (at most 99 and 9,999), so they fit a usize.
            processes: *m.get_one::<u64>("processes").expect("has a default") as usize,
            ops: *m.get_one::<u64>("ops").expect("has a default") as usize,
            seconds: *m.get_one::<u64>("seconds").expect("has a default"),
            debug: m.get_flag("debug"),
        })),
        Some(("fuzz", m)) => done(test_env::fuzz(
            *m.get_one::<u64>("seconds").expect("has a default"),
            m.get_many::<String>("targets")
                .map(|t| t.cloned().collect())
                .unwrap_or_default(),
        )),
        Some(("keyring-shell", m)) => keyring::keyring_shell(
            m.get_many::<OsString>("command")
                .map(|args| args.cloned().collect())
                .unwrap_or_default(),
        ),
        // `subcommand_required` makes clap reject anything else before we get here.
        _ => unreachable!("clap requires a known subcommand"),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

// The builder API rather than derive: xtask's own clap dependency does not enable `derive`, and
// relying on the library's features being unified into ours would break silently.
fn cli() -> clap::Command {
    clap::Command::new("xtask")
        .bin_name("cargo xtask")
        .about("sigil's project automation")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(
            clap::Command::new("gen")
                .about("regenerate completions/ and man/ from the clap definitions")
                .arg(
                    Arg::new("check")
                        .long("check")
                        .action(ArgAction::SetTrue)
                        .help("change nothing; exit 1 when a generated file is out of date"),
                ),
        )
        .subcommand(
            clap::Command::new("test")
                .about("install missing tools, then run fmt, clippy and the whole test suite"),
        )
        .subcommand(
            clap::Command::new("advisories").about(
                "check Cargo.lock against the RustSec advisory snapshot in xtask/advisory-db",
            ),
        )
        .subcommand(clap::Command::new("install-bench").about(
            "time README's install command from a cold target directory and weigh what it \
                 installs; write the Install block of docs/performance.md",
        ))
        .subcommand(clap::Command::new("symbol-order").about(
            "profile `sigil get` under callgrind and write link/symbol-order.txt, the \
                 functions the linker packs together",
        ))
        .subcommand(clap::Command::new("bench").about(
            "time sigil against age, pass and secret-tool with hyperfine; write \
                 docs/performance.md",
        ))
        .subcommand(clap::Command::new("bench-team").about(
            "time only the team rows of `bench` (100 members, 10,000 secrets) and print them",
        ))
        .subcommand(
            clap::Command::new("bench-completion")
                .about("time only the completion rows of `bench` (10,000 accounts) and print them"),
        )
        .subcommand(clap::Command::new("bench-vault").about(
            "time only the vault row of `bench` (sigil get from an OpenBao dev server next to \
                 bao kv get) and print it",
        ))
        .subcommand(clap::Command::new("bench-sync").about(
            "time only the team-store rows of `bench` (sigil sync clone and sync, 100 members, \
             10,000 secrets) and print them",
        ))
        .subcommand(
            clap::Command::new("soak")
                .about(
                    "soak/load run: N processes of mixed operations on one store, then \
                     invariants checked; write the soak section of docs/performance.md",
                )
                .arg(
                    Arg::new("processes")
                        .long("processes")
                        .value_name("N")
                        .default_value("16")
                        .value_parser(clap::value_parser!(u64).range(1..=99))
                        .help("how many sigil processes run at once"),
                )
                .arg(
                    Arg::new("ops")
                        .long("ops")
                        .value_name("N")
                        .default_value("500")
                        .value_parser(clap::value_parser!(u64).range(1..=9999))
                        .help("how many operations each of them runs"),
                )
                .arg(
                    Arg::new("seconds")
                        .long("seconds")
                        .value_name("LIMIT")
                        .default_value("600")
                        .value_parser(clap::value_parser!(u64).range(1..=86_400))
                        .help("start no operation after LIMIT seconds; check and report"),
                )
                .arg(
                    Arg::new("debug")
                        .long("debug")
                        .action(ArgAction::SetTrue)
                        .help(
                            "use the debug build, for trying the soak itself (figures are \
                             printed, not written)",
                        ),
                ),
        )
        .subcommand(
            clap::Command::new("fuzz")
                .about(
                    "run the fuzz targets in fuzz/ one after another with cargo-fuzz on \
                     nightly; fail on a crash",
                )
                .arg(
                    Arg::new("seconds")
                        .long("seconds")
                        .value_name("N")
                        .default_value("60")
                        .value_parser(clap::value_parser!(u64).range(1..))
                        .help("how long each target runs"),
                )
                .arg(
                    Arg::new("targets")
                        .value_name("TARGET")
                        .num_args(0..)
                        .help("the targets to run (default: every one in fuzz/fuzz_targets/)"),
                ),
        )
        .subcommand(
            clap::Command::new("keyring-shell")
                .about(
                    "run CMD (default: $SHELL) against a private gnome-keyring, with the \
                     environment `cargo xtask test` gives the test suite",
                )
                .hide(true)
                .arg(
                    Arg::new("command")
                        .value_name("CMD")
                        .num_args(1..)
                        .trailing_var_arg(true)
                        .allow_hyphen_values(true)
                        .value_parser(clap::value_parser!(OsString)),
                ),
        )
}
