#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plumb_agent::fuzzing::apk_installed_shaped(data));
