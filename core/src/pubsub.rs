//! PubSub: topics that views subscribe to, and broadcasts delivered to their `handle_info`.
//!
//! [`PubSub`] is a trait so a multi-node adapter (Redis) can carry broadcasts between
//! machines: payloads are [`serde_json::Value`] and a [`Subscriber`] is nothing but a view's
//! mailbox sender, so an adapter only has to keep `topic → subscribers` locally and forward
//! what arrives from the network to [`Subscriber::deliver`]. [`LocalPubSub`] is the
//! in-process default.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use std::time::Duration;

use crossbeam_channel::{SendTimeoutError, Sender, TrySendError};
use parking_lot::RwLock;
use serde_json::Value;

use crate::runtime::ViewInput;
use crate::view::{Broadcast, Message};

/// How long a broadcast waits for room in a full mailbox before it is dropped for that view.
pub const DELIVERY_WAIT: Duration = Duration::from_millis(20);

/// Identifies one subscriber (one view) across all its topics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriberId(pub u64);

impl SubscriberId {
    /// A process-unique id.
    pub fn next() -> SubscriberId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        SubscriberId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Why a broadcast could not reach one subscriber.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryError {
    /// The view's mailbox is full; this broadcast is dropped for it.
    Full,
    /// The view has ended; the subscription can be removed.
    Gone,
}

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeliveryError::Full => "subscriber mailbox full",
            DeliveryError::Gone => "subscriber ended",
        })
    }
}

impl std::error::Error for DeliveryError {}

/// A subscribed view: its id and its mailbox.
#[derive(Clone)]
pub struct Subscriber {
    id: SubscriberId,
    mailbox: Sender<ViewInput>,
}

impl Subscriber {
    /// A subscriber that delivers into `mailbox`.
    pub fn new(id: SubscriberId, mailbox: Sender<ViewInput>) -> Subscriber {
        Subscriber { id, mailbox }
    }

    /// The subscriber's id.
    pub fn id(&self) -> SubscriberId {
        self.id
    }

    /// Puts `broadcast` in the view's mailbox. A full mailbox is waited on for at most
    /// [`DELIVERY_WAIT`]: views drain their mailbox in microseconds, so only a stuck view
    /// makes the publisher wait, and then loses the broadcast.
    ///
    /// # Errors
    /// [`DeliveryError::Full`] when the mailbox stayed full, [`DeliveryError::Gone`] when the
    /// view ended.
    pub fn deliver(&self, broadcast: Broadcast) -> Result<(), DeliveryError> {
        let input = match self.mailbox.try_send(ViewInput::Info(Message::new(broadcast))) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Disconnected(_)) => return Err(DeliveryError::Gone),
            Err(TrySendError::Full(input)) => input,
        };
        match self.mailbox.send_timeout(input, DELIVERY_WAIT) {
            Ok(()) => Ok(()),
            Err(SendTimeoutError::Timeout(_)) => Err(DeliveryError::Full),
            Err(SendTimeoutError::Disconnected(_)) => Err(DeliveryError::Gone),
        }
    }
}

impl fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscriber").field("id", &self.id).finish_non_exhaustive()
    }
}

/// Publish/subscribe between views (Phoenix.PubSub).
pub trait PubSub: Send + Sync + 'static {
    /// Subscribes `subscriber` to `topic` (subscribing twice is the same as once).
    fn subscribe(&self, topic: &str, subscriber: Subscriber);

    /// Removes `id` from `topic`.
    fn unsubscribe(&self, topic: &str, id: SubscriberId);

    /// Removes `id` from every topic (the view ended).
    fn unsubscribe_all(&self, id: SubscriberId);

    /// Sends `payload` to every subscriber of `topic` as a [`Broadcast`] in `handle_info`;
    /// returns how many local subscribers got it. May wait briefly for a full mailbox
    /// ([`Subscriber::deliver`]).
    fn broadcast(&self, topic: &str, event: &str, payload: Value) -> usize;
}

/// The in-process PubSub: a map of topics to subscribers behind a read-write lock.
#[derive(Default)]
pub struct LocalPubSub {
    topics: RwLock<HashMap<String, Vec<Subscriber>>>,
}

impl LocalPubSub {
    /// An empty PubSub.
    pub fn new() -> LocalPubSub {
        LocalPubSub::default()
    }

    /// Number of subscribers of `topic`.
    pub fn subscriber_count(&self, topic: &str) -> usize {
        self.topics.read().get(topic).map_or(0, Vec::len)
    }

    /// Number of topics with at least one subscriber.
    pub fn topic_count(&self) -> usize {
        self.topics.read().len()
    }

    /// The topics with at least one subscriber (a multi-node adapter listens to these).
    pub fn topics(&self) -> Vec<String> {
        self.topics.read().keys().cloned().collect()
    }
}

impl fmt::Debug for LocalPubSub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalPubSub").field("topics", &self.topics.read().len()).finish()
    }
}

impl PubSub for LocalPubSub {
    fn subscribe(&self, topic: &str, subscriber: Subscriber) {
        let mut topics = self.topics.write();
        let list = topics.entry(topic.to_owned()).or_default();
        if !list.iter().any(|s| s.id == subscriber.id) {
            list.push(subscriber);
        }
    }

    fn unsubscribe(&self, topic: &str, id: SubscriberId) {
        let mut topics = self.topics.write();
        if let Some(list) = topics.get_mut(topic) {
            list.retain(|s| s.id != id);
            if list.is_empty() {
                topics.remove(topic);
            }
        }
    }

    fn unsubscribe_all(&self, id: SubscriberId) {
        let mut topics = self.topics.write();
        topics.retain(|_, list| {
            list.retain(|s| s.id != id);
            !list.is_empty()
        });
    }

    fn broadcast(&self, topic: &str, event: &str, payload: Value) -> usize {
        let mut delivered = 0;
        let mut gone = Vec::new();
        {
            let topics = self.topics.read();
            let Some(list) = topics.get(topic) else { return 0 };
            for subscriber in list {
                let broadcast = Broadcast {
                    topic: topic.to_owned(),
                    event: event.to_owned(),
                    payload: payload.clone(),
                };
                match subscriber.deliver(broadcast) {
                    Ok(()) => delivered += 1,
                    Err(DeliveryError::Full) => {
                        log::warn!(
                            "pubsub: mailbox of a subscriber of {topic:?} is full; broadcast {event:?} dropped for it"
                        );
                    }
                    Err(DeliveryError::Gone) => gone.push(subscriber.id),
                }
            }
        }
        // Views unsubscribe when they end; this only catches views that died without it.
        for id in gone {
            self.unsubscribe(topic, id);
        }
        delivered
    }
}
