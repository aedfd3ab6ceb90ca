//! `/nested`: a child view (`live_render`, id `child`) on its own thread. Crashing the child
//! remounts only the child; the parent's count stays.

use liveview::{LiveView, MountParams, Session, Socket, Template, ViewResult};
use serde_json::Value;

use super::params;

/// The parent view.
pub struct NestedLive;

impl LiveView for NestedLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("count", 0)?;
        socket.set_page_title("Nested views");
        Ok(NestedLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("nested_live.html.hbs"))
    }

    fn handle_event(&mut self, event: &str, _params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc" => socket.update("count", |n: i64| n + 1)?,
            _ => return Err(params::unknown_event("nested parent", event)),
        };
        Ok(())
    }
}

/// The child view, registered as `"ChildLive"`.
pub struct ChildLive;

impl LiveView for ChildLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("count", 0)?;
        socket.assign("connected", socket.is_connected())?;
        Ok(ChildLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("child_live.html.hbs"))
    }

    fn handle_event(&mut self, event: &str, _params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc" => socket.update("count", |n: i64| n + 1)?,
            // "Let it crash": the error ends this view's thread only; the client rejoins it.
            "crash" => return Err("the child was asked to crash".into()),
            _ => return Err(params::unknown_event("nested child", event)),
        };
        Ok(())
    }
}
