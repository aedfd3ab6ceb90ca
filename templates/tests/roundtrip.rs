//! Render → diff → client merge → HTML equals a fresh full render's HTML, across random
//! assign changes (core's real diff engine and client merge).

use liveview_core::diff::DiffTracker;
use liveview_core::merge::ClientRendered;
use liveview_core::{Assigns, Template};
use liveview_templates::{CompiledTemplate, to_html};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::registry;

/// Real templates: nesting, branches, comprehensions, partials, fallbacks, helpers.
const TEMPLATES: &[&str] = &[
    "<div><h1>{{title}}</h1><p class=\"{{cls}}\">{{count}}</p>{{#if show}}<b>{{count}} {{title}}</b>{{else}}<i>{{cls}}</i>{{/if}}</div>",
    "<ul>{{#each items}}<li class=\"{{#if @first}}first{{/if}}\">{{this}} {{../title}}</li>{{else}}<li>none</li>{{/each}}</ul>",
    "<table>{{#each rows as |row i|}}<tr><td>{{i}}</td><td>{{row.label}}</td>{{#each row.tags}}<td>{{this}}</td>{{/each}}</tr>{{/each}}</table>",
    "<section>{{#with user}}<span>{{name}}</span>{{#if admin}}<em>admin of {{../title}}</em>{{/if}}{{else}}anon{{/with}}</section>",
    "<div>{{> user_card user}}{{> greet who=title punct=cls}}{{#each rows}}{{> row}}{{/each}}</div>",
    "<div>{{#unless show}}{{upper title}}{{else}}{{#twice}}[{{count}}]{{/twice}}{{/unless}}{{#if (gt count 1)}}big{{else if show}}shown{{/if}}</div>",
    "<form>{{text_input \"user\" \"name\" value=title}}{{checkbox \"user\" \"on\" value=show}}{{live_patch \"go\" to=cls}}{{csrf_meta}}</form>",
];

const KEYS: [&str; 8] = ["title", "cls", "count", "show", "items", "rows", "user", "csrf_token"];

fn initial() -> Value {
    json!({
        "title": "T", "cls": "c", "count": 1, "show": true, "items": ["a", "b"],
        "rows": [{"label": "r1", "tags": ["x"]}], "user": {"name": "n", "admin": true}, "csrf_token": "tok",
    })
}

fn new_value(key: &str) -> BoxedStrategy<Value> {
    let text = "[a-z<&\"]{0,5}";
    match key {
        "count" => (-3i64..4).prop_map(Value::from).boxed(),
        "show" => any::<bool>().prop_map(Value::from).boxed(),
        "items" => prop::collection::vec(text, 0..4).prop_map(|v| json!(v)).boxed(),
        "rows" => prop::collection::vec((text, prop::collection::vec(text, 0..3)), 0..4)
            .prop_map(|rows| {
                rows.into_iter()
                    .map(|(label, tags)| json!({"label": label, "tags": tags}))
                    .collect()
            })
            .boxed(),
        "user" => prop_oneof![
            Just(Value::Null),
            (text, any::<bool>()).prop_map(|(n, a)| json!({"name": n, "admin": a}))
        ]
        .boxed(),
        _ => text.prop_map(Value::from).boxed(),
    }
}

/// A step: a few keys get new values.
fn step() -> impl Strategy<Value = Vec<(&'static str, Value)>> {
    prop::collection::vec(
        prop::sample::select(KEYS.to_vec())
            .prop_flat_map(|k| new_value(k).prop_map(move |v| (k, v))),
        0..3,
    )
}

fn fresh_html(template: &CompiledTemplate, assigns: &Assigns) -> String {
    let mut full = assigns.clone();
    full.mark_all_changed();
    to_html(&template.render(&full).unwrap()).unwrap()
}

fn run(template: &CompiledTemplate, steps: &[Vec<(&'static str, Value)>]) {
    let mut assigns = Assigns::new();
    if let Value::Object(map) = initial() {
        for (k, v) in map {
            assigns.put(k, v);
        }
    }
    let mut tracker = DiffTracker::new();
    let first = template.render(&assigns).unwrap();
    let diff = tracker.diff_root(&first).unwrap().expect("first render is sent");
    let (mut client, _) =
        ClientRendered::join("lv", serde_json::from_str(diff.as_json()).unwrap()).unwrap();
    assert_eq!(client.to_html().unwrap().html, fresh_html(template, &assigns));
    assigns.clear_changed();
    for changes in steps {
        for (k, v) in changes {
            assigns.put(*k, v.clone());
        }
        let rendered = template.render(&assigns).unwrap();
        if let Some(diff) = tracker.diff_root(&rendered).unwrap() {
            client.merge(serde_json::from_str(diff.as_json()).unwrap()).unwrap();
        }
        assert_eq!(
            client.to_html().unwrap().html,
            fresh_html(template, &assigns),
            "after {changes:?}"
        );
        assigns.clear_changed();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn render_diff_merge_equals_full_render(steps in prop::collection::vec(step(), 1..8)) {
        let registry = registry();
        for source in TEMPLATES {
            run(&registry.compile("t", source).unwrap(), &steps);
        }
    }
}
