//! Streams end to end: `Socket::stream*` → render → diff → the JS client's merge → the DOM
//! patch of a `phx-update="stream"` container, through the real App.
#![cfg(feature = "testing")]

use liveview_core::testing::LiveViewTest;
use liveview_core::{
    App, Assigns, Comprehension, Dynamic, Fingerprint, LiveView, Message, MountParams, RenderError,
    Rendered, STREAMS_ASSIGN, Session, Socket, Statics, StreamOpts, ViewResult, stream_of,
};
use serde_json::{Value, json};

struct Songs {
    next: i64,
}

/// Renders `<ul id="songs" phx-update="stream">` with one `<li id=dom_id>` per entry, the
/// way `{{#each streams.songs}}` does in `liveview-templates`.
fn render_songs(assigns: &Assigns) -> Result<Rendered, RenderError> {
    let outer = Statics::new([
        r#"<ul id="songs" phx-update="stream">"#,
        "</ul><button id=\"add\" phx-click=\"add\">+</button><button id=\"del\" phx-click=\"del\">-</button><button id=\"reset\" phx-click=\"reset\">0</button><button id=\"two\" phx-click=\"two\">2</button>",
    ]);
    let row = Statics::new([r#"<li id=""#, r#"">"#, "</li>"]);
    let mut dynamics = vec![None];
    if assigns.is_changed(STREAMS_ASSIGN) || assigns.is_all_changed() {
        let songs =
            &assigns.get(STREAMS_ASSIGN).ok_or_else(|| RenderError::new("no streams"))?["songs"];
        let (ops, entries) = stream_of(songs).ok_or_else(|| RenderError::new("not a stream"))?;
        let entries = entries
            .iter()
            .map(|(id, item)| {
                let title = item["title"].as_str().unwrap_or_default();
                vec![Dynamic::escaped(id), Dynamic::escaped(title)]
            })
            .collect();
        dynamics[0] = Some(Dynamic::Comprehension(Box::new(Comprehension {
            fingerprint: Fingerprint::of_statics(row.parts()),
            statics: row,
            entries,
            stream: Some(ops),
        })));
    }
    Ok(Rendered {
        fingerprint: Fingerprint::of_statics(outer.parts()),
        statics: outer,
        dynamics,
        root: false,
    })
}

impl LiveView for Songs {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let songs = [json!({"id": 1, "title": "One"}), json!({"id": 2, "title": "Two"})];
        socket.stream("songs", songs, StreamOpts::default())?;
        Ok(Songs { next: 3 })
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        render_songs(assigns)
    }

    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "add" => {
                let song = json!({"id": self.next, "title": format!("Song {}", self.next)});
                self.next += 1;
                socket.stream_insert("songs", song, 0, Some(3))?;
            }
            "del" => {
                socket.stream_delete("songs", json!({"id": 2}))?;
            }
            "reset" => {
                socket.stream(
                    "songs",
                    [json!({"id": 9, "title": "Nine"})],
                    StreamOpts { reset: true, ..StreamOpts::default() },
                )?;
            }
            "two" => {
                // Two handle_info steps: two diffs, pushed without a render in between.
                socket.send_after(Message::new("Late A"), std::time::Duration::ZERO);
                socket.send_after(Message::new("Late B"), std::time::Duration::ZERO);
            }
            _ => {}
        }
        Ok(())
    }

    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        if let Some(title) = message.downcast_ref::<&str>() {
            let song = json!({"id": self.next, "title": title});
            self.next += 1;
            socket.stream_insert("songs", song, -1, None)?;
        }
        Ok(())
    }
}

fn live() -> LiveViewTest {
    let app = App::builder()
        .secret_key_base([5u8; 64])
        .signing_salt("streams-salt")
        .live::<Songs>("/songs")
        .build()
        .expect("app builds");
    LiveViewTest::live(&app, "/songs").expect("mounts")
}

fn ids(view: &mut LiveViewTest) -> Vec<String> {
    let html = view.render().expect("renders");
    html.split("id=\"songs-")
        .skip(1)
        .map(|s| format!("songs-{}", &s[..s.find('"').unwrap()]))
        .collect()
}

#[test]
fn stream_items_render_once_and_stay_on_the_client() {
    let mut view = live();
    assert!(view.dead_html().contains(r#"<li id="songs-1">One</li><li id="songs-2">Two</li>"#));
    assert_eq!(ids(&mut view), ["songs-1", "songs-2"]);
    // Rendering again without a change keeps the items (the server no longer has them).
    assert_eq!(ids(&mut view), ["songs-1", "songs-2"]);
    view.element("#add").click().unwrap();
    assert_eq!(ids(&mut view), ["songs-3", "songs-1", "songs-2"]);
    assert!(view.has_element_with_text("#songs-3", "Song 3"));
    // limit 3 (keep the first three) drops the last.
    view.element("#add").click().unwrap();
    assert_eq!(ids(&mut view), ["songs-4", "songs-3", "songs-1"]);
}

#[test]
fn stream_delete_and_reset() {
    let mut view = live();
    view.element("#del").click().unwrap();
    assert_eq!(ids(&mut view), ["songs-1"]);
    view.element("#reset").click().unwrap();
    assert_eq!(ids(&mut view), ["songs-9"]);
    assert!(view.has_element_with_text("#songs-9", "Nine"));
}

#[test]
fn every_pushed_diff_reaches_the_dom_even_between_renders() {
    let mut view = live();
    // Two diffs pushed before the next render: the first's entries must not be lost.
    view.element("#two").click().unwrap();
    view.render_until(std::time::Duration::from_secs(10), |html| html.contains("Late B")).unwrap();
    assert_eq!(ids(&mut view), ["songs-1", "songs-2", "songs-3", "songs-4"]);
}
