//! Property: what the client builds from the diffs is what a full render shows.
//!
//! Random templates (nested nodes, `if`-like branches whose switch brings new fingerprints,
//! comprehensions whose length changes, components) are rendered several times with random
//! values; each render is change-tracked against the previous one (unchanged slots become
//! `None` at random), diffed, serialized, parsed and merged by the Rust port of the JS client.
//! The tracker hibernates at random steps. After every step the client's HTML must equal the
//! full render of the new tree.
//!
//! The shapes and values come from a seeded generator (the seed is what proptest varies and
//! shrinks), so a failure prints a seed that replays it.

use std::collections::{BTreeMap, BTreeSet};

use liveview_core::diff::{Diff, DiffError, DiffTracker};
use liveview_core::merge::{ClientRendered, annotate_component_root};
use liveview_core::{Cid, Comprehension, Dynamic, Fingerprint, Rendered, Statics};
use proptest::prelude::*;

const VIEW_ID: &str = "phx-test";
const CIDS: [Cid; 3] = [1, 2, 3];

/// xorshift64*: small and deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn coin(&mut self) -> bool {
        self.next() & 1 == 0
    }
}

#[derive(Clone, Debug)]
enum Shape {
    Text,
    Branch(Vec<NodeShape>),
    List(NodeShape),
    Component,
}

#[derive(Clone, Debug)]
struct NodeShape {
    statics: Statics,
    fingerprint: Fingerprint,
    slots: Vec<Shape>,
    root: bool,
}

struct Gen {
    rng: Rng,
    counter: usize,
}

impl Gen {
    fn node(&mut self, depth: usize, components: bool, root: bool) -> NodeShape {
        let id = self.counter;
        self.counter += 1;
        let count = self.rng.below(4) as usize;
        let mut statics = vec![format!("<div class=\"n{id}\">")];
        for i in 1..count {
            statics.push(if self.rng.coin() {
                String::new()
            } else {
                format!("<hr data-s=\"{i}\">")
            });
        }
        statics.push("</div>".into());
        if count == 0 {
            statics = vec![format!("<div class=\"n{id}\"></div>")];
        }
        let slots = (0..count).map(|_| self.shape(depth, components)).collect();
        let statics = Statics::new(statics);
        let fingerprint = Fingerprint::of_statics(statics.parts());
        NodeShape { statics, fingerprint, slots, root: root || self.rng.below(3) == 0 }
    }

    fn shape(&mut self, depth: usize, components: bool) -> Shape {
        if depth >= 3 {
            return Shape::Text;
        }
        match self.rng.below(10) {
            0..=3 => Shape::Text,
            4 | 5 => {
                let alternatives = 1 + self.rng.below(3) as usize;
                Shape::Branch(
                    (0..alternatives).map(|_| self.node(depth + 1, components, false)).collect(),
                )
            }
            6 | 7 => Shape::List(self.node(depth + 1, components, false)),
            _ if components => Shape::Component,
            _ => Shape::Text,
        }
    }

    fn text(&mut self) -> Dynamic {
        const TEXTS: [&str; 6] = ["a", "b", "", "&lt;x&gt;", "é ✓", "\"q\""];
        Dynamic::Text(TEXTS[self.rng.below(TEXTS.len() as u64) as usize].into())
    }

    fn render(&mut self, shape: &NodeShape, used: &mut BTreeSet<Cid>) -> Rendered {
        let dynamics = self.render_slots(&shape.slots, used);
        let mut rendered = Rendered::new(shape.statics.clone(), shape.fingerprint, dynamics);
        rendered.root = shape.root;
        rendered
    }

    fn render_slots(&mut self, slots: &[Shape], used: &mut BTreeSet<Cid>) -> Vec<Dynamic> {
        slots.iter().map(|slot| self.render_slot(slot, used)).collect()
    }

    fn render_slot(&mut self, slot: &Shape, used: &mut BTreeSet<Cid>) -> Dynamic {
        match slot {
            Shape::Text => self.text(),
            Shape::Branch(alternatives) => {
                let pick = self.rng.below(alternatives.len() as u64) as usize;
                Dynamic::Nested(Box::new(self.render(&alternatives[pick], used)))
            }
            Shape::List(entry) => {
                let len = self.rng.below(4) as usize;
                let entries = (0..len).map(|_| self.render_slots(&entry.slots, used)).collect();
                Dynamic::Comprehension(Box::new(Comprehension {
                    statics: entry.statics.clone(),
                    fingerprint: entry.fingerprint,
                    entries,
                    stream: None,
                }))
            }
            Shape::Component => {
                let cid = CIDS[self.rng.below(CIDS.len() as u64) as usize];
                used.insert(cid);
                Dynamic::Component(cid)
            }
        }
    }

    /// What change tracking would hand the diff engine: slots equal to the previous render
    /// of the same node become `None`, at random.
    fn track(&mut self, next: &Rendered, previous: Option<&Rendered>) -> Rendered {
        let mut tracked = next.clone();
        let Some(previous) = previous.filter(|p| p.fingerprint == next.fingerprint) else {
            return tracked;
        };
        for (slot, old) in tracked.dynamics.iter_mut().zip(&previous.dynamics) {
            match (slot.as_ref(), old) {
                (Some(new), Some(old)) if new == old && self.rng.coin() => *slot = None,
                (Some(Dynamic::Nested(new)), Some(Dynamic::Nested(old))) => {
                    *slot = Some(Dynamic::Nested(Box::new(self.track(new, Some(old)))));
                }
                _ => {}
            }
        }
        tracked
    }
}

fn full_html(rendered: &Rendered, components: &BTreeMap<Cid, Rendered>) -> String {
    let mut render_component = |cid: Cid, out: &mut String| -> Result<(), DiffError> {
        let component = components.get(&cid).ok_or(DiffError::MissingDynamic)?;
        let html = component.to_html(&mut |_, _| Err(DiffError::Unresolved))?;
        out.push_str(
            &annotate_component_root(&html, cid, VIEW_ID).map_err(|_| DiffError::Unresolved)?,
        );
        Ok(())
    };
    rendered.to_html(&mut render_component).expect("full render")
}

fn run(seed: u64, steps: usize) -> Result<(), TestCaseError> {
    let mut generator = Gen { rng: Rng(seed | 1), counter: 0 };
    let root_shapes: Vec<NodeShape> = (0..2).map(|_| generator.node(0, true, false)).collect();
    let component_shapes: BTreeMap<Cid, Vec<NodeShape>> = CIDS
        .iter()
        .map(|&cid| (cid, (0..2).map(|_| generator.node(1, false, true)).collect()))
        .collect();

    let mut tracker = DiffTracker::new();
    let mut client: Option<ClientRendered> = None;
    let mut previous_root: Option<Rendered> = None;
    let mut components: BTreeMap<Cid, Rendered> = BTreeMap::new();

    for step in 0..steps {
        // An idle view hibernates now and then: values are forgotten, fingerprints kept.
        if generator.rng.below(6) == 0 {
            tracker.hibernate();
        }
        // Mostly the same root template; sometimes another one (a new root fingerprint).
        let shape = &root_shapes[usize::from(generator.rng.below(5) == 0)];
        let mut used = BTreeSet::new();
        let next = generator.render(shape, &mut used);
        let tracked = generator.track(&next, previous_root.as_ref());

        let mut diff =
            Diff { root: tracker.diff_root(&tracked).expect("root diff"), ..Diff::default() };
        for &cid in &used {
            if tracker.has_component(cid) && generator.rng.coin() {
                continue; // not re-rendered: the client keeps what it has
            }
            let alternatives = &component_shapes[&cid];
            let pick = usize::from(generator.rng.below(4) == 0);
            let fresh = generator.render(&alternatives[pick], &mut BTreeSet::new());
            let known = if tracker.has_component(cid) { components.get(&cid) } else { None };
            let tracked = generator.track(&fresh, known);
            if let Some(component_diff) =
                tracker.diff_component(cid, &tracked).expect("component diff")
            {
                diff.components.push((cid, component_diff));
            }
            components.insert(cid, fresh);
        }
        if step % 3 == 1 {
            diff.title = Some(format!("title {step}"));
            diff.events.push(("ping".into(), serde_json::json!({"step": step})));
        }

        let json = diff.to_json();
        let value: serde_json::Value = serde_json::from_str(&json).expect("diff is valid JSON");
        prop_assert!(!json.contains("\"p\":"), "never templates: {json}");
        let extracted = match client.as_mut() {
            None => {
                let (joined, extracted) = ClientRendered::join(VIEW_ID, value).expect("join");
                client = Some(joined);
                extracted
            }
            Some(client) => client.merge(value).expect("merge"),
        };
        prop_assert_eq!(extracted.title, diff.title.clone());
        prop_assert_eq!(extracted.events.len(), diff.events.len());

        let client_html =
            client.as_mut().map(|c| c.to_html().expect("client render").html).unwrap_or_default();
        let expected = full_html(&next, &components);
        prop_assert_eq!(client_html, expected, "step {} diff {}", step, json);

        // Rendering again with nothing changed sends nothing.
        let mut unchanged = next.clone();
        unchanged.dynamics.iter_mut().for_each(|d| *d = None);
        prop_assert_eq!(tracker.diff_root(&unchanged).expect("unchanged diff"), None);
        previous_root = Some(next);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn merged_diffs_render_like_full_renders(seed in any::<u64>()) {
        run(seed, 8)?;
    }
}

#[test]
fn a_long_session() {
    for seed in 1..20 {
        run(seed * 7919, 40).expect("long session");
    }
}
