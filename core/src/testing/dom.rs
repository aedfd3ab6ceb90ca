//! Reading the rendered HTML like the browser client does: find an element by CSS selector,
//! collect its `phx-value-*`, resolve `phx-target`, serialize a form.

use scraper::{ElementRef, Html, Selector};
use serde_json::{Map, Value};

use super::error::TestError;

/// What the harness needs of one element, copied out of the parsed document.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ElementInfo {
    pub(crate) tag: String,
    pub(crate) attrs: Vec<(String, String)>,
    /// `data-phx-component` of the closest component root (itself included).
    pub(crate) component: Option<u32>,
    /// The form this element belongs to (itself if a form), serialized.
    pub(crate) form: Option<FormInfo>,
    /// The element's text content.
    pub(crate) text: String,
}

/// A form's attributes and its fields' current values, in document order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FormInfo {
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) component: Option<u32>,
    pub(crate) fields: Vec<(String, String)>,
}

impl ElementInfo {
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The `value` an element carries into a click/key event (`el.value` in the JS): inputs,
    /// buttons, selects and textareas have one; unchecked checkboxes and radios do not.
    pub(crate) fn value(&self) -> Option<String> {
        match self.tag.as_str() {
            "input" => {
                let kind = self.attr("type").unwrap_or("text");
                if matches!(kind, "checkbox" | "radio") && self.attr("checked").is_none() {
                    return None;
                }
                Some(
                    self.attr("value").unwrap_or(if kind == "checkbox" { "on" } else { "" }).into(),
                )
            }
            "button" | "option" => Some(self.attr("value").unwrap_or("").into()),
            "textarea" => Some(self.text.clone()),
            "select" => Some(String::new()),
            _ => None,
        }
    }

    /// `phx-value-*` attributes as the event's value map (plus `value` when the element has
    /// one), as `extractMeta` does.
    pub(crate) fn event_value(&self) -> Map<String, Value> {
        let mut value = Map::new();
        for (name, v) in &self.attrs {
            if let Some(key) = name.strip_prefix("phx-value-") {
                value.insert(key.to_owned(), Value::String(v.clone()));
            }
        }
        if let Some(v) = self.value() {
            value.insert("value".into(), Value::String(v));
        }
        value
    }
}

fn parse_selector(selector: &str) -> Result<Selector, TestError> {
    Selector::parse(selector).map_err(|_| TestError::BadSelector(selector.to_owned()))
}

/// All elements matching `selector` in `html`, optionally only those whose text contains
/// `text`.
pub(crate) fn select(
    html: &str,
    selector: &str,
    text: Option<&str>,
) -> Result<Vec<ElementInfo>, TestError> {
    let document = Html::parse_fragment(html);
    let parsed = parse_selector(selector)?;
    Ok(document
        .select(&parsed)
        .filter(|el| text.is_none_or(|t| el.text().collect::<String>().contains(t)))
        .map(|el| info(el))
        .collect())
}

/// The inner HTML of every element matching `selector`.
pub(crate) fn inner_html(html: &str, selector: &str) -> Result<Vec<String>, TestError> {
    let document = Html::parse_fragment(html);
    let parsed = parse_selector(selector)?;
    Ok(document.select(&parsed).map(|el| el.inner_html()).collect())
}

/// The outer HTML of every element matching `selector`.
pub(crate) fn outer_html(html: &str, selector: &str) -> Result<Vec<String>, TestError> {
    let document = Html::parse_fragment(html);
    let parsed = parse_selector(selector)?;
    Ok(document.select(&parsed).map(|el| el.html()).collect())
}

/// The value of attribute `name` on the first element matching `selector`.
pub(crate) fn attribute(html: &str, selector: &str, name: &str) -> Option<String> {
    let document = Html::parse_document(html);
    let parsed = Selector::parse(selector).ok()?;
    document.select(&parsed).next().and_then(|el| el.value().attr(name)).map(str::to_owned)
}

fn attrs_of(el: ElementRef<'_>) -> Vec<(String, String)> {
    el.value().attrs().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

fn component_of(el: ElementRef<'_>) -> Option<u32> {
    std::iter::once(el)
        .chain(el.ancestors().filter_map(ElementRef::wrap))
        .find_map(|e| e.value().attr("data-phx-component"))
        .and_then(|cid| cid.parse().ok())
}

fn info(el: ElementRef<'_>) -> ElementInfo {
    let form = std::iter::once(el)
        .chain(el.ancestors().filter_map(ElementRef::wrap))
        .find(|e| e.value().name() == "form")
        .map(form_info);
    ElementInfo {
        tag: el.value().name().to_owned(),
        attrs: attrs_of(el),
        component: component_of(el),
        form,
        text: el.text().collect(),
    }
}

/// Serializes a form as `new FormData(form)` would: named, enabled fields; checked boxes
/// only; the selected options of selects (the first option when none is selected).
fn form_info(form: ElementRef<'_>) -> FormInfo {
    let fields_selector = Selector::parse("input, select, textarea").expect("static selector");
    let option_selector = Selector::parse("option").expect("static selector");
    let mut fields = Vec::new();
    for field in form.select(&fields_selector) {
        let el = field.value();
        let Some(name) = el.attr("name").filter(|n| !n.is_empty()) else { continue };
        if el.attr("disabled").is_some() {
            continue;
        }
        match el.name() {
            "input" => {
                let kind = el.attr("type").unwrap_or("text").to_ascii_lowercase();
                match kind.as_str() {
                    "checkbox" | "radio" if el.attr("checked").is_none() => {}
                    "checkbox" | "radio" => {
                        fields.push((name.to_owned(), el.attr("value").unwrap_or("on").to_owned()));
                    }
                    "submit" | "button" | "reset" | "image" | "file" => {}
                    _ => fields.push((name.to_owned(), el.attr("value").unwrap_or("").to_owned())),
                }
            }
            "textarea" => fields.push((name.to_owned(), field.text().collect())),
            "select" => {
                let options: Vec<_> = field.select(&option_selector).collect();
                let selected: Vec<_> =
                    options.iter().filter(|o| o.value().attr("selected").is_some()).collect();
                let value_of = |o: &ElementRef<'_>| {
                    o.value().attr("value").map_or_else(|| o.text().collect(), str::to_owned)
                };
                if selected.is_empty() {
                    if el.attr("multiple").is_none() {
                        if let Some(first) = options.first() {
                            fields.push((name.to_owned(), value_of(first)));
                        }
                    }
                } else {
                    for option in selected {
                        fields.push((name.to_owned(), value_of(option)));
                    }
                }
            }
            _ => {}
        }
    }
    FormInfo { attrs: attrs_of(form), component: component_of(form), fields }
}

/// Overlays `data` on a form's current fields: a given name replaces every current value of
/// that name (at the position of the first), new names are appended.
pub(crate) fn overlay(
    fields: &[(String, String)],
    data: &[(String, String)],
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let given = |name: &str| data.iter().any(|(k, _)| k == name);
    let mut placed: Vec<&str> = Vec::new();
    for (name, value) in fields {
        if given(name) {
            if !placed.contains(&name.as_str()) {
                placed.push(name);
                out.extend(data.iter().filter(|(k, _)| k == name).cloned());
            }
        } else {
            out.push((name.clone(), value.clone()));
        }
    }
    out.extend(data.iter().filter(|(k, _)| !fields.iter().any(|(f, _)| f == k)).cloned());
    out
}

/// `application/x-www-form-urlencoded`, as `URLSearchParams` writes it.
pub(crate) fn urlencode(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_component(k, &mut out);
        out.push('=');
        encode_component(v, &mut out);
    }
    out
}

fn encode_component(text: &str, out: &mut String) {
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(byte as char);
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_phx_values_and_component() {
        let html = r#"<div data-phx-component="3"><button id="b" phx-click="x" phx-value-id="42">Go</button></div>"#;
        let els = select(html, "#b", None).unwrap();
        assert_eq!(els.len(), 1);
        let v = els[0].event_value();
        assert_eq!(v["id"], "42");
        assert_eq!(v["value"], "");
        assert_eq!(els[0].component, Some(3));
    }

    #[test]
    fn serializes_forms_like_form_data() {
        let html = r#"<form id="f"><input name="user[name]" value="Jo"><input type="checkbox" name="ok" value="yes">
            <input type="checkbox" name="on" checked><select name="c"><option value="a">A</option><option value="b" selected>B</option></select>
            <textarea name="t">hi</textarea><input name="d" value="x" disabled></form>"#;
        let el = &select(html, "#f", None).unwrap()[0];
        let form = el.form.as_ref().unwrap();
        let data = urlencode(&form.fields);
        assert_eq!(data, "user%5Bname%5D=Jo&on=on&c=b&t=hi");
        let merged = overlay(
            &form.fields,
            &[("user[name]".into(), "Ann B".into()), ("new".into(), "1".into())],
        );
        assert_eq!(urlencode(&merged), "user%5Bname%5D=Ann+B&on=on&c=b&t=hi&new=1");
    }

    #[test]
    fn bad_selector_is_an_error() {
        assert!(matches!(select("<p></p>", "##", None), Err(TestError::BadSelector(_))));
    }
}

/// Applies what the client's DOM patch does for `phx-update` containers: `append` and
/// `prepend` keep the children the DOM already had (a child with the same id is updated in
/// place), `ignore` keeps the container's old content. `new` is the freshly rendered HTML,
/// `old` the HTML shown before.
pub(crate) fn patch_updates(old: Option<&str>, new: &str) -> String {
    let Some(old) = old else { return new.to_owned() };
    if !new.contains("phx-update") {
        return new.to_owned();
    }
    let old_doc = Html::parse_fragment(old);
    let new_doc = Html::parse_fragment(new);
    let mut out = String::with_capacity(new.len());
    for child in new_doc.root_element().children() {
        write_node(child, &old_doc, &mut out);
    }
    out
}

fn write_node(node: ego_tree::NodeRef<'_, scraper::Node>, old_doc: &Html, out: &mut String) {
    match node.value() {
        scraper::Node::Text(text) => crate::html::escape_into(text, out),
        scraper::Node::Comment(c) => {
            out.push_str("<!--");
            out.push_str(c);
            out.push_str("-->");
        }
        scraper::Node::Element(el) => {
            out.push('<');
            out.push_str(el.name());
            for (k, v) in el.attrs() {
                out.push(' ');
                out.push_str(k);
                out.push_str("=\"");
                crate::html::escape_into(v, out);
                out.push('"');
            }
            out.push('>');
            if is_void(el.name()) {
                return;
            }
            let mode =
                el.attr("phx-update").filter(|m| matches!(*m, "append" | "prepend" | "ignore"));
            let old_el = match (mode, el.id()) {
                (Some(_), Some(id)) => Selector::parse(&format!("[id=\"{id}\"]"))
                    .ok()
                    .and_then(|s| old_doc.select(&s).next()),
                _ => None,
            };
            match (mode, old_el) {
                (Some("ignore"), Some(old_el)) => out.push_str(&old_el.inner_html()),
                (Some(mode), Some(old_el)) => {
                    let new_ids: Vec<Option<&str>> = node
                        .children()
                        .map(|c| c.value().as_element().and_then(|e| e.id()))
                        .collect();
                    let fresh = || {
                        node.children().filter(|c| {
                            let id = c.value().as_element().and_then(|e| e.id());
                            id.is_none_or(|id| {
                                !old_el.children().any(|o| {
                                    o.value().as_element().and_then(|e| e.id()) == Some(id)
                                })
                            })
                        })
                    };
                    if mode == "prepend" {
                        for c in fresh() {
                            write_node(c, old_doc, out);
                        }
                    }
                    for o in old_el.children() {
                        let id = o.value().as_element().and_then(|e| e.id());
                        match id.and_then(|id| {
                            node.children()
                                .find(|c| c.value().as_element().and_then(|e| e.id()) == Some(id))
                        }) {
                            Some(updated) => write_node(updated, old_doc, out),
                            None if o.value().is_element() => write_node(o, old_doc, out),
                            None => {}
                        }
                    }
                    if mode == "append" {
                        for c in fresh() {
                            write_node(c, old_doc, out);
                        }
                    }
                    let _ = new_ids;
                }
                _ => {
                    for c in node.children() {
                        write_node(c, old_doc, out);
                    }
                }
            }
            out.push_str("</");
            out.push_str(el.name());
            out.push('>');
        }
        _ => {
            for c in node.children() {
                write_node(c, old_doc, out);
            }
        }
    }
}

fn is_void(tag: &str) -> bool {
    matches!(
        tag,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
    )
}

#[cfg(test)]
mod patch_tests {
    use super::patch_updates;

    #[test]
    fn append_keeps_old_children_and_updates_by_id() {
        let old = r#"<ul id="l" phx-update="append"><li id="a">1</li><li id="b">2</li></ul>"#;
        let new = r#"<ul id="l" phx-update="append"><li id="b">2!</li><li id="c">3</li></ul>"#;
        assert_eq!(
            patch_updates(Some(old), new),
            r#"<ul id="l" phx-update="append"><li id="a">1</li><li id="b">2!</li><li id="c">3</li></ul>"#
        );
    }

    #[test]
    fn prepend_and_ignore() {
        let old = r#"<ul id="p" phx-update="prepend"><li id="a">1</li></ul><div id="i" phx-update="ignore">kept</div>"#;
        let new = r#"<ul id="p" phx-update="prepend"><li id="b">2</li></ul><div id="i" phx-update="ignore">new</div>"#;
        assert_eq!(
            patch_updates(Some(old), new),
            r#"<ul id="p" phx-update="prepend"><li id="b">2</li><li id="a">1</li></ul><div id="i" phx-update="ignore">kept</div>"#
        );
    }
}
