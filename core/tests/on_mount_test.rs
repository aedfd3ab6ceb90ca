//! `on_mount` hooks of a live session, through the real App: they run before `mount` in the
//! HTTP render and again when connected, can assign, and can halt with a redirect.
#![cfg(feature = "testing")]

use std::sync::atomic::{AtomicUsize, Ordering};

use liveview_core::testing::{LiveViewTest, TestError};
use liveview_core::{
    App, Assigns, Dynamic, Fingerprint, LiveView, MountParams, OnMount, RenderError, Rendered,
    Session, Socket, Statics, ViewResult,
};
use serde_json::{Value, json};

static HOOK_RUNS: AtomicUsize = AtomicUsize::new(0);
static OUTSIDE_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Shows the `user` assign a hook put there, and what `mount` saw of it.
struct Dashboard;

impl LiveView for Dashboard {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let seen = socket.assigns().get("user").cloned().unwrap_or(Value::Null);
        socket.assign("seen_in_mount", seen)?;
        Ok(Dashboard)
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        let statics = Statics::new([
            r#"<p id="user">"#,
            r#"</p><p id="seen">"#,
            r#"</p><p id="order">"#,
            "</p>",
        ]);
        let fingerprint = Fingerprint::of_statics(statics.parts());
        let text = |k: &str| assigns.get(k).map(Value::to_string).unwrap_or_default();
        Ok(Rendered::new(
            statics,
            fingerprint,
            vec![
                Dynamic::escaped(&text("user")),
                Dynamic::escaped(&text("seen_in_mount")),
                Dynamic::escaped(&text("order")),
            ],
        ))
    }
}

fn authenticate(_: &MountParams, session: &Session, socket: &mut Socket) -> ViewResult<OnMount> {
    HOOK_RUNS.fetch_add(1, Ordering::SeqCst);
    match session.get("user") {
        Some(user) => {
            socket.assign("user", user.clone())?;
            socket.assign("order", json!(["auth"]))?;
            Ok(OnMount::Cont)
        }
        None => {
            socket.redirect("/login");
            Ok(OnMount::Halt)
        }
    }
}

fn app() -> App {
    let mut with_user = Session::new();
    with_user.insert("user".into(), json!("ada"));
    App::builder()
        .secret_key_base([8u8; 64])
        .signing_salt("on-mount-salt")
        .on_mount(|_, _, _| {
            OUTSIDE_RUNS.fetch_add(1, Ordering::SeqCst);
            Ok(OnMount::Cont)
        })
        .live::<Dashboard>("/open")
        .live_session("auth", |s| {
            s.on_mount(authenticate)
                .on_mount(|_, _, socket| {
                    // Runs second and sees the first hook's assigns.
                    socket.update("order", |mut o: Vec<String>| {
                        o.push("second".into());
                        o
                    })?;
                    Ok(OnMount::Cont)
                })
                .live_with_session::<Dashboard>("/dashboard", with_user)
                .live::<Dashboard>("/private")
        })
        .live_session("connected_only", |s| {
            s.on_mount(|_, _, socket| {
                if !socket.is_connected() {
                    return Ok(OnMount::Cont);
                }
                socket.push_navigate("/elsewhere", false);
                Ok(OnMount::Halt)
            })
            .live::<Dashboard>("/connected-halt")
        })
        .live_session("broken", |s| {
            s.on_mount(|_, _, _| Ok(OnMount::Halt)).live::<Dashboard>("/broken")
        })
        .build()
        .expect("app builds")
}

#[test]
fn hooks_run_before_mount_in_both_renders_and_assign() {
    let before = HOOK_RUNS.load(Ordering::SeqCst);
    let mut view = LiveViewTest::live(&app(), "/dashboard").expect("mounts");
    assert!(
        view.dead_html().contains(r#"<p id="user">&quot;ada&quot;</p>"#),
        "{}",
        view.dead_html()
    );
    assert!(view.has_element_with_text("#user", "\"ada\""));
    assert!(view.has_element_with_text("#seen", "\"ada\""), "mount sees the hook's assigns");
    assert!(view.has_element_with_text("#order", r#"["auth","second"]"#));
    // Dead render and connected mount (other tests may run the hook concurrently).
    assert!(HOOK_RUNS.load(Ordering::SeqCst) >= before + 2);
}

#[test]
fn halt_redirects_without_mounting() {
    match LiveViewTest::live(&app(), "/private") {
        Err(TestError::Redirected(r)) => assert_eq!(r.to, "/login"),
        other => panic!("expected a redirect, got {other:?}"),
    }
}

#[test]
fn halt_without_redirect_is_an_error() {
    assert!(matches!(LiveViewTest::live(&app(), "/broken"), Err(TestError::Mount(_))));
}

#[test]
fn app_level_hooks_cover_routes_outside_live_sessions_only() {
    let before = OUTSIDE_RUNS.load(Ordering::SeqCst);
    let mut open = LiveViewTest::live(&app(), "/open").expect("mounts");
    assert!(open.has_element_with_text("#user", ""));
    assert!(OUTSIDE_RUNS.load(Ordering::SeqCst) >= before + 2, "dead and connected mount");
}

#[test]
fn halt_in_the_connected_mount_redirects_the_join() {
    match LiveViewTest::live(&app(), "/connected-halt") {
        Err(TestError::Redirected(r)) => assert_eq!(r.to, "/elsewhere"),
        other => panic!("expected a live redirect, got {other:?}"),
    }
}
