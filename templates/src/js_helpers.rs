//! `js_*` helpers: Phoenix's `JS` commands in templates, rendered as the escaped JSON a
//! binding attribute takes, e.g. `phx-click="{{js_push "inc" value_by=2}}"`.
//!
//! Positional arguments are the command's own (event, href, class names, attribute...);
//! hash arguments are Phoenix's options: `to=` (or `closest=` / `inner=`), `transition=`,
//! `time=`, `blocking=`, `display=`, `in=`/`out=` (toggle), `target=`, `loading=`,
//! `page_loading=`, `value=` (an object) and `value_<key>=` (push), `detail=`, `bubbles=`
//! (dispatch), `replace=` (navigate, patch). `js=` chains onto an earlier command (a `JS`
//! assign or another helper's output).

use handlebars::JsonRender;
use liveview_core::html::escape;
use liveview_core::js::{DispatchOpts, JS, JsOpts, PushOpts, PushTarget, To, Transition};
use serde_json::{Map, Value};

/// Helper names, each the `js_` prefix plus Phoenix's function name.
pub(crate) const JS_HELPERS: &[&str] = &[
    "js_push",
    "js_navigate",
    "js_patch",
    "js_show",
    "js_hide",
    "js_toggle",
    "js_add_class",
    "js_remove_class",
    "js_toggle_class",
    "js_set_attribute",
    "js_remove_attribute",
    "js_toggle_attribute",
    "js_transition",
    "js_dispatch",
    "js_exec",
    "js_focus",
    "js_focus_first",
    "js_push_focus",
    "js_pop_focus",
    "js_ignore_attributes",
];

/// Renders helper `name` as escaped attribute text.
pub(crate) fn call(
    name: &str,
    params: &[&Value],
    hash: &[(&str, &Value)],
) -> Result<String, String> {
    let get =
        |key: &str| hash.iter().find(|(k, _)| *k == key).map(|(_, v)| *v).filter(|v| !v.is_null());
    let text = |key: &str| get(key).map(JsonRender::render);
    let arg = |i: usize, what: &str| -> Result<String, String> {
        params
            .get(i)
            .filter(|v| !v.is_null())
            .map(|v| v.render())
            .ok_or_else(|| format!("{name} needs {what} as argument {}", i + 1))
    };
    let to = text("to")
        .map(To::Document)
        .or_else(|| text("closest").map(To::Closest))
        .or_else(|| text("inner").map(To::Inner));
    let transition = |key: &str| -> Result<Option<Transition>, String> {
        match get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(Transition::new(s))),
            Some(Value::Array(parts)) if parts.len() == 3 => {
                let p: Vec<String> = parts.iter().map(JsonRender::render).collect();
                Ok(Some(Transition::three(&p[0], &p[1], &p[2])))
            }
            Some(_) => Err(format!("{name}: {key}= must be a string or a list of three")),
        }
    };
    let opts = JsOpts {
        to: to.clone(),
        transition: transition("transition")?,
        time: get("time").and_then(Value::as_u64),
        blocking: get("blocking").and_then(Value::as_bool),
        display: text("display"),
    };
    let js = match get("js") {
        Some(v) => JS::from_value(v).map_err(|e| format!("{name}: js=: {e}"))?,
        None => JS::new(),
    };
    let replace = get("replace").is_some_and(|v| v.as_bool().unwrap_or(false));
    let js = match name {
        "js_push" => {
            let mut value = match get("value") {
                Some(Value::Object(m)) => m.clone(),
                Some(_) => return Err("js_push: value= must be an object".into()),
                None => Map::new(),
            };
            for (k, v) in hash {
                if let Some(key) = k.strip_prefix("value_") {
                    value.insert(key.to_owned(), (*v).clone());
                }
            }
            let target =
                get("target").map(|t| match t.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    Some(cid) => PushTarget::Cid(cid),
                    None => PushTarget::Selector(t.render()),
                });
            js.push(
                &arg(0, "the event name")?,
                PushOpts {
                    target,
                    loading: text("loading"),
                    page_loading: get("page_loading").and_then(Value::as_bool),
                    value: (!value.is_empty()).then_some(Value::Object(value)),
                },
            )
        }
        "js_navigate" => js.navigate(&arg(0, "the path")?, replace),
        "js_patch" => js.patch(&arg(0, "the path")?, replace),
        "js_show" => js.show(opts),
        "js_hide" => js.hide(opts),
        "js_toggle" => js.toggle(opts, transition("in")?, transition("out")?),
        "js_add_class" => js.add_class(&arg(0, "the class names")?, opts),
        "js_remove_class" => js.remove_class(&arg(0, "the class names")?, opts),
        "js_toggle_class" => js.toggle_class(&arg(0, "the class names")?, opts),
        "js_set_attribute" => {
            js.set_attribute(&arg(0, "the attribute")?, &arg(1, "the value")?, to)
        }
        "js_remove_attribute" => js.remove_attribute(&arg(0, "the attribute")?, to),
        "js_toggle_attribute" => {
            let other = params.get(2).filter(|v| !v.is_null()).map(|v| v.render());
            js.toggle_attribute(
                &arg(0, "the attribute")?,
                &arg(1, "the value")?,
                other.as_deref(),
                to,
            )
        }
        "js_transition" => {
            let t = match params.first() {
                Some(Value::Array(p)) if p.len() == 3 => {
                    Transition::three(&p[0].render(), &p[1].render(), &p[2].render())
                }
                _ => Transition::new(&arg(0, "the transition classes")?),
            };
            js.transition(t, opts)
        }
        "js_dispatch" => js
            .dispatch(
                &arg(0, "the event name")?,
                DispatchOpts {
                    to,
                    detail: get("detail").cloned(),
                    bubbles: get("bubbles").and_then(Value::as_bool),
                    blocking: get("blocking").and_then(Value::as_bool),
                },
            )
            .map_err(|e| format!("js_dispatch: {e}"))?,
        "js_exec" => js.exec(&arg(0, "the attribute")?, to),
        "js_focus" => js.focus(to),
        "js_focus_first" => js.focus_first(to),
        "js_push_focus" => js.push_focus(to),
        "js_pop_focus" => js.pop_focus(),
        "js_ignore_attributes" => {
            let attrs: Vec<String> = params.iter().map(|v| v.render()).collect();
            js.ignore_attributes(&attrs.iter().map(String::as_str).collect::<Vec<_>>(), to)
        }
        other => return Err(format!("unknown JS helper {other}")),
    };
    Ok(escape(&js.to_json()))
}
