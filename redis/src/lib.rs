//! Several [liveview](https://docs.rs/liveview) nodes behind one load balancer: a
//! [`PubSub`](liveview_core::PubSub) adapter on Redis, so a broadcast on one node reaches the
//! views subscribed on every node, and a [`Presence`] tracker built on it.
//!
//! Sessions are signed stateless tokens, so any node sharing the app's secret and signing
//! salt can remount any view after a reconnect; Redis carries only broadcasts (and presence
//! heartbeats). See `docs/deploying.md` in the repository for a full set-up.
//!
//! This crate uses the `redis` crate's synchronous API, in keeping with liveview's thread per
//! view: one background thread per node reads the SUBSCRIBE connection.

mod config;
mod envelope;
mod error;
mod listener;
mod presence;
mod pubsub;
mod status;

pub use config::{BACKOFF_MAX, BACKOFF_MIN, IO_TIMEOUT, PING_EVERY, RedisConfig, backoff};
pub use envelope::Envelope;
pub use error::RedisError;
pub use presence::{
    PRESENCE_DIFF, PRESENCE_TOPIC, Presence, PresenceBus, PresenceConfig, PresenceError, Tracked,
};
pub use pubsub::RedisPubSub;
pub use status::RedisStatus;
