//! The official JS client's rendered tree, in Rust: merges the join `rendered` and each diff
//! exactly as `phoenix_live_view@1.2.10`'s `assets/js/phoenix_live_view/rendered.js` does, and
//! renders it back to HTML.
//!
//! Used by the in-process test harness (LiveViewTest) and by the diff engine's property tests
//! (`merge(previous, diff)` must render like a full render of the new tree).
//!
//! Faithful to the JS, including the parts our server never sends: integer `s` referring to
//! `p` templates, components sharing statics (`"s": n` / `"s": -n`), moved keyed entries
//! (`[old, diff]` / `old`, with `km`), `stream`. The tree is kept as JSON (like the JS object),
//! with the client's bookkeeping keys `magicId`, `newRender` and `reset` stored in the nodes
//! as the JS stores them. Where the JS would throw (a missing component, an unknown template,
//! a move without `km`), this returns a [`MergeError`].
//!
//! # Attributes the client injects
//! When rendering, the JS rewrites the start tag of every root-flagged (`"r": 1`) node:
//! - every component root gets `data-phx-id="c<cid>-<view id>"`,
//!   `data-phx-component="<cid>"` and `data-phx-view="<view id>"`, in that order; this is
//!   why component trees need `"r": 1`;
//! - other roots get `data-phx-id="m<n>-<view id>"` (a counter) when first rendered, and
//!   roots that did not change since are emitted empty with `data-phx-skip` (the DOM patch
//!   keeps the existing element).
//!
//! [`ClientRendered::render`] reproduces all of that (it is what the JS hands to the DOM
//! patch). [`ClientRendered::to_html`] renders the complete HTML instead: no skipping and no
//! `m<n>` ids (they depend on render history), but component roots still annotated as above.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::rendered::Cid;
use crate::wire::{
    COMPONENTS, EVENTS, KEYED, KEYED_COUNT, KEYED_MOVED, REPLY, STATIC, STREAM, TEMPLATES, TITLE,
};

mod render;

pub use render::{Rendering, annotate_component_root};

/// The client's bookkeeping keys, stored in the tree like the JS does.
const MAGIC_ID: &str = "magicId";
const NEW_RENDER: &str = "newRender";
const RESET: &str = "reset";
/// The root flag (`"r": 1`); [`crate::wire::ROOT`] under the name the merge code reads best.
const ROOT: &str = crate::wire::ROOT;

/// Why a diff could not be merged or rendered (where the JS client would throw).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MergeError {
    /// The join `rendered` or a diff is not a JSON object.
    NotAnObject,
    /// A dynamic or a statics reference names a component the client does not have.
    MissingComponent(Cid),
    /// Components share statics in a cycle (the JS recurses forever).
    ComponentCycle(Cid),
    /// A keyed diff reaches into a node that is not a keyed comprehension, or moves an entry
    /// without `km`.
    BadKeyed,
    /// A node's statics are missing, not an array, or an unknown template index.
    BadStatics,
    /// A root-flagged node's HTML does not start with a tag.
    MalformedRoot,
}

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MergeError::NotAnObject => f.write_str("rendered diff is not a JSON object"),
            MergeError::MissingComponent(cid) => write!(f, "no component for CID {cid}"),
            MergeError::ComponentCycle(cid) => {
                write!(f, "components share statics in a cycle through CID {cid}")
            }
            MergeError::BadKeyed => f.write_str("keyed diff does not fit the cached comprehension"),
            MergeError::BadStatics => f.write_str("node without usable statics"),
            MergeError::MalformedRoot => {
                f.write_str("root-flagged node does not render a start tag")
            }
        }
    }
}

impl std::error::Error for MergeError {}

/// What `Rendered.extract` takes off the top of a diff before merging it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extracted {
    /// New page title (`t`).
    pub title: Option<String>,
    /// Pushed events (`e`), each `[event, payload]` or `[event, payload, true]`.
    pub events: Vec<Value>,
    /// The reply to a hook's `pushEvent` (`r`).
    pub reply: Option<Value>,
}

impl Extracted {
    /// Removes `r`, `e` and `t` from the top level of `diff` (JS `Rendered.extract`).
    pub fn take_from(diff: &mut Map<String, Value>) -> Extracted {
        let reply = diff.remove(REPLY).filter(|reply| !reply.is_null());
        let events = match diff.remove(EVENTS) {
            Some(Value::Array(events)) => events,
            _ => Vec::new(),
        };
        let title = match diff.remove(TITLE) {
            Some(Value::String(title)) => Some(title),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        Extracted { title, events, reply }
    }
}

/// The cids a diff carries in `c` (JS `componentCIDs`): what the client passes to
/// [`ClientRendered::render`] after merging it.
pub fn diff_component_cids(diff: &Value) -> Vec<Cid> {
    match diff.get(COMPONENTS) {
        Some(Value::Object(components)) => {
            components.keys().filter_map(|cid| cid.parse().ok()).collect()
        }
        _ => Vec::new(),
    }
}

/// True when a diff (after extraction) holds only components (JS `isComponentOnlyDiff`): the
/// client then patches just those components ([`ClientRendered::component_to_string`]).
pub fn is_component_only_diff(diff: &Value) -> bool {
    diff.as_object().is_some_and(|diff| diff.len() == 1 && diff.contains_key(COMPONENTS))
}

/// The rendered tree one view's JS client holds: the join render with every diff merged in.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientRendered {
    view_id: String,
    rendered: Map<String, Value>,
    magic_id: u64,
}

impl ClientRendered {
    /// The tree after a join: `rendered` is the join reply's `rendered` (its `t`/`e`/`r` are
    /// extracted, as the client does before building its tree).
    ///
    /// # Errors
    /// [`MergeError`] when `rendered` cannot be merged.
    pub fn join(view_id: &str, rendered: Value) -> Result<(ClientRendered, Extracted), MergeError> {
        let mut client =
            ClientRendered { view_id: view_id.to_owned(), rendered: Map::new(), magic_id: 0 };
        let extracted = client.merge(rendered)?;
        Ok((client, extracted))
    }

    /// The view's DOM id (used in the ids the client injects).
    pub fn view_id(&self) -> &str {
        &self.view_id
    }

    /// The cached tree, as JSON (components under `c`).
    pub fn tree(&self) -> &Map<String, Value> {
        &self.rendered
    }

    /// The cids of the cached components.
    pub fn component_cids(&self) -> Vec<Cid> {
        match self.rendered.get(COMPONENTS) {
            Some(Value::Object(components)) => {
                components.keys().filter_map(|cid| cid.parse().ok()).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Extracts `t`/`e`/`r` and merges a diff (JS `Rendered.extract` + `mergeDiff`).
    ///
    /// # Errors
    /// [`MergeError`] where the JS client would throw; the tree may then be partly merged.
    pub fn merge(&mut self, diff: Value) -> Result<Extracted, MergeError> {
        let Value::Object(mut diff) = diff else { return Err(MergeError::NotAnObject) };
        let extracted = Extracted::take_from(&mut diff);
        self.merge_diff(diff)?;
        Ok(extracted)
    }

    fn merge_diff(&mut self, mut diff: Map<String, Value>) -> Result<(), MergeError> {
        let new_components = diff.remove(COMPONENTS);
        let rendered = std::mem::take(&mut self.rendered);
        self.rendered = mutable_merge(rendered, diff)?;
        if !self.rendered.get(COMPONENTS).is_some_and(Value::is_object) {
            self.rendered.insert(COMPONENTS.into(), Value::Object(Map::new()));
        }
        let Some(Value::Object(new_components)) = new_components else { return Ok(()) };
        let Some(Value::Object(old_components)) = self.rendered.get_mut(COMPONENTS) else {
            return Ok(());
        };
        let mut cache = HashMap::new();
        for cid in new_components.keys() {
            find_component(cid, &new_components, old_components, &mut cache, 0)?;
        }
        for cid in new_components.keys() {
            if let Some(resolved) = cache.remove(cid) {
                old_components.insert(cid.clone(), Value::Object(resolved));
            }
        }
        Ok(())
    }

    /// Forgets components (after the server confirmed `cids_destroyed`; JS `pruneCIDs`).
    pub fn prune_cids(&mut self, cids: &[Cid]) {
        if let Some(Value::Object(components)) = self.rendered.get_mut(COMPONENTS) {
            for cid in cids {
                components.remove(&cid.to_string());
            }
        }
    }

    /// Marks a component to be rendered without change tracking next time (JS `resetRender`,
    /// used when a pruned component is added back).
    pub fn reset_render(&mut self, cid: Cid) {
        if let Some(Value::Object(component)) =
            self.rendered.get_mut(COMPONENTS).and_then(|c| c.get_mut(cid.to_string()))
        {
            component.insert(RESET.into(), Value::Bool(true));
        }
    }

    fn next_magic_id(&mut self) -> String {
        self.magic_id += 1;
        format!("m{}-{}", self.magic_id, self.view_id)
    }
}

/// JS `cachedFindComponent`: resolves one component of a diff against the diff's other
/// components (positive `s`) and the cached ones (negative `s`, or plain merges).
fn find_component(
    cid: &str,
    new_components: &Map<String, Value>,
    old_components: &Map<String, Value>,
    cache: &mut HashMap<String, Map<String, Value>>,
    depth: usize,
) -> Result<Map<String, Value>, MergeError> {
    if let Some(found) = cache.get(cid) {
        return Ok(found.clone());
    }
    let cid_number = || cid.parse().unwrap_or(0);
    if depth > new_components.len() {
        return Err(MergeError::ComponentCycle(cid_number()));
    }
    let Some(Value::Object(cdiff)) = new_components.get(cid) else {
        return Err(MergeError::MissingComponent(cid_number()));
    };
    let resolved = match cdiff.get(STATIC).and_then(cid_reference) {
        Some(scid) => {
            let template = if scid > 0 {
                find_component(&scid.to_string(), new_components, old_components, cache, depth + 1)?
            } else {
                let source = (-scid).to_string();
                match old_components.get(&source) {
                    Some(Value::Object(old)) => old.clone(),
                    _ => {
                        return Err(MergeError::MissingComponent(
                            u32::try_from(-scid).unwrap_or(0),
                        ));
                    }
                }
            };
            let statics = template.get(STATIC).cloned();
            let mut merged = clone_merge(&template, cdiff, true)?;
            match statics {
                Some(statics) => merged.insert(STATIC.into(), statics),
                None => merged.remove(STATIC),
            };
            merged
        }
        None => match old_components.get(cid) {
            Some(Value::Object(old)) if !cdiff.contains_key(STATIC) => {
                clone_merge(old, cdiff, false)?
            }
            _ => cdiff.clone(),
        },
    };
    cache.insert(cid.to_owned(), resolved.clone());
    Ok(resolved)
}

/// JS `isCid` on a statics value: a number, or a string of digits.
fn cid_reference(statics: &Value) -> Option<i64> {
    match statics {
        Value::Number(n) => n.as_i64(),
        Value::String(s)
            if s == "0"
                || (s.starts_with(|c: char| ('1'..='9').contains(&c))
                    && s.bytes().all(|b| b.is_ascii_digit())) =>
        {
            s.parse().ok()
        }
        _ => None,
    }
}

/// JS `mutableMerge`: a source with statics replaces the target.
fn mutable_merge(
    mut target: Map<String, Value>,
    source: Map<String, Value>,
) -> Result<Map<String, Value>, MergeError> {
    if source.contains_key(STATIC) {
        return Ok(source);
    }
    do_mutable_merge(&mut target, source)?;
    Ok(target)
}

/// JS `doMutableMerge`: objects without statics merge into objects, anything else replaces.
fn do_mutable_merge(
    target: &mut Map<String, Value>,
    source: Map<String, Value>,
) -> Result<(), MergeError> {
    if source.get(KEYED).is_some_and(truthy) {
        merge_keyed(target, source)?;
    } else {
        for (key, value) in source {
            match (value, target.get_mut(&key)) {
                (Value::Object(value), Some(Value::Object(old))) if !value.contains_key(STATIC) => {
                    do_mutable_merge(old, value)?;
                }
                (value, _) => {
                    target.insert(key, value);
                }
            }
        }
    }
    if target.get(ROOT).is_some_and(truthy) {
        target.insert(NEW_RENDER.into(), Value::Bool(true));
    }
    Ok(())
}

/// JS `mergeKeyed`: entries by index, moves from a snapshot taken when `km` is set, `kc`
/// drops the tail; `stream` and `p` replace.
fn merge_keyed(
    target: &mut Map<String, Value>,
    mut source: Map<String, Value>,
) -> Result<(), MergeError> {
    let Some(Value::Object(keyed)) = source.remove(KEYED) else { return Err(MergeError::BadKeyed) };
    let snapshot = match keyed.get(KEYED_MOVED).is_some_and(truthy) {
        true => target.get(KEYED).cloned(),
        false => None,
    };
    let Some(Value::Object(target_keyed)) = target.get_mut(KEYED) else {
        return Err(MergeError::BadKeyed);
    };
    let moved_from = |old: &Value| -> Result<Value, MergeError> {
        let old = old.as_u64().ok_or(MergeError::BadKeyed)?;
        let snapshot = snapshot.as_ref().ok_or(MergeError::BadKeyed)?;
        Ok(snapshot.get(old.to_string()).cloned().unwrap_or(Value::Null))
    };
    let new_count = keyed.get(KEYED_COUNT).cloned();
    for (index, entry) in keyed {
        if index == KEYED_COUNT || index == KEYED_MOVED {
            continue;
        }
        match entry {
            Value::Array(moved) => {
                let (Some(old), Some(Value::Object(diff))) = (moved.first(), moved.get(1)) else {
                    return Err(MergeError::BadKeyed);
                };
                let Value::Object(mut entry) = moved_from(old)? else {
                    return Err(MergeError::BadKeyed);
                };
                do_mutable_merge(&mut entry, diff.clone())?;
                target_keyed.insert(index, Value::Object(entry));
            }
            Value::Number(_) => {
                let entry = moved_from(&entry)?;
                target_keyed.insert(index, entry);
            }
            Value::Object(diff) => {
                let slot = target_keyed.entry(index).or_insert_with(|| Value::Object(Map::new()));
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                if let Value::Object(entry) = slot {
                    do_mutable_merge(entry, diff)?;
                }
            }
            _ => {}
        }
    }
    let old_count = target_keyed.get(KEYED_COUNT).and_then(Value::as_u64);
    let count = new_count.as_ref().and_then(Value::as_u64);
    if let (Some(count), Some(old_count)) = (count, old_count) {
        // The JS deletes indexes count..old_count one by one; walking the keys instead does
        // the same without trusting the counts' size.
        target_keyed
            .retain(|key, _| !key.parse::<u64>().is_ok_and(|i| i >= count && i < old_count));
    }
    target_keyed.insert(KEYED_COUNT.into(), new_count.unwrap_or(Value::Null));
    if let Some(stream) = source.remove(STREAM).filter(truthy) {
        target.insert(STREAM.into(), stream);
    }
    if let Some(templates) = source.remove(TEMPLATES).filter(truthy) {
        target.insert(TEMPLATES.into(), templates);
    }
    Ok(())
}

/// JS `cloneMerge`: merges a component diff over a copy of a cached tree. `prune` drops the
/// copied magic ids (statics shared from another cid).
fn clone_merge(
    target: &Map<String, Value>,
    source: &Map<String, Value>,
    prune: bool,
) -> Result<Map<String, Value>, MergeError> {
    let mut merged;
    if source.get(KEYED).is_some_and(truthy) {
        merged = target.clone();
        merge_keyed(&mut merged, source.clone())?;
        if prune {
            prune_internal_ids(&mut merged);
        }
    } else {
        merged = target.clone();
        for (key, value) in source {
            merged.insert(key.clone(), value.clone());
        }
        let keys: Vec<String> = merged.keys().cloned().collect();
        for key in keys {
            let replacement = match (source.get(&key), target.get(&key)) {
                (Some(Value::Object(value)), Some(Value::Object(old)))
                    if !value.contains_key(STATIC) =>
                {
                    clone_merge(old, value, prune)?
                }
                (None, Some(Value::Object(old))) => clone_merge(old, &Map::new(), prune)?,
                _ => continue,
            };
            merged.insert(key, Value::Object(replacement));
        }
    }
    if prune {
        delete_internal_ids(&mut merged);
    } else if target.get(ROOT).is_some_and(truthy) {
        merged.insert(NEW_RENDER.into(), Value::Bool(true));
    }
    Ok(merged)
}

fn prune_internal_ids(node: &mut Map<String, Value>) {
    for value in node.values_mut() {
        if let Value::Object(child) = value {
            prune_internal_ids(child);
        }
    }
    delete_internal_ids(node);
}

fn delete_internal_ids(node: &mut Map<String, Value>) {
    node.remove(MAGIC_ID);
    node.remove(NEW_RENDER);
}

/// JavaScript truthiness of a JSON value.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

#[cfg(test)]
mod tests;
