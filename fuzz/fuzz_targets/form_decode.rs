//! Any bytes as the URL-encoded value of a `phx-change`/`phx-submit` event (and as a query
//! string): decoding never panics, stays within `form::MAX_DEPTH` levels, and the result
//! serializes as JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use liveview_core::form::{MAX_DEPTH, decode, decode_form_event, target_path};
use serde_json::Value;

fn depth(value: &Value) -> usize {
    match value {
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        Value::Array(list) => 1 + list.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let params = decode(&text);
    // Maps and the lists between them: at most two JSON levels per key level.
    assert!(depth(&Value::Object(params.clone())) <= 2 * MAX_DEPTH + 1);
    serde_json::to_string(&params).expect("params serialize");
    let _ = decode_form_event(&text, None);
    let _ = target_path(&text);
});
