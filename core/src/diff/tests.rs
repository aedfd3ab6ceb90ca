use super::*;
use crate::rendered::{Comprehension, Dynamic, Fingerprint, Statics};

fn node(statics: &[&str], dynamics: Vec<Option<Dynamic>>) -> Rendered {
    let statics = Statics::new(statics.iter().copied());
    let fingerprint = Fingerprint::of_statics(statics.parts());
    Rendered { statics, dynamics, fingerprint, root: false }
}

fn text(t: &str) -> Option<Dynamic> {
    Some(Dynamic::Text(t.into()))
}

fn list(rows: &[&str]) -> Option<Dynamic> {
    let statics = Statics::new(["<li>", "</li>"]);
    let fingerprint = Fingerprint::of_statics(statics.parts());
    let entries = rows.iter().map(|r| vec![Dynamic::Text((*r).into())]).collect();
    Some(Dynamic::Comprehension(Box::new(Comprehension {
        statics,
        fingerprint,
        entries,
        stream: None,
    })))
}

#[test]
fn first_render_then_only_changes() {
    let mut tracker = DiffTracker::new();
    let first = tracker.diff_root(&node(&["<p>", "</p>"], vec![text("0")])).unwrap().unwrap();
    assert_eq!(first.as_json(), r#"{"0":"0","s":["<p>","</p>"]}"#);
    let second = tracker.diff_root(&node(&["<p>", "</p>"], vec![text("1")])).unwrap().unwrap();
    assert_eq!(second.as_json(), r#"{"0":"1"}"#);
    assert_eq!(tracker.diff_root(&node(&["<p>", "</p>"], vec![None])).unwrap(), None);
}

#[test]
fn unchanged_slot_of_a_new_node_is_an_error_and_forces_a_full_render() {
    let mut tracker = DiffTracker::new();
    assert_eq!(
        tracker.diff_root(&node(&["<p>", "</p>"], vec![None])),
        Err(DiffError::MissingDynamic)
    );
    let full = tracker.diff_root(&node(&["<p>", "</p>"], vec![text("a")])).unwrap().unwrap();
    assert!(full.as_json().contains("\"s\""));
}

#[test]
fn comprehension_sends_only_changed_entries() {
    let mut tracker = DiffTracker::new();
    tracker.diff_root(&node(&["<ul>", "</ul>"], vec![list(&["a", "b", "c"])])).unwrap();
    let diff = tracker
        .diff_root(&node(&["<ul>", "</ul>"], vec![list(&["a", "B", "c"])]))
        .unwrap()
        .unwrap();
    assert_eq!(diff.as_json(), r#"{"0":{"k":{"1":{"0":"B"},"kc":3}}}"#);
    assert_eq!(
        tracker.diff_root(&node(&["<ul>", "</ul>"], vec![list(&["a", "B", "c"])])).unwrap(),
        None
    );
    let shrink = tracker.diff_root(&node(&["<ul>", "</ul>"], vec![list(&["a"])])).unwrap().unwrap();
    assert_eq!(shrink.as_json(), r#"{"0":{"k":{"kc":1}}}"#);
    let grow =
        tracker.diff_root(&node(&["<ul>", "</ul>"], vec![list(&["a", "x"])])).unwrap().unwrap();
    assert_eq!(grow.as_json(), r#"{"0":{"k":{"1":{"0":"x"},"kc":2}}}"#);
}

#[test]
fn empty_comprehension_is_an_empty_string_until_it_has_entries() {
    let mut tracker = DiffTracker::new();
    let first = tracker.diff_root(&node(&["<ul>", "</ul>"], vec![list(&[])])).unwrap().unwrap();
    assert_eq!(first.as_json(), r#"{"0":"","s":["<ul>","</ul>"]}"#);
    let next = tracker.diff_root(&node(&["<ul>", "</ul>"], vec![list(&["a"])])).unwrap().unwrap();
    assert_eq!(next.as_json(), r#"{"0":{"s":["<li>","</li>"],"k":{"0":{"0":"a"},"kc":1}}}"#);
}

#[test]
fn components_carry_root_flag_with_statics_only() {
    let mut tracker = DiffTracker::new();
    let first =
        tracker.diff_component(1, &node(&["<b>", "</b>"], vec![text("x")])).unwrap().unwrap();
    assert_eq!(first.as_json(), r#"{"0":"x","s":["<b>","</b>"],"r":1}"#);
    assert!(tracker.has_component(1));
    let next =
        tracker.diff_component(1, &node(&["<b>", "</b>"], vec![text("y")])).unwrap().unwrap();
    assert_eq!(next.as_json(), r#"{"0":"y"}"#);
    tracker.forget_component(1);
    assert!(!tracker.has_component(1));
}

#[test]
fn new_root_fingerprint_forgets_components() {
    let mut tracker = DiffTracker::new();
    tracker.diff_root(&node(&["<a>", "</a>"], vec![Some(Dynamic::Component(1))])).unwrap();
    tracker.diff_component(1, &node(&["<b>", "</b>"], vec![text("x")])).unwrap();
    tracker.diff_root(&node(&["<i>", "</i>"], vec![Some(Dynamic::Component(1))])).unwrap();
    assert!(!tracker.has_component(1));
}

#[test]
fn unresolved_calls_and_bad_shapes_are_errors() {
    let mut tracker = DiffTracker::new();
    let call = Dynamic::ChildCall(Box::new(crate::rendered::ChildCall {
        view: "V".into(),
        id: "c".into(),
        session: serde_json::Map::new(),
        container: None,
    }));
    assert_eq!(
        tracker.diff_root(&node(&["<a>", "</a>"], vec![Some(call)])),
        Err(DiffError::Unresolved)
    );
    assert_eq!(
        tracker.diff_root(&node(&["<a>", "</a>"], vec![text("x"), text("y")])),
        Err(DiffError::SlotCount { expected: 1, found: 2 })
    );
}

#[test]
fn to_json_appends_top_level_keys() {
    let diff = Diff {
        root: Some(NodeDiff(r#"{"0":"1"}"#.into())),
        components: vec![(3, NodeDiff(r#"{"0":"x"}"#.into()))],
        title: Some("T \"q\"".into()),
        events: vec![("hi".into(), serde_json::json!({"a": 1}))],
        reply: Some(serde_json::json!({"ok": true})),
    };
    assert_eq!(
        diff.to_json(),
        r#"{"0":"1","c":{"3":{"0":"x"}},"t":"T \"q\"","e":[["hi",{"a":1}]],"r":{"ok":true}}"#
    );
    assert_eq!(Diff { title: Some("x".into()), ..Diff::default() }.to_json(), r#"{"t":"x"}"#);
    assert_eq!(Diff::default().to_json(), "{}");
    assert!(Diff::default().is_empty());
}

#[test]
fn node_diff_serializes_as_its_object() {
    let value = serde_json::to_value(NodeDiff(r#"{"0":"a"}"#.into())).unwrap();
    assert_eq!(value, serde_json::json!({"0": "a"}));
}

#[test]
fn hibernation_resends_entries_without_statics() {
    let mut tracker = DiffTracker::new();
    tracker.diff_root(&node(&["<ul>", "</ul>"], vec![list(&["a", "b"])])).unwrap();
    tracker.hibernate();
    let diff =
        tracker.diff_root(&node(&["<ul>", "</ul>"], vec![list(&["a", "c"])])).unwrap().unwrap();
    assert_eq!(diff.as_json(), r#"{"0":{"k":{"0":{"0":"a"},"1":{"0":"c"},"kc":2}}}"#);
    let diff =
        tracker.diff_root(&node(&["<ul>", "</ul>"], vec![list(&["a", "d"])])).unwrap().unwrap();
    assert_eq!(diff.as_json(), r#"{"0":{"k":{"1":{"0":"d"},"kc":2}}}"#);
}

#[test]
fn unchanged_slot_inside_a_new_branch_is_missing() {
    let mut tracker = DiffTracker::new();
    let page = |branch: Rendered| {
        node(&["<main>", "</main>"], vec![Some(Dynamic::Nested(Box::new(branch)))])
    };
    tracker.diff_root(&page(node(&["<a>", "</a>"], vec![text("1")]))).unwrap();
    // Same branch, unchanged slot: fine.
    assert_eq!(tracker.diff_root(&page(node(&["<a>", "</a>"], vec![None]))).unwrap(), None);
    // Another branch whose slot claims to be unchanged: the client never had it.
    assert_eq!(
        tracker.diff_root(&page(node(&["<b>", "</b>"], vec![None]))),
        Err(DiffError::MissingDynamic)
    );
    // After the error the next root diff is a full render.
    let full = tracker.diff_root(&page(node(&["<b>", "</b>"], vec![text("2")]))).unwrap().unwrap();
    assert_eq!(full.as_json(), r#"{"0":{"0":"2","s":["<b>","</b>"]},"s":["<main>","</main>"]}"#);
}
