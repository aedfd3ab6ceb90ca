//! Golden diffs: the exact wire shapes of `phoenix-protocol.md` §3 for the 1.2 client.
//!
//! Several cases are ported in spirit from Phoenix LiveView's
//! `test/phoenix_live_view/diff_test.exs` (v1.2.10; Copyright (c) 2018 Chris McCord, MIT
//! License): "basic template", "nested %Rendered{}'s", "does not emit nested %Rendered{}'s
//! if they did not change", "detects change in nested/root fingerprint", "empty
//! comprehensions", "nested comprehensions", "change tracking with minimal diff updates".
//! Phoenix's expected maps use `p` templates and shared statics; ours are the equivalent
//! literal-statics form (`phoenix-protocol.md` §3.2, §7), and every case is also merged by the
//! client port to check the HTML.

use liveview_core::diff::{Diff, DiffTracker, NodeDiff};
use liveview_core::merge::ClientRendered;
use liveview_core::{
    Comprehension, Dynamic, Fingerprint, Rendered, Statics, StreamInsert, StreamOps,
};
use serde_json::{Value, json};

fn node(statics: &[&str], dynamics: Vec<Option<Dynamic>>) -> Rendered {
    let statics = Statics::new(statics.iter().copied());
    let fingerprint = Fingerprint::of_statics(statics.parts());
    Rendered { statics, dynamics, fingerprint, root: false }
}

fn root(statics: &[&str], dynamics: Vec<Option<Dynamic>>) -> Rendered {
    Rendered { root: true, ..node(statics, dynamics) }
}

fn text(t: &str) -> Option<Dynamic> {
    Some(Dynamic::Text(t.into()))
}

fn nested(r: Rendered) -> Option<Dynamic> {
    Some(Dynamic::Nested(Box::new(r)))
}

fn comprehension(statics: &[&str], entries: Vec<Vec<Dynamic>>) -> Comprehension {
    let statics = Statics::new(statics.iter().copied());
    let fingerprint = Fingerprint::of_statics(statics.parts());
    Comprehension { statics, fingerprint, entries, stream: None }
}

fn each(statics: &[&str], rows: &[&str]) -> Option<Dynamic> {
    let entries = rows.iter().map(|r| vec![Dynamic::Text((*r).into())]).collect();
    Some(Dynamic::Comprehension(Box::new(comprehension(statics, entries))))
}

fn json_of(diff: Option<NodeDiff>) -> Value {
    serde_json::from_str(diff.expect("a diff").as_json()).expect("valid JSON")
}

/// diff_test.exs `nested_rendered/1`.
fn nested_rendered(changed: bool) -> Rendered {
    let inner = |v: Option<Dynamic>| if changed { v } else { None };
    node(
        &["<h2>", "</h2>", "<span>", "</span>"],
        vec![
            text("hi"),
            nested(node(&["s1", "s2", "s3"], vec![inner(text("abc")), inner(text("efg"))])),
            nested(node(&["s1", "s2"], vec![inner(text("efg"))])),
        ],
    )
}

#[test]
fn first_render_sends_statics_and_root_flag() {
    let statics = ["<div>\n  <h2>It's ", "</h2>\n  ", "\n</div>"];
    let mut tracker = DiffTracker::new();
    let diff = tracker.diff_root(&root(&statics, vec![text("10:30"), text("Sunny")])).unwrap();
    assert_eq!(
        diff.as_ref().unwrap().as_json(),
        r#"{"0":"10:30","1":"Sunny","s":["<div>\n  <h2>It's ","</h2>\n  ","\n</div>"],"r":1}"#
    );
    let (mut client, _) = ClientRendered::join("v", json_of(diff)).unwrap();
    assert_eq!(client.to_html().unwrap().html, "<div>\n  <h2>It's 10:30</h2>\n  Sunny\n</div>");
    // Known fingerprint: no statics ("basic template skips statics for known fingerprints").
    let diff = tracker.diff_root(&root(&statics, vec![text("10:30"), text("Sunny")])).unwrap();
    assert_eq!(json_of(diff), json!({"0": "10:30", "1": "Sunny"}));
}

#[test]
fn changed_slot_only() {
    let mut tracker = DiffTracker::new();
    let statics = ["<div><span>", "</span><button phx-click=\"inc\">+</button></div>"];
    tracker.diff_root(&node(&statics, vec![text("0")])).unwrap();
    let diff = tracker.diff_root(&node(&statics, vec![text("1")])).unwrap();
    assert_eq!(diff.unwrap().as_json(), r#"{"0":"1"}"#);
}

#[test]
fn nested_renders() {
    let mut tracker = DiffTracker::new();
    assert_eq!(
        json_of(tracker.diff_root(&nested_rendered(true)).unwrap()),
        json!({"0": "hi", "1": {"0": "abc", "1": "efg", "s": ["s1", "s2", "s3"]}, "2": {"0": "efg", "s": ["s1", "s2"]},
               "s": ["<h2>", "</h2>", "<span>", "</span>"]})
    );
    assert_eq!(
        json_of(tracker.diff_root(&nested_rendered(true)).unwrap()),
        json!({"0": "hi", "1": {"0": "abc", "1": "efg"}, "2": {"0": "efg"}})
    );
    // "does not emit nested %Rendered{}'s if they did not change"
    assert_eq!(json_of(tracker.diff_root(&nested_rendered(false)).unwrap()), json!({"0": "hi"}));
}

#[test]
fn branch_change_sends_new_statics_for_that_branch_only() {
    let mut tracker = DiffTracker::new();
    let page = |branch: Rendered| node(&["<main>", "", "</main>"], vec![text("x"), nested(branch)]);
    tracker.diff_root(&page(node(&["<p>yes ", "</p>"], vec![text("1")]))).unwrap();
    let diff = tracker.diff_root(&page(node(&["<p>no ", "!</p>"], vec![text("2")]))).unwrap();
    assert_eq!(json_of(diff), json!({"0": "x", "1": {"0": "2", "s": ["<p>no ", "!</p>"]}}));
    // Switching back is a new fingerprint again for the client.
    let diff = tracker.diff_root(&page(node(&["<p>yes ", "</p>"], vec![text("3")]))).unwrap();
    assert_eq!(json_of(diff), json!({"0": "x", "1": {"0": "3", "s": ["<p>yes ", "</p>"]}}));
}

#[test]
fn root_fingerprint_change_is_a_full_render() {
    let mut tracker = DiffTracker::new();
    tracker.diff_root(&node(&["<a>", "</a>"], vec![text("1")])).unwrap();
    let diff = tracker.diff_root(&nested_rendered(true)).unwrap();
    assert_eq!(json_of(diff)["s"], json!(["<h2>", "</h2>", "<span>", "</span>"]));
}

#[test]
fn comprehension_in_the_protocol_example() {
    // phoenix-protocol.md §3.2, 1.2 client, literal statics.
    let page = |count: &str, items: &[&str]| {
        root(
            &["<div><h1>Count: ", "</h1><ul>", "</ul></div>"],
            vec![text(count), each(&["<li>", "</li>"], items)],
        )
    };
    let mut tracker = DiffTracker::new();
    let first = tracker.diff_root(&page("0", &["a", "b"])).unwrap();
    assert_eq!(
        first.as_ref().unwrap().as_json(),
        r#"{"0":"0","1":{"s":["<li>","</li>"],"k":{"0":{"0":"a"},"1":{"0":"b"},"kc":2}},"s":["<div><h1>Count: ","</h1><ul>","</ul></div>"],"r":1}"#
    );
    let (mut client, _) = ClientRendered::join("v", json_of(first)).unwrap();

    let mut count_only = page("1", &["a", "b"]);
    count_only.dynamics[1] = None;
    let update = tracker.diff_root(&count_only).unwrap();
    assert_eq!(update.as_ref().unwrap().as_json(), r#"{"0":"1"}"#);
    client.merge(json_of(update)).unwrap();

    let mut append = page("1", &["a", "b", "c"]);
    append.dynamics[0] = None;
    let update = tracker.diff_root(&append).unwrap();
    assert_eq!(update.as_ref().unwrap().as_json(), r#"{"1":{"k":{"2":{"0":"c"},"kc":3}}}"#);
    client.merge(json_of(update)).unwrap();
    assert_eq!(
        client.to_html().unwrap().html,
        "<div><h1>Count: 1</h1><ul><li>a</li><li>b</li><li>c</li></ul></div>"
    );

    let mut empty = page("1", &[]);
    empty.dynamics[0] = None;
    let update = tracker.diff_root(&empty).unwrap();
    assert_eq!(update.as_ref().unwrap().as_json(), r#"{"1":{"k":{"kc":0}}}"#);
}

#[test]
fn empty_comprehensions() {
    let page = |names: &[&str]| {
        node(&["<div><h1>", "</h1>", "</div>"], vec![text("Users"), each(&["<br>", ""], names)])
    };
    let mut tracker = DiffTracker::new();
    // If they are empty on first render, we don't send them.
    assert_eq!(
        json_of(tracker.diff_root(&page(&[])).unwrap()),
        json!({"0": "Users", "1": "", "s": ["<div><h1>", "</h1>", "</div>"]})
    );
    assert_eq!(
        json_of(tracker.diff_root(&page(&["phoenix", "elixir"])).unwrap()),
        json!({"0": "Users", "1": {"s": ["<br>", ""], "k": {"0": {"0": "phoenix"}, "1": {"0": "elixir"}, "kc": 2}}})
    );
    assert_eq!(
        json_of(tracker.diff_root(&page(&[])).unwrap()),
        json!({"0": "Users", "1": {"k": {"kc": 0}}})
    );
}

#[test]
fn only_changed_entries_and_slots() {
    // In the spirit of "change tracking with minimal diff updates".
    let row = |id: &str, name: &str, score: &str| {
        vec![Dynamic::Text(id.into()), Dynamic::Text(name.into()), Dynamic::Text(score.into())]
    };
    let table = |rows: Vec<Vec<Dynamic>>| {
        let c = comprehension(&["<tr id=\"", "\"><td>", "</td><td>", "</td></tr>"], rows);
        node(&["<table>", "</table>"], vec![Some(Dynamic::Comprehension(Box::new(c)))])
    };
    let mut tracker = DiffTracker::new();
    tracker
        .diff_root(&table(vec![row("1", "a", "10"), row("2", "b", "20"), row("3", "c", "30")]))
        .unwrap();
    let diff = tracker
        .diff_root(&table(vec![row("1", "a", "10"), row("2", "b", "21"), row("3", "c", "30")]))
        .unwrap();
    assert_eq!(diff.unwrap().as_json(), r#"{"0":{"k":{"1":{"2":"21"},"kc":3}}}"#);
    assert_eq!(
        tracker
            .diff_root(&table(vec![row("1", "a", "10"), row("2", "b", "21"), row("3", "c", "30")]))
            .unwrap(),
        None
    );
}

#[test]
fn nested_comprehensions() {
    let scores = || {
        Dynamic::Comprehension(Box::new(comprehension(
            &["<br>", ""],
            vec![vec![Dynamic::Text("1".into())], vec![Dynamic::Text("2".into())]],
        )))
    };
    let names = comprehension(
        &["<br>", "", ""],
        vec![
            vec![Dynamic::Text("phoenix".into()), scores()],
            vec![Dynamic::Text("elixir".into()), scores()],
        ],
    );
    let page = root(
        &["<div><h1>", "</h1>", "</div>"],
        vec![text("Users"), Some(Dynamic::Comprehension(Box::new(names)))],
    );
    let mut tracker = DiffTracker::new();
    let inner = json!({"s": ["<br>", ""], "k": {"0": {"0": "1"}, "1": {"0": "2"}, "kc": 2}});
    assert_eq!(
        json_of(tracker.diff_root(&page).unwrap()),
        json!({"0": "Users",
               "1": {"s": ["<br>", "", ""], "k": {"0": {"0": "phoenix", "1": inner}, "1": {"0": "elixir", "1": inner}, "kc": 2}},
               "s": ["<div><h1>", "</h1>", "</div>"], "r": 1})
    );
}

#[test]
fn components_and_component_only_update() {
    // phoenix-protocol.md §3.5b, without shared statics.
    let user = |name: &str| node(&["<p class=\"user\">", "</p>"], vec![text(name)]);
    let mut tracker = DiffTracker::new();
    let page = node(
        &["<div>", "", "</div>"],
        vec![Some(Dynamic::Component(1)), Some(Dynamic::Component(2))],
    );
    let diff = Diff {
        root: tracker.diff_root(&page).unwrap(),
        components: vec![
            (1, tracker.diff_component(1, &user("Alice")).unwrap().unwrap()),
            (2, tracker.diff_component(2, &user("Bob")).unwrap().unwrap()),
        ],
        ..Diff::default()
    };
    assert_eq!(
        diff.to_json(),
        r#"{"0":1,"1":2,"s":["<div>","","</div>"],"c":{"1":{"0":"Alice","s":["<p class=\"user\">","</p>"],"r":1},"2":{"0":"Bob","s":["<p class=\"user\">","</p>"],"r":1}}}"#
    );
    let (mut client, _) =
        ClientRendered::join("phx-V", serde_json::from_str(&diff.to_json()).unwrap()).unwrap();

    let update = Diff {
        components: vec![(2, tracker.diff_component(2, &user("Robert")).unwrap().unwrap())],
        ..Diff::default()
    };
    assert_eq!(update.to_json(), r#"{"c":{"2":{"0":"Robert"}}}"#);
    client.merge(serde_json::from_str(&update.to_json()).unwrap()).unwrap();
    assert_eq!(
        client.to_html().unwrap().html,
        "<div><p data-phx-id=\"c1-phx-V\" data-phx-component=\"1\" data-phx-view=\"phx-V\" class=\"user\">Alice</p>\
         <p data-phx-id=\"c2-phx-V\" data-phx-component=\"2\" data-phx-view=\"phx-V\" class=\"user\">Robert</p></div>"
    );
    assert_eq!(
        tracker.diff_component(2, &user("Robert")).unwrap().unwrap().as_json(),
        r#"{"0":"Robert"}"#
    );
    let mut unchanged = user("Robert");
    unchanged.dynamics[0] = None;
    assert_eq!(tracker.diff_component(2, &unchanged).unwrap(), None);
}

#[test]
fn components_inside_comprehensions_are_cids() {
    let c = comprehension(
        &["<li>", "</li>"],
        vec![vec![Dynamic::Component(1)], vec![Dynamic::Component(2)]],
    );
    let page = node(&["<ul>", "</ul>"], vec![Some(Dynamic::Comprehension(Box::new(c)))]);
    let mut tracker = DiffTracker::new();
    assert_eq!(
        json_of(tracker.diff_root(&page).unwrap())["0"]["k"],
        json!({"0": {"0": 1}, "1": {"0": 2}, "kc": 2})
    );
}

#[test]
fn streams_send_inserts_and_forget_entries() {
    let stream = |rows: &[(&str, &str)], ops: StreamOps| {
        let entries = rows
            .iter()
            .map(|(id, name)| vec![Dynamic::Text((*id).into()), Dynamic::Text((*name).into())])
            .collect();
        let c = Comprehension {
            stream: Some(ops),
            ..comprehension(&["<li id=\"", "\">", "</li>"], entries)
        };
        node(
            &["<ul id=\"users\" phx-update=\"stream\">", "</ul>"],
            vec![Some(Dynamic::Comprehension(Box::new(c)))],
        )
    };
    let insert =
        |id: &str| StreamInsert { dom_id: id.into(), at: -1, limit: None, update_only: false };
    let mut tracker = DiffTracker::new();
    let ops = StreamOps {
        reference: "0".into(),
        inserts: vec![insert("users-1")],
        ..StreamOps::default()
    };
    let first = tracker.diff_root(&stream(&[("users-1", "a")], ops)).unwrap();
    assert_eq!(
        json_of(first)["0"],
        json!({"s": ["<li id=\"", "\">", "</li>"], "k": {"0": {"0": "users-1", "1": "a"}, "kc": 1},
               "stream": ["0", [["users-1", -1, null, false]], []]})
    );
    // Same item again: the client emptied its entries, so it is sent whole.
    let ops = StreamOps {
        reference: "0".into(),
        inserts: vec![insert("users-1")],
        ..StreamOps::default()
    };
    let again = tracker.diff_root(&stream(&[("users-1", "a")], ops)).unwrap();
    assert_eq!(
        again.unwrap().as_json(),
        r#"{"0":{"k":{"0":{"0":"users-1","1":"a"},"kc":1},"stream":["0",[["users-1",-1,null,false]],[]]}}"#
    );
    let ops = StreamOps {
        reference: "0".into(),
        deletes: vec!["users-1".into()],
        reset: true,
        ..StreamOps::default()
    };
    let reset = tracker.diff_root(&stream(&[], ops)).unwrap();
    assert_eq!(
        reset.unwrap().as_json(),
        r#"{"0":{"k":{"kc":0},"stream":["0",[],["users-1"],true]}}"#
    );
}

#[test]
fn title_events_and_reply() {
    let mut tracker = DiffTracker::new();
    tracker.diff_root(&node(&["<b>", "</b>"], vec![text("1")])).unwrap();
    let diff = Diff {
        root: tracker.diff_root(&node(&["<b>", "</b>"], vec![text("2")])).unwrap(),
        title: Some("Page 2".into()),
        events: vec![("highlight".into(), json!({"id": "users-4"}))],
        reply: Some(json!({"ok": true})),
        ..Diff::default()
    };
    assert_eq!(
        diff.to_json(),
        r#"{"0":"2","t":"Page 2","e":[["highlight",{"id":"users-4"}]],"r":{"ok":true}}"#
    );
    let (mut client, _) =
        ClientRendered::join("v", json!({"0": "1", "s": ["<b>", "</b>"]})).unwrap();
    let extracted = client.merge(serde_json::from_str(&diff.to_json()).unwrap()).unwrap();
    assert_eq!(extracted.title.as_deref(), Some("Page 2"));
    assert_eq!(extracted.events, vec![json!(["highlight", {"id": "users-4"}])]);
    assert_eq!(extracted.reply, Some(json!({"ok": true})));
    assert_eq!(client.to_html().unwrap().html, "<b>2</b>");
    // Events alone are a diff of their own.
    let only_events = Diff { events: vec![("x".into(), json!(null))], ..Diff::default() };
    assert_eq!(only_events.to_json(), r#"{"e":[["x",null]]}"#);
}
