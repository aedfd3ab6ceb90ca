//! Rendering a 1,000-row `{{#each}}` table: handlebars' own full render vs our compiled
//! render — full, with one unrelated assign changed, and with one row changed.
//!
//! Run with: `cargo bench --bench render`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_main};
use liveview_core::{Assigns, Template};
use liveview_templates::handlebars::Context;
use liveview_templates::{CompiledTemplate, TemplateRegistry};
use serde_json::{Value, json};

const TABLE: &str = "<h1>{{title}}</h1><table>{{#each rows}}<tr id=\"r{{id}}\"><td>{{id}}</td><td>{{name}}</td>\
<td>{{email}}</td><td>{{#if active}}yes{{else}}no{{/if}}</td></tr>{{/each}}</table><footer>{{clock}}</footer>";

fn rows() -> Value {
    (0..1000).map(|i| json!({"id": i, "name": format!("user {i}"), "email": format!("u{i}@ex.com"), "active": i % 2 == 0})).collect()
}

struct Setup {
    template: CompiledTemplate,
    context: Context,
    full: Assigns,
    unrelated: Assigns,
    one_row: Assigns,
}

fn setup() -> Setup {
    let registry = TemplateRegistry::new();
    let template = registry.compile("table", TABLE).expect("compiles");
    let mut full = Assigns::new();
    full.put("title", json!("Users"));
    full.put("rows", rows());
    full.put("clock", json!(0));
    let context = Context::from(full.as_value().clone());
    let mut unrelated = full.clone();
    unrelated.clear_changed();
    unrelated.put("clock", json!(1));
    let mut one_row = full.clone();
    one_row.clear_changed();
    let mut changed = rows();
    changed[500]["name"] = json!("changed");
    one_row.put("rows", changed);
    Setup { template, context, full, unrelated, one_row }
}

fn bench(c: &mut Criterion) {
    let s = setup();
    let mut group = c.benchmark_group("table_1000_rows");
    group.bench_function("handlebars_full", |b| {
        b.iter(|| s.template.render_handlebars(black_box(&s.context)))
    });
    group.bench_function("compiled_full", |b| b.iter(|| s.template.render(black_box(&s.full))));
    group.bench_function("tracked_unrelated_change", |b| {
        b.iter(|| s.template.render(black_box(&s.unrelated)))
    });
    group.bench_function("tracked_one_row_changed", |b| {
        b.iter(|| s.template.render(black_box(&s.one_row)))
    });
    group.finish();
    print_ratios(&s);
}

fn mean(mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_millis(500) {
        f();
        n += 1;
    }
    start.elapsed() / n
}

/// Means of the same four renders side by side, and their ratios to the full render.
fn print_ratios(s: &Setup) {
    let hb = mean(|| drop(black_box(s.template.render_handlebars(&s.context))));
    let full = mean(|| drop(black_box(s.template.render(&s.full))));
    let unrelated = mean(|| drop(black_box(s.template.render(&s.unrelated))));
    let one_row = mean(|| drop(black_box(s.template.render(&s.one_row))));
    println!(
        "\nmeans: handlebars full {hb:?} | compiled full {full:?} | unrelated change {unrelated:?} | one row {one_row:?}"
    );
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "ratios: handlebars/compiled full {:.2}x | full/unrelated {:.0}x | full/one-row {:.2}x | handlebars/one-row {:.2}x",
        ratio(hb, full),
        ratio(full, unrelated),
        ratio(full, one_row),
        ratio(hb, one_row)
    );
}

// Inside a private module: the `pub fn` criterion generates needs no docs there.
mod group {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(group::benches);
