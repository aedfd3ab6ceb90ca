//! Flash messages carried across full page loads in the `__phoenix_flash__` cookie.
//!
//! When a view redirects with a flash, the JS client stores the signed flash token in this
//! cookie (60 s) before loading the next page; a static render that redirects does the same
//! with `Set-Cookie`. The next page render reads the cookie, verifies it and deletes it, as
//! Phoenix's `fetch_live_flash` plug does.

use serde_json::{Map, Value};

use crate::http::HttpRequest;
use crate::session::Sessions;

/// Name of the flash cookie (the JS client writes it, so the name is fixed).
pub const FLASH_COOKIE: &str = "__phoenix_flash__";

/// The verified flash of a request's cookie; empty when absent, tampered with or expired.
pub fn from_request(request: &HttpRequest, sessions: &Sessions) -> Map<String, Value> {
    match request.cookie(FLASH_COOKIE) {
        Some(token) if !token.is_empty() => sessions.verify_flash(token).unwrap_or_else(|e| {
            log::debug!("ignoring flash cookie: {e}");
            Map::new()
        }),
        _ => Map::new(),
    }
}

/// True when the request carries a flash cookie (which the response must then delete).
pub fn has_cookie(request: &HttpRequest) -> bool {
    request.cookie(FLASH_COOKIE).is_some_and(|v| !v.is_empty())
}

/// A `Set-Cookie` value storing a signed flash token for the next page (max age 60 s).
pub fn set_cookie(token: &str) -> String {
    format!("{FLASH_COOKIE}={token}; Max-Age=60; Path=/; SameSite=Lax")
}

/// A `Set-Cookie` value deleting the flash cookie once it has been read.
pub fn delete_cookie() -> String {
    format!("{FLASH_COOKIE}=; Max-Age=0; Path=/; SameSite=Lax")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_headers() {
        assert_eq!(set_cookie("abc"), "__phoenix_flash__=abc; Max-Age=60; Path=/; SameSite=Lax");
        assert!(delete_cookie().contains("Max-Age=0"));
        let req = HttpRequest {
            headers: vec![("cookie".into(), "__phoenix_flash__=; x=1".into())],
            ..HttpRequest::default()
        };
        assert!(!has_cookie(&req));
    }
}
