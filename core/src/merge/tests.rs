use serde_json::json;

use super::*;

fn html(client: &mut ClientRendered) -> String {
    client.to_html().unwrap().html
}

#[test]
fn join_extracts_and_renders() {
    let (mut client, extracted) = ClientRendered::join(
        "phx-F",
        json!({"0": "0", "s": ["<div><span>", "</span></div>"], "t": "Hi", "e": [["ev", {}]]}),
    )
    .unwrap();
    assert_eq!(extracted.title.as_deref(), Some("Hi"));
    assert_eq!(extracted.events, vec![json!(["ev", {}])]);
    assert_eq!(html(&mut client), "<div><span>0</span></div>");
    client.merge(json!({"0": "1"})).unwrap();
    assert_eq!(html(&mut client), "<div><span>1</span></div>");
}

#[test]
fn keyed_entries_merge_and_drop() {
    let (mut client, _) = ClientRendered::join(
        "v",
        json!({"0": {"s": ["<li>", "</li>"], "k": {"0": {"0": "a"}, "1": {"0": "b"}, "kc": 2}}, "s": ["<ul>", "</ul>"]}),
    )
    .unwrap();
    client.merge(json!({"0": {"k": {"2": {"0": "c"}, "kc": 3}}})).unwrap();
    assert_eq!(html(&mut client), "<ul><li>a</li><li>b</li><li>c</li></ul>");
    client.merge(json!({"0": {"k": {"0": {"0": "A"}, "kc": 1}}})).unwrap();
    assert_eq!(html(&mut client), "<ul><li>A</li></ul>");
}

#[test]
fn moves_need_km() {
    let (mut client, _) = ClientRendered::join(
        "v",
        json!({"0": {"s": ["<i>", "</i>"], "k": {"0": {"0": "a"}, "1": {"0": "b"}, "kc": 2}}, "s": ["", ""]}),
    )
    .unwrap();
    client.merge(json!({"0": {"k": {"0": 1, "1": [0, {"0": "z"}], "kc": 2, "km": true}}})).unwrap();
    assert_eq!(html(&mut client), "<i>b</i><i>z</i>");
    assert_eq!(client.merge(json!({"0": {"k": {"0": 1, "kc": 2}}})), Err(MergeError::BadKeyed));
}

#[test]
fn components_are_annotated_and_share_statics() {
    let (mut client, _) = ClientRendered::join(
        "phx-V",
        json!({"0": 1, "1": 2, "s": ["<div>", "", "</div>"],
               "c": {"1": {"0": "Alice", "s": ["<p class=\"u\">", "</p>"], "r": 1}, "2": {"0": "Bob", "s": 1}}}),
    )
    .unwrap();
    assert_eq!(
        html(&mut client),
        "<div><p data-phx-id=\"c1-phx-V\" data-phx-component=\"1\" data-phx-view=\"phx-V\" class=\"u\">Alice</p>\
         <p data-phx-id=\"c2-phx-V\" data-phx-component=\"2\" data-phx-view=\"phx-V\" class=\"u\">Bob</p></div>"
    );
    client.merge(json!({"c": {"2": {"0": "Robert"}, "3": {"0": "Carol", "s": -1}}})).unwrap();
    let tree = client.tree();
    assert_eq!(tree["c"]["2"]["0"], "Robert");
    assert_eq!(tree["c"]["3"]["s"], json!(["<p class=\"u\">", "</p>"]));
}

#[test]
fn client_render_skips_unchanged_components_and_roots() {
    let (mut client, _) = ClientRendered::join(
        "v",
        json!({"0": 1, "1": {"0": "x", "s": ["<b>", "</b>"], "r": 1}, "s": ["", "", ""],
               "c": {"1": {"0": "A", "s": ["<p id=\"p1\">", "</p>"], "r": 1}}}),
    )
    .unwrap();
    let first = client.render(None).unwrap().html;
    assert_eq!(
        first,
        "<p data-phx-id=\"c1-v\" data-phx-component=\"1\" data-phx-view=\"v\" id=\"p1\">A</p><b data-phx-id=\"m1-v\">x</b>"
    );
    client.merge(json!({"1": {"0": "y"}})).unwrap();
    let second = client.render(Some(&[])).unwrap().html;
    assert_eq!(
        second,
        "<p id=\"p1\" data-phx-id=\"c1-v\" data-phx-component=\"1\" data-phx-view=\"v\" data-phx-skip></p><b data-phx-id=\"m1-v\">y</b>"
    );
    let third = client.render(Some(&[])).unwrap().html;
    assert!(third.ends_with("<b data-phx-id=\"m1-v\" data-phx-skip></b>"), "{third}");
}

#[test]
fn streams_are_rendered_once_then_forgotten() {
    let (mut client, _) = ClientRendered::join(
        "v",
        json!({"0": {"s": ["<li id=\"", "\">x</li>"], "k": {"0": {"0": "u-1"}, "kc": 1},
                     "stream": ["0", [["u-1", -1, null, false]], []]}, "s": ["<ul>", "</ul>"]}),
    )
    .unwrap();
    let rendering = client.to_html().unwrap();
    assert_eq!(rendering.html, "<ul><li id=\"u-1\">x</li></ul>");
    assert_eq!(rendering.streams, vec![json!(["0", [["u-1", -1, null, false]], []])]);
    assert_eq!(html(&mut client), "<ul></ul>");
}

#[test]
fn templates_resolve_integer_statics() {
    let (mut client, _) = ClientRendered::join(
        "v",
        json!({"0": {"s": 0, "k": {"0": {"0": "a"}, "kc": 1}}, "s": 1, "p": {"0": ["<i>", "</i>"], "1": ["<p>", "</p>"]}}),
    )
    .unwrap();
    assert_eq!(html(&mut client), "<p><i>a</i></p>");
}

#[test]
fn missing_component_is_an_error() {
    let (mut client, _) = ClientRendered::join("v", json!({"0": 7, "s": ["", ""]})).unwrap();
    assert_eq!(client.to_html(), Err(MergeError::MissingComponent(7)));
}

#[test]
fn modify_root_keeps_comments_and_id() {
    let (root, before, after) = render::modify_root_for_tests(
        " <!-- c --> <div id='a' class=\"x\">in</div><!-- t -->\n",
        &[("data-x", Some("1".into()))],
        true,
    )
    .unwrap();
    assert_eq!(
        (root.as_str(), before.as_str(), after.as_str()),
        ("<div id=\"a\" data-x=\"1\"></div>", " <!-- c --> ", "<!-- t -->\n")
    );
    assert_eq!(render::modify_root_for_tests("text", &[], false), Err(MergeError::MalformedRoot));
    let (root, _, _) = render::modify_root_for_tests("<br>", &[("a", None)], true).unwrap();
    assert_eq!(root, "<br a/>");
}

#[test]
fn annotate_matches_to_html() {
    assert_eq!(
        annotate_component_root("<p>x</p>", 4, "v").unwrap(),
        "<p data-phx-id=\"c4-v\" data-phx-component=\"4\" data-phx-view=\"v\">x</p>"
    );
}

#[test]
fn component_only_diffs() {
    assert!(is_component_only_diff(&json!({"c": {"1": {"0": "x"}}})));
    assert!(!is_component_only_diff(&json!({"0": "a", "c": {"1": {}}})));
    assert_eq!(diff_component_cids(&json!({"c": {"1": {}, "12": {}}})), vec![1, 12]);
}

fn arbitrary_diff() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..5).prop_map(Value::from),
        "[<>a-z\"' ]{0,6}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("0".to_owned()),
                    Just("1".to_owned()),
                    Just("s".to_owned()),
                    Just("k".to_owned()),
                    Just("kc".to_owned()),
                    Just("km".to_owned()),
                    Just("c".to_owned()),
                    Just("r".to_owned()),
                    Just("p".to_owned()),
                    Just("stream".to_owned()),
                ],
                inner,
                0..5,
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    #[test]
    fn garbage_diffs_never_panic(join in arbitrary_diff(), diffs in proptest::collection::vec(arbitrary_diff(), 0..4)) {
        if let Ok((mut client, _)) = ClientRendered::join("v", join) {
            let _ = client.render(None);
            for diff in diffs {
                let cids = diff_component_cids(&diff);
                if client.merge(diff).is_ok() {
                    let _ = client.render(Some(&cids));
                    let _ = client.to_html();
                    for cid in client.component_cids() {
                        let _ = client.component_to_string(cid);
                    }
                }
            }
        }
    }
}
