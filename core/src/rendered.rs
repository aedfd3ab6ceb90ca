//! The tree a render produces: statics, dynamic slots and fingerprints.
//!
//! This is Phoenix's `%Rendered{}` / `%Comprehension{}` (engine.ex). A template front end
//! (`liveview-templates`) produces it; the diff engine ([`crate::diff`]) turns it into the
//! wire format the official JS client merges.

use std::sync::Arc;

use serde_json::Value;

use crate::diff::DiffError;

/// Identifier of a stateful LiveComponent inside one view (`cid` on the wire).
pub type Cid = u32;

/// A hash of a template's static shape; a different fingerprint means the client does not
/// have these statics yet and they must be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    /// Fingerprint of a list of statics (FNV-1a over the strings and their boundaries).
    ///
    /// Templates usually compute this once at compile time and reuse it.
    pub fn of_statics(statics: &[impl AsRef<str>]) -> Fingerprint {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for s in statics {
            for byte in s.as_ref().bytes().chain(std::iter::once(0xff)) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        Fingerprint(hash)
    }
}

/// The static strings of a template: `N + 1` strings around `N` dynamics.
///
/// Shared (`Arc`) because a compiled template hands the same statics to every render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statics(Arc<[Box<str>]>);

impl Statics {
    /// Wraps a list of static strings.
    pub fn new<S: Into<Box<str>>>(parts: impl IntoIterator<Item = S>) -> Statics {
        Statics(parts.into_iter().map(Into::into).collect())
    }

    /// The static strings.
    pub fn parts(&self) -> &[Box<str>] {
        &self.0
    }

    /// Number of dynamic slots these statics surround (`len - 1`).
    pub fn slot_count(&self) -> usize {
        self.0.len().saturating_sub(1)
    }
}

/// One rendered template (or template fragment such as an `{{#if}}` branch).
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// The static parts; `dynamics.len() + 1` of them.
    pub statics: Statics,
    /// One entry per slot. `None` means "unchanged since the previous render of this same
    /// fingerprint" (change tracking); `Some` carries the new value.
    pub dynamics: Vec<Option<Dynamic>>,
    /// Identity of the static shape.
    pub fingerprint: Fingerprint,
    /// The fragment renders exactly one root HTML element (`"r": 1` on the wire). Required
    /// for LiveComponent roots.
    pub root: bool,
}

impl Rendered {
    /// A rendered node whose dynamics are all present (a full render).
    pub fn new(statics: Statics, fingerprint: Fingerprint, dynamics: Vec<Dynamic>) -> Rendered {
        Rendered {
            statics,
            dynamics: dynamics.into_iter().map(Some).collect(),
            fingerprint,
            root: false,
        }
    }

    /// A static-only fragment (no dynamics), e.g. plain text.
    pub fn from_static(text: &str) -> Rendered {
        let statics = Statics::new([text]);
        let fingerprint = Fingerprint::of_statics(statics.parts());
        Rendered { statics, dynamics: Vec::new(), fingerprint, root: false }
    }

    /// True when every slot (recursively) carries a value, i.e. this is a full render.
    pub fn is_full(&self) -> bool {
        self.dynamics.iter().all(|d| match d {
            None => false,
            Some(Dynamic::Nested(r)) => r.is_full(),
            Some(_) => true,
        })
    }
}

/// Rendering a tree to HTML: the static ("dead") render, and what tests compare the client's
/// merged tree against.
impl Rendered {
    /// The complete HTML of this tree. Each component slot is rendered by `component`, which
    /// appends the component's HTML (Phoenix's dead render adds no attributes to component
    /// roots; the connected client does, see [`crate::merge::annotate_component_root`]).
    ///
    /// # Errors
    /// [`DiffError::MissingDynamic`] for an unchanged (`None`) slot, [`DiffError::Unresolved`]
    /// for a `ComponentCall`/`ChildCall`, [`DiffError::SlotCount`] for a malformed node, or
    /// whatever `component` returns.
    pub fn to_html<E: From<DiffError>>(
        &self,
        component: &mut dyn FnMut(Cid, &mut String) -> Result<(), E>,
    ) -> Result<String, E> {
        let mut out = String::new();
        self.write_html(&mut out, component)?;
        Ok(out)
    }

    /// Like [`Rendered::to_html`], appending to `out`.
    ///
    /// # Errors
    /// As [`Rendered::to_html`].
    pub fn write_html<E: From<DiffError>>(
        &self,
        out: &mut String,
        component: &mut dyn FnMut(Cid, &mut String) -> Result<(), E>,
    ) -> Result<(), E> {
        let slots = self.dynamics.iter().map(|d| d.as_ref().ok_or(DiffError::MissingDynamic));
        write_parts(out, &self.statics, slots, component)
    }
}

fn write_parts<'a, E: From<DiffError>>(
    out: &mut String,
    statics: &Statics,
    slots: impl ExactSizeIterator<Item = Result<&'a Dynamic, DiffError>>,
    component: &mut dyn FnMut(Cid, &mut String) -> Result<(), E>,
) -> Result<(), E> {
    let parts = statics.parts();
    if parts.is_empty() || parts.len() != slots.len() + 1 {
        return Err(
            DiffError::SlotCount { expected: statics.slot_count(), found: slots.len() }.into()
        );
    }
    for (part, slot) in parts.iter().zip(slots) {
        out.push_str(part);
        match slot? {
            Dynamic::Text(text) => out.push_str(text),
            Dynamic::Nested(rendered) => rendered.write_html(out, component)?,
            Dynamic::Comprehension(comprehension) => {
                for entry in &comprehension.entries {
                    write_parts(out, &comprehension.statics, entry.iter().map(Ok), component)?;
                }
            }
            Dynamic::Component(cid) => component(*cid, out)?,
            Dynamic::ComponentCall(_) | Dynamic::ChildCall(_) => {
                return Err(DiffError::Unresolved.into());
            }
        }
    }
    out.push_str(&parts[parts.len() - 1]);
    Ok(())
}

/// The value of one dynamic slot.
#[derive(Clone, Debug, PartialEq)]
pub enum Dynamic {
    /// HTML text, already escaped by whoever produced it.
    Text(String),
    /// A nested template (branch of `{{#if}}`, a partial, ...).
    Nested(Box<Rendered>),
    /// A list rendered from one shared template (`{{#each}}`).
    Comprehension(Box<Comprehension>),
    /// A LiveComponent already resolved to its cid by the runtime.
    Component(Cid),
    /// A `live_component` call from a template, resolved by the runtime into
    /// [`Dynamic::Component`] before diffing.
    ComponentCall(Box<ComponentCall>),
    /// A `live_render` call (nested child LiveView), resolved by the runtime into the child's
    /// container HTML ([`Dynamic::Text`]) before diffing.
    ChildCall(Box<ChildCall>),
}

impl Dynamic {
    /// Text that still needs escaping.
    pub fn escaped(text: &str) -> Dynamic {
        Dynamic::Text(crate::html::escape(text))
    }
}

/// A comprehension: every entry shares `statics`; each entry has its own dynamics.
#[derive(Clone, Debug, PartialEq)]
pub struct Comprehension {
    /// Statics shared by all entries.
    pub statics: Statics,
    /// Fingerprint of the shared statics.
    pub fingerprint: Fingerprint,
    /// Full dynamics of each entry, in order (entries are always complete).
    pub entries: Vec<Vec<Dynamic>>,
    /// Stream operations when this comprehension renders a stream (`phx-update="stream"`).
    pub stream: Option<StreamOps>,
}

/// What a stream render tells the client (`"stream": [ref, inserts, deletes, reset]`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct StreamOps {
    /// The stream's reference (`"0"`, `"1"`, ...).
    pub reference: String,
    /// Inserted/updated items, in the same order as the comprehension's entries.
    pub inserts: Vec<StreamInsert>,
    /// DOM ids to remove.
    pub deletes: Vec<String>,
    /// Remove every item that is not re-inserted by this render.
    pub reset: bool,
}

/// One stream insert (`[dom_id, at, limit, update_only]`).
#[derive(Clone, Debug, PartialEq)]
pub struct StreamInsert {
    /// DOM id of the item's element.
    pub dom_id: String,
    /// `-1` append, `0` prepend, `n` index.
    pub at: i64,
    /// Keep at most this many items (negative: the last n).
    pub limit: Option<i64>,
    /// Only patch the element if it already exists.
    pub update_only: bool,
}

/// A `live_component` call found while rendering a template.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentCall {
    /// Registered component name (e.g. `"CounterComponent"`).
    pub component: String,
    /// The component's `id`, unique per component name within a view.
    pub id: String,
    /// Assigns given by the caller (an object).
    pub assigns: serde_json::Map<String, Value>,
}

/// A `live_render` call (a nested child LiveView) found while rendering a template.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildCall {
    /// Registered view name.
    pub view: String,
    /// The child's DOM id (required, as in Phoenix); a new id mounts a new child.
    pub id: String,
    /// Session given to the child (string keys, signed into its token).
    pub session: serde_json::Map<String, Value>,
    /// Container tag override (default `div`).
    pub container: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_boundaries() {
        assert_ne!(Fingerprint::of_statics(&["ab", ""]), Fingerprint::of_statics(&["a", "b"]));
        assert_eq!(Fingerprint::of_statics(&["a", "b"]), Fingerprint::of_statics(&["a", "b"]));
    }

    #[test]
    fn renders_html_with_components_from_the_callback() {
        let item = Statics::new(["<li>", "</li>"]);
        let list = Comprehension {
            fingerprint: Fingerprint::of_statics(item.parts()),
            statics: item,
            entries: vec![vec![Dynamic::Text("a".into())], vec![Dynamic::Component(3)]],
            stream: None,
        };
        let s = Statics::new(["<ul>", "</ul>"]);
        let r = Rendered::new(
            s.clone(),
            Fingerprint::of_statics(s.parts()),
            vec![Dynamic::Comprehension(Box::new(list))],
        );
        let html = r.to_html::<DiffError>(&mut |cid, out| {
            out.push_str(&format!("<b>{cid}</b>"));
            Ok(())
        });
        assert_eq!(html.unwrap(), "<ul><li>a</li><li><b>3</b></li></ul>");
        let mut unchanged = r.clone();
        unchanged.dynamics[0] = None;
        assert_eq!(
            unchanged.to_html::<DiffError>(&mut |_, _| Ok(())),
            Err(DiffError::MissingDynamic)
        );
    }

    #[test]
    fn full_detection() {
        let s = Statics::new(["<p>", "</p>"]);
        let fp = Fingerprint::of_statics(s.parts());
        let mut r = Rendered::new(s, fp, vec![Dynamic::Text("x".into())]);
        assert!(r.is_full());
        r.dynamics[0] = None;
        assert!(!r.is_full());
    }
}
