//! What the client's DOM patch does for a `phx-update="stream"` container (`dom_patch.ts`):
//! old children stay, `reset` removes the stream's children, deletes remove by id, rendered
//! entries are inserted at `at` (or updated in place), `limit` trims, and inserted elements
//! are stamped with `data-phx-stream="<ref>"`.

use std::collections::HashMap;

use scraper::{ElementRef, Html};
use serde_json::Value;

use super::dom::write_node;

/// One insert's placement.
struct Insert {
    reference: String,
    at: i64,
    limit: Option<i64>,
    update_only: bool,
}

/// The stream operations rendered with one patch.
#[derive(Default)]
pub(crate) struct StreamPatch {
    inserts: HashMap<String, Insert>,
    deletes: Vec<String>,
    resets: Vec<String>,
}

/// A child of the container: its id, stream ref and HTML.
struct Child {
    id: Option<String>,
    html: String,
}

impl StreamPatch {
    /// Collects `[ref, inserts, deletes, reset?]` values; like the JS, a later insert of the
    /// same DOM id overwrites an earlier one.
    pub(crate) fn new(streams: &[Value]) -> StreamPatch {
        let mut patch = StreamPatch::default();
        for stream in streams {
            let reference = stream.get(0).and_then(Value::as_str).unwrap_or_default().to_owned();
            for insert in stream.get(1).and_then(Value::as_array).into_iter().flatten() {
                let Some(id) = insert.get(0).and_then(Value::as_str) else { continue };
                patch.inserts.insert(
                    id.to_owned(),
                    Insert {
                        reference: reference.clone(),
                        at: insert.get(1).and_then(Value::as_i64).unwrap_or(-1),
                        limit: insert.get(2).and_then(Value::as_i64),
                        update_only: insert.get(3).and_then(Value::as_bool).unwrap_or(false),
                    },
                );
            }
            for id in stream.get(2).and_then(Value::as_array).into_iter().flatten() {
                if let Some(id) = id.as_str() {
                    patch.deletes.push(id.to_owned());
                }
            }
            if stream.get(3).and_then(Value::as_bool).unwrap_or(false) {
                patch.resets.push(reference);
            }
        }
        patch
    }

    /// Writes the container's children: the old ones patched by this render's operations.
    pub(crate) fn write_children(
        &self,
        node: ego_tree::NodeRef<'_, scraper::Node>,
        old_el: Option<ElementRef<'_>>,
        old_doc: &Html,
        out: &mut String,
    ) {
        let mut children: Vec<Child> = Vec::new();
        for o in old_el.iter().flat_map(|e| e.children()) {
            let Some(el) = ElementRef::wrap(o) else { continue };
            let reference = el.value().attr("data-phx-stream");
            let id = el.value().id().map(str::to_owned);
            if reference.is_some_and(|r| self.resets.iter().any(|x| x == r))
                || id.as_ref().is_some_and(|i| self.deletes.contains(i))
            {
                continue;
            }
            let mut html = String::new();
            write_node(o, old_doc, self, &mut html);
            children.push(Child { id, html });
        }
        for c in node.children() {
            let Some(el) = ElementRef::wrap(c) else { continue };
            let id = el.value().id().map(str::to_owned);
            let insert = id.as_ref().and_then(|i| self.inserts.get(i));
            let mut html = String::new();
            write_node(c, old_doc, self, &mut html);
            if let Some(r) = insert.map(|i| &i.reference) {
                let at = 1 + el.value().name().len();
                html.insert_str(at, &format!(" data-phx-stream=\"{r}\""));
            }
            let existing = children.iter().position(|o| o.id.is_some() && o.id == id);
            let child = Child { id, html };
            match (existing, insert) {
                (Some(i), _) => children[i] = child,
                (None, Some(ins)) if ins.update_only => {}
                (None, Some(ins)) if ins.at >= 0 => {
                    let at = usize::try_from(ins.at).unwrap_or(0).min(children.len());
                    children.insert(at, child);
                }
                (None, _) => children.push(child),
            }
            if let Some(limit) = insert.and_then(|i| i.limit) {
                apply_limit(&mut children, limit);
            }
        }
        for c in children {
            out.push_str(&c.html);
        }
    }
}

/// JS `maybeLimitStream`: a positive limit keeps the first n, a negative one the last n.
fn apply_limit(children: &mut Vec<Child>, limit: i64) {
    let keep = usize::try_from(limit.unsigned_abs()).unwrap_or(usize::MAX);
    if children.len() <= keep {
        return;
    }
    if limit >= 0 {
        children.truncate(keep);
    } else {
        children.drain(..children.len() - keep);
    }
}

#[cfg(test)]
mod tests {
    use super::super::dom::patch_with_streams;
    use serde_json::json;

    const UL: &str = r#"<ul id="s" phx-update="stream">"#;

    #[test]
    fn inserts_deletes_limits_and_resets() {
        let first = format!(r#"{UL}<li id="s-1">1</li><li id="s-2">2</li></ul>"#);
        let ops = [json!(["0", [["s-2", -1, null, false], ["s-1", -1, null, false]], []])];
        let shown = patch_with_streams(None, &first, &ops);
        assert_eq!(
            shown,
            format!(
                r#"{UL}<li data-phx-stream="0" id="s-1">1</li><li data-phx-stream="0" id="s-2">2</li></ul>"#
            )
        );
        let next = format!(r#"{UL}<li id="s-3">3</li></ul>"#);
        let ops = [json!(["0", [["s-3", 0, 2, false]], ["s-1"]])];
        let shown = patch_with_streams(Some(&shown), &next, &ops);
        assert_eq!(
            shown,
            format!(
                r#"{UL}<li data-phx-stream="0" id="s-3">3</li><li data-phx-stream="0" id="s-2">2</li></ul>"#
            )
        );
        let empty = format!("{UL}</ul>");
        assert_eq!(patch_with_streams(Some(&shown), &empty, &[]), shown, "nothing rendered");
        let updated = format!(r#"{UL}<li id="s-2">2!</li><li id="s-9">9</li></ul>"#);
        let ops = [json!(["0", [["s-9", -1, null, true], ["s-2", -1, null, false]], []])];
        let shown = patch_with_streams(Some(&shown), &updated, &ops);
        assert!(shown.contains(">2!</li>") && !shown.contains("s-9"), "{shown}");
        let ops = [json!(["0", [], [], true])];
        assert_eq!(patch_with_streams(Some(&shown), &empty, &ops), empty);
    }
}
