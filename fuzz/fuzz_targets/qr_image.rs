//! Fuzz target `qr_image`: see `sigil_fuzz::qr_image` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::qr_image(data));
