//! Fuzz target `template`: see `sigil_fuzz::template` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::template(data));
