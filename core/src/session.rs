//! What the page's tokens carry: `data-phx-session`, `data-phx-static`, and flash.
//!
//! Phoenix's `session.ex`/`static.ex` in data form. Tokens are signed with [`Signer`]; the
//! view id inside must match the join topic (`lv:<id>`).

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::token::{Signer, TokenError};

/// Max age of a session token: 14 days, as in Phoenix (`@max_session_age`).
pub const SESSION_MAX_AGE: Duration = Duration::from_secs(14 * 24 * 3600);

/// Max age of a flash token: 60 seconds, as in Phoenix.
pub const FLASH_MAX_AGE: Duration = Duration::from_secs(60);

/// The content of `data-phx-session`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionPayload {
    /// The view's DOM id; must equal the topic suffix.
    pub id: String,
    /// Registered view name.
    pub view: String,
    /// The root view's id (for children).
    pub root_id: Option<String>,
    /// The parent view's id (for children).
    pub parent_id: Option<String>,
    /// The live session of a router-mounted view; navigation only stays inside it.
    pub live_session: Option<String>,
    /// True when mounted from a live route (params are the URL's).
    pub router: bool,
    /// The user session (string keys).
    pub session: Map<String, Value>,
}

/// The content of `data-phx-static`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaticPayload {
    /// Must match the session's id.
    pub id: String,
    /// Flash of the static render.
    pub flash: Map<String, Value>,
    /// Keys assigned with `assign_new` during the static render.
    pub assign_new: Vec<String>,
}

/// Why a join's tokens were refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError {
    /// A token failed verification.
    Token(TokenError),
    /// The id inside the token does not match the topic.
    IdMismatch,
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionError::Token(e) => write!(f, "session token refused: {e}"),
            SessionError::IdMismatch => f.write_str("session token id does not match the topic"),
        }
    }
}

impl std::error::Error for SessionError {}

impl From<TokenError> for SessionError {
    fn from(e: TokenError) -> Self {
        SessionError::Token(e)
    }
}

/// Signs and verifies the page's tokens.
#[derive(Clone, Debug)]
pub struct Sessions {
    session: Signer,
    flash: Signer,
}

impl Sessions {
    /// Tokens signed by `session` (LiveView salt) and `flash` (flash salt) signers.
    pub fn new(session: Signer, flash: Signer) -> Sessions {
        Sessions { session, flash }
    }

    /// Signs a `data-phx-session` token.
    pub fn sign_session(&self, payload: &SessionPayload) -> String {
        self.session.sign(&("session", payload))
    }

    /// Signs a `data-phx-session` token as if it were `now` (clock injection for tests).
    pub fn sign_session_at(&self, payload: &SessionPayload, now: SystemTime) -> String {
        self.session.sign_at(&("session", payload), now)
    }

    /// Verifies a `data-phx-session` token for topic id `id`.
    ///
    /// # Errors
    /// [`SessionError`] when tampered, expired, outdated or for another id.
    pub fn verify_session(&self, token: &str, id: &str) -> Result<SessionPayload, SessionError> {
        let (kind, payload): (String, SessionPayload) =
            self.session.verify(token, SESSION_MAX_AGE)?;
        if kind != "session" {
            return Err(SessionError::Token(TokenError::Invalid));
        }
        if payload.id != id {
            return Err(SessionError::IdMismatch);
        }
        Ok(payload)
    }

    /// Signs a `data-phx-static` token.
    pub fn sign_static(&self, payload: &StaticPayload) -> String {
        self.session.sign(&("static", payload))
    }

    /// Verifies a `data-phx-static` token for view id `id`.
    ///
    /// # Errors
    /// [`SessionError`] when tampered, expired, outdated or for another id.
    pub fn verify_static(&self, token: &str, id: &str) -> Result<StaticPayload, SessionError> {
        let (kind, payload): (String, StaticPayload) =
            self.session.verify(token, SESSION_MAX_AGE)?;
        if kind != "static" {
            return Err(SessionError::Token(TokenError::Invalid));
        }
        if payload.id != id {
            return Err(SessionError::IdMismatch);
        }
        Ok(payload)
    }

    /// Signs a flash map (redirect payloads, the flash cookie).
    pub fn sign_flash(&self, flash: &Map<String, Value>) -> String {
        self.flash.sign(flash)
    }

    /// Signs a flash map as if it were `now` (clock injection for tests).
    pub fn sign_flash_at(&self, flash: &Map<String, Value>, now: SystemTime) -> String {
        self.flash.sign_at(flash, now)
    }

    /// Verifies a flash token (max age 60 s).
    ///
    /// # Errors
    /// [`TokenError`] when tampered or expired.
    pub fn verify_flash(&self, token: &str) -> Result<Map<String, Value>, TokenError> {
        self.flash.verify(token, FLASH_MAX_AGE)
    }
}
