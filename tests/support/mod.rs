//! Shared test support: a fake Phoenix endpoint, a raw HTTP/1.1 client and a Phoenix-protocol
//! client speaking WebSocket or long-poll over real sockets.

#![allow(dead_code)]

pub mod app;
pub mod client;
pub mod endpoint;
pub mod http;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use liveview::{Server, ServerConfig, ServerHandle};

pub use client::PhxClient;
pub use endpoint::{EchoEndpoint, Stats};

/// Every blocking wait in these tests gives up after this long.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A server on 127.0.0.1:0 serving an [`EchoEndpoint`]; stopped on drop.
pub struct TestServer {
    handle: Option<ServerHandle>,
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
}

impl TestServer {
    pub fn start(config: ServerConfig) -> TestServer {
        let endpoint = EchoEndpoint::default();
        let stats = endpoint.stats.clone();
        TestServer::start_with(config, Arc::new(endpoint), stats)
    }

    pub fn start_with(
        config: ServerConfig,
        endpoint: Arc<dyn liveview::Endpoint>,
        stats: Arc<Stats>,
    ) -> TestServer {
        let server = Server::bind("127.0.0.1:0", config).expect("bind 127.0.0.1:0");
        let handle = server.spawn(endpoint).expect("spawn server");
        TestServer { addr: handle.local_addr(), handle: Some(handle), stats }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.shutdown();
        }
    }
}

/// Polls `condition` until it holds; panics with `what` after [`TIMEOUT`].
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Standard base64 (padded), as phoenix.js encodes binary long-poll messages.
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_rfc4648() {
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
}

/// A program's own tiny_http loop with the [`liveview::TinyHttpAdapter`]; routes the adapter
/// gives back answer `app route`.
pub struct TinyHttpServer {
    server: Arc<liveview::tiny_http::Server>,
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
}

impl TinyHttpServer {
    pub fn start(config: ServerConfig) -> TinyHttpServer {
        let endpoint = EchoEndpoint::default();
        let stats = endpoint.stats.clone();
        let adapter = liveview::TinyHttpAdapter::new(Arc::new(endpoint), config);
        let server =
            Arc::new(liveview::tiny_http::Server::http("127.0.0.1:0").expect("tiny_http bind"));
        let addr = server.server_addr().to_ip().expect("ip address");
        let serving = server.clone();
        std::thread::spawn(move || {
            for request in serving.incoming_requests() {
                if let Some(request) = adapter.handle(request) {
                    let _ =
                        request.respond(liveview::tiny_http::Response::from_string("app route"));
                }
            }
        });
        TinyHttpServer { server, addr, stats }
    }
}

impl Drop for TinyHttpServer {
    fn drop(&mut self) {
        self.server.unblock();
    }
}
