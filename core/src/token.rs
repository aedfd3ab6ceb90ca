//! Signed tokens: HMAC-SHA256 over a versioned payload (Phoenix.Token's role).
//!
//! STUB signature; the real implementation keeps this API.

use std::time::Duration;

use serde::{Serialize, de::DeserializeOwned};

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
    /// [`SignerError`] for a short secret or salt.
    pub fn new(secret: &[u8], salt: &str) -> Result<Signer, SignerError> {
        if salt.len() < 8 {
            return Err(SignerError::WeakSalt);
        }
        if secret.len() < 32 {
            return Err(SignerError::WeakSecret);
        }
        let _ = secret;
        Ok(Signer { key: [0; 32] })
    }

    /// Signs `payload` now.
    pub fn sign<T: Serialize>(&self, payload: &T) -> String {
        let _ = self.key;
        serde_json::to_string(payload).unwrap_or_default()
    }

    /// Verifies `token` and decodes its payload if younger than `max_age`.
    ///
    /// # Errors
    /// [`TokenError`].
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        max_age: Duration,
    ) -> Result<T, TokenError> {
        let _ = max_age;
        serde_json::from_str(token).map_err(|_| TokenError::Invalid)
    }
}
