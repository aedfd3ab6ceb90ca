//! LiveComponents inside a `MountedView`: cids, mount/preload/update/render, events through
//! `cid`, `send_update`, removal and revival through `cids_will_destroy` / `cids_destroyed`.

mod support;

use liveview_core::{
    Assigns, ComponentCall, ComponentDef, Comprehension, Dynamic, Fingerprint, LiveComponent,
    LiveView, MountParams, MountedView, Out, Params, Rendered, Session, Socket, StaticRequest,
    Statics, Template, ViewDef, ViewResult,
};
use serde_json::{Map, Value, json};
use support::*;

/// A counter component: `<div id="c-<id>" phx-target="<myself>">label: count</div>`.
struct Counter;

fn counter_template(a: &Assigns) -> Rendered {
    node(
        &["<div id=\"c-", "\" phx-target=\"", "\">", ": ", "</div>"],
        vec![slot(a, "id"), slot(a, "myself"), slot(a, "label"), slot(a, "count")],
    )
}
static COUNTER: Tpl = Tpl(counter_template);

impl LiveComponent for Counter {
    fn mount(socket: &mut Socket) -> ViewResult<Self> {
        report(socket.id(), "component mount");
        socket.assign("count", 0)?;
        Ok(Counter)
    }

    fn preload(list: Vec<Params>) -> Vec<Params> {
        let ids: Vec<String> = list.iter().map(|p| show(&p["id"])).collect();
        report("preload", ids.join(","));
        list
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&COUNTER)
    }

    fn handle_event(&mut self, event: &str, _params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc" => {
                socket.update("count", |c: i64| c + 1)?;
            }
            "leave" => {
                socket.put_flash("info", "from component");
                socket.push_navigate("/elsewhere", false);
            }
            "ping" => {
                socket.push_event("pong", json!({}))?;
                socket.reply(json!({"pong": true}))?;
            }
            _ => return Err("unknown component event".into()),
        }
        Ok(())
    }
}

/// A view listing counters for its `items` (a comprehension of `live_component` calls).
struct Board;

fn board_template(a: &Assigns) -> Rendered {
    let list = a.is_changed("items").then(|| {
        let statics = Statics::new(["", ""]);
        let fingerprint = Fingerprint::of_statics(statics.parts());
        let entries = a.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
        let entries = entries
            .iter()
            .map(|item| {
                let assigns = json!({"label": item.as_str().unwrap_or("").to_uppercase()});
                vec![Dynamic::ComponentCall(Box::new(ComponentCall {
                    component: a
                        .get("component")
                        .and_then(Value::as_str)
                        .unwrap_or("Counter")
                        .to_owned(),
                    id: show(item),
                    assigns: assigns.as_object().unwrap().clone(),
                }))]
            })
            .collect();
        Dynamic::Comprehension(Box::new(Comprehension {
            statics,
            fingerprint,
            entries,
            stream: None,
        }))
    });
    let statics: &[&str] = if a.get("tag") == Some(&json!("article")) {
        &["<article>", "</article>"]
    } else {
        &["<section>", "</section>"]
    };
    node(statics, vec![list])
}
static BOARD: Tpl = Tpl(board_template);

impl LiveView for Board {
    fn mount(_: &MountParams, session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let items = session.get("items").cloned().unwrap_or(json!(["a", "b"]));
        socket.assign("items", items)?;
        if let Some(component) = session.get("component") {
            socket.assign("component", component.clone())?;
        }
        Ok(Board)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&BOARD)
    }

    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "set" => {
                socket.assign("items", params["items"].clone())?;
            }
            "tag" => {
                socket.assign("tag", "article")?;
            }
            "bump_later" => socket.send_update_after(
                "Counter",
                "b",
                json!({"count": 10}).as_object().unwrap().clone(),
                std::time::Duration::from_millis(5),
            ),
            "bump" => socket.send_update(
                "Counter",
                "b",
                json!({"count": 10}).as_object().unwrap().clone(),
            ),
            _ => return Err("unknown event".into()),
        }
        Ok(())
    }
}

fn board_runtime() -> liveview_core::Runtime {
    runtime(vec![ViewDef::new::<Board>("Board")], vec![ComponentDef::new::<Counter>("Counter")])
}

fn session(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn joined(
    rt: &liveview_core::Runtime,
    id: &str,
    session: Map<String, Value>,
) -> (MountedView, Client, Value) {
    let mut args = connected_args(rt, "Board", id);
    args.session = session;
    let mut mv = MountedView::mount(rt, args).unwrap();
    let reply = mv.render_join(false).unwrap();
    assert!(reply.ok, "{}", reply.response);
    let rendered: Value =
        serde_json::from_str::<Value>(&reply.response).unwrap()["rendered"].clone();
    let mut client = Client::default();
    client.merge(&rendered);
    (mv, client, rendered)
}

fn send(mv: &mut MountedView, event: &str, payload: Value) -> Value {
    let id = mv.id().to_owned();
    mv.handle_client(client(&id, "5", event, payload)).unwrap();
    let out: Vec<Out> = mv.drain_output().collect();
    match out.iter().rev().find(|o| matches!(o, Out::Reply { .. })) {
        Some(Out::Reply { ok: true, response, .. }) => serde_json::from_str(response).unwrap(),
        other => panic!("expected an ok reply, got {other:?}"),
    }
}

#[test]
fn components_mount_preload_update_and_render_with_cids() {
    let rt = board_runtime();
    let preload = probe("preload");
    let mounts = probe("phx-board");
    let (mv, client, rendered) = joined(&rt, "phx-board", session(json!({"items": ["p1", "p2"]})));
    // Other tests' boards report too; this board's batch must come as one call.
    loop {
        let ids = expect_report(&preload);
        assert!(ids != "p1" && ids != "p2", "one preload call for the whole batch");
        if ids == "p1,p2" {
            break;
        }
    }
    assert_eq!(expect_report(&mounts), "component mount");
    assert_eq!(expect_report(&mounts), "component mount");
    assert_eq!(mv.component_count(), 2);
    assert_eq!(rendered["c"]["1"]["r"], json!(1), "component roots carry r: 1");
    assert_eq!(rendered["c"]["2"]["r"], json!(1));
    assert_eq!(
        client.html(),
        "<section><div id=\"c-p1\" phx-target=\"1\">P1: 0</div><div id=\"c-p2\" phx-target=\"2\">P2: 0</div></section>"
    );
}

#[test]
fn events_with_cid_go_to_the_component() {
    let rt = board_runtime();
    let (mut mv, mut client, _) = joined(&rt, "phx-cev", Map::new());
    let reply =
        send(&mut mv, "event", json!({"type": "click", "event": "inc", "value": {}, "cid": 2}));
    assert!(reply["diff"]["c"]["2"].is_object(), "{reply}");
    client.merge(&reply["diff"]);
    assert!(client.html().contains("B: 1"), "{}", client.html());
    assert!(client.html().contains("A: 0"), "{}", client.html());

    let reply =
        send(&mut mv, "event", json!({"type": "hook", "event": "ping", "value": {}, "cid": 1}));
    assert_eq!(reply["diff"]["e"], json!([["pong", {}]]));
    assert_eq!(reply["diff"]["r"], json!({"pong": true}));

    // An event for a cid the server does not know is ignored, as in Phoenix.
    assert_eq!(
        send(&mut mv, "event", json!({"type": "click", "event": "inc", "value": {}, "cid": 99})),
        json!({})
    );
}

#[test]
fn component_navigation_and_flash_act_on_the_view() {
    let rt = board_runtime();
    let (mut mv, _, _) = joined(&rt, "phx-cnav", Map::new());
    let reply =
        send(&mut mv, "event", json!({"type": "click", "event": "leave", "value": {}, "cid": 1}));
    assert_eq!(reply["live_redirect"]["to"], json!("/elsewhere"));
    let flash = sessions().verify_flash(reply["live_redirect"]["flash"].as_str().unwrap()).unwrap();
    assert_eq!(Value::Object(flash), json!({"info": "from component"}));
}

#[test]
fn send_update_updates_and_pushes_the_component() {
    let rt = board_runtime();
    let (mut mv, mut client, _) = joined(&rt, "phx-su", Map::new());
    send(&mut mv, "event", json!({"type": "click", "event": "bump", "value": {}}));
    let commands = mv.take_commands();
    assert_eq!(commands.len(), 1, "send_update is carried out by the runtime");
    mv.send_update("Counter", "b", json!({"count": 10}).as_object().unwrap().clone()).unwrap();
    let out: Vec<Out> = mv.drain_output().collect();
    let Out::Push { event: "diff", payload } = &out[0] else { panic!("{out:?}") };
    let diff: Value = serde_json::from_str(payload).unwrap();
    assert!(diff["c"]["2"].is_object() && diff.get("0").is_none(), "{diff}");
    client.merge(&diff);
    assert!(client.html().contains("B: 10"), "{}", client.html());
    // Unknown components are logged and ignored.
    mv.send_update("Counter", "zzz", Map::new()).unwrap();
    assert_eq!(mv.drain_output().count(), 0);
}

#[test]
fn removed_components_are_deleted_only_when_destroyed() {
    let rt = board_runtime();
    let (mut mv, mut client, _) = joined(&rt, "phx-rm", Map::new());
    let reply =
        send(&mut mv, "event", json!({"type": "click", "event": "set", "value": {"items": ["b"]}}));
    client.merge(&reply["diff"]);
    assert_eq!(client.html(), "<section><div id=\"c-b\" phx-target=\"2\">B: 0</div></section>");
    assert_eq!(send(&mut mv, "cids_will_destroy", json!({"cids": [1]})), json!({}));
    assert_eq!(mv.component_count(), 2);
    assert_eq!(send(&mut mv, "cids_destroyed", json!({"cids": [1]})), json!({"cids": [1]}));
    client.prune(&[1]);
    assert_eq!(mv.component_count(), 1);
    // Not marked first: not deleted.
    assert_eq!(send(&mut mv, "cids_destroyed", json!({"cids": [2]})), json!({"cids": []}));
    assert_eq!(mv.component_count(), 1);
    // Rendered again later: a new cid, mounted again.
    let reply = send(
        &mut mv,
        "event",
        json!({"type": "click", "event": "set", "value": {"items": ["a", "b"]}}),
    );
    client.merge(&reply["diff"]);
    assert!(
        client.html().contains("<div id=\"c-a\" phx-target=\"3\">A: 0</div>"),
        "{}",
        client.html()
    );
}

#[test]
fn a_component_rendered_again_before_destroyed_is_revived_in_full() {
    let rt = board_runtime();
    let (mut mv, mut client, _) = joined(&rt, "phx-rv", Map::new());
    send(&mut mv, "event", json!({"type": "click", "event": "inc", "value": {}, "cid": 1}));
    let reply =
        send(&mut mv, "event", json!({"type": "click", "event": "set", "value": {"items": ["b"]}}));
    client.merge(&reply["diff"]);
    send(&mut mv, "cids_will_destroy", json!({"cids": [1]}));
    let reply = send(
        &mut mv,
        "event",
        json!({"type": "click", "event": "set", "value": {"items": ["a", "b"]}}),
    );
    assert!(reply["diff"]["c"]["1"]["s"].is_array(), "revived component is sent in full: {reply}");
    client.merge(&reply["diff"]);
    assert_eq!(send(&mut mv, "cids_destroyed", json!({"cids": [1]})), json!({"cids": []}));
    assert_eq!(mv.component_count(), 2);
    assert!(client.html().contains("A: 1"), "state survives the revival: {}", client.html());
}

#[test]
fn duplicate_ids_and_unknown_components_are_crashes() {
    let rt = board_runtime();
    let mut args = connected_args(&rt, "Board", "phx-dup");
    args.session = session(json!({"items": ["a", "a"]}));
    let mut mv = MountedView::mount(&rt, args).unwrap();
    let crash = mv.render_join(false).unwrap_err();
    assert!(crash.error.contains("found duplicate ID \"a\""), "{crash}");

    let mut args = connected_args(&rt, "Board", "phx-unk");
    args.session = session(json!({"component": "Nope"}));
    let mut mv = MountedView::mount(&rt, args).unwrap();
    let crash = mv.render_join(false).unwrap_err();
    assert_eq!(
        crash.to_string(),
        "render failed: live_component: no component named \"Nope\" is registered"
    );
}

#[test]
fn static_render_inlines_components() {
    let rt = board_runtime();
    let render = rt
        .static_render(StaticRequest {
            view: rt.view("Board").unwrap(),
            id: "phx-sb".into(),
            params: MountParams::NotMountedAtRouter,
            session: Map::new(),
            uri: "http://localhost:4000/board".into(),
            flash: Map::new(),
            conn_assigns: Map::new(),
        })
        .unwrap();
    assert_eq!(
        render.html,
        "<section><div id=\"c-a\" phx-target=\"1\">A: 0</div><div id=\"c-b\" phx-target=\"2\">B: 0</div></section>"
    );
    assert!(!render.html.contains("data-phx-component"));
}

#[test]
fn a_root_sent_whole_resends_its_components_in_full() {
    let rt = board_runtime();
    let (mut mv, mut client, _) = joined(&rt, "phx-whole", Map::new());
    send(&mut mv, "event", json!({"type": "click", "event": "inc", "value": {}, "cid": 1}));
    let reply = send(&mut mv, "event", json!({"type": "click", "event": "tag", "value": {}}));
    assert!(reply["diff"]["s"].is_array(), "new root statics: {reply}");
    assert!(
        reply["diff"]["c"]["1"]["s"].is_array() && reply["diff"]["c"]["2"]["s"].is_array(),
        "{reply}"
    );
    let mut fresh = Client::default();
    fresh.merge(&reply["diff"]);
    client.merge(&reply["diff"]);
    let expected = "<article><div id=\"c-a\" phx-target=\"1\">A: 1</div><div id=\"c-b\" phx-target=\"2\">B: 0</div></article>";
    assert_eq!(fresh.html(), expected, "the diff alone carries everything");
    assert_eq!(client.html(), expected);
}

#[test]
fn send_update_after_runs_on_the_view_thread() {
    let rt = board_runtime();
    let (transport, frames) = transport();
    let handle = rt.spawn(join(&rt, "Board", "phx-later", transport)).unwrap();
    let mut client = Client::default();
    client.merge(&next_reply(&frames, "ok")["rendered"]);
    handle.send(click("phx-later", "2", "bump_later", json!({}))).unwrap();
    assert_eq!(next_reply(&frames, "ok"), json!({}));
    let push = next_frame(&frames);
    assert_eq!(push.event, "diff");
    client.merge(&push.payload);
    assert!(client.html().contains("B: 10"), "{}", client.html());
    handle.send(liveview_core::ViewInput::Shutdown).unwrap();
}
