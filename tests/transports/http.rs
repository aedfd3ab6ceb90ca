//! The HTTP/1.1 front door: routing, keep-alive, limits, slowloris, assets.

use std::io::Write;
use std::time::Duration;

use liveview::ServerConfig;

use crate::support::http::HttpClient;
use crate::support::{TestServer, wait_until};

fn server() -> TestServer {
    TestServer::start(ServerConfig::default())
}

#[test]
fn routes_pages_and_404() {
    let server = server();
    let mut http = HttpClient::connect(server.addr);
    let page = http.get("/hello");
    assert_eq!(page.status, 200);
    assert_eq!(page.text(), "<h1>hello</h1>");
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(http.get("/nope").status, 404);
    let head = http.request("HEAD", "/hello", &[], b"").unwrap();
    assert_eq!((head.status, head.header("content-length"), head.body.len()), (200, Some("14"), 0));
}

#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let server = server();
    let mut http = HttpClient::connect(server.addr);
    for i in 0..5 {
        let body = format!("request {i}");
        let echoed = http.request("POST", "/echo", &[], body.as_bytes()).unwrap();
        assert_eq!(echoed.text(), body);
        assert_eq!(echoed.header("connection"), None);
    }
}

#[test]
fn connection_close_is_honoured() {
    let server = server();
    let mut http = HttpClient::connect(server.addr);
    let response = http.request("GET", "/hello", &[("connection", "close")], b"").unwrap();
    assert_eq!(response.header("connection"), Some("close"));
    assert!(http.is_closed_by_server());

    let mut http10 = HttpClient::connect(server.addr);
    http10.send_raw(b"GET /hello HTTP/1.0\r\n\r\n").unwrap();
    assert_eq!(http10.read_response(false).unwrap().status, 200);
    assert!(http10.is_closed_by_server());
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let server = server();
    let mut http = HttpClient::connect(server.addr);
    http.send_raw(b"POST /echo HTTP/1.1\r\ncontent-length: 3\r\n\r\noneGET /nope HTTP/1.1\r\n\r\nGET /hello HTTP/1.1\r\n\r\n")
        .unwrap();
    assert_eq!(http.read_response(false).unwrap().text(), "one");
    assert_eq!(http.read_response(false).unwrap().status, 404);
    assert_eq!(http.read_response(false).unwrap().status, 200);
}

#[test]
fn expect_continue_gets_100_first() {
    let server = server();
    let mut http = HttpClient::connect(server.addr);
    http.send_raw(b"POST /echo HTTP/1.1\r\ncontent-length: 5\r\nexpect: 100-continue\r\n\r\n")
        .unwrap();
    assert_eq!(http.read_response(false).unwrap().status, 100);
    http.send_raw(b"hello").unwrap();
    assert_eq!(http.read_response(false).unwrap().text(), "hello");
}

#[test]
fn bad_heads_are_refused_without_affecting_others() {
    let server = TestServer::start(
        ServerConfig::default()
            .with_max_head_size(1024)
            .with_max_headers(8)
            .with_max_body_size(100),
    );
    let mut healthy = HttpClient::connect(server.addr);
    assert_eq!(healthy.get("/hello").status, 200);

    let cases: Vec<(Vec<u8>, u16)> = vec![
        (b"\x16\x03\x01 not http\r\n\r\n".to_vec(), 400),
        (b"GET / HTTP/1.1\r\nbad header\r\n\r\n".to_vec(), 400),
        (format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(2000)).into_bytes(), 431),
        (
            (0..20).map(|i| format!("x-h{i}: v\r\n")).fold(
                b"GET / HTTP/1.1\r\n".to_vec(),
                |mut v, h| {
                    v.extend_from_slice(h.as_bytes());
                    v
                },
            ),
            431,
        ),
        (b"POST /echo HTTP/1.1\r\ncontent-length: 1000\r\n\r\n".to_vec(), 413),
        (b"POST /echo HTTP/1.1\r\ncontent-length: x\r\n\r\n".to_vec(), 400),
        (b"POST /echo HTTP/1.1\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n".to_vec(), 400),
        (b"POST /echo HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(), 501),
    ];
    for (mut bytes, status) in cases {
        if !bytes.ends_with(b"\r\n\r\n") {
            bytes.extend_from_slice(b"\r\n\r\n");
        }
        let mut http = HttpClient::connect(server.addr);
        http.send_raw(&bytes).unwrap();
        let response = http.read_response(false).unwrap();
        assert_eq!(
            response.status,
            status,
            "for {:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(60)])
        );
        assert_eq!(response.header("connection"), Some("close"));
        assert!(http.is_closed_by_server());
    }
    assert_eq!(healthy.get("/hello").status, 200);
}

#[test]
fn slowloris_heads_time_out() {
    let config = ServerConfig::default().with_request_timeout(Duration::from_millis(300));
    let server = TestServer::start(config);
    let mut slow = HttpClient::connect(server.addr);
    slow.send_raw(b"GET /hello HTTP/1.1\r\n").unwrap();
    // Trickle bytes: each read is quick, but the whole head never arrives in time.
    let mut closed = false;
    for _ in 0..200 {
        if slow.stream.write_all(b"x").is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(closed || slow.is_closed_by_server(), "a trickling head must be cut off");
    // Meanwhile and afterwards other clients are served.
    assert_eq!(HttpClient::connect(server.addr).get("/hello").status, 200);
}

#[test]
fn idle_keep_alive_connections_are_closed() {
    let server = TestServer::start(
        ServerConfig::default().with_keep_alive_timeout(Duration::from_millis(100)),
    );
    let mut http = HttpClient::connect(server.addr);
    assert_eq!(http.get("/hello").status, 200);
    assert!(http.is_closed_by_server());
}

#[test]
fn panicking_route_answers_500_and_the_server_lives_on() {
    let server = server();
    let mut http = HttpClient::connect(server.addr);
    assert_eq!(http.get("/panic").status, 500);
    assert_eq!(http.get("/hello").status, 200);
}

#[test]
fn connections_beyond_the_limit_get_503() {
    let server = TestServer::start(ServerConfig::default().with_max_connections(2));
    let mut first = HttpClient::connect(server.addr);
    let mut second = HttpClient::connect(server.addr);
    assert_eq!(first.get("/hello").status, 200);
    assert_eq!(second.get("/hello").status, 200);
    let mut third = HttpClient::connect(server.addr);
    assert_eq!(third.read_response(false).unwrap().status, 503);
    drop(first);
    wait_until("a slot frees up", || {
        let mut next = HttpClient::connect(server.addr);
        next.request("GET", "/hello", &[], b"").is_ok_and(|r| r.status == 200)
    });
}

#[test]
fn serves_the_client_assets() {
    let dir = std::env::temp_dir().join(format!("lv-it-assets-{}", std::process::id()));
    let phoenix = dir.join("phoenix/priv/static");
    let live_view = dir.join("phoenix_live_view/priv/static");
    std::fs::create_dir_all(&phoenix).unwrap();
    std::fs::create_dir_all(&live_view).unwrap();
    std::fs::write(phoenix.join("phoenix.min.js"), "var Phoenix={};").unwrap();
    std::fs::write(live_view.join("phoenix_live_view.esm.js"), "export const LiveSocket = 1;")
        .unwrap();
    let server = TestServer::start(ServerConfig::default().with_assets_dir(&dir));
    let mut http = HttpClient::connect(server.addr);

    let js = http.get("/assets/phoenix/phoenix.min.js");
    assert_eq!((js.status, js.text().as_str()), (200, "var Phoenix={};"));
    assert_eq!(js.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(js.header("cache-control"), Some("public, max-age=0, must-revalidate"));
    let etag = js.header("etag").unwrap().to_string();
    let again = http
        .request("GET", "/assets/phoenix/phoenix.min.js", &[("if-none-match", &etag)], b"")
        .unwrap();
    assert_eq!(again.status, 304);

    assert_eq!(http.get("/assets/phoenix_live_view/phoenix_live_view.esm.js").status, 200);
    let missing = http.get("/assets/phoenix_live_view/phoenix_live_view.min.js");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("npm install"), "{}", missing.text());
    assert_eq!(http.get("/assets/phoenix/..%2F..%2Fetc%2Fpasswd").status, 404);
    assert_eq!(http.get("/assets/liveview/app.js").status, 200);
    let head = http.request("HEAD", "/assets/phoenix/phoenix.min.js", &[], b"").unwrap();
    assert_eq!((head.status, head.header("content-length"), head.body.len()), (200, Some("15"), 0));
    assert_eq!(http.get("/assets/liveview/compat.js").status, 200);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn websocket_path_without_upgrade_is_400() {
    let server = server();
    assert_eq!(HttpClient::connect(server.addr).get("/live/websocket?vsn=2.0.0").status, 400);
}

/// Deterministic pseudo-random bytes (xorshift), so a failure can be replayed.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

#[test]
fn garbage_requests_never_take_the_server_down() {
    let server =
        TestServer::start(ServerConfig::default().with_request_timeout(Duration::from_millis(500)));
    for seed in 0..100 {
        let mut bytes = noise(seed, (seed as usize * 37) % 3000 + 1);
        // Half of them look like a request line first, to reach the header parser.
        if seed % 2 == 0 {
            bytes.splice(0..0, b"GET / HTTP/1.1\r\n".iter().copied());
        }
        bytes.extend_from_slice(b"\r\n\r\n");
        let mut http = HttpClient::connect(server.addr);
        let _ = http.send_raw(&bytes);
        if let Ok(response) = http.read_response(false) {
            assert!(
                matches!(response.status, 400 | 404 | 431 | 413 | 501 | 200),
                "seed {seed}: {}",
                response.status
            );
        }
    }
    assert_eq!(HttpClient::connect(server.addr).get("/hello").status, 200);
}
