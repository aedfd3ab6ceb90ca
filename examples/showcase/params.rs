//! Small readers for event and URL params: the browser sends every value as a string.

use serde_json::Value;

/// The string at `key` (`""` when absent or not a string).
pub fn text<'a>(params: &'a Value, key: &str) -> &'a str {
    params.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The integer at `key`, accepting both JSON numbers and decimal strings.
pub fn int(params: &Value, key: &str) -> Option<i64> {
    match params.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An error for an event this view does not know (ends the view; the client remounts it).
pub fn unknown_event(view: &str, event: &str) -> liveview::ViewError {
    format!("{view}: unknown event {event:?}").into()
}
