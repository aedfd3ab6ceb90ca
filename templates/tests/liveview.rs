use liveview_core::{Dynamic, Rendered, Template};
use liveview_templates::{TemplateErrorKind, TemplateRegistry, set_dev_reload, to_html};
use serde_json::json;

use crate::support::{assigns, registry};

#[test]
fn live_component_and_live_render_are_calls() {
    let t = registry()
        .compile(
            "t",
            "{{#each items}}{{live_component \"Row\" id=this.id label=this.label}}{{/each}}\
             {{live_render \"Child\" id=\"c\" session_user_id=user_id container=\"section\"}}",
        )
        .unwrap();
    let r = t.render(&assigns(&json!({"items": [{"id": 1, "label": "a"}], "user_id": 7}))).unwrap();
    match &r.dynamics[0] {
        Some(Dynamic::Comprehension(c)) => match &c.entries[0][0] {
            Dynamic::ComponentCall(call) => {
                assert_eq!((call.component.as_str(), call.id.as_str()), ("Row", "1"));
                assert_eq!(call.assigns.get("label"), Some(&json!("a")));
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    match &r.dynamics[1] {
        Some(Dynamic::ChildCall(call)) => {
            assert_eq!((call.view.as_str(), call.id.as_str()), ("Child", "c"));
            assert_eq!(call.session.get("user_id"), Some(&json!(7)));
            assert_eq!(call.container.as_deref(), Some("section"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn html_helpers_in_templates() {
    let reg = registry();
    let source = "{{live_patch \"Next\" to=next replace=true class=\"btn\"}}{{live_title page_title prefix=\"App · \"}}\
                  {{text_input \"user\" \"name\" value=user.name}}{{label \"user\" \"name\"}}{{label}}\
                  <button phx-click=\"inc\" phx-target=\"{{myself}}\">+</button>";
    let data = json!({"next": "/p?a=1&b=2", "page_title": "Home", "user": {"name": "A\"B"}, "label": "L", "myself": 3});
    let html =
        to_html(&reg.compile("t", source).unwrap().render(&assigns(&data)).unwrap()).unwrap();
    assert_eq!(
        html,
        "<a href=\"/p?a=1&amp;b=2\" data-phx-link=\"patch\" data-phx-link-state=\"replace\" class=\"btn\">Next</a>\
         <title data-prefix=\"App · \">App · Home</title>\
         <input type=\"text\" id=\"user_name\" name=\"user[name]\" value=\"A&quot;B\"><label for=\"user_name\">Name</label>L\
         <button phx-click=\"inc\" phx-target=\"3\">+</button>"
    );
    assert_eq!(
        reg.render_reference("t", source, &data).unwrap(),
        html,
        "handlebars' helpers agree"
    );
}

#[test]
fn layouts_take_the_inner_render() {
    let reg = registry();
    let layout = reg
        .compile(
            "layout",
            "<html><head>{{csrf_meta}}</head><body>{{{inner_content}}}</body></html>",
        )
        .unwrap();
    assert!(layout.is_layout());
    let page = reg.compile("page", "<main>{{count}}</main>").unwrap();
    let a = assigns(&json!({"count": 1, "csrf_token": "tok"}));
    let inner = page.render(&a).unwrap();
    let r = layout.render_layout(&a, inner).unwrap();
    assert_eq!(
        to_html(&r).unwrap(),
        "<html><head><meta name=\"csrf-token\" content=\"tok\"></head><body><main>1</main></body></html>"
    );
    assert!(page.render_layout(&a, Rendered::from_static("x")).is_err());
}

#[test]
fn template_errors_have_file_line_and_column() {
    let reg = TemplateRegistry::new();
    let e =
        reg.compile("counter_live.html.hbs", "<div>\n  <p>\n    {{#if x}}\n</div>").unwrap_err();
    assert_eq!(e.to_string(), "counter_live.html.hbs:3:5: unclosed block {{#if}}");
    let e = reg.compile("a.hbs", "{{#each xs}}\n{{/if}}").unwrap_err();
    assert!(matches!(e.kind(), TemplateErrorKind::MismatchedBlock { .. }));
    assert_eq!((e.line(), e.column()), (2, 1));
    let e = reg.compile("b.hbs", "ok\n  {{nope x}}").unwrap_err();
    assert_eq!(
        e.to_string(),
        "b.hbs:2:3: unknown helper `nope`: register it with TemplateRegistry::register_helper"
    );
    let e = reg.compile("c.hbs", "{{#if}").unwrap_err();
    assert_eq!(e.file(), "c.hbs");
}

#[test]
fn render_errors_are_errors_not_panics() {
    let reg = registry();
    let a = assigns(&json!({"items": [1], "n": "x"}));
    for source in [
        "{{> missing_partial}}",
        "{{items.length}}",
        "{{plus n 1}}",
        "{{live_component \"X\"}}",
        "{{#twice}}{{live_component \"X\" id=1}}{{/twice}}",
    ] {
        let err = reg.compile("e.hbs", source).unwrap().render(&a).unwrap_err();
        assert!(err.message().starts_with("e.hbs:1:1: "), "{source}: {err}");
    }
}

#[test]
fn inline_and_colocated_templates() {
    let inline = liveview_templates::template!(inline: "<p>{{count}}</p>");
    inline.prepare().unwrap();
    let html = to_html(&inline.render(&assigns(&json!({"count": 4}))).unwrap()).unwrap();
    assert_eq!(html, "<p>4</p>");
    let colocated = liveview_templates::template!("counter_live.html.hbs");
    colocated.prepare().unwrap();
    let html = to_html(&colocated.render(&assigns(&json!({"count": 2}))).unwrap()).unwrap();
    assert_eq!(html.trim(), "<div><h1>2</h1><button phx-click=\"inc\">+</button></div>");
    let broken = liveview_templates::inline_template!("{{#if a}}");
    assert!(broken.prepare().unwrap_err().message().contains("unclosed block {{#if}}"));
}

#[test]
fn dev_reload_rereads_a_changed_file() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reload_live.html.hbs");
    std::fs::write(&path, "<p>v1 {{x}}</p>").unwrap();
    set_dev_reload(true);
    let t = liveview_templates::template!("reload_live.html.hbs");
    let render = || to_html(&t.render(&assigns(&json!({"x": 1}))).unwrap()).unwrap();
    assert_eq!(render(), "<p>v1 1</p>");
    let before = t.render(&assigns(&json!({"x": 1}))).unwrap().fingerprint;
    // File systems with coarse timestamps: make sure the modification time moves.
    let file = std::fs::OpenOptions::new().write(true).truncate(true).open(&path).unwrap();
    std::io::Write::write_all(&mut &file, b"<p>v2 {{x}}</p>").unwrap();
    file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5)).unwrap();
    drop(file);
    assert_eq!(render(), "<p>v2 1</p>");
    let after = t.render(&assigns(&json!({"x": 1}))).unwrap().fingerprint;
    assert_ne!(
        before, after,
        "a reloaded template gets new fingerprints, so stale `None`s cannot be trusted"
    );
    set_dev_reload(false);
    std::fs::write(&path, "<p>v1 {{x}}</p>").unwrap();
}
