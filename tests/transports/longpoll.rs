//! Long-poll specifics: the JSON-in-200 protocol, tokens, batches, expiry, bounded buffers.

use std::sync::atomic::Ordering;
use std::time::Duration;

use liveview::{ServerConfig, TransportError};
use serde_json::json;

use crate::support::http::{HttpClient, Response};
use crate::support::{TestServer, wait_until};

const BASE: &str = "/live/longpoll?_csrf_token=abc&vsn=2.0.0";

fn config() -> ServerConfig {
    ServerConfig::default().with_longpoll_window(Duration::from_millis(200))
}

fn assert_json_headers(response: &Response) {
    assert_eq!(response.status, 200, "long-poll answers are always HTTP 200");
    assert_eq!(response.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
}

fn connect(http: &mut HttpClient) -> String {
    let first = http.get(BASE);
    assert_json_headers(&first);
    let body = first.json();
    assert_eq!(body["status"], 410);
    assert_eq!(body["messages"], json!([]));
    body["token"].as_str().expect("token").to_string()
}

fn post(http: &mut HttpClient, token: &str, body: &str) -> Response {
    let target = format!("{BASE}&token={token}");
    http.request("POST", &target, &[("content-type", "application/x-ndjson")], body.as_bytes())
        .unwrap()
}

#[test]
fn session_cycle_410_then_204_then_200() {
    let server = TestServer::start(config());
    let mut http = HttpClient::connect(server.addr);
    let token = connect(&mut http);
    assert_eq!(server.stats.connects.load(Ordering::SeqCst), 1);
    assert_eq!(*server.stats.kind.lock().unwrap(), Some("longpoll"));

    let empty = http.get(&format!("{BASE}&token={token}"));
    assert_json_headers(&empty);
    assert_eq!(empty.json(), json!({"status": 204, "token": token, "messages": []}));

    let posted = post(&mut http, &token, "[null,\"1\",\"phoenix\",\"heartbeat\",{}]");
    assert_json_headers(&posted);
    assert_eq!(posted.json(), json!({"status": 200}));
    let polled = http.get(&format!("{BASE}&token={token}")).json();
    assert_eq!(polled["status"], 200);
    assert_eq!(polled["token"], token.as_str());
    assert_eq!(
        polled["messages"],
        json!(["[null,\"1\",\"phoenix\",\"phx_reply\",{\"status\":\"ok\",\"response\":{}}]"])
    );
}

#[test]
fn token_header_is_accepted() {
    let server = TestServer::start(config());
    let mut http = HttpClient::connect(server.addr);
    let token = connect(&mut http);
    let response = http.request("GET", BASE, &[("x-phoenix-longpoll-token", &token)], b"").unwrap();
    assert_eq!(response.json()["status"], 204);
}

#[test]
fn unknown_tokens_get_410() {
    let server = TestServer::start(config());
    let mut http = HttpClient::connect(server.addr);
    assert_eq!(
        http.get(&format!("{BASE}&token=forged")).json(),
        json!({"status": 410, "token": "forged", "messages": []})
    );
    assert_eq!(post(&mut http, "forged", "[]").json(), json!({"status": 410}));
}

#[test]
fn ndjson_batches_are_dispatched_in_order() {
    let server = TestServer::start(config());
    let mut http = HttpClient::connect(server.addr);
    let token = connect(&mut http);
    let lines: Vec<String> = (1..=100)
        .map(|i| json!([null, i.to_string(), "phoenix", "heartbeat", {}]).to_string())
        .collect();
    assert_eq!(post(&mut http, &token, &lines.join("\r\n")).json()["status"], 200);
    let mut refs = Vec::new();
    while refs.len() < 100 {
        let polled = http.get(&format!("{BASE}&token={token}")).json();
        for message in polled["messages"].as_array().unwrap() {
            let frame: serde_json::Value = serde_json::from_str(message.as_str().unwrap()).unwrap();
            refs.push(frame[1].as_str().unwrap().parse::<u32>().unwrap());
        }
    }
    assert_eq!(refs, (1..=100).collect::<Vec<_>>());

    let too_many: Vec<&str> =
        std::iter::repeat_n("[null,\"1\",\"phoenix\",\"heartbeat\",{}]", 101).collect();
    assert_eq!(post(&mut http, &token, &too_many.join("\n")).json()["status"], 413);
}

#[test]
fn options_preflight() {
    let server = TestServer::start(config());
    let mut http = HttpClient::connect(server.addr);
    let response = http.request("OPTIONS", BASE, &[("origin", "http://other")], b"").unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    assert!(response.header("access-control-allow-headers").unwrap().contains("content-type"));
}

#[test]
fn refused_connections_get_403() {
    let server = TestServer::start(config());
    let mut http = HttpClient::connect(server.addr);
    assert_eq!(http.get(&format!("{BASE}&refuse=1")).json(), json!({"status": 403}));
    let foreign = http.request("GET", BASE, &[("origin", "http://evil.example")], b"").unwrap();
    assert_eq!(foreign.json(), json!({"status": 403}));
    assert_eq!(server.stats.connects.load(Ordering::SeqCst), 0);
}

#[test]
fn sessions_expire_without_polls() {
    let server =
        TestServer::start(config().with_longpoll_session_timeout(Duration::from_millis(100)));
    let mut http = HttpClient::connect(server.addr);
    let token = connect(&mut http);
    wait_until("the session expired", || server.stats.closed.load(Ordering::SeqCst) == 1);
    assert_eq!(http.get(&format!("{BASE}&token={token}")).json()["status"], 410);
}

#[test]
fn polling_keeps_a_session_alive() {
    let server =
        TestServer::start(config().with_longpoll_session_timeout(Duration::from_millis(300)));
    let mut http = HttpClient::connect(server.addr);
    let token = connect(&mut http);
    // Each poll parks for the 200 ms window; together they span several session timeouts.
    for _ in 0..6 {
        assert_eq!(http.get(&format!("{BASE}&token={token}")).json()["status"], 204);
    }
    assert_eq!(server.stats.closed.load(Ordering::SeqCst), 0);
}

#[test]
fn a_client_that_does_not_poll_overflows_and_is_dropped() {
    let server = TestServer::start(config().with_longpoll_max_buffer(5));
    let mut http = HttpClient::connect(server.addr);
    let token = connect(&mut http);
    let join = json!(["1", "1", "room:1", "phx_join", {}]).to_string();
    let flood = json!(["1", "2", "room:1", "push_now", {"count": 50}]).to_string();
    post(&mut http, &token, &format!("{join}\n{flood}"));
    wait_until("the flood is refused", || server.stats.flood_error.lock().unwrap().is_some());
    assert_eq!(server.stats.flood_error.lock().unwrap().clone(), Some(TransportError::Full));
    assert_eq!(http.get(&format!("{BASE}&token={token}")).json()["status"], 410);
    wait_until("the session is reported closed", || {
        server.stats.closed.load(Ordering::SeqCst) == 1
    });
}

#[test]
fn lines_that_are_neither_json_nor_base64_are_skipped() {
    let server = TestServer::start(config());
    let mut http = HttpClient::connect(server.addr);
    let token = connect(&mut http);
    let body = "%%% not base64 %%%\n[null,\"7\",\"phoenix\",\"heartbeat\",{}]";
    assert_eq!(post(&mut http, &token, body).json()["status"], 200);
    let polled = http.get(&format!("{BASE}&token={token}")).json();
    assert!(polled["messages"][0].as_str().unwrap().contains("\"7\""), "{polled}");
}
