//! Any token string: verification never panics and never accepts a token this key did not
//! sign.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use liveview_core::token::Signer;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let signer = Signer::new(&[7u8; 64], "fuzz-salt").expect("valid key");
    let verified: Result<serde_json::Value, _> = signer.verify(token, Duration::from_secs(60));
    assert!(verified.is_err(), "a forged token was accepted: {token:?}");
});
