//! The seed's ThermostatLive and ClockLive (phoenix-liveview.txt), written in Rust and run
//! through the runtime with a fake transport.

mod support;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use liveview_core::{
    Assigns, LiveView, Message, MountParams, Navigation, Params, Rendered, Session, Socket,
    StaticRequest, Template, ViewDef, ViewInput, ViewResult,
};
use serde_json::{Map, Value, json};
use support::*;

// ----- a stand-in for the seed's `Thermostat` context -------------------------------------------

fn readings() -> &'static Mutex<HashMap<i64, i64>> {
    static READINGS: OnceLock<Mutex<HashMap<i64, i64>>> = OnceLock::new();
    READINGS.get_or_init(|| Mutex::new(HashMap::from([(1, 70), (2, 65)])))
}

fn get_user_reading(user_id: i64) -> Result<i64, String> {
    readings()
        .lock()
        .unwrap()
        .get(&user_id)
        .copied()
        .ok_or_else(|| format!("no thermostat for user {user_id}"))
}

fn inc_temperature(user_id: i64) -> Result<i64, String> {
    let mut readings = readings().lock().unwrap();
    let t = readings.get_mut(&user_id).ok_or("no thermostat")?;
    *t += 1;
    Ok(*t)
}

// ----- ThermostatLive --------------------------------------------------------------------------

struct Update;

struct ThermostatLive {
    user_id: i64,
}

fn thermostat_template(a: &Assigns) -> Rendered {
    node(
        &["Current temperature: ", " <button phx-click=\"inc_temperature\">+</button>"],
        vec![slot(a, "temperature")],
    )
}
static THERMOSTAT: Tpl = Tpl(thermostat_template);

/// Reading interval; the seed uses 30 s.
const UPDATE_EVERY: Duration = Duration::from_millis(20);

impl LiveView for ThermostatLive {
    fn mount(_params: &MountParams, session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let user_id =
            session.get("current_user_id").and_then(Value::as_i64).ok_or("no current_user_id")?;
        if socket.is_connected() {
            socket.send_after(Message::new(Update), UPDATE_EVERY);
        }
        match get_user_reading(user_id) {
            Ok(temperature) => {
                socket.assign("temperature", temperature)?.assign("user_id", user_id)?;
            }
            Err(_) => socket.redirect("/error"),
        }
        Ok(ThermostatLive { user_id })
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&THERMOSTAT)
    }

    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        if message.is::<Update>() {
            socket.send_after(Message::new(Update), UPDATE_EVERY);
            let temperature = get_user_reading(self.user_id)?;
            socket.assign("temperature", temperature)?;
        }
        Ok(())
    }

    fn handle_event(&mut self, event: &str, _params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc_temperature" => {
                let temperature = inc_temperature(self.user_id)?;
                socket.assign("temperature", temperature)?;
                Ok(())
            }
            other => Err(format!("unknown event {other}").into()),
        }
    }
}

// ----- ClockLive ---------------------------------------------------------------------------------

struct Tick;

struct ClockLive {
    ticks: u64,
}

fn clock_template(a: &Assigns) -> Rendered {
    node(&["<time>", "</time>"], vec![slot(a, "date")])
}
static CLOCK: Tpl = Tpl(clock_template);

impl LiveView for ClockLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        if socket.is_connected() {
            // The seed ticks every second.
            socket.send_interval(Duration::from_millis(5), || Message::new(Tick));
        }
        socket.assign("date", "tick 0")?;
        Ok(ClockLive { ticks: 0 })
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&CLOCK)
    }

    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        if message.is::<Tick>() {
            self.ticks += 1;
            socket.assign("date", format!("tick {}", self.ticks))?;
        }
        Ok(())
    }

    fn terminate(&mut self, reason: &liveview_core::TerminateReason, socket: &mut Socket) {
        report(socket.id(), format!("terminate {reason:?}"));
    }
}

fn seed_runtime() -> liveview_core::Runtime {
    runtime(
        vec![
            ViewDef::new::<ThermostatLive>("ThermostatLive"),
            ViewDef::new::<ClockLive>("ClockLive"),
        ],
        vec![],
    )
}

fn session(user_id: i64) -> Map<String, Value> {
    json!({ "current_user_id": user_id }).as_object().unwrap().clone()
}

#[test]
fn thermostat_static_render() {
    let rt = seed_runtime();
    let render = rt
        .static_render(StaticRequest {
            view: rt.view("ThermostatLive").unwrap(),
            id: "phx-thermo".into(),
            params: MountParams::Router(Params::new()),
            session: session(2),
            uri: "http://localhost:4000/thermostat".into(),
            flash: Map::new(),
            conn_assigns: Map::new(),
        })
        .unwrap();
    assert_eq!(
        render.html,
        "Current temperature: 65 <button phx-click=\"inc_temperature\">+</button>"
    );
    assert_eq!(render.navigation, None);
}

#[test]
fn thermostat_redirects_when_reading_fails() {
    let rt = seed_runtime();
    let render = rt
        .static_render(StaticRequest {
            view: rt.view("ThermostatLive").unwrap(),
            id: "phx-thermo".into(),
            params: MountParams::Router(Params::new()),
            session: session(404),
            uri: "http://localhost:4000/thermostat".into(),
            flash: Map::new(),
            conn_assigns: Map::new(),
        })
        .unwrap();
    assert_eq!(
        render.navigation,
        Some(Navigation::Redirect { to: "/error".into(), external: false })
    );

    let (transport, frames) = transport();
    let mut join = join(&rt, "ThermostatLive", "phx-thermo-err", transport);
    join.session = session(404);
    rt.spawn(join).unwrap();
    assert_eq!(next_reply(&frames, "error"), json!({"redirect": {"to": "/error"}}));
    eventually("the view to end", || rt.live_views() == 0);
}

#[test]
fn thermostat_connected_events_and_updates() {
    let rt = seed_runtime();
    let (transport, frames) = transport();
    let mut join = join(&rt, "ThermostatLive", "phx-thermo", transport);
    join.session = session(1);
    let handle = rt.spawn(join).unwrap();
    let mut client = Client::default();
    let joined = next_reply(&frames, "ok");
    assert_eq!(joined["liveview_version"], json!("1.2.10"));
    client.merge(&joined["rendered"]);
    assert!(client.html().starts_with("Current temperature: 70 "), "{}", client.html());

    handle.send(click("phx-thermo", "2", "inc_temperature", json!({"value": ""}))).unwrap();
    // The 20 ms update timer may push a diff first; read until the event's reply.
    loop {
        let frame = next_frame(&frames);
        match frame.event.as_str() {
            "diff" => client.merge(&frame.payload),
            "phx_reply" => {
                assert_eq!(frame.msg_ref.as_deref(), Some("2"));
                client.merge(&frame.payload["response"]["diff"]);
                break;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(client.html().starts_with("Current temperature: 71 "), "{}", client.html());

    // The periodic update re-arms itself and pushes a reading changed elsewhere.
    inc_temperature(1).unwrap();
    let frame = next_frame(&frames);
    assert_eq!(frame.event, "diff");
    assert_eq!(frame.join_ref.as_deref(), Some("1"));
    assert_eq!(frame.msg_ref, None);
    client.merge(&frame.payload);
    assert!(client.html().starts_with("Current temperature: 72 "), "{}", client.html());
    handle.send(ViewInput::Shutdown).unwrap();
    eventually("the view to end", || !handle.is_alive());
}

#[test]
fn clock_ticks_until_the_view_ends() {
    let rt = seed_runtime();
    let (transport, frames) = transport();
    let ends = probe("phx-clock");
    let handle = rt.spawn(join(&rt, "ClockLive", "phx-clock", transport)).unwrap();
    let mut client = Client::default();
    client.merge(&next_reply(&frames, "ok")["rendered"]);
    assert_eq!(client.html(), "<time>tick 0</time>");
    for n in 1..=3 {
        let frame = next_frame(&frames);
        assert_eq!(frame.event, "diff");
        client.merge(&frame.payload);
        assert_eq!(client.html(), format!("<time>tick {n}</time>"));
    }
    handle.send(ViewInput::Client(client_frame_leave("phx-clock"))).unwrap();
    // Ticks may be in flight before the leave; after phx_close nothing else comes.
    loop {
        let frame = next_frame(&frames);
        if frame.event == "phx_close" {
            break;
        }
    }
    assert_eq!(expect_report(&ends), "terminate Left");
    eventually("the clock thread to end", || !handle.is_alive());
    std::thread::sleep(Duration::from_millis(30));
    assert!(frames.try_recv().is_err(), "the interval timer must end with the view");
}

fn client_frame_leave(id: &str) -> liveview_core::protocol::Frame {
    client(id, "9", "phx_leave", json!({}))
}
