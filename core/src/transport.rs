//! The seam between the core and the transports.
//!
//! A transport (WebSocket, long-poll) owns all network IO. For each client connection it asks
//! the app for a [`crate::Connection`] (the Phoenix socket: channel multiplexer, heartbeats,
//! joins), feeds it every text frame the client sends, and gives it a [`Transport`]: the
//! sending half, which any view thread may call at any moment (full duplex).
//!
//! This trait does not follow semver yet.

use std::fmt;
use std::sync::Arc;

use crate::http::{HttpRequest, HttpResponse};

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

/// What a transport serves: plain HTTP (pages, app routes) and socket connections.
///
/// The app (`liveview::App`) implements it; transports only see this trait, so they can be
/// tested with a fake endpoint.
pub trait Endpoint: Send + Sync + 'static {
    /// Answers a plain HTTP request (a live route's static render, an app route). `None` when
    /// the endpoint has no such route; the transport then serves assets or a 404.
    fn handle_http(&self, request: &HttpRequest) -> Option<HttpResponse>;

    /// Accepts a socket connection (`/live/websocket` or `/live/longpoll` request: query with
    /// `_csrf_token` and `vsn`, headers, cookies). The returned connection receives every frame
    /// the client sends; replies and pushes go through `transport`.
    ///
    /// # Errors
    /// [`ConnectError`] when the connection is refused (the transport answers 403).
    fn connect(
        &self,
        request: &HttpRequest,
        transport: Arc<dyn Transport>,
    ) -> Result<Box<dyn ClientConnection>, ConnectError>;
}

/// The receiving half of one client connection (Phoenix's socket process).
pub trait ClientConnection: Send {
    /// One text frame from the client (a V2 JSON array).
    fn handle_text(&mut self, text: &str);

    /// One binary frame from the client (upload chunks).
    fn handle_binary(&mut self, data: &[u8]);

    /// The connection is gone; views on it end with reason `Closed`.
    fn closed(&mut self);
}

/// Why a socket connection was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectError {
    /// Refused (bad origin, too many connections, ...); the text says why.
    Forbidden(String),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Forbidden(why) => write!(f, "connection refused: {why}"),
        }
    }
}

impl std::error::Error for ConnectError {}
