//! URL-encoded form values decoded into nested params, as `Plug.Conn.Query.decode/1` does.
//!
//! A `phx-change`/`phx-submit` event carries its form as one URL-encoded string
//! (`user%5Bname%5D=Jo&user%5B_unused_email%5D=`). Phoenix decodes it into nested maps and
//! lists, merges the event's `meta` and turns `_target` (`"user[name]"`) into a key path
//! (`["user", "name"]`). `_unused_` keys are kept as they are: views use them to tell which
//! fields the user has not touched yet.
//!
//! Rules (Plug 1.15+'s):
//! - pairs are separated by `&` (empty pairs are skipped); a pair without `=` has the value
//!   `""`; the empty key is a key like any other;
//! - `+` is a space and `%XX` a byte (a malformed escape is kept literally and invalid UTF-8
//!   is replaced, where Plug raises: bad input is never an error here);
//! - `a[b][c]=v` nests maps and `a[]=v` appends to a list; every `a[][…]` pair goes into the
//!   *same* map inside the list (`a[][x]=1&a[][y]=2` → `[{"x": "1", "y": "2"}]`), as in Plug:
//!   forms that repeat rows use indexes (`a[0][x]`);
//! - the last value of a key wins, also when the shape changes (`x[]=1&x[y]=1` → a map);
//! - a key nested deeper than [`MAX_DEPTH`] levels is dropped: each level costs a node and a
//!   prefix copy, so `a[][][]…` from a 1 MiB event would take quadratic time and memory, and
//!   building the value would recurse past a view thread's stack.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::view::Params;

/// Most levels of nesting in one key (`a[b][c]` has 3); deeper keys are dropped. Real forms
/// nest a handful of levels.
pub const MAX_DEPTH: usize = 32;

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

/// Like [`decode`], adding to existing params (decoded keys win).
pub fn decode_into(query: &str, params: &mut Params) {
    let mut tree = Tree::default();
    for pair in query.split('&') {
        if pair.is_empty() {
            continue;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        tree.insert(&decode_component(key), decode_component(value).into_owned());
    }
    params.extend(tree.finish());
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
/// `"tags[]"` → `["tags"]`, `"rows[][name]"` → `["rows", "name"]`, `"q"` → `["q"]`.
///
/// Phoenix decodes the name as a query and follows the first key down, stepping through a
/// list that holds one map.
pub fn target_path(target: &str) -> Vec<String> {
    let mut path = Vec::new();
    let decoded = Value::Object(decode(target));
    let mut node = &decoded;
    loop {
        node = match node {
            Value::Object(map) => match map.iter().next() {
                Some((key, value)) => {
                    path.push(key.clone());
                    value
                }
                None => break,
            },
            Value::Array(list) if list.len() == 1 && list[0].is_object() => &list[0],
            _ => break,
        };
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

/// Plug's decoder state: one node per key prefix (`users`, `users[address]`, ...), each
/// with its entries in arrival order. A nested pair adds its entry to the deepest node; the
/// node's parents get a pointer to it only when the node is new, which is what merges every
/// `a[][…]` pair into one map and lets a later scalar replace an earlier nesting.
#[derive(Default)]
struct Tree {
    /// Node 0 is the root; the others are found by their prefix.
    nodes: Vec<Vec<(Option<String>, Entry)>>,
    prefixes: HashMap<String, usize>,
}

enum Entry {
    Value(String),
    Node(usize),
}

impl Tree {
    fn insert(&mut self, key: &str, value: String) {
        if self.nodes.is_empty() {
            self.nodes.push(Vec::new());
        }
        // (prefix of the node, key inside it) from the root down; `None` is a list item.
        let mut levels: Vec<(Option<&str>, Option<&str>)> = Vec::new();
        match key.find('[') {
            Some(open) if open > 0 && key.ends_with(']') => {
                levels.push((None, Some(&key[..open])));
                let mut prefix_end = open;
                let inner = &key[open + 1..key.len() - 1];
                let mut start = open + 1;
                for segment in inner.split("][") {
                    if levels.len() >= MAX_DEPTH {
                        log::debug!("form key nested deeper than {MAX_DEPTH} levels dropped");
                        return;
                    }
                    levels
                        .push((Some(&key[..prefix_end]), (!segment.is_empty()).then_some(segment)));
                    prefix_end = start + segment.len() + 1;
                    start = prefix_end + 1;
                }
            }
            _ => levels.push((None, Some(key))),
        }
        let mut entry = Entry::Value(value);
        for (prefix, name) in levels.into_iter().rev() {
            let name = name.map(str::to_owned);
            let node = match prefix {
                None => 0,
                Some(prefix) => match self.prefixes.get(prefix) {
                    Some(&node) => {
                        self.nodes[node].push((name, entry));
                        return;
                    }
                    None => {
                        let node = self.nodes.len();
                        self.nodes.push(Vec::new());
                        self.prefixes.insert(prefix.to_owned(), node);
                        node
                    }
                },
            };
            self.nodes[node].push((name, entry));
            entry = Entry::Node(node);
        }
    }

    fn finish(mut self) -> Params {
        if self.nodes.is_empty() {
            return Params::new();
        }
        match self.build(0) {
            Value::Object(map) => map,
            _ => Params::new(),
        }
    }

    /// A node is a list when its newest entry is a list item, else a map (last key wins);
    /// entries of the other kind are dropped, as in Plug.
    fn build(&mut self, node: usize) -> Value {
        let entries = std::mem::take(&mut self.nodes[node]);
        let is_list = node != 0 && matches!(entries.last(), Some((None, _)));
        if is_list {
            let items = entries.into_iter().filter(|(name, _)| name.is_none());
            Value::Array(items.map(|(_, entry)| self.resolve(entry)).collect())
        } else {
            let mut map = Map::new();
            for (name, entry) in entries {
                if let Some(name) = name {
                    let value = self.resolve(entry);
                    map.insert(name, value);
                }
            }
            Value::Object(map)
        }
    }

    fn resolve(&mut self, entry: Entry) -> Value {
        match entry {
            Entry::Value(value) => Value::String(value),
            Entry::Node(node) => self.build(node),
        }
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
        assert_eq!(Value::Object(decode("&&=x&flag")), json!({"": "x", "flag": ""}));
        assert_eq!(decode("a[b=1")["a[b"], json!("1"));
        assert_eq!(decode("[a]=1")["[a]"], json!("1"));
        assert_eq!(decode("a[][b]=1&a[][c]=2")["a"], json!([{"b": "1", "c": "2"}]));
        assert_eq!(decode("a[][b]=1&a[][b]=2")["a"], json!([{"b": "2"}]));
        assert_eq!(decode("a[x]]=1")["a"], json!({"x]": "1"}));
        assert_eq!(decode("a[x][[y]=1")["a"], json!({"x": {"[y": "1"}}));
        assert_eq!(decode("a[x][]=1&a[x][]=2")["a"], json!({"x": ["1", "2"]}));
    }

    #[test]
    fn plug_cases() {
        let params = decode("users[name]=hello&users[age]=17&users[address][street]=foo");
        assert_eq!(
            params["users"],
            json!({"name": "hello", "age": "17", "address": {"street": "foo"}})
        );
        assert_eq!(
            decode("my+weird+field=q1%212%22%27w%245%267%2Fz8%29%3F")["my weird field"],
            json!("q1!2\"'w$5&7/z8)?")
        );
        assert_eq!(Value::Object(decode("=")), json!({"": ""}));
        assert_eq!(Value::Object(decode("=value")), json!({"": "value"}));
        assert_eq!(decode("foo[]")["foo"], json!([""]));
        assert_eq!(decode("x[y][z][]=1&x[y][z][]=2")["x"]["y"]["z"], json!(["1", "2"]));
        assert_eq!(decode("x[y][][z][]=1")["x"]["y"], json!([{"z": ["1"]}]));
        assert_eq!(Value::Object(decode("x[][][]=1")), json!({"x": [[["1"]]]}));
        assert_eq!(Value::Object(decode("&x=1&&y=2&")), json!({"x": "1", "y": "2"}));
        assert_eq!(decode("x[]=1&x[y]=1")["x"], json!({"y": "1"}));
        assert_eq!(decode("x[y][][w]=2&x[y]=1")["x"]["y"], json!("1"));
        assert_eq!(decode("x=1&x[y]=1")["x"], json!({"y": "1"}));
        assert_eq!(decode("x[y][0][w]=2&x[y]=1")["x"]["y"], json!("1"));
    }

    #[test]
    fn target_paths() {
        assert_eq!(target_path("user[name]"), ["user", "name"]);
        assert_eq!(target_path("tags[]"), ["tags"]);
        assert_eq!(target_path("q"), ["q"]);
        assert_eq!(target_path("rows[][name]"), ["rows", "name"]);
        assert_eq!(target_path("a[][]"), ["a"]);
        assert!(target_path("").is_empty());
        assert_eq!(target_path("undefined"), ["undefined"]);
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
