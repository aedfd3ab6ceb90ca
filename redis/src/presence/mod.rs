//! [`Presence`]: who is on a topic, across nodes, with joins and leaves pushed to subscribed
//! views as `presence_diff` broadcasts (Phoenix.Presence).
//!
//! Each node owns its entries and announces all of them on the internal topic
//! [`PRESENCE_TOPIC`] at every change and every heartbeat. Every node keeps a replica per
//! other node, diffs each announcement against it, and pushes the resulting joins and leaves
//! to its own subscribers of the topic. A node silent for longer than
//! [`PresenceConfig::timeout`] is taken for dead: its entries leave.

mod state;

use std::fmt;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use liveview_core::{Broadcast, LocalPubSub, PubSub, Subscriber, SubscriberId, ViewInput};
use parking_lot::Mutex;
use serde::Serialize;
use serde_json::Value;

use self::state::{Announcement, Diff, Entry, State};
use crate::RedisPubSub;

/// The topic presence announcements travel on between nodes.
pub const PRESENCE_TOPIC: &str = "phx_presence";

/// The event of the broadcasts presence pushes to a topic's subscribers.
pub const PRESENCE_DIFF: &str = "presence_diff";

/// A PubSub that presence can run on: it must tell nodes apart and deliver to this node only.
pub trait PresenceBus: PubSub {
    /// This node's id, unique among the nodes.
    fn node_id(&self) -> &str;

    /// Delivers to this node's subscribers only; how many got it.
    fn broadcast_local(&self, topic: &str, event: &str, payload: Value) -> usize;
}

impl PresenceBus for RedisPubSub {
    fn node_id(&self) -> &str {
        RedisPubSub::node_id(self)
    }

    fn broadcast_local(&self, topic: &str, event: &str, payload: Value) -> usize {
        RedisPubSub::broadcast_local(self, topic, event, payload)
    }
}

/// One node only: every broadcast is local.
impl PresenceBus for LocalPubSub {
    fn node_id(&self) -> &str {
        "local"
    }

    fn broadcast_local(&self, topic: &str, event: &str, payload: Value) -> usize {
        self.broadcast(topic, event, payload)
    }
}

/// How often a node announces itself, and when the others give up on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PresenceConfig {
    /// Period of the announcements (default 1.5 s, Phoenix's `broadcast_period`).
    pub heartbeat: Duration,
    /// Silence after which a node's entries leave (default 10 s; keep it several heartbeats
    /// long so a slow Redis does not make nodes flicker).
    pub timeout: Duration,
}

impl Default for PresenceConfig {
    fn default() -> PresenceConfig {
        PresenceConfig { heartbeat: Duration::from_millis(1500), timeout: Duration::from_secs(10) }
    }
}

/// Why [`Presence::track`] refused an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PresenceError {
    /// The meta did not serialize to a JSON object (Phoenix metas are maps).
    MetaNotObject,
    /// The meta could not be serialized.
    Serialize(String),
    /// The heartbeat thread could not be started.
    Spawn(String),
}

impl fmt::Display for PresenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PresenceError::MetaNotObject => f.write_str("presence meta must be a JSON object"),
            PresenceError::Serialize(e) => write!(f, "presence meta does not serialize: {e}"),
            PresenceError::Spawn(e) => write!(f, "could not start the presence thread: {e}"),
        }
    }
}

impl std::error::Error for PresenceError {}

/// Tracks who is present on which topic, on every node (Phoenix.Presence). Cheap to clone;
/// create one per node and hand clones to views.
///
/// A view subscribes to the topic (`socket.subscribe(topic)`), calls
/// [`Presence::list`] in `mount`, [`Presence::track`] for itself, keeps the returned
/// [`Tracked`] in its struct (dropping it untracks, so a view that ends leaves), and applies
/// the [`Broadcast`]s with event `presence_diff` it receives in `handle_info`.
///
/// When the last clone is dropped the node goes silent and the others expire its entries
/// after [`PresenceConfig::timeout`], as after a crash; [`Presence::shutdown`] leaves at once.
///
/// ```no_run
/// use std::sync::{Arc, OnceLock};
/// use liveview_core::{Broadcast, LiveView, Message, MountParams, Session, Socket, ViewResult};
/// use liveview_redis::{PRESENCE_DIFF, Presence, Tracked};
/// use serde_json::json;
///
/// static PRESENCE: OnceLock<Presence> = OnceLock::new(); // set in main
///
/// struct RoomLive {
///     _me: Option<Tracked>, // dropped with the view: it leaves
/// }
///
/// impl LiveView for RoomLive {
///     fn mount(_: &MountParams, session: &Session, socket: &mut Socket) -> ViewResult<Self> {
///         let presence = PRESENCE.get().expect("presence is set up");
///         let user = session.get("user_id").and_then(|v| v.as_str()).unwrap_or("anonymous");
///         let mut me = None;
///         if socket.is_connected() {
///             socket.subscribe("room:lobby");
///             me = Some(presence.track("room:lobby", user, json!({"online_at": 0}))?);
///         }
///         socket.assign("present", presence.list("room:lobby"))?;
///         Ok(RoomLive { _me: me })
///     }
///
///     fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
///         if let Some(b) = message.downcast_ref::<Broadcast>() {
///             if b.event == PRESENCE_DIFF {
///                 // b.payload is {"joins": {..}, "leaves": {..}}; or simply re-list:
///                 socket.assign("present", PRESENCE.get().unwrap().list("room:lobby"))?;
///             }
///         }
///         Ok(())
///     }
/// }
/// ```
#[derive(Clone)]
pub struct Presence {
    inner: Arc<Inner>,
}

struct Inner {
    bus: Arc<dyn PresenceBus>,
    node: String,
    config: PresenceConfig,
    state: Mutex<State>,
    /// Held from snapshot to publish, so announcements leave in the order of the states
    /// they carry (a stale snapshot published last would undo a join on the other nodes).
    announcing: Mutex<()>,
}

/// A tracked entry; dropping it untracks the entry.
#[must_use = "dropping a Tracked untracks it at once"]
pub struct Tracked {
    inner: Weak<Inner>,
    topic: String,
    phx_ref: String,
}

impl Tracked {
    /// The entry's `phx_ref`.
    pub fn phx_ref(&self) -> &str {
        &self.phx_ref
    }

    /// The topic it is tracked on.
    pub fn topic(&self) -> &str {
        &self.topic
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            let diff = inner.state.lock().untrack(&self.topic, |e| e.phx_ref() == self.phx_ref);
            if let Some(diff) = diff {
                inner.changed(vec![diff]);
            }
        }
    }
}

impl fmt::Debug for Tracked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracked")
            .field("topic", &self.topic)
            .field("phx_ref", &self.phx_ref)
            .finish()
    }
}

impl Presence {
    /// Starts presence on `bus` (one per node) with a thread named `liveview-presence`.
    ///
    /// # Errors
    /// [`PresenceError::Spawn`] when the thread cannot start.
    pub fn new(
        bus: Arc<dyn PresenceBus>,
        config: PresenceConfig,
    ) -> Result<Presence, PresenceError> {
        let node = bus.node_id().to_owned();
        let inner = Arc::new(Inner {
            bus: bus.clone(),
            node,
            config,
            state: Mutex::default(),
            announcing: Mutex::new(()),
        });
        let (tx, rx) = crossbeam_channel::bounded(1024);
        let id = SubscriberId::next();
        bus.subscribe(PRESENCE_TOPIC, Subscriber::new(id, tx));
        let weak = Arc::downgrade(&inner);
        std::thread::Builder::new()
            .name("liveview-presence".to_owned())
            .spawn(move || {
                run(&weak, &rx, config);
                bus.unsubscribe_all(id);
            })
            .map_err(|e| PresenceError::Spawn(e.to_string()))?;
        // Announce at once so the other nodes know this one and answer with their entries.
        inner.announce(false);
        Ok(Presence { inner })
    }

    /// Tracks `key` (e.g. a user id) with `meta` (a JSON object; `phx_ref` is added) on
    /// `topic`. Subscribers of `topic` on every node get a `presence_diff` join.
    ///
    /// # Errors
    /// [`PresenceError`] when `meta` is not a JSON object.
    pub fn track(
        &self,
        topic: &str,
        key: &str,
        meta: impl Serialize,
    ) -> Result<Tracked, PresenceError> {
        let value =
            serde_json::to_value(meta).map_err(|e| PresenceError::Serialize(e.to_string()))?;
        let Value::Object(mut meta) = value else { return Err(PresenceError::MetaNotObject) };
        let phx_ref = format!("{:016x}", rand::random::<u64>());
        meta.insert("phx_ref".to_owned(), Value::String(phx_ref.clone()));
        let diff = self.inner.state.lock().track(topic, Entry { key: key.to_owned(), meta });
        self.inner.changed(vec![diff]);
        Ok(Tracked { inner: Arc::downgrade(&self.inner), topic: topic.to_owned(), phx_ref })
    }

    /// Untracks every entry of `key` on `topic` tracked by this node.
    pub fn untrack(&self, topic: &str, key: &str) {
        let diff = self.inner.state.lock().untrack(topic, |e| e.key == key);
        if let Some(diff) = diff {
            self.inner.changed(vec![diff]);
        }
    }

    /// Who is on `topic`, all nodes: `{key: {"metas": [meta, ..]}}` (Phoenix.Presence.list).
    pub fn list(&self, topic: &str) -> Value {
        self.inner.state.lock().list(topic)
    }

    /// This node's id.
    pub fn node_id(&self) -> &str {
        &self.inner.node
    }

    /// How many other nodes this one currently hears from.
    pub fn remote_nodes(&self) -> usize {
        self.inner.state.lock().remote_nodes()
    }

    /// Leaves every topic on every node now (graceful stop); tracking after it starts over.
    pub fn shutdown(&self) {
        let topics: Vec<String> = self.inner.state.lock().own().keys().cloned().collect();
        let mut diffs = Vec::new();
        for topic in topics {
            diffs.extend(self.inner.state.lock().untrack(&topic, |_| true));
        }
        for (topic, diff) in diffs {
            self.inner.bus.broadcast_local(&topic, PRESENCE_DIFF, diff);
        }
        self.inner.announce(true);
    }
}

impl fmt::Debug for Presence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Presence")
            .field("node", &self.inner.node)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Inner {
    /// Pushes `diffs` to local subscribers and tells the other nodes.
    fn changed(&self, diffs: Vec<Diff>) {
        for (topic, diff) in diffs {
            self.bus.broadcast_local(&topic, PRESENCE_DIFF, diff);
        }
        self.announce(false);
    }

    /// Publishes this node's entries (its own thread skips them: same node id).
    fn announce(&self, down: bool) {
        let _order = self.announcing.lock();
        let entries = self.state.lock().own().clone();
        let announcement = Announcement { node: self.node.clone(), entries, down };
        match serde_json::to_value(&announcement) {
            Ok(payload) => {
                self.bus.broadcast(PRESENCE_TOPIC, "announce", payload);
            }
            Err(e) => log::error!("presence: announcement does not serialize: {e}"),
        }
    }

    fn receive(&self, payload: Value) {
        let announcement: Announcement = match serde_json::from_value(payload) {
            Ok(a) => a,
            Err(e) => {
                log::warn!("presence: ignoring a malformed announcement: {e}");
                return;
            }
        };
        if announcement.node == self.node {
            return;
        }
        let node = announcement.node.clone();
        let (is_new, diffs) = self.state.lock().receive(announcement, Instant::now());
        for (topic, diff) in diffs {
            self.bus.broadcast_local(&topic, PRESENCE_DIFF, diff);
        }
        if is_new {
            log::info!("presence: node {} sees node {node}", self.node);
            // The newcomer knows nothing of this node yet; don't make it wait a heartbeat.
            self.announce(false);
        }
    }

    fn tick(&self) {
        self.announce(false);
        let diffs = self.state.lock().expire(Instant::now(), self.config.timeout);
        for (topic, diff) in diffs {
            self.bus.broadcast_local(&topic, PRESENCE_DIFF, diff);
        }
    }
}

/// The presence thread: announcements in, heartbeats out, until the last [`Presence`] clone
/// is dropped.
fn run(inner: &Weak<Inner>, announcements: &Receiver<ViewInput>, config: PresenceConfig) {
    let mut next_tick = Instant::now() + config.heartbeat;
    loop {
        let wait = next_tick.saturating_duration_since(Instant::now());
        let received = announcements.recv_timeout(wait);
        let Some(inner) = inner.upgrade() else { return };
        match received {
            Ok(ViewInput::Info(message)) => {
                if let Ok(broadcast) = message.downcast::<Broadcast>() {
                    inner.receive(broadcast.payload);
                }
            }
            Ok(_) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if Instant::now() >= next_tick {
            inner.tick();
            next_tick = Instant::now() + config.heartbeat;
        }
    }
}
