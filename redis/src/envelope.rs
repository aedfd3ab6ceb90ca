//! What travels on a Redis channel: one broadcast and the node that sent it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One broadcast as published to Redis (JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The publishing node; it has already delivered to its own subscribers, so it skips
    /// envelopes carrying its own id.
    pub node: String,
    /// The PubSub topic (the channel name minus the prefix, kept whole to avoid parsing).
    pub topic: String,
    /// The event name.
    pub event: String,
    /// The payload.
    pub payload: Value,
}

impl Envelope {
    /// The JSON text published to Redis.
    pub fn encode(&self) -> String {
        // A struct of strings and a `Value` always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a received message.
    ///
    /// # Errors
    /// The serde error for anything that is not an envelope.
    pub fn decode(bytes: &[u8]) -> Result<Envelope, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let envelope = Envelope {
            node: "a".into(),
            topic: "room:1".into(),
            event: "msg".into(),
            payload: json!({"body": "hi", "n": [1, 2]}),
        };
        assert_eq!(Envelope::decode(envelope.encode().as_bytes()).unwrap(), envelope);
        assert!(Envelope::decode(b"not json").is_err());
        assert!(Envelope::decode(br#"{"node":"a"}"#).is_err());
    }
}
