//! Conformance: every scenario is written once and runs over WebSocket, long-poll, and
//! long-poll through the tiny_http adapter. A transport passes when the Phoenix client sees
//! the same conversation over each.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use liveview::ServerConfig;
use serde_json::{Value, json};

use crate::support::client::Kind;
use crate::support::{PhxClient, Stats, TestServer, TinyHttpServer, wait_until};

/// Where a scenario runs.
struct Target {
    addr: SocketAddr,
    stats: Arc<Stats>,
    kind: Kind,
}

impl Target {
    fn client(&self) -> PhxClient {
        PhxClient::connect(self.kind, self.addr)
    }
}

fn config() -> ServerConfig {
    ServerConfig::default().with_longpoll_window(Duration::from_secs(2))
}

fn run(kind: Kind, scenario: fn(&Target)) {
    let server = TestServer::start(config());
    scenario(&Target { addr: server.addr, stats: server.stats.clone(), kind });
}

fn run_tiny_http(scenario: fn(&Target)) {
    let server = TinyHttpServer::start(config());
    scenario(&Target { addr: server.addr, stats: server.stats.clone(), kind: Kind::LongPoll });
}

macro_rules! conformance {
    ($($scenario:ident),* $(,)?) => {
        mod over_websocket {
            $( #[test] fn $scenario() { super::run(super::Kind::WebSocket, super::$scenario) } )*
        }
        mod over_longpoll {
            $( #[test] fn $scenario() { super::run(super::Kind::LongPoll, super::$scenario) } )*
        }
        mod over_tiny_http_longpoll {
            $( #[test] fn $scenario() { super::run_tiny_http(super::$scenario) } )*
        }
    };
}

conformance!(
    heartbeat,
    join_and_reply,
    event_round_trip,
    server_push_while_reader_waits,
    pushes_keep_their_order,
    malformed_frames_are_ignored,
    binary_frames,
    server_close_makes_the_client_reconnect,
    connections_are_isolated,
    leave_closes_the_channel,
    frames_sent_during_connect_arrive_first,
);

fn heartbeat(target: &Target) {
    let mut client = target.client();
    let msg_ref = client.push(None, "phoenix", "heartbeat", json!({}));
    let reply = client.expect("heartbeat reply", |f| f[1] == msg_ref.as_str());
    assert_eq!(
        reply,
        json!([null, msg_ref, "phoenix", "phx_reply", {"status": "ok", "response": {}}])
    );
}

fn join_and_reply(target: &Target) {
    let mut client = target.client();
    let join_ref = client.join("room:lobby");
    client.push(Some(&join_ref), "room:lobby", "echo", json!({}));
    let frame = client.expect("echo reply", |f| f[3] == "phx_reply" && f[0] == join_ref.as_str());
    assert_eq!(frame[2], "room:lobby");
    assert_eq!(target.stats.connects.load(Ordering::SeqCst), 1);
    let kind = target.stats.kind.lock().unwrap().expect("a connection");
    assert_eq!(kind, if target.kind == Kind::WebSocket { "websocket" } else { "longpoll" });
}

fn event_round_trip(target: &Target) {
    let mut client = target.client();
    let join_ref = client.join("room:1");
    for payload in [
        json!({"a": 1}),
        json!({"text": "héllo ✓ \"quoted\"\n"}),
        json!({"big": "y".repeat(100_000)}),
    ] {
        let msg_ref = client.push(Some(&join_ref), "room:1", "echo", payload.clone());
        assert_eq!(client.reply(&msg_ref), json!({"status": "ok", "response": payload}));
    }
}

fn server_push_while_reader_waits(target: &Target) {
    let mut client = target.client();
    let join_ref = client.join("room:1");
    let msg_ref = client.push(Some(&join_ref), "room:1", "push_later", json!({"count": 3}));
    assert_eq!(client.reply(&msg_ref)["status"], "ok");
    // The client sends nothing more: the pushes come from another server thread while the
    // transport's reader is blocked waiting for the client.
    for n in 0..3 {
        let push = client.expect("tick", |f| f[3] == "tick");
        assert_eq!(push, json!([join_ref, null, "room:1", "tick", {"n": n, "pad": ""}]));
    }
}

fn pushes_keep_their_order(target: &Target) {
    let mut client = target.client();
    let join_ref = client.join("room:1");
    let msg_ref =
        client.push(Some(&join_ref), "room:1", "push_now", json!({"count": 500, "size": 64}));
    client.reply(&msg_ref);
    for n in 0..500 {
        let push = client.expect("tick", |f| f[3] == "tick");
        assert_eq!(push[4]["n"], n);
    }
}

fn malformed_frames_are_ignored(target: &Target) {
    let mut client = target.client();
    client.send_text("[not json");
    client.send_text("[1,2]");
    client.send_text(r#"[null,"1","phoenix","heartbeat",[]]"#);
    wait_until("the endpoint saw three malformed frames", || {
        target.stats.malformed.load(Ordering::SeqCst) == 3
    });
    let msg_ref = client.push(None, "phoenix", "heartbeat", json!({}));
    assert_eq!(client.reply(&msg_ref)["status"], "ok");
}

fn binary_frames(target: &Target) {
    let mut client = target.client();
    client.send_binary(&[7, 0, 255, 1, 2]);
    let frame = client.expect("binary echo", |f| f[2] == "binary");
    assert_eq!(frame[4], json!({"len": 5, "first": 7}));
}

fn server_close_makes_the_client_reconnect(target: &Target) {
    let mut client = target.client();
    let join_ref = client.join("room:1");
    client.push(Some(&join_ref), "room:1", "close", json!({}));
    let code = client.wait_closed();
    // 1001 (going away) and 3410 (session gone) both make phoenix.js reconnect; 1000 would not.
    assert_eq!(code, if target.kind == Kind::WebSocket { 1001 } else { 3410 });
    wait_until("the connection is reported closed", || {
        target.stats.closed.load(Ordering::SeqCst) == 1
    });
    let mut again = target.client();
    again.join("room:1");
}

fn connections_are_isolated(target: &Target) {
    let mut noisy = target.client();
    let mut quiet = target.client();
    let join_ref = noisy.join("room:1");
    let msg_ref = noisy.push(Some(&join_ref), "room:1", "push_now", json!({"count": 50}));
    noisy.reply(&msg_ref);
    let beat = quiet.push(None, "phoenix", "heartbeat", json!({}));
    let reply = quiet.expect("only its own reply", |_: &Value| true);
    assert_eq!(reply[1], beat.as_str());
    for n in 0..50 {
        assert_eq!(noisy.expect("tick", |f| f[3] == "tick")[4]["n"], n);
    }
}

fn leave_closes_the_channel(target: &Target) {
    let mut client = target.client();
    let join_ref = client.join("room:1");
    let msg_ref = client.push(Some(&join_ref), "room:1", "phx_leave", json!({}));
    assert_eq!(client.reply(&msg_ref), json!({"status": "ok", "response": {}}));
    let close = client.expect("phx_close", |f| f[3] == "phx_close");
    assert_eq!(close, json!([join_ref, join_ref, "room:1", "phx_close", {}]));
}

fn frames_sent_during_connect_arrive_first(target: &Target) {
    let query = "vsn=2.0.0&greet=1";
    let mut client = PhxClient::connect_with(target.kind, target.addr, query, &[]);
    let first = client.expect("the greeting", |_| true);
    assert_eq!(first, json!([null, null, "phoenix", "hello", {}]));
}
