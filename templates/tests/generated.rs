//! Random templates built from every construct, checked against handlebars (splice) and
//! through the real diff engine and client merge (round trip).

use liveview_core::diff::DiffTracker;
use liveview_core::merge::ClientRendered;
use liveview_core::{Assigns, Template};
use liveview_templates::to_html;
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::{assert_splice, assigns, registry};

const PATHS: &[&str] = &[
    "title",
    "count",
    "show",
    "user.name",
    "user",
    "items",
    "rows",
    "this",
    "../title",
    "@index",
    "@first",
    "@key",
    "@root.count",
    "items.0",
    "missing",
    "it",
    "i",
    "label",
];

fn path() -> impl Strategy<Value = String> {
    prop::sample::select(PATHS).prop_map(str::to_owned)
}

fn template() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        "[a-z <>/=\"]{0,6}",
        path().prop_map(|p| format!("{{{{{p}}}}}")),
        path().prop_map(|p| format!("{{{{{{{p}}}}}}}")),
        (path(), path()).prop_map(|(a, b)| format!("{{{{eq {a} {b}}}}}")),
        path().prop_map(|p| format!("{{{{len {p}}}}}")),
        path().prop_map(|p| format!("{{{{> greet who={p}}}}}")),
        path().prop_map(|p| format!("{{{{live_patch \"x\" to={p}}}}}")),
    ];
    leaf.prop_recursive(4, 32, 3, |inner| {
        let body = prop::collection::vec(inner, 1..3).prop_map(|v| v.concat());
        prop_oneof![
            (path(), body.clone(), body.clone())
                .prop_map(|(p, a, b)| format!("{{{{#if {p}}}}}{a}{{{{else}}}}{b}{{{{/if}}}}")),
            (path(), body.clone())
                .prop_map(|(p, a)| format!("{{{{#unless {p}}}}}{a}{{{{/unless}}}}")),
            (path(), body.clone()).prop_map(|(p, a)| format!("{{{{#with {p}}}}}{a}{{{{/with}}}}")),
            (path(), body.clone(), body.clone())
                .prop_map(|(p, a, b)| format!("{{{{#each {p}}}}}{a}{{{{else}}}}{b}{{{{/each}}}}")),
            (path(), body.clone())
                .prop_map(|(p, a)| format!("{{{{#each {p} as |it i|}}}}{a}{{{{/each}}}}")),
            body.clone().prop_map(|a| format!("{{{{#twice}}}}{a}{{{{/twice}}}}")),
            (path(), path(), body)
                .prop_map(|(p, q, a)| format!("{{{{#if (and {p} (not {q}))}}}}{a}{{{{/if}}}}")),
        ]
    })
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (0i64..3).prop_map(Value::from),
        "[a-c<&]{0,3}".prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map("name|label|title|x", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn data() -> impl Strategy<Value = Value> {
    let keys = ["title", "count", "show", "user", "items", "rows", "label"];
    prop::collection::vec(value(), keys.len())
        .prop_map(move |v| Value::Object(keys.iter().map(|k| (*k).to_owned()).zip(v).collect()))
}

fn full_html(template: &liveview_templates::CompiledTemplate, a: &Assigns) -> Option<String> {
    let mut full = a.clone();
    full.mark_all_changed();
    to_html(&template.render(&full).ok()?)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn generated_templates_match_handlebars(source in template(), data in data()) {
        assert_splice(&registry(), &source, &data);
    }

    #[test]
    fn generated_templates_round_trip(source in template(), first in data(), second in data(), mask in prop::collection::vec(any::<bool>(), 7)) {
        let template = registry().compile("t", &source).unwrap();
        let mut a = assigns(&first);
        let Ok(rendered) = template.render(&a) else { return Ok(()) };
        let mut tracker = DiffTracker::new();
        let diff = tracker.diff_root(&rendered).unwrap().unwrap();
        let (mut client, _) = ClientRendered::join("lv", serde_json::from_str(diff.as_json()).unwrap()).unwrap();
        a.clear_changed();
        // Change only some keys: the others must be reported unchanged and still be right.
        if let Value::Object(map) = &second {
            for ((k, v), change) in map.iter().zip(&mask) {
                if *change {
                    a.put(k.clone(), v.clone());
                }
            }
        }
        let Ok(rendered) = template.render(&a) else { return Ok(()) };
        if let Some(diff) = tracker.diff_root(&rendered).unwrap() {
            client.merge(serde_json::from_str(diff.as_json()).unwrap()).unwrap();
        }
        let expected = full_html(&template, &a);
        prop_assert_eq!(Some(client.to_html().unwrap().html), expected, "{} / {} -> {}", source, first, json!(second));
    }
}
