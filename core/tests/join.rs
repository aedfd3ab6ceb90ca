//! LiveView joins: tokens, CSRF, live sessions, children, duplicates, flash, connect info.

mod app_support;

use app_support::*;
use liveview_core::session::{SessionPayload, Sessions};
use liveview_core::token::Signer;
use liveview_core::{ClientConnection, TerminateReason};
use serde_json::{Map, Value, json};
use std::time::{Duration, SystemTime};

/// The app's token signer, rebuilt from the test secret (tokens the server never issued,
/// e.g. for a child of a given parent).
fn sessions() -> Sessions {
    let signer = |suffix: &str| Signer::new(SECRET.as_bytes(), &format!("{SALT}{suffix}")).unwrap();
    Sessions::new(signer(""), signer("/flash"))
}

fn rendered_text(reply: &Value) -> String {
    reply[4]["response"]["rendered"].to_string()
}

fn reason(reply: &Value) -> &str {
    assert_eq!(status(reply), "error", "{reply}");
    reply[4]["response"]["reason"].as_str().unwrap_or_default()
}

fn send_join(conn: &mut Box<dyn ClientConnection>, join_ref: &str, topic: &str, payload: Value) {
    conn.handle_text(&json!([join_ref, join_ref, topic, "phx_join", payload]).to_string());
}

fn payload(page: &Page, key: &str, url: &str) -> Value {
    json!({
        key: url,
        "params": {"_csrf_token": page.csrf, "_mounts": 0, "_mount_attempts": 0},
        "session": page.session,
        "static": page.static_token,
        "sticky": false,
    })
}

#[test]
fn join_replies_with_the_rendered_view() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    send_join(
        &mut conn,
        "4",
        &page.topic(),
        payload(&page, "url", "http://localhost:4000/counter?start=7"),
    );
    let reply = reply_to(&rx, &page.topic(), "4");
    assert_eq!(reply[0], "4");
    assert_eq!(status(&reply), "ok", "{reply}");
    assert_eq!(reply[4]["response"]["liveview_version"], "1.2.10");
    assert!(rendered_text(&reply).contains('7'), "url params reach mount: {reply}");
}

#[test]
fn wrong_join_csrf_token_is_stale() {
    let app = app();
    let page = page(&app, "/counter");
    let other = app_support::page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    let mut p = payload(&page, "url", "http://localhost:4000/counter");
    p["params"]["_csrf_token"] = json!(other.csrf);
    send_join(&mut conn, "1", &page.topic(), p);
    assert_eq!(reason(&reply_to(&rx, &page.topic(), "1")), "stale");
    let mut p = payload(&page, "url", "http://localhost:4000/counter");
    p["params"].as_object_mut().unwrap().remove("_csrf_token");
    send_join(&mut conn, "2", &page.topic(), p);
    assert_eq!(reason(&reply_to(&rx, &page.topic(), "2")), "stale");
}

#[test]
fn wrong_socket_csrf_token_or_missing_cookie_is_stale() {
    let app = app();
    let page = page(&app, "/counter");
    let other = app_support::page(&app, "/counter");
    for (csrf, cookie) in [
        (other.csrf.as_str(), page.cookie.as_str()),
        (page.csrf.as_str(), ""),
        ("garbage", page.cookie.as_str()),
    ] {
        let (mut conn, rx, _t) = connect(&app, csrf, cookie);
        send_join(
            &mut conn,
            "1",
            &page.topic(),
            payload(&page, "url", "http://localhost:4000/counter"),
        );
        assert_eq!(reason(&reply_to(&rx, &page.topic(), "1")), "stale");
    }
}

fn tamper(token: &str) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[test]
fn tampered_tokens_are_stale() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    let mut p = payload(&page, "url", "http://localhost:4000/counter");
    p["session"] = json!(tamper(&page.session));
    send_join(&mut conn, "1", &page.topic(), p);
    assert_eq!(reason(&reply_to(&rx, &page.topic(), "1")), "stale");

    let mut p = payload(&page, "url", "http://localhost:4000/counter");
    p["static"] = json!(tamper(&page.static_token));
    send_join(&mut conn, "2", &page.topic(), p);
    assert_eq!(reason(&reply_to(&rx, &page.topic(), "2")), "stale");

    let mut p = payload(&page, "url", "http://localhost:4000/counter");
    p.as_object_mut().unwrap().remove("session");
    send_join(&mut conn, "3", &page.topic(), p);
    assert_eq!(reason(&reply_to(&rx, &page.topic(), "3")), "stale");
}

#[test]
fn token_for_another_topic_is_stale() {
    let app = app();
    let page = page(&app, "/counter");
    let other = app_support::page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    send_join(
        &mut conn,
        "1",
        &other.topic(),
        payload(&page, "url", "http://localhost:4000/counter"),
    );
    assert_eq!(reason(&reply_to(&rx, &other.topic(), "1")), "stale");
    // The static token of another page with the right session token is refused as well.
    let mut p = payload(&page, "url", "http://localhost:4000/counter");
    p["static"] = json!(other.static_token);
    send_join(&mut conn, "2", &page.topic(), p);
    assert_eq!(reason(&reply_to(&rx, &page.topic(), "2")), "stale");
}

#[test]
fn null_static_token_is_allowed() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    let mut p = payload(&page, "url", "http://localhost:4000/counter");
    p["static"] = Value::Null;
    send_join(&mut conn, "1", &page.topic(), p);
    assert_eq!(status(&reply_to(&rx, &page.topic(), "1")), "ok");
}

#[test]
fn live_navigation_inside_a_live_session_mounts_the_routed_view() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    send_join(
        &mut conn,
        "1",
        &page.topic(),
        payload(&page, "url", "http://localhost:4000/counter"),
    );
    assert_eq!(status(&reply_to(&rx, &page.topic(), "1")), "ok");
    conn.handle_text(&json!(["1", "2", page.topic(), "phx_leave", {}]).to_string());
    send_join(
        &mut conn,
        "3",
        &page.topic(),
        payload(&page, "redirect", "http://localhost:4000/other"),
    );
    let reply = reply_to(&rx, &page.topic(), "3");
    assert_eq!(status(&reply), "ok", "{reply}");
    assert!(rendered_text(&reply).contains("other"), "{reply}");
}

#[test]
fn live_navigation_across_live_sessions_is_unauthorized() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    send_join(
        &mut conn,
        "1",
        &page.topic(),
        payload(&page, "redirect", "http://localhost:4000/admin"),
    );
    assert_eq!(reason(&reply_to(&rx, &page.topic(), "1")), "unauthorized");
    send_join(
        &mut conn,
        "2",
        &page.topic(),
        payload(&page, "redirect", "http://localhost:4000/health"),
    );
    assert_eq!(reason(&reply_to(&rx, &page.topic(), "2")), "unauthorized");

    let admin = app_support::page(&app, "/admin");
    let (mut conn, rx, _t) = connect(&app, &admin.csrf, &admin.cookie);
    send_join(
        &mut conn,
        "1",
        &admin.topic(),
        payload(&admin, "redirect", "http://localhost:4000/counter"),
    );
    assert_eq!(reason(&reply_to(&rx, &admin.topic(), "1")), "unauthorized");
    send_join(
        &mut conn,
        "2",
        &admin.topic(),
        payload(&admin, "redirect", "http://localhost:4000/admin/info?x=1"),
    );
    let reply = reply_to(&rx, &admin.topic(), "2");
    assert_eq!(status(&reply), "ok", "{reply}");
}

#[test]
fn url_that_routes_to_another_view_is_unauthorized() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    send_join(&mut conn, "1", &page.topic(), payload(&page, "url", "http://localhost:4000/other"));
    assert_eq!(reason(&reply_to(&rx, &page.topic(), "1")), "unauthorized");
    send_join(
        &mut conn,
        "2",
        &page.topic(),
        payload(&page, "url", "http://localhost:4000/nowhere"),
    );
    assert_eq!(reason(&reply_to(&rx, &page.topic(), "2")), "unauthorized");
}

#[test]
fn duplicate_join_closes_the_old_channel_first() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    send_join(
        &mut conn,
        "1",
        &page.topic(),
        payload(&page, "url", "http://localhost:4000/counter"),
    );
    assert_eq!(status(&reply_to(&rx, &page.topic(), "1")), "ok");
    send_join(
        &mut conn,
        "5",
        &page.topic(),
        payload(&page, "url", "http://localhost:4000/counter"),
    );
    let close = next_frame(&rx);
    assert_eq!(close, json!(["1", "1", page.topic(), "phx_close", {}]));
    assert_eq!(status(&reply_to(&rx, &page.topic(), "5")), "ok");
    assert_eq!(wait_terminated(&page.id), TerminateReason::Shutdown);
}

fn child_token(parent: Option<&str>, id: &str) -> String {
    sessions().sign_session(&SessionPayload {
        id: id.to_owned(),
        view: "Info".to_owned(),
        root_id: parent.map(str::to_owned),
        parent_id: parent.map(str::to_owned),
        live_session: None,
        router: false,
        session: Map::new(),
    })
}

fn child_payload(page: &Page, token: String) -> Value {
    json!({"params": {"_csrf_token": page.csrf, "_mounts": 0}, "session": token, "static": null, "sticky": false})
}

#[test]
fn child_join_needs_its_parent_on_this_connection() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    send_join(
        &mut conn,
        "1",
        "lv:child",
        child_payload(&page, child_token(Some(&page.id), "child")),
    );
    assert_eq!(reason(&reply_to(&rx, "lv:child", "1")), "stale");

    send_join(
        &mut conn,
        "2",
        &page.topic(),
        payload(&page, "url", "http://localhost:4000/counter"),
    );
    assert_eq!(status(&reply_to(&rx, &page.topic(), "2")), "ok");
    send_join(
        &mut conn,
        "3",
        "lv:child",
        child_payload(&page, child_token(Some(&page.id), "child")),
    );
    let reply = reply_to(&rx, "lv:child", "3");
    assert_eq!(status(&reply), "ok", "{reply}");
    assert!(
        rendered_text(&reply).contains("&quot;router&quot;:false"),
        "children are not mounted at the router: {reply}"
    );

    // A child token is never good for live navigation.
    let mut p = child_payload(&page, child_token(Some(&page.id), "child2"));
    p["redirect"] = json!("http://localhost:4000/other");
    send_join(&mut conn, "4", "lv:child2", p);
    assert_eq!(reason(&reply_to(&rx, "lv:child2", "4")), "unauthorized");
}

#[test]
fn sticky_root_without_url_joins() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    let mut p = child_payload(&page, child_token(None, "sticky"));
    p["sticky"] = json!(true);
    send_join(&mut conn, "1", "lv:sticky", p);
    assert_eq!(status(&reply_to(&rx, "lv:sticky", "1")), "ok");
}

#[test]
fn flash_comes_from_the_join_flash_token_or_the_first_mount() {
    let app = app();
    let admin = page(&app, "/admin");
    let (mut conn, rx, _t) = connect(&app, &admin.csrf, &admin.cookie);
    let mut flash = Map::new();
    flash.insert("info".into(), json!("navigated"));
    let mut p = payload(&admin, "redirect", "http://localhost:4000/admin/info");
    p["flash"] = json!(sessions().sign_flash(&flash));
    send_join(&mut conn, "1", &admin.topic(), p);
    let reply = reply_to(&rx, &admin.topic(), "1");
    assert!(rendered_text(&reply).contains("navigated"), "{reply}");

    // Flash of the static render (from a redirect's flash cookie) on the first mount only.
    let redirect = get(&app, "/redirect", None).unwrap();
    let flash_cookie =
        set_cookies(&redirect).into_iter().find(|c| c.starts_with("__phoenix_flash__")).unwrap();
    let response = get(&app, "/info/1", Some(flash_cookie.split(';').next().unwrap())).unwrap();
    let html = String::from_utf8(response.body.clone()).unwrap();
    let cookie =
        set_cookies(&response).into_iter().find(|c| c.starts_with("_liveview_key")).unwrap();
    let container = &html[html.find("<div id=\"phx-").unwrap()..];
    let marker = "name=\"csrf-token\" content=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let info = Page {
        id: attr(container, "id"),
        session: attr(container, "data-phx-session"),
        static_token: attr(container, "data-phx-static"),
        csrf: html[start..start + html[start..].find('"').unwrap()].to_owned(),
        cookie: cookie.split(';').next().unwrap().to_owned(),
        html: html.clone(),
    };
    let (mut conn, rx, _t) = connect(&app, &info.csrf, &info.cookie);
    send_join(&mut conn, "1", &info.topic(), payload(&info, "url", "http://localhost:4000/info/1"));
    assert!(rendered_text(&reply_to(&rx, &info.topic(), "1")).contains("moved"));
    let mut p = payload(&info, "url", "http://localhost:4000/info/1");
    p["params"]["_mounts"] = json!(1);
    send_join(&mut conn, "2", &info.topic(), p);
    assert!(
        !rendered_text(&reply_to(&rx, &info.topic(), "2")).contains("moved"),
        "a rejoin has no flash"
    );
}

#[test]
fn connect_params_info_and_static_tracking_reach_mount() {
    let app = app();
    let page = page(&app, "/info/9");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    let mut p = payload(&page, "url", "http://localhost:4000/info/9?q=1");
    p["params"]["_track_static"] = json!(["http://localhost:4000/assets/app.js?vsn=0"]);
    send_join(&mut conn, "1", &page.topic(), p);
    let reply = reply_to(&rx, &page.topic(), "1");
    let text = rendered_text(&reply);
    for needle in [
        "&quot;locale&quot;:&quot;fr&quot;",
        "&quot;_mounts&quot;:0",
        "&quot;static_changed&quot;:true",
        "127.0.0.1:5555",
        "&quot;q&quot;:&quot;1&quot;",
        "&quot;user&quot;:&quot;ada&quot;",
    ] {
        assert!(text.contains(needle), "{needle} missing in {text}");
    }
}

#[test]
fn joins_beyond_max_views_are_refused() {
    let app = liveview_core::App::builder()
        .secret_key_base(SECRET)
        .signing_salt(SALT)
        .max_views(0)
        .live::<CounterLive>("/counter")
        .build()
        .unwrap();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    send_join(
        &mut conn,
        "1",
        &page.topic(),
        payload(&page, "url", "http://localhost:4000/counter"),
    );
    assert_eq!(reason(&reply_to(&rx, &page.topic(), "1")), "overloaded");
    assert_eq!(app.live_views(), 0);
}

#[test]
fn expired_tokens_are_stale_and_expired_flash_is_dropped() {
    let app = app();
    let page = page(&app, "/counter");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    let fifteen_days_ago = SystemTime::now() - Duration::from_secs(15 * 24 * 3600);
    let expired = sessions().sign_session_at(
        &SessionPayload {
            id: page.id.clone(),
            view: std::any::type_name::<CounterLive>().to_owned(),
            root_id: None,
            parent_id: None,
            live_session: None,
            router: true,
            session: Map::new(),
        },
        fifteen_days_ago,
    );
    let mut p = payload(&page, "url", "http://localhost:4000/counter");
    p["session"] = json!(expired);
    send_join(&mut conn, "1", &page.topic(), p);
    assert_eq!(reason(&reply_to(&rx, &page.topic(), "1")), "stale");

    let info = app_support::page(&app, "/info/1");
    let (mut conn, rx, _t) = connect(&app, &info.csrf, &info.cookie);
    let mut flash = Map::new();
    flash.insert("info".into(), json!("too late"));
    let mut p = payload(&info, "url", "http://localhost:4000/info/1");
    p["flash"] =
        json!(sessions().sign_flash_at(&flash, SystemTime::now() - Duration::from_secs(61)));
    send_join(&mut conn, "1", &info.topic(), p);
    let reply = reply_to(&rx, &info.topic(), "1");
    assert_eq!(status(&reply), "ok");
    assert!(!rendered_text(&reply).contains("too late"), "{reply}");
}

#[test]
fn live_render_child_joins_after_its_parent() {
    let app = app();
    let page = page(&app, "/parent");
    let dead_child = &page.html[page.html.find("<div id=\"kid\"").unwrap()..];
    let child_static = attr(dead_child, "data-phx-static");
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    send_join(&mut conn, "1", &page.topic(), payload(&page, "url", "http://localhost:4000/parent"));
    let reply = reply_to(&rx, &page.topic(), "1");
    assert_eq!(status(&reply), "ok", "{reply}");
    let rendered = rendered_text(&reply);
    let container: String =
        serde_json::from_str::<Value>(&rendered).unwrap()["0"].as_str().unwrap().to_owned();
    let child_session = attr(&container, "data-phx-session");
    assert!(!child_session.is_empty(), "connected parent renders the child's session: {container}");

    let child_payload = json!({
        "params": {"_csrf_token": page.csrf, "_mounts": 0},
        "session": child_session,
        "static": child_static,
        "sticky": false,
    });
    send_join(&mut conn, "2", "lv:kid", child_payload.clone());
    let reply = reply_to(&rx, "lv:kid", "2");
    assert_eq!(status(&reply), "ok", "{reply}");
    assert!(rendered_text(&reply).contains("&quot;from&quot;:&quot;parent&quot;"), "{reply}");

    // The child's token is bound to its id: it cannot join another topic.
    send_join(&mut conn, "3", "lv:other-kid", child_payload);
    assert_eq!(reason(&reply_to(&rx, "lv:other-kid", "3")), "stale");
}

#[test]
fn rejoin_after_a_crash_needs_no_close() {
    let app = app();
    let page = page(&app, "/counter");
    let topic = page.topic();
    let (mut conn, rx, _t) = connect(&app, &page.csrf, &page.cookie);
    send_join(&mut conn, "1", &topic, payload(&page, "url", "http://localhost:4000/counter"));
    assert_eq!(status(&reply_to(&rx, &topic, "1")), "ok");
    conn.handle_text(
        &json!(["1", "2", topic, "event", {"type": "click", "event": "crash", "value": {}}])
            .to_string(),
    );
    loop {
        let frame = next_frame(&rx);
        if frame[3] == "phx_error" {
            assert_eq!(frame[0], "1");
            break;
        }
    }
    assert!(matches!(wait_terminated(&page.id), TerminateReason::Crash(_)));
    // The thread marks its handle dead just after terminate; wait for that.
    let start = std::time::Instant::now();
    while app.live_views() > 0 {
        assert!(start.elapsed() < WAIT, "the crashed view's thread did not end");
        std::thread::sleep(Duration::from_millis(2));
    }
    // Frames for the dead view are unmatched until the client rejoins.
    conn.handle_text(
        &json!(["1", "3", topic, "event", {"type": "click", "event": "inc", "value": {}}])
            .to_string(),
    );
    assert_eq!(reason(&reply_to(&rx, &topic, "3")), "unmatched topic");
    let mut p = payload(&page, "url", "http://localhost:4000/counter");
    p["params"]["_mounts"] = json!(1);
    send_join(&mut conn, "4", &topic, p);
    let frame = next_frame(&rx);
    assert_eq!(frame[3], "phx_reply", "no phx_close for a view that is already gone: {frame}");
    assert_eq!(status(&frame), "ok");
}
