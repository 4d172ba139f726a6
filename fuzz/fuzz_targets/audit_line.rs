//! Fuzz target `audit_line`: see `sigil_fuzz::audit_line` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::audit_line(data));
