//! Elements and forms of a view under test: acting on one sends the event its bindings name,
//! with what the browser client would send (`phx-value-*`, `phx-target`, form data).

use serde_json::{Map, Value, json};

use super::dom::{self, ElementInfo};
use super::error::TestError;
use super::view::LiveViewTest;

/// An element selected in a view; acting on it sends the event its bindings name.
#[derive(Debug)]
pub struct Element<'a> {
    pub(super) test: &'a mut LiveViewTest,
    pub(super) view: String,
    pub(super) selector: String,
    pub(super) text: Option<String>,
}

impl Element<'_> {
    fn find(&mut self) -> Result<ElementInfo, TestError> {
        self.test.socket.drain()?;
        let html = self.test.html_of(&self.view.clone())?;
        dom::select(&html, &self.selector, self.text.as_deref())?
            .into_iter()
            .next()
            .ok_or_else(|| TestError::NoElement(self.selector.clone()))
    }

    /// True when the element exists.
    pub fn exists(&mut self) -> bool {
        self.find().is_ok()
    }

    /// The element's outer HTML.
    ///
    /// # Errors
    /// [`TestError::NoElement`].
    pub fn render(&mut self) -> Result<String, TestError> {
        self.test.socket.drain()?;
        let html = self.test.html_of(&self.view.clone())?;
        dom::outer_html(&html, &self.selector)?
            .into_iter()
            .next()
            .ok_or_else(|| TestError::NoElement(self.selector.clone()))
    }

    /// The element's inner HTML.
    ///
    /// # Errors
    /// [`TestError::NoElement`].
    pub fn inner_html(&mut self) -> Result<String, TestError> {
        self.test.socket.drain()?;
        let html = self.test.html_of(&self.view.clone())?;
        dom::inner_html(&html, &self.selector)?
            .into_iter()
            .next()
            .ok_or_else(|| TestError::NoElement(self.selector.clone()))
    }

    /// The element's text.
    ///
    /// # Errors
    /// [`TestError::NoElement`].
    pub fn text(&mut self) -> Result<String, TestError> {
        Ok(self.find()?.text)
    }

    /// Clicks: sends its `phx-click` (or `phx-capture-click`) event (`render_click/1`).
    ///
    /// # Errors
    /// [`TestError::NoBinding`] without `phx-click`; otherwise as any step.
    pub fn click(&mut self) -> Result<String, TestError> {
        let el = self.find()?;
        let event = el
            .attr("phx-click")
            .or_else(|| el.attr("phx-capture-click"))
            .ok_or(TestError::NoBinding { selector: self.selector.clone(), binding: "phx-click" })?
            .to_owned();
        self.send("click", &event, &el, Map::new())
    }

    /// Sends its `phx-keyup` event with `key` (`render_keyup/2`).
    ///
    /// # Errors
    /// As [`Element::click`].
    pub fn keyup(&mut self, key: &str) -> Result<String, TestError> {
        self.key("keyup", key)
    }

    /// Sends its `phx-keydown` event with `key` (`render_keydown/2`).
    ///
    /// # Errors
    /// As [`Element::click`].
    pub fn keydown(&mut self, key: &str) -> Result<String, TestError> {
        self.key("keydown", key)
    }

    fn key(&mut self, kind: &'static str, key: &str) -> Result<String, TestError> {
        let el = self.find()?;
        let (local, window) = if kind == "keyup" {
            ("phx-keyup", "phx-window-keyup")
        } else {
            ("phx-keydown", "phx-window-keydown")
        };
        let event = el
            .attr(local)
            .or_else(|| el.attr(window))
            .ok_or(TestError::NoBinding { selector: self.selector.clone(), binding: local })?
            .to_owned();
        let mut extra = Map::new();
        extra.insert("key".into(), Value::String(key.to_owned()));
        self.send(kind, &event, &el, extra)
    }

    /// Sends its `phx-focus` event (`render_focus/1`).
    ///
    /// # Errors
    /// As [`Element::click`].
    pub fn focus(&mut self) -> Result<String, TestError> {
        self.simple("focus", "phx-focus", "phx-window-focus")
    }

    /// Sends its `phx-blur` event (`render_blur/1`).
    ///
    /// # Errors
    /// As [`Element::click`].
    pub fn blur(&mut self) -> Result<String, TestError> {
        self.simple("blur", "phx-blur", "phx-window-blur")
    }

    fn simple(
        &mut self,
        kind: &'static str,
        local: &'static str,
        window: &str,
    ) -> Result<String, TestError> {
        let el = self.find()?;
        let event = el
            .attr(local)
            .or_else(|| el.attr(window))
            .ok_or(TestError::NoBinding { selector: self.selector.clone(), binding: local })?
            .to_owned();
        self.send(kind, &event, &el, Map::new())
    }

    /// Sends a hook event from this element (`pushEventTo` on it): its `phx-target` decides
    /// the component.
    ///
    /// # Errors
    /// As any step.
    pub fn hook_event(&mut self, event: &str, value: Value) -> Result<String, TestError> {
        let el = self.find()?;
        let mut payload = json!({"type": "hook", "event": event, "value": value});
        if let Some(cid) = target_cid(self.test, &self.view, &el, None)? {
            payload["cid"] = json!(cid);
        }
        self.test.push_event(&self.view.clone(), payload)
    }

    fn send(
        &mut self,
        kind: &str,
        event: &str,
        el: &ElementInfo,
        extra: Map<String, Value>,
    ) -> Result<String, TestError> {
        if let Some(ops) = js_ops(event) {
            // A JS command: like Phoenix.LiveViewTest, run its `push` ops (the others act on
            // the DOM only).
            let mut html = None;
            for args in ops.iter().filter(|op| op[0] == "push").map(|op| &op[1]) {
                let Some(push_event) = args.get("event").and_then(Value::as_str) else { continue };
                let mut extra = extra.clone();
                if let Some(Value::Object(v)) = args.get("value") {
                    extra.extend(v.clone());
                }
                let target = args.get("target").map(|t| match t {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
                html = Some(self.send_one(kind, push_event, el, extra, target.as_deref())?);
            }
            return match html {
                Some(html) => Ok(html),
                None => self.test.render(),
            };
        }
        self.send_one(kind, event, el, extra, None)
    }

    fn send_one(
        &mut self,
        kind: &str,
        event: &str,
        el: &ElementInfo,
        extra: Map<String, Value>,
        target: Option<&str>,
    ) -> Result<String, TestError> {
        let mut value = el.event_value();
        value.extend(extra);
        let mut payload = json!({"type": kind, "event": event, "value": value});
        if let Some(cid) = target_cid(self.test, &self.view, el, target)? {
            payload["cid"] = json!(cid);
        }
        self.test.push_event(&self.view.clone(), payload)
    }
}

/// The ops of a binding that holds a JS command (`[["push", {...}], ...]`).
fn js_ops(binding: &str) -> Option<Vec<Value>> {
    if !binding.trim_start().starts_with('[') {
        return None;
    }
    let ops: Vec<Value> = serde_json::from_str(binding).ok()?;
    ops.iter().all(|op| op[0].is_string() && op[1].is_object()).then_some(ops)
}

/// The component an event goes to: `phx-target` as a cid, or a selector resolved to the
/// closest component of the first matching element (as the JS client does).
fn target_cid(
    test: &mut LiveViewTest,
    view: &str,
    el: &ElementInfo,
    js_target: Option<&str>,
) -> Result<Option<u32>, TestError> {
    let Some(target) = js_target.or_else(|| el.attr("phx-target")) else { return Ok(None) };
    if let Ok(cid) = target.trim().parse::<u32>() {
        return Ok(Some(cid));
    }
    let html = test.html_of(view)?;
    Ok(dom::select(&html, target, None)?.into_iter().next().and_then(|t| t.component))
}

/// A form with data overlaid on its fields; `change` and `submit` send what the browser
/// would.
#[derive(Debug)]
pub struct Form<'a> {
    pub(super) test: &'a mut LiveViewTest,
    pub(super) view: String,
    pub(super) selector: String,
    pub(super) data: Vec<(String, String)>,
}

impl Form<'_> {
    fn find(&mut self) -> Result<ElementInfo, TestError> {
        self.test.socket.drain()?;
        let html = self.test.html_of(&self.view.clone())?;
        dom::select(&html, &self.selector, None)?
            .into_iter()
            .next()
            .ok_or_else(|| TestError::NoElement(self.selector.clone()))
    }

    /// Sends the form's `phx-change` event with `_target` = the first field given in `data`
    /// (`render_change/2`).
    ///
    /// # Errors
    /// [`TestError::NoBinding`] without `phx-change`; otherwise as any step.
    pub fn change(&mut self) -> Result<String, TestError> {
        let target = self.data.first().map(|(k, _)| k.clone());
        self.change_target(target.as_deref())
    }

    /// Like [`Form::change`] with an explicit `_target` field name.
    ///
    /// # Errors
    /// As [`Form::change`].
    pub fn change_target(&mut self, target: Option<&str>) -> Result<String, TestError> {
        let el = self.find()?;
        let event = el
            .attr("phx-change")
            .ok_or(TestError::NoBinding { selector: self.selector.clone(), binding: "phx-change" })?
            .to_owned();
        let mut meta = form_meta(&el);
        meta.insert("_target".into(), Value::String(target.unwrap_or("undefined").to_owned()));
        self.push(&el, &event, meta, json!({}))
    }

    /// Sends the form's `phx-submit` event (`render_submit/2`).
    ///
    /// # Errors
    /// [`TestError::NoBinding`] without `phx-submit`; otherwise as any step.
    pub fn submit(&mut self) -> Result<String, TestError> {
        let el = self.find()?;
        let event = el
            .attr("phx-submit")
            .ok_or(TestError::NoBinding { selector: self.selector.clone(), binding: "phx-submit" })?
            .to_owned();
        let meta = form_meta(&el);
        self.push(&el, &event, meta, Value::Null)
    }

    fn push(
        &mut self,
        el: &ElementInfo,
        event: &str,
        meta: Map<String, Value>,
        uploads: Value,
    ) -> Result<String, TestError> {
        let fields = el.form.as_ref().map(|f| f.fields.clone()).unwrap_or_default();
        let value = dom::urlencode(&dom::overlay(&fields, &self.data));
        let mut payload = json!({"type": "form", "event": event, "value": value, "meta": meta});
        if !uploads.is_null() {
            payload["uploads"] = uploads;
        }
        if let Some(cid) = target_cid(self.test, &self.view, el, None)? {
            payload["cid"] = json!(cid);
        }
        self.test.push_event(&self.view.clone(), payload)
    }
}

/// `phx-value-*` of a form, sent as the event's `meta`.
fn form_meta(el: &ElementInfo) -> Map<String, Value> {
    el.attrs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("phx-value-").map(|k| (k.to_owned(), Value::String(v.clone())))
        })
        .collect()
}
