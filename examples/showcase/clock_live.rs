//! `/clock`: the seed's ClockLive — `send_interval` ticks every second once connected.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use liveview::{LiveView, Message, MountParams, Session, Socket, Template, ViewResult};

/// The interval's message.
struct Tick;

/// The current UTC time, refreshed every second.
pub struct ClockLive;

/// `HH:MM:SS` (UTC) without a date-time dependency.
fn now_utc() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let day = secs % 86_400;
    format!("{:02}:{:02}:{:02}", day / 3600, day % 3600 / 60, day % 60)
}

impl LiveView for ClockLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        if socket.is_connected() {
            socket.send_interval(Duration::from_secs(1), || Message::new(Tick));
        }
        socket.assign("date", now_utc())?;
        socket.assign("ticks", 0)?;
        socket.set_page_title("Clock");
        Ok(ClockLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("clock_live.html.hbs"))
    }

    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        if message.is::<Tick>() {
            socket.assign("date", now_utc())?;
            socket.update("ticks", |n: i64| n + 1)?;
        }
        Ok(())
    }
}
