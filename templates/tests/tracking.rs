use liveview_core::{Assigns, Dynamic, Rendered, Template};
use serde_json::json;

use crate::support::{assigns, registry};

fn text(d: &Option<Dynamic>) -> &str {
    match d {
        Some(Dynamic::Text(t)) => t,
        other => panic!("expected text, got {other:?}"),
    }
}

fn nested(d: &Option<Dynamic>) -> &Rendered {
    match d {
        Some(Dynamic::Nested(r)) => r,
        other => panic!("expected nested, got {other:?}"),
    }
}

fn after_first_render(data: serde_json::Value) -> Assigns {
    let mut a = assigns(&data);
    a.clear_changed();
    a
}

#[test]
fn unchanged_keys_are_none() {
    let t = registry()
        .compile("t", "<h1>{{title}}</h1><p>{{count}}</p>{{upper title}}{{csrf_meta}}")
        .unwrap();
    let mut a = after_first_render(json!({"title": "x", "count": 1, "csrf_token": "c"}));
    a.set("count", 2).unwrap();
    let r = t.render(&a).unwrap();
    assert_eq!(r.dynamics[0], None);
    assert_eq!(text(&r.dynamics[1]), "2");
    assert_eq!(r.dynamics[2], None, "a helper re-renders only when its arguments change");
    assert_eq!(r.dynamics[3], None);
    a.set("csrf_token", "d").unwrap();
    assert!(t.render(&a).unwrap().dynamics[3].is_some(), "csrf_meta reads csrf_token");
}

#[test]
fn nothing_changed_renders_nothing() {
    let t = registry()
        .compile(
            "t",
            "{{a}}{{#if b}}{{c}}{{/if}}{{#each d}}{{this}}{{/each}}{{#twice}}{{a}}{{/twice}}",
        )
        .unwrap();
    let a = after_first_render(json!({"a": 1, "b": true, "c": 2, "d": [1]}));
    assert!(t.render(&a).unwrap().dynamics.iter().all(Option::is_none));
}

#[test]
fn all_changed_renders_everything() {
    let t = registry()
        .compile("t", "{{a}}{{#if b}}{{c}}{{/if}}{{#with e}}{{f}}{{/with}}{{> greet who=a}}")
        .unwrap();
    let mut a = after_first_render(json!({"a": 1, "b": true, "c": 2, "e": {"f": 3}}));
    a.mark_all_changed();
    assert!(t.render(&a).unwrap().is_full());
}

#[test]
fn same_branch_sends_only_changed_slots() {
    let t = registry()
        .compile("t", "{{#if show}}<b>{{count}}</b><i>{{title}}</i>{{else}}off{{/if}}")
        .unwrap();
    let mut a = after_first_render(json!({"show": true, "count": 1, "title": "t"}));
    a.set("count", 5).unwrap();
    let r = t.render(&a).unwrap();
    let branch = nested(&r.dynamics[0]);
    assert_eq!(text(&branch.dynamics[0]), "5");
    assert_eq!(branch.dynamics[1], None);
}

#[test]
fn branch_switch_sends_the_whole_new_branch() {
    let t = registry()
        .compile("t", "{{#if show}}<b>{{count}}</b>{{else}}<i>{{title}}</i>{{/if}}")
        .unwrap();
    let mut a = after_first_render(json!({"show": true, "count": 1, "title": "t"}));
    let first = t.render(&assigns(&json!({"show": true, "count": 1, "title": "t"}))).unwrap();
    a.set("show", false).unwrap();
    let r = t.render(&a).unwrap();
    let branch = nested(&r.dynamics[0]);
    assert!(branch.is_full());
    assert_eq!(text(&branch.dynamics[0]), "t");
    assert_ne!(branch.fingerprint, nested(&first.dynamics[0]).fingerprint);
}

#[test]
fn with_and_partials_track_through_their_context() {
    let t = registry()
        .compile(
            "t",
            "{{#with user}}{{name}}|{{../title}}{{/with}}{{> user_card user}}{{> greet who=title}}",
        )
        .unwrap();
    let mut a = after_first_render(json!({"user": {"name": "n", "admin": false}, "title": "t"}));
    a.set("title", "u").unwrap();
    let r = t.render(&a).unwrap();
    let with = nested(&r.dynamics[0]);
    assert_eq!(with.dynamics[0], None, "name reads user, which did not change");
    assert_eq!(text(&with.dynamics[1]), "u");
    assert_eq!(r.dynamics[1], None, "the card reads only user");
    let greet = nested(&r.dynamics[2]);
    assert_eq!(text(&greet.dynamics[0]), "u");
}

#[test]
fn each_is_a_comprehension_with_shared_statics() {
    let t = registry()
        .compile("t", "<ul>{{#each items}}<li>{{this}}</li>{{/each}}</ul>{{title}}")
        .unwrap();
    let mut a = after_first_render(json!({"items": ["a", "b"], "title": "t"}));
    a.set("title", "u").unwrap();
    assert_eq!(t.render(&a).unwrap().dynamics[0], None);
    a.set("items", ["a", "b", "c"]).unwrap();
    match &t.render(&a).unwrap().dynamics[0] {
        Some(Dynamic::Comprehension(c)) => {
            assert_eq!(c.statics.parts(), &["<li>".into(), "</li>".into()]);
            assert_eq!(c.entries.len(), 3);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rows_reading_parent_assigns_rerender_when_those_change() {
    let t = registry().compile("t", "{{#each items}}{{this}}{{../suffix}}{{/each}}").unwrap();
    let mut a = after_first_render(json!({"items": ["a"], "suffix": "!"}));
    a.set("suffix", "?").unwrap();
    assert!(t.render(&a).unwrap().dynamics[0].is_some());
}

#[test]
fn unknown_block_helpers_depend_on_everything() {
    let t = registry().compile("t", "{{#twice}}{{a}}{{/twice}}").unwrap();
    let mut a = after_first_render(json!({"a": 1, "b": 2}));
    a.set("b", 3).unwrap();
    assert!(t.render(&a).unwrap().dynamics[0].is_some());
}

#[test]
fn layouts_always_carry_the_inner_render() {
    let reg = registry();
    let layout = reg
        .compile("layout", "<body>{{title}}{{#if show}}{{{inner_content}}}{{/if}}</body>")
        .unwrap();
    let a = after_first_render(json!({"title": "t", "show": true}));
    let r = layout.render_layout(&a, Rendered::from_static("<p>inner</p>")).unwrap();
    assert_eq!(r.dynamics[0], None);
    let branch = nested(&r.dynamics[1]);
    assert!(
        matches!(&branch.dynamics[0], Some(Dynamic::Nested(inner)) if inner.statics.parts()[0].as_ref() == "<p>inner</p>")
    );
}
