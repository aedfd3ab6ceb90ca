//! Phoenix Channels V2 JSON frames: `[join_ref, ref, topic, event, payload]`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One Phoenix message, in either direction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// The `ref` of the channel's current join (`None` for heartbeats).
    pub join_ref: Option<String>,
    /// The message's own ref (`None` for server pushes).
    pub msg_ref: Option<String>,
    /// `phoenix`, `lv:<id>`, `lvu:<ref>`.
    pub topic: String,
    /// `phx_join`, `event`, `phx_reply`, `diff`, ...
    pub event: String,
    /// Always a JSON object.
    pub payload: Value,
}

impl Frame {
    /// Decodes a V2 text frame.
    ///
    /// # Errors
    /// A message saying what is malformed.
    pub fn decode(text: &str) -> Result<Frame, String> {
        let (join_ref, msg_ref, topic, event, payload): (
            Option<String>,
            Option<String>,
            String,
            String,
            Value,
        ) = serde_json::from_str(text).map_err(|e| format!("malformed frame: {e}"))?;
        if !payload.is_object() {
            return Err("malformed frame: payload must be an object".into());
        }
        Ok(Frame { join_ref, msg_ref, topic, event, payload })
    }

    /// Encodes a frame whose payload is already serialized JSON (the hot path: diffs are
    /// serialized once, straight to text).
    pub fn encode_raw(
        join_ref: Option<&str>,
        msg_ref: Option<&str>,
        topic: &str,
        event: &str,
        payload_json: &str,
    ) -> String {
        let mut out = String::with_capacity(payload_json.len() + topic.len() + event.len() + 32);
        out.push('[');
        push_opt(&mut out, join_ref);
        out.push(',');
        push_opt(&mut out, msg_ref);
        out.push(',');
        push_str(&mut out, topic);
        out.push(',');
        push_str(&mut out, event);
        out.push(',');
        out.push_str(payload_json);
        out.push(']');
        out
    }

    /// Encodes this frame.
    pub fn encode(&self) -> String {
        let payload = serde_json::to_string(&self.payload).unwrap_or_else(|_| "{}".into());
        Frame::encode_raw(
            self.join_ref.as_deref(),
            self.msg_ref.as_deref(),
            &self.topic,
            &self.event,
            &payload,
        )
    }

    /// A `phx_reply` frame: `{"status": status, "response": response_json}`.
    pub fn reply(
        join_ref: Option<&str>,
        msg_ref: Option<&str>,
        topic: &str,
        status: &str,
        response_json: &str,
    ) -> String {
        let payload = format!(r#"{{"status":"{status}","response":{response_json}}}"#);
        Frame::encode_raw(join_ref, msg_ref, topic, "phx_reply", &payload)
    }
}

fn push_opt(out: &mut String, value: Option<&str>) {
    match value {
        Some(v) => push_str(out, v),
        None => out.push_str("null"),
    }
}

fn push_str(out: &mut String, value: &str) {
    // serde_json's string escaping; writing to a String cannot fail.
    out.push_str(&serde_json::to_string(value).unwrap_or_else(|_| "\"\"".into()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip() {
        let text =
            r#"["3","5","lv:phx-1","event",{"type":"click","event":"inc","value":{"value":""}}]"#;
        let frame = Frame::decode(text).unwrap();
        assert_eq!(frame.topic, "lv:phx-1");
        assert_eq!(frame.payload["event"], json!("inc"));
        assert_eq!(Frame::decode(&frame.encode()).unwrap(), frame);
    }

    #[test]
    fn rejects_malformed() {
        assert!(Frame::decode("[1,2]").is_err());
        assert!(Frame::decode(r#"[null,null,"t","e",[]]"#).is_err());
        assert!(Frame::decode("not json").is_err());
    }

    #[test]
    fn reply_shape() {
        let f = Frame::reply(None, Some("6"), "phoenix", "ok", "{}");
        assert_eq!(f, r#"[null,"6","phoenix","phx_reply",{"status":"ok","response":{}}]"#);
    }
}
