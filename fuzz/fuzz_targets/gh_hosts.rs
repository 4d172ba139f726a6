//! Fuzz target `gh_hosts`: see `sigil_fuzz::gh_hosts` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::gh_hosts(data));
