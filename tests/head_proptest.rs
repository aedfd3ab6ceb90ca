//! Property: whatever request head a client sends, the front door answers with a valid
//! status (or closes), never panics, hangs or stops serving others. The same property as
//! the `http_head` cargo-fuzz target, run in the normal test suite on a few hundred
//! generated heads shaped like HTTP (so they reach the header and length parsing).

use std::sync::OnceLock;
use std::time::Duration;

use liveview::ServerConfig;
use proptest::prelude::*;

use crate::support::TestServer;
use crate::support::http::HttpClient;

fn server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let config = ServerConfig::default()
            .with_request_timeout(Duration::from_millis(100))
            .with_keep_alive_timeout(Duration::from_millis(100))
            .with_max_head_size(2048)
            .with_max_headers(16)
            .with_max_body_size(1024);
        TestServer::start(config)
    })
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("GET".to_owned()),
        Just("POST".to_owned()),
        Just("HEAD".to_owned()),
        Just("OPTIONS".to_owned()),
        "[A-Z]{0,12}",
        ".{0,8}",
    ]
}

fn target() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/hello".to_owned()),
        Just("/echo".to_owned()),
        Just("/live/websocket?vsn=2.0.0".to_owned()),
        Just("/live/longpoll?vsn=2.0.0".to_owned()),
        Just("/assets/phoenix/../../etc/passwd".to_owned()),
        "/[ -~]{0,80}",
        ".{0,40}",
    ]
}

fn header() -> impl Strategy<Value = (String, String)> {
    let name = prop_oneof![
        Just("content-length".to_owned()),
        Just("transfer-encoding".to_owned()),
        Just("connection".to_owned()),
        Just("upgrade".to_owned()),
        Just("expect".to_owned()),
        Just("sec-websocket-key".to_owned()),
        Just("sec-websocket-version".to_owned()),
        Just("origin".to_owned()),
        "[a-zA-Z-]{1,20}",
        ".{0,10}",
    ];
    let value = prop_oneof![
        "[0-9]{1,22}",
        Just("-1".to_owned()),
        Just("chunked".to_owned()),
        Just("upgrade, keep-alive".to_owned()),
        Just("websocket".to_owned()),
        Just("100-continue".to_owned()),
        "[ -~]{0,300}",
        ".{0,30}",
    ];
    (name, value)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_head_gets_a_valid_answer_or_a_close(
        method in token(),
        target in target(),
        version in prop_oneof![Just("HTTP/1.1"), Just("HTTP/1.0"), Just("HTTP/2.0"), Just("")],
        headers in proptest::collection::vec(header(), 0..24),
        body in proptest::collection::vec(any::<u8>(), 0..64),
        terminated in proptest::bool::weighted(0.8),
    ) {
        let server = server();
        let mut head = format!("{method} {target} {version}\r\n");
        for (name, value) in &headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if terminated {
            head.push_str("\r\n");
        }
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&body);
        let mut http = HttpClient::connect(server.addr);
        let _ = http.send_raw(&bytes);
        if let Ok(response) = http.read_response(false) {
            prop_assert!(
                matches!(response.status, 100 | 200 | 204 | 400 | 403 | 404 | 405 | 410 | 413
                    | 426 | 431 | 500 | 501 | 503)
                    || (response.status == 101 && method == "GET"),
                "status {} for {:?}", response.status, String::from_utf8_lossy(&bytes)
            );
        }
        // The server still serves a clean request on a new connection.
        prop_assert_eq!(HttpClient::connect(server.addr).get("/hello").status, 200);
    }
}
