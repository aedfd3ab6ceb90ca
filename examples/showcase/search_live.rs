//! `/search`: autocomplete. The input's `phx-change` is debounced (`phx-debounce="300"`), so
//! typing a word sends one event; `phx-submit` runs the search.

use liveview::{LiveView, MountParams, Session, Socket, Template, ViewResult};
use serde_json::Value;

use super::params;

/// The words suggestions are drawn from.
const WORDS: &[&str] = &[
    "apple",
    "apricot",
    "avocado",
    "banana",
    "blackberry",
    "blueberry",
    "cherry",
    "coconut",
    "cranberry",
    "date",
    "fig",
    "grape",
    "grapefruit",
    "guava",
    "kiwi",
    "lemon",
    "lime",
    "lychee",
    "mango",
    "melon",
    "nectarine",
    "orange",
    "papaya",
    "peach",
    "pear",
    "pineapple",
    "plum",
    "pomegranate",
    "raspberry",
    "strawberry",
    "tangerine",
    "watermelon",
];

/// Autocomplete over [`WORDS`].
pub struct SearchLive;

fn suggestions(prefix: &str) -> Vec<&'static str> {
    let prefix = prefix.trim().to_lowercase();
    if prefix.is_empty() {
        return Vec::new();
    }
    WORDS.iter().copied().filter(|w| w.starts_with(&prefix)).take(8).collect()
}

impl LiveView for SearchLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("q", "")?;
        socket.assign("results", Vec::<&str>::new())?;
        socket.assign("changes", 0)?;
        socket.assign("searched", Value::Null)?;
        socket.set_page_title("Search");
        Ok(SearchLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("search_live.html.hbs"))
    }

    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        let q = params::text(&params, "q").to_owned();
        match event {
            "suggest" => {
                socket.assign("results", suggestions(&q))?;
                // Counts change events so the page shows the debounce at work.
                socket.update("changes", |n: i64| n + 1)?;
            }
            "search" => {
                let found = WORDS.iter().any(|w| w.eq_ignore_ascii_case(q.trim()));
                let outcome =
                    if found { format!("Found {q}") } else { format!("No fruit named {q}") };
                socket.assign("searched", outcome)?;
                socket.assign("results", suggestions(&q))?;
            }
            _ => return Err(params::unknown_event("search", event)),
        }
        socket.assign("q", q)?;
        Ok(())
    }
}
