#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| plumb_agent::fuzzing::image_archive_shaped(data));
