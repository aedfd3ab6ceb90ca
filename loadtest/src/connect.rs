//! Opening one live connection the way the browser does: GET the page, upgrade
//! `/live/websocket`, `phx_join` the main view and wait for the join reply. Blocking, with
//! timeouts; the driver turns the socket non-blocking afterwards.

use std::fmt;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use tungstenite::client::IntoClientRequest;
use tungstenite::http::HeaderValue;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

use crate::frame::{self, Incoming};
use crate::page::{self, HttpUrl, PageError};

/// The join ref the tool uses on every connection (the JS client's first join on a fresh socket
/// is usually a small number too; the value is opaque to servers).
pub const JOIN_REF: u64 = 1;

/// A joined view, ready for events.
#[derive(Debug)]
pub struct Joined {
    /// The WebSocket (still blocking).
    pub ws: WebSocket<TcpStream>,
    /// `lv:<id>`.
    pub topic: String,
    /// Time from starting the GET to the join reply.
    pub connect_join: Duration,
    /// Bytes of the join reply frame (the full first render).
    pub join_reply_bytes: usize,
    /// Bytes of the dead-render page body.
    pub page_bytes: usize,
}

/// Why a connection failed to join.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The page GET failed.
    Page(PageError),
    /// The WebSocket handshake or a frame read/write failed.
    WebSocket(String),
    /// The server refused the join.
    JoinRefused(String),
    /// No join reply within the timeout.
    Timeout,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Page(e) => write!(f, "{e}"),
            ConnectError::WebSocket(m) => write!(f, "websocket: {m}"),
            ConnectError::JoinRefused(m) => write!(f, "join refused: {m}"),
            ConnectError::Timeout => f.write_str("no join reply in time"),
        }
    }
}

impl std::error::Error for ConnectError {}

/// Small buffers: the load tool holds thousands of sockets, and tungstenite's 128 KiB default
/// read buffer would cost it ~640 MB at 5,000 connections.
pub fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(8 * 1024).write_buffer_size(0)
}

/// GETs `url`, connects its socket and joins its main view.
///
/// # Errors
/// Any step failing or timing out.
pub fn open(url: &HttpUrl, page_url: &str, timeout: Duration) -> Result<Joined, ConnectError> {
    let started = Instant::now();
    let page = page::fetch(url, timeout).map_err(ConnectError::Page)?;
    let ws_err = |e: &dyn fmt::Display| ConnectError::WebSocket(e.to_string());

    let stream = TcpStream::connect(url.authority()).map_err(|e| ws_err(&e))?;
    stream.set_nodelay(true).map_err(|e| ws_err(&e))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| ws_err(&e))?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| ws_err(&e))?;
    let mut request =
        url.websocket_url(&page.csrf_token).into_client_request().map_err(|e| ws_err(&e))?;
    // Browsers always send Origin on a WebSocket upgrade; servers check it against Host.
    let origin =
        HeaderValue::from_str(&format!("http://{}", url.authority())).map_err(|e| ws_err(&e))?;
    request.headers_mut().insert("origin", origin);
    if !page.cookie.is_empty() {
        let cookie = HeaderValue::from_str(&page.cookie).map_err(|e| ws_err(&e))?;
        request.headers_mut().insert("cookie", cookie);
    }
    let (mut ws, _) = tungstenite::client::client_with_config(request, stream, Some(ws_config()))
        .map_err(|e| ws_err(&e))?;

    let topic = frame::topic(&page.id);
    ws.send(Message::text(frame::join(JOIN_REF, page_url, &page))).map_err(|e| ws_err(&e))?;
    let deadline = started + timeout;
    loop {
        if Instant::now() > deadline {
            return Err(ConnectError::Timeout);
        }
        let msg = match ws.read() {
            Ok(m) => m,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(ConnectError::Timeout);
            }
            Err(e) => return Err(ws_err(&e)),
        };
        let Message::Text(text) = msg else { continue };
        let Ok(incoming) = Incoming::parse(&text) else { continue };
        if incoming.topic != topic || incoming.ref_number() != Some(JOIN_REF) {
            continue;
        }
        return match incoming.reply_status().as_deref() {
            Some("ok") => Ok(Joined {
                ws,
                topic,
                connect_join: started.elapsed(),
                join_reply_bytes: text.len(),
                page_bytes: page.body_bytes,
            }),
            _ => Err(ConnectError::JoinRefused(incoming.payload.get().chars().take(200).collect())),
        };
    }
}
