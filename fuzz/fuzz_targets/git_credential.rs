//! Fuzz target `git_credential`: see `sigil_fuzz::git_credential` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::git_credential(data));
