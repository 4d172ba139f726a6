//! Fuzz target `git_credentials`: see `sigil_fuzz::git_credentials` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::git_credentials(data));
