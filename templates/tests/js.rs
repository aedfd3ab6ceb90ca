//! `js_*` helpers render Phoenix's JS command encoding, escaped for attributes.

use liveview_core::js::{JS, JsOpts, PushOpts};
use liveview_core::{Assigns, Template, html};
use liveview_templates::{TemplateRegistry, to_html};
use serde_json::json;

fn render(source: &str, data: serde_json::Value) -> String {
    let t = TemplateRegistry::new().compile("js", source).unwrap();
    let mut a = Assigns::new();
    for (k, v) in data.as_object().unwrap() {
        a.put(k.clone(), v.clone());
    }
    to_html(&t.render(&a).unwrap()).unwrap()
}

#[test]
fn push_with_values_and_target() {
    let html = render(
        r##"<button phx-click="{{js_push "inc" value_by=n target=myself loading="#c"}}">+</button>"##,
        json!({"n": 2, "myself": 3}),
    );
    let expected = JS::new().push(
        "inc",
        PushOpts {
            target: Some(liveview_core::js::PushTarget::Cid(3)),
            loading: Some("#c".into()),
            value: Some(json!({"by": 2})),
            ..PushOpts::default()
        },
    );
    assert_eq!(html, format!(r#"<button phx-click="{}">+</button>"#, expected.to_attr()));
    assert!(html.contains("[[&quot;push&quot;,{&quot;event&quot;:&quot;inc&quot;"), "{html}");
}

#[test]
fn chained_commands_and_js_assigns() {
    let open = JS::new().show(JsOpts::to("#modal"));
    let html = render(
        r##"<a phx-click="{{js_hide to="#modal" transition="fade-out" js=open}}">x</a><b phx-click="{{open}}"></b>"##,
        json!({"open": open}),
    );
    let chained = open.clone().hide(JsOpts {
        transition: Some(liveview_core::js::Transition::new("fade-out")),
        ..JsOpts::to("#modal")
    });
    assert_eq!(
        html,
        format!(
            r#"<a phx-click="{}">x</a><b phx-click="{}"></b>"#,
            chained.to_attr(),
            open.to_attr()
        )
    );
    // What the browser hands the client after unescaping the attribute.
    let attr = html.split('"').nth(1).unwrap();
    assert_eq!(attr, html::escape(&chained.to_json()));
}

#[test]
fn other_commands_and_errors() {
    let html = render(
        r#"{{js_toggle_attribute "aria-expanded" "true" "false" closest=".menu"}}|{{js_navigate "/x" replace=true}}|{{js_pop_focus}}"#,
        json!({}),
    );
    assert_eq!(
        html,
        html::escape(
            r#"[["toggle_attr",{"attr":["aria-expanded","true","false"],"to":{"closest":".menu"}}]]|[["navigate",{"href":"/x","replace":true}]]|[["pop_focus",{}]]"#
        )
    );
    let t = TemplateRegistry::new().compile("e", r#"{{js_dispatch "click" detail=d}}"#).unwrap();
    let mut a = Assigns::new();
    a.put("d", json!({"x": 1}));
    assert!(t.render(&a).is_err(), "click events cannot carry details");
}
