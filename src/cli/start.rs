//! How every sigil binary starts and ends: the parts of Rust's own start-up that sigil needs,
//! without the stack probe that cost a `sigil get` a twentieth of its time.
//!
//! A Rust `main` runs behind std's start-up, which on Linux also installs a stack-overflow
//! handler: it asks glibc where the main thread's stack is, and glibc finds out by reading and
//! parsing `/proc/self/maps` (about 100,000 instructions and five system calls), then maps an
//! alternate signal stack. For a command that lives two milliseconds that is measurable (see
//! `docs/build.md`), and what it buys, a "has overflowed its stack" message instead of a plain
//! segmentation fault, sigil does not need: core dumps are off ([`super::harden`]) either way.
//! So each binary defines the C `main` itself with [`crate::entry!`] and does here what it
//! keeps of std's start-up: standard descriptors that are never closed, `SIGPIPE` ignored (so
//! a closed pipe is an error sigil reports, exit 0, not a kill), and stdout flushed at the end.

use std::process::ExitCode;

#[cfg(unix)]
#[doc(hidden)]
pub use libc;

/// Defines the binary's C `main`, which runs `$body` (an expression giving the
/// [`ExitCode`]) through [`run`], and `__wrap_pow`, where the binary's calls to `pow` go
/// ([`pow`]). The expansion is the only unsafe code in sigil: the `#[unsafe(no_mangle)]` on
/// those two, and one `signal(SIGPIPE, SIG_IGN)`, made first, while the process has one thread,
/// as std's start-up makes it. A binary using it declares `#![cfg_attr(not(test), no_main)]`;
/// its unit-test build keeps the test harness's `main`.
#[macro_export]
macro_rules! entry {
    ($body:expr) => {
        #[cfg(not(test))]
        #[unsafe(no_mangle)]
        extern "C" fn main(
            _argc: ::std::ffi::c_int,
            _argv: *const *const ::std::ffi::c_char,
        ) -> ::std::ffi::c_int {
            #[cfg(unix)]
            // SAFETY: setting a signal's disposition to "ignore" installs no handler code, and
            // this runs before any other thread exists, as std's own start-up does it.
            unsafe {
                $crate::internal::cli::start::libc::signal(
                    $crate::internal::cli::start::libc::SIGPIPE,
                    $crate::internal::cli::start::libc::SIG_IGN,
                );
            }
            $crate::internal::cli::start::run(|| $body)
        }

        /// What the binary's calls to `pow` reach (build.rs links with `--wrap=pow`), so that
        /// the loader never has to open `libm.so.6`: see `sigil::internal::cli::start::pow`.
        #[unsafe(no_mangle)]
        extern "C" fn __wrap_pow(x: f64, y: f64) -> f64 {
            $crate::internal::cli::start::pow(x, y)
        }
    };
}

/// `x` to the power `y`: what the binaries' calls to the C library's `pow` reach instead
/// ([`crate::entry!`] defines `__wrap_pow`, and build.rs links the binaries with `--wrap=pow`).
///
/// Why: the only function of the C maths library anything in sigil calls is `pow`, in
/// indicatif's rate estimate (progress bars), and for that one function every start of the
/// `sigil` executable had the loader open, map and relocate `libm.so.6`: about 40 µs and nine
/// page faults of a 1.4 ms `sigil get` (docs/build.md). With the call renamed to
/// `__wrap_pow`, nothing asks for `libm.so.6` and the linker (`--as-needed`) leaves it out.
/// Nothing named `pow` is defined or exported, so a library loaded later keeps its own. The
/// `libm` crate is the Rust port of musl's maths library (already in the dependency tree); its
/// `pow` is as exact as glibc's.
pub fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// Runs the program: makes sure descriptors 0, 1 and 2 are open, runs `body`, and exits with
/// its code. `std::process::exit` flushes stdout as returning from a Rust `main` would.
pub fn run(body: impl FnOnce() -> ExitCode) -> ! {
    standard_descriptors();
    let code = body();
    std::process::exit(number(code))
}

/// Opens `/dev/null` on any of descriptors 0–2 that is closed, as std's start-up does: were
/// stdout closed, the next file sigil opened (the audit log, a store file) would get number 1,
/// and a secret printed to stdout would land in it. A new descriptor always takes the lowest
/// free number, so opening `/dev/null` fills the gaps in order; the first one above 2 is closed
/// again. One `open` and one `close` when nothing is missing.
///
/// Safe code only: std's `File` and rustix's safe calls. rustix's `stdin()` is used only to
/// ask whether a descriptor is closed, after /dev/null could not be opened.
#[cfg(unix)]
fn standard_descriptors() {
    use std::os::fd::{AsRawFd, IntoRawFd};
    loop {
        let null = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null");
        match null {
            Ok(file) if file.as_raw_fd() <= 2 => {
                // std opens files close-on-exec; a standard stream must reach the programs
                // sigil starts (`sigil run`'s command, the `sigil` an entry point execs), as
                // std's own /dev/null would. Then it stays open for the rest of the process.
                let _ = rustix::io::fcntl_setfd(&file, rustix::io::FdFlags::empty());
                let _ = file.into_raw_fd();
            }
            Ok(_) => return,
            Err(_) => {
                // Without /dev/null a closed standard stream cannot be filled: stop rather
                // than run with one.
                use rustix::io::{Errno, fcntl_getfd};
                use rustix::stdio::{stderr, stdin, stdout};
                if [stdin(), stdout(), stderr()]
                    .into_iter()
                    .any(|fd| fcntl_getfd(fd) == Err(Errno::BADF))
                {
                    std::process::abort();
                }
                return;
            }
        }
    }
}

#[cfg(not(unix))]
fn standard_descriptors() {}

/// The number an [`ExitCode`] stands for. std does not hand it back (that accessor is
/// unstable), but codes compare equal, and every code sigil makes is `ExitCode::from(u8)`.
fn number(code: ExitCode) -> i32 {
    (0..=u8::MAX)
        .find(|n| ExitCode::from(*n) == code)
        .map_or(1, i32::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_keep_their_number() {
        assert_eq!(number(ExitCode::SUCCESS), 0);
        assert_eq!(number(ExitCode::FAILURE), 1);
        for n in [2u8, 4, 5, 130, 255] {
            assert_eq!(number(ExitCode::from(n)), i32::from(n));
        }
    }
}
