//! Security enforcement not covered elsewhere: unsafe redirect targets, hostile values end
//! to end (URL → dead render, event → diff → client merge), views per connection, the
//! frame rate limit and the mailbox wait. Token, CSRF and live-session checks live in
//! `join.rs`, `tokens.rs` and `connection.rs`; escaping itself in `escape.rs`.

mod app_support;

use std::time::Duration;

use app_support::*;
use liveview_core::html::escape;
use liveview_core::merge::ClientRendered;
use liveview_core::{
    App, Assigns, ConnectionLimits, Dynamic, Fingerprint, LiveView, MountParams, RenderError,
    Rendered, Session, Socket, Statics, Template, ViewResult,
};
use serde_json::{Value, json};

// ----- a view that does what its events say ----------------------------------------------

/// `<a title="x" data-x='x'>x</a><input value="x">`: `x` in both attribute quotes and text.
struct XssTpl;

impl Template for XssTpl {
    fn prepare(&self) -> Result<(), RenderError> {
        Ok(())
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        let x = assigns.get("x").and_then(Value::as_str).unwrap_or_default();
        let statics =
            Statics::new(["<a title=\"", "\" data-x='", "'>", "</a><input value=\"", "\">"]);
        let fp = Fingerprint::of_statics(statics.parts());
        Ok(Rendered::new(statics, fp, (0..4).map(|_| Dynamic::escaped(x)).collect()))
    }
}

static XSS_TPL: XssTpl = XssTpl;

fn expected_html(x: &str) -> String {
    let e = escape(x);
    format!("<a title=\"{e}\" data-x='{e}'>{e}</a><input value=\"{e}\">")
}

/// Assigns `x` from the URL (and makes it the page title); events: `set` assigns `x`,
/// `redirect` / `external` / `navigate` / `patch` go where `to` says, `sleep` blocks.
struct HostileLive;

impl LiveView for HostileLive {
    fn mount(params: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let x = params.get("x").and_then(Value::as_str).unwrap_or_default().to_owned();
        socket.set_page_title(x.clone());
        socket.assign("x", x)?;
        if let Some(to) = params.get("redirect").and_then(Value::as_str) {
            socket.redirect(to.to_owned());
        }
        Ok(HostileLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&XSS_TPL)
    }

    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        let arg = params["value"].as_str().unwrap_or_default().to_owned();
        match event {
            "set" => {
                socket.assign("x", arg)?;
            }
            "redirect" => socket.redirect(arg),
            "external" => socket.redirect_external(arg),
            "navigate" => socket.push_navigate(arg, false),
            "patch" => socket.push_patch(arg, false),
            "sleep" => std::thread::sleep(Duration::from_millis(arg.parse().unwrap_or(0))),
            _ => {}
        }
        Ok(())
    }
}

fn hostile_app(limits: ConnectionLimits, mailbox: usize) -> App {
    App::builder()
        .secret_key_base(SECRET)
        .signing_salt(SALT)
        .connection_limits(limits)
        .mailbox_capacity(mailbox)
        .live::<HostileLive>("/h")
        .live::<HostileLive>("/h2")
        .build()
        .unwrap()
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(
            |b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            },
        )
        .collect()
}

fn event(
    conn: &mut Box<dyn liveview_core::ClientConnection>,
    page: &Page,
    r: &str,
    e: &str,
    v: &str,
) {
    let payload = json!({"type": "click", "event": e, "value": {"value": v}});
    conn.handle_text(&json!(["1", r, page.topic(), "event", payload]).to_string());
}

/// Joins `/h` on a fresh connection of `app`.
fn joined(
    app: &App,
) -> (Page, Box<dyn liveview_core::ClientConnection>, crossbeam_channel::Receiver<String>) {
    let (page, conn, rx, reply) = join(app, "/h");
    assert_eq!(status(&reply), "ok", "{reply}");
    (page, conn, rx)
}

/// The next frame on `topic` that is not a reply to a heartbeat.
fn next_on(rx: &crossbeam_channel::Receiver<String>, topic: &str) -> Value {
    loop {
        let frame = next_frame(rx);
        if frame[2] == topic {
            return frame;
        }
    }
}

/// Replies to every ref in `refs`, whatever their order of arrival.
fn replies(rx: &crossbeam_channel::Receiver<String>, refs: &[&str]) -> Vec<Value> {
    let mut found: Vec<Option<Value>> = vec![None; refs.len()];
    while found.iter().any(Option::is_none) {
        let frame = next_frame(rx);
        if frame[3] != "phx_reply" {
            continue;
        }
        if let Some(i) = refs.iter().position(|r| frame[1] == *r) {
            found[i] = Some(frame);
        }
    }
    found.into_iter().map(Option::unwrap).collect()
}

// ----- redirects -------------------------------------------------------------------------

const UNSAFE_LOCAL: &[&str] = &[
    "//evil.com",
    "http://evil.com",
    "https://evil.com/x",
    "/\\evil.com",
    "\\\\evil.com",
    "javascript:alert(1)",
    "/\t/evil.com",
    "/%09/evil.com",
    "/ok\r\nSet-Cookie: a=b",
    "evil.com",
];

#[test]
fn redirect_to_another_site_crashes_the_view_instead_of_redirecting() {
    let app = hostile_app(ConnectionLimits::default(), 8);
    for to in UNSAFE_LOCAL {
        let (page, mut conn, rx) = joined(&app);
        event(&mut conn, &page, "2", "redirect", to);
        let frame = next_on(&rx, &page.topic());
        assert_eq!(frame[3], "phx_error", "redirect to {to:?} must be refused: {frame}");
        let topic = page.topic();
        while let Ok(text) = rx.recv_timeout(Duration::from_millis(20)) {
            assert!(!text.contains("redirect"), "{to:?} leaked a redirect: {text}");
            assert!(!text.contains(&topic) || !text.contains("evil"), "{text}");
        }
    }
}

#[test]
fn local_redirect_and_safe_external_redirect_still_work() {
    let app = hostile_app(ConnectionLimits::default(), 8);
    for (kind, to) in [("redirect", "/h2?x=1"), ("external", "https://example.com/a")] {
        let (page, mut conn, rx) = joined(&app);
        event(&mut conn, &page, "2", kind, to);
        let reply = reply_to(&rx, &page.topic(), "2");
        assert_eq!(reply[4]["response"]["redirect"]["to"], to, "{reply}");
    }
}

#[test]
fn unsafe_external_and_live_navigation_targets_crash_the_view() {
    let app = hostile_app(ConnectionLimits::default(), 8);
    for (kind, to) in [
        ("external", "javascript:alert(1)"),
        ("external", " JaVa\tScRiPt:alert(1)"),
        ("external", "data:text/html,<script>alert(1)</script>"),
        ("navigate", "javascript:alert(1)"),
        ("patch", "javascript:alert(1)"),
        ("navigate", "/a\nb"),
    ] {
        let (page, mut conn, rx) = joined(&app);
        event(&mut conn, &page, "2", kind, to);
        let frame = next_on(&rx, &page.topic());
        assert_eq!(frame[3], "phx_error", "{kind} to {to:?}: {frame}");
    }
}

#[test]
fn unsafe_redirect_during_the_dead_render_is_a_500_without_location() {
    let app = hostile_app(ConnectionLimits::default(), 8);
    for to in UNSAFE_LOCAL {
        let response =
            get(&app, &format!("/h?redirect={}", percent_encode(to)), None).expect("route");
        assert_eq!(response.status, 500, "{to:?}");
        assert!(response.headers.iter().all(|(k, _)| k != "location"), "{to:?}");
    }
    let response = get(&app, "/h?redirect=%2Fh2", None).unwrap();
    assert_eq!(response.status, 302);
}

// ----- escaping end to end -----------------------------------------------------------------

const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "\" onmouseover=\"alert(1)",
    "' onfocus='alert(1)' autofocus='",
    "</title><script>alert(1)</script>",
    "</a><svg/onload=alert(1)>",
    "&lt;script&gt;",
    "javascript:alert(1)",
    "{\"0\":\"<b>\",\"s\":[\"<i>\"]}",
];

#[test]
fn hostile_url_params_are_escaped_in_the_dead_render() {
    let app = hostile_app(ConnectionLimits::default(), 8);
    for x in XSS {
        let response = get(&app, &format!("/h?x={}", percent_encode(x)), None).unwrap();
        let html = String::from_utf8(response.body).unwrap();
        assert!(html.contains(&expected_html(x)), "{x:?} in {html}");
        assert!(html.contains(&format!("<title>{}</title>", escape(x))), "title {x:?}");
        let body = &html[html.find("<body>").unwrap()..];
        assert!(!body.contains("<script"), "{x:?} injected a script: {body}");
        assert!(!body.contains("<img") && !body.contains("<svg"), "{x:?}: {body}");
    }
}

#[test]
fn hostile_event_values_are_escaped_through_the_join_the_diff_and_the_client_merge() {
    let app = hostile_app(ConnectionLimits::default(), 8);
    let (page, mut conn, rx, reply) = join(&app, "/h");
    let (mut client, _) =
        ClientRendered::join(&page.id, reply[4]["response"]["rendered"].clone()).unwrap();
    assert_eq!(client.to_html().unwrap().html, expected_html(""));
    for (n, x) in XSS.iter().enumerate() {
        let msg_ref = (n + 10).to_string();
        event(&mut conn, &page, &msg_ref, "set", x);
        let reply = reply_to(&rx, &page.topic(), &msg_ref);
        client.merge(reply[4]["response"]["diff"].clone()).unwrap();
        let html = client.to_html().unwrap().html;
        assert_eq!(html, expected_html(x), "{x:?}");
    }
}

// ----- per-connection limits -----------------------------------------------------------------

/// Another page for the same cookie: a fresh view id and tokens; the join frame for it.
fn join_another(app: &App, first: &Page, join_ref: &str) -> (String, String) {
    let response = get(app, "/h", Some(&first.cookie)).unwrap();
    let html = String::from_utf8(response.body).unwrap();
    let container = &html[html.find("<div id=\"phx-").unwrap()..];
    let topic = format!("lv:{}", attr(container, "id"));
    let payload = json!({
        "url": "http://localhost:4000/h",
        "params": {"_csrf_token": first.csrf, "_mounts": 0},
        "session": attr(container, "data-phx-session"),
        "static": attr(container, "data-phx-static"),
    });
    (topic.clone(), json!([join_ref, join_ref, topic, "phx_join", payload]).to_string())
}

#[test]
fn joins_beyond_max_views_per_connection_are_refused() {
    let app = hostile_app(ConnectionLimits::default().with_max_views_per_connection(2), 8);
    let first = page(&app, "/h");
    let (mut conn, rx, _t) = connect(&app, &first.csrf, &first.cookie);
    let mut topics = Vec::new();
    for join_ref in ["1", "2", "3"] {
        let (topic, frame) = join_another(&app, &first, join_ref);
        conn.handle_text(&frame);
        topics.push(topic);
    }
    let replies = replies(&rx, &["1", "2", "3"]);
    assert_eq!(status(&replies[0]), "ok");
    assert_eq!(status(&replies[1]), "ok");
    assert_eq!(status(&replies[2]), "error");
    assert_eq!(replies[2][2], topics[2].as_str());
    assert_eq!(replies[2][4]["response"]["reason"], "too many views");
    assert_eq!(app.live_views(), 2);
    // Leaving one makes room again.
    conn.handle_text(&json!(["1", "9", topics[0], "phx_leave", {}]).to_string());
    reply_to(&rx, &topics[0], "9");
    let (topic, frame) = join_another(&app, &first, "7");
    conn.handle_text(&frame);
    assert_eq!(status(&reply_to(&rx, &topic, "7")), "ok");
}

#[test]
fn frames_over_the_rate_limit_get_an_error_reply_and_are_not_delivered() {
    // Burst of 5, no refill: the join takes one token, four events pass, the rest are refused.
    let app = hostile_app(ConnectionLimits::default().with_events_per_second(0, 5), 8);
    let (page, mut conn, rx) = joined(&app);
    for n in 0..8 {
        event(&mut conn, &page, &format!("{}", 100 + n), "set", &n.to_string());
    }
    let refs: Vec<String> = (100..108).map(|n| n.to_string()).collect();
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let replies = replies(&rx, &refs);
    for reply in &replies[..4] {
        assert_eq!(status(reply), "ok", "{reply}");
    }
    for reply in &replies[4..] {
        assert_eq!(status(reply), "error", "{reply}");
        assert_eq!(reply[4]["response"]["reason"], "rate limited");
    }
    // Heartbeats are never refused, so the socket stays up.
    conn.handle_text(r#"[null,"77","phoenix","heartbeat",{}]"#);
    assert_eq!(status(&reply_to(&rx, "phoenix", "77")), "ok");
}

#[test]
fn a_view_that_cannot_keep_up_gets_its_connection_closed() {
    let limits = ConnectionLimits::default().with_mailbox_wait(Duration::from_millis(200));
    let app = hostile_app(limits, 1);
    let (page, mut conn, rx) = {
        let page = page(&app, "/h");
        let (mut conn, rx, transport) = connect(&app, &page.csrf, &page.cookie);
        conn.handle_text(&join_frame("1", &page, "url", "http://localhost:4000/h", &page.csrf));
        assert_eq!(status(&reply_to(&rx, &page.topic(), "1")), "ok");
        (page, (conn, transport), rx)
    };
    let (conn, transport) = (&mut conn.0, conn.1);
    // The view sleeps 2 s; one frame fits in the mailbox, the next waits 200 ms, then the
    // connection gives up on this client instead of queueing.
    event(conn, &page, "2", "sleep", "2000");
    for n in 3..6 {
        event(conn, &page, &n.to_string(), "set", "x");
    }
    assert!(transport.is_closed(), "the connection must close, not buffer");
    drop(rx);
}
