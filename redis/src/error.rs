//! Errors of setting up the adapter (running errors are reported through the status).

use std::fmt;

/// Why a [`crate::RedisPubSub`] could not be created.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisError {
    /// The URL is not a Redis URL.
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What the redis crate said.
        message: String,
    },
    /// The channel prefix is empty or contains whitespace.
    InvalidPrefix {
        /// The prefix as given.
        prefix: String,
    },
    /// The node id is empty.
    EmptyNodeId,
    /// [`crate::RedisConfig::from_env`]: the variable is unset.
    MissingUrl {
        /// The environment variable.
        var: String,
    },
    /// The background thread could not be started.
    Spawn {
        /// The OS error.
        message: String,
    },
}

impl fmt::Display for RedisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisError::InvalidUrl { url, message } => {
                write!(f, "invalid Redis URL {url:?}: {message}")
            }
            RedisError::InvalidPrefix { prefix } => {
                write!(
                    f,
                    "invalid Redis channel prefix {prefix:?}: it must be non-empty without whitespace"
                )
            }
            RedisError::EmptyNodeId => f.write_str("the node id must not be empty"),
            RedisError::MissingUrl { var } => write!(f, "environment variable {var} is not set"),
            RedisError::Spawn { message } => {
                write!(f, "could not start the Redis subscriber thread: {message}")
            }
        }
    }
}

impl std::error::Error for RedisError {}
