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

/// A comprehension the client has; entries are always remembered by value, flattened: entry
/// `i` is `slots[i * width..(i + 1) * width]` (one allocation for the whole list, and the
/// scan of a big unchanged list walks memory in order).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HeldComprehension {
    fingerprint: Fingerprint,
    /// Slots per entry (`statics.len() - 1`).
    width: usize,
    /// Number of entries the client has.
    count: usize,
    slots: Vec<Held>,
}

impl HeldNode {
    /// Forgets remembered comprehension values below this node, keeping fingerprints.
    pub(crate) fn forget_values(&mut self) {
        for slot in &mut self.slots {
            slot.forget_values();
        }
    }
}

impl Held {
    fn forget_values(&mut self) {
        match self {
            Held::Node(node) => node.forget_values(),
            Held::Comprehension(comprehension) => comprehension.slots = Vec::new(),
            Held::Opaque | Held::Text(_) | Held::Cid(_) => {}
        }
    }
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
#[inline]
fn same_leaf(dynamic: &Dynamic, held: &Held) -> bool {
    match held {
        Held::Text(old) => match dynamic {
            Dynamic::Text(text) => same_bytes(text.as_bytes(), old.as_bytes()),
            _ => false,
        },
        Held::Cid(old) => matches!(dynamic, Dynamic::Component(cid) if cid == old),
        _ => false,
    }
}

/// `a == b`, without a `memcmp` call for short strings: table cells are mostly a few bytes,
/// where the call costs more than the comparison. Compares by (overlapping) words.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

/// The 8 bytes at `at` (callers stay in bounds; out of bounds would read as 0 on both sides
/// of a comparison of equal lengths).
#[inline]
fn word8(s: &[u8], at: usize) -> u64 {
    s.get(at..at + 8).and_then(|w| w.try_into().ok()).map_or(0, u64::from_ne_bytes)
}

/// The 4 bytes at `at` (see [`word8`]).
#[inline]
fn word4(s: &[u8], at: usize) -> u32 {
    s.get(at..at + 4).and_then(|w| w.try_into().ok()).map_or(0, u32::from_ne_bytes)
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
    let width = comprehension.statics.slot_count();
    let mut slots = Vec::with_capacity(comprehension.entries.len() * width);
    for (i, entry) in comprehension.entries.iter().enumerate() {
        full_entry(out, &comprehension.statics, i, entry, &mut slots)?;
    }
    finish_keyed(out, comprehension);
    out.push('}');
    let mut count = comprehension.entries.len();
    if comprehension.stream.is_some() {
        // The client empties a stream's entries once it has rendered them.
        slots.clear();
        count = 0;
    }
    Ok(HeldComprehension { fingerprint: comprehension.fingerprint, width, count, slots })
}

/// Same statics as the client has: only changed and new entries, `kc` always; nothing at
/// all when no entry changed and the count is the same (streams always send).
fn changed_comprehension(
    out: &mut String,
    comprehension: &Comprehension,
    held: &mut HeldComprehension,
) -> Result<bool, DiffError> {
    let statics = &comprehension.statics;
    let width = held.width;
    if statics.slot_count() != width {
        return Err(DiffError::SlotCount { expected: width, found: statics.slot_count() });
    }
    let mark = out.len();
    out.push('{');
    write_key(out, wire::KEYED);
    out.push('{');
    let keyed_start = out.len();
    let old_count = held.count;
    // Entries whose values were forgotten (hibernation forgets a whole list at once) are
    // resent whole; entries without slots have nothing to forget.
    let known = held.slots.len().checked_div(width).unwrap_or(old_count);
    let streaming = comprehension.stream.is_some();
    let mut fresh = Vec::new();
    for (i, entry) in comprehension.entries.iter().enumerate() {
        if !streaming && i < known {
            let slots =
                held.slots.get_mut(i * width..(i + 1) * width).ok_or(DiffError::MissingDynamic)?;
            changed_entry(out, statics, i, entry, slots)?;
        } else {
            fresh.clear();
            full_entry(out, statics, i, entry, &mut fresh)?;
            match held.slots.get_mut(i * width..(i + 1) * width) {
                Some(slots) => slots.clone_from_slice(&fresh),
                None => held.slots.append(&mut fresh),
            }
        }
    }
    held.count = comprehension.entries.len();
    held.slots.truncate(held.count * width);
    if !streaming && out.len() == keyed_start && held.count == old_count {
        out.truncate(mark);
        return Ok(false);
    }
    finish_keyed(out, comprehension);
    out.push('}');
    if streaming {
        held.slots.clear();
        held.count = 0;
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

/// Writes a whole entry and appends what the client then holds to `held`.
fn full_entry(
    out: &mut String,
    statics: &Statics,
    index: usize,
    entry: &[Dynamic],
    held: &mut Vec<Held>,
) -> Result<(), DiffError> {
    check_slots(statics, entry.len())?;
    wire::comma(out);
    write_index_key(out, index);
    out.push('{');
    for (i, dynamic) in entry.iter().enumerate() {
        let mut slot_held = Held::Opaque;
        let mark = out.len();
        wire::comma(out);
        write_index_key(out, i);
        if !slot(out, dynamic, &mut slot_held, Memory::Values)? {
            out.truncate(mark);
        }
        held.push(slot_held);
    }
    out.push('}');
    Ok(())
}

/// Writes the changed slots of an entry the client has (`held`, same width).
fn changed_entry(
    out: &mut String,
    statics: &Statics,
    index: usize,
    entry: &[Dynamic],
    held: &mut [Held],
) -> Result<(), DiffError> {
    if entry.len() != held.len() {
        return Err(DiffError::SlotCount { expected: statics.slot_count(), found: entry.len() });
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

#[cfg(test)]
mod tests {
    use super::same_bytes;

    #[test]
    fn same_bytes_sees_every_difference() {
        for len in 0..40 {
            let a: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same_bytes(&a, &a.clone()));
            for at in 0..len {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!same_bytes(&a, &b), "len {len}, difference at {at}");
            }
            assert!(!same_bytes(&a, &a[..len.saturating_sub(1)]) || len == 0);
        }
    }
}
