//! `/components`: stateful live components. Each `CounterComponent` keeps its own count and
//! handles its own clicks (`phx-target="{{myself}}"`); the parent changes them with
//! `send_update` and `send_update_after`.

use std::time::Duration;

use liveview::{
    LiveComponent, LiveView, MountParams, Params, Session, Socket, Template, ViewResult,
};
use serde_json::{Value, json};

use super::params;

/// The component ids the parent renders.
const IDS: [&str; 3] = ["a", "b", "c"];

/// The parent view.
pub struct ComponentsLive;

fn count_params(count: i64) -> Params {
    let mut assigns = Params::new();
    assigns.insert("count".into(), json!(count));
    assigns
}

impl LiveView for ComponentsLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("parent_clicks", 0)?;
        socket.set_page_title("Components");
        Ok(ComponentsLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("components_live.html.hbs"))
    }

    fn handle_event(&mut self, event: &str, _params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "reset_all" => {
                for id in IDS {
                    socket.send_update("Counter", id, count_params(0));
                }
            }
            "bump_later" => socket.send_update_after(
                "Counter",
                "b",
                count_params(100),
                Duration::from_millis(300),
            ),
            _ => return Err(params::unknown_event("components", event)),
        }
        socket.update("parent_clicks", |n: i64| n + 1)?;
        Ok(())
    }
}

/// One counter component; the parent passes its `id` (and nothing else), so its `count`
/// survives the parent's re-renders.
pub struct CounterComponent;

impl LiveComponent for CounterComponent {
    fn mount(socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("count", 0)?;
        Ok(CounterComponent)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("counter_component.html.hbs"))
    }

    fn handle_event(&mut self, event: &str, _params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc" => socket.update("count", |n: i64| n + 1)?,
            _ => return Err(params::unknown_event("counter component", event)),
        };
        Ok(())
    }
}
