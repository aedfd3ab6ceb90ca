//! The real `App` behind each transport: page → connect → join → event → diff, and diffs
//! pushed by the server at any moment. Written once, run over WebSocket and long-poll.

use std::sync::Arc;

use liveview::{Endpoint, ServerConfig};
use serde_json::json;

use crate::support::app::{COUNTER_TOPIC, LivePage, counter_app, load_page};
use crate::support::client::Kind;
use crate::support::{PhxClient, TestServer, wait_until};

/// A running counter app and a client joined to its page.
struct Joined {
    app: liveview::App,
    _server: TestServer,
    client: PhxClient,
    page: LivePage,
    join_ref: String,
}

fn join(kind: Kind) -> Joined {
    let app = counter_app();
    let stats = Arc::default();
    let server = TestServer::start_with(
        ServerConfig::default(),
        Arc::new(app.clone()) as Arc<dyn Endpoint>,
        stats,
    );
    let page = load_page(server.addr, "/counter");
    assert!(page.html.contains("<p>count: 0</p>"), "{}", page.html);
    let query = format!("_csrf_token={}&vsn=2.0.0", page.csrf);
    let origin = format!("http://{}", server.addr);
    let mut client = PhxClient::connect_with(
        kind,
        server.addr,
        &query,
        &[("cookie", &page.cookie), ("origin", &origin)],
    );
    let payload = json!({
        "url": format!("http://{}/counter", server.addr),
        "params": {"_csrf_token": page.csrf, "_mounts": 0, "_mount_attempts": 0},
        "session": page.session,
        "static": page.static_token,
        "sticky": false,
    });
    let (join_ref, reply) = client.join_with(&page.topic(), payload);
    assert_eq!(reply["status"], "ok", "join reply: {reply}");
    let rendered = &reply["response"]["rendered"];
    assert_eq!(rendered["0"], "0", "{reply}");
    assert_eq!(rendered["s"], json!(["<p>count: ", "</p><button phx-click=\"inc\">+</button>"]));
    assert_eq!(reply["response"]["liveview_version"], "1.2.10");
    Joined { app, _server: server, client, page, join_ref }
}

fn click_sends_back_a_diff(kind: Kind) {
    let mut joined = join(kind);
    let topic = joined.page.topic();
    for n in 1..=3 {
        let event = json!({"type": "click", "event": "inc", "value": {"value": ""}});
        let msg_ref = joined.client.push(Some(&joined.join_ref), &topic, "event", event);
        let reply = joined.client.reply(&msg_ref);
        assert_eq!(reply, json!({"status": "ok", "response": {"diff": {"0": n.to_string()}}}));
    }
}

fn server_pushes_diffs_at_any_moment(kind: Kind) {
    let mut joined = join(kind);
    wait_until("the view subscribed", || {
        joined.app.runtime().pubsub().broadcast(COUNTER_TOPIC, "noop", json!({})) > 0
    });
    joined.app.runtime().pubsub().broadcast(COUNTER_TOPIC, "set", json!({"count": 42}));
    let push = joined.client.expect("a pushed diff", |f| f[3] == "diff" && f[4]["0"] == "42");
    assert_eq!(push[0], joined.join_ref.as_str());
    assert!(push[1].is_null(), "pushes have no ref: {push}");
    assert_eq!(push[2], joined.page.topic().as_str());
}

fn heartbeats_are_answered(kind: Kind) {
    let mut joined = join(kind);
    let msg_ref = joined.client.push(None, "phoenix", "heartbeat", json!({}));
    assert_eq!(joined.client.reply(&msg_ref), json!({"status": "ok", "response": {}}));
}

fn leaving_ends_the_view(kind: Kind) {
    let mut joined = join(kind);
    let topic = joined.page.topic();
    let msg_ref = joined.client.push(Some(&joined.join_ref), &topic, "phx_leave", json!({}));
    assert_eq!(joined.client.reply(&msg_ref)["status"], "ok");
    wait_until("the view thread ended", || joined.app.live_views() == 0);
}

macro_rules! over_each_transport {
    ($($scenario:ident),* $(,)?) => {
        mod over_websocket {
            $( #[test] fn $scenario() { super::$scenario(super::Kind::WebSocket) } )*
        }
        mod over_longpoll {
            $( #[test] fn $scenario() { super::$scenario(super::Kind::LongPoll) } )*
        }
    };
}

over_each_transport!(
    deep_frames_are_bounded,
    click_sends_back_a_diff,
    server_pushes_diffs_at_any_moment,
    heartbeats_are_answered,
    leaving_ends_the_view
);

#[test]
fn closing_the_socket_ends_its_views() {
    let joined = join(Kind::WebSocket);
    assert_eq!(joined.app.live_views(), 1);
    let Joined { app, client, .. } = joined;
    drop(client);
    wait_until("the view thread ended", || app.live_views() == 0);
}

/// Frames nested up to 32 levels reach the core and fit the reader's small stack; deeper ones
/// (which could overflow it and abort the process) close only that connection.
fn deep_frames_are_bounded(kind: Kind) {
    let mut joined = join(kind);
    let topic = joined.page.topic();
    let nested = |depth: usize| {
        format!("{}{}", "{\"a\":".repeat(depth), "1".to_string() + &"}".repeat(depth))
    };
    // The frame array and the payload object are two of the 32 levels: this is the limit.
    let ok_frame = format!(
        r#"["{}","90","{topic}","event",{{"type":"click","event":"inc","value":{}}}]"#,
        joined.join_ref,
        nested(30)
    );
    joined.client.send_text(&ok_frame);
    assert_eq!(joined.client.reply("90")["status"], "ok");
    let too_deep = format!(r#"[null,"91","phoenix","heartbeat",{}]"#, nested(200));
    if kind == Kind::WebSocket {
        joined.client.send_text(&too_deep);
        assert_eq!(joined.client.wait_closed(), 1008);
    } else {
        joined.client.expect_refused_post(&too_deep);
    }
}

#[test]
fn server_config_takes_check_origin_from_the_app() {
    let build = |origins: Vec<&str>| {
        liveview::App::builder()
            .secret_key_base("a secret key base that is long enough for transport tests")
            .signing_salt("transport-salt")
            .check_origin(origins.into_iter().map(String::from).collect())
            .build()
            .expect("app builds")
    };
    use liveview::CheckOrigin;
    assert_eq!(ServerConfig::for_app(&build(vec![])).check_origin, CheckOrigin::SameHost);
    assert_eq!(ServerConfig::for_app(&build(vec!["*"])).check_origin, CheckOrigin::Off);
    assert_eq!(
        ServerConfig::for_app(&build(vec!["https://a.example"])).check_origin,
        CheckOrigin::allow(["https://a.example"])
    );
}
