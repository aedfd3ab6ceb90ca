use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::{assert_splice, registry};

const CORPUS: &[&str] = &[
    "plain text only",
    "<h1 class=\"{{cls}}\">{{title}}</h1>",
    "<p>{{{html}}} {{html}} {{{raw}}}</p>",
    "{{user.name}} / {{user.missing}} / {{missing.deep.path}}",
    "{{#if show}}<b>{{count}}</b>{{else}}<i>hidden</i>{{/if}}",
    "{{#unless show}}off{{else}}on {{title}}{{/unless}}",
    "{{#if a}}A{{else if show}}S{{else}}N{{/if}}",
    "{{#if count includeZero=true}}has {{count}}{{/if}}",
    "{{#with user}}<span>{{name}} {{../title}} {{@root.cls}}</span>{{else}}nobody{{/with}}",
    "{{#with user as |u|}}{{u.name}}-{{name}}{{/with}}",
    "<ul>{{#each items}}<li id=\"{{@index}}\" class=\"{{#if @first}}first{{/if}}{{#if @last}}last{{/if}}\">{{this}}</li>{{/each}}</ul>",
    "<table>{{#each rows as |row i|}}<tr><td>{{i}}</td><td>{{row.label}}</td><td>{{../title}}</td><td>{{@index}}</td></tr>{{else}}<tr>empty</tr>{{/each}}</table>",
    "{{#each user}}{{@key}}={{this}};{{/each}}",
    "{{#each rows}}{{#each tags}}[{{../label}}:{{this}}:{{@../index}}]{{/each}}{{/each}}",
    "{{#each rows}}{{#with this}}{{label}}@{{@index}}{{/with}}{{/each}}",
    "{{eq count 3}} {{ne title cls}} {{gt count 2}} {{lte count 2}} {{and show count}} {{or a show}} {{not show}}",
    "{{len items}} {{lookup items 1}} {{lookup user \"name\"}} {{#if (eq (len items) 0)}}none{{/if}}",
    "{{#eq count 3}}three{{else}}not three{{/eq}} {{#gt count 1}}big{{/gt}}",
    "{{upper title}} {{{upper html}}} {{plus count 1}} {{bold title}}",
    "{{#if (gt (plus count 1) 3)}}big{{/if}} {{#twice}}<i>{{title}}</i>{{/twice}}",
    "{{> user_card user}} {{> greet who=title punct=\"!\"}}",
    "{{#each rows}}{{> row}}{{/each}}",
    "{{> nested user title=\"T\"}}",
    "{{#each items}}{{> greet who=this}}{{/each}}",
    "{{#*inline \"x\"}}<em>{{title}}</em>{{/inline}}{{> x}}{{> x}}",
    "{{!-- comment --}}{{! short }}a\n  {{#if show}}\n  line\n  {{/if}}\nb",
    "  {{#each items}}\n    <li>{{this}}</li>\n  {{/each}}\n",
    "{{this.title}} {{./cls}} {{@root.title}} {{#with user}}{{@root.count}}{{/with}}",
    "{{#each items}}{{lookup ../items @index}}{{/each}}",
    "{{#if user.admin}}{{> user_card user}}{{/if}}",
    "{{#each rows}}{{#twice}}{{label}}{{@index}}{{../title}}{{/twice}}{{upper label}}{{/each}}",
    "{{#each items}}{{> greet who=this punct=@index}}{{/each}}",
    "{{live_patch title to=cls replace=show class=\"b\"}}{{text_input \"user\" \"name\" value=user.name}}{{csrf_meta}}{{label}}",
    "{{#each items as |it|}}{{#with ../user}}{{name}}{{it}}{{@index}}{{/with}}{{/each}}",
    "a  {{~title~}}  b {{#if show~}}  x  {{~/if}} c\n  {{~#each items}} {{this~}} {{/each~}}\n",
    "{{#each user as |v k|}}{{k}}:{{v}}@{{@key}}/{{@last}} {{/each}}",
    "{{title}}\\{{escaped}} {{{{raw}}}}{{not parsed}}{{{{/raw}}}}",
];

fn sample() -> Value {
    json!({
        "cls": "x\"y",
        "title": "T<&>'",
        "html": "<em>hi</em>",
        "show": true,
        "a": false,
        "count": 3,
        "user": {"name": "bob & al", "admin": true},
        "items": ["a", "<b>", "c"],
        "rows": [{"label": "r1", "tags": ["x", "y"]}, {"label": "r2", "tags": []}],
    })
}

#[test]
fn corpus_matches_handlebars() {
    let registry = registry();
    assert!(CORPUS.len() >= 20);
    for source in CORPUS {
        assert_splice(&registry, source, &sample());
    }
}

#[test]
fn corpus_matches_handlebars_on_edge_data() {
    let registry = registry();
    let edge = [
        json!({}),
        json!({"show": false, "count": 0, "items": [], "rows": [], "user": null, "title": null}),
        json!({"count": 0.5, "items": {"k": 1, "j": [1, 2]}, "user": "str", "rows": [{"label": null, "tags": {"a": 1}}]}),
        json!({"count": "3", "show": [], "user": {}, "items": [[1], {"a": 2}, null, true, 1.5]}),
    ];
    for data in &edge {
        for source in CORPUS {
            assert_splice(&registry, source, data);
        }
    }
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-5i64..5).prop_map(Value::from),
        "[a-z<>&\"' ]{0,6}".prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,5}|label|name|tags|admin", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn data() -> impl Strategy<Value = Value> {
    let keys = ["cls", "title", "html", "show", "a", "count", "user", "items", "rows"];
    prop::collection::vec(value(), keys.len()).prop_map(move |values| {
        Value::Object(keys.iter().map(|k| (*k).to_owned()).zip(values).collect())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn random_data_matches_handlebars(data in data()) {
        let registry = registry();
        for source in CORPUS {
            assert_splice(&registry, source, &data);
        }
    }
}
