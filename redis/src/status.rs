//! The state of a node's link to Redis, as [`crate::RedisPubSub::status`] reports it.

use std::fmt;
use std::time::Duration;

/// Where the subscribe connection is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisStatus {
    /// The first connect has not finished yet.
    Connecting,
    /// Subscribed: broadcasts flow both ways.
    Connected,
    /// The connection failed or was lost; local broadcasts still work, other nodes neither
    /// receive nor send to this one until the next attempt succeeds.
    Reconnecting {
        /// Failed attempts in a row so far.
        attempt: u32,
        /// Delay before the next attempt.
        retry_in: Duration,
        /// The last error.
        error: String,
    },
    /// The adapter was dropped.
    Stopped,
}

impl RedisStatus {
    /// Whether broadcasts currently reach other nodes.
    pub fn is_connected(&self) -> bool {
        matches!(self, RedisStatus::Connected)
    }
}

impl fmt::Display for RedisStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisStatus::Connecting => f.write_str("connecting"),
            RedisStatus::Connected => f.write_str("connected"),
            RedisStatus::Reconnecting { attempt, retry_in, error } => write!(
                f,
                "disconnected ({error}); attempt {attempt} failed, retrying in {} ms",
                retry_in.as_millis()
            ),
            RedisStatus::Stopped => f.write_str("stopped"),
        }
    }
}
