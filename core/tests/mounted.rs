//! `MountedView` without threads or sockets: mount, join reply, events, navigation, flash,
//! temporary assigns, connect params, forms, layouts, static render.

mod support;

use std::sync::Arc;

use liveview_core::{
    Assigns, Dynamic, LiveView, Message, MountParams, MountedView, Out, Params, Rendered,
    RouteResolver, Session, Socket, StaticRequest, Template, TerminateReason, ViewDef, ViewOptions,
    ViewResult,
};
use serde_json::{Map, Value, json};
use support::*;

struct Demo;

fn demo_template(a: &Assigns) -> Rendered {
    let messages = a.is_changed("messages").then(|| {
        let items = a.get("messages").and_then(Value::as_array).cloned().unwrap_or_default();
        Dynamic::Text(items.iter().map(|m| format!("<li>{}</li>", show(m))).collect())
    });
    let flash = a.is_changed("flash").then(|| {
        Dynamic::escaped(
            a.get("flash").and_then(|f| f.get("info")).and_then(Value::as_str).unwrap_or(""),
        )
    });
    node(
        &["<p>", "</p><p>page ", "</p><ul>", "</ul><div class=\"flash\">", "</div>"],
        vec![slot(a, "count"), slot(a, "page"), messages, flash],
    )
}
static DEMO: Tpl = Tpl(demo_template);

impl LiveView for Demo {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        report(socket.id(), format!("mount connect_params={}", socket.connect_params().is_some()));
        socket.assign("count", 0)?.assign("page", "1")?.assign("messages", Vec::<String>::new())?;
        socket.set_temporary_assigns([("messages".to_owned(), json!([]))]);
        socket.assign_new("user", || "computed")?;
        Ok(Demo)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&DEMO)
    }

    fn handle_params(&mut self, params: &Params, uri: &str, socket: &mut Socket) -> ViewResult {
        report(socket.id(), format!("params {uri}"));
        if let Some(page) = params.get("page") {
            socket.assign("page", page.clone())?;
        }
        if params.get("loop").is_some() {
            socket.push_patch("/demo?loop=1", false);
        }
        Ok(())
    }

    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc" => {
                socket.update("count", |c: i64| c + 1)?;
            }
            "noop" => {}
            "flash" => socket.put_flash("info", "saved"),
            "patch" => socket.push_patch("/demo?page=2", false),
            "patch_loop" => socket.push_patch("/demo?loop=1", false),
            "navigate" => socket.push_navigate("/other", true),
            "redirect" => {
                socket.put_flash("info", "bye");
                socket.redirect("/login");
            }
            "external" => socket.redirect_external("https://example.com/x"),
            "push" => {
                socket.push_event("highlight", json!({"id": 1}))?;
                socket.push_navigate("/after-push", false);
            }
            "push_only" => {
                socket.push_event("highlight", json!({"id": 1}))?;
            }
            "reply" => {
                socket.reply(json!({"ok": true}))?;
            }
            "title" => socket.set_page_title("New <title>"),
            "message" => {
                socket.assign("messages", ["m"])?;
            }
            "connect_params" => report(
                socket.id(),
                format!(
                    "event connect_params={} info={}",
                    socket.connect_params().is_some(),
                    socket.connect_info().is_some()
                ),
            ),
            "form" => report(socket.id(), params.to_string()),
            "boom" => panic!("boom in handle_event"),
            "fail" => return Err("database is down".into()),
            other => return Err(format!("unknown event {other}").into()),
        }
        Ok(())
    }

    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        if let Some(to) = message.downcast_ref::<&str>() {
            socket.push_navigate(*to, false);
        }
        Ok(())
    }

    fn terminate(&mut self, reason: &TerminateReason, socket: &mut Socket) {
        report(socket.id(), format!("terminate {reason:?}"));
    }
}

/// Redirects during mount.
struct Bouncer;
impl LiveView for Bouncer {
    fn mount(params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        match params.get("to").and_then(Value::as_str) {
            Some("patch") => socket.push_patch("/bouncer?page=7", true),
            Some("navigate") => socket.push_navigate("/elsewhere", false),
            _ => socket.redirect("/login"),
        }
        socket.assign("page", "0")?;
        Ok(Bouncer)
    }
    fn template() -> Option<&'static dyn Template> {
        Some(&BOUNCER)
    }
    fn handle_params(&mut self, params: &Params, _uri: &str, socket: &mut Socket) -> ViewResult {
        socket.assign("page", params.get("page").cloned().unwrap_or(json!("none")))?;
        Ok(())
    }
}
fn bouncer_template(a: &Assigns) -> Rendered {
    node(&["<b>", "</b>"], vec![slot(a, "page")])
}
static BOUNCER: Tpl = Tpl(bouncer_template);

/// Switches between two templates with different statics on a key its slot does not read.
struct Toggle;
impl LiveView for Toggle {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("on", false)?.assign("x", "X")?;
        Ok(Toggle)
    }
    fn render(&self, a: &Assigns) -> Result<Rendered, liveview_core::RenderError> {
        let statics: &[&str] =
            if a.get("on") == Some(&json!(true)) { &["<b>", "</b>"] } else { &["<a>", "</a>"] };
        Ok(node(statics, vec![slot(a, "x")]))
    }
    fn handle_event(&mut self, _: &str, _: Value, socket: &mut Socket) -> ViewResult {
        socket.update("on", |on: bool| !on)?;
        Ok(())
    }
}

/// Renders inside the "app" layout unless the session says otherwise.
struct Framed;
impl LiveView for Framed {
    fn mount(_: &MountParams, session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        if session.get("no_layout").is_some() {
            socket.set_layout(None);
        }
        socket.assign("page_title", "Framed")?;
        Ok(Framed)
    }
    fn render(&self, _: &Assigns) -> Result<Rendered, liveview_core::RenderError> {
        Ok(Rendered::from_static("<p>inner</p>"))
    }
    fn options() -> ViewOptions {
        ViewOptions {
            container: Some(("section".into(), vec![("class".into(), "box".into())])),
            layout: Some("app".into()),
        }
    }
}

fn demo_runtime() -> liveview_core::Runtime {
    runtime(
        vec![
            ViewDef::new::<Demo>("Demo"),
            ViewDef::new::<Bouncer>("Bouncer"),
            ViewDef::new::<Toggle>("Toggle"),
            ViewDef::new::<Framed>("Framed"),
            ViewDef::new::<Crashy>("Crashy"),
        ],
        vec![],
    )
}

/// Mounts and joins `view`; returns the view and a client holding the join render.
fn joined(rt: &liveview_core::Runtime, view: &str, id: &str) -> (MountedView, Client) {
    let mut mv = MountedView::mount(rt, connected_args(rt, view, id)).unwrap();
    let reply = mv.render_join(false).unwrap();
    assert!(reply.ok, "{}", reply.response);
    let response: Value = serde_json::from_str(&reply.response).unwrap();
    let mut client = Client::default();
    client.merge(&response["rendered"]);
    (mv, client)
}

fn event(mv: &mut MountedView, name: &str, value: Value) -> Vec<Out> {
    mv.handle_client(client(
        mv.id().to_owned().as_str(),
        "5",
        "event",
        json!({"type": "click", "event": name, "value": value}),
    ))
    .unwrap();
    mv.drain_output().collect()
}

fn response(out: &Out) -> Value {
    match out {
        Out::Reply { response, ok: true, .. } => serde_json::from_str(response).unwrap(),
        other => panic!("expected an ok reply, got {other:?}"),
    }
}

#[test]
fn join_reply_has_rendered_and_version() {
    let rt = demo_runtime();
    let mut mv = MountedView::mount(&rt, connected_args(&rt, "Demo", "phx-j")).unwrap();
    let reply = mv.render_join(false).unwrap();
    let response: Value = serde_json::from_str(&reply.response).unwrap();
    assert!(reply.ok);
    assert_eq!(response["liveview_version"], json!("1.2.10"));
    assert!(response.get("container").is_none());
    assert!(response["rendered"]["s"].is_array());
    let mut client = Client::default();
    client.merge(&response["rendered"]);
    assert_eq!(client.html(), "<p>0</p><p>page 1</p><ul></ul><div class=\"flash\"></div>");
}

#[test]
fn join_after_live_navigation_carries_container() {
    let rt = demo_runtime();
    let mut mv = MountedView::mount(&rt, connected_args(&rt, "Framed", "phx-f")).unwrap();
    let response: Value = serde_json::from_str(&mv.render_join(true).unwrap().response).unwrap();
    assert_eq!(response["container"], json!(["section", {"class": "box"}]));
    assert_eq!(response["rendered"]["t"], json!("Framed"));
    let mut client = Client::default();
    client.merge(&response["rendered"]);
    assert_eq!(client.html(), "<main class=\"layout\"><p>inner</p></main>");
}

#[test]
fn per_mount_layout_can_disable_the_layout() {
    let rt = demo_runtime();
    let mut args = connected_args(&rt, "Framed", "phx-f2");
    args.session = json!({"no_layout": true}).as_object().unwrap().clone();
    let mut mv = MountedView::mount(&rt, args).unwrap();
    let response: Value = serde_json::from_str(&mv.render_join(false).unwrap().response).unwrap();
    let mut client = Client::default();
    client.merge(&response["rendered"]);
    assert_eq!(client.html(), "<p>inner</p>");
}

#[test]
fn event_replies_with_diff_and_empty_when_unchanged() {
    let rt = demo_runtime();
    let (mut mv, mut client) = joined(&rt, "Demo", "phx-e");
    let out = event(&mut mv, "inc", json!({"value": ""}));
    assert_eq!(out.len(), 1);
    let Out::Reply { msg_ref, .. } = &out[0] else { panic!() };
    assert_eq!(msg_ref.as_deref(), Some("5"));
    client.merge(&response(&out[0])["diff"]);
    assert!(client.html().starts_with("<p>1</p>"), "{}", client.html());
    assert_eq!(response(&event(&mut mv, "noop", json!({}))[0]), json!({}));
    assert_eq!(
        out[0].encode("lv:phx-e", "1"),
        format!(
            r#"["1","5","lv:phx-e","phx_reply",{{"status":"ok","response":{}}}]"#,
            response(&out[0])
        )
    );
}

#[test]
fn temporary_assigns_reset_after_render_without_marking_changed() {
    let rt = demo_runtime();
    let (mut mv, mut client) = joined(&rt, "Demo", "phx-t");
    let out = event(&mut mv, "message", json!({}));
    client.merge(&response(&out[0])["diff"]);
    assert!(client.html().contains("<ul><li>m</li></ul>"), "{}", client.html());
    assert_eq!(mv.socket().assigns().get("messages"), Some(&json!([])));
    assert!(mv.socket().assigns().is_unchanged(), "the reset must not cause a re-render");
    assert_eq!(response(&event(&mut mv, "noop", json!({}))[0]), json!({}));
}

#[test]
fn flash_put_and_clear() {
    let rt = demo_runtime();
    let (mut mv, mut client) = joined(&rt, "Demo", "phx-fl");
    client.merge(&response(&event(&mut mv, "flash", json!({}))[0])["diff"]);
    assert!(client.html().ends_with("<div class=\"flash\">saved</div>"), "{}", client.html());
    client.merge(&response(&event(&mut mv, "lv:clear-flash", json!({"key": "info"}))[0])["diff"]);
    assert!(client.html().ends_with("<div class=\"flash\"></div>"), "{}", client.html());
    client.merge(&response(&event(&mut mv, "flash", json!({}))[0])["diff"]);
    client.merge(&response(&event(&mut mv, "lv:clear-flash", json!({}))[0])["diff"]);
    assert!(client.html().ends_with("<div class=\"flash\"></div>"), "{}", client.html());
    assert!(mv.socket().flash().is_empty());
}

#[test]
fn title_events_and_reply_travel_in_the_diff() {
    let rt = demo_runtime();
    let (mut mv, _) = joined(&rt, "Demo", "phx-ter");
    assert_eq!(response(&event(&mut mv, "title", json!({}))[0])["diff"]["t"], json!("New <title>"));
    assert_eq!(
        response(&event(&mut mv, "push_only", json!({}))[0])["diff"]["e"],
        json!([["highlight", {"id": 1}]])
    );
    assert_eq!(response(&event(&mut mv, "reply", json!({}))[0])["diff"]["r"], json!({"ok": true}));
}

#[test]
fn push_patch_pushes_live_patch_then_replies_with_the_diff() {
    let rt = demo_runtime();
    let probe = probe("phx-p");
    let (mut mv, mut client) = joined(&rt, "Demo", "phx-p");
    let _ = expect_report(&probe); // mount
    assert_eq!(expect_report(&probe), "params http://localhost:4000/phx-p");
    let out = event(&mut mv, "patch", json!({}));
    assert_eq!(
        out[0],
        Out::Push { event: "live_patch", payload: r#"{"kind":"push","to":"/demo?page=2"}"#.into() }
    );
    client.merge(&response(&out[1])["diff"]);
    assert!(client.html().contains("<p>page 2</p>"), "{}", client.html());
    assert_eq!(expect_report(&probe), "params http://localhost:4000/demo?page=2");
    assert!(mv.stopped().is_none());
}

#[test]
fn push_patch_loop_is_a_crash() {
    let rt = demo_runtime();
    let (mut mv, _) = joined(&rt, "Demo", "phx-loop");
    let frame = client(
        "phx-loop",
        "5",
        "event",
        json!({"type": "click", "event": "patch_loop", "value": {}}),
    );
    let crash = mv.handle_client(frame).unwrap_err();
    assert_eq!(crash.callback, "handle_params");
    assert!(crash.error.contains("too many redirects"), "{crash}");
}

#[test]
fn push_navigate_replies_live_redirect_and_closes() {
    let rt = demo_runtime();
    let (mut mv, _) = joined(&rt, "Demo", "phx-n");
    let out = event(&mut mv, "navigate", json!({}));
    assert_eq!(response(&out[0]), json!({"live_redirect": {"to": "/other", "kind": "replace"}}));
    assert_eq!(out[1], Out::Close);
    assert_eq!(mv.stopped(), Some(&TerminateReason::Normal));
}

#[test]
fn redirect_carries_signed_flash() {
    let rt = demo_runtime();
    let (mut mv, _) = joined(&rt, "Demo", "phx-r");
    let out = event(&mut mv, "redirect", json!({}));
    let reply = response(&out[0]);
    assert_eq!(reply["redirect"]["to"], json!("/login"));
    let flash = sessions().verify_flash(reply["redirect"]["flash"].as_str().unwrap()).unwrap();
    assert_eq!(Value::Object(flash), json!({"info": "bye"}));
    assert_eq!(out[1], Out::Close);

    let (mut mv, _) = joined(&rt, "Demo", "phx-r2");
    let out = event(&mut mv, "external", json!({}));
    assert_eq!(response(&out[0]), json!({"redirect": {"to": "https://example.com/x"}}));
}

#[test]
fn pending_events_are_pushed_before_a_redirect() {
    let rt = demo_runtime();
    let (mut mv, _) = joined(&rt, "Demo", "phx-pe");
    let out = event(&mut mv, "push", json!({}));
    assert_eq!(
        out[0],
        Out::Push { event: "diff", payload: r#"{"e":[["highlight",{"id":1}]]}"#.into() }
    );
    assert_eq!(response(&out[1]), json!({"live_redirect": {"to": "/after-push", "kind": "push"}}));
    assert_eq!(out[2], Out::Close);
}

#[test]
fn navigation_from_handle_info_is_a_push() {
    let rt = demo_runtime();
    let (mut mv, _) = joined(&rt, "Demo", "phx-hi");
    mv.handle_info(Message::new("/from-info")).unwrap();
    let out: Vec<Out> = mv.drain_output().collect();
    assert_eq!(
        out[0],
        Out::Push {
            event: "live_redirect",
            payload: r#"{"kind":"push","to":"/from-info"}"#.into()
        }
    );
    assert_eq!(out[1], Out::Close);
}

#[test]
fn mount_redirects_answer_the_join_with_an_error() {
    let rt = demo_runtime();
    let mut mv = MountedView::mount(&rt, connected_args(&rt, "Bouncer", "phx-b")).unwrap();
    let reply = mv.render_join(false).unwrap();
    assert!(!reply.ok);
    assert_eq!(
        serde_json::from_str::<Value>(&reply.response).unwrap(),
        json!({"redirect": {"to": "/login"}})
    );
    assert_eq!(mv.stopped(), Some(&TerminateReason::Normal));

    let mut args = connected_args(&rt, "Bouncer", "phx-b2");
    args.params = MountParams::Router(json!({"to": "navigate"}).as_object().unwrap().clone());
    let mut mv = MountedView::mount(&rt, args).unwrap();
    let reply = mv.render_join(false).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&reply.response).unwrap(),
        json!({"live_redirect": {"to": "/elsewhere", "kind": "push"}})
    );
}

#[test]
fn mount_push_patch_runs_handle_params_and_reports_live_patch() {
    let rt = demo_runtime();
    let mut args = connected_args(&rt, "Bouncer", "phx-b3");
    args.params = MountParams::Router(json!({"to": "patch"}).as_object().unwrap().clone());
    let mut mv = MountedView::mount(&rt, args).unwrap();
    let reply = mv.render_join(false).unwrap();
    let response: Value = serde_json::from_str(&reply.response).unwrap();
    assert!(reply.ok);
    assert_eq!(response["live_patch"], json!({"to": "/bouncer?page=7", "kind": "replace"}));
    let mut client = Client::default();
    client.merge(&response["rendered"]);
    assert_eq!(client.html(), "<b>7</b>");
}

#[test]
fn connect_params_only_during_mount() {
    let rt = demo_runtime();
    let probe = probe("phx-cp");
    let (mut mv, _) = joined(&rt, "Demo", "phx-cp");
    assert_eq!(expect_report(&probe), "mount connect_params=true");
    let _ = expect_report(&probe); // handle_params
    event(&mut mv, "connect_params", json!({}));
    assert_eq!(expect_report(&probe), "event connect_params=false info=false");
}

#[test]
fn form_events_are_decoded_with_target() {
    let rt = demo_runtime();
    let probe = probe("phx-form");
    let (mut mv, _) = joined(&rt, "Demo", "phx-form");
    let _ = (expect_report(&probe), expect_report(&probe));
    let frame = client(
        "phx-form",
        "6",
        "event",
        json!({"type": "form", "event": "form", "value": "user%5Bname%5D=Jo+D&user%5B_unused_email%5D=&tags%5B%5D=a",
               "meta": {"_target": "user[name]"}}),
    );
    mv.handle_client(frame).unwrap();
    let params: Value = serde_json::from_str(&expect_report(&probe)).unwrap();
    assert_eq!(
        params,
        json!({"user": {"name": "Jo D", "_unused_email": ""}, "tags": ["a"], "_target": ["user", "name"]})
    );
}

#[test]
fn live_patch_from_the_client_runs_handle_params() {
    let rt = demo_runtime();
    let (mut mv, mut client_view) = joined(&rt, "Demo", "phx-lp");
    mv.handle_client(client(
        "phx-lp",
        "7",
        "live_patch",
        json!({"url": "http://localhost:4000/demo?page=3"}),
    ))
    .unwrap();
    let out: Vec<Out> = mv.drain_output().collect();
    client_view.merge(&response(&out[0])["diff"]);
    assert!(client_view.html().contains("page 3"), "{}", client_view.html());
}

struct OnlyDemo;
impl RouteResolver for OnlyDemo {
    fn resolve(&self, url: &str) -> Option<(String, Params)> {
        url.contains("/demo").then(|| ("Demo".to_owned(), Params::new()))
    }
}

#[test]
fn live_patch_to_another_view_is_a_link_redirect() {
    let rt = demo_runtime().with_router(Arc::new(OnlyDemo));
    let (mut mv, _) = joined(&rt, "Demo", "phx-lr");
    mv.handle_client(client(
        "phx-lr",
        "7",
        "live_patch",
        json!({"url": "http://localhost:4000/other"}),
    ))
    .unwrap();
    let out: Vec<Out> = mv.drain_output().collect();
    assert_eq!(response(&out[0]), json!({"link_redirect": true}));
}

#[test]
fn callback_errors_and_panics_are_crashes() {
    let rt = demo_runtime();
    let (mut mv, _) = joined(&rt, "Demo", "phx-c");
    let boom =
        client("phx-c", "8", "event", json!({"type": "click", "event": "boom", "value": {}}));
    let crash = mv.handle_client(boom).unwrap_err();
    assert_eq!(crash.callback, "handle_event");
    assert!(crash.error.contains("boom in handle_event"), "{crash}");
    let fail =
        client("phx-c", "9", "event", json!({"type": "click", "event": "fail", "value": {}}));
    assert_eq!(
        mv.handle_client(fail).unwrap_err().to_string(),
        "handle_event failed: database is down"
    );
}

#[test]
fn malformed_frames_get_error_replies_not_crashes() {
    let rt = demo_runtime();
    let (mut mv, _) = joined(&rt, "Demo", "phx-m");
    mv.handle_client(client("phx-m", "3", "event", json!({"type": "click"}))).unwrap();
    mv.handle_client(client("phx-m", "4", "cids_destroyed", json!({"cids": "x"}))).unwrap();
    mv.handle_client(client("phx-m", "5", "allow_upload", json!({}))).unwrap();
    let out: Vec<Out> = mv.drain_output().collect();
    assert_eq!(out.len(), 3);
    assert!(out.iter().all(|o| matches!(o, Out::Reply { ok: false, .. })), "{out:?}");
    assert!(mv.stopped().is_none());
}

#[test]
fn unknown_internal_event_is_a_crash() {
    let rt = demo_runtime();
    let (mut mv, _) = joined(&rt, "Demo", "phx-lv");
    let frame =
        client("phx-lv", "3", "event", json!({"type": "click", "event": "lv:nope", "value": {}}));
    assert!(mv.handle_client(frame).is_err());
}

#[test]
fn leave_replies_and_closes() {
    let rt = demo_runtime();
    let (mut mv, _) = joined(&rt, "Demo", "phx-l");
    mv.handle_client(client("phx-l", "3", "phx_leave", json!({}))).unwrap();
    let out: Vec<Out> = mv.drain_output().collect();
    assert_eq!(
        out,
        vec![Out::Reply { msg_ref: Some("3".into()), ok: true, response: "{}".into() }, Out::Close]
    );
    assert_eq!(out[1].encode("lv:phx-l", "1"), r#"["1","1","lv:phx-l","phx_close",{}]"#);
    assert_eq!(mv.stopped(), Some(&TerminateReason::Left));
}

#[test]
fn missing_dynamic_renders_again_in_full() {
    let rt = demo_runtime();
    let (mut mv, mut client) = joined(&rt, "Toggle", "phx-tg");
    assert_eq!(client.html(), "<a>X</a>");
    client.merge(&response(&event(&mut mv, "toggle", json!({}))[0])["diff"]);
    assert_eq!(client.html(), "<b>X</b>");
    client.merge(&response(&event(&mut mv, "toggle", json!({}))[0])["diff"]);
    assert_eq!(client.html(), "<a>X</a>");
}

#[test]
fn static_render_uses_conn_assigns_for_assign_new() {
    let rt = demo_runtime();
    let render = rt
        .static_render(StaticRequest {
            view: rt.view("Demo").unwrap(),
            id: "phx-s".into(),
            params: MountParams::Router(json!({"page": "4"}).as_object().unwrap().clone()),
            session: Map::new(),
            uri: "http://localhost:4000/demo?page=4".into(),
            flash: json!({"info": "hello"}).as_object().unwrap().clone(),
            conn_assigns: json!({"user": "ada", "other": 1}).as_object().unwrap().clone(),
        })
        .unwrap();
    assert_eq!(render.html, "<p>0</p><p>page 4</p><ul></ul><div class=\"flash\">hello</div>");
    assert_eq!(render.assign_new, vec!["user".to_owned()]);
    assert_eq!(render.navigation, None);
    assert_eq!(Value::Object(render.flash), json!({"info": "hello"}));

    let render = rt
        .static_render(StaticRequest {
            view: rt.view("Framed").unwrap(),
            id: "phx-s2".into(),
            params: MountParams::NotMountedAtRouter,
            session: Map::new(),
            uri: "http://localhost:4000/framed".into(),
            flash: Map::new(),
            conn_assigns: Map::new(),
        })
        .unwrap();
    assert_eq!(render.html, "<main class=\"layout\"><p>inner</p></main>");
    assert_eq!(render.title.as_deref(), Some("Framed"));
}

#[test]
fn static_render_reports_mount_redirects_and_crashes() {
    let rt = demo_runtime();
    let request = |view: &str, params: MountParams| StaticRequest {
        view: rt.view(view).unwrap(),
        id: "phx-sr".into(),
        params,
        session: Map::new(),
        uri: "http://localhost:4000/x".into(),
        flash: Map::new(),
        conn_assigns: Map::new(),
    };
    let render = rt.static_render(request("Bouncer", MountParams::Router(Params::new()))).unwrap();
    assert_eq!(
        render.navigation,
        Some(liveview_core::Navigation::Redirect { to: "/login".into(), external: false })
    );
    assert_eq!(render.html, "");
    // Thermostat-style mount errors surface as a typed error naming the callback.
    let err = rt
        .static_render(StaticRequest {
            session: json!({"x": 1}).as_object().unwrap().clone(),
            ..request("Crashy", MountParams::NotMountedAtRouter)
        })
        .unwrap_err();
    assert_eq!(err.to_string(), "Crashy.mount failed: no session key");
}

struct Crashy;
impl LiveView for Crashy {
    fn mount(_: &MountParams, _: &Session, _: &mut Socket) -> ViewResult<Self> {
        Err("no session key".into())
    }
}

/// Reports what a connected mount knows about its connection.
struct Facts;
impl LiveView for Facts {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        report(
            socket.id(),
            format!(
                "connected={} static_changed={} transport_id={:?} csrf={:?}",
                socket.is_connected(),
                socket.static_changed(),
                socket.transport_id(),
                socket.connect_params().and_then(|p| p.get("_csrf_token")).and_then(Value::as_str),
            ),
        );
        Ok(Facts)
    }
    fn render(&self, _: &Assigns) -> Result<Rendered, liveview_core::RenderError> {
        Ok(Rendered::from_static("facts"))
    }
}

#[test]
fn connected_mount_sees_transport_and_static_changed() {
    let rt = runtime(vec![ViewDef::new::<Facts>("Facts")], vec![]);
    let reports = probe("phx-facts");
    let mut args = connected_args(&rt, "Facts", "phx-facts");
    if let Some(connection) = args.connection.as_mut() {
        connection.static_changed = true;
    }
    MountedView::mount(&rt, args).unwrap();
    assert_eq!(
        expect_report(&reports),
        "connected=true static_changed=true transport_id=Some(\"t1\") csrf=Some(\"c\")"
    );
    let render = rt
        .static_render(StaticRequest {
            view: rt.view("Facts").unwrap(),
            id: "phx-facts".into(),
            params: MountParams::NotMountedAtRouter,
            session: Map::new(),
            uri: "http://localhost:4000/facts".into(),
            flash: Map::new(),
            conn_assigns: Map::new(),
        })
        .unwrap();
    assert_eq!(render.html, "facts");
    assert_eq!(
        expect_report(&reports),
        "connected=false static_changed=false transport_id=None csrf=None"
    );
}

#[test]
fn hibernation_keeps_diffs_minimal() {
    let rt = demo_runtime();
    let (mut mv, _) = joined(&rt, "Demo", "phx-hib");
    event(&mut mv, "inc", json!({}));
    mv.hibernate();
    let reply = response(&event(&mut mv, "inc", json!({}))[0]);
    assert_eq!(reply, json!({"diff": {"0": "2"}}), "only the changed slot, no statics");
}
