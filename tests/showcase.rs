//! The showcase's views driven in-process with `LiveViewTest` (issue #7): the same app the
//! browser tests serve, without a browser or a socket.

use std::sync::Arc;
use std::time::{Duration, Instant};

use liveview::testing::{LiveViewTest, TestError};
use liveview::{App, LocalPubSub, PubSub};

// The example's modules and `build_app`, compiled into this test binary.
#[path = "../examples/showcase.rs"]
#[allow(dead_code)]
mod app;

fn showcase() -> App {
    let pubsub: Arc<dyn PubSub> = Arc::new(LocalPubSub::new());
    app::build_app(pubsub).expect("the showcase builds")
}

fn live(path: &str) -> LiveViewTest {
    LiveViewTest::live(&showcase(), path).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn text(view: &mut LiveViewTest, selector: &str) -> String {
    view.element(selector).text().unwrap_or_else(|e| panic!("{selector}: {e}")).trim().to_owned()
}

/// Polls `check` until it holds (server pushes such as timers arrive on their own).
fn eventually(
    view: &mut LiveViewTest,
    what: &str,
    mut check: impl FnMut(&mut LiveViewTest) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let _ = view.render();
        if check(view) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for {what}: {}", view.render().unwrap_or_default());
}

#[test]
fn counter_clicks_and_phx_value() {
    let mut view = live("/counter");
    assert!(view.dead_html().contains(r#"<strong id="count">0</strong>"#));
    view.element("#inc").click().unwrap();
    view.element("#inc").click().unwrap();
    view.element("#dec").click().unwrap();
    assert_eq!(text(&mut view, "#count"), "1");
    view.element("#add-5").click().unwrap();
    assert_eq!(text(&mut view, "#count"), "6");
}

#[test]
fn thermostat_reads_the_route_session_and_ticks_when_connected() {
    let mut view = live("/thermostat?interval=20");
    assert_eq!(text(&mut view, "#user-id"), "42");
    let before: i64 = text(&mut view, "#temperature").parse().unwrap();
    view.element("#inc-temperature").click().unwrap();
    assert_eq!(text(&mut view, "#temperature").parse::<i64>().unwrap(), before + 1);
    eventually(&mut view, "timer updates", |v| text(v, "#updates") != "0");
}

#[test]
fn search_suggests_on_change_and_submits() {
    let mut view = live("/search");
    view.form("#search-form", &[("q", "ap")]).change().unwrap();
    assert!(view.has_element("#results li"), "{}", view.render().unwrap());
    assert_eq!(text(&mut view, "#changes"), "1");
    view.form("#search-form", &[("q", "apple")]).submit().unwrap();
    assert!(view.has_element("#search-result"));
}

#[test]
fn form_validates_and_saves() {
    let mut view = live("/form");
    view.form("#user-form", &[("user[name]", "")]).change().unwrap();
    assert_eq!(text(&mut view, "#validations"), "1");
    assert!(!text(&mut view, "#name-error").is_empty(), "an empty name is an error");
    view.form("#user-form", &[("user[name]", "Ada"), ("user[email]", "ada@example.com")])
        .submit()
        .unwrap();
    assert!(view.has_element("#saved"), "{}", view.render().unwrap());
}

#[test]
fn keys_focus_blur_and_capture() {
    let mut view = live("/keys");
    view.element("#key-input").keyup("a").unwrap();
    assert_eq!(text(&mut view, "#last-keyup"), "a");
    view.element("#key-input").keydown("b").unwrap();
    assert_eq!(text(&mut view, "#last-keydown"), "b");
    view.element("#key-input").focus().unwrap();
    assert_eq!(text(&mut view, "#focus-state"), "focused");
    view.element("#key-input").blur().unwrap();
    assert_eq!(text(&mut view, "#focus-state"), "blurred");
    view.element("#capture").click().unwrap();
    assert_eq!(text(&mut view, "#capture-count"), "1");
    view.element("#throttled").click().unwrap();
    assert_eq!(text(&mut view, "#throttled-count"), "1");
}

#[test]
fn list_phx_update_keeps_appended_and_prepended_items() {
    let mut view = live("/list");
    view.element("#add-item").click().unwrap();
    view.element("#add-item").click().unwrap();
    let html = view.render().unwrap();
    let appended = html.matches("id=\"append-").count();
    assert!(appended >= 2, "append keeps earlier items: {html}");
    assert!(html.matches("id=\"prepend-").count() >= 2);
}

#[test]
fn hooks_push_events_and_reply() {
    let mut view = live("/hooks");
    view.element("#push-event").click().unwrap();
    let events = view.take_pushed_events();
    assert!(events.iter().any(|(name, _)| name == "echo"), "{events:?}");
    view.element("#hook-ping").hook_event("ping", serde_json::json!({"n": 41})).unwrap();
    assert!(view.last_reply().is_some());
    assert_eq!(text(&mut view, "#pings"), "1");
}

#[test]
fn nav_patches_navigates_redirects_and_flashes() {
    let mut view = live("/nav");
    view.element("#next-page").click().unwrap();
    assert_eq!(view.take_patch().as_deref(), Some("/nav?page=2"));
    assert_eq!(text(&mut view, "#page"), "2");
    view.render_patch("/nav?page=5").unwrap();
    assert_eq!(text(&mut view, "#page"), "5");
    view.element("#put-flash-info").click().unwrap();
    assert!(view.has_element("#flash-info"));
    view.element("#clear-flash").click().unwrap();
    assert!(!view.has_element("#flash-info"));
    match view.element("#navigate-counter").click() {
        Err(TestError::Redirected(r)) => assert!(r.live && r.to == "/counter", "{r:?}"),
        other => panic!("expected push_navigate, got {other:?}"),
    }
    let mut view = live("/nav");
    match view.element("#redirect-plain").click() {
        Err(TestError::Redirected(r)) => assert!(!r.live && r.to == "/plain", "{r:?}"),
        other => panic!("expected redirect, got {other:?}"),
    }
}

#[test]
fn components_have_their_own_state_and_take_send_update() {
    let mut view = live("/components");
    view.element("#comp-a-inc").click().unwrap();
    view.element("#comp-a-inc").click().unwrap();
    view.element("#comp-b-inc").click().unwrap();
    assert_eq!(text(&mut view, "#comp-a-count"), "2");
    assert_eq!(text(&mut view, "#comp-b-count"), "1");
    assert_eq!(text(&mut view, "#parent-clicks"), "0", "component events stay in the component");
    view.element("#reset-all").click().unwrap();
    // send_update runs after the event's reply and arrives as a pushed diff.
    eventually(&mut view, "send_update", |v| text(v, "#comp-a-count") == "0");
    view.element("#bump-later").click().unwrap();
    eventually(&mut view, "send_update_after", |v| text(v, "#comp-b-count") == "100");
}

#[test]
fn nested_child_crash_remounts_only_the_child() {
    let mut view = live("/nested");
    view.element("#parent-inc").click().unwrap();
    assert_eq!(view.live_children(), vec!["child".to_owned()]);
    let mut child = view.child("child").unwrap();
    child.element("#child-inc").click().unwrap();
    assert!(child.render().unwrap().contains(r#"<strong id="child-count">1</strong>"#));
    assert!(matches!(child.element("#crash-child").click(), Err(TestError::ViewDown(_))));
    view.element("#parent-inc").click().unwrap();
    assert_eq!(text(&mut view, "#parent-count"), "2", "the parent kept its state");
}

#[test]
fn chat_broadcasts_to_every_tab() {
    let app = showcase();
    let mut alice = LiveViewTest::live(&app, "/chat").unwrap();
    let mut bob = LiveViewTest::live(&app, "/chat").unwrap();
    alice.form("#chat-form", &[("body", "hello bob")]).submit().unwrap();
    eventually(&mut bob, "the broadcast", |v| v.has_element_with_text("#messages li", "hello bob"));
    eventually(&mut alice, "the echo", |v| v.has_element_with_text("#messages li", "hello bob"));
}

#[test]
fn static_tracking_reports_unchanged_assets() {
    let mut view = live("/static");
    assert_eq!(text(&mut view, "#static-connected"), "true");
    assert!(!view.has_element("#reload-static"));
}
