//! The signed cookie session (`_liveview_key`) and the CSRF token bound to it.
//!
//! The cookie holds a signed map (Plug's cookie session store in spirit). Its `_csrf_token`
//! entry is a random secret; pages carry a *masked* copy of it in
//! `<meta name="csrf-token">` (a fresh mask per page, so the token on the page never repeats,
//! as Plug's CSRF protection does against BREACH). The socket connection and every join
//! must present a masked token that unmasks to the cookie's secret.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::http::HttpRequest;
use crate::session::SESSION_MAX_AGE;
use crate::token::Signer;
use crate::view::Session;

/// The session key holding the CSRF secret (Plug's name).
pub(crate) const CSRF_KEY: &str = "_csrf_token";

/// Cookie size above which browsers may drop the cookie.
const MAX_COOKIE_LEN: usize = 4000;

/// Bytes of a CSRF secret.
const SECRET_LEN: usize = 18;

/// Reads and writes the signed cookie session.
#[derive(Clone, Debug)]
pub(crate) struct CookieStore {
    signer: Signer,
    name: String,
}

impl CookieStore {
    pub(crate) fn new(signer: Signer, name: String) -> CookieStore {
        CookieStore { signer, name }
    }

    /// The verified session of a request (`None` when absent, tampered with or expired).
    pub(crate) fn read(&self, request: &HttpRequest) -> Option<Session> {
        let token = request.cookie(&self.name)?;
        match self.signer.verify::<Session>(token, SESSION_MAX_AGE) {
            Ok(session) => Some(session),
            Err(e) => {
                log::debug!("ignoring cookie session {}: {e}", self.name);
                None
            }
        }
    }

    /// A `Set-Cookie` value storing `session` (HttpOnly, SameSite=Lax, whole site; Secure
    /// when the request came over HTTPS through a proxy).
    pub(crate) fn set_cookie(&self, session: &Session, request: &HttpRequest) -> String {
        let token = self.signer.sign(session);
        if token.len() > MAX_COOKIE_LEN {
            log::warn!(
                "the session cookie is {} bytes; browsers drop cookies over about 4 KB: keep the session small",
                token.len()
            );
        }
        let secure =
            request.header("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https"));
        let secure = if secure { "; Secure" } else { "" };
        format!("{}={token}; Path=/; HttpOnly; SameSite=Lax{secure}", self.name)
    }
}

/// Makes sure `session` has a CSRF secret; returns it.
pub(crate) fn ensure_secret(session: &mut Session) -> String {
    match session.get(CSRF_KEY) {
        Some(Value::String(secret)) if !secret.is_empty() => secret.clone(),
        _ => {
            let secret = URL_SAFE_NO_PAD.encode(rand::random::<[u8; SECRET_LEN]>());
            session.insert(CSRF_KEY.to_owned(), Value::String(secret.clone()));
            secret
        }
    }
}

/// The CSRF secret of a session, if any.
pub(crate) fn secret_of(session: &Session) -> Option<&str> {
    session.get(CSRF_KEY).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A masked copy of `secret` for the page: base64url of `mask ++ (secret XOR mask)`.
pub(crate) fn mask(secret: &str) -> String {
    let secret = secret.as_bytes();
    let mut bytes = Vec::with_capacity(secret.len() * 2);
    bytes.extend((0..secret.len()).map(|_| rand::random::<u8>()));
    for (i, byte) in secret.iter().enumerate() {
        bytes.push(byte ^ bytes[i]);
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

/// True when `masked` (from the page) unmasks to `secret`; constant time in the content.
pub(crate) fn verify(masked: &str, secret: &str) -> bool {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(masked) else {
        return false;
    };
    let secret = secret.as_bytes();
    if bytes.len() != secret.len() * 2 || secret.is_empty() {
        return false;
    }
    let (mask, masked) = bytes.split_at(secret.len());
    let diff = mask.iter().zip(masked).zip(secret).fold(0u8, |acc, ((m, x), s)| acc | (m ^ x ^ s));
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_differ_and_verify() {
        let mut session = Session::new();
        let secret = ensure_secret(&mut session);
        assert_eq!(ensure_secret(&mut session), secret);
        let (a, b) = (mask(&secret), mask(&secret));
        assert_ne!(a, b);
        assert!(verify(&a, &secret) && verify(&b, &secret));
        assert!(!verify(&a, "another secret that is long enough"));
        assert!(!verify("not base64 !", &secret));
        assert!(!verify("", &secret));
        assert!(!verify(&a, ""));
    }
}
