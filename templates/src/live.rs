//! LiveView helpers: `live_component`, `live_render`, links, `live_title`, `csrf_meta` and
//! Phoenix-style form helpers.
//!
//! The compiled render calls [`call`] directly; the same function backs the handlebars
//! helpers registered for text fallbacks, so both renders agree.

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, JsonRender, JsonTruthy, Output,
    RenderContext, RenderErrorReason, Renderable,
};
use liveview_core::html::escape_into;
use liveview_core::{ChildCall, ComponentCall};
use serde_json::{Map, Value};

/// Prefix of `live_render` hash arguments that go into the child's session.
pub(crate) const SESSION_PREFIX: &str = "session_";

/// The helpers this crate adds to handlebars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LiveHelper {
    LiveComponent,
    LiveRender,
    LivePatch,
    LiveRedirect,
    LiveTitle,
    CsrfMeta,
    Input(&'static str),
    Textarea,
    Checkbox,
    Select,
    Submit,
    Label,
    ErrorTag,
    /// `live_file_input`: the file input of an upload (`uploads.<name>`).
    LiveFileInput,
    /// A `js_*` command helper (see `js_helpers`).
    Js(&'static str),
}

/// Every helper name with its meaning.
pub(crate) const HELPERS: &[(&str, LiveHelper)] = &[
    ("live_component", LiveHelper::LiveComponent),
    ("live_render", LiveHelper::LiveRender),
    ("live_patch", LiveHelper::LivePatch),
    ("live_redirect", LiveHelper::LiveRedirect),
    ("live_title", LiveHelper::LiveTitle),
    ("csrf_meta", LiveHelper::CsrfMeta),
    ("text_input", LiveHelper::Input("text")),
    ("email_input", LiveHelper::Input("email")),
    ("password_input", LiveHelper::Input("password")),
    ("hidden_input", LiveHelper::Input("hidden")),
    ("number_input", LiveHelper::Input("number")),
    ("search_input", LiveHelper::Input("search")),
    ("url_input", LiveHelper::Input("url")),
    ("telephone_input", LiveHelper::Input("tel")),
    ("date_input", LiveHelper::Input("date")),
    ("textarea", LiveHelper::Textarea),
    ("checkbox", LiveHelper::Checkbox),
    ("select", LiveHelper::Select),
    ("submit", LiveHelper::Submit),
    ("label", LiveHelper::Label),
    ("error_tag", LiveHelper::ErrorTag),
    ("live_file_input", LiveHelper::LiveFileInput),
];

impl LiveHelper {
    pub(crate) fn from_name(name: &str) -> Option<LiveHelper> {
        HELPERS.iter().find(|(n, _)| *n == name).map(|(_, h)| *h).or_else(|| {
            crate::js_helpers::JS_HELPERS.iter().find(|n| **n == name).map(|n| LiveHelper::Js(n))
        })
    }

    /// Form helpers called without arguments print the value of the same name instead, so a
    /// plain `{{label}}` still reads an assign called `label`.
    pub(crate) fn reads_value_when_bare(self) -> bool {
        !matches!(self, LiveHelper::CsrfMeta | LiveHelper::Js(_))
    }
}

/// What a helper call produces.
#[derive(Debug)]
pub(crate) enum LiveOutput {
    Html(String),
    Component(ComponentCall),
    Child(ChildCall),
}

/// Renders one helper call. `hash` is sorted by key; `root` is the view's assigns.
pub(crate) fn call(
    helper: LiveHelper,
    params: &[&Value],
    hash: &[(&str, &Value)],
    root: &Value,
) -> Result<LiveOutput, String> {
    let get = |key: &str| hash.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let param_str = |i: usize, what: &str| -> Result<String, String> {
        match params.get(i) {
            Some(v) if !v.is_null() => Ok(v.render()),
            _ => Err(format!("{} needs {what} as argument {}", name_of(helper), i + 1)),
        }
    };
    let mut out = String::new();
    match helper {
        LiveHelper::Js(name) => {
            return crate::js_helpers::call(name, params, hash).map(LiveOutput::Html);
        }
        LiveHelper::LiveComponent => {
            let component = param_str(0, "the component name")?;
            let id = get("id").filter(|v| !v.is_null()).ok_or("live_component needs id=...")?;
            let assigns: Map<String, Value> =
                hash.iter().map(|(k, v)| ((*k).to_owned(), (*v).clone())).collect();
            return Ok(LiveOutput::Component(ComponentCall {
                component,
                id: id.render(),
                assigns,
            }));
        }
        LiveHelper::LiveRender => {
            let view = param_str(0, "the view name")?;
            let id = get("id").filter(|v| !v.is_null()).ok_or("live_render needs id=...")?;
            let mut session = Map::new();
            match get("session") {
                Some(Value::Object(map)) => session.extend(map.clone()),
                Some(Value::Null) | None => {}
                Some(_) => return Err("live_render: session= must be an object".into()),
            }
            for (k, v) in hash {
                if let Some(key) = k.strip_prefix(SESSION_PREFIX) {
                    session.insert(key.to_owned(), (*v).clone());
                }
            }
            let container = get("container").filter(|v| !v.is_null()).map(JsonRender::render);
            return Ok(LiveOutput::Child(ChildCall { view, id: id.render(), session, container }));
        }
        LiveHelper::LivePatch | LiveHelper::LiveRedirect => {
            let text = param_str(0, "the link text")?;
            let to = get("to")
                .filter(|v| !v.is_null())
                .ok_or_else(|| format!("{} needs to=...", name_of(helper)))?;
            let kind = if helper == LiveHelper::LivePatch { "patch" } else { "redirect" };
            let state =
                if get("replace").is_some_and(|v| v.is_truthy(false)) { "replace" } else { "push" };
            out.push_str("<a");
            attr(&mut out, "href", to);
            attr(&mut out, "data-phx-link", &Value::from(kind));
            attr(&mut out, "data-phx-link-state", &Value::from(state));
            extra_attrs(&mut out, hash, &["to", "replace"]);
            out.push('>');
            escape_into(&text, &mut out);
            out.push_str("</a>");
        }
        LiveHelper::LiveTitle => {
            let title = params.first().map_or(String::new(), |v| v.render());
            let prefix = get("prefix").map_or(String::new(), JsonRender::render);
            let suffix = get("suffix").map_or(String::new(), JsonRender::render);
            out.push_str("<title");
            for key in ["prefix", "suffix", "default"] {
                if let Some(v) = get(key) {
                    attr(&mut out, &format!("data-{key}"), v);
                }
            }
            out.push('>');
            let shown = if title.trim().is_empty() {
                get("default").map_or(title, JsonRender::render)
            } else {
                title
            };
            escape_into(&format!("{prefix}{shown}{suffix}"), &mut out);
            out.push_str("</title>");
        }
        LiveHelper::CsrfMeta => {
            let token = root.get("csrf_token").map_or(String::new(), JsonRender::render);
            out.push_str("<meta name=\"csrf-token\" content=\"");
            escape_into(&token, &mut out);
            out.push_str("\">");
        }
        LiveHelper::Input(kind) => {
            let (id, name) = field_names(params, hash)?;
            out.push_str("<input");
            attr(&mut out, "type", &Value::from(kind));
            attr(&mut out, "id", &Value::from(id));
            attr(&mut out, "name", &Value::from(name));
            if let Some(v) = get("value") {
                attr(&mut out, "value", &Value::from(v.render()));
            }
            extra_attrs(&mut out, hash, &["value", "id", "name"]);
            out.push('>');
        }
        LiveHelper::Textarea => {
            let (id, name) = field_names(params, hash)?;
            out.push_str("<textarea");
            attr(&mut out, "id", &Value::from(id));
            attr(&mut out, "name", &Value::from(name));
            extra_attrs(&mut out, hash, &["value", "id", "name"]);
            // Phoenix.HTML puts a newline first: browsers drop one leading newline.
            out.push_str(">\n");
            escape_into(&get("value").map_or(String::new(), JsonRender::render), &mut out);
            out.push_str("</textarea>");
        }
        LiveHelper::Checkbox => {
            let (id, name) = field_names(params, hash)?;
            let checked_value = get("checked_value").map_or("true".to_owned(), JsonRender::render);
            let unchecked_value =
                get("unchecked_value").map_or("false".to_owned(), JsonRender::render);
            let checked = match get("value") {
                Some(Value::Bool(b)) => *b,
                Some(v) => v.render() == checked_value,
                None => false,
            };
            if get("hidden_input").is_none_or(|v| v.is_truthy(false)) {
                out.push_str("<input");
                attr(&mut out, "type", &Value::from("hidden"));
                attr(&mut out, "name", &Value::from(name.clone()));
                attr(&mut out, "value", &Value::from(unchecked_value));
                out.push('>');
            }
            out.push_str("<input");
            attr(&mut out, "type", &Value::from("checkbox"));
            attr(&mut out, "id", &Value::from(id));
            attr(&mut out, "name", &Value::from(name));
            attr(&mut out, "value", &Value::from(checked_value));
            attr(&mut out, "checked", &Value::from(checked));
            extra_attrs(
                &mut out,
                hash,
                &["value", "id", "name", "checked_value", "unchecked_value", "hidden_input"],
            );
            out.push('>');
        }
        LiveHelper::Select => {
            let (id, name) = field_names(params, hash)?;
            let selected = get("value").map(JsonRender::render);
            out.push_str("<select");
            attr(&mut out, "id", &Value::from(id));
            attr(&mut out, "name", &Value::from(name));
            extra_attrs(&mut out, hash, &["value", "id", "name", "options", "prompt"]);
            out.push('>');
            if let Some(prompt) = get("prompt") {
                out.push_str("<option value=\"\">");
                escape_into(&prompt.render(), &mut out);
                out.push_str("</option>");
            }
            for (label, value) in options(get("options"))? {
                out.push_str("<option");
                attr(&mut out, "value", &Value::from(value.clone()));
                attr(
                    &mut out,
                    "selected",
                    &Value::from(selected.as_deref() == Some(value.as_str())),
                );
                out.push('>');
                escape_into(&label, &mut out);
                out.push_str("</option>");
            }
            out.push_str("</select>");
        }
        LiveHelper::Submit => {
            let text = params.first().map_or("Submit".to_owned(), |v| v.render());
            out.push_str("<button");
            attr(&mut out, "type", &Value::from("submit"));
            extra_attrs(&mut out, hash, &[]);
            out.push('>');
            escape_into(&text, &mut out);
            out.push_str("</button>");
        }
        LiveHelper::Label => {
            let (id, _) = field_names(params, hash)?;
            let text = match params.get(2) {
                Some(v) => v.render(),
                None => humanize(&params.get(1).map_or(String::new(), |v| v.render())),
            };
            out.push_str("<label");
            attr(&mut out, "for", &Value::from(id));
            extra_attrs(&mut out, hash, &["id", "name"]);
            out.push('>');
            escape_into(&text, &mut out);
            out.push_str("</label>");
        }
        LiveHelper::LiveFileInput => live_file_input(&mut out, params, hash)?,
        LiveHelper::ErrorTag => {
            let (_, name) = field_names(params, hash)?;
            let field = params.get(1).map_or(String::new(), |v| v.render());
            let messages = match get("errors").and_then(|e| e.get(&field)) {
                Some(Value::Array(list)) => list.iter().map(JsonRender::render).collect(),
                Some(Value::Null) | None => Vec::new(),
                Some(other) => vec![other.render()],
            };
            for message in messages {
                out.push_str("<span class=\"invalid-feedback\"");
                attr(&mut out, "phx-feedback-for", &Value::from(name.clone()));
                out.push('>');
                escape_into(&message, &mut out);
                out.push_str("</span>");
            }
        }
    }
    Ok(LiveOutput::Html(out))
}

/// Phoenix's `live_file_input/1`: the attributes the client's `LiveFileUpload` hook reads,
/// in Phoenix's order; other hash arguments become attributes.
fn live_file_input(
    out: &mut String,
    params: &[&Value],
    hash: &[(&str, &Value)],
) -> Result<(), String> {
    let upload = match params.first() {
        Some(Value::Object(upload)) => upload,
        _ => {
            return Err(
                "live_file_input needs an upload: {{live_file_input uploads.avatar}}".into()
            );
        }
    };
    let field = |key: &str| upload.get(key).unwrap_or(&Value::Null);
    let entries = field("entries").as_array().map_or(&[][..], Vec::as_slice);
    let refs = |pick: &dyn Fn(&Value) -> bool| -> Value {
        let refs: Vec<String> =
            entries.iter().filter(|e| pick(e)).map(|e| e["ref"].render()).collect();
        Value::from(refs.join(","))
    };
    let is = |key: &'static str| move |e: &Value| e[key] == Value::Bool(true);
    let accept = match hash.iter().find(|(k, _)| *k == "accept") {
        Some((_, v)) => (*v).clone(),
        None => match field("accept") {
            Value::String(s) if !s.is_empty() => Value::from(s.clone()),
            _ => Value::Null,
        },
    };
    let errors = field("errors").as_array().map_or(&[][..], Vec::as_slice);
    let mut error_refs: Vec<String> = Vec::new();
    for error in errors {
        let r = error[0].render();
        if !error_refs.contains(&r) {
            error_refs.push(r);
        }
    }
    out.push_str("<input");
    attr(out, "id", field("ref"));
    attr(out, "type", &Value::from("file"));
    attr(out, "name", field("name"));
    attr(out, "accept", &accept);
    attr(out, "data-phx-hook", &Value::from("Phoenix.LiveFileUpload"));
    attr(out, "data-phx-upload-ref", field("ref"));
    attr(out, "data-phx-active-refs", &refs(&|_| true));
    attr(out, "data-phx-done-refs", &refs(&is("done")));
    attr(out, "data-phx-preflighted-refs", &refs(&is("preflighted")));
    if !error_refs.is_empty() {
        attr(out, "data-phx-error-refs", &Value::from(error_refs.join(",")));
    }
    attr(out, "data-phx-auto-upload", &Value::Bool(field("auto_upload") == &Value::Bool(true)));
    extra_attrs(out, hash, &["accept"]);
    if field("max_entries").as_u64().is_some_and(|n| n > 1) {
        out.push_str(" multiple");
    }
    out.push('>');
    Ok(())
}

fn name_of(helper: LiveHelper) -> &'static str {
    if let LiveHelper::Js(name) = helper {
        return name;
    }
    HELPERS.iter().find(|(_, h)| *h == helper).map_or("helper", |(n, _)| n)
}

/// Phoenix's `input_id` / `input_name`: `user_name` and `user[name]` (overridable with
/// `id=` / `name=`).
fn field_names(params: &[&Value], hash: &[(&str, &Value)]) -> Result<(String, String), String> {
    let form = params.first().map_or(String::new(), |v| v.render());
    let field =
        match params.get(1) {
            Some(v) if !v.is_null() => v.render(),
            _ => return Err(
                "form helpers take a form name and a field name: {{text_input \"user\" \"name\"}}"
                    .into(),
            ),
        };
    let get = |key: &str| hash.iter().find(|(k, _)| *k == key).map(|(_, v)| v.render());
    let raw_id = if form.is_empty() { field.clone() } else { format!("{form}_{field}") };
    let id =
        raw_id.chars().map(|c| if c.is_alphanumeric() || c == '_' { c } else { '_' }).collect();
    let name = if form.is_empty() { field } else { format!("{form}[{field}]") };
    Ok((get("id").unwrap_or(id), get("name").unwrap_or(name)))
}

/// `first_name` → `First name` (Phoenix.Naming.humanize).
fn humanize(field: &str) -> String {
    let text = field.strip_suffix("_id").unwrap_or(field).replace('_', " ");
    let mut chars = text.chars();
    chars.next().map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

/// Select options: `["a", "b"]`, `[["Label", "value"]]`, `[{"label":..,"value":..}]` or an
/// object `{"Label": "value"}`.
fn options(options: Option<&Value>) -> Result<Vec<(String, String)>, String> {
    let pair = |v: &Value| match v {
        Value::Array(pair) if pair.len() == 2 => Ok((pair[0].render(), pair[1].render())),
        Value::Object(map) => {
            let value = map.get("value").map_or(String::new(), JsonRender::render);
            let label = map
                .get("label")
                .or_else(|| map.get("key"))
                .map_or(value.clone(), JsonRender::render);
            Ok((label, value))
        }
        Value::Array(_) => {
            Err("select options must be values, [label, value] pairs or objects".to_owned())
        }
        other => Ok((other.render(), other.render())),
    };
    match options {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list.iter().map(pair).collect(),
        Some(Value::Object(map)) => Ok(map.iter().map(|(k, v)| (k.clone(), v.render())).collect()),
        Some(_) => Err("select options= must be a list or an object".into()),
    }
}

/// ` name="value"`, a bare ` name` for `true`, nothing for `false`/`null`.
fn attr(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null | Value::Bool(false) => {}
        Value::Bool(true) => {
            out.push(' ');
            out.push_str(name);
        }
        other => {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            escape_into(&other.render(), out);
            out.push('"');
        }
    }
}

/// Every other hash argument becomes an attribute (sorted by name).
fn extra_attrs(out: &mut String, hash: &[(&str, &Value)], skip: &[&str]) {
    for (k, v) in hash {
        if !skip.contains(k) && !k.starts_with(SESSION_PREFIX) {
            attr(out, k, v);
        }
    }
}

/// The handlebars side of a LiveView helper (used when handlebars renders text itself).
#[derive(Clone, Copy, Debug)]
pub(crate) struct HbLiveHelper {
    pub(crate) name: &'static str,
    pub(crate) helper: LiveHelper,
}

impl HelperDef for HbLiveHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        if h.params().is_empty()
            && h.hash().is_empty()
            && !h.is_block()
            && self.helper.reads_value_when_bare()
        {
            let value = rc.evaluate(ctx, self.name)?;
            let text = value.as_json().render();
            let text = if rc.is_disable_escape() { text } else { r.get_escape_fn()(&text) };
            out.write(&text)?;
            return Ok(());
        }
        let mut params: Vec<&Value> = h.params().iter().map(|p| p.value()).collect();
        let block_text;
        if let Some(template) = h.template() {
            // Block form (`{{#live_patch to="/x"}}...{{/live_patch}}`): the body is the text.
            block_text = Value::String(template.renders(r, ctx, rc)?);
            params.insert(0, &block_text);
        }
        let hash: Vec<(&str, &Value)> = h.hash().iter().map(|(k, v)| (*k, v.value())).collect();
        match call(self.helper, &params, &hash, ctx.data()) {
            Ok(LiveOutput::Html(html)) => Ok(out.write(&html)?),
            Ok(_) => Err(RenderErrorReason::Other(format!(
                "{} cannot be used inside a block that handlebars renders as text (unknown block helpers, inline partials)",
                self.name
            ))
            .into()),
            Err(message) => Err(RenderErrorReason::Other(message).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn html(helper: &str, params: &[Value], hash: &[(&str, Value)]) -> String {
        let params: Vec<&Value> = params.iter().collect();
        let hash: Vec<(&str, &Value)> = hash.iter().map(|(k, v)| (*k, v)).collect();
        match call(
            LiveHelper::from_name(helper).unwrap(),
            &params,
            &hash,
            &json!({"csrf_token": "t<k"}),
        )
        .unwrap()
        {
            LiveOutput::Html(h) => h,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn live_file_input_matches_phoenix() {
        let upload = json!({
            "name": "avatar", "ref": "phx-upload-1-avatar", "accept": ".jpg,.png",
            "max_entries": 2, "auto_upload": true,
            "entries": [
                {"ref": "0", "done": true, "preflighted": true},
                {"ref": "1", "done": false, "preflighted": true},
                {"ref": "2", "done": false, "preflighted": false},
            ],
            "errors": [["2", "too_large"], ["2", "not_accepted"]],
        });
        assert_eq!(
            html("live_file_input", &[upload], &[("class", json!("f"))]),
            concat!(
                r#"<input id="phx-upload-1-avatar" type="file" name="avatar" accept=".jpg,.png" "#,
                r#"data-phx-hook="Phoenix.LiveFileUpload" data-phx-upload-ref="phx-upload-1-avatar" "#,
                r#"data-phx-active-refs="0,1,2" data-phx-done-refs="0" data-phx-preflighted-refs="0,1" "#,
                r#"data-phx-error-refs="2" data-phx-auto-upload class="f" multiple>"#
            )
        );
        let bare = json!({"name": "doc", "ref": "r", "accept": "", "max_entries": 1,
            "auto_upload": false, "entries": [], "errors": []});
        assert_eq!(
            html("live_file_input", &[bare], &[]),
            concat!(
                r#"<input id="r" type="file" name="doc" data-phx-hook="Phoenix.LiveFileUpload" "#,
                r#"data-phx-upload-ref="r" data-phx-active-refs="" data-phx-done-refs="" "#,
                r#"data-phx-preflighted-refs="">"#
            )
        );
    }

    #[test]
    fn links() {
        assert_eq!(
            html(
                "live_patch",
                &[json!("Next & more")],
                &[("class", json!("btn")), ("replace", json!(true)), ("to", json!("/x?a=1&b=2"))]
            ),
            r#"<a href="/x?a=1&amp;b=2" data-phx-link="patch" data-phx-link-state="replace" class="btn">Next &amp; more</a>"#
        );
        assert_eq!(
            html("live_redirect", &[json!("Go")], &[("to", json!("/y"))]),
            r#"<a href="/y" data-phx-link="redirect" data-phx-link-state="push">Go</a>"#
        );
    }

    #[test]
    fn title_and_csrf() {
        assert_eq!(
            html("live_title", &[json!("Home")], &[("prefix", json!("App · "))]),
            r#"<title data-prefix="App · ">App · Home</title>"#
        );
        assert_eq!(html("csrf_meta", &[], &[]), r#"<meta name="csrf-token" content="t&lt;k">"#);
    }

    #[test]
    fn form_helpers() {
        assert_eq!(
            html("text_input", &[json!("user"), json!("name")], &[("value", json!("Jo \"J\""))]),
            r#"<input type="text" id="user_name" name="user[name]" value="Jo &quot;J&quot;">"#
        );
        assert_eq!(
            html("checkbox", &[json!("user"), json!("admin")], &[("value", json!(true))]),
            r#"<input type="hidden" name="user[admin]" value="false"><input type="checkbox" id="user_admin" name="user[admin]" value="true" checked>"#
        );
        assert_eq!(
            html(
                "select",
                &[json!("user"), json!("role")],
                &[("options", json!(["a", ["B", "b"]])), ("value", json!("b"))]
            ),
            r#"<select id="user_role" name="user[role]"><option value="a">a</option><option value="b" selected>B</option></select>"#
        );
        assert_eq!(
            html("label", &[json!("user"), json!("first_name")], &[]),
            r#"<label for="user_first_name">First name</label>"#
        );
        assert_eq!(
            html("textarea", &[json!("u"), json!("bio")], &[("value", json!("<b>"))]),
            "<textarea id=\"u_bio\" name=\"u[bio]\">\n&lt;b&gt;</textarea>"
        );
        assert_eq!(
            html("submit", &[json!("Save")], &[("class", json!("b"))]),
            r#"<button type="submit" class="b">Save</button>"#
        );
        assert_eq!(
            html(
                "error_tag",
                &[json!("user"), json!("name")],
                &[("errors", json!({"name": ["can't be blank"]}))]
            ),
            r#"<span class="invalid-feedback" phx-feedback-for="user[name]">can&#39;t be blank</span>"#
        );
    }

    #[test]
    fn component_and_child_calls() {
        let params = [json!("Counter")];
        let id = json!("c1");
        let count = json!(3);
        let hash = [("count", &count), ("id", &id)];
        match call(LiveHelper::LiveComponent, &[&params[0]], &hash, &Value::Null).unwrap() {
            LiveOutput::Component(c) => {
                assert_eq!((c.component.as_str(), c.id.as_str()), ("Counter", "c1"));
                assert_eq!(c.assigns.get("count"), Some(&json!(3)));
            }
            other => panic!("{other:?}"),
        }
        let user = json!(7);
        let hash = [("id", &id), ("session_user_id", &user)];
        match call(LiveHelper::LiveRender, &[&params[0]], &hash, &Value::Null).unwrap() {
            LiveOutput::Child(c) => assert_eq!(c.session.get("user_id"), Some(&json!(7))),
            other => panic!("{other:?}"),
        }
        assert!(call(LiveHelper::LiveComponent, &[&params[0]], &[], &Value::Null).is_err());
    }
}
