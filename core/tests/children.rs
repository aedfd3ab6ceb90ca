//! Nested child LiveViews (`live_render`): container HTML in connected and dead renders,
//! child crash vs parent crash, a new child id.

mod support;

use liveview_core::{
    Assigns, ChildCall, Dynamic, LiveView, MountParams, MountedView, Out, Rendered, Session,
    Socket, StaticRequest, Template, TerminateReason, ViewDef, ViewInput, ViewResult,
};
use serde_json::{Map, Value, json};
use support::*;

struct Parent;

fn parent_template(a: &Assigns) -> Rendered {
    let child = a.is_changed("child_id").then(|| {
        Dynamic::ChildCall(Box::new(ChildCall {
            view: "Child".into(),
            id: show(&a.get("child_id").cloned().unwrap_or_default()),
            session: json!({"greeting": "hi"}).as_object().unwrap().clone(),
            container: None,
        }))
    });
    node(&["<h1>parent ", "</h1>", ""], vec![slot(a, "count"), child])
}
static PARENT: Tpl = Tpl(parent_template);

impl LiveView for Parent {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("count", 0)?.assign("child_id", "child")?.assign("user", "ada")?;
        Ok(Parent)
    }
    fn template() -> Option<&'static dyn Template> {
        Some(&PARENT)
    }
    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc" => {
                socket.update("count", |c: i64| c + 1)?;
            }
            "new_child" => {
                socket.assign("child_id", "child2")?;
            }
            _ => panic!("parent crashed on {event}"),
        }
        Ok(())
    }
    fn terminate(&mut self, reason: &TerminateReason, socket: &mut Socket) {
        report(socket.id(), format!("terminate {reason:?}"));
    }
}

struct Child;

fn child_template(a: &Assigns) -> Rendered {
    node(&["<p>", " ", "</p>"], vec![slot(a, "greeting"), slot(a, "user")])
}
static CHILD: Tpl = Tpl(child_template);

impl LiveView for Child {
    fn mount(_: &MountParams, session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("greeting", session.get("greeting").cloned().unwrap_or_default())?;
        socket.assign_new("user", || "nobody")?;
        Ok(Child)
    }
    fn template() -> Option<&'static dyn Template> {
        Some(&CHILD)
    }
    fn options() -> liveview_core::ViewOptions {
        liveview_core::ViewOptions {
            container: Some(("aside".into(), vec![("class".into(), "kid".into())])),
            layout: None,
        }
    }
    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        if event == "patch" {
            socket.push_patch("/parent?page=2", false);
            return Ok(());
        }
        Err(format!("child crashed on {event}").into())
    }
    fn terminate(&mut self, reason: &TerminateReason, socket: &mut Socket) {
        report(socket.id(), format!("terminate {reason:?}"));
    }
}

fn family() -> liveview_core::Runtime {
    runtime(vec![ViewDef::new::<Parent>("Parent"), ViewDef::new::<Child>("Child")], vec![])
}

/// The (unescaped) value of attribute `name` in `html`.
fn attr(html: &str, name: &str) -> String {
    let start = html.find(&format!(" {name}=\"")).unwrap_or_else(|| panic!("no {name} in {html}"))
        + name.len()
        + 3;
    let raw = &html[start..start + html[start..].find('"').unwrap()];
    raw.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn connected_render_has_an_empty_container_with_a_signed_session() {
    let rt = family();
    let mut mv = MountedView::mount(&rt, connected_args(&rt, "Parent", "phx-par")).unwrap();
    let response: Value = serde_json::from_str(&mv.render_join(false).unwrap().response).unwrap();
    let mut client = Client::default();
    client.merge(&response["rendered"]);
    let html = client.html();
    assert!(
        html.starts_with("<h1>parent 0</h1><aside id=\"child\" class=\"kid\" data-phx-session=\""),
        "{html}"
    );
    assert!(
        html.ends_with("data-phx-static=\"\" data-phx-parent-id=\"phx-par\"></aside>"),
        "{html}"
    );
    let token = attr(&html, "data-phx-session");
    let payload = sessions().verify_session(&token, "child").unwrap();
    assert_eq!(payload.view, "Child");
    assert_eq!(payload.parent_id.as_deref(), Some("phx-par"));
    assert_eq!(payload.root_id.as_deref(), Some("phx-par"));
    assert!(!payload.router);
    assert_eq!(Value::Object(payload.session), json!({"greeting": "hi"}));
}

#[test]
fn dead_render_renders_the_child_inside_with_a_static_token() {
    let rt = family();
    let render = rt
        .static_render(StaticRequest {
            view: rt.view("Parent").unwrap(),
            id: "phx-par".into(),
            params: MountParams::NotMountedAtRouter,
            session: Map::new(),
            uri: "http://localhost:4000/parent".into(),
            flash: Map::new(),
            conn_assigns: Map::new(),
        })
        .unwrap();
    let html = render.html;
    assert!(html.starts_with("<h1>parent 0</h1><aside id=\"child\" class=\"kid\" data-phx-session=\"\" data-phx-static=\""), "{html}");
    assert!(html.ends_with("data-phx-parent-id=\"phx-par\"><p>hi ada</p></aside>"), "{html}");
    let payload = sessions().verify_static(&attr(&html, "data-phx-static"), "child").unwrap();
    assert_eq!(
        payload.assign_new,
        vec!["user".to_owned()],
        "the child took `user` from the parent"
    );
}

#[test]
fn a_new_child_id_renders_a_new_container() {
    let rt = family();
    let mut mv = MountedView::mount(&rt, connected_args(&rt, "Parent", "phx-par2")).unwrap();
    let response: Value = serde_json::from_str(&mv.render_join(false).unwrap().response).unwrap();
    let mut client = Client::default();
    client.merge(&response["rendered"]);
    mv.handle_client(client_frame("phx-par2", "new_child")).unwrap();
    let out: Vec<Out> = mv.drain_output().collect();
    let Out::Reply { response, .. } = &out[0] else { panic!() };
    client.merge(&serde_json::from_str::<Value>(response).unwrap()["diff"]);
    let html = client.html();
    assert!(html.contains("<aside id=\"child2\""), "{html}");
    sessions().verify_session(&attr(&html, "data-phx-session"), "child2").unwrap();
}

fn client_frame(id: &str, event: &str) -> liveview_core::protocol::Frame {
    client(id, "5", "event", json!({"type": "click", "event": event, "value": {}}))
}

/// Spawns the parent, then the child as the channel layer would after the parent's join.
fn spawn_family(
    rt: &liveview_core::Runtime,
    parent_id: &str,
    child_id: &str,
) -> (liveview_core::ViewHandle, liveview_core::ViewHandle, crossbeam_channel::Receiver<String>) {
    let (transport, frames) = transport();
    let parent = rt.spawn(join(rt, "Parent", parent_id, transport.clone())).unwrap();
    next_reply(&frames, "ok");
    let mut child_join = join(rt, "Child", child_id, transport);
    child_join.join_ref = "2".into();
    child_join.params = MountParams::NotMountedAtRouter;
    child_join.session = json!({"greeting": "hi"}).as_object().unwrap().clone();
    child_join.parent = Some(parent.clone());
    let child = rt.spawn(child_join).unwrap();
    let reply = next_frame(&frames);
    assert_eq!(reply.topic, format!("lv:{child_id}"));
    let mut client = Client::default();
    client.merge(&reply.payload["response"]["rendered"]);
    assert_eq!(
        client.html(),
        "<p>hi ada</p>",
        "the connected child's assign_new takes the parent's assign"
    );
    (parent, child, frames)
}

#[test]
fn a_child_crash_leaves_the_parent_running() {
    let rt = family();
    let child_reports = probe("kid1");
    let (parent, child, frames) = spawn_family(&rt, "phx-p1", "kid1");
    child.send(ViewInput::Client(client_frame("kid1", "explode"))).unwrap();
    let error = next_frame(&frames);
    assert_eq!(
        (error.topic.as_str(), error.event.as_str(), error.join_ref.as_deref()),
        ("lv:kid1", "phx_error", Some("2"))
    );
    assert!(expect_report(&child_reports).starts_with("terminate Crash("));
    parent.send(ViewInput::Client(client_frame("phx-p1", "inc"))).unwrap();
    let reply = next_frame(&frames);
    assert_eq!((reply.topic.as_str(), reply.payload["status"].as_str()), ("lv:phx-p1", Some("ok")));
    assert!(parent.is_alive());
    parent.send(ViewInput::Shutdown).unwrap();
}

#[test]
fn the_parent_ending_ends_its_children() {
    let rt = family();
    let child_reports = probe("kid2");
    let (parent, child, frames) = spawn_family(&rt, "phx-p2", "kid2");
    parent.send(ViewInput::Client(client_frame("phx-p2", "explode"))).unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let frame = next_frame(&frames);
        seen.push((frame.topic, frame.event));
    }
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("lv:kid2".to_owned(), "phx_close".to_owned()),
            ("lv:phx-p2".to_owned(), "phx_error".to_owned())
        ]
    );
    assert_eq!(expect_report(&child_reports), "terminate Shutdown");
    eventually("both threads to end", || !parent.is_alive() && !child.is_alive());
    assert_eq!(rt.live_views(), 0);
}

#[test]
fn a_child_push_patch_is_carried_out_by_its_parent() {
    let rt = family();
    let (parent, child, frames) = spawn_family(&rt, "phx-p3", "kid3");
    child.send(ViewInput::Client(client_frame("kid3", "patch"))).unwrap();
    let reply = next_frame(&frames);
    assert_eq!((reply.topic.as_str(), reply.event.as_str()), ("lv:kid3", "phx_reply"));
    let patch = next_frame(&frames);
    assert_eq!((patch.topic.as_str(), patch.event.as_str()), ("lv:phx-p3", "live_patch"));
    assert_eq!(patch.payload, json!({"to": "/parent?page=2", "kind": "push"}));
    parent.send(ViewInput::Shutdown).unwrap();
}
