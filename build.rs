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
