//! Links the unwinder into sigil's own executables statically instead of loading
//! `libgcc_s.so.1` at every start.
//!
//! Rust's standard library on `*-linux-gnu` asks the linker for `-lgcc_s`, for the unwinder
//! that backtraces use (sigil aborts on panic, so nothing unwinds through it). Loading that
//! shared library costs each process start a file to open and map, and its constructor
//! (`__cpu_indicator_init`) runs a string of CPUID instructions, which trap to the hypervisor
//! in a virtual machine. For `sigil get`, a command programs start for every secret they
//! read, that was about 7% of the CPU time of the whole run (docs/build.md). The static
//! archive `libgcc_eh.a` holds the same unwinder without the constructor.
//!
//! The switch is a directory holding a one-line linker script named `libgcc_s.so` that reads
//! `INPUT(/path/to/libgcc_eh.a)`, put on the search path of this package's binaries only
//! (`rustc-link-arg-bins`): a program that links the library is left as its toolchain makes
//! it. Where the C compiler cannot name `libgcc_eh.a` (another libc, another linker), nothing
//! changes and the binaries link as before.
//!
//! The binaries are linked with `--wrap=pow`: the one function of the C maths library sigil
//! calls (indicatif's progress estimate) is served by the binaries' own `__wrap_pow`, and no
//! start loads `libm.so.6` for it (src/cli/start.rs says why and how).
//!
//! Where the linker is LLVM's lld (rustc's own default for x86_64 Linux since 1.90) two more
//! arguments cut what a start costs, both measured in docs/build.md:
//! - `-z pack-relative-relocs` stores the executable's 15,000 relocations as a bitmap
//!   (`DT_RELR`, glibc 2.36 and later) instead of a 360 KB table the loader reads at start;
//! - `--symbol-ordering-file=link/symbol-order.txt` puts the functions that `sigil get` runs
//!   next to each other (`cargo xtask symbol-order` writes the list), so that a start touches a
//!   few windows of code instead of most of the dispatcher's 9 MB. Names the linker does not
//!   find (another toolchain, another Cargo.lock) are skipped without a word.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CC");
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    let static_crt = env("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static");
    if env("CARGO_CFG_TARGET_OS") != "linux" || env("CARGO_CFG_TARGET_ENV") != "gnu" || static_crt {
        return;
    }
    // Calls to the maths library's `pow` (indicatif's, the only one) go to the binaries' own
    // `__wrap_pow` (src/cli/start.rs), so that no start loads `libm.so.6` for it. GNU ld,
    // gold and lld all know `--wrap`.
    println!("cargo:rustc-link-arg-bins=-Wl,--wrap=pow");
    if linker_is_lld() {
        pack_and_order();
    }
    let Some(archive) = gcc_eh() else {
        return;
    };
    let dir = PathBuf::from(env("OUT_DIR")).join("static-unwinder");
    let script = format!("INPUT({})\n", archive.display());
    if std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("libgcc_s.so"), script))
        .is_ok()
    {
        println!("cargo:rustc-link-arg-bins=-L{}", dir.display());
    }
}

/// The absolute path of `libgcc_eh.a` as the C compiler (the linker driver) finds it. GCC
/// answers with the bare name when it has none, which is not an absolute path.
fn gcc_eh() -> Option<PathBuf> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    // A path with characters a linker script would need quoted is left alone.
    let plain = path
        .to_str()?
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c));
    (out.status.success() && path.is_absolute() && plain && path.is_file())
        .then(|| path.canonicalize().ok())
        .flatten()
}

/// Whether rustc links with its own lld and the C library reads `DT_RELR`. lld is rustc's
/// default for `x86_64-unknown-linux-gnu` from 1.90 on, unless a linker or linker flavour was
/// chosen: `RUSTC_LINKER` is cargo's resolved `linker` setting, and the flags cover
/// `-C linker`, `-C linker-flavor`, `-C link-self-contained` and `-Z linker-features`.
fn linker_is_lld() -> bool {
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    if env("TARGET") != "x86_64-unknown-linux-gnu"
        || std::env::var_os("RUSTC_LINKER").is_some()
        || env("CARGO_ENCODED_RUSTFLAGS").contains("link")
    {
        return false;
    }
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    // "rustc 1.95.0 (59807616e 2026-04-14)" or "rustc 1.97.0-nightly (…)"
    version_at_least(Command::new(rustc).arg("--version"), (1, 90))
        // lld marks an executable with `DT_RELR` as needing `GLIBC_ABI_DT_RELR`, which a
        // loader older than glibc 2.36 refuses. "glibc 2.36"
        && version_at_least(Command::new("getconf").arg("GNU_LIBC_VERSION"), (2, 36))
}

/// Whether the version `command` prints as its second word (`name 1.95.0 …`) is at least
/// `min` (major, minor); `false` when it does not run or says something else.
fn version_at_least(command: &mut Command, min: (u32, u32)) -> bool {
    let Ok(out) = command.output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= min
}

fn pack_and_order() {
    println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    let order = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("link/symbol-order.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    // A path the linker would split at a comma is left out rather than quoted.
    if order.is_file() && !order.to_string_lossy().contains(',') {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={},--no-warn-symbol-ordering",
            order.display()
        );
    }
}
