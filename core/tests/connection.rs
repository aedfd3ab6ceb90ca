//! The Phoenix socket: heartbeats, unknown topics, malformed frames, origin, close.

mod app_support;

use app_support::*;
use liveview_core::{Endpoint, HttpRequest, TerminateReason};
use proptest::prelude::*;
use serde_json::json;

#[test]
fn heartbeat_is_answered() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    conn.handle_text(r#"[null,"6","phoenix","heartbeat",{}]"#);
    let frame = next_frame(&rx);
    assert_eq!(frame, json!([null, "6", "phoenix", "phx_reply", {"status": "ok", "response": {}}]));
}

#[test]
fn unknown_topics_are_unmatched() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    conn.handle_text(
        r#"["3","5","lv:phx-nope","event",{"type":"click","event":"inc","value":{}}]"#,
    );
    assert_eq!(
        next_frame(&rx),
        json!([null, "5", "lv:phx-nope", "phx_reply", {"status": "error", "response": {"reason": "unmatched topic"}}])
    );
    conn.handle_text(r#"["3","7","lv:phx-nope","phx_leave",{}]"#);
    assert_eq!(
        next_frame(&rx),
        json!(["3", "7", "lv:phx-nope", "phx_reply", {"status": "ok", "response": {}}])
    );
    conn.handle_text(r#"["8","8","room:lobby","phx_join",{}]"#);
    assert_eq!(
        next_frame(&rx)[4],
        json!({"status": "error", "response": {"reason": "unmatched topic"}})
    );
    conn.handle_text(r#"[null,"9","phoenix","whatever",{}]"#);
    assert_eq!(next_frame(&rx)[4]["response"]["reason"], "unmatched topic");
}

#[test]
fn malformed_frames_are_ignored() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    for text in [
        "",
        "not json",
        "[1,2]",
        r#"[null,null,"phoenix","heartbeat",[]]"#,
        "{}",
        "[null,null,null,null,{}]",
        "\u{0}",
    ] {
        conn.handle_text(text);
    }
    conn.handle_binary(&[]);
    conn.handle_binary(&[0, 200, 1, 1, 1]);
    assert_quiet(&rx);
    // Still alive afterwards.
    conn.handle_text(r#"[null,"1","phoenix","heartbeat",{}]"#);
    assert_eq!(next_frame(&rx)[4]["status"], "ok");
}

#[test]
fn binary_push_to_an_unknown_upload_topic_is_unmatched() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    let mut data = vec![0u8, 1, 1, 5, 5];
    data.extend_from_slice(b"12lvu:0chunkDATA");
    conn.handle_binary(&data);
    assert_eq!(
        next_frame(&rx),
        json!([null, "2", "lvu:0", "phx_reply", {"status": "error", "response": {"reason": "unmatched topic"}}])
    );
}

#[test]
fn cross_origin_sockets_are_refused() {
    let app = app();
    let (transport, _rx) = FakeTransport::new();
    let request = HttpRequest {
        method: "GET".into(),
        path: "/live/websocket".into(),
        query: "vsn=2.0.0".into(),
        headers: vec![
            ("host".into(), "localhost:4000".into()),
            ("origin".into(), "https://evil.example".into()),
        ],
        ..HttpRequest::default()
    };
    assert!(app.connect(&request, transport).is_err());
}

#[test]
fn closing_the_connection_ends_every_view() {
    let app = app();
    let (page, mut conn, _rx, reply) = join(&app, "/counter");
    assert_eq!(status(&reply), "ok", "{reply}");
    conn.closed();
    assert_eq!(wait_terminated(&page.id), TerminateReason::Closed);
}

#[test]
fn dropping_a_connection_without_closed_ends_its_views_too() {
    let app = app();
    let (page, conn, _rx, reply) = join(&app, "/counter");
    assert_eq!(status(&reply), "ok", "{reply}");
    drop(conn);
    assert_eq!(wait_terminated(&page.id), TerminateReason::Closed);
}

#[test]
fn events_reach_the_view_and_leave_frees_the_topic() {
    let app = app();
    let (page, mut conn, rx, reply) = join(&app, "/counter");
    assert_eq!(status(&reply), "ok", "{reply}");
    let topic = page.topic();
    conn.handle_text(
        &json!(["1", "2", topic, "event", {"type": "click", "event": "inc", "value": {}}])
            .to_string(),
    );
    let reply = reply_to(&rx, &topic, "2");
    assert_eq!(reply[0], "1");
    assert_eq!(status(&reply), "ok", "{reply}");
    conn.handle_text(&json!(["1", "3", topic, "phx_leave", {}]).to_string());
    assert_eq!(status(&reply_to(&rx, &topic, "3")), "ok");
    assert_eq!(wait_terminated(&page.id), TerminateReason::Left);
    conn.handle_text(
        &json!(["1", "4", topic, "event", {"type": "click", "event": "inc", "value": {}}])
            .to_string(),
    );
    assert_eq!(reply_to(&rx, &topic, "4")[4]["response"]["reason"], "unmatched topic");
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
        Just(json!({"_csrf_token": "x", "_mounts": 0})),
        Just(json!([1, "a"])),
        Just(json!(shared_page().session)),
        Just(json!(shared_page().static_token)),
        Just(json!({"_csrf_token": shared_page().csrf, "_mounts": 0})),
        Just(json!("http://localhost:4000/counter")),
        Just(json!("http://localhost:4000/admin")),
    ]
}

fn frame() -> impl Strategy<Value = String> {
    let topic = prop_oneof![
        Just("phoenix"),
        Just("lv:phx-x"),
        Just("lv:"),
        Just("lvu:0"),
        Just(""),
        Just("lv:child")
    ];
    let event = prop_oneof![
        Just("phx_join"),
        Just("heartbeat"),
        Just("phx_leave"),
        Just("event"),
        Just("live_patch")
    ];
    let key = prop_oneof![
        Just("session"),
        Just("static"),
        Just("url"),
        Just("redirect"),
        Just("params"),
        Just("flash"),
        Just("sticky")
    ];
    let payload = proptest::collection::vec((key, json_value()), 0..5);
    let reference =
        prop_oneof![Just(serde_json::Value::Null), "[0-9]{1,3}".prop_map(serde_json::Value::from)];
    (reference.clone(), reference, topic, event, payload).prop_map(
        |(jr, r, topic, event, payload)| {
            let payload: serde_json::Map<String, serde_json::Value> =
                payload.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            json!([jr, r, topic, event, payload]).to_string()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_frames_never_panic(frames in proptest::collection::vec(prop_oneof![frame(), ".{0,40}"], 1..8)) {
        let app = shared_app();
        let page = shared_page();
        let (mut conn, _rx, _t) = connect(app, &page.csrf, &page.cookie);
        for text in &frames {
            conn.handle_text(text);
        }
        conn.handle_binary(frames[0].as_bytes());
        conn.closed();
    }
}

fn shared_page() -> &'static Page {
    static PAGE: std::sync::OnceLock<Page> = std::sync::OnceLock::new();
    PAGE.get_or_init(|| page(shared_app(), "/counter"))
}

fn shared_app() -> &'static liveview_core::App {
    static APP: std::sync::OnceLock<liveview_core::App> = std::sync::OnceLock::new();
    APP.get_or_init(app)
}
