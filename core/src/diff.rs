//! The diff engine: what changed since the client's last render, in the wire format of
//! `phoenix_live_view` 1.2 (Phoenix's `diff.ex`).
//!
//! A [`DiffTracker`] remembers, per view root and per component, the fingerprints the client
//! has (and, inside comprehensions, the entries' values). Each render is diffed against it:
//! - a node whose fingerprint is new is sent whole: dynamics, `"s"` (always an array of
//!   strings) and `"r":1` for root-flagged nodes;
//! - a known node sends only the slots that carry a value (`None` = unchanged);
//! - a comprehension with known statics sends `{"k":{"<i>":entry,...,"kc":N}}` with only the
//!   entries whose values differ (partially, down to the changed slots); nothing at all when
//!   nothing changed; streams always send their entries and `"stream"` operations.
//!
//! Deliberate simplifications that the 1.2 client accepts (see `phoenix-protocol.md` §7):
//! no `p` templates, no statics shared between components (`"s"` is never an integer), no
//! moved comprehension entries (so never `km`). Serialization writes JSON text directly.

use serde::Serialize;
use serde_json::Value;

use crate::rendered::{Cid, Rendered};
use crate::wire::{self, write_key, write_str};

mod walk;

use walk::HeldNode;

/// Why a diff could not be computed.
///
/// After an error the tracker no longer trusts what it knew about the node: the next diff of
/// it is a full render (for the view root, that also drops all components, see
/// [`DiffTracker::diff_root`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiffError {
    /// A slot was reported unchanged but the client has no value for it (its fingerprint is
    /// new); the caller must render again with every assign marked changed.
    MissingDynamic,
    /// An unresolved `ComponentCall`/`ChildCall` reached the diff engine.
    Unresolved,
    /// A node's number of dynamics does not fit its statics (`statics.len() - 1`), or differs
    /// from what the client holds for the same fingerprint; the template front end is wrong.
    SlotCount {
        /// Slots the statics (or the client's copy) have room for.
        expected: usize,
        /// Dynamics the node carries.
        found: usize,
    },
}

impl std::fmt::Display for DiffError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiffError::MissingDynamic => f.write_str("unchanged slot without a previous value"),
            DiffError::Unresolved => {
                f.write_str("component or child call not resolved before diffing")
            }
            DiffError::SlotCount { expected, found } => {
                write!(
                    f,
                    "rendered node has {found} dynamics where its statics have {expected} slots"
                )
            }
        }
    }
}

impl std::error::Error for DiffError {}

/// The diff of one rendered node: a JSON object, already serialized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeDiff(String);

impl NodeDiff {
    /// The JSON text (an object).
    pub fn as_json(&self) -> &str {
        &self.0
    }

    /// The JSON text (an object), by value.
    pub fn into_json(self) -> String {
        self.0
    }
}

/// Serializes as the JSON object it holds. This re-parses the text, so it is for tests and
/// tools; the wire path is [`Diff::to_json`].
impl Serialize for NodeDiff {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value: Value = serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        value.serialize(serializer)
    }
}

/// What the client has: fingerprints and values of the last render, per view and component.
#[derive(Debug, Default)]
pub struct DiffTracker {
    root: Option<HeldNode>,
    components: std::collections::HashMap<Cid, HeldNode>,
}

impl DiffTracker {
    /// A tracker for a client that has nothing yet.
    pub fn new() -> DiffTracker {
        DiffTracker::default()
    }

    /// Forgets everything: the next diff of each node is a full render (a rejoin).
    pub fn reset(&mut self) {
        self.root = None;
        self.components.clear();
    }

    /// Diffs a view's render; `Ok(None)` when nothing changed.
    ///
    /// When the root is sent whole (first render, or a new root fingerprint) the client
    /// replaces its tree *and drops every component it cached*; the tracker forgets them
    /// too, so every component the new root references must be diffed (in full) in the same
    /// [`Diff`]: check [`DiffTracker::has_component`]. Diff the root before the components.
    ///
    /// # Errors
    /// [`DiffError`] when `rendered` lacks values the client needs or is malformed; the next
    /// root diff is then a full render (with the consequences above).
    pub fn diff_root(&mut self, rendered: &Rendered) -> Result<Option<NodeDiff>, DiffError> {
        let mut out = String::with_capacity(128);
        let result = match &mut self.root {
            Some(held) if held.fingerprint == rendered.fingerprint => {
                changed_object(&mut out, rendered, held)
            }
            _ => {
                self.components.clear();
                walk::full_node(&mut out, rendered, false).map(|held| {
                    self.root = Some(held);
                    true
                })
            }
        };
        match result {
            Ok(true) => Ok(Some(NodeDiff(out))),
            Ok(false) => Ok(None),
            Err(error) => {
                self.root = None;
                self.components.clear();
                Err(error)
            }
        }
    }

    /// Diffs a component's render; `Ok(None)` when nothing changed.
    ///
    /// The component root is flagged `"r":1` whenever its statics are sent (the client keeps
    /// the flag across later diffs, and needs it to find the component's element).
    ///
    /// # Errors
    /// [`DiffError`] when `rendered` lacks values the client needs or is malformed; the next
    /// diff of this component is then a full render.
    pub fn diff_component(
        &mut self,
        cid: Cid,
        rendered: &Rendered,
    ) -> Result<Option<NodeDiff>, DiffError> {
        let mut out = String::with_capacity(64);
        let result = match self.components.get_mut(&cid) {
            Some(held) if held.fingerprint == rendered.fingerprint => {
                changed_object(&mut out, rendered, held)
            }
            _ => walk::full_node(&mut out, rendered, true).map(|held| {
                self.components.insert(cid, held);
                true
            }),
        };
        match result {
            Ok(true) => Ok(Some(NodeDiff(out))),
            Ok(false) => Ok(None),
            Err(error) => {
                self.components.remove(&cid);
                Err(error)
            }
        }
    }

    /// Frees what can be rebuilt (for an idle, hibernating view): the remembered values of
    /// comprehension entries. Fingerprints stay, so nothing is sent again until the next
    /// render, which resends the entries of every re-rendered comprehension whole (without
    /// statics) instead of only the changed ones.
    pub fn hibernate(&mut self) {
        if let Some(root) = &mut self.root {
            root.forget_values();
        }
        for component in self.components.values_mut() {
            component.forget_values();
        }
        self.components.shrink_to_fit();
    }

    /// Forgets a removed component (after the client's `cids_destroyed`).
    pub fn forget_component(&mut self, cid: Cid) {
        self.components.remove(&cid);
    }

    /// True when the client holds component `cid` (a render of it has been diffed since the
    /// last full root render).
    pub fn has_component(&self, cid: Cid) -> bool {
        self.components.contains_key(&cid)
    }
}

/// `{...changed members...}` into `out`; `false` (and nothing written) when nothing changed.
fn changed_object(
    out: &mut String,
    rendered: &Rendered,
    held: &mut HeldNode,
) -> Result<bool, DiffError> {
    out.push('{');
    walk::changed_node_members(out, rendered, held)?;
    if out.len() == 1 {
        out.clear();
        return Ok(false);
    }
    out.push('}');
    Ok(true)
}

/// A whole view diff: root, components, title, pushed events and the event reply.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diff {
    /// The view's own diff.
    pub root: Option<NodeDiff>,
    /// Changed components (`c`). Removed components are not part of a diff: the client
    /// reports them (`cids_destroyed`) and the server forgets them
    /// ([`DiffTracker::forget_component`]).
    pub components: Vec<(Cid, NodeDiff)>,
    /// New page title (`t`).
    pub title: Option<String>,
    /// Pushed events (`e`): `[event, payload]`.
    pub events: Vec<(String, Value)>,
    /// Reply to a hook's `pushEvent` (`r`).
    pub reply: Option<Value>,
}

impl Diff {
    /// True when there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
            && self.components.is_empty()
            && self.title.is_none()
            && self.events.is_empty()
            && self.reply.is_none()
    }

    /// Serializes to the wire JSON: the root's members, then `c`, `t`, `e` and `r`.
    pub fn to_json(&self) -> String {
        let root = self.root.as_ref().map_or("{}", NodeDiff::as_json);
        let components: usize = self.components.iter().map(|(_, d)| d.0.len() + 12).sum();
        let mut out = String::with_capacity(root.len() + components + 16);
        // The root is a JSON object: reopen it to append the top-level keys.
        out.push_str(&root[..root.len() - 1]);
        if !self.components.is_empty() {
            wire::comma(&mut out);
            write_key(&mut out, wire::COMPONENTS);
            out.push('{');
            for (i, (cid, diff)) in self.components.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                wire::write_usize(&mut out, *cid as usize);
                out.push_str("\":");
                out.push_str(&diff.0);
            }
            out.push('}');
        }
        if let Some(title) = &self.title {
            wire::comma(&mut out);
            write_key(&mut out, wire::TITLE);
            write_str(&mut out, title);
        }
        if !self.events.is_empty() {
            wire::comma(&mut out);
            write_key(&mut out, wire::EVENTS);
            out.push('[');
            for (i, (event, payload)) in self.events.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                write_str(&mut out, event);
                out.push(',');
                out.push_str(&payload.to_string());
                out.push(']');
            }
            out.push(']');
        }
        if let Some(reply) = &self.reply {
            wire::comma(&mut out);
            write_key(&mut out, wire::REPLY);
            out.push_str(&reply.to_string());
        }
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests;
