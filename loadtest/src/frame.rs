//! Phoenix Channels V2 frames as the JS client writes them: `[join_ref, ref, topic, event,
//! payload]`, and a cheap reader for the server's answers.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::page::PageInfo;

/// The `phx_join` a LiveView client sends for the page's main view.
pub fn join(join_ref: u64, page_url: &str, page: &PageInfo) -> String {
    let payload = serde_json::json!({
        "url": page_url,
        "params": {"_csrf_token": page.csrf_token, "_mounts": 0, "_mount_attempts": 0},
        "session": page.session,
        "static": page.static_token,
        "sticky": false,
    });
    let r = join_ref.to_string();
    encode(Some(&r), Some(&r), &topic(&page.id), "phx_join", &payload.to_string())
}

/// A `phx-click` event on `topic` (what a button with `phx-click="<name>"` sends).
pub fn click(join_ref: u64, msg_ref: u64, topic: &str, name: &str) -> String {
    let payload =
        format!(r#"{{"type":"click","event":{},"value":{{"value":""}}}}"#, json_str(name));
    encode(Some(&join_ref.to_string()), Some(&msg_ref.to_string()), topic, "event", &payload)
}

/// The socket heartbeat (topic `phoenix`, no join ref).
pub fn heartbeat(msg_ref: u64) -> String {
    encode(None, Some(&msg_ref.to_string()), "phoenix", "heartbeat", "{}")
}

/// The channel topic of a view id.
pub fn topic(view_id: &str) -> String {
    format!("lv:{view_id}")
}

/// Encodes a frame whose payload is already JSON.
pub fn encode(
    join_ref: Option<&str>,
    msg_ref: Option<&str>,
    topic: &str,
    event: &str,
    payload: &str,
) -> String {
    let opt = |v: Option<&str>| v.map(json_str).unwrap_or_else(|| "null".into());
    format!(
        "[{},{},{},{},{}]",
        opt(join_ref),
        opt(msg_ref),
        json_str(topic),
        json_str(event),
        payload
    )
}

fn json_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// A server frame with its payload left unparsed (the client only needs refs, the event name
/// and sizes; parsing every diff would spend the load generator's CPU).
#[derive(Debug, Deserialize)]
pub struct Incoming<'a> {
    /// `join_ref`.
    pub join_ref: Option<String>,
    /// `ref` (`None` for pushes such as `diff`).
    pub msg_ref: Option<String>,
    /// Topic.
    pub topic: String,
    /// Event name.
    pub event: String,
    /// The payload's JSON text.
    #[serde(borrow)]
    pub payload: &'a RawValue,
}

impl<'a> Incoming<'a> {
    /// Reads a text frame.
    ///
    /// # Errors
    /// serde's message when the frame is not a 5-element V2 array.
    pub fn parse(text: &'a str) -> Result<Incoming<'a>, String> {
        let (join_ref, msg_ref, topic, event, payload) =
            serde_json::from_str::<(Option<String>, Option<String>, String, String, &'a RawValue)>(
                text,
            )
            .map_err(|e| format!("malformed frame: {e}"))?;
        Ok(Incoming { join_ref, msg_ref, topic, event, payload })
    }

    /// The numeric `ref`, if any.
    pub fn ref_number(&self) -> Option<u64> {
        self.msg_ref.as_deref().and_then(|r| r.parse().ok())
    }

    /// For a `phx_reply`: the status (`ok`, `error`).
    pub fn reply_status(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Reply {
            status: String,
        }
        if self.event != "phx_reply" {
            return None;
        }
        serde_json::from_str::<Reply>(self.payload.get()).ok().map(|r| r.status)
    }

    /// Bytes of the diff this frame carries: `response.diff` of a reply, or the whole payload
    /// of a `diff` push; 0 when there is none.
    pub fn diff_bytes(&self) -> usize {
        #[derive(Deserialize)]
        struct Reply<'b> {
            #[serde(borrow)]
            response: Option<Response<'b>>,
        }
        #[derive(Deserialize)]
        struct Response<'b> {
            #[serde(borrow)]
            diff: Option<&'b RawValue>,
        }
        match self.event.as_str() {
            "diff" => self.payload.get().len(),
            "phx_reply" => serde_json::from_str::<Reply<'_>>(self.payload.get())
                .ok()
                .and_then(|r| r.response)
                .and_then(|r| r.diff)
                .map_or(0, |d| d.get().len()),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> PageInfo {
        PageInfo {
            csrf_token: "C".into(),
            id: "phx-F".into(),
            session: "S".into(),
            static_token: None,
            cookie: String::new(),
            body_bytes: 0,
        }
    }

    #[test]
    fn join_matches_the_js_client() {
        let text = join(4, "http://h/counter", &page());
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[0], "4");
        assert_eq!(v[1], "4");
        assert_eq!(v[2], "lv:phx-F");
        assert_eq!(v[3], "phx_join");
        assert_eq!(v[4]["url"], "http://h/counter");
        assert_eq!(v[4]["params"]["_csrf_token"], "C");
        assert_eq!(v[4]["params"]["_mounts"], 0);
        assert_eq!(v[4]["session"], "S");
        assert!(v[4]["static"].is_null());
        assert_eq!(v[4]["sticky"], false);
    }

    #[test]
    fn click_and_heartbeat() {
        assert_eq!(
            click(4, 5, "lv:phx-F", "inc"),
            r#"["4","5","lv:phx-F","event",{"type":"click","event":"inc","value":{"value":""}}]"#
        );
        assert_eq!(heartbeat(6), r#"[null,"6","phoenix","heartbeat",{}]"#);
        assert_eq!(encode(None, None, "t\"", "e", "{}"), r#"[null,null,"t\"","e",{}]"#);
    }

    #[test]
    fn reads_replies_and_diffs() {
        let reply =
            r#"["4","5","lv:phx-F","phx_reply",{"status":"ok","response":{"diff":{"0":"1"}}}]"#;
        let f = Incoming::parse(reply).unwrap();
        assert_eq!(f.ref_number(), Some(5));
        assert_eq!(f.reply_status().as_deref(), Some("ok"));
        assert_eq!(f.diff_bytes(), r#"{"0":"1"}"#.len());

        let push = r#"["4",null,"lv:phx-F","diff",{"0":"2"}]"#;
        let f = Incoming::parse(push).unwrap();
        assert_eq!(f.ref_number(), None);
        assert_eq!(f.reply_status(), None);
        assert_eq!(f.diff_bytes(), 9);

        let empty = r#"[null,"6","phoenix","phx_reply",{"status":"ok","response":{}}]"#;
        assert_eq!(Incoming::parse(empty).unwrap().diff_bytes(), 0);
    }

    #[test]
    fn malformed_frames_are_errors() {
        assert!(Incoming::parse("{}").is_err());
        assert!(Incoming::parse(r#"["1","2","t"]"#).is_err());
        assert!(Incoming::parse("not json").is_err());
    }
}
