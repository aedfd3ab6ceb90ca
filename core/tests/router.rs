//! Path patterns, route order and URL splitting.

use liveview_core::router::{PathPattern, PatternError, Router, parse_query, split_url};
use serde_json::{Value, json};

#[test]
fn matches_params_and_globs() {
    let pattern = PathPattern::parse("/posts/:year/:slug").unwrap();
    let params = pattern.captures("/posts/2026/hello%20world").unwrap();
    assert_eq!(Value::Object(params), json!({"year": "2026", "slug": "hello world"}));
    assert!(pattern.captures("/posts/2026").is_none());
    assert!(pattern.captures("/posts/2026/a/b").is_none());

    let glob = PathPattern::parse("/files/*path").unwrap();
    assert_eq!(glob.captures("/files/a/b.txt").unwrap()["path"], json!(["a", "b.txt"]));
    assert_eq!(glob.captures("/files").unwrap()["path"], json!([]));
}

#[test]
fn first_route_wins_and_shapes_clash() {
    let mut router = Router::new();
    assert!(router.add(PathPattern::parse("/users/new").unwrap(), "new"));
    assert!(router.add(PathPattern::parse("/users/:id").unwrap(), "show"));
    assert!(!router.add(PathPattern::parse("/users/:name/").unwrap(), "clash"));
    assert_eq!(router.find("/users/new").unwrap().0, &"new");
    assert_eq!(router.find("/users/7").unwrap().1["id"], "7");
    assert!(router.find("/").is_none());
    assert_eq!(router.len(), 2);
}

#[test]
fn refuses_bad_patterns() {
    assert_eq!(PathPattern::parse("users"), Err(PatternError::NotAbsolute("users".into())));
    assert!(PathPattern::parse("/a/*rest/b").is_err());
    assert!(PathPattern::parse("/a/:").is_err());
}

#[test]
fn splits_urls_and_queries() {
    let url = split_url("https://example.com:8443/search?q=a+b&page=2#results");
    assert_eq!(url.origin, "https://example.com:8443");
    assert_eq!(url.path, "/search");
    let query = parse_query(url.query);
    assert_eq!(Value::Object(query), json!({"q": "a b", "page": "2"}));
    assert_eq!(split_url("/only/path").origin, "");
}
