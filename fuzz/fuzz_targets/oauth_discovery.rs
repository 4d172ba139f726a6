//! Fuzz target `oauth_discovery`: see `sigil_fuzz::oauth_discovery` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::oauth_discovery(data));
