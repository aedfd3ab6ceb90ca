//! [`RedisPubSub`]: local subscribers per topic, a Redis PUBLISH per broadcast, and a
//! background subscribe connection that hands other nodes' broadcasts to local subscribers.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use liveview_core::{LocalPubSub, PubSub, Subscriber, SubscriberId};
use parking_lot::Mutex;
use serde_json::Value;

use crate::config::{IO_TIMEOUT, RedisConfig};
use crate::envelope::Envelope;
use crate::error::RedisError;
use crate::listener;
use crate::status::RedisStatus;

/// A [`PubSub`] whose broadcasts reach the subscribers of every node sharing one Redis
/// (Phoenix.PubSub with the Redis adapter).
///
/// - `broadcast` delivers to this node's subscribers first, then PUBLISHes one
///   [`Envelope`] (JSON: node id, topic, event, payload) on channel `<prefix>:<topic>`. Each
///   node skips envelopes carrying its own id, so a broadcast reaches every subscriber once.
/// - A thread named `liveview-redis-sub` holds one SUBSCRIBE connection for the topics that
///   have local subscribers. When the connection fails it retries after 100 ms, doubling up to
///   5 s (see [`crate::backoff`]), and subscribes again to every topic once it is back.
///   [`RedisPubSub::status`] reports where it is; every change is logged.
/// - While Redis is unreachable, broadcasts still reach this node's subscribers and are lost
///   for the others (at most once, like Phoenix's Redis adapter).
///
/// ```no_run
/// use std::sync::Arc;
/// use liveview_redis::{RedisConfig, RedisPubSub};
///
/// let pubsub = Arc::new(RedisPubSub::new(RedisConfig::new("redis://127.0.0.1:6379"))?);
/// // App::builder()...pubsub(pubsub.clone())...build()
/// # Ok::<(), liveview_redis::RedisError>(())
/// ```
pub struct RedisPubSub {
    shared: Arc<Shared>,
    /// Dropped to stop the thread (a disconnected channel wakes its backoff sleep).
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// What the adapter and its subscribe thread share.
pub(crate) struct Shared {
    pub(crate) config: RedisConfig,
    pub(crate) client: redis::Client,
    /// This node's subscribers; delivery to them is the in-process PubSub's.
    local: LocalPubSub,
    pub(crate) status: Mutex<RedisStatus>,
    /// Topics the subscribe connection has confirmed.
    pub(crate) listening: Mutex<HashSet<String>>,
    /// The set of topics with local subscribers changed since the thread last synced.
    pub(crate) dirty: AtomicBool,
    publisher: Mutex<Option<redis::Connection>>,
}

impl RedisPubSub {
    /// Starts the adapter. It connects in the background: the node serves (with local
    /// broadcasts only) even when Redis is down at start-up.
    ///
    /// # Errors
    /// A [`RedisError`] for an invalid URL, prefix or node id, or a thread that cannot start.
    pub fn new(config: RedisConfig) -> Result<RedisPubSub, RedisError> {
        if config.prefix.is_empty() || config.prefix.contains(char::is_whitespace) {
            return Err(RedisError::InvalidPrefix { prefix: config.prefix });
        }
        if config.node_id.is_empty() {
            return Err(RedisError::EmptyNodeId);
        }
        let client = redis::Client::open(config.url.as_str()).map_err(|e| {
            RedisError::InvalidUrl { url: config.url.clone(), message: e.to_string() }
        })?;
        let shared = Arc::new(Shared {
            config,
            client,
            local: LocalPubSub::new(),
            status: Mutex::new(RedisStatus::Connecting),
            listening: Mutex::default(),
            dirty: AtomicBool::new(false),
            publisher: Mutex::new(None),
        });
        let (stop, stopped) = crossbeam_channel::bounded(0);
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("liveview-redis-sub".to_owned())
            .spawn(move || listener::run(&thread_shared, &stopped))
            .map_err(|e| RedisError::Spawn { message: e.to_string() })?;
        Ok(RedisPubSub { shared, stop: Some(stop), thread: Some(thread) })
    }

    /// This node's id (in every envelope it publishes).
    pub fn node_id(&self) -> &str {
        &self.shared.config.node_id
    }

    /// The channel prefix.
    pub fn prefix(&self) -> &str {
        &self.shared.config.prefix
    }

    /// Where the link to Redis is.
    pub fn status(&self) -> RedisStatus {
        self.shared.status.lock().clone()
    }

    /// Whether the subscribe connection has confirmed `topic`, i.e. other nodes' broadcasts
    /// on it reach this node from now on.
    pub fn is_listening(&self, topic: &str) -> bool {
        self.shared.listening.lock().contains(topic)
    }

    /// Waits up to `timeout` for [`RedisStatus::Connected`]; whether it got there (for
    /// start-up checks and tests).
    pub fn wait_connected(&self, timeout: Duration) -> bool {
        wait(timeout, || self.status().is_connected())
    }

    /// Waits up to `timeout` until [`RedisPubSub::is_listening`] holds for `topic`.
    pub fn wait_listening(&self, topic: &str, timeout: Duration) -> bool {
        wait(timeout, || self.is_listening(topic))
    }

    /// Number of this node's subscribers of `topic`.
    pub fn subscriber_count(&self, topic: &str) -> usize {
        self.shared.local.subscriber_count(topic)
    }

    /// Delivers to this node's subscribers only (presence diffs, which every node computes
    /// for itself).
    pub fn broadcast_local(&self, topic: &str, event: &str, payload: Value) -> usize {
        self.shared.deliver(topic, event, payload)
    }

    /// Tells the thread the topic set changed, and wakes it with a message on this node's
    /// control channel (its blocking read cannot be interrupted otherwise).
    fn topics_changed(&self) {
        self.shared.dirty.store(true, Ordering::SeqCst);
        let control = self.shared.control_channel();
        self.shared.publish(&control, "sync");
    }
}

impl Shared {
    /// The Redis channel carrying `topic`.
    pub(crate) fn channel(&self, topic: &str) -> String {
        format!("{}:{topic}", self.config.prefix)
    }

    /// This node's control channel; `#` keeps it apart from every `<prefix>:<topic>`.
    pub(crate) fn control_channel(&self) -> String {
        format!("{}#node:{}", self.config.prefix, self.config.node_id)
    }

    /// Topics that currently have local subscribers.
    pub(crate) fn wanted_topics(&self) -> HashSet<String> {
        self.local.topics().into_iter().collect()
    }

    /// Hands one broadcast to this node's subscribers; how many got it.
    pub(crate) fn deliver(&self, topic: &str, event: &str, payload: Value) -> usize {
        let topics = self.local.topic_count();
        let delivered = self.local.broadcast(topic, event, payload);
        // Delivery drops subscribers whose view died without unsubscribing; a topic that
        // emptied that way is one the subscribe thread no longer needs.
        if self.local.topic_count() < topics {
            self.dirty.store(true, Ordering::SeqCst);
        }
        delivered
    }

    /// PUBLISHes `message` on `channel`, reconnecting the publish connection once if it broke
    /// (after a Redis restart the old one is dead while the subscriber is already back).
    /// Skipped while the subscriber is not connected, so a broadcast never waits for a
    /// Redis that is known to be down.
    pub(crate) fn publish(&self, channel: &str, message: &str) -> bool {
        if !self.status.lock().is_connected() {
            log::debug!("redis pubsub: not connected; {channel} stays on this node");
            return false;
        }
        let mut publisher = self.publisher.lock();
        for _ in 0..2 {
            if publisher.is_none() {
                match self.client.get_connection_with_timeout(IO_TIMEOUT) {
                    Ok(con) => {
                        let _ = con.set_read_timeout(Some(IO_TIMEOUT));
                        let _ = con.set_write_timeout(Some(IO_TIMEOUT));
                        *publisher = Some(con);
                    }
                    Err(e) => {
                        log::warn!("redis pubsub: publish connection failed: {e}");
                        return false;
                    }
                }
            }
            let Some(con) = publisher.as_mut() else { return false };
            match redis::cmd("PUBLISH").arg(channel).arg(message).query::<i64>(con) {
                Ok(_) => return true,
                Err(e) => {
                    log::warn!("redis pubsub: PUBLISH on {channel} failed: {e}");
                    *publisher = None;
                }
            }
        }
        false
    }
}

impl PubSub for RedisPubSub {
    fn subscribe(&self, topic: &str, subscriber: Subscriber) {
        let first = self.shared.local.subscriber_count(topic) == 0;
        self.shared.local.subscribe(topic, subscriber);
        if first {
            self.topics_changed();
        }
    }

    fn unsubscribe(&self, topic: &str, id: SubscriberId) {
        let had = self.shared.local.subscriber_count(topic) > 0;
        self.shared.local.unsubscribe(topic, id);
        if had && self.shared.local.subscriber_count(topic) == 0 {
            self.topics_changed();
        }
    }

    fn unsubscribe_all(&self, id: SubscriberId) {
        let topics = self.shared.local.topic_count();
        self.shared.local.unsubscribe_all(id);
        if self.shared.local.topic_count() != topics {
            self.topics_changed();
        }
    }

    fn broadcast(&self, topic: &str, event: &str, payload: Value) -> usize {
        // Local subscribers first: they should not wait for a Redis round trip.
        let delivered = self.shared.deliver(topic, event, payload.clone());
        let envelope = Envelope {
            node: self.shared.config.node_id.clone(),
            topic: topic.to_owned(),
            event: event.to_owned(),
            payload,
        };
        self.shared.publish(&self.shared.channel(topic), &envelope.encode());
        delivered
    }
}

impl Drop for RedisPubSub {
    fn drop(&mut self) {
        drop(self.stop.take());
        // Wakes a thread blocked reading so it sees the stop now rather than at its next PING.
        self.shared.publish(&self.shared.control_channel(), "stop");
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for RedisPubSub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisPubSub")
            .field("node_id", &self.shared.config.node_id)
            .field("prefix", &self.shared.config.prefix)
            .field("status", &self.status())
            .field("topics", &self.shared.local.topic_count())
            .finish()
    }
}

fn wait(timeout: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
