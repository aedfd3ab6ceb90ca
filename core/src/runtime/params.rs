//! URL-encoded params (query strings, `type: "form"` event values), decoded as Plug does:
//! `user[name]=Jo` → `{"user": {"name": "Jo"}}`, `tags[]=a&tags[]=b` → `{"tags": ["a", "b"]}`.

use serde_json::{Map, Value};

use crate::view::Params;

/// Decodes a query string (`a=1&b[c]=2`, without `?`) into params.
pub fn decode_query(query: &str) -> Params {
    let mut params = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(key);
        if key.is_empty() {
            continue;
        }
        insert(&mut params, &key_path(&key), Value::String(percent_decode(value)));
    }
    params
}

/// Decodes a form event's value and merges its `meta` (`_target` becomes a key path list,
/// as in Phoenix: `"user[name]"` → `["user", "name"]`).
pub fn decode_form(encoded: &str, meta: Option<&Map<String, Value>>) -> Params {
    let mut params = decode_query(encoded);
    if let Some(meta) = meta {
        for (key, value) in meta {
            params.insert(key.clone(), value.clone());
        }
    }
    if let Some(Value::String(target)) = params.get("_target") {
        let path = key_path(target).into_iter().map(Value::String).collect();
        params.insert("_target".to_owned(), Value::Array(path));
    }
    params
}

/// `a[b][]` → `["a", "b", ""]`; a key with unbalanced brackets is one plain segment.
fn key_path(key: &str) -> Vec<String> {
    let Some(open) = key.find('[') else { return vec![key.to_owned()] };
    if open == 0 {
        return vec![key.to_owned()];
    }
    let mut path = vec![key[..open].to_owned()];
    let mut rest = &key[open..];
    while let Some(stripped) = rest.strip_prefix('[') {
        let Some(close) = stripped.find(']') else { return vec![key.to_owned()] };
        path.push(stripped[..close].to_owned());
        rest = &stripped[close + 1..];
    }
    if !rest.is_empty() {
        // Trailing text after the last bracket: Plug keeps it as part of the last segment.
        if let Some(last) = path.last_mut() {
            last.push_str(rest);
        }
    }
    path
}

fn insert(map: &mut Map<String, Value>, path: &[String], value: Value) {
    let (head, rest) = match path.split_first() {
        Some(split) => split,
        None => return,
    };
    if rest.is_empty() {
        map.insert(head.clone(), value);
        return;
    }
    if rest[0].is_empty() {
        let slot = map.entry(head.clone()).or_insert_with(|| Value::Array(Vec::new()));
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        let Value::Array(list) = slot else { return };
        let tail = &rest[1..];
        if tail.is_empty() {
            list.push(value);
            return;
        }
        // A list of maps (`items[][name]=a&items[][qty]=1`): start a new map when the last
        // one already has this key.
        let starts_new = match list.last() {
            Some(Value::Object(last)) => last.contains_key(&tail[0]),
            _ => true,
        };
        if starts_new {
            list.push(Value::Object(Map::new()));
        }
        if let Some(Value::Object(last)) = list.last_mut() {
            insert(last, tail, value);
        }
        return;
    }
    let slot = map.entry(head.clone()).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(inner) = slot {
        insert(inner, rest, value);
    }
}

/// `+` → space, `%XX` → byte; malformed escapes are kept as written; invalid UTF-8 is
/// replaced, never an error.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    if !bytes.iter().any(|b| *b == b'%' || *b == b'+') {
        return text.to_owned();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: Option<&u8>) -> Option<u8> {
    let b = *byte?;
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_and_lists() {
        let p =
            decode_query("user%5Bname%5D=Jo+Do&user%5B_unused_email%5D=&tags[]=a&tags[]=b&x=%41");
        assert_eq!(
            Value::Object(p),
            json!({"user": {"name": "Jo Do", "_unused_email": ""}, "tags": ["a", "b"], "x": "A"})
        );
    }

    #[test]
    fn list_of_maps() {
        let p = decode_query("i[][n]=a&i[][q]=1&i[][n]=b");
        assert_eq!(Value::Object(p), json!({"i": [{"n": "a", "q": "1"}, {"n": "b"}]}));
    }

    #[test]
    fn malformed_is_kept() {
        let p = decode_query("a=%zz&b=%4&c[=1&=skip");
        assert_eq!(Value::Object(p), json!({"a": "%zz", "b": "%4", "c[": "1"}));
    }

    #[test]
    fn form_target() {
        let meta = json!({"_target": "user[name]"});
        let p = decode_form("user%5Bname%5D=Jo", meta.as_object());
        assert_eq!(p["_target"], json!(["user", "name"]));
    }
}
