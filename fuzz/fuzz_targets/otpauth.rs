//! Fuzz target `otpauth`: see `sigil_fuzz::otpauth` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::otpauth(data));
