//! Fuzz target `export`: see `sigil_fuzz::export` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::export(data));
