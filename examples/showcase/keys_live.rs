//! `/keys`: key, focus and click bindings — `phx-keyup`/`phx-keydown` on an input,
//! `phx-window-keydown`/`phx-window-keyup`, `phx-focus`/`phx-blur`, `phx-window-focus`/`phx-window-blur`,
//! `phx-capture-click` (restored by compat.js) and `phx-throttle`.

use liveview::{LiveView, MountParams, Session, Socket, Template, ViewResult};
use serde_json::Value;

use super::params;

/// Shows the last event of each kind.
pub struct KeysLive;

impl LiveView for KeysLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        for key in [
            "last_keyup",
            "last_keydown",
            "last_key",
            "last_window_keyup",
            "focus_state",
            "window_state",
        ] {
            socket.assign(key, "none")?;
        }
        socket.assign("input_value", "")?;
        socket.assign("capture_value", "")?;
        socket.assign("captures", 0)?;
        socket.assign("throttled", 0)?;
        socket.set_page_title("Keys");
        Ok(KeysLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("keys_live.html.hbs"))
    }

    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        // Key events carry {"key": ..., "value": <input value>}.
        let key = params::text(&params, "key").to_owned();
        match event {
            "keyup" => {
                socket.assign("last_keyup", key)?;
                socket.assign("input_value", params::text(&params, "value"))?;
            }
            "keydown" => {
                socket.assign("last_keydown", key)?;
            }
            "window_keydown" => {
                socket.assign("last_key", key)?;
            }
            "window_keyup" => {
                socket.assign("last_window_keyup", key)?;
            }
            "focus" => {
                socket.assign("focus_state", "focused")?;
            }
            "blur" => {
                socket.assign("focus_state", "blurred")?;
            }
            "window_focus" => {
                socket.assign("window_state", "focused")?;
            }
            "window_blur" => {
                socket.assign("window_state", "blurred")?;
            }
            "captured" => {
                socket.update("captures", |n: i64| n + 1)?;
                socket.assign("capture_value", params::text(&params, "where"))?;
            }
            "throttled" => {
                socket.update("throttled", |n: i64| n + 1)?;
            }
            _ => return Err(params::unknown_event("keys", event)),
        }
        Ok(())
    }
}
