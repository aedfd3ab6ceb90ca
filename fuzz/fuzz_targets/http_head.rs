//! Any bytes a client sends on a fresh connection to the real front door (a `Server` on
//! 127.0.0.1:0 with small limits): the answer is a valid status line or a close, and the
//! server still serves the next client. Slower than an in-memory target (one TCP
//! connection per input) but it fuzzes exactly what faces the network: head reading,
//! limits, httparse, body lengths, upgrade and long-poll routing.
#![no_main]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use liveview_core::{
    ClientConnection, ConnectError, Endpoint, HttpRequest, HttpResponse, Transport,
};
use liveview_transports::{Server, ServerConfig};

/// Answers `/hello`; refuses sockets (the handshake and long-poll paths still run).
struct Hello;

impl Endpoint for Hello {
    fn handle_http(&self, request: &HttpRequest) -> Option<HttpResponse> {
        (request.path == "/hello").then(|| HttpResponse::new(200, "text/plain", "hello"))
    }

    fn connect(
        &self,
        _request: &HttpRequest,
        _transport: Arc<dyn Transport>,
    ) -> Result<Box<dyn ClientConnection>, ConnectError> {
        Err(ConnectError::Forbidden("fuzzing".into()))
    }
}

fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let config = ServerConfig::default()
            .with_request_timeout(Duration::from_millis(50))
            .with_keep_alive_timeout(Duration::from_millis(50))
            .with_max_head_size(4096)
            .with_max_headers(16)
            .with_max_body_size(4096);
        let server = Server::bind("127.0.0.1:0", config).expect("bind");
        let handle = server.spawn(Arc::new(Hello)).expect("spawn");
        let addr = handle.local_addr();
        std::mem::forget(handle);
        addr
    })
}

fn exchange(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer
}

fuzz_target!(|data: &[u8]| {
    let addr = server();
    let answer = exchange(addr, data);
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 "),
        "not an HTTP answer: {:?}",
        String::from_utf8_lossy(&answer[..answer.len().min(200)])
    );
    let hello = exchange(addr, b"GET /hello HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    assert!(hello.starts_with(b"HTTP/1.1 200"), "the server stopped serving");
});
