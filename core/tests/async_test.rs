//! Async assigns end to end: `assign_async` shows `loading` until its thread delivers the
//! result to the view's mailbox; `start_async` results reach `handle_async`.
#![cfg(feature = "testing")]

use std::sync::Mutex;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, bounded};
use liveview_core::testing::LiveViewTest;
use liveview_core::{
    App, Assigns, ComponentCall, Dynamic, Fingerprint, LiveComponent, LiveView, MountParams,
    RenderError, Rendered, Session, Socket, Statics, ViewResult,
};
use serde_json::{Map, Value, json};

const WAIT: Duration = Duration::from_secs(10);

/// Gates of the `assign_async` work of mounted views, opened by the test.
static GATES: Mutex<Vec<Sender<()>>> = Mutex::new(Vec::new());

struct Profile;

impl LiveView for Profile {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let (open, gate): (Sender<()>, Receiver<()>) = bounded(1);
        if socket.is_connected() {
            GATES.lock().unwrap().push(open);
        }
        socket.assign("answer", Value::Null)?;
        socket.assign_async(&["user"], move || {
            gate.recv_timeout(WAIT).map_err(|e| e.to_string())?;
            let mut values = Map::new();
            values.insert("user".into(), json!({"name": "ada"}));
            Ok(values)
        })?;
        Ok(Profile)
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        let statics = Statics::new([
            r#"<p id="user">"#,
            r#"</p><p id="answer">"#,
            r#"</p><button id="go" phx-click="go"></button><button id="fail" phx-click="fail"></button>"#,
        ]);
        let fingerprint = Fingerprint::of_statics(statics.parts());
        let user = match assigns.get("user") {
            Some(u) if u.get("loading").is_some() => "loading".to_owned(),
            Some(u) if u.get("failed").is_some() => format!("failed: {}", u["failed"]),
            Some(u) => u["ok"]["name"].as_str().unwrap_or_default().to_owned(),
            None => String::new(),
        };
        let answer = assigns.get("answer").map(Value::to_string).unwrap_or_default();
        Ok(Rendered::new(
            statics,
            fingerprint,
            vec![Dynamic::escaped(&user), Dynamic::escaped(&answer)],
        ))
    }

    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "go" => socket.start_async("calc", || Ok(json!(42)))?,
            _ => socket.start_async("calc", || -> Result<Value, String> { panic!("no luck") })?,
        };
        Ok(())
    }

    fn handle_async(
        &mut self,
        name: &str,
        result: Result<Value, String>,
        socket: &mut Socket,
    ) -> ViewResult {
        let answer = match result {
            Ok(v) => json!({"name": name, "ok": v}),
            Err(e) => json!({"name": name, "error": e}),
        };
        socket.assign("answer", answer)?;
        Ok(())
    }
}

fn live() -> LiveViewTest {
    let app = App::builder()
        .secret_key_base([9u8; 64])
        .signing_salt("async-salt")
        .live::<Profile>("/profile")
        .build()
        .expect("app builds");
    LiveViewTest::live(&app, "/profile").expect("mounts")
}

#[test]
fn assign_async_is_loading_until_the_result_arrives() {
    let mut view = live();
    assert!(view.dead_html().contains(r#"<p id="user">loading</p>"#));
    assert!(view.has_element_with_text("#user", "loading"), "gate still closed");
    for gate in GATES.lock().unwrap().drain(..) {
        let _ = gate.send(());
    }
    view.render_until(WAIT, |html| html.contains(r#"<p id="user">ada</p>"#)).unwrap();
}

#[test]
fn start_async_results_reach_handle_async() {
    let mut view = live();
    view.element("#go").click().unwrap();
    let html = view.render_until(WAIT, |html| html.contains("42")).unwrap();
    assert!(html.contains(r#"{&quot;name&quot;:&quot;calc&quot;,&quot;ok&quot;:42}"#), "{html}");
    view.element("#fail").click().unwrap();
    let html = view.render_until(WAIT, |html| html.contains("no luck")).unwrap();
    assert!(html.contains("panicked: no luck"), "{html}");
}

/// A component doing its own async work; its results must come back to it.
struct Loader;

impl LiveComponent for Loader {
    fn mount(socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("answer", Value::Null)?;
        socket.assign_async(&["data"], || {
            let mut values = Map::new();
            values.insert("data".into(), json!("loaded"));
            Ok(values)
        })?;
        Ok(Loader)
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        let statics = Statics::new([
            r#"<div id="loader"><p id="data">"#,
            r#"</p><p id="canswer">"#,
            r#"</p><button id="cgo" phx-click="go" phx-target=""#,
            r#"">go</button></div>"#,
        ]);
        let fingerprint = Fingerprint::of_statics(statics.parts());
        let data = assigns.get("data").map(Value::to_string).unwrap_or_default();
        let answer = assigns.get("answer").map(Value::to_string).unwrap_or_default();
        let myself = assigns.get("myself").map(Value::to_string).unwrap_or_default();
        let mut r = Rendered::new(
            statics,
            fingerprint,
            vec![Dynamic::escaped(&data), Dynamic::escaped(&answer), Dynamic::escaped(&myself)],
        );
        r.root = true;
        Ok(r)
    }

    fn handle_event(&mut self, _: &str, _: Value, socket: &mut Socket) -> ViewResult {
        socket.start_async("sum", || Ok(json!(7)))?;
        Ok(())
    }

    fn handle_async(
        &mut self,
        name: &str,
        result: Result<Value, String>,
        socket: &mut Socket,
    ) -> ViewResult {
        socket.assign("answer", json!({"name": name, "result": result.ok()}))?;
        Ok(())
    }
}

struct Host;

impl LiveView for Host {
    fn mount(_: &MountParams, _: &Session, _: &mut Socket) -> ViewResult<Self> {
        Ok(Host)
    }

    fn render(&self, _: &Assigns) -> Result<Rendered, RenderError> {
        let statics = Statics::new(["<main>", "</main>"]);
        let fingerprint = Fingerprint::of_statics(statics.parts());
        let call =
            ComponentCall { component: "Loader".into(), id: "l".into(), assigns: Map::new() };
        Ok(Rendered::new(statics, fingerprint, vec![Dynamic::ComponentCall(Box::new(call))]))
    }
}

#[test]
fn component_async_results_come_back_to_the_component() {
    let app = App::builder()
        .secret_key_base([9u8; 64])
        .signing_salt("async-component-salt")
        .live::<Host>("/host")
        .component::<Loader>("Loader")
        .build()
        .expect("app builds");
    let mut view = LiveViewTest::live(&app, "/host").expect("mounts");
    assert!(view.dead_html().contains("{&quot;loading&quot;:true}"), "{}", view.dead_html());
    view.render_until(WAIT, |html| html.contains("{&quot;ok&quot;:&quot;loaded&quot;}")).unwrap();
    view.element("#cgo").click().unwrap();
    view.render_until(WAIT, |html| {
        html.contains("{&quot;name&quot;:&quot;sum&quot;,&quot;result&quot;:7}")
    })
    .unwrap();
}
