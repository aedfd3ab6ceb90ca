//! `/hooks`: JS interop. The `Echo` hook (defined in showcase.js as `window.liveviewHooks`)
//! shows what the server sends with `push_event`; the `Ping` hook calls `pushEvent` and shows
//! the server's reply.

use liveview::{LiveView, MountParams, Session, Socket, Template, ViewResult};
use serde_json::{Value, json};

use super::params;

/// Talks to two client hooks.
pub struct HooksLive {
    pushes: i64,
}

impl LiveView for HooksLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("pings", 0)?;
        socket.set_page_title("Hooks");
        Ok(HooksLive { pushes: 0 })
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("hooks_live.html.hbs"))
    }

    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "push" => {
                self.pushes += 1;
                socket.push_event(
                    "echo",
                    json!({"text": format!("hello from the server #{}", self.pushes)}),
                )?;
            }
            // From the hook's pushEvent: `{:reply, %{...}, socket}`.
            "ping" => {
                let n = params::int(&params, "n").unwrap_or(0);
                socket.update("pings", |p: i64| p + 1)?;
                socket.reply(json!({"pong": n + 1}))?;
            }
            _ => return Err(params::unknown_event("hooks", event)),
        }
        Ok(())
    }
}
