//! HTTP/1.1 on a raw `TcpStream`: reading one request head (and body) under strict limits,
//! writing one response. Only what a LiveView front door needs: `Content-Length` bodies, no
//! chunked requests, keep-alive, `Expect: 100-continue`.

use std::io::{self, IoSlice, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use liveview_core::{HttpRequest, HttpResponse};

use crate::config::ServerConfig;
use crate::error::RequestError;

/// Initial (and kept) size of a connection's read buffer; grows up to the head limit only
/// for large heads and shrinks back after the request.
const BUFFER_SIZE: usize = 4 * 1024;

/// One request read off a connection.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) request: HttpRequest,
    /// The client wants the connection kept open after the response.
    pub(crate) keep_alive: bool,
}

/// The reading side of one HTTP connection: the socket plus bytes read past the last request
/// (pipelined requests, or the first WebSocket frames sent right after the handshake).
#[derive(Debug)]
pub(crate) struct HttpConn {
    pub(crate) stream: TcpStream,
    buf: Vec<u8>,
    len: usize,
    peer: Option<SocketAddr>,
}

impl HttpConn {
    pub(crate) fn new(stream: TcpStream) -> HttpConn {
        let peer = stream.peer_addr().ok();
        HttpConn { stream, buf: vec![0; BUFFER_SIZE], len: 0, peer }
    }

    /// Bytes already read past the last request, handed over to the WebSocket.
    pub(crate) fn take_leftover(&mut self) -> Vec<u8> {
        let leftover = self.buf[..self.len].to_vec();
        self.len = 0;
        leftover
    }

    /// Reads the next request. The first byte may take `keep_alive_timeout`; from then on the
    /// whole head and body must arrive within `request_timeout`, however slowly they trickle.
    pub(crate) fn read_request(&mut self, config: &ServerConfig) -> Result<Incoming, RequestError> {
        let mut deadline = Instant::now()
            + if self.len == 0 { config.keep_alive_timeout } else { config.request_timeout };
        let mut scanned = 0;
        loop {
            // Parse only once the blank line has arrived, so a head trickling in byte by byte
            // costs one parse, not one per packet (tungstenite's CVE-2023-43669).
            if let Some(end) = find_head_end(&self.buf[..self.len], scanned) {
                return self.parse(end, deadline, config);
            }
            scanned = self.len.saturating_sub(3);
            if self.len >= config.max_head_size {
                return Err(RequestError::HeadTooLarge);
            }
            let was_empty = self.len == 0;
            self.fill(deadline, config.max_head_size)?;
            if was_empty {
                deadline = Instant::now() + config.request_timeout;
            }
        }
    }

    /// Reads more bytes into the buffer, growing it up to `limit`.
    fn fill(&mut self, deadline: Instant, limit: usize) -> Result<(), RequestError> {
        if self.len == self.buf.len() {
            let grown = (self.buf.len() * 2).clamp(BUFFER_SIZE, limit.max(BUFFER_SIZE));
            if grown <= self.buf.len() {
                return Err(RequestError::HeadTooLarge);
            }
            self.buf.resize(grown, 0);
        }
        let end = self.buf.len().min(limit.max(self.len + 1));
        let n = read_before(&mut self.stream, &mut self.buf[self.len..end], deadline)?;
        if n == 0 {
            return Err(if self.len == 0 {
                RequestError::Closed
            } else {
                RequestError::Malformed("connection closed inside the request head")
            });
        }
        self.len += n;
        Ok(())
    }

    fn parse(
        &mut self,
        head_len: usize,
        deadline: Instant,
        config: &ServerConfig,
    ) -> Result<Incoming, RequestError> {
        let mut headers = vec![httparse::EMPTY_HEADER; config.max_headers];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(&self.buf[..head_len]) {
            Ok(httparse::Status::Complete(_)) => {}
            Ok(httparse::Status::Partial) => {
                return Err(RequestError::Malformed("incomplete head"));
            }
            Err(httparse::Error::TooManyHeaders) => return Err(RequestError::HeadTooLarge),
            Err(_) => return Err(RequestError::Malformed("not an HTTP/1.x request")),
        }
        let method = parsed.method.unwrap_or("GET").to_string();
        let target = parsed.path.unwrap_or("/");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let http11 = parsed.version == Some(1);
        let headers: Vec<(String, String)> = parsed
            .headers
            .iter()
            .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned()))
            .collect();
        let mut request = HttpRequest {
            method,
            path: path.to_string(),
            query: query.to_string(),
            headers,
            body: Vec::new(),
            peer: self.peer,
        };
        // HTTP/1.0 keep-alive would need `connection: keep-alive` echoed back; such clients
        // are rare enough that closing after each response is the simpler correct answer.
        let keep_alive = http11 && !has_token(&request, "connection", "close");
        let body_len = body_length(&request)?;
        if body_len > config.max_body_size {
            return Err(RequestError::BodyTooLarge);
        }
        let available = self.len - head_len;
        if body_len > available && has_token(&request, "expect", "100-continue") {
            self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(RequestError::Io)?;
        }
        let in_buffer = body_len.min(available);
        let mut body = Vec::with_capacity(body_len);
        body.extend_from_slice(&self.buf[head_len..head_len + in_buffer]);
        self.consume(head_len + in_buffer);
        while body.len() < body_len {
            let start = body.len();
            body.resize(body_len, 0);
            let n = read_before(&mut self.stream, &mut body[start..], deadline)?;
            body.truncate(start + n);
            if n == 0 {
                return Err(RequestError::Malformed("connection closed inside the body"));
            }
        }
        request.body = body;
        Ok(Incoming { request, keep_alive })
    }

    /// Drops the first `n` bytes of the buffer, keeping what follows (a pipelined request).
    fn consume(&mut self, n: usize) {
        self.buf.copy_within(n..self.len, 0);
        self.len -= n;
        if self.buf.len() > BUFFER_SIZE && self.len <= BUFFER_SIZE {
            self.buf.truncate(BUFFER_SIZE);
            self.buf.shrink_to_fit();
        }
    }
}

/// Position just past `\r\n\r\n` (or a bare `\n\n`), searching from `from`.
fn find_head_end(buf: &[u8], from: usize) -> Option<usize> {
    let start = from.min(buf.len());
    (start..buf.len()).find_map(|i| {
        if buf[i] != b'\n' {
            return None;
        }
        if i >= 3 && &buf[i - 3..i] == b"\r\n\r" {
            return Some(i + 1);
        }
        (i >= 1 && buf[i - 1] == b'\n').then_some(i + 1)
    })
}

fn read_before(
    stream: &mut TcpStream,
    into: &mut [u8],
    deadline: Instant,
) -> Result<usize, RequestError> {
    let remaining = deadline.saturating_duration_since(Instant::now());
    if remaining.is_zero() {
        return Err(RequestError::Timeout);
    }
    stream
        .set_read_timeout(Some(remaining.max(Duration::from_millis(1))))
        .map_err(RequestError::Io)?;
    loop {
        match stream.read(into) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) => return Err(RequestError::Timeout),
            Err(e) => return Err(RequestError::Io(e)),
        }
    }
}

fn body_length(request: &HttpRequest) -> Result<usize, RequestError> {
    if request.header("transfer-encoding").is_some() {
        return Err(RequestError::UnsupportedEncoding);
    }
    let mut length = None;
    for (_, value) in request.headers.iter().filter(|(k, _)| k == "content-length") {
        let parsed: usize =
            value.trim().parse().map_err(|_| RequestError::Malformed("bad content-length"))?;
        if length.is_some_and(|l| l != parsed) {
            return Err(RequestError::Malformed("conflicting content-length headers"));
        }
        length = Some(parsed);
    }
    Ok(length.unwrap_or(0))
}

/// Whether a comma-separated header (`Connection: keep-alive, Upgrade`) contains `token`.
pub(crate) fn has_token(request: &HttpRequest, header: &str, token: &str) -> bool {
    request
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(header))
        .flat_map(|(_, v)| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// Closes after an error answer without losing it: closing a socket with unread input makes
/// the kernel send RST, which can destroy the answer before the client reads it. So stop
/// writing, then discard input for a bounded time and amount.
pub(crate) fn linger_close(stream: &mut TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    while drained < 1024 * 1024 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => drained += n,
        }
    }
}

/// `WouldBlock` is what Linux reports when `SO_RCVTIMEO`/`SO_SNDTIMEO` expire.
pub(crate) fn is_timeout(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// Writes a response; `content-length` and `connection` are ours to set.
pub(crate) fn write_response(
    stream: &mut impl Write,
    response: &HttpResponse,
    keep_alive: bool,
    head_only: bool,
) -> io::Result<()> {
    let mut head = String::with_capacity(160);
    head.push_str("HTTP/1.1 ");
    head.push_str(&response.status.to_string());
    head.push(' ');
    head.push_str(reason(response.status));
    head.push_str("\r\n");
    for (name, value) in &response.headers {
        let skip = ["content-length", "connection", "transfer-encoding"];
        // A header value with a line break would let a handler inject headers or a body.
        if skip.iter().any(|s| name.eq_ignore_ascii_case(s)) || value.contains(['\r', '\n']) {
            continue;
        }
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("content-length: ");
    head.push_str(&response.body.len().to_string());
    head.push_str(if keep_alive { "\r\n\r\n" } else { "\r\nconnection: close\r\n\r\n" });
    let body: &[u8] = if head_only { &[] } else { &response.body };
    write_all_vectored(stream, &mut [IoSlice::new(head.as_bytes()), IoSlice::new(body)])
}

/// `write_all` over several slices with one syscall in the common case (a frame header and its
/// payload, a response head and its body): no copy into one buffer, one TCP segment.
pub(crate) fn write_all_vectored(
    stream: &mut impl Write,
    mut slices: &mut [IoSlice<'_>],
) -> io::Result<()> {
    IoSlice::advance_slices(&mut slices, 0);
    while !slices.is_empty() {
        match stream.write_vectored(slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// The first value of query parameter `name`, percent-decoded.
pub(crate) fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| percent_decode(v))
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_head_end() {
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n\r\nrest", 0), Some(18));
        assert_eq!(find_head_end(b"GET / HTTP/1.1\n\n", 0), Some(16));
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n", 0), None);
    }

    #[test]
    fn decodes_query_params() {
        assert_eq!(query_param("a=1&token=x%2By&b=2", "token").as_deref(), Some("x+y"));
        assert_eq!(query_param("token=a+b%", "token").as_deref(), Some("a b%"));
        assert_eq!(query_param("a=1", "token"), None);
    }

    #[test]
    fn writes_response_head() {
        let mut out = Vec::new();
        let response = HttpResponse::html("hi").with_header("x-evil", "a\r\nset-cookie: x");
        write_response(&mut out, &response, false, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("content-length: 2\r\nconnection: close\r\n\r\nhi"));
        assert!(!text.contains("set-cookie"));
    }
}
