//! Fuzz target `netrc`: see `sigil_fuzz::netrc` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::netrc(data));
