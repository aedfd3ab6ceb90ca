//! Shared test helpers: hand-built templates, a fake transport, a tiny client-side merge.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use liveview_core::protocol::Frame;
use liveview_core::session::Sessions;
use liveview_core::token::Signer;
use liveview_core::{
    Assigns, ComponentDef, ConnectInfo, Dynamic, Fingerprint, JoinRequest, LocalPubSub, MountArgs,
    MountConnection, MountParams, Params, RenderError, Rendered, Runtime, RuntimeConfig, Statics,
    Template, Transport, TransportError, ViewDef, ViewInput,
};
use serde_json::{Map, Value, json};

/// How long any blocking wait in a test may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(5);

// ----- templates ------------------------------------------------------------------------------

/// A template written as a Rust function (the handlebars front end is another crate).
pub struct Tpl(pub fn(&Assigns) -> Rendered);

impl Template for Tpl {
    fn prepare(&self) -> Result<(), RenderError> {
        Ok(())
    }
    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        Ok((self.0)(assigns))
    }
}

/// A layout: `<main class="layout">{inner}</main>`.
pub struct Layout;

impl Template for Layout {
    fn prepare(&self) -> Result<(), RenderError> {
        Ok(())
    }
    fn render(&self, _: &Assigns) -> Result<Rendered, RenderError> {
        Err(RenderError::new("layout only"))
    }
    fn render_layout(&self, _: &Assigns, inner: Rendered) -> Result<Rendered, RenderError> {
        Ok(node(
            &["<main class=\"layout\">", "</main>"],
            vec![Some(Dynamic::Nested(Box::new(inner)))],
        ))
    }
}

pub static LAYOUT: Layout = Layout;

/// A rendered node from statics and slot values.
pub fn node(statics: &[&str], dynamics: Vec<Option<Dynamic>>) -> Rendered {
    let statics = Statics::new(statics.iter().copied());
    let fingerprint = Fingerprint::of_statics(statics.parts());
    Rendered { statics, dynamics, fingerprint, root: false }
}

/// The slot of assign `key`: `None` when unchanged (change tracking), else its text.
pub fn slot(assigns: &Assigns, key: &str) -> Option<Dynamic> {
    assigns
        .is_changed(key)
        .then(|| Dynamic::escaped(&show(assigns.get(key).unwrap_or(&Value::Null))))
}

/// A value as template text (strings without quotes, null as empty).
pub fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

// ----- runtime --------------------------------------------------------------------------------

pub fn sessions() -> Sessions {
    Sessions::new(
        Signer::new(&[7u8; 32], "session-salt").unwrap(),
        Signer::new(&[7u8; 32], "flash-salt-1").unwrap(),
    )
}

pub fn runtime(views: Vec<ViewDef>, components: Vec<ComponentDef>) -> Runtime {
    runtime_with(RuntimeConfig::default(), views, components)
}

pub fn runtime_with(
    config: RuntimeConfig,
    views: Vec<ViewDef>,
    components: Vec<ComponentDef>,
) -> Runtime {
    let mut layouts: HashMap<String, &'static dyn Template> = HashMap::new();
    layouts.insert("app".into(), &LAYOUT);
    Runtime::new(config, views, components, layouts, Arc::new(LocalPubSub::new()), sessions())
}

/// Mount arguments of a connected, router-mounted view.
pub fn connected_args(rt: &Runtime, view: &str, id: &str) -> MountArgs {
    MountArgs {
        id: id.into(),
        view: rt.view(view).expect("view registered"),
        params: MountParams::Router(Params::new()),
        session: Map::new(),
        uri: Some(format!("http://localhost:4000/{id}")),
        flash: Map::new(),
        connection: Some(MountConnection {
            params: json!({"_csrf_token": "c", "_mounts": 0}).as_object().unwrap().clone(),
            info: ConnectInfo::default(),
            transport_id: "t1".into(),
            static_changed: false,
        }),
        parent_assigns: None,
        parent_id: None,
        root_id: None,
    }
}

/// A join request for `view` with id `id`.
pub fn join(rt: &Runtime, view: &str, id: &str, transport: Arc<dyn Transport>) -> JoinRequest {
    JoinRequest {
        topic: format!("lv:{id}"),
        join_ref: "1".into(),
        view: rt.view(view).expect("view registered"),
        id: id.into(),
        params: MountParams::Router(Params::new()),
        session: Map::new(),
        connect_params: json!({"_csrf_token": "c", "_mounts": 0}).as_object().unwrap().clone(),
        connect_info: ConnectInfo::default(),
        uri: Some(format!("http://localhost:4000/{id}")),
        flash: Map::new(),
        static_changed: false,
        redirected: false,
        parent: None,
        live_session: None,
        transport,
        transport_id: "t1".into(),
    }
}

/// A client frame on `lv:<id>`.
pub fn client(id: &str, msg_ref: &str, event: &str, payload: Value) -> Frame {
    Frame {
        join_ref: Some("1".into()),
        msg_ref: Some(msg_ref.into()),
        topic: format!("lv:{id}"),
        event: event.into(),
        payload,
    }
}

/// A click event frame.
pub fn click(id: &str, msg_ref: &str, name: &str, value: Value) -> ViewInput {
    ViewInput::Client(client(
        id,
        msg_ref,
        "event",
        json!({"type": "click", "event": name, "value": value}),
    ))
}

// ----- fake transport --------------------------------------------------------------------------

/// Collects frames into a channel.
pub struct FakeTransport {
    tx: Sender<String>,
    closed: AtomicBool,
}

impl Transport for FakeTransport {
    fn send(&self, frame: String) -> Result<(), TransportError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(TransportError::Closed);
        }
        self.tx.send(frame).map_err(|_| TransportError::Closed)
    }
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }
    fn kind(&self) -> &'static str {
        "websocket"
    }
}

pub fn transport() -> (Arc<FakeTransport>, Receiver<String>) {
    let (tx, rx) = crossbeam_channel::unbounded();
    (Arc::new(FakeTransport { tx, closed: AtomicBool::new(false) }), rx)
}

/// The next frame, or the test fails after [`WAIT`].
pub fn next_frame(rx: &Receiver<String>) -> Frame {
    let text = rx.recv_timeout(WAIT).expect("no frame within 5 s");
    Frame::decode(&text).expect("valid frame")
}

/// The `response` of the next frame, which must be a `phx_reply` with `status`.
pub fn next_reply(rx: &Receiver<String>, status: &str) -> Value {
    let frame = next_frame(rx);
    assert_eq!(frame.event, "phx_reply", "expected a reply, got {frame:?}");
    assert_eq!(frame.payload["status"], json!(status), "{frame:?}");
    frame.payload["response"].clone()
}

/// Waits until `f` holds (polling), or fails after [`WAIT`].
pub fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !f() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

// ----- probes: what views report from their callbacks -----------------------------------------

fn probes() -> &'static Mutex<HashMap<String, Sender<String>>> {
    static PROBES: OnceLock<Mutex<HashMap<String, Sender<String>>>> = OnceLock::new();
    PROBES.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Receives what views with DOM id `id` report.
pub fn probe(id: &str) -> Receiver<String> {
    let (tx, rx) = crossbeam_channel::unbounded();
    probes().lock().unwrap().insert(id.to_owned(), tx);
    rx
}

/// Reports `text` from a view with DOM id `id` (ignored when nobody listens).
pub fn report(id: &str, text: impl Into<String>) {
    if let Some(tx) = probes().lock().unwrap().get(id) {
        let _ = tx.send(text.into());
    }
}

pub fn expect_report(rx: &Receiver<String>) -> String {
    rx.recv_timeout(WAIT).expect("no report within 5 s")
}

// ----- a tiny client: merge diffs and render HTML (phoenix-protocol.md §3) --------------------

/// What the browser holds for one view.
#[derive(Debug, Default)]
pub struct Client {
    pub tree: Value,
}

impl Client {
    /// Applies a join's `rendered` or a later diff.
    pub fn merge(&mut self, diff: &Value) {
        let mut diff = diff.clone();
        let components = diff.as_object_mut().and_then(|d| d.remove("c"));
        if let Some(d) = diff.as_object_mut() {
            for key in ["t", "e", "r"] {
                d.remove(key);
            }
        }
        if diff.get("s").is_some() || self.tree.is_null() {
            let old_c = self.tree.get("c").cloned();
            self.tree = diff;
            if let Some(c) = old_c {
                self.tree["c"] = c;
            }
        } else {
            merge(&mut self.tree, &diff);
        }
        if let Some(Value::Object(components)) = components {
            if self.tree.get("c").is_none() {
                self.tree["c"] = json!({});
            }
            for (cid, tree) in components {
                let cached = &mut self.tree["c"][&cid];
                if tree.get("s").is_some() || cached.is_null() {
                    *cached = tree;
                } else {
                    merge(cached, &tree);
                }
            }
        }
    }

    /// Drops components the server confirmed destroyed.
    pub fn prune(&mut self, cids: &[u64]) {
        if let Some(Value::Object(c)) = self.tree.get_mut("c") {
            for cid in cids {
                c.remove(&cid.to_string());
            }
        }
    }

    pub fn html(&self) -> String {
        let mut out = String::new();
        render(&self.tree, &self.tree, &mut out);
        out
    }
}

fn merge(cached: &mut Value, diff: &Value) {
    let Value::Object(diff) = diff else { return };
    for (key, value) in diff {
        match (cached.get_mut(key), value) {
            (Some(old @ Value::Object(_)), Value::Object(new)) if !new.contains_key("s") => {
                if new.contains_key("k") && old.get("k").is_some() {
                    merge_keyed(old, value);
                } else {
                    merge(old, value);
                }
            }
            _ => cached[key] = value.clone(),
        }
    }
}

fn merge_keyed(old: &mut Value, diff: &Value) {
    let kc = diff["k"]["kc"].as_u64().unwrap_or(0);
    for (key, entry) in diff["k"].as_object().unwrap() {
        if key == "kc" {
            continue;
        }
        let slot = &mut old["k"][key];
        if slot.is_null() { *slot = entry.clone() } else { merge(slot, entry) }
    }
    if let Value::Object(k) = &mut old["k"] {
        k.retain(|key, _| key == "kc" || key.parse::<u64>().is_ok_and(|i| i < kc));
        k.insert("kc".into(), json!(kc));
    }
    for (key, value) in diff.as_object().unwrap() {
        if key != "k" {
            old[key] = value.clone();
        }
    }
}

fn render(node: &Value, root: &Value, out: &mut String) {
    let statics: Vec<&str> = node["s"]
        .as_array()
        .map(|s| s.iter().map(|x| x.as_str().unwrap_or("")).collect())
        .unwrap_or_default();
    for (i, part) in statics.iter().enumerate() {
        out.push_str(part);
        if i + 1 < statics.len() {
            render_dynamic(&node[i.to_string()], root, out);
        }
    }
}

fn render_dynamic(value: &Value, root: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Number(cid) => render(&root["c"][cid.to_string()], root, out),
        Value::Object(o) if o.contains_key("k") => {
            let kc = o["k"]["kc"].as_u64().unwrap_or(0);
            for i in 0..kc {
                let mut entry = o["k"][i.to_string()].clone();
                entry["s"] = o["s"].clone();
                render(&entry, root, out);
            }
        }
        Value::Object(_) => render(value, root, out),
        _ => {}
    }
}
