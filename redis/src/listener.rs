//! The subscribe thread: one SUBSCRIBE connection, reconnected with backoff, that hands other
//! nodes' envelopes to local subscribers.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};

use crate::config::{IO_TIMEOUT, PING_EVERY, backoff};
use crate::envelope::Envelope;
use crate::pubsub::Shared;
use crate::status::RedisStatus;

/// Why a connection ended.
enum Ended {
    /// The adapter was dropped.
    Stop,
    /// Redis went away (or never answered); the error text.
    Lost(String),
}

/// Runs until the adapter is dropped (its end of `stop` disconnects).
pub(crate) fn run(shared: &Shared, stop: &Receiver<()>) {
    let url = &shared.config.url;
    let node = &shared.config.node_id;
    let mut attempt = 0u32;
    loop {
        let (ended, was_connected) = connection(shared, stop, attempt);
        shared.listening.lock().clear();
        let error = match ended {
            Ended::Stop => break,
            Ended::Lost(error) => error,
        };
        attempt = if was_connected { 1 } else { attempt + 1 };
        let retry_in = backoff(attempt);
        if was_connected {
            log::warn!("redis pubsub: node {node} lost {url} ({error}); reconnecting");
        }
        log::warn!(
            "redis pubsub: node {node}: attempt {attempt} to reach {url} failed; retrying in {} ms",
            retry_in.as_millis()
        );
        *shared.status.lock() = RedisStatus::Reconnecting { attempt, retry_in, error };
        match stop.recv_timeout(retry_in) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    *shared.status.lock() = RedisStatus::Stopped;
    log::info!("redis pubsub: node {node} stopped");
}

/// One connection's life: connect, subscribe to the control channel and every wanted topic,
/// then read until it fails or the adapter stops. Also returns whether it got connected.
fn connection(shared: &Shared, stop: &Receiver<()>, attempt: u32) -> (Ended, bool) {
    let lost = |e: redis::RedisError| (Ended::Lost(e.to_string()), false);
    let mut con = match shared.client.get_connection_with_timeout(IO_TIMEOUT) {
        Ok(con) => con,
        Err(e) => return lost(e),
    };
    if let Err(e) = con.set_write_timeout(Some(IO_TIMEOUT)) {
        return lost(e);
    }
    let mut pubsub = con.as_pubsub();
    if let Err(e) = pubsub.set_read_timeout(Some(PING_EVERY)) {
        return lost(e);
    }
    if let Err(e) = pubsub.subscribe(shared.control_channel()) {
        return lost(e);
    }
    let mut subscribed = HashSet::new();
    // Cleared before the sync so a subscribe racing with it marks it dirty again.
    shared.dirty.store(false, Ordering::SeqCst);
    if let Err(e) = sync(shared, &mut pubsub, &mut subscribed) {
        return lost(e);
    }
    *shared.status.lock() = RedisStatus::Connected;
    let (url, node) = (&shared.config.url, &shared.config.node_id);
    if attempt == 0 {
        log::info!("redis pubsub: node {node} connected to {url}");
    } else {
        log::info!(
            "redis pubsub: node {node} reconnected to {url} after {attempt} failed attempt(s); \
             resubscribed to {} topic(s)",
            subscribed.len()
        );
    }

    loop {
        if let Err(TryRecvError::Disconnected) = stop.try_recv() {
            return (Ended::Stop, true);
        }
        if shared.dirty.swap(false, Ordering::SeqCst) {
            if let Err(e) = sync(shared, &mut pubsub, &mut subscribed) {
                return (Ended::Lost(e.to_string()), true);
            }
        }
        match pubsub.get_message() {
            Ok(message) => forward(shared, &message),
            // Quiet for a while: make sure Redis is still there (a half-open TCP connection
            // would otherwise go unnoticed for minutes).
            Err(e) if e.is_timeout() => {
                if let Err(e) = pubsub.ping::<redis::Value>() {
                    return (Ended::Lost(format!("no answer to PING: {e}")), true);
                }
            }
            Err(e) => return (Ended::Lost(e.to_string()), true),
        }
    }
}

/// SUBSCRIBEs to topics that gained local subscribers and UNSUBSCRIBEs from those that lost
/// them all.
fn sync(
    shared: &Shared,
    pubsub: &mut redis::PubSub<'_>,
    subscribed: &mut HashSet<String>,
) -> redis::RedisResult<()> {
    let wanted = shared.wanted_topics();
    let added: Vec<String> = wanted.difference(subscribed).cloned().collect();
    let removed: Vec<String> = subscribed.difference(&wanted).cloned().collect();
    if !added.is_empty() {
        let channels: Vec<String> = added.iter().map(|t| shared.channel(t)).collect();
        pubsub.subscribe(&channels)?;
    }
    if !removed.is_empty() {
        let channels: Vec<String> = removed.iter().map(|t| shared.channel(t)).collect();
        pubsub.unsubscribe(&channels)?;
    }
    let mut listening = shared.listening.lock();
    for topic in removed {
        listening.remove(&topic);
        subscribed.remove(&topic);
    }
    for topic in added {
        listening.insert(topic.clone());
        subscribed.insert(topic);
    }
    Ok(())
}

/// Hands one received message to local subscribers, unless this node sent it (it delivered
/// locally already) or it is a wake-up on the control channel.
fn forward(shared: &Shared, message: &redis::Msg) {
    if message.get_channel_name() == shared.control_channel() {
        return;
    }
    match Envelope::decode(message.get_payload_bytes()) {
        Ok(envelope) if envelope.node == shared.config.node_id => {}
        Ok(envelope) => {
            shared.deliver(&envelope.topic, &envelope.event, envelope.payload);
        }
        Err(e) => log::warn!(
            "redis pubsub: ignoring a message on {} that is not an envelope: {e}",
            message.get_channel_name()
        ),
    }
}
