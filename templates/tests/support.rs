//! Shared setup: a registry with user helpers and partials, and the splice check.

use liveview_core::{Assigns, Template};
use liveview_templates::handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, JsonRender, Output, RenderContext,
    Renderable, handlebars_helper,
};
use liveview_templates::{TemplateRegistry, to_html};
use serde_json::Value;

handlebars_helper!(upper: |s: str| s.to_uppercase());
handlebars_helper!(plus: |a: i64, b: i64| a + b);

/// A block helper the compiler cannot split: renders its body twice.
struct Twice;

impl HelperDef for Twice {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        if let Some(t) = h.template() {
            t.render(r, ctx, rc, out)?;
            t.render(r, ctx, rc, out)?;
        }
        Ok(())
    }
}

/// A helper writing markup straight to the output (not escaped).
fn bold(
    h: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let text = h.param(0).map(|p| p.value().render()).unwrap_or_default();
    out.write(&format!("<b>{text}</b>"))?;
    Ok(())
}

pub fn registry() -> TemplateRegistry {
    let mut r = TemplateRegistry::new();
    r.register_helper("upper", upper);
    r.register_helper("plus", plus);
    r.register_helper("twice", Twice);
    r.register_helper("bold", bold);
    r.register_partial(
        "user_card",
        "<div class=\"card\">{{name}} ({{#if admin}}admin{{else}}user{{/if}})</div>",
    )
    .unwrap();
    r.register_partial("row", "<td>{{@index}}</td><td>{{label}}</td><td>{{../title}}</td>")
        .unwrap();
    r.register_partial("nested", "<section>{{> user_card}}{{title}}</section>").unwrap();
    r.register_partial("greet", "Hello {{who}}{{#if punct}}{{punct}}{{/if}}").unwrap();
    r
}

pub fn assigns(data: &Value) -> Assigns {
    let mut a = Assigns::new();
    if let Value::Object(map) = data {
        for (k, v) in map {
            a.put(k.clone(), v.clone());
        }
    }
    a
}

/// The compiled full render, spliced, equals handlebars' own render (both succeed or both
/// fail).
pub fn assert_splice(registry: &TemplateRegistry, source: &str, data: &Value) {
    let reference = registry.render_reference("t", source, data);
    let template = registry.compile("t", source).unwrap_or_else(|e| panic!("{source}: {e}"));
    let rendered = template.render(&assigns(data));
    match (reference, rendered) {
        (Ok(expected), Ok(r)) => {
            assert!(r.is_full(), "{source}: a full render has every slot");
            assert_eq!(
                to_html(&r).as_deref(),
                Some(expected.as_str()),
                "template {source:?} data {data}"
            );
        }
        (Err(_), Err(_)) => {}
        (expected, got) => {
            panic!("template {source:?} data {data}: handlebars {expected:?} vs compiled {got:?}")
        }
    }
}
