//! Fuzz target `backup`: see `sigil_fuzz::backup` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::backup(data));
