//! Errors of the transports: starting a server, and reading one request.

use std::{fmt, io};

/// Why the server could not start or stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerError {
    /// The address could not be bound (in use, no permission, unresolvable).
    Bind(io::Error),
    /// A thread could not be started (the process is at its thread limit).
    Spawn(io::Error),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Bind(e) => write!(f, "cannot bind the listening socket: {e}"),
            ServerError::Spawn(e) => write!(f, "cannot start a server thread: {e}"),
        }
    }
}

impl std::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServerError::Bind(e) | ServerError::Spawn(e) => Some(e),
        }
    }
}

/// Why a request could not be read; each maps to the answer the client gets (if any).
#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum RequestError {
    /// The peer closed the connection between requests (not an error for keep-alive).
    Closed,
    /// Nothing arrived within the keep-alive or request timeout: close without an answer.
    Timeout,
    /// The socket failed.
    Io(io::Error),
    /// Not HTTP/1.x: `400`.
    Malformed(&'static str),
    /// Head larger than the limit or too many headers: `431`.
    HeadTooLarge,
    /// Body larger than the limit: `413`.
    BodyTooLarge,
    /// `Transfer-Encoding` (chunked bodies are not accepted, which also rules out smuggling):
    /// `501`.
    UnsupportedEncoding,
}

impl RequestError {
    /// The status to answer with before closing, `None` when nothing should be written.
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            RequestError::Closed | RequestError::Timeout | RequestError::Io(_) => None,
            RequestError::Malformed(_) => Some(400),
            RequestError::HeadTooLarge => Some(431),
            RequestError::BodyTooLarge => Some(413),
            RequestError::UnsupportedEncoding => Some(501),
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Closed => f.write_str("connection closed by peer"),
            RequestError::Timeout => f.write_str("request did not arrive in time"),
            RequestError::Io(e) => write!(f, "socket error: {e}"),
            RequestError::Malformed(why) => write!(f, "malformed request: {why}"),
            RequestError::HeadTooLarge => f.write_str("request head too large"),
            RequestError::BodyTooLarge => f.write_str("request body too large"),
            RequestError::UnsupportedEncoding => f.write_str("transfer-encoding is not supported"),
        }
    }
}

impl std::error::Error for RequestError {}
