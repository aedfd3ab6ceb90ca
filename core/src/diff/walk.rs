//! The traversal behind [`super::DiffTracker`]: walks a [`Rendered`] beside what the client
//! holds and writes the diff as JSON text as it goes.
//!
//! Two kinds of memory, as in Phoenix's `diff.ex`:
//! - outside comprehensions only fingerprints are kept ("the client has these statics"); a
//!   `Some` text is always sent, `None` is unchanged (the template's change tracking decided);
//! - inside comprehension entries the previous *values* are kept too, because entries arrive
//!   complete (Phoenix keeps each entry's variables for the same reason) and only the slots
//!   that differ are sent.
//!
//! Output is written speculatively: a nested node opens `"i":{`, and when nothing below it
//! changed the buffer is truncated back to where it was.

use crate::diff::DiffError;
use crate::rendered::{Cid, Comprehension, Dynamic, Fingerprint, Rendered, Statics, StreamOps};
use crate::wire::{self, write_index_key, write_key, write_str};

/// What the client holds at one dynamic position.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) enum Held {
    /// Text or a cid whose value is not remembered (outside comprehensions), or nothing.
    #[default]
    Opaque,
    /// Text remembered inside a comprehension entry.
    Text(Box<str>),
    /// A cid remembered inside a comprehension entry.
    Cid(Cid),
    /// A nested node whose statics the client has.
    Node(Box<HeldNode>),
    /// A comprehension whose statics the client has.
    Comprehension(Box<HeldComprehension>),
}

/// A node the client has: its fingerprint and what it holds in each slot.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HeldNode {
    pub(crate) fingerprint: Fingerprint,
    slots: Vec<Held>,
}

/// A comprehension the client has; entries are always remembered by value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HeldComprehension {
    fingerprint: Fingerprint,
    entries: Vec<Vec<Held>>,
}

/// Whether text values are remembered (inside comprehension entries) or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Memory {
    Fingerprints,
    Values,
}

/// Writes a whole node: dynamics, statics, and `"r":1` when `root`.
pub(crate) fn full_node(
    out: &mut String,
    rendered: &Rendered,
    root: bool,
) -> Result<HeldNode, DiffError> {
    full_node_in(out, rendered, root, Memory::Fingerprints)
}

/// Writes the members (`"i":...`) of the slots of `rendered` that the client lacks, without
/// braces. The caller checks whether anything was written.
pub(crate) fn changed_node_members(
    out: &mut String,
    rendered: &Rendered,
    held: &mut HeldNode,
) -> Result<(), DiffError> {
    node_members(out, rendered, held, Memory::Fingerprints)
}

fn full_node_in(
    out: &mut String,
    rendered: &Rendered,
    root: bool,
    memory: Memory,
) -> Result<HeldNode, DiffError> {
    check_slots(&rendered.statics, rendered.dynamics.len())?;
    out.push('{');
    let mut slots = Vec::with_capacity(rendered.dynamics.len());
    for (i, dynamic) in rendered.dynamics.iter().enumerate() {
        let dynamic = dynamic.as_ref().ok_or(DiffError::MissingDynamic)?;
        let mut held = Held::Opaque;
        let mark = out.len();
        wire::comma(out);
        write_index_key(out, i);
        if !slot(out, dynamic, &mut held, memory)? {
            // Only an empty comprehension already held as "" writes nothing, and a fresh node
            // never holds one; keep the output well formed regardless.
            out.truncate(mark);
        }
        slots.push(held);
    }
    wire::comma(out);
    write_statics(out, &rendered.statics);
    if root || rendered.root {
        out.push(',');
        write_key(out, wire::ROOT);
        out.push('1');
    }
    out.push('}');
    Ok(HeldNode { fingerprint: rendered.fingerprint, slots })
}

fn node_members(
    out: &mut String,
    rendered: &Rendered,
    held: &mut HeldNode,
    memory: Memory,
) -> Result<(), DiffError> {
    check_slots(&rendered.statics, rendered.dynamics.len())?;
    if held.slots.len() != rendered.dynamics.len() {
        return Err(DiffError::SlotCount {
            expected: held.slots.len(),
            found: rendered.dynamics.len(),
        });
    }
    for (i, (dynamic, held)) in rendered.dynamics.iter().zip(&mut held.slots).enumerate() {
        let Some(dynamic) = dynamic else { continue };
        if memory == Memory::Values && same_leaf(dynamic, held) {
            continue;
        }
        let mark = out.len();
        wire::comma(out);
        write_index_key(out, i);
        if !slot(out, dynamic, held, memory)? {
            out.truncate(mark);
        }
    }
    Ok(())
}

/// Cheap pre-check for the common case of an unchanged text or cid inside an entry, so that
/// nothing is written (and truncated) for it.
fn same_leaf(dynamic: &Dynamic, held: &Held) -> bool {
    match (dynamic, held) {
        (Dynamic::Text(text), Held::Text(old)) => text.as_str() == &**old,
        (Dynamic::Component(cid), Held::Cid(old)) => cid == old,
        _ => false,
    }
}

/// Writes the JSON value of one slot, or nothing (returns `false`) when the client already
/// has it; updates `held` to what the client will have.
fn slot(
    out: &mut String,
    dynamic: &Dynamic,
    held: &mut Held,
    memory: Memory,
) -> Result<bool, DiffError> {
    match dynamic {
        Dynamic::Text(text) => {
            if memory == Memory::Values {
                if matches!(held, Held::Text(old) if **old == **text) {
                    return Ok(false);
                }
                *held = Held::Text(text.as_str().into());
            } else {
                *held = Held::Opaque;
            }
            write_str(out, text);
        }
        Dynamic::Component(cid) => {
            if memory == Memory::Values {
                if *held == Held::Cid(*cid) {
                    return Ok(false);
                }
                *held = Held::Cid(*cid);
            } else {
                *held = Held::Opaque;
            }
            wire::write_int(out, cid);
        }
        Dynamic::Nested(rendered) => match held {
            Held::Node(node) if node.fingerprint == rendered.fingerprint => {
                let mark = out.len();
                out.push('{');
                node_members(out, rendered, node, memory)?;
                if out.len() == mark + 1 {
                    out.truncate(mark);
                    return Ok(false);
                }
                out.push('}');
            }
            _ => *held = Held::Node(Box::new(full_node_in(out, rendered, false, memory)?)),
        },
        Dynamic::Comprehension(comprehension) => {
            return comprehension_slot(out, comprehension, held, memory);
        }
        Dynamic::ComponentCall(_) | Dynamic::ChildCall(_) => return Err(DiffError::Unresolved),
    }
    Ok(true)
}

fn comprehension_slot(
    out: &mut String,
    comprehension: &Comprehension,
    held: &mut Held,
    memory: Memory,
) -> Result<bool, DiffError> {
    match held {
        Held::Comprehension(old) if old.fingerprint == comprehension.fingerprint => {
            changed_comprehension(out, comprehension, old)
        }
        _ if comprehension.entries.is_empty() && comprehension.stream.is_none() => {
            // Phoenix renders a never-sent empty comprehension as "" and sends no statics
            // until it has entries.
            let empty = Held::Text("".into());
            if memory == Memory::Values && *held == empty {
                return Ok(false);
            }
            *held = if memory == Memory::Values { empty } else { Held::Opaque };
            out.push_str("\"\"");
            Ok(true)
        }
        _ => {
            *held = Held::Comprehension(Box::new(full_comprehension(out, comprehension)?));
            Ok(true)
        }
    }
}

fn full_comprehension(
    out: &mut String,
    comprehension: &Comprehension,
) -> Result<HeldComprehension, DiffError> {
    out.push('{');
    write_statics(out, &comprehension.statics);
    out.push(',');
    write_key(out, wire::KEYED);
    out.push('{');
    let mut entries = Vec::with_capacity(comprehension.entries.len());
    for (i, entry) in comprehension.entries.iter().enumerate() {
        entries.push(full_entry(out, &comprehension.statics, i, entry)?);
    }
    finish_keyed(out, comprehension);
    out.push('}');
    if comprehension.stream.is_some() {
        // The client empties a stream's entries once it has rendered them.
        entries.clear();
    }
    Ok(HeldComprehension { fingerprint: comprehension.fingerprint, entries })
}

/// Same statics as the client has: only changed and new entries, `kc` always; nothing at
/// all when no entry changed and the count is the same (streams always send).
fn changed_comprehension(
    out: &mut String,
    comprehension: &Comprehension,
    held: &mut HeldComprehension,
) -> Result<bool, DiffError> {
    let mark = out.len();
    out.push('{');
    write_key(out, wire::KEYED);
    out.push('{');
    let keyed_start = out.len();
    let old_count = held.entries.len();
    for (i, entry) in comprehension.entries.iter().enumerate() {
        if comprehension.stream.is_none() && i < old_count {
            changed_entry(out, &comprehension.statics, i, entry, &mut held.entries[i])?;
        } else {
            let new = full_entry(out, &comprehension.statics, i, entry)?;
            if i < held.entries.len() {
                held.entries[i] = new;
            } else {
                held.entries.push(new);
            }
        }
    }
    held.entries.truncate(comprehension.entries.len());
    if comprehension.stream.is_none()
        && out.len() == keyed_start
        && comprehension.entries.len() == old_count
    {
        out.truncate(mark);
        return Ok(false);
    }
    finish_keyed(out, comprehension);
    out.push('}');
    if comprehension.stream.is_some() {
        held.entries.clear();
    }
    Ok(true)
}

/// Writes `"kc":N}` closing `k`, then the stream operations if any.
fn finish_keyed(out: &mut String, comprehension: &Comprehension) {
    wire::comma(out);
    write_key(out, wire::KEYED_COUNT);
    wire::write_int(out, comprehension.entries.len());
    out.push('}');
    if let Some(stream) = &comprehension.stream {
        out.push(',');
        write_key(out, wire::STREAM);
        write_stream(out, stream);
    }
}

fn full_entry(
    out: &mut String,
    statics: &Statics,
    index: usize,
    entry: &[Dynamic],
) -> Result<Vec<Held>, DiffError> {
    check_slots(statics, entry.len())?;
    wire::comma(out);
    write_index_key(out, index);
    out.push('{');
    let mut slots = Vec::with_capacity(entry.len());
    for (i, dynamic) in entry.iter().enumerate() {
        let mut held = Held::Opaque;
        let mark = out.len();
        wire::comma(out);
        write_index_key(out, i);
        if !slot(out, dynamic, &mut held, Memory::Values)? {
            out.truncate(mark);
        }
        slots.push(held);
    }
    out.push('}');
    Ok(slots)
}

fn changed_entry(
    out: &mut String,
    statics: &Statics,
    index: usize,
    entry: &[Dynamic],
    held: &mut Vec<Held>,
) -> Result<(), DiffError> {
    check_slots(statics, entry.len())?;
    if held.len() != entry.len() {
        *held = full_entry(out, statics, index, entry)?;
        return Ok(());
    }
    // Fast path: most entries of a big list are unchanged leaves.
    let first = entry.iter().zip(held.iter()).position(|(dynamic, held)| !same_leaf(dynamic, held));
    let Some(first) = first else { return Ok(()) };
    let mark = out.len();
    wire::comma(out);
    write_index_key(out, index);
    out.push('{');
    let open = out.len();
    for (i, (dynamic, held)) in entry.iter().zip(held.iter_mut()).enumerate().skip(first) {
        if same_leaf(dynamic, held) {
            continue;
        }
        let slot_mark = out.len();
        wire::comma(out);
        write_index_key(out, i);
        if !slot(out, dynamic, held, Memory::Values)? {
            out.truncate(slot_mark);
        }
    }
    if out.len() == open {
        out.truncate(mark);
    } else {
        out.push('}');
    }
    Ok(())
}

fn check_slots(statics: &Statics, dynamics: usize) -> Result<(), DiffError> {
    if statics.slot_count() == dynamics && !statics.parts().is_empty() {
        Ok(())
    } else {
        Err(DiffError::SlotCount { expected: statics.slot_count(), found: dynamics })
    }
}

fn write_statics(out: &mut String, statics: &Statics) {
    write_key(out, wire::STATIC);
    out.push('[');
    for (i, part) in statics.parts().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, part);
    }
    out.push(']');
}

/// `[ref, [[dom_id, at, limit, update_only], ...], [delete_id, ...]]`, plus `true` when
/// resetting (as Phoenix's `LiveStream` encodes it).
fn write_stream(out: &mut String, stream: &StreamOps) {
    out.push('[');
    write_str(out, &stream.reference);
    out.push_str(",[");
    for (i, insert) in stream.inserts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        write_str(out, &insert.dom_id);
        out.push(',');
        wire::write_int(out, insert.at);
        out.push(',');
        match insert.limit {
            Some(limit) => wire::write_int(out, limit),
            None => out.push_str("null"),
        }
        out.push_str(if insert.update_only { ",true]" } else { ",false]" });
    }
    out.push_str("],[");
    for (i, id) in stream.deletes.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, id);
    }
    out.push_str(if stream.reset { "],true]" } else { "]]" });
}
