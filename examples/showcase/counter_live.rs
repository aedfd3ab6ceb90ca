//! `/counter`: the smallest view — a number and three buttons (`phx-click`, `phx-value-*`).

use liveview::{LiveView, MountParams, Session, Socket, Template, ViewResult};
use serde_json::Value;

use super::params;

/// A counter kept in the `count` assign.
pub struct CounterLive;

impl LiveView for CounterLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("count", 0)?;
        socket.set_page_title("Counter");
        Ok(CounterLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("counter_live.html.hbs"))
    }

    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        let delta = match event {
            "inc" => 1,
            "dec" => -1,
            // phx-value-amount="5" arrives as {"amount": "5"}.
            "add" => {
                params::int(&params, "amount").ok_or("add: phx-value-amount must be an integer")?
            }
            _ => return Err(params::unknown_event("counter", event)),
        };
        socket.update("count", |count: i64| count + delta)?;
        Ok(())
    }
}
