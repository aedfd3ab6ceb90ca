//! Rendered trees to HTML, for the HTTP ("dead") render.

use std::collections::HashMap;

use crate::rendered::{Cid, Dynamic, Rendered};

/// Appends the HTML of `rendered` to `out`; components come from `components` (their own
/// renders, by cid). A slot without a value renders as nothing.
pub(crate) fn write_html(
    rendered: &Rendered,
    components: &HashMap<Cid, Rendered>,
    out: &mut String,
) {
    let statics = rendered.statics.parts();
    for (i, part) in statics.iter().enumerate() {
        out.push_str(part);
        if let Some(Some(dynamic)) = rendered.dynamics.get(i) {
            write_dynamic(dynamic, components, out);
        }
    }
}

fn write_dynamic(dynamic: &Dynamic, components: &HashMap<Cid, Rendered>, out: &mut String) {
    match dynamic {
        Dynamic::Text(text) => out.push_str(text),
        Dynamic::Nested(inner) => write_html(inner, components, out),
        Dynamic::Comprehension(comprehension) => {
            let statics = comprehension.statics.parts();
            for entry in &comprehension.entries {
                for (i, part) in statics.iter().enumerate() {
                    out.push_str(part);
                    if let Some(d) = entry.get(i) {
                        write_dynamic(d, components, out);
                    }
                }
            }
        }
        Dynamic::Component(cid) => {
            if let Some(component) = components.get(cid) {
                write_html(component, components, out);
            }
        }
        // Resolved before rendering to HTML; nothing sensible to print otherwise.
        Dynamic::ComponentCall(_) | Dynamic::ChildCall(_) => {}
    }
}
