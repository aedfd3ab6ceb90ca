//! Rendering the client's tree back to HTML: JS `toString`, `componentToString` and
//! `modifyRoot` (`rendered.js`, `rendered/buffer.ts`, `rendered/modify_root.ts`).

use serde_json::{Map, Value};

use super::{ClientRendered, MAGIC_ID, MergeError, NEW_RENDER, RESET, ROOT, truthy};
use crate::rendered::Cid;
use crate::wire::{COMPONENTS, KEYED, KEYED_COUNT, STATIC, STREAM, TEMPLATES};

const PHX_COMPONENT: &str = "data-phx-component";
const PHX_VIEW_REF: &str = "data-phx-view";
const PHX_MAGIC_ID: &str = "data-phx-id";
const PHX_SKIP: &str = "data-phx-skip";

/// HTML rendered from the tree, plus the stream operations rendered with it (the client
/// hands both to its DOM patch).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rendering {
    /// The view's inner HTML.
    pub html: String,
    /// Each `stream` value (`[ref, inserts, deletes, reset]`) whose entries were rendered;
    /// the tree forgets those entries afterwards, as the JS does.
    pub streams: Vec<Value>,
}

/// Root attributes in insertion order; `None` renders a bare attribute.
type RootAttrs = Vec<(&'static str, Option<String>)>;

/// How a walk renders roots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Exactly as the JS (magic ids, skipping of unchanged roots).
    Client,
    /// Complete HTML: no skipping, only component roots annotated.
    Full,
}

struct Output<'a> {
    html: String,
    pending: Vec<String>,
    components: &'a mut Map<String, Value>,
    only_cids: Option<&'a [Cid]>,
    streams: Vec<Value>,
    mode: Mode,
}

impl ClientRendered {
    /// Renders the view exactly as the JS client's `toString(onlyCids)`: components not in
    /// `only_cids` (when given) and roots that did not change since their last render are
    /// emitted empty with `data-phx-skip`; roots get `data-phx-id`. Updates the client's
    /// bookkeeping like the JS (so a second call skips more).
    ///
    /// The client passes the cids of the diff's `c` for updates (an empty list when the diff
    /// has none) and `None` for the join.
    ///
    /// # Errors
    /// [`MergeError`] where the JS would throw (missing component, bad statics, a root that
    /// does not start with a tag).
    pub fn render(&mut self, only_cids: Option<&[Cid]>) -> Result<Rendering, MergeError> {
        self.render_root(only_cids, Mode::Client)
    }

    /// The complete HTML of the view: every root rendered (no `data-phx-skip`), component
    /// roots annotated with `data-phx-id="c<cid>-<view>"`, `data-phx-component` and
    /// `data-phx-view` (see [`annotate_component_root`]), no `m<n>` magic ids. Rendered
    /// stream entries are forgotten afterwards, as after a JS render.
    ///
    /// # Errors
    /// As [`ClientRendered::render`].
    pub fn to_html(&mut self) -> Result<Rendering, MergeError> {
        self.render_root(None, Mode::Full)
    }

    /// JS `componentToString(cid)`: one component's root element, rendered for a
    /// component-only patch.
    ///
    /// # Errors
    /// As [`ClientRendered::render`].
    pub fn component_to_string(&mut self, cid: Cid) -> Result<Rendering, MergeError> {
        let mut components = take_components(&mut self.rendered);
        let mut out = Output {
            html: String::new(),
            pending: Vec::new(),
            components: &mut components,
            only_cids: None,
            streams: Vec::new(),
            mode: Mode::Client,
        };
        let result = self.component_to_buffer(cid, &mut out);
        let (html, streams) = (std::mem::take(&mut out.html), std::mem::take(&mut out.streams));
        self.rendered.insert(COMPONENTS.into(), Value::Object(components));
        result?;
        let (root, _, _) = modify_root(&html, &[], false)?;
        Ok(Rendering { html: root, streams })
    }

    fn render_root(
        &mut self,
        only_cids: Option<&[Cid]>,
        mode: Mode,
    ) -> Result<Rendering, MergeError> {
        let mut components = take_components(&mut self.rendered);
        let mut rendered = std::mem::take(&mut self.rendered);
        let mut out = Output {
            html: String::new(),
            pending: Vec::new(),
            components: &mut components,
            only_cids,
            streams: Vec::new(),
            mode,
        };
        let change_tracking = mode == Mode::Client;
        let result =
            self.node_to_buffer(&mut rendered, None, &mut out, change_tracking, Vec::new());
        let rendering = Rendering {
            html: std::mem::take(&mut out.html),
            streams: std::mem::take(&mut out.streams),
        };
        rendered.insert(COMPONENTS.into(), Value::Object(components));
        self.rendered = rendered;
        result.map(|()| rendering)
    }

    /// JS `toOutputBuffer`.
    fn node_to_buffer(
        &mut self,
        node: &mut Map<String, Value>,
        templates: Option<&Value>,
        out: &mut Output<'_>,
        change_tracking: bool,
        root_attrs: RootAttrs,
    ) -> Result<(), MergeError> {
        if node.get(KEYED).is_some_and(truthy) {
            return self.comprehension_to_buffer(node, templates, out, change_tracking);
        }
        let own_templates = node.remove(TEMPLATES).filter(truthy);
        let templates = own_templates.as_ref().or(templates);
        let statics = template_static(node.get(STATIC), templates)?;
        node.insert(STATIC.into(), statics.clone());
        let is_root = node.get(ROOT).is_some_and(truthy);
        if is_root {
            out.pending.push(std::mem::take(&mut out.html));
        }
        if change_tracking && is_root && !node.get(MAGIC_ID).is_some_and(truthy) {
            node.insert(NEW_RENDER.into(), Value::Bool(true));
            node.insert(MAGIC_ID.into(), Value::String(self.next_magic_id()));
        }
        self.dynamics_to_buffer(node, &statics, templates, out, change_tracking)?;
        if is_root {
            let mut skip = false;
            let attrs = match node.get(MAGIC_ID).filter(|id| truthy(id)) {
                Some(magic_id) if out.mode == Mode::Client || change_tracking => {
                    skip = change_tracking && !node.get(NEW_RENDER).is_some_and(truthy);
                    let mut attrs = vec![(PHX_MAGIC_ID, Some(js_string(magic_id)))];
                    attrs.extend(root_attrs);
                    if skip {
                        attrs.push((PHX_SKIP, None));
                    }
                    attrs
                }
                _ => root_attrs,
            };
            let html = std::mem::take(&mut out.html);
            let (root, before, after) = modify_root(&html, &attrs, skip)?;
            out.html = out.pending.pop().unwrap_or_default();
            out.html.push_str(&before);
            out.html.push_str(&root);
            out.html.push_str(&after);
            if out.mode == Mode::Client {
                node.insert(NEW_RENDER.into(), Value::Bool(false));
            }
        }
        Ok(())
    }

    /// JS `dynamicsToBuffer`: statics interleaved with the node's (or entry's) dynamics.
    fn dynamics_to_buffer(
        &mut self,
        node: &mut Map<String, Value>,
        statics: &Value,
        templates: Option<&Value>,
        out: &mut Output<'_>,
        change_tracking: bool,
    ) -> Result<(), MergeError> {
        let Value::Array(statics) = statics else { return Err(MergeError::BadStatics) };
        let Some((last, parts)) = statics.split_last() else { return Err(MergeError::BadStatics) };
        for (i, part) in parts.iter().enumerate() {
            out.html.push_str(&js_string(part));
            match node.get_mut(&i.to_string()) {
                Some(Value::Number(cid)) => {
                    let cid = cid
                        .as_u64()
                        .and_then(|cid| Cid::try_from(cid).ok())
                        .ok_or(MergeError::MissingComponent(0))?;
                    self.component_to_buffer(cid, out)?;
                }
                Some(Value::Object(child)) => {
                    self.node_to_buffer(child, templates, out, change_tracking, Vec::new())?
                }
                Some(other) => out.html.push_str(&js_string(other)),
                None => out.html.push_str("undefined"),
            }
        }
        out.html.push_str(&js_string(last));
        Ok(())
    }

    /// JS `comprehensionToBuffer`; forgets rendered stream entries afterwards.
    fn comprehension_to_buffer(
        &mut self,
        node: &mut Map<String, Value>,
        templates: Option<&Value>,
        out: &mut Output<'_>,
        change_tracking: bool,
    ) -> Result<(), MergeError> {
        let own_templates = node.remove(TEMPLATES).filter(truthy);
        let keyed_templates = templates.or(own_templates.as_ref());
        let statics = template_static(node.get(STATIC), templates)?;
        node.insert(STATIC.into(), statics.clone());
        let Some(Value::Object(keyed)) = node.get_mut(KEYED) else {
            return Err(MergeError::BadKeyed);
        };
        let count = keyed.get(KEYED_COUNT).and_then(Value::as_u64).unwrap_or(0);
        for i in 0..count {
            let Some(Value::Object(entry)) = keyed.get_mut(&i.to_string()) else {
                return Err(MergeError::BadKeyed);
            };
            self.dynamics_to_buffer(entry, &statics, keyed_templates, out, change_tracking)?;
        }
        if let Some(stream) = node.get(STREAM) {
            let deletes = stream.get(2).and_then(Value::as_array).map_or(0, Vec::len);
            let reset = stream.get(3).is_some_and(truthy);
            if count > 0 || deletes > 0 || reset {
                if let Some(stream) = node.remove(STREAM) {
                    out.streams.push(stream);
                }
                let mut empty = Map::new();
                empty.insert(KEYED_COUNT.into(), Value::from(0));
                node.insert(KEYED.into(), Value::Object(empty));
            }
        }
        Ok(())
    }

    /// JS `recursiveCIDToString`.
    fn component_to_buffer(&mut self, cid: Cid, out: &mut Output<'_>) -> Result<(), MergeError> {
        let key = cid.to_string();
        // Taken out while rendering so nested components can be looked up; a component that
        // contains itself is then reported missing instead of recursing forever.
        let Some(Value::Object(mut component)) = out.components.remove(&key) else {
            return Err(MergeError::MissingComponent(cid));
        };
        let skip = out.only_cids.is_some_and(|only| !only.contains(&cid));
        let magic_id = format!("c{cid}-{}", self.view_id);
        let attrs: RootAttrs =
            vec![(PHX_COMPONENT, Some(key.clone())), (PHX_VIEW_REF, Some(self.view_id.clone()))];
        if out.mode == Mode::Client {
            component.insert(NEW_RENDER.into(), Value::Bool(!skip));
        }
        component.insert(MAGIC_ID.into(), Value::String(magic_id.clone()));
        let change_tracking = out.mode == Mode::Client && !component.get(RESET).is_some_and(truthy);

        let outer_html = std::mem::take(&mut out.html);
        let outer_pending = std::mem::take(&mut out.pending);
        let result = if out.mode == Mode::Full {
            // Roots of the component's own tree are not annotated in full mode; only its
            // root gets the component attributes.
            let mut full_attrs = vec![(PHX_MAGIC_ID, Some(magic_id))];
            full_attrs.extend(attrs);
            component.remove(MAGIC_ID);
            let result = self.node_to_buffer(&mut component, None, out, false, full_attrs);
            component.insert(MAGIC_ID.into(), Value::String(format!("c{cid}-{}", self.view_id)));
            result
        } else {
            self.node_to_buffer(&mut component, None, out, change_tracking, attrs)
        };
        component.remove(RESET);
        out.components.insert(key, Value::Object(component));
        let html = std::mem::replace(&mut out.html, outer_html);
        out.pending = outer_pending;
        out.html.push_str(&html);
        result
    }
}

fn take_components(rendered: &mut Map<String, Value>) -> Map<String, Value> {
    match rendered.remove(COMPONENTS) {
        Some(Value::Object(components)) => components,
        _ => Map::new(),
    }
}

/// JS `templateStatic`: an integer `s` names a template of the enclosing `p`.
fn template_static(
    statics: Option<&Value>,
    templates: Option<&Value>,
) -> Result<Value, MergeError> {
    match statics {
        Some(Value::Number(index)) => {
            let index = index.as_u64().ok_or(MergeError::BadStatics)?;
            templates.and_then(|t| t.get(index.to_string())).cloned().ok_or(MergeError::BadStatics)
        }
        Some(statics @ Value::Array(_)) => Ok(statics.clone()),
        _ => Err(MergeError::BadStatics),
    }
}

/// How JS string concatenation prints a JSON value.
fn js_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Array(items) => items
            .iter()
            .map(|v| if v.is_null() { String::new() } else { js_string(v) })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
        other => other.to_string(),
    }
}

/// Adds the attributes the client puts on a component's root element (as
/// [`ClientRendered::to_html`] renders it) to `html`, the component's rendered HTML: so a
/// server-side full render can be compared with the client's.
///
/// # Errors
/// [`MergeError::MalformedRoot`] when `html` does not start with a tag.
pub fn annotate_component_root(html: &str, cid: Cid, view_id: &str) -> Result<String, MergeError> {
    let attrs: RootAttrs = vec![
        (PHX_MAGIC_ID, Some(format!("c{cid}-{view_id}"))),
        (PHX_COMPONENT, Some(cid.to_string())),
        (PHX_VIEW_REF, Some(view_id.to_owned())),
    ];
    let (root, before, after) = modify_root(html, &attrs, false)?;
    Ok(format!("{before}{root}{after}"))
}

const VOID_TAGS: [&str; 16] = [
    "area", "base", "br", "col", "command", "embed", "hr", "img", "input", "keygen", "link",
    "meta", "param", "source", "track", "wbr",
];

/// JS `modifyRoot`: rewrites the start tag of the root element of `html`, returning
/// `(root, before, after)` where `before` is leading whitespace/comments and `after` is what
/// follows the last `>`. With `clear_inner` the element is emptied, keeping only its `id`.
fn modify_root(
    html: &str,
    attrs: &[(&'static str, Option<String>)],
    clear_inner: bool,
) -> Result<(String, String, String), MergeError> {
    let bytes = html.as_bytes();
    let (before_len, tag_end) = lookahead(html).ok_or(MergeError::MalformedRoot)?;
    let tag = &html[before_len + 1..tag_end];

    let mut id = None;
    let mut i = tag_end;
    while i < bytes.len() {
        if bytes[i] == b'>' {
            break;
        }
        if bytes[i] == b'=' {
            let is_id = i >= 3 && &bytes[i - 3..i] == b" id";
            i += 1;
            if let Some(&quote @ (b'"' | b'\'')) = bytes.get(i) {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += 1;
                }
                if is_id {
                    id = Some(&html[start + 1..i.min(bytes.len())]);
                    break;
                }
            }
        }
        i += 1;
    }

    // Scan back to the last `>` that does not close a comment.
    let floor = (before_len + tag.len()) as isize;
    let mut close_at = bytes.len() as isize - 1;
    let mut inside_comment = false;
    let at =
        |i: isize| -> u8 { if i >= 0 { bytes.get(i as usize).copied().unwrap_or(0) } else { 0 } };
    let preceded_by = |i: isize, what: &[u8]| -> bool {
        let start = i - what.len() as isize;
        start >= 0 && &bytes[start as usize..i as usize] == what
    };
    while close_at >= floor {
        let byte = at(close_at);
        if inside_comment {
            if byte == b'-' && preceded_by(close_at, b"<!-") {
                inside_comment = false;
                close_at -= 4;
            } else {
                close_at -= 1;
            }
        } else if byte == b'>' && preceded_by(close_at, b"--") {
            inside_comment = true;
            close_at -= 3;
        } else if byte == b'>' {
            break;
        } else {
            close_at -= 1;
        }
    }
    let after_start = usize::try_from(close_at + 1).unwrap_or(0).min(bytes.len());
    let after = html.get(after_start..).unwrap_or("").to_owned();

    let attrs_str = attrs
        .iter()
        .map(|(name, value)| match value {
            None => (*name).to_owned(),
            Some(value) => format!("{name}=\"{value}\""),
        })
        .collect::<Vec<_>>()
        .join(" ");
    let space = if attrs_str.is_empty() { "" } else { " " };
    let root = if clear_inner {
        let id_attr = id.map(|id| format!(" id=\"{id}\"")).unwrap_or_default();
        if VOID_TAGS.contains(&tag) {
            format!("<{tag}{id_attr}{space}{attrs_str}/>")
        } else {
            format!("<{tag}{id_attr}{space}{attrs_str}></{tag}>")
        }
    } else {
        let rest = html.get(tag_end..after_start.max(tag_end)).unwrap_or("");
        format!("<{tag}{space}{attrs_str}{rest}")
    };
    Ok((root, html[..before_len].to_owned(), after))
}

/// The JS regex `^(\s*(?:<!--.*?-->\s*)*)<([^\s\/>]+)`: returns the length of the leading
/// whitespace/comments and where the tag name ends.
fn lookahead(html: &str) -> Option<(usize, usize)> {
    let skip_space = |from: usize| {
        from + html[from..].len() - html[from..].trim_start_matches(is_js_space).len()
    };
    let mut ends = vec![skip_space(0)];
    let mut pos = ends[0];
    // Greedy over comments (`.` does not cross line terminators).
    while html[pos..].starts_with("<!--") {
        let Some(close) = html[pos + 4..].find("-->") else { break };
        if html[pos + 4..pos + 4 + close].contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
            break;
        }
        pos = skip_space(pos + 4 + close + 3);
        ends.push(pos);
    }
    // Backtrack: fewer comments until a tag follows.
    for &before in ends.iter().rev() {
        let rest = &html[before..];
        if let Some(name) = rest.strip_prefix('<') {
            let len =
                name.find(|c: char| is_js_space(c) || c == '/' || c == '>').unwrap_or(name.len());
            if len > 0 {
                return Some((before, before + 1 + len));
            }
        }
    }
    None
}

/// JavaScript's `\s`.
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

#[cfg(test)]
pub(super) fn modify_root_for_tests(
    html: &str,
    attrs: &[(&'static str, Option<String>)],
    clear: bool,
) -> Result<(String, String, String), MergeError> {
    modify_root(html, attrs, clear)
}
