//! JS commands (`Phoenix.LiveView.JS`): client-side operations encoded as the JSON the JS
//! client executes from `phx-click` and the other bindings.
//!
//! The encoding is Phoenix's: a list of `[kind, args]` ops, `nil` args left out, class lists
//! split on spaces, transitions as `[[classes], [start], [end]]`.
//!
//! ```
//! use liveview_core::js::{JS, JsOpts, PushOpts};
//!
//! let js = JS::new()
//!     .push("inc", PushOpts { value: Some(serde_json::json!({"by": 2})), ..PushOpts::default() })
//!     .hide(JsOpts::to("#modal"));
//! assert_eq!(
//!     js.to_json(),
//!     r##"[["push",{"event":"inc","value":{"by":2}}],["hide",{"to":"#modal"}]]"##
//! );
//! // In an attribute: `phx-click="{}"` with the escaped form.
//! assert!(js.to_attr().starts_with("[[&quot;push&quot;"));
//! ```

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

/// The element(s) a command acts on (`:to`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum To {
    /// A selector in the whole document (`to: "#id"` or `{:document, sel}`).
    Document(String),
    /// The closest ancestor matching (`{:closest, sel}`).
    Closest(String),
    /// Descendants of the interacted element (`{:inner, sel}`).
    Inner(String),
}

impl To {
    fn to_value(&self) -> Value {
        let scoped = |scope: &str, sel: &str| {
            let mut m = Map::new();
            m.insert(scope.into(), Value::from(sel));
            Value::Object(m)
        };
        match self {
            To::Document(sel) => Value::from(sel.as_str()),
            To::Closest(sel) => scoped("closest", sel),
            To::Inner(sel) => scoped("inner", sel),
        }
    }
}

impl From<&str> for To {
    fn from(selector: &str) -> To {
        To::Document(selector.to_owned())
    }
}

/// A CSS transition: classes applied during it, at its start and at its end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transition {
    /// Classes applied for the whole transition.
    pub transition: String,
    /// Classes at the start.
    pub start: String,
    /// Classes at the end.
    pub end: String,
}

impl Transition {
    /// A transition of only the given classes (`transition: "fade-in"`).
    pub fn new(classes: &str) -> Transition {
        Transition { transition: classes.to_owned(), ..Transition::default() }
    }

    /// The three-class form (`{"ease-out duration-300", "opacity-0", "opacity-100"}`).
    pub fn three(transition: &str, start: &str, end: &str) -> Transition {
        Transition { transition: transition.into(), start: start.into(), end: end.into() }
    }

    fn to_value(&self) -> Value {
        Value::Array(vec![
            class_names(&self.transition),
            class_names(&self.start),
            class_names(&self.end),
        ])
    }
}

fn class_names(names: &str) -> Value {
    Value::Array(names.split(' ').filter(|s| !s.is_empty()).map(Value::from).collect())
}

/// Options shared by show, hide, the class commands and `transition`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsOpts {
    /// Target elements (default: the interacted element).
    pub to: Option<To>,
    /// Transition classes.
    pub transition: Option<Transition>,
    /// Transition time in ms (client default 200).
    pub time: Option<u64>,
    /// Block the UI during the transition (client default true).
    pub blocking: Option<bool>,
    /// CSS display value (`show` and `toggle`).
    pub display: Option<String>,
}

impl JsOpts {
    /// Options with only a target selector.
    pub fn to(selector: &str) -> JsOpts {
        JsOpts { to: Some(To::from(selector)), ..JsOpts::default() }
    }
}

/// The `phx-target` of a pushed event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushTarget {
    /// A component's cid (`@myself`).
    Cid(u32),
    /// A CSS selector.
    Selector(String),
}

/// Options of [`JS::push`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PushOpts {
    /// Component or selector the event goes to.
    pub target: Option<PushTarget>,
    /// Selector of elements receiving the loading classes.
    pub loading: Option<String>,
    /// Trigger the page loading events.
    pub page_loading: Option<bool>,
    /// Value merged into the event payload (must be an object).
    pub value: Option<Value>,
}

/// Options of [`JS::dispatch`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DispatchOpts {
    /// Target elements (default: the interacted element).
    pub to: Option<To>,
    /// `detail` of the dispatched `CustomEvent` (an object).
    pub detail: Option<Value>,
    /// Whether the event bubbles (client default true).
    pub bubbles: Option<bool>,
    /// Block until the listener calls `event.detail.done()`.
    pub blocking: Option<bool>,
}

/// A JS command value: a list of operations, built by chaining.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JS {
    ops: Vec<Value>,
}

impl JS {
    /// An empty command.
    pub fn new() -> JS {
        JS::default()
    }

    /// Appends `[kind, args]`, leaving out absent args; keys sorted like Phoenix's encoder.
    fn op(mut self, kind: &str, args: Vec<(&str, Option<Value>)>) -> JS {
        let mut args: Vec<(&str, Value)> =
            args.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect();
        args.sort_by(|a, b| a.0.cmp(b.0));
        let map: Map<String, Value> = args.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        self.ops.push(Value::Array(vec![Value::from(kind), Value::Object(map)]));
        self
    }

    fn styled(self, kind: &str, names: Option<&str>, opts: JsOpts) -> JS {
        self.op(
            kind,
            vec![
                ("to", opts.to.as_ref().map(To::to_value)),
                ("names", names.map(class_names)),
                ("transition", opts.transition.as_ref().map(Transition::to_value)),
                ("time", opts.time.map(Value::from)),
                ("blocking", opts.blocking.map(Value::from)),
                ("display", opts.display.map(Value::from)),
            ],
        )
    }

    /// Pushes an event to the server (`JS.push/2`).
    pub fn push(self, event: &str, opts: PushOpts) -> JS {
        let target = opts.target.map(|t| match t {
            PushTarget::Cid(cid) => Value::from(cid),
            PushTarget::Selector(sel) => Value::from(sel),
        });
        self.op(
            "push",
            vec![
                ("event", Some(Value::from(event))),
                ("target", target),
                ("loading", opts.loading.map(Value::from)),
                ("page_loading", opts.page_loading.map(Value::from)),
                ("value", opts.value),
            ],
        )
    }

    /// Navigates to another live view (`JS.navigate/2`).
    pub fn navigate(self, href: &str, replace: bool) -> JS {
        self.op("navigate", vec![("href", Some(href.into())), ("replace", Some(replace.into()))])
    }

    /// Patches the current live view (`JS.patch/2`).
    pub fn patch(self, href: &str, replace: bool) -> JS {
        self.op("patch", vec![("href", Some(href.into())), ("replace", Some(replace.into()))])
    }

    /// Shows elements (`JS.show/1`).
    pub fn show(self, opts: JsOpts) -> JS {
        self.styled("show", None, opts)
    }

    /// Hides elements (`JS.hide/1`; `display` is ignored).
    pub fn hide(self, opts: JsOpts) -> JS {
        self.styled("hide", None, JsOpts { display: None, ..opts })
    }

    /// Toggles visibility (`JS.toggle/1`) with `in`/`out` transitions.
    pub fn toggle(self, opts: JsOpts, ins: Option<Transition>, outs: Option<Transition>) -> JS {
        self.op(
            "toggle",
            vec![
                ("to", opts.to.as_ref().map(To::to_value)),
                ("display", opts.display.map(Value::from)),
                ("ins", ins.as_ref().map(Transition::to_value)),
                ("outs", outs.as_ref().map(Transition::to_value)),
                ("time", opts.time.map(Value::from)),
                ("blocking", opts.blocking.map(Value::from)),
            ],
        )
    }

    /// Adds classes (`JS.add_class/2`).
    pub fn add_class(self, names: &str, opts: JsOpts) -> JS {
        self.styled("add_class", Some(names), JsOpts { display: None, ..opts })
    }

    /// Removes classes (`JS.remove_class/2`).
    pub fn remove_class(self, names: &str, opts: JsOpts) -> JS {
        self.styled("remove_class", Some(names), JsOpts { display: None, ..opts })
    }

    /// Toggles classes (`JS.toggle_class/2`).
    pub fn toggle_class(self, names: &str, opts: JsOpts) -> JS {
        self.styled("toggle_class", Some(names), JsOpts { display: None, ..opts })
    }

    /// Applies a transition (`JS.transition/2`).
    pub fn transition(self, transition: Transition, opts: JsOpts) -> JS {
        self.styled(
            "transition",
            None,
            JsOpts { transition: Some(transition), display: None, ..opts },
        )
    }

    /// Sets an attribute (`JS.set_attribute({attr, val})`).
    pub fn set_attribute(self, attr: &str, value: &str, to: Option<To>) -> JS {
        self.op(
            "set_attr",
            vec![
                ("to", to.as_ref().map(To::to_value)),
                ("attr", Some(Value::from(vec![attr, value]))),
            ],
        )
    }

    /// Removes an attribute (`JS.remove_attribute/2`).
    pub fn remove_attribute(self, attr: &str, to: Option<To>) -> JS {
        self.op(
            "remove_attr",
            vec![("to", to.as_ref().map(To::to_value)), ("attr", Some(attr.into()))],
        )
    }

    /// Toggles an attribute: set/remove `value`, or switch between `value` and `other`
    /// (`JS.toggle_attribute/2`).
    pub fn toggle_attribute(
        self,
        attr: &str,
        value: &str,
        other: Option<&str>,
        to: Option<To>,
    ) -> JS {
        let mut list = vec![attr, value];
        list.extend(other);
        self.op(
            "toggle_attr",
            vec![("to", to.as_ref().map(To::to_value)), ("attr", Some(Value::from(list)))],
        )
    }

    /// Dispatches a DOM event (`JS.dispatch/2`).
    ///
    /// # Errors
    /// Phoenix's argument errors: a `detail` on `"click"`, a `detail` that is not an
    /// object, or a `done` key in `detail` with `blocking`.
    pub fn dispatch(self, event: &str, opts: DispatchOpts) -> Result<JS, JsError> {
        match &opts.detail {
            Some(_) if event == "click" => return Err(JsError::ClickDetail),
            Some(d) if !d.is_object() => return Err(JsError::DetailNotObject),
            Some(d) if opts.blocking == Some(true) && d.get("done").is_some() => {
                return Err(JsError::DoneInDetail);
            }
            _ => {}
        }
        Ok(self.op(
            "dispatch",
            vec![
                ("event", Some(event.into())),
                ("to", opts.to.as_ref().map(To::to_value)),
                ("detail", opts.detail),
                ("bubbles", opts.bubbles.map(Value::from)),
                ("blocking", opts.blocking.filter(|b| *b).map(Value::from)),
            ],
        ))
    }

    /// Runs the commands in another attribute (`JS.exec("phx-remove", to: ...)`).
    pub fn exec(self, attr: &str, to: Option<To>) -> JS {
        self.op("exec", vec![("attr", Some(attr.into())), ("to", to.as_ref().map(To::to_value))])
    }

    /// Focuses an element (`JS.focus/1`).
    pub fn focus(self, to: Option<To>) -> JS {
        self.op("focus", vec![("to", to.as_ref().map(To::to_value))])
    }

    /// Focuses the first focusable child (`JS.focus_first/1`).
    pub fn focus_first(self, to: Option<To>) -> JS {
        self.op("focus_first", vec![("to", to.as_ref().map(To::to_value))])
    }

    /// Remembers the focused element (`JS.push_focus/1`).
    pub fn push_focus(self, to: Option<To>) -> JS {
        self.op("push_focus", vec![("to", to.as_ref().map(To::to_value))])
    }

    /// Focuses the last remembered element (`JS.pop_focus/0`).
    pub fn pop_focus(self) -> JS {
        self.op("pop_focus", Vec::new())
    }

    /// Keeps these attributes as the client set them across patches
    /// (`JS.ignore_attributes/2`; `*` is a wildcard).
    pub fn ignore_attributes(self, attrs: &[&str], to: Option<To>) -> JS {
        self.op(
            "ignore_attrs",
            vec![
                ("to", to.as_ref().map(To::to_value)),
                ("attrs", Some(Value::from(attrs.to_vec()))),
            ],
        )
    }

    /// Appends another command's ops (`JS.concat/2`).
    pub fn concat(mut self, other: JS) -> JS {
        self.ops.extend(other.ops);
        self
    }

    /// A command from already-encoded ops (a JSON array, or a JSON string of one).
    ///
    /// # Errors
    /// [`JsError::NotOps`] when `value` is not a list of `[kind, args]` ops.
    pub fn from_value(value: &Value) -> Result<JS, JsError> {
        let parsed;
        let value = match value {
            Value::String(s) => {
                parsed = serde_json::from_str::<Value>(s).map_err(|_| JsError::NotOps)?;
                &parsed
            }
            v => v,
        };
        let ops = value.as_array().ok_or(JsError::NotOps)?;
        if !ops.iter().all(|op| {
            op.get(0).is_some_and(Value::is_string) && op.get(1).is_some_and(Value::is_object)
        }) {
            return Err(JsError::NotOps);
        }
        Ok(JS { ops: ops.clone() })
    }

    /// The ops as a JSON value (`to_encodable/1`).
    pub fn to_encodable(&self) -> Value {
        Value::Array(self.ops.clone())
    }

    /// The JSON text the client executes.
    pub fn to_json(&self) -> String {
        Value::Array(self.ops.clone()).to_string()
    }

    /// The JSON text, HTML-escaped for an attribute value.
    pub fn to_attr(&self) -> String {
        crate::html::escape(&self.to_json())
    }
}

impl fmt::Display for JS {
    /// The JSON text (unescaped).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

/// Serialized as the JSON *string*, so `socket.assign("open", js)` then
/// `phx-click="{{open}}"` renders the command (escaped by the template).
impl Serialize for JS {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_json())
    }
}

/// A JS command that Phoenix would reject.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsError {
    /// `dispatch("click", detail: ...)`: browsers rewrite a MouseEvent's detail.
    ClickDetail,
    /// `dispatch` detail is not an object.
    DetailNotObject,
    /// `dispatch` with `blocking` must not carry a `done` key in its detail.
    DoneInDetail,
    /// Not a list of `[kind, args]` ops.
    NotOps,
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsError::ClickDetail => "click events cannot be dispatched with details",
            JsError::DetailNotObject => "the detail option to JS.dispatch must be an object",
            JsError::DoneInDetail => "a blocking JS.dispatch detail must not contain a done key",
            JsError::NotOps => "not a list of JS command ops",
        })
    }
}

impl std::error::Error for JsError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ops(js: &JS) -> Value {
        serde_json::from_str(&js.to_json()).unwrap()
    }

    #[test]
    fn encodes_like_phoenix() {
        let js = JS::new()
            .show(JsOpts {
                to: Some(To::Closest(".menu".into())),
                transition: Some(Transition::three(
                    "ease-out duration-300",
                    "opacity-0",
                    "opacity-100",
                )),
                time: Some(300),
                display: Some("flex".into()),
                ..JsOpts::default()
            })
            .toggle(JsOpts::to("#x"), Some(Transition::new("fade-in")), None)
            .add_class("a  b", JsOpts { to: Some(To::Inner("p".into())), ..JsOpts::default() })
            .set_attribute("aria-expanded", "true", Some("#d".into()))
            .toggle_attribute("open", "true", Some("false"), None)
            .remove_attribute("hidden", None)
            .push(
                "save",
                PushOpts {
                    target: Some(PushTarget::Cid(3)),
                    loading: Some("#f".into()),
                    page_loading: Some(true),
                    value: Some(json!({"a": 1})),
                },
            )
            .navigate("/a", false)
            .patch("/b", true)
            .exec("phx-remove", Some("#m".into()))
            .push_focus(None)
            .pop_focus()
            .ignore_attributes(&["open", "data-*"], None);
        assert_eq!(
            ops(&js),
            json!([
                ["show", {"display": "flex", "time": 300, "to": {"closest": ".menu"},
                          "transition": [["ease-out", "duration-300"], ["opacity-0"], ["opacity-100"]]}],
                ["toggle", {"ins": [["fade-in"], [], []], "to": "#x"}],
                ["add_class", {"names": ["a", "b"], "to": {"inner": "p"}}],
                ["set_attr", {"attr": ["aria-expanded", "true"], "to": "#d"}],
                ["toggle_attr", {"attr": ["open", "true", "false"]}],
                ["remove_attr", {"attr": "hidden"}],
                ["push", {"event": "save", "loading": "#f", "page_loading": true, "target": 3, "value": {"a": 1}}],
                ["navigate", {"href": "/a", "replace": false}],
                ["patch", {"href": "/b", "replace": true}],
                ["exec", {"attr": "phx-remove", "to": "#m"}],
                ["push_focus", {}],
                ["pop_focus", {}],
                ["ignore_attrs", {"attrs": ["open", "data-*"]}]
            ])
        );
        // Keys come out sorted, as Phoenix's encoder writes small maps.
        assert!(js.to_json().starts_with(r#"[["show",{"display":"flex","time":300,"to""#));
    }

    #[test]
    fn dispatch_rules_and_escaping() {
        assert_eq!(
            JS::new().dispatch(
                "click",
                DispatchOpts { detail: Some(json!({})), ..DispatchOpts::default() }
            ),
            Err(JsError::ClickDetail)
        );
        assert_eq!(
            JS::new()
                .dispatch("x", DispatchOpts { detail: Some(json!(1)), ..DispatchOpts::default() }),
            Err(JsError::DetailNotObject)
        );
        let js = JS::new()
            .dispatch(
                "copy",
                DispatchOpts {
                    to: Some("#c".into()),
                    bubbles: Some(false),
                    blocking: Some(false),
                    ..DispatchOpts::default()
                },
            )
            .unwrap();
        assert_eq!(
            ops(&js),
            json!([["dispatch", {"bubbles": false, "event": "copy", "to": "#c"}]])
        );
        assert_eq!(js.to_attr(), crate::html::escape(&js.to_json()));
        assert!(!js.to_attr().contains('"'));
        assert_eq!(serde_json::to_value(&js).unwrap(), Value::String(js.to_json()));
        assert_eq!(JS::from_value(&Value::String(js.to_json())).unwrap(), js);
        assert_eq!(JS::from_value(&json!([1])), Err(JsError::NotOps));
    }
}
