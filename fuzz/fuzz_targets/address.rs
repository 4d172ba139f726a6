//! Fuzz target `address`: see `sigil_fuzz::address` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::address(data));
