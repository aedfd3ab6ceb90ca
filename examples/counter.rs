//! Run with: `cargo run --example counter`, then open <http://127.0.0.1:4000/counter>
//! (run it from the repository root: the JS client is served from `node_modules/`).
//!
//! The counter from the README, as it reads in Rust: one view, its template beside it.

use liveview::{LiveView, MountParams, Session, Socket, Template, ViewResult};
use serde_json::Value;

/// The README's counter.
struct CounterLive;

impl LiveView for CounterLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("count", 0)?;
        Ok(CounterLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview::template!("counter/counter_live.html.hbs"))
    }

    fn handle_event(&mut self, event: &str, _params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc" => socket.update("count", |count: i64| count + 1)?,
            "dec" => socket.update("count", |count: i64| count - 1)?,
            _ => return Err(format!("unknown event {event}").into()),
        };
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = liveview::App::builder()
        .secret_key_base_from_env("LIVEVIEW_SECRET")
        .signing_salt("change me, 8+ bytes")
        .live::<CounterLive>("/counter")
        .build()?;
    liveview::serve(app, ("127.0.0.1", 4000))?; // blocks; one thread per connected view
    Ok(())
}
