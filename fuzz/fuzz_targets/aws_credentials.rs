//! Fuzz target `aws_credentials`: see `sigil_fuzz::aws_credentials` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::aws_credentials(data));
