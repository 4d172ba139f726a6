//! Fuzz target `dotenv`: see `sigil_fuzz::dotenv` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::dotenv(data));
