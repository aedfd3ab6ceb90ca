//! Any bytes a client sends as a text frame: decoding never panics, and what decodes
//! re-encodes to something that decodes to the same frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use liveview_core::protocol::Frame;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(frame) = Frame::decode(text) {
        let again = Frame::decode(&frame.encode()).expect("an encoded frame decodes");
        assert_eq!(again, frame);
    }
});
