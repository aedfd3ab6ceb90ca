//! Signed tokens: HMAC-SHA256 over a versioned payload (Phoenix.Token's role).
//!
//! Format: `base64url(payload) "." base64url(mac)`, both without padding, so a token is safe
//! in URLs, cookies and HTML attributes without further escaping.
//! - `payload` is the JSON array `[version, signed_at_ms, data]`;
//! - `mac` is HMAC-SHA256 over the *encoded* payload text, with a key derived from the app
//!   secret and the salt (HMAC-SHA256(secret, domain label ‖ salt)), so tokens signed for
//!   one salt (sessions, flash, ...) never verify under another.
//!
//! The MAC is checked (in constant time, `Mac::verify_slice`) before anything of the payload
//! is decoded.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Version of the payload layout. Bump it whenever what tokens carry changes: tokens of an
/// older version are refused with [`TokenError::Outdated`] (Phoenix's `@token_vsn`).
pub const TOKEN_VERSION: u32 = 1;

/// Longest token accepted; anything longer is refused before decoding.
pub const MAX_TOKEN_LEN: usize = 64 * 1024;

/// Separates the key derivation of this format from any other use of the app secret.
const KEY_LABEL: &[u8] = b"liveview token v1\0";

/// Why a token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// Malformed, tampered with, or signed with another key or salt.
    Invalid,
    /// Older than the allowed age.
    Expired,
    /// Signed by an older token version.
    Outdated,
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenError::Invalid => "invalid token",
            TokenError::Expired => "expired token",
            TokenError::Outdated => "outdated token",
        })
    }
}

impl std::error::Error for TokenError {}

/// Why a signer could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignerError {
    /// `signing_salt` is required and must have at least 8 bytes.
    WeakSalt,
    /// The secret must have at least 32 bytes.
    WeakSecret,
}

impl std::fmt::Display for SignerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SignerError::WeakSalt => "signing_salt is required and must have at least 8 bytes",
            SignerError::WeakSecret => "the secret key must have at least 32 bytes",
        })
    }
}

impl std::error::Error for SignerError {}

/// Signs and verifies tokens with a key derived from the app secret and a salt.
///
/// Holds only the derived key, never the secret; `Debug` prints neither.
#[derive(Clone)]
pub struct Signer {
    key: [u8; 32],
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    /// A signer for `salt` under `secret`.
    ///
    /// # Errors
    /// [`SignerError`] for a secret shorter than 32 bytes or a salt shorter than 8.
    pub fn new(secret: &[u8], salt: &str) -> Result<Signer, SignerError> {
        if salt.len() < 8 {
            return Err(SignerError::WeakSalt);
        }
        if secret.len() < 32 {
            return Err(SignerError::WeakSecret);
        }
        let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| SignerError::WeakSecret)?;
        mac.update(KEY_LABEL);
        mac.update(salt.as_bytes());
        Ok(Signer { key: mac.finalize().into_bytes().into() })
    }

    /// Signs `payload` now.
    ///
    /// A payload serde_json cannot represent (e.g. a map with non-string keys) is a
    /// programming error: it is logged and the returned token is empty, which never verifies.
    pub fn sign<T: Serialize>(&self, payload: &T) -> String {
        self.sign_at(payload, SystemTime::now())
    }

    /// Signs `payload` as if it were `now` (clock injection for tests and tools).
    pub fn sign_at<T: Serialize>(&self, payload: &T, now: SystemTime) -> String {
        self.sign_with_version(TOKEN_VERSION, payload, now)
    }

    /// Signs with an explicit payload version: only for testing how older tokens are refused.
    #[doc(hidden)]
    pub fn sign_with_version<T: Serialize>(
        &self,
        version: u32,
        payload: &T,
        now: SystemTime,
    ) -> String {
        let body = match serde_json::to_string(&(version, unix_ms(now), payload)) {
            Ok(body) => body,
            Err(error) => {
                log::error!("cannot sign a token payload: {error}");
                return String::new();
            }
        };
        let mut token = URL_SAFE_NO_PAD.encode(body);
        let mac = self.mac(token.as_bytes()).finalize().into_bytes();
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(mac, &mut token);
        token
    }

    /// Verifies `token` and decodes its payload if younger than `max_age`.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for anything malformed or not signed by this key and salt,
    /// [`TokenError::Outdated`] for an older [`TOKEN_VERSION`], [`TokenError::Expired`] when
    /// older than `max_age`.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        max_age: Duration,
    ) -> Result<T, TokenError> {
        self.verify_at(token, max_age, SystemTime::now())
    }

    /// Like [`Signer::verify`], as if it were `now` (clock injection).
    ///
    /// # Errors
    /// See [`Signer::verify`].
    pub fn verify_at<T: DeserializeOwned>(
        &self,
        token: &str,
        max_age: Duration,
        now: SystemTime,
    ) -> Result<T, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Invalid);
        }
        let (body, signature) = token.split_once('.').ok_or(TokenError::Invalid)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Invalid)?;
        self.mac(body.as_bytes()).verify_slice(&signature).map_err(|_| TokenError::Invalid)?;

        let body = URL_SAFE_NO_PAD.decode(body).map_err(|_| TokenError::Invalid)?;
        let (version, signed_at, data): (u32, u64, Value) =
            serde_json::from_slice(&body).map_err(|_| TokenError::Invalid)?;
        if version < TOKEN_VERSION {
            return Err(TokenError::Outdated);
        }
        if version > TOKEN_VERSION {
            return Err(TokenError::Invalid);
        }
        let max_age_ms = u64::try_from(max_age.as_millis()).unwrap_or(u64::MAX);
        if unix_ms(now).saturating_sub(signed_at) > max_age_ms {
            return Err(TokenError::Expired);
        }
        serde_json::from_value(data).map_err(|_| TokenError::Invalid)
    }

    fn mac(&self, message: &[u8]) -> HmacSha256 {
        // HMAC takes keys of any length; 32 bytes cannot fail.
        let mut mac = HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(message);
        mac
    }
}

fn unix_ms(time: SystemTime) -> u64 {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::new(&[7; 32], "salt-salt").unwrap()
    }

    #[test]
    fn token_is_url_and_attribute_safe() {
        let token = signer().sign(&serde_json::json!({"a": "<\"'&>", "b": [1, 2]}));
        assert!(
            token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        );
        assert_eq!(token.matches('.').count(), 1);
    }

    #[test]
    fn debug_hides_the_key() {
        assert_eq!(format!("{:?}", signer()), "Signer(..)");
    }

    #[test]
    fn future_version_is_invalid_not_outdated() {
        let s = signer();
        let token = s.sign_with_version(TOKEN_VERSION + 1, &1, SystemTime::now());
        assert_eq!(s.verify::<i32>(&token, Duration::from_secs(60)), Err(TokenError::Invalid));
    }
}
