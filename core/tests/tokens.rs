//! Signed tokens: round trip, tampering, wrong keys, age, versions, garbage.

use std::time::{Duration, SystemTime};

use liveview_core::token::{Signer, SignerError, TOKEN_VERSION, TokenError};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-secret";
const DAY: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Payload {
    id: String,
    n: u64,
}

fn payload() -> Payload {
    Payload { id: "phx-F<script>\"'".into(), n: 42 }
}

fn signer() -> Signer {
    Signer::new(SECRET, "lv signing salt").unwrap()
}

#[test]
fn round_trip() {
    let s = signer();
    let token = s.sign(&payload());
    assert_eq!(s.verify::<Payload>(&token, DAY), Ok(payload()));
}

#[test]
fn weak_secret_and_salt_are_refused() {
    assert_eq!(Signer::new(&SECRET[..31], "long enough").unwrap_err(), SignerError::WeakSecret);
    assert_eq!(Signer::new(SECRET, "short").unwrap_err(), SignerError::WeakSalt);
    assert_eq!(Signer::new(SECRET, "").unwrap_err(), SignerError::WeakSalt);
}

#[test]
fn every_tampered_byte_is_invalid() {
    let s = signer();
    let token = s.sign(&payload());
    for i in 0..token.len() {
        let mut bytes = token.clone().into_bytes();
        // Swap to another character of the token alphabet so the change is not just a
        // decoding error.
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert_eq!(s.verify::<Payload>(&tampered, DAY), Err(TokenError::Invalid), "byte {i}");
    }
    assert_eq!(s.verify::<Payload>(&token[..token.len() - 1], DAY), Err(TokenError::Invalid));
    assert_eq!(s.verify::<Payload>(&format!("{token}A"), DAY), Err(TokenError::Invalid));
}

#[test]
fn wrong_salt_or_secret_is_invalid() {
    let token = signer().sign(&payload());
    let other_salt = Signer::new(SECRET, "another salt").unwrap();
    assert_eq!(other_salt.verify::<Payload>(&token, DAY), Err(TokenError::Invalid));
    let other_secret =
        Signer::new(b"another secret of at least 32 bytes!!", "lv signing salt").unwrap();
    assert_eq!(other_secret.verify::<Payload>(&token, DAY), Err(TokenError::Invalid));
}

#[test]
fn expired_after_max_age() {
    let s = signer();
    let signed = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let token = s.sign_at(&payload(), signed);
    let max_age = Duration::from_secs(60);
    assert_eq!(s.verify_at::<Payload>(&token, max_age, signed + max_age), Ok(payload()));
    assert_eq!(
        s.verify_at::<Payload>(&token, max_age, signed + max_age + Duration::from_millis(1)),
        Err(TokenError::Expired)
    );
}

#[test]
fn older_version_is_outdated() {
    let s = signer();
    let token = s.sign_with_version(TOKEN_VERSION - 1, &payload(), SystemTime::now());
    assert_eq!(s.verify::<Payload>(&token, DAY), Err(TokenError::Outdated));
}

#[test]
fn wrong_payload_type_is_invalid() {
    let s = signer();
    let token = s.sign(&"just a string");
    assert_eq!(s.verify::<Payload>(&token, DAY), Err(TokenError::Invalid));
}

#[test]
fn token_does_not_leak_the_secret_in_debug() {
    assert!(!format!("{:?}", signer()).contains("secret"));
}

proptest! {
    #[test]
    fn garbage_never_verifies_nor_panics(input in ".{0,300}") {
        prop_assert!(signer().verify::<serde_json::Value>(&input, DAY).is_err());
    }

    #[test]
    fn garbage_with_a_dot_never_verifies(a in "[A-Za-z0-9_-]{0,120}", b in "[A-Za-z0-9_-]{0,60}") {
        let token = format!("{a}.{b}");
        prop_assert!(signer().verify::<serde_json::Value>(&token, DAY).is_err());
    }

    #[test]
    fn any_payload_round_trips(id in ".{0,40}", n in any::<u64>()) {
        let s = signer();
        let p = Payload { id, n };
        let token = s.sign(&p);
        prop_assert_eq!(s.verify::<Payload>(&token, DAY), Ok(p));
    }
}
