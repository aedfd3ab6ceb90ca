//! The seam between the core and the transports.
//!
//! A transport (WebSocket, long-poll) owns all network IO. For each client connection it asks
//! the app for a [`crate::Connection`] (the Phoenix socket: channel multiplexer, heartbeats,
//! joins), feeds it every text frame the client sends, and gives it a [`Transport`]: the
//! sending half, which any view thread may call at any moment (full duplex).
//!
//! This trait does not follow semver yet.

use std::fmt;

/// The sending half of one client connection, implemented by each transport.
pub trait Transport: Send + Sync + 'static {
    /// Sends one serialized Phoenix message (a V2 JSON array) to the client.
    ///
    /// # Errors
    /// [`TransportError::Closed`] once the connection is gone; [`TransportError::Full`] when
    /// the client cannot keep up (the transport then closes the connection).
    fn send(&self, frame: String) -> Result<(), TransportError>;

    /// Closes the connection from the server side (the client will reconnect).
    fn close(&self);

    /// The transport's name as `get_connect_info` reports it: `websocket` or `longpoll`.
    fn kind(&self) -> &'static str;
}

/// Why a frame could not be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportError {
    /// The connection is closed.
    Closed,
    /// The client does not read fast enough; its buffer is full.
    Full,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Closed => f.write_str("connection closed"),
            TransportError::Full => f.write_str("client buffer full: client does not keep up"),
        }
    }
}

impl std::error::Error for TransportError {}
