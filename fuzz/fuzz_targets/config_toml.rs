//! Fuzz target `config_toml`: see `sigil_fuzz::config_toml` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sigil_fuzz::config_toml(data));
