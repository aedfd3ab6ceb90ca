//! Streams: `{{#each streams.<name>}}` becomes a comprehension with stream operations.

use liveview_core::diff::DiffTracker;
use liveview_core::{Dynamic, Socket, StreamOpts, Template};
use liveview_templates::TemplateRegistry;
use serde_json::json;

const SOURCE: &str = r#"<ul id="songs" phx-update="stream">{{#each streams.songs}}<li id="{{dom_id}}">{{title}} {{@key}}</li>{{/each}}</ul>"#;

#[test]
fn stream_renders_once_with_operations_on_the_wire() {
    let t = TemplateRegistry::new().compile("s", SOURCE).unwrap();
    let mut socket = Socket::new("phx-1", true);
    socket
        .stream(
            "songs",
            [json!({"id": 1, "title": "A"}), json!({"id": 2, "title": "B"})],
            StreamOpts::default(),
        )
        .unwrap();
    let r = t.render(socket.assigns()).unwrap();
    let Some(Dynamic::Comprehension(c)) = &r.dynamics[0] else { panic!("{r:?}") };
    let ops = c.stream.as_ref().expect("stream ops");
    assert_eq!(ops.reference, "0");
    assert_eq!(c.entries.len(), 2);
    assert_eq!(
        liveview_templates::to_html(&r).unwrap(),
        r#"<ul id="songs" phx-update="stream"><li id="songs-1">A songs-1</li><li id="songs-2">B songs-2</li></ul>"#
    );
    let mut tracker = DiffTracker::new();
    let first = tracker.diff_root(&r).unwrap().unwrap();
    assert!(
        first
            .as_json()
            .contains(r#""stream":["0",[["songs-2",-1,null,false],["songs-1",-1,null,false]],[]]"#),
        "{}",
        first.as_json()
    );
    socket.assigns_mut().clear_changed();
    socket.reset_temporary_assigns();
    assert_eq!(t.render(socket.assigns()).unwrap().dynamics[0], None, "pruned, unchanged");

    socket.stream_insert("songs", json!({"id": 3, "title": "C"}), 0, Some(2)).unwrap();
    socket.stream_delete_by_dom_id("songs", "songs-1").unwrap();
    let r = t.render(socket.assigns()).unwrap();
    let diff = tracker.diff_root(&r).unwrap().unwrap();
    let diff: serde_json::Value = serde_json::from_str(diff.as_json()).unwrap();
    assert_eq!(diff["0"]["stream"], json!(["0", [["songs-3", 0, 2, false]], ["songs-1"]]));
    assert_eq!(diff["0"]["k"]["kc"], json!(1));
}
