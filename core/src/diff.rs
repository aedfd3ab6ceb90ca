//! The diff engine: what changed since the client's last render, in the wire format of
//! `phoenix_live_view` 1.2 (Phoenix's `diff.ex`).
//!
//! STUB: sends full renders; the real engine (fingerprints, comprehension entries) replaces
//! the internals without changing this API.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::rendered::{Cid, Dynamic, Rendered};

/// Why a diff could not be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiffError {
    /// A slot was reported unchanged but the client has no value for it (its fingerprint is
    /// new); the caller must render again with every assign marked changed.
    MissingDynamic,
    /// An unresolved `ComponentCall`/`ChildCall` reached the diff engine.
    Unresolved,
}

impl std::fmt::Display for DiffError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiffError::MissingDynamic => f.write_str("unchanged slot without a previous value"),
            DiffError::Unresolved => f.write_str("component or child call not resolved before diffing"),
        }
    }
}

impl std::error::Error for DiffError {}

/// The diff of one rendered node, ready to serialize.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct NodeDiff(Value);

/// What the client has: fingerprints and values of the last render, per view and component.
#[derive(Debug, Default)]
pub struct DiffTracker {
    sent_root: bool,
}

impl DiffTracker {
    /// A tracker for a client that has nothing yet.
    pub fn new() -> DiffTracker {
        DiffTracker::default()
    }

    /// Forgets everything: the next diff of each node is a full render.
    pub fn reset(&mut self) {
        self.sent_root = false;
    }

    /// Diffs a view's render; `Ok(None)` when nothing changed.
    ///
    /// # Errors
    /// [`DiffError`] when `rendered` lacks values the client needs.
    pub fn diff_root(&mut self, rendered: &Rendered) -> Result<Option<NodeDiff>, DiffError> {
        self.sent_root = true;
        full(rendered, false).map(|v| Some(NodeDiff(v)))
    }

    /// Diffs a component's render (roots carry `"r": 1`); `Ok(None)` when nothing changed.
    ///
    /// # Errors
    /// [`DiffError`] when `rendered` lacks values the client needs.
    pub fn diff_component(&mut self, _cid: Cid, rendered: &Rendered) -> Result<Option<NodeDiff>, DiffError> {
        full(rendered, true).map(|v| Some(NodeDiff(v)))
    }

    /// Forgets a removed component.
    pub fn forget_component(&mut self, _cid: Cid) {}
}

fn full(rendered: &Rendered, root: bool) -> Result<Value, DiffError> {
    let mut map = Map::new();
    for (i, d) in rendered.dynamics.iter().enumerate() {
        let value = match d.as_ref().ok_or(DiffError::MissingDynamic)? {
            Dynamic::Text(t) => Value::String(t.clone()),
            Dynamic::Nested(r) => full(r, false)?,
            Dynamic::Component(cid) => Value::from(*cid),
            Dynamic::Comprehension(c) => {
                let mut k = Map::new();
                for (j, entry) in c.entries.iter().enumerate() {
                    let r = Rendered::new(c.statics.clone(), c.fingerprint, entry.clone());
                    k.insert(j.to_string(), full(&r, false)?);
                }
                k.insert("kc".into(), Value::from(c.entries.len()));
                let mut m = Map::new();
                m.insert("s".into(), Value::from(c.statics.parts().iter().map(|s| s.to_string()).collect::<Vec<_>>()));
                m.insert("k".into(), Value::Object(k));
                Value::Object(m)
            }
            Dynamic::ComponentCall(_) | Dynamic::ChildCall(_) => return Err(DiffError::Unresolved),
        };
        map.insert(i.to_string(), value);
    }
    map.insert("s".into(), Value::from(rendered.statics.parts().iter().map(|s| s.to_string()).collect::<Vec<_>>()));
    if root || rendered.root {
        map.insert("r".into(), Value::from(1));
    }
    Ok(Value::Object(map))
}

/// A whole view diff: root, components, title, pushed events and the event reply.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diff {
    /// The view's own diff.
    pub root: Option<NodeDiff>,
    /// Changed components (`c`).
    pub components: Vec<(Cid, NodeDiff)>,
    /// Removed components the client should forget are not part of the diff: the client asks
    /// (`cids_destroyed`).
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
        self.root.is_none() && self.components.is_empty() && self.title.is_none() && self.events.is_empty() && self.reply.is_none()
    }

    /// Serializes to the wire JSON.
    pub fn to_json(&self) -> String {
        let mut map = match &self.root {
            Some(NodeDiff(Value::Object(m))) => m.clone(),
            _ => Map::new(),
        };
        if !self.components.is_empty() {
            let c: Map<String, Value> = self.components.iter().map(|(cid, d)| (cid.to_string(), d.0.clone())).collect();
            map.insert("c".into(), Value::Object(c));
        }
        if let Some(t) = &self.title {
            map.insert("t".into(), Value::String(t.clone()));
        }
        if !self.events.is_empty() {
            map.insert("e".into(), self.events.iter().map(|(e, p)| serde_json::json!([e, p])).collect());
        }
        if let Some(r) = &self.reply {
            map.insert("r".into(), r.clone());
        }
        Value::Object(map).to_string()
    }
}
