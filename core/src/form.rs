//! URL-encoded form values decoded into nested params, as `Plug.Conn.Query.decode/1` does.
//!
//! A `phx-change`/`phx-submit` event carries its form as one URL-encoded string
//! (`user%5Bname%5D=Jo&user%5B_unused_email%5D=`). Phoenix decodes it into nested maps and
//! lists, merges the event's `meta` and turns `_target` (`"user[name]"`) into a key path
//! (`["user", "name"]`). `_unused_` keys are kept as they are: views use them to tell which
//! fields the user has not touched yet.
//!
//! Rules (Plug's):
//! - pairs are separated by `&`; a pair without `=` has the value `""`; empty keys are skipped;
//! - `+` is a space and `%XX` a byte (a malformed escape is kept literally, invalid UTF-8 is
//!   replaced, never an error);
//! - `a[b][c]=v` nests maps, `a[]=v` appends to a list, `a[][b]=v` appends a map;
//! - when a key is given twice the last value wins (also when the shape changes).

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::view::Params;

/// Decodes a URL-encoded string into nested params.
///
/// ```
/// # use liveview_core::form::decode;
/// let params = decode("a=1&user%5Bname%5D=Jo&tags[]=x&tags[]=y");
/// assert_eq!(params["user"]["name"], "Jo");
/// assert_eq!(params["tags"][1], "y");
/// ```
pub fn decode(query: &str) -> Params {
    let mut params = Params::new();
    decode_into(query, &mut params);
    params
}

/// Like [`decode`], adding to existing params (later keys win).
pub fn decode_into(query: &str, params: &mut Params) {
    for pair in query.split('&') {
        if pair.is_empty() {
            continue;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode_component(key);
        if key.is_empty() {
            continue;
        }
        let value = Value::String(decode_component(value).into_owned());
        insert(params, &key, value);
    }
}

/// Decodes the value of a form event the way Phoenix's channel does: the URL-encoded `value`,
/// then the event's `meta` merged on top, then `_target` turned into a key path.
pub fn decode_form_event(value: &str, meta: Option<&Map<String, Value>>) -> Params {
    let mut params = decode(value);
    if let Some(meta) = meta {
        for (key, value) in meta {
            params.insert(key.clone(), value.clone());
        }
    }
    if let Some(Value::String(target)) = params.get("_target") {
        let path = target_path(target).into_iter().map(Value::String).collect();
        params.insert("_target".to_owned(), Value::Array(path));
    }
    params
}

/// The key path of a `_target` input name: `"user[name]"` → `["user", "name"]`,
/// `"tags[]"` → `["tags"]`, `"q"` → `["q"]`.
pub fn target_path(target: &str) -> Vec<String> {
    let key = decode_component(target);
    if key.is_empty() {
        return Vec::new();
    }
    let mut path = Vec::new();
    for segment in split_key(&key) {
        // A list segment ends the path, as Phoenix's `gather_keys` stops at a list.
        if segment.is_empty() {
            break;
        }
        path.push(segment.to_owned());
    }
    path
}

/// Percent-decodes one key or value of `application/x-www-form-urlencoded` data (`+` is a
/// space). Borrows when there is nothing to decode.
pub fn decode_component(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| b == b'+' || b == b'%') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                if let Some(byte) = bytes.get(i + 1..i + 3).and_then(hex_pair) {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            other => out.push(other),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(text) => Cow::Owned(text),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

fn hex_pair(pair: &[u8]) -> Option<u8> {
    let hi = (pair[0] as char).to_digit(16)?;
    let lo = (pair[1] as char).to_digit(16)?;
    u8::try_from(hi * 16 + lo).ok()
}

/// Splits `users[address][street]` into `users`, `address`, `street` (`[]` gives an empty
/// segment). A key that does not end in `]` or has no `[` is one segment, as in Plug.
fn split_key(key: &str) -> impl Iterator<Item = &str> {
    let nested = match key.find('[') {
        Some(open) if open > 0 && key.ends_with(']') => {
            Some((&key[..open], &key[open + 1..key.len() - 1]))
        }
        _ => None,
    };
    let (root, rest) = match nested {
        Some((root, rest)) => (root, Some(rest)),
        None => (key, None),
    };
    std::iter::once(root).chain(rest.into_iter().flat_map(|rest| rest.split("][")))
}

fn insert(params: &mut Params, key: &str, value: Value) {
    let mut segments = split_key(key);
    // split_key always yields the root segment.
    let root = segments.next().unwrap_or(key);
    let rest: Vec<&str> = segments.collect();
    let slot = params.entry(root.to_owned()).or_insert(Value::Null);
    assign(slot, &rest, value);
}

/// Stores `value` at `path` below `slot`, replacing whatever shape was there before.
fn assign(slot: &mut Value, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *slot = value;
        return;
    };
    if first.is_empty() {
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        if let Value::Array(list) = slot {
            let mut element = Value::Null;
            assign(&mut element, rest, value);
            list.push(element);
        }
        return;
    }
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(map) = slot {
        let child = map.entry((*first).to_owned()).or_insert(Value::Null);
        assign(child, rest, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_and_lists() {
        let params = decode("a=1&user%5Bname%5D=Jo&user%5B_unused_email%5D=&tags[]=x&tags[]=y");
        assert_eq!(
            Value::Object(params),
            json!({"a": "1", "user": {"name": "Jo", "_unused_email": ""}, "tags": ["x", "y"]})
        );
    }

    #[test]
    fn last_value_wins() {
        assert_eq!(decode("a=1&a=2")["a"], json!("2"));
        assert_eq!(decode("a=1&a[b]=2")["a"], json!({"b": "2"}));
        assert_eq!(decode("a[b]=2&a=1")["a"], json!("1"));
    }

    #[test]
    fn escapes_and_plus() {
        assert_eq!(decode("q=a+b%20c%2B")["q"], json!("a b c+"));
        assert_eq!(decode("q=100%")["q"], json!("100%"));
        assert_eq!(decode("q=%zz")["q"], json!("%zz"));
        assert_eq!(decode("q=%FF")["q"], json!("\u{FFFD}"));
    }

    #[test]
    fn odd_keys() {
        assert_eq!(Value::Object(decode("&&=x&flag")), json!({"flag": ""}));
        assert_eq!(decode("a[b=1")["a[b"], json!("1"));
        assert_eq!(decode("[a]=1")["[a]"], json!("1"));
        assert_eq!(decode("a[][b]=1&a[][b]=2")["a"], json!([{"b": "1"}, {"b": "2"}]));
        assert_eq!(decode("a[x][]=1&a[x][]=2")["a"], json!({"x": ["1", "2"]}));
    }

    #[test]
    fn target_paths() {
        assert_eq!(target_path("user[name]"), ["user", "name"]);
        assert_eq!(target_path("tags[]"), ["tags"]);
        assert_eq!(target_path("q"), ["q"]);
        assert!(target_path("").is_empty());
    }

    #[test]
    fn form_event_merges_meta_and_target() {
        let meta = json!({"_target": "user[name]"});
        let params =
            decode_form_event("user%5Bname%5D=Jo&user%5B_unused_email%5D=", meta.as_object());
        assert_eq!(params["_target"], json!(["user", "name"]));
        assert_eq!(params["user"]["_unused_email"], json!(""));
        let params = decode_form_event("_target=q&q=1", None);
        assert_eq!(params["_target"], json!(["q"]));
    }

    #[test]
    fn borrows_plain_text() {
        assert!(matches!(decode_component("plain"), Cow::Borrowed(_)));
    }
}
