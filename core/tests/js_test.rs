//! JS commands end to end: a `phx-click` holding `JS.push` (escaped in the attribute) is
//! unescaped by the DOM and its push ops reach `handle_event` with their values.
#![cfg(feature = "testing")]

use liveview_core::js::{JS, JsOpts, PushOpts};
use liveview_core::testing::LiveViewTest;
use liveview_core::{
    App, Assigns, Dynamic, Fingerprint, LiveView, MountParams, RenderError, Rendered, Session,
    Socket, Statics, ViewResult,
};
use serde_json::{Value, json};

struct Counter;

impl LiveView for Counter {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("count", 0)?;
        Ok(Counter)
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        let add = JS::new()
            .push("add", PushOpts { value: Some(json!({"by": 5})), ..PushOpts::default() })
            .add_class("flash", JsOpts::to("#count"));
        let only_dom = JS::new().hide(JsOpts::to("#count"));
        let statics = Statics::new([
            r#"<p id="count">"#,
            r#"</p><button id="add" phx-value-from="button" phx-click=""#,
            r#"">+5</button><button id="hide" phx-click=""#,
            r#"">hide</button>"#,
        ]);
        let count = assigns.get("count").map(Value::to_string).unwrap_or_default();
        let fingerprint = Fingerprint::of_statics(statics.parts());
        Ok(Rendered::new(
            statics,
            fingerprint,
            vec![
                Dynamic::escaped(&count),
                Dynamic::Text(add.to_attr()),
                Dynamic::Text(only_dom.to_attr()),
            ],
        ))
    }

    fn handle_event(&mut self, event: &str, value: Value, socket: &mut Socket) -> ViewResult {
        if event == "add" && value["from"] == "button" {
            let by = value["by"].as_i64().unwrap_or(0);
            socket.update("count", |n: i64| n + by)?;
        }
        Ok(())
    }
}

#[test]
fn js_push_in_an_attribute_reaches_the_view() {
    let app = App::builder()
        .secret_key_base([6u8; 64])
        .signing_salt("js-commands-salt")
        .live::<Counter>("/js")
        .build()
        .expect("app builds");
    let mut view = LiveViewTest::live(&app, "/js").expect("mounts");
    view.element("#add").click().unwrap();
    view.element("#add").click().unwrap();
    assert!(view.has_element_with_text("#count", "10"));
    // A command without push ops sends nothing.
    view.element("#hide").click().unwrap();
    assert!(view.has_element_with_text("#count", "10"));
}
