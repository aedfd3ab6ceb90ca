//! The WebSocket transport: handshake on our own front door, then tungstenite on the owned
//! `TcpStream`, split in two with `try_clone` (design.md §2.2).
//!
//! - Reading: one thread per connection blocks in tungstenite's `read()` and hands every text
//!   frame to the core's `ClientConnection`. tungstenite answers pings and the close handshake
//!   itself, writing through the shared writer.
//! - Writing: any thread (a view with a diff, a timer, PubSub) calls [`Transport::send`]; the
//!   frame is written straight to the socket under a mutex, header and payload in one
//!   `writev`, no copy, no queue. A client that does not read makes the write block; past
//!   `write_timeout` it is disconnected, so nothing is buffered for it without bound.
//! - Closing from the server uses code 1001 (going away): with 1000 the JS client would not
//!   reconnect. The Close frame is written, then the socket is shut down at once.

use std::io::{self, IoSlice, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use liveview_core::{ClientConnection, HttpRequest, HttpResponse, Transport, TransportError};
use parking_lot::Mutex;
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket, handshake::derive_accept_key};

use crate::depth::too_deep;
use crate::front::Front;
use crate::http::{
    HttpConn, has_token, is_timeout, linger_close, write_all_vectored, write_response,
};
use crate::server::ConnectionGuard;

/// Close codes we send.
const GOING_AWAY: u16 = 1001;
const PROTOCOL_ERROR: u16 = 1002;
const INVALID_DATA: u16 = 1007;
const POLICY_VIOLATION: u16 = 1008;
const TOO_BIG: u16 = 1009;

/// Frames a view may send before the `101` is written (from inside `connect`); beyond, `Full`.
const MAX_PENDING: usize = 64;

/// Answers a WebSocket handshake request: `101` and a reader thread, or an HTTP refusal
/// (`400`/`426` bad handshake, `403` origin or refused by the endpoint). Either way the HTTP
/// part of this connection ends here.
pub(crate) fn upgrade(
    front: &Front,
    mut conn: HttpConn,
    request: HttpRequest,
    guard: ConnectionGuard,
) {
    let refuse = |conn: &mut HttpConn, response: HttpResponse| {
        let _ = write_response(&mut conn.stream, &response, false, false);
        linger_close(&mut conn.stream);
    };
    let key = match check_handshake(&request) {
        Ok(key) => key,
        Err(response) => return refuse(&mut conn, response),
    };
    let config = &front.config;
    if !config.check_origin.allows(request.header("origin"), request.header("host")) {
        return refuse(&mut conn, text(403, "origin not allowed"));
    }
    let writer = match setup_stream(&conn.stream, config.write_timeout) {
        Ok(writer) => writer,
        Err(e) => return log::debug!("websocket setup failed: {e}"),
    };
    let shared = Arc::new(WsShared::new(writer));
    let transport: Arc<dyn Transport> = Arc::new(WsTransport(shared.clone()));
    let mut connection = match front.endpoint.connect(&request, transport) {
        Ok(connection) => connection,
        Err(e) => return refuse(&mut conn, text(403, &e.to_string())),
    };
    let protocol = if has_token(&request, "sec-websocket-protocol", "phoenix") {
        "sec-websocket-protocol: phoenix\r\n"
    } else {
        ""
    };
    let head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
         sec-websocket-accept: {}\r\n{protocol}\r\n",
        derive_accept_key(key.as_bytes())
    );
    if shared.open(head.as_bytes()).is_err() {
        shared.shutdown();
        return connection.closed();
    }
    let reader = Reader {
        leftover: conn.take_leftover(),
        stream: conn.stream,
        shared: shared.clone(),
        idle_timeout: config.ws_idle_timeout,
        ws_config: WebSocketConfig::default()
            .read_buffer_size(config.ws_read_buffer_size)
            .write_buffer_size(0)
            .max_write_buffer_size(64 * 1024)
            .max_message_size(Some(config.ws_max_message_size))
            .max_frame_size(Some(config.ws_max_message_size)),
    };
    // The connection travels through a channel so that it is still ours to close if the
    // thread cannot be started.
    let (handoff, receive) = crossbeam_channel::bounded::<Box<dyn ClientConnection>>(1);
    let spawned = thread::Builder::new()
        .name("lv-ws".into())
        .stack_size(config.ws_stack_size)
        .spawn(move || {
            let _guard = guard;
            let received = receive.recv();
            // The channel (~640 bytes, cache-padded) would otherwise live as long as the
            // connection: idle connections dominate memory.
            drop(receive);
            if let Ok(connection) = received {
                reader.run(connection);
            }
        });
    match spawned {
        Ok(_) => {
            let _ = handoff.send(connection);
        }
        Err(e) => {
            log::warn!("cannot start a websocket reader thread: {e}");
            shared.shutdown();
            connection.closed();
        }
    }
}

/// Checks an upgrade request; the `Sec-WebSocket-Key` or the refusal to send.
fn check_handshake(request: &HttpRequest) -> Result<String, HttpResponse> {
    if request.method != "GET" {
        return Err(text(405, "websocket handshake must be GET"));
    }
    if !has_token(request, "upgrade", "websocket") || !has_token(request, "connection", "upgrade") {
        return Err(text(400, "expected a websocket upgrade"));
    }
    if request.header("sec-websocket-version").map(str::trim) != Some("13") {
        return Err(
            text(426, "unsupported websocket version").with_header("sec-websocket-version", "13")
        );
    }
    match request.header("sec-websocket-key").map(str::trim) {
        Some(key) if !key.is_empty() => Ok(key.to_string()),
        _ => Err(text(400, "missing sec-websocket-key")),
    }
}

fn setup_stream(stream: &TcpStream, write_timeout: std::time::Duration) -> io::Result<TcpStream> {
    stream.set_nodelay(true)?;
    stream.set_write_timeout(Some(write_timeout))?;
    stream.try_clone()
}

fn text(status: u16, body: &str) -> HttpResponse {
    HttpResponse::new(status, "text/plain; charset=utf-8", body.as_bytes().to_vec())
}

/// The writing half, shared by the reader (pongs, close replies) and every sender.
#[derive(Debug)]
struct WsShared {
    writer: Mutex<Writer>,
    closed: AtomicBool,
}

#[derive(Debug)]
struct Writer {
    stream: TcpStream,
    state: State,
}

#[derive(Debug)]
enum State {
    /// Handshake not answered yet: frames sent from inside `connect` wait here.
    Pending(Vec<String>),
    Open,
    Closed,
}

impl WsShared {
    fn new(stream: TcpStream) -> WsShared {
        WsShared {
            writer: Mutex::new(Writer { stream, state: State::Pending(Vec::new()) }),
            closed: AtomicBool::new(false),
        }
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Writes the `101` head, then the frames queued during `connect`.
    fn open(&self, head: &[u8]) -> io::Result<()> {
        let mut writer = self.writer.lock();
        let State::Pending(pending) = std::mem::replace(&mut writer.state, State::Open) else {
            return Err(io::ErrorKind::NotConnected.into());
        };
        writer.stream.write_all(head)?;
        for frame in pending {
            write_frame(&mut writer.stream, OP_TEXT, &[frame.as_bytes()])?;
        }
        Ok(())
    }

    fn send(&self, payload: &str) -> Result<(), TransportError> {
        if self.is_closed() {
            return Err(TransportError::Closed);
        }
        let mut writer = self.writer.lock();
        match &mut writer.state {
            State::Open => {}
            State::Closed => return Err(TransportError::Closed),
            State::Pending(queue) if queue.len() >= MAX_PENDING => {
                return Err(TransportError::Full);
            }
            State::Pending(queue) => {
                queue.push(payload.to_string());
                return Ok(());
            }
        }
        match write_frame(&mut writer.stream, OP_TEXT, &[payload.as_bytes()]) {
            Ok(()) => Ok(()),
            Err(e) => {
                let slow = is_timeout(&e);
                log::debug!("websocket write failed ({e}); disconnecting");
                self.fail(&mut writer);
                Err(if slow { TransportError::Full } else { TransportError::Closed })
            }
        }
    }

    /// Bytes tungstenite writes (pong, close reply): whole frames, written through.
    fn write_raw(&self, bytes: &[u8]) -> io::Result<()> {
        let mut writer = self.writer.lock();
        if !matches!(writer.state, State::Open) {
            // After our own Close, tungstenite would echo the client's Close a second time.
            return Ok(());
        }
        let result = writer.stream.write_all(bytes);
        if result.is_err() {
            self.fail(&mut writer);
        }
        result
    }

    /// Sends a Close frame and ends the connection. Not waiting for the client's Close
    /// reply keeps the reader from lingering on a client that never answers; the client has
    /// read our Close before it replies, so the reset its late reply may get loses nothing.
    fn close(&self, code: u16, reason: &str) {
        let mut writer = self.writer.lock();
        if matches!(writer.state, State::Open) {
            let reason = &reason.as_bytes()[..reason.len().min(123)];
            let _ = write_frame(&mut writer.stream, OP_CLOSE, &[&code.to_be_bytes(), reason]);
        }
        self.fail(&mut writer);
    }

    /// Ends the connection at once (also wakes a reader blocked in `read`).
    fn shutdown(&self) {
        let mut writer = self.writer.lock();
        self.fail(&mut writer);
    }

    fn fail(&self, writer: &mut Writer) {
        writer.state = State::Closed;
        self.closed.store(true, Ordering::Release);
        let _ = writer.stream.shutdown(Shutdown::Both);
    }
}

const OP_TEXT: u8 = 0x1;
const OP_CLOSE: u8 = 0x8;

/// One unmasked, final server frame: header and payload parts in one vectored write.
fn write_frame(stream: &mut TcpStream, opcode: u8, parts: &[&[u8]]) -> io::Result<()> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut header = [0u8; 10];
    header[0] = 0x80 | opcode;
    let header_len = if len < 126 {
        header[1] = len as u8;
        2
    } else if let Ok(short) = u16::try_from(len) {
        header[1] = 126;
        header[2..4].copy_from_slice(&short.to_be_bytes());
        4
    } else {
        header[1] = 127;
        header[2..10].copy_from_slice(&(len as u64).to_be_bytes());
        10
    };
    let mut slices = [IoSlice::new(&header[..header_len]), IoSlice::new(&[]), IoSlice::new(&[])];
    for (slot, part) in slices[1..].iter_mut().zip(parts) {
        *slot = IoSlice::new(part);
    }
    write_all_vectored(stream, &mut slices)
}

/// [`Transport`] over one WebSocket.
#[derive(Debug)]
struct WsTransport(Arc<WsShared>);

impl Transport for WsTransport {
    fn send(&self, frame: String) -> Result<(), TransportError> {
        self.0.send(&frame)
    }

    fn close(&self) {
        self.0.close(GOING_AWAY, "");
    }

    fn kind(&self) -> &'static str {
        "websocket"
    }
}

/// What tungstenite reads from and writes its control replies to.
#[derive(Debug)]
struct ReadHalf {
    stream: TcpStream,
    shared: Arc<WsShared>,
}

impl Read for ReadHalf {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf)
    }
}

impl Write for ReadHalf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.shared.write_raw(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Everything the reader thread owns.
struct Reader {
    stream: TcpStream,
    leftover: Vec<u8>,
    shared: Arc<WsShared>,
    idle_timeout: Duration,
    ws_config: WebSocketConfig,
}

impl Reader {
    fn run(self, mut connection: Box<dyn ClientConnection>) {
        let shared = self.shared.clone();
        // A panic in the core while handling a frame costs this connection, not the process
        // (and the client still learns that it is gone, so it reconnects).
        let outcome = catch_unwind(AssertUnwindSafe(|| self.read_frames(connection.as_mut())));
        shared.shutdown();
        if outcome.is_err() {
            log::error!("panic while handling a websocket frame; connection closed");
        }
        if catch_unwind(AssertUnwindSafe(|| connection.closed())).is_err() {
            log::error!("panic in ClientConnection::closed");
        }
    }

    fn read_frames(self, connection: &mut dyn ClientConnection) {
        // The reader wakes every tick to notice an idle client or a finished server close.
        let tick =
            (self.idle_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(15));
        if self.stream.set_read_timeout(Some(tick)).is_err() {
            return;
        }
        let half = ReadHalf { stream: self.stream, shared: self.shared.clone() };
        let mut ws =
            WebSocket::from_partially_read(half, self.leftover, Role::Server, Some(self.ws_config));
        let mut last_frame = Instant::now();
        loop {
            match ws.read() {
                Ok(message) => {
                    last_frame = Instant::now();
                    match message {
                        Message::Text(text) if too_deep(text.as_str()) => {
                            self.shared.close(POLICY_VIOLATION, "frame nested too deeply");
                            break;
                        }
                        Message::Text(text) => connection.handle_text(text.as_str()),
                        Message::Binary(data) => connection.handle_binary(&data),
                        _ => {}
                    }
                }
                Err(tungstenite::Error::Io(e)) if is_timeout(&e) => {
                    if self.shared.is_closed() {
                        break;
                    }
                    if last_frame.elapsed() >= self.idle_timeout {
                        self.shared.close(GOING_AWAY, "idle");
                    }
                }
                Err(tungstenite::Error::Capacity(e)) => {
                    log::debug!("websocket message too big: {e}");
                    self.shared.close(TOO_BIG, "message too big");
                    break;
                }
                Err(tungstenite::Error::Utf8(_)) => {
                    self.shared.close(INVALID_DATA, "invalid utf-8");
                    break;
                }
                Err(tungstenite::Error::Protocol(e)) => {
                    log::debug!("websocket protocol error: {e}");
                    self.shared.close(PROTOCOL_ERROR, "protocol error");
                    break;
                }
                Err(_) => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handshake(headers: &[(&str, &str)]) -> HttpRequest {
        HttpRequest {
            method: "GET".into(),
            path: "/live/websocket".into(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..HttpRequest::default()
        }
    }

    #[test]
    fn validates_handshakes() {
        let good = [
            ("upgrade", "websocket"),
            ("connection", "keep-alive, Upgrade"),
            ("sec-websocket-version", "13"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ];
        assert_eq!(check_handshake(&handshake(&good)).unwrap(), "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(check_handshake(&handshake(&good[..2])).unwrap_err().status, 426);
        assert_eq!(check_handshake(&handshake(&good[1..])).unwrap_err().status, 400);
        let mut no_key = good;
        no_key[3] = ("sec-websocket-key", " ");
        assert_eq!(check_handshake(&handshake(&no_key)).unwrap_err().status, 400);
    }

    #[test]
    fn frames_headers_by_length() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let long = "x".repeat(300);
        write_frame(&mut server, OP_TEXT, &[b"hi"]).unwrap();
        write_frame(&mut server, OP_TEXT, &[long.as_bytes()]).unwrap();
        write_frame(&mut server, OP_CLOSE, &[&1001u16.to_be_bytes(), b""]).unwrap();
        let mut got = vec![0u8; 4 + 4 + 300 + 4];
        client.read_exact(&mut got).unwrap();
        assert_eq!(&got[..4], b"\x81\x02hi");
        assert_eq!(&got[4..8], &[0x81, 126, 1, 44]);
        assert_eq!(&got[308..], &[0x88, 2, 0x03, 0xe9]);
    }
}
