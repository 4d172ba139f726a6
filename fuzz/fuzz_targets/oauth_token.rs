//! Fuzz target `oauth_token`: see `sigil_fuzz::oauth_token` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::oauth_token(data));
