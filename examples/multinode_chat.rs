//! A chat room served by several nodes that share one Redis: a message sent on one node
//! appears on every node, and everyone online (on any node) is listed.
//!
//! Run two nodes (same secret, different ports) and open both in a browser:
//!
//! ```text
//! redis-server --port 6379 --save '' --appendonly no &
//! export SECRET_KEY_BASE=$(head -c 48 /dev/urandom | base64)
//! PORT=4001 NODE_NAME=a cargo run --example multinode_chat &
//! PORT=4002 NODE_NAME=b cargo run --example multinode_chat &
//! # http://127.0.0.1:4001/?name=ada and http://127.0.0.1:4002/?name=bob
//! ```
//!
//! Environment: `PORT` (default 4000), `HOST` (default 127.0.0.1), `REDIS_URL` (default
//! `redis://127.0.0.1:6379/`), `SECRET_KEY_BASE` (shared by all nodes; at least 32 bytes),
//! `NODE_NAME` (default `node-<port>`), `PRESENCE_HEARTBEAT_MS` and `PRESENCE_TIMEOUT_MS`
//! (default 1500 and 10000: how soon a dead node's users leave the list). `GET /status` answers the node's Redis status as
//! JSON (for load balancer health checks).

use std::error::Error;
use std::sync::{Arc, OnceLock};

use liveview::{
    App, Assigns, Broadcast, Dynamic, Fingerprint, HttpResponse, LiveView, Message, MountParams,
    PubSub, RenderError, Rendered, Server, ServerConfig, Session, Socket, Statics, Template,
    ViewResult,
};
use liveview_redis::{PRESENCE_DIFF, Presence, PresenceConfig, RedisConfig, RedisPubSub, Tracked};
use serde_json::{Value, json};

/// The one chat room.
const TOPIC: &str = "chat:lobby";
/// Messages a view keeps (older ones scroll away).
const KEEP: usize = 50;
/// Every node signs with the same salt (and the same `SECRET_KEY_BASE`), so any node
/// verifies the tokens of pages another node rendered.
const SIGNING_SALT: &str = "multinode chat signing salt";

/// What views reach from their static `mount`.
struct Node {
    name: String,
    pubsub: Arc<RedisPubSub>,
    presence: Presence,
}

static NODE: OnceLock<Node> = OnceLock::new();

fn node() -> &'static Node {
    NODE.get().expect("the node is set up before the server starts")
}

/// One chat participant's view.
struct ChatLive {
    name: String,
    messages: Vec<Value>,
    /// Untracks this participant when the view ends (dropped with it).
    _tracked: Option<Tracked>,
}

impl LiveView for ChatLive {
    fn mount(params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let name = params
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.trim().is_empty())
            .map_or_else(
                || format!("guest-{}", &socket.id()[socket.id().len() - 4..]),
                str::to_owned,
            );
        let mut tracked = None;
        if socket.is_connected() {
            socket.subscribe(TOPIC);
            tracked = Some(node().presence.track(TOPIC, &name, json!({"node": node().name}))?);
        }
        socket.assign("node", &node().name)?;
        socket.assign("name", &name)?;
        socket.assign("messages", Vec::<Value>::new())?;
        socket.assign("online", online())?;
        socket.set_page_title(format!("Chat ({})", node().name));
        Ok(ChatLive { name, messages: Vec::new(), _tracked: tracked })
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&CHAT)
    }

    fn handle_event(&mut self, event: &str, params: Value, _socket: &mut Socket) -> ViewResult {
        if event != "send" {
            return Err(format!("unknown event {event:?}").into());
        }
        let body = params.get("body").and_then(Value::as_str).unwrap_or_default().trim();
        if !body.is_empty() {
            // Reaches this view too (local delivery), and every view on every node.
            let message = json!({"from": self.name, "node": node().name, "body": body});
            node().pubsub.broadcast(TOPIC, "message", message);
        }
        Ok(())
    }

    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        let Ok(broadcast) = message.downcast::<Broadcast>() else { return Ok(()) };
        match broadcast.event.as_str() {
            "message" => {
                self.messages.push(broadcast.payload);
                if self.messages.len() > KEEP {
                    self.messages.remove(0);
                }
                socket.assign("messages", &self.messages)?;
            }
            PRESENCE_DIFF => {
                socket.assign("online", online())?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// Everyone online on any node, sorted, with how many tabs each has open.
fn online() -> Vec<String> {
    let list = node().presence.list(TOPIC);
    let mut names: Vec<String> = list
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(name, entry)| match entry["metas"].as_array().map_or(0, Vec::len) {
                    1 => name.clone(),
                    tabs => format!("{name} ({tabs})"),
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The page, written by hand: `node`, `name`, `online` and `messages` each fill one slot.
struct ChatTemplate;

static CHAT: ChatTemplate = ChatTemplate;

const STATICS: [&str; 5] = [
    "<main class=\"chat\"><h1>Chat on node ",
    "</h1><p>You are <b>",
    "</b>. Online: <span id=\"online\">",
    "</span></p><ul id=\"messages\">",
    "</ul><form phx-submit=\"send\"><input name=\"body\" autocomplete=\"off\" \
     placeholder=\"Say something\"><button>Send</button></form></main>",
];

impl Template for ChatTemplate {
    fn prepare(&self) -> Result<(), RenderError> {
        Ok(())
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        let text = |key: &str| assigns.get(key).and_then(Value::as_str).unwrap_or_default();
        let online = assigns.get("online").and_then(Value::as_array).map_or(String::new(), |a| {
            a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
        });
        let mut items = String::new();
        for m in assigns.get("messages").and_then(Value::as_array).into_iter().flatten() {
            let field = |k: &str| escape(m[k].as_str().unwrap_or_default());
            items.push_str(&format!(
                "<li><b>{}</b> <small>via {}</small>: {}</li>",
                field("from"),
                field("node"),
                field("body")
            ));
        }
        let statics = Statics::new(STATICS);
        let fingerprint = Fingerprint::of_statics(statics.parts());
        let mut rendered = Rendered::new(
            statics,
            fingerprint,
            vec![
                Dynamic::escaped(text("node")),
                Dynamic::escaped(text("name")),
                Dynamic::escaped(&online),
                Dynamic::Text(items),
            ],
        );
        // Change tracking: only slots whose assign changed are sent to the browser.
        for (slot, key) in ["node", "name", "online", "messages"].into_iter().enumerate() {
            if !assigns.is_changed(key) {
                rendered.dynamics[slot] = None;
            }
        }
        Ok(rendered)
    }
}

fn escape(text: &str) -> String {
    match Dynamic::escaped(text) {
        Dynamic::Text(html) => html,
        _ => String::new(),
    }
}

/// Sets the node up and serves until the process is stopped.
pub fn run() -> Result<(), Box<dyn Error>> {
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(4000);
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_owned());
    let redis_url =
        std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned());
    let name = std::env::var("NODE_NAME").unwrap_or_else(|_| format!("node-{port}"));

    let config = RedisConfig::new(redis_url).prefix("multinode_chat").node_id(&name);
    let pubsub = Arc::new(RedisPubSub::new(config)?);
    let mut presence_config = PresenceConfig::default();
    if let Some(ms) = env_ms("PRESENCE_HEARTBEAT_MS") {
        presence_config.heartbeat = ms;
    }
    if let Some(ms) = env_ms("PRESENCE_TIMEOUT_MS") {
        presence_config.timeout = ms;
    }
    let presence = Presence::new(pubsub.clone(), presence_config)?;
    NODE.set(Node { name: name.clone(), pubsub: pubsub.clone(), presence })
        .map_err(|_| "the node was already set up")?;

    let status = pubsub.clone();
    let app = App::builder()
        .secret_key_base_from_env("SECRET_KEY_BASE")
        .signing_salt(SIGNING_SALT)
        .pubsub(pubsub.clone())
        .live::<ChatLive>("/")
        .get("/status", move |_request| {
            let body = json!({
                "node": status.node_id(),
                "redis": status.status().to_string(),
                "connected": status.status().is_connected(),
                "listening": status.is_listening(TOPIC),
            });
            HttpResponse::new(200, "application/json", body.to_string())
        })
        .build()?;

    let server = Server::bind((host.as_str(), port), ServerConfig::default())?;
    println!("multinode_chat: node {name} listening on http://{}", server.local_addr());
    server.serve(Arc::new(app))?;
    Ok(())
}

fn env_ms(var: &str) -> Option<std::time::Duration> {
    std::env::var(var).ok()?.parse().ok().map(std::time::Duration::from_millis)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("multinode_chat: {e}");
        std::process::exit(1);
    }
}
