//! Diff engine benchmark: a 1,000-row table, each row 4 dynamics (design.md §4 target: a
//! one-row change diffed in ≤ 10 µs and ≤ 100 bytes).
//!
//! Each measured iteration is one `diff_root` plus serialization of the whole diff to its
//! wire JSON. The renders alternate between two prepared trees so every iteration diffs
//! against what the previous one left the client with, without cloning the tracker.
//! Byte counts of each diff are printed during setup.

use std::hint::black_box;

use criterion::{Criterion, criterion_main};
use liveview_core::diff::{Diff, DiffTracker};
use liveview_core::{Comprehension, Dynamic, Fingerprint, Rendered, Statics};

const ROWS: usize = 1_000;

fn row(i: usize, generation: usize) -> Vec<Dynamic> {
    vec![
        Dynamic::Text(format!("row-{i}")),
        Dynamic::Text(format!("User {i} v{generation}")),
        Dynamic::Text(format!("user{i}.{generation}@example.com")),
        Dynamic::Text(format!("{}", (i * 37 + generation) % 1000)),
    ]
}

/// The table; `changed` rows carry generation 1, the others generation 0.
fn table(changed: impl Fn(usize) -> bool) -> Rendered {
    let row_statics = Statics::new([
        "<tr id=\"",
        "\"><td class=\"name\">",
        "</td><td class=\"email\">",
        "</td><td class=\"score\">",
        "</td></tr>",
    ]);
    let rows = Comprehension {
        fingerprint: Fingerprint::of_statics(row_statics.parts()),
        statics: row_statics,
        entries: (0..ROWS).map(|i| row(i, usize::from(changed(i)))).collect(),
        stream: None,
    };
    let statics = Statics::new(["<h1>", "</h1><table><tbody>", "</tbody></table>"]);
    let fingerprint = Fingerprint::of_statics(statics.parts());
    let mut rendered = Rendered::new(
        statics,
        fingerprint,
        vec![Dynamic::Text("Users".into()), Dynamic::Comprehension(Box::new(rows))],
    );
    // The title did not change; the template re-evaluated the rows.
    rendered.dynamics[0] = None;
    rendered
}

fn diff_json(tracker: &mut DiffTracker, rendered: &Rendered) -> Option<String> {
    let root = tracker.diff_root(rendered).expect("diff")?;
    Some(Diff { root: Some(root), ..Diff::default() }.to_json())
}

/// A tracker whose client holds `first`.
fn joined(first: &Rendered) -> DiffTracker {
    let mut tracker = DiffTracker::new();
    let mut full = first.clone();
    full.dynamics[0] = Some(Dynamic::Text("Users".into()));
    let join = diff_json(&mut tracker, &full).expect("first render");
    println!("join render: {} bytes", join.len());
    tracker
}

/// Benchmarks alternating between `a` and `b` (both diffed against the other).
fn alternate(c: &mut Criterion, name: &str, a: &Rendered, b: &Rendered) {
    let mut tracker = joined(a);
    let bytes = diff_json(&mut tracker, b).map_or(0, |json| json.len());
    let back = diff_json(&mut tracker, a).map_or(0, |json| json.len());
    println!("{name}: {bytes} bytes per diff (and {back} back)");
    let mut flip = false;
    c.bench_function(name, |bencher| {
        bencher.iter(|| {
            flip = !flip;
            black_box(diff_json(&mut tracker, if flip { b } else { a }))
        });
    });
}

fn bench_diff(c: &mut Criterion) {
    let base = table(|_| false);
    alternate(c, "diff 1000 rows: one row changed", &base, &table(|i| i == ROWS / 2));
    alternate(c, "diff 1000 rows: nothing changed", &base, &base);
    alternate(c, "diff 1000 rows: everything changed", &base, &table(|_| true));
}

// Inside a private module: the `pub fn` criterion generates needs no docs there.
mod group {
    criterion::criterion_group!(benches, super::bench_diff);
}
criterion_main!(group::benches);
