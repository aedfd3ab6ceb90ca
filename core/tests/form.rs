//! Form decoding: Plug.Conn.Query-compatible nested params, `_target`, `_unused_` keys.

use liveview_core::form::{decode, decode_component, decode_form_event, target_path};
use proptest::prelude::*;
use serde_json::{Value, json};

#[test]
fn decodes_a_phoenix_form_event() {
    let params = decode("a=1&user%5Bname%5D=Jo&user%5B_unused_email%5D=&tags[]=x&tags[]=y");
    assert_eq!(
        Value::Object(params),
        json!({"a": "1", "user": {"name": "Jo", "_unused_email": ""}, "tags": ["x", "y"]})
    );
}

#[test]
fn target_becomes_a_key_path() {
    let meta = json!({"_target": "user[name]"});
    let params = decode_form_event("user%5Bname%5D=Jo&user%5Bemail%5D=", meta.as_object());
    assert_eq!(params["_target"], json!(["user", "name"]));
    assert_eq!(target_path("user[address][street]"), ["user", "address", "street"]);
    assert_eq!(target_path("user%5Bname%5D"), ["user", "name"]);
    assert_eq!(target_path("files[]"), ["files"]);
}

#[test]
fn nested_lists_of_maps_and_indexes() {
    let params = decode("items[0][name]=a&items[1][name]=b&items[][x]=1");
    assert_eq!(params["items"], json!([{"x": "1"}]), "the last shape wins, as in Plug");
    let params = decode("items[0][name]=a&items[1][name]=b");
    assert_eq!(params["items"], json!({"0": {"name": "a"}, "1": {"name": "b"}}));
}

#[test]
fn unicode_and_spaces() {
    let params = decode("q=caf%C3%A9+au+lait&emoji=%F0%9F%98%80");
    assert_eq!(params["q"], "café au lait");
    assert_eq!(params["emoji"], "😀");
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

proptest! {
    #[test]
    fn never_panics(input in ".*") {
        let _ = decode(&input);
        let _ = target_path(&input);
        let _ = decode_component(&input);
    }

    #[test]
    fn never_panics_on_bracket_soup(input in "[a-z\\[\\]=&%+0-9]{0,40}") {
        let _ = decode(&input);
        let _ = decode_form_event(&input, None);
        let _ = target_path(&input);
    }

    #[test]
    fn plain_pairs_round_trip(key in "[a-z][a-z0-9_]{0,8}", value in ".{0,20}") {
        let params = decode(&format!("{}={}", encode(&key), encode(&value)));
        prop_assert_eq!(params.get(&key), Some(&Value::String(value)));
    }

    #[test]
    fn nested_pairs_round_trip(a in "[a-z]{1,6}", b in "[a-z]{1,6}", value in ".{0,20}") {
        let query = format!("{}%5B{}%5D={}", a, b, encode(&value));
        let params = decode(&query);
        prop_assert_eq!(&params[&a][&b], &Value::String(value));
        prop_assert_eq!(target_path(&format!("{a}[{b}]")), vec![a.clone(), b.clone()]);
    }
}

#[test]
fn list_rows_merge_like_plug() {
    let params = decode("rows[][name]=a&rows[][qty]=1");
    assert_eq!(params["rows"], json!([{"name": "a", "qty": "1"}]));
    let params = decode("rows[0][name]=a&rows[1][name]=b");
    assert_eq!(params["rows"], json!({"0": {"name": "a"}, "1": {"name": "b"}}));
    assert_eq!(target_path("rows[][name]"), ["rows", "name"]);
}

#[test]
fn deeply_nested_keys_are_dropped_quickly_and_without_deep_recursion() {
    // Before the depth cap this took minutes and gigabytes (a prefix per level), then
    // overflowed the stack of a view thread while building the value.
    let deep = format!("a{}=x&b=1", "[]".repeat(100_000));
    let decoded = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(move || decode(&deep))
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(Value::Object(decoded), json!({"b": "1"}));
    let at_limit = format!("a{}=x", "[k]".repeat(liveview_core::form::MAX_DEPTH - 1));
    let mut node = &decode(&at_limit)["a"];
    for _ in 1..liveview_core::form::MAX_DEPTH {
        node = &node["k"];
    }
    assert_eq!(node, &json!("x"));
}
