//! A handlebars view using a stream and `js_push`, mounted through the real App and driven
//! with LiveViewTest: what the browser would show after each step.

use std::sync::OnceLock;

use liveview_core::testing::LiveViewTest;
use liveview_core::{
    App, LiveView, MountParams, Session, Socket, StreamOpts, Template, ViewResult,
};
use liveview_templates::{CompiledTemplate, TemplateRegistry};
use serde_json::{Value, json};

const SOURCE: &str = r#"<ul id="songs" phx-update="stream">{{#each streams.songs}}<li id="{{dom_id}}">{{title}} <button id="del-{{id}}" phx-click="{{js_push "delete" value_id=dom_id}}">x</button></li>{{/each}}</ul>
<button id="add" phx-click="{{js_push "add" value_title="New"}}">add</button><p id="count">{{count}}</p>"#;

struct Songs {
    next: i64,
}

impl LiveView for Songs {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let songs = [json!({"id": 1, "title": "One"}), json!({"id": 2, "title": "Two"})];
        socket.stream("songs", songs, StreamOpts::default())?;
        socket.assign("count", 2)?;
        Ok(Songs { next: 3 })
    }

    fn template() -> Option<&'static dyn Template> {
        static T: OnceLock<CompiledTemplate> = OnceLock::new();
        Some(T.get_or_init(|| TemplateRegistry::new().compile("songs", SOURCE).expect("compiles")))
    }

    fn handle_event(&mut self, event: &str, value: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "add" => {
                let title = value["title"].as_str().unwrap_or_default().to_owned();
                socket.stream_insert("songs", json!({"id": self.next, "title": title}), 0, None)?;
                self.next += 1;
                socket.update("count", |n: i64| n + 1)?;
            }
            "delete" => {
                let id = value["id"].as_str().unwrap_or_default().to_owned();
                socket.stream_delete_by_dom_id("songs", &id)?;
                socket.update("count", |n: i64| n - 1)?;
            }
            _ => {}
        }
        Ok(())
    }
}

fn ids(html: &str) -> Vec<&str> {
    html.split("<li ")
        .skip(1)
        .filter_map(|li| li.split("id=\"").nth(1)?.split('"').next())
        .collect()
}

#[test]
fn stream_and_js_push_in_a_handlebars_view() {
    let app = App::builder()
        .secret_key_base([4u8; 64])
        .signing_salt("templates-live-salt")
        .live::<Songs>("/songs")
        .build()
        .expect("app builds");
    let mut view = LiveViewTest::live(&app, "/songs").expect("mounts");
    assert_eq!(ids(view.dead_html()), ["songs-1", "songs-2"]);
    assert_eq!(ids(&view.render().unwrap()), ["songs-1", "songs-2"]);
    // The count changes, the stream does not: its items stay in the DOM.
    view.element("#add").click().unwrap();
    let html = view.render().unwrap();
    assert_eq!(ids(&html), ["songs-3", "songs-1", "songs-2"], "{html}");
    assert!(view.has_element_with_text("#songs-3", "New"));
    assert!(view.has_element_with_text("#count", "3"));
    view.element("#del-1").click().unwrap();
    assert_eq!(ids(&view.render().unwrap()), ["songs-3", "songs-2"]);
    assert!(view.has_element_with_text("#count", "2"));
}
