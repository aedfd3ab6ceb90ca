//! What a node needs to join the others: the Redis URL, the app's channel prefix, its node id,
//! and the reconnect backoff.

use std::time::Duration;

use crate::error::RedisError;

/// First delay before reconnecting after the Redis connection is lost.
pub const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// Longest delay between two reconnect attempts.
pub const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How long one connect attempt (and one PUBLISH) may take before it counts as failed.
pub const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the subscribe connection waits for a message before it PINGs Redis; a missing
/// PONG means a half-open connection, which TCP alone could take minutes to notice.
pub const PING_EVERY: Duration = Duration::from_secs(1);

/// Settings of a [`crate::RedisPubSub`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisConfig {
    /// `redis://[user:password@]host:port[/db]`.
    pub url: String,
    /// Channel prefix: topic `room:1` travels on Redis channel `<prefix>:room:1`. Give each app
    /// sharing one Redis its own prefix (default `liveview`).
    pub prefix: String,
    /// This node's name in envelopes and logs (default: random, unique per process).
    pub node_id: String,
}

impl RedisConfig {
    /// Settings for `url` with the default prefix and a random node id.
    pub fn new(url: impl Into<String>) -> RedisConfig {
        RedisConfig { url: url.into(), prefix: "liveview".to_owned(), node_id: random_node_id() }
    }

    /// Reads the URL from environment variable `var` (e.g. `REDIS_URL`).
    ///
    /// # Errors
    /// [`RedisError::MissingUrl`] when the variable is unset.
    pub fn from_env(var: &str) -> Result<RedisConfig, RedisError> {
        std::env::var(var)
            .map(RedisConfig::new)
            .map_err(|_| RedisError::MissingUrl { var: var.to_owned() })
    }

    /// Sets the channel prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> RedisConfig {
        self.prefix = prefix.into();
        self
    }

    /// Sets the node id (e.g. the host name, to find a node in logs).
    pub fn node_id(mut self, node_id: impl Into<String>) -> RedisConfig {
        self.node_id = node_id.into();
        self
    }
}

fn random_node_id() -> String {
    format!("node-{:016x}", rand::random::<u64>())
}

/// The delay before reconnect attempt `attempt` (1 = the first retry): 100 ms doubling up to
/// 5 s, each stretched by up to 25 % at random so nodes that lost Redis together do not
/// all come back in the same millisecond.
pub fn backoff(attempt: u32) -> Duration {
    let base = BACKOFF_MIN.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(BACKOFF_MAX);
    let jitter = base.mul_f64(rand::random::<f64>() * 0.25);
    base + jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_100ms_and_stays_under_5s_plus_jitter() {
        let within = |d: Duration, base_ms: u64| {
            let base = Duration::from_millis(base_ms);
            d >= base && d <= base.mul_f64(1.25)
        };
        assert!(within(backoff(1), 100));
        assert!(within(backoff(2), 200));
        assert!(within(backoff(3), 400));
        assert!(within(backoff(7), 5000), "6.4 s is capped at 5 s");
        assert!(within(backoff(u32::MAX), 5000));
    }

    #[test]
    fn node_ids_differ() {
        assert_ne!(RedisConfig::new("redis://x").node_id, RedisConfig::new("redis://x").node_id);
    }
}
