//! `/thermostat`: the seed's ThermostatLive. The route passes `current_user_id` in the session;
//! once connected, a timer (period from `?interval=<ms>`, default 30 s) refreshes the reading.

use std::time::Duration;

use liveview::{LiveView, Message, MountParams, Session, Socket, Template, ViewResult};
use serde_json::Value;

use super::params;

/// The timer's message.
struct Update;

/// A thermostat reading for the session's user.
pub struct ThermostatLive {
    interval: Duration,
}

/// A fake sensor: a stable starting temperature per user, so the page is deterministic.
fn reading_for(user_id: i64) -> i64 {
    18 + user_id.rem_euclid(7)
}

impl LiveView for ThermostatLive {
    fn mount(params: &MountParams, session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let user_id = session
            .get("current_user_id")
            .and_then(Value::as_i64)
            .ok_or("thermostat: the route must put current_user_id in the session")?;
        let interval_ms =
            params.get("interval").and_then(|v| v.as_str()?.parse::<u64>().ok()).unwrap_or(30_000);
        let interval = Duration::from_millis(interval_ms.max(10));
        if socket.is_connected() {
            socket.send_after(Message::new(Update), interval);
        }
        socket.assign("temperature", reading_for(user_id))?;
        socket.assign("user_id", user_id)?;
        socket.assign("updates", 0)?;
        socket.assign("interval", interval_ms)?;
        socket.set_page_title("Thermostat");
        Ok(ThermostatLive { interval })
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("thermostat_live.html.hbs"))
    }

    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        if message.is::<Update>() {
            socket.send_after(Message::new(Update), self.interval);
            socket.update("updates", |n: i64| n + 1)?;
        }
        Ok(())
    }

    fn handle_event(&mut self, event: &str, _params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc_temperature" => socket.update("temperature", |t: i64| t + 1)?,
            "dec_temperature" => socket.update("temperature", |t: i64| t - 1)?,
            _ => return Err(params::unknown_event("thermostat", event)),
        };
        Ok(())
    }
}
