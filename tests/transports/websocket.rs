//! WebSocket-specific behaviour: handshake, origin, limits, idle and slow clients.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::time::Duration;

use liveview::{CheckOrigin, ServerConfig, TransportError};
use serde_json::json;
use tungstenite::client::IntoClientRequest;

use crate::support::client::Kind;
use crate::support::http::HttpClient;
use crate::support::{PhxClient, TIMEOUT, TestServer, wait_until};

fn status_of(result: Result<PhxClient, tungstenite::Error>) -> u16 {
    match result {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected an HTTP refusal, got a connection"),
    }
}

fn heartbeat_ok(client: &mut PhxClient) {
    let msg_ref = client.push(None, "phoenix", "heartbeat", json!({}));
    assert_eq!(client.reply(&msg_ref)["status"], "ok");
}

#[test]
fn answers_the_phoenix_subprotocol_only_when_offered() {
    let server = TestServer::start(ServerConfig::default());
    for (offered, expected) in [
        (Some("phoenix"), Some("phoenix")),
        (Some("phoenix, base64url.bearer.phx.eA"), Some("phoenix")),
        (None, None),
    ] {
        let mut request =
            format!("ws://{}/live/websocket?vsn=2.0.0", server.addr).into_client_request().unwrap();
        if let Some(offered) = offered {
            request.headers_mut().insert("sec-websocket-protocol", offered.parse().unwrap());
        }
        let stream = TcpStream::connect(server.addr).unwrap();
        let (_, response) = tungstenite::client(request, stream).unwrap();
        let answered =
            response.headers().get("sec-websocket-protocol").map(|v| v.to_str().unwrap());
        assert_eq!(answered, expected);
        assert!(
            response.headers().get("sec-websocket-extensions").is_none(),
            "no permessage-deflate"
        );
    }
}

#[test]
fn check_origin_refuses_foreign_pages() {
    let server = TestServer::start(ServerConfig::default());
    let addr = server.addr;
    assert_eq!(
        status_of(PhxClient::websocket(addr, "vsn=2.0.0", Some("http://evil.example"))),
        403
    );
    assert_eq!(
        status_of(PhxClient::websocket(addr, "vsn=2.0.0", Some(&format!("http://{addr}.evil")))),
        403
    );
    // Same host, and no Origin at all (not a browser), are accepted.
    heartbeat_ok(
        &mut PhxClient::websocket(addr, "vsn=2.0.0", Some(&format!("http://{addr}"))).unwrap(),
    );
    heartbeat_ok(&mut PhxClient::websocket(addr, "vsn=2.0.0", None).unwrap());
    assert_eq!(server.stats.connects.load(Ordering::SeqCst), 2);

    let listed = TestServer::start(
        ServerConfig::default().with_check_origin(CheckOrigin::allow(["https://app.example"])),
    );
    heartbeat_ok(
        &mut PhxClient::websocket(listed.addr, "vsn=2.0.0", Some("https://app.example")).unwrap(),
    );
    assert_eq!(
        status_of(PhxClient::websocket(listed.addr, "vsn=2.0.0", Some("http://app.example"))),
        403
    );
}

#[test]
fn refused_connect_is_403() {
    let server = TestServer::start(ServerConfig::default());
    assert_eq!(status_of(PhxClient::websocket(server.addr, "vsn=2.0.0&refuse=1", None)), 403);
}

#[test]
fn bad_handshakes_are_refused() {
    let server = TestServer::start(ServerConfig::default());
    let base =
        "GET /live/websocket HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n";
    for (extra, status) in [
        ("sec-websocket-version: 8\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n", 426),
        ("sec-websocket-version: 13\r\n", 400),
    ] {
        let mut http = HttpClient::connect(server.addr);
        http.send_raw(format!("{base}{extra}\r\n").as_bytes()).unwrap();
        assert_eq!(http.read_response(false).unwrap().status, status);
    }
}

/// The client may send its first frame in the same packet as the handshake: those bytes are
/// read with the head and must reach tungstenite.
#[test]
fn frames_sent_with_the_handshake_are_not_lost() {
    let server = TestServer::start(ServerConfig::default());
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut bytes = b"GET /live/websocket?vsn=2.0.0 HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        .to_vec();
    bytes.extend(masked_text_frame(br#"[null,"1","phoenix","heartbeat",{}]"#));
    stream.write_all(&bytes).unwrap();
    let mut received = Vec::new();
    let expected = br#"[null,"1","phoenix","phx_reply",{"status":"ok","response":{}}]"#;
    while !received.windows(expected.len()).any(|w| w == expected) {
        let mut chunk = [0u8; 1024];
        let n = stream.read(&mut chunk).expect("reply to the early frame");
        assert!(n > 0, "closed before the reply: {:?}", String::from_utf8_lossy(&received));
        received.extend_from_slice(&chunk[..n]);
    }
    assert!(received.starts_with(b"HTTP/1.1 101"));
    assert!(
        String::from_utf8_lossy(&received)
            .contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n")
    );
}

fn masked_text_frame(payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![0x81, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

#[test]
fn oversized_messages_close_only_that_connection() {
    let server = TestServer::start(ServerConfig::default().with_ws_max_message_size(1024));
    let mut bystander = PhxClient::connect(Kind::WebSocket, server.addr);
    let mut big = PhxClient::connect(Kind::WebSocket, server.addr);
    big.push(None, "phoenix", "heartbeat", json!({"pad": "z".repeat(4096)}));
    let code = big.wait_closed();
    assert!(code == 1009 || code == 1006, "close code {code}");
    wait_until("the big client is reported closed", || {
        server.stats.closed.load(Ordering::SeqCst) == 1
    });
    heartbeat_ok(&mut bystander);
}

#[test]
fn protocol_violations_close_only_that_connection() {
    let server = TestServer::start(ServerConfig::default());
    let mut bystander = PhxClient::connect(Kind::WebSocket, server.addr);
    let mut raw = TcpStream::connect(server.addr).unwrap();
    raw.set_read_timeout(Some(TIMEOUT)).unwrap();
    raw.write_all(
        b"GET /live/websocket HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    .unwrap();
    // An unmasked client frame and then garbage: RFC 6455 says close.
    raw.write_all(b"\x81\x05hello\xff\xff\xff").unwrap();
    let mut all = Vec::new();
    let _ = raw.read_to_end(&mut all);
    assert!(all.starts_with(b"HTTP/1.1 101"));
    wait_until("the violating client is reported closed", || {
        server.stats.closed.load(Ordering::SeqCst) == 1
    });
    heartbeat_ok(&mut bystander);
}

#[test]
fn idle_connections_are_closed_with_going_away() {
    let server =
        TestServer::start(ServerConfig::default().with_ws_idle_timeout(Duration::from_millis(200)));
    let mut client = PhxClient::connect(Kind::WebSocket, server.addr);
    assert_eq!(client.wait_closed(), 1001);
    wait_until("the idle client is reported closed", || {
        server.stats.closed.load(Ordering::SeqCst) == 1
    });
}

#[test]
fn a_client_that_does_not_read_is_disconnected() {
    let config = ServerConfig::default().with_write_timeout(Duration::from_millis(200));
    let server = TestServer::start(config);
    let mut bystander = PhxClient::connect(Kind::WebSocket, server.addr);
    let mut stuck = PhxClient::connect(Kind::WebSocket, server.addr);
    let join_ref = stuck.join("room:1");
    // 100 MB of pushes that the client never reads: the socket buffers fill, the write blocks
    // past the write timeout, and the server gives up on this client.
    stuck.push(Some(&join_ref), "room:1", "push_now", json!({"count": 10_000, "size": 10_000}));
    wait_until("the flood is refused", || server.stats.flood_error.lock().unwrap().is_some());
    let error = server.stats.flood_error.lock().unwrap().clone();
    assert!(matches!(error, Some(TransportError::Full | TransportError::Closed)), "{error:?}");
    wait_until("the stuck client is reported closed", || {
        server.stats.closed.load(Ordering::SeqCst) == 1
    });
    heartbeat_ok(&mut bystander);
}

#[test]
fn garbage_frames_never_take_the_server_down() {
    let server = TestServer::start(ServerConfig::default());
    let mut bystander = PhxClient::connect(Kind::WebSocket, server.addr);
    for seed in 0..50u64 {
        let mut raw = TcpStream::connect(server.addr).unwrap();
        raw.set_read_timeout(Some(TIMEOUT)).unwrap();
        raw.write_all(
            b"GET /live/websocket HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        )
        .unwrap();
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let garbage: Vec<u8> = (0..(seed as usize * 53) % 2000 + 2)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Keep the mask bit set on the first frame header so some frames parse.
                if i == 1 { state as u8 | 0x80 } else { state as u8 }
            })
            .collect();
        let _ = raw.write_all(&garbage);
        drop(raw);
    }
    heartbeat_ok(&mut bystander);
    wait_until("every garbage connection is reported closed", || {
        server.stats.closed.load(Ordering::SeqCst) >= 50
    });
    heartbeat_ok(&mut bystander);
}
