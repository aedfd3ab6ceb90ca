//! `/list`: `phx-update` with `temporary_assigns`. The server forgets the rows after each
//! render (the assign is reset to `[]`), so only new rows travel; the browser keeps the old
//! ones in `append` and `prepend` containers, replaces them in `replace`, and never touches
//! an `ignore` container after the first render.

use liveview::{LiveView, MountParams, Session, Socket, Template, ViewResult};
use serde_json::{Value, json};

use super::params;

/// Four lists fed by the same "add" button.
pub struct ListLive {
    next_id: i64,
}

const TEMPORARY: [&str; 3] = ["append_items", "prepend_items", "replace_items"];

fn item(id: i64, text: &str) -> Value {
    json!({"id": id, "text": text})
}

impl LiveView for ListLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let first = vec![item(1, "item 1")];
        for key in TEMPORARY {
            socket.assign(key, &first)?;
        }
        socket.assign("ignore_items", &first)?;
        socket.assign("total", 1)?;
        socket.set_temporary_assigns(TEMPORARY.iter().map(|k| ((*k).to_owned(), json!([]))));
        socket.set_page_title("Lists");
        Ok(ListLive { next_id: 2 })
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("list_live.html.hbs"))
    }

    fn handle_event(&mut self, event: &str, _params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "add" => {
                let id = self.next_id;
                self.next_id += 1;
                let rows = vec![item(id, &format!("item {id}"))];
                for key in TEMPORARY {
                    socket.assign(key, &rows)?;
                }
                // The server's copy changes; the browser ignores it (phx-update="ignore").
                let mut all: Vec<Value> = (1..=id).map(|i| item(i, &format!("item {i}"))).collect();
                all.reverse();
                socket.assign("ignore_items", all)?;
                socket.assign("total", id)?;
            }
            // Same id, new text: append/prepend update the row in place.
            "rename_first" => {
                let rows = vec![item(1, "item 1 (renamed)")];
                socket.assign("append_items", &rows)?;
                socket.assign("prepend_items", &rows)?;
            }
            _ => return Err(params::unknown_event("list", event)),
        }
        Ok(())
    }
}
