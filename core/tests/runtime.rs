//! View threads: join through the transport, events, crashes, leave/close/shutdown,
//! admission control, the mailbox bound, calls, timers, hibernation.

mod support;

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crossbeam_channel::Receiver;
use liveview_core::{
    Assigns, CallError, LiveView, Message, MountParams, Rendered, RuntimeConfig, Session, Socket,
    SpawnError, Template, TerminateReason, ViewDef, ViewInput, ViewResult,
};
use serde_json::{Value, json};
use support::*;

/// Blocks the view in `handle_info` until the sender side is dropped or sends.
struct Block(Receiver<()>);
/// Asks for the count through `handle_call`.
struct Ask;
/// Reported from `handle_info` when it arrives.
struct Late;

struct Probe {
    count: i64,
}

fn probe_template(a: &Assigns) -> Rendered {
    node(&["<b>", "</b>"], vec![slot(a, "count")])
}
static PROBE: Tpl = Tpl(probe_template);

impl LiveView for Probe {
    fn mount(_: &MountParams, session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        if session.contains_key("crash_mount") {
            return Err("cannot mount".into());
        }
        let thread = std::thread::current().name().unwrap_or("").to_owned();
        report(socket.id(), format!("thread {thread}"));
        socket.assign("count", 0)?;
        Ok(Probe { count: 0 })
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&PROBE)
    }

    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc" => {
                self.count += 1;
                socket.assign("count", self.count)?;
            }
            "late" => socket.send_after(Message::new(Late), Duration::from_millis(40)),
            "boom" => panic!("boom in {}", socket.id()),
            _ => return Err("unknown event".into()),
        }
        Ok(())
    }

    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        if let Some(Block(release)) = message.downcast_ref::<Block>() {
            report(socket.id(), "blocked");
            let _ = release.recv_timeout(WAIT);
        } else if message.is::<Late>() {
            report(socket.id(), "late");
        }
        Ok(())
    }

    fn handle_call(&mut self, request: Message, _: &mut Socket) -> ViewResult<Message> {
        if request.is::<Ask>() { Ok(Message::new(self.count)) } else { Err("bad call".into()) }
    }

    fn terminate(&mut self, reason: &TerminateReason, socket: &mut Socket) {
        report(socket.id(), format!("terminate {reason:?}"));
    }
}

fn probe_runtime(config: RuntimeConfig) -> liveview_core::Runtime {
    runtime_with(config, vec![ViewDef::new::<Probe>("Probe")], vec![])
}

// ----- a logger that keeps error lines, to check crash reports ---------------------------------

struct Capture;
fn captured() -> &'static Mutex<Vec<String>> {
    static LINES: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    LINES.get_or_init(|| Mutex::new(Vec::new()))
}
impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Error
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            captured().lock().unwrap().push(record.args().to_string());
        }
    }
    fn flush(&self) {}
}
fn capture_logs() {
    static LOGGER: Capture = Capture;
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Error);
}

#[test]
fn a_view_runs_on_its_own_named_thread_and_answers_events() {
    let rt = probe_runtime(RuntimeConfig::default());
    let reports = probe("phx-rt1");
    let (transport, frames) = transport();
    let handle = rt.spawn(join(&rt, "Probe", "phx-rt1", transport)).unwrap();
    assert_eq!(handle.id(), "phx-rt1");
    assert_eq!(expect_report(&reports), "thread lv-view-phx-rt1");
    let join_reply = next_frame(&frames);
    assert_eq!(
        (join_reply.join_ref.as_deref(), join_reply.msg_ref.as_deref()),
        (Some("1"), Some("1"))
    );
    assert_eq!(join_reply.topic, "lv:phx-rt1");
    let mut client = Client::default();
    client.merge(&join_reply.payload["response"]["rendered"]);
    assert_eq!(rt.live_views(), 1);
    handle.send(click("phx-rt1", "2", "inc", json!({}))).unwrap();
    let reply = next_frame(&frames);
    assert_eq!(reply.msg_ref.as_deref(), Some("2"));
    client.merge(&reply.payload["response"]["diff"]);
    assert_eq!(client.html(), "<b>1</b>");
    handle.send(ViewInput::Shutdown).unwrap();
    assert_eq!(expect_report(&reports), "terminate Shutdown");
    eventually("the thread to end", || rt.live_views() == 0 && !handle.is_alive());
    assert!(frames.try_recv().is_err(), "Shutdown is answered by the channel layer, not the view");
}

#[test]
fn a_crash_ends_only_that_view_with_phx_error_and_one_log_line() {
    capture_logs();
    let rt = probe_runtime(RuntimeConfig::default());
    let reports = probe("phx-crash");
    let (transport, frames) = transport();
    let crashing = rt.spawn(join(&rt, "Probe", "phx-crash", transport.clone())).unwrap();
    let _ = (expect_report(&reports), next_reply(&frames, "ok"));
    let (other_transport, other_frames) = support::transport();
    let other = rt.spawn(join(&rt, "Probe", "phx-survivor", other_transport)).unwrap();
    next_reply(&other_frames, "ok");

    crashing.send(click("phx-crash", "2", "boom", json!({}))).unwrap();
    let error = next_frame(&frames);
    assert_eq!(error.event, "phx_error");
    assert_eq!((error.join_ref.as_deref(), error.msg_ref.as_deref()), (Some("1"), Some("1")));
    assert_eq!(error.payload, json!({"reason": "channel_crash"}));
    let terminate = expect_report(&reports);
    assert!(
        terminate.starts_with("terminate Crash(") && terminate.contains("boom in phx-crash"),
        "{terminate}"
    );
    eventually("the crashed thread to end", || !crashing.is_alive());
    let lines: Vec<String> =
        captured().lock().unwrap().iter().filter(|l| l.contains("phx-crash")).cloned().collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("Probe")
            && lines[0].contains("handle_event")
            && lines[0].contains("boom in phx-crash"),
        "{}",
        lines[0]
    );

    other.send(click("phx-survivor", "2", "inc", json!({}))).unwrap();
    assert!(next_reply(&other_frames, "ok")["diff"].is_object());
    assert!(other.is_alive());
    other.send(ViewInput::Shutdown).unwrap();
}

#[test]
fn a_mount_crash_answers_the_join_with_join_crashed() {
    let rt = probe_runtime(RuntimeConfig::default());
    let (transport, frames) = transport();
    let mut request = join(&rt, "Probe", "phx-jc", transport);
    request.session.insert("crash_mount".into(), json!(true));
    rt.spawn(request).unwrap();
    assert_eq!(next_reply(&frames, "error"), json!({"reason": "join crashed"}));
    eventually("the thread to end", || rt.live_views() == 0);
}

#[test]
fn leave_replies_closes_and_terminates_with_left() {
    let rt = probe_runtime(RuntimeConfig::default());
    let reports = probe("phx-leave");
    let (transport, frames) = transport();
    let handle = rt.spawn(join(&rt, "Probe", "phx-leave", transport)).unwrap();
    let _ = (expect_report(&reports), next_reply(&frames, "ok"));
    handle.send(ViewInput::Client(client("phx-leave", "3", "phx_leave", json!({})))).unwrap();
    let reply = next_frame(&frames);
    assert_eq!((reply.event.as_str(), reply.msg_ref.as_deref()), ("phx_reply", Some("3")));
    let close = next_frame(&frames);
    assert_eq!((close.event.as_str(), close.msg_ref.as_deref()), ("phx_close", Some("1")));
    assert_eq!(expect_report(&reports), "terminate Left");
    eventually("the thread to end", || !handle.is_alive());
}

#[test]
fn a_closed_transport_terminates_with_closed() {
    let rt = probe_runtime(RuntimeConfig::default());
    let reports = probe("phx-closed");
    let (transport, frames) = transport();
    let handle = rt.spawn(join(&rt, "Probe", "phx-closed", transport.clone())).unwrap();
    let _ = (expect_report(&reports), next_reply(&frames, "ok"));
    handle.send(ViewInput::TransportClosed).unwrap();
    assert_eq!(expect_report(&reports), "terminate Closed");
    eventually("the thread to end", || !handle.is_alive());
    assert!(frames.try_recv().is_err());

    // A failing write ends the view the same way.
    let reports = probe("phx-closed2");
    let (transport, frames) = support::transport();
    let handle = rt.spawn(join(&rt, "Probe", "phx-closed2", transport.clone())).unwrap();
    let _ = (expect_report(&reports), next_reply(&frames, "ok"));
    liveview_core::Transport::close(&*transport);
    handle.send(click("phx-closed2", "2", "inc", json!({}))).unwrap();
    assert_eq!(expect_report(&reports), "terminate Closed");
}

#[test]
fn admission_control_refuses_views_above_max_views() {
    let rt = probe_runtime(RuntimeConfig { max_views: 1, ..RuntimeConfig::default() });
    let (transport, frames) = transport();
    let first = rt.spawn(join(&rt, "Probe", "phx-adm1", transport.clone())).unwrap();
    next_reply(&frames, "ok");
    let refused = rt.spawn(join(&rt, "Probe", "phx-adm2", transport.clone())).unwrap_err();
    assert_eq!(refused, SpawnError::Full { max: 1 });
    assert!(refused.to_string().contains("max_views"), "{refused}");
    first.send(ViewInput::Shutdown).unwrap();
    eventually("the first view to end", || rt.live_views() == 0);
    let second = rt.spawn(join(&rt, "Probe", "phx-adm3", transport)).unwrap();
    next_reply(&frames, "ok");
    second.send(ViewInput::Shutdown).unwrap();
}

#[test]
fn the_mailbox_is_bounded() {
    let rt = probe_runtime(RuntimeConfig { mailbox_capacity: 2, ..RuntimeConfig::default() });
    let reports = probe("phx-mb");
    let (transport, frames) = transport();
    let handle = rt.spawn(join(&rt, "Probe", "phx-mb", transport)).unwrap();
    let _ = (expect_report(&reports), next_reply(&frames, "ok"));
    let (release, gate) = crossbeam_channel::bounded(1);
    handle.info(Message::new(Block(gate))).unwrap();
    assert_eq!(expect_report(&reports), "blocked");
    handle.send(click("phx-mb", "2", "inc", json!({}))).unwrap();
    handle.send(click("phx-mb", "3", "inc", json!({}))).unwrap();
    let full = handle.send(click("phx-mb", "4", "inc", json!({}))).unwrap_err();
    assert!(matches!(full.0, ViewInput::Client(_)), "the input comes back");
    assert_eq!(
        handle.call(Message::new(Ask), Duration::from_millis(10)).unwrap_err(),
        CallError::Full
    );
    release.send(()).unwrap();
    assert_eq!(next_reply(&frames, "ok")["diff"]["0"], json!("1"));
    assert_eq!(next_reply(&frames, "ok")["diff"]["0"], json!("2"));
    handle.send(ViewInput::Shutdown).unwrap();
}

#[test]
fn calls_reply_time_out_and_fail() {
    let rt = probe_runtime(RuntimeConfig::default());
    let reports = probe("phx-call");
    let (transport, frames) = transport();
    let handle = rt.spawn(join(&rt, "Probe", "phx-call", transport)).unwrap();
    let _ = (expect_report(&reports), next_reply(&frames, "ok"));
    handle.send(click("phx-call", "2", "inc", json!({}))).unwrap();
    let answer = handle.call(Message::new(Ask), WAIT).unwrap();
    assert_eq!(answer.downcast_ref::<i64>(), Some(&1));

    let (release, gate) = crossbeam_channel::bounded(1);
    handle.info(Message::new(Block(gate))).unwrap();
    assert_eq!(expect_report(&reports), "blocked");
    assert_eq!(
        handle.call(Message::new(Ask), Duration::from_millis(20)).unwrap_err(),
        CallError::Timeout
    );
    release.send(()).unwrap();

    let failed = handle.call(Message::new("not understood"), WAIT).unwrap_err();
    assert_eq!(failed, CallError::Failed("handle_call failed: bad call".into()));
    eventually("the failed view to end", || !handle.is_alive());
    assert_eq!(handle.call(Message::new(Ask), WAIT).unwrap_err(), CallError::Dead);
}

#[test]
fn timers_end_with_the_view() {
    let rt = probe_runtime(RuntimeConfig::default());
    let reports = probe("phx-timer");
    let (transport, frames) = transport();
    let handle = rt.spawn(join(&rt, "Probe", "phx-timer", transport)).unwrap();
    let _ = (expect_report(&reports), next_reply(&frames, "ok"));
    handle.send(click("phx-timer", "2", "late", json!({}))).unwrap();
    next_reply(&frames, "ok");
    handle.send(ViewInput::Shutdown).unwrap();
    assert_eq!(expect_report(&reports), "terminate Shutdown");
    eventually("the thread to end", || !handle.is_alive());
    std::thread::sleep(Duration::from_millis(80));
    assert!(reports.try_recv().is_err(), "send_after must not outlive the view");

    // While the view lives, the same timer fires.
    let reports = probe("phx-timer2");
    let (transport, frames) = support::transport();
    let handle = rt.spawn(join(&rt, "Probe", "phx-timer2", transport)).unwrap();
    let _ = (expect_report(&reports), next_reply(&frames, "ok"));
    handle.send(click("phx-timer2", "2", "late", json!({}))).unwrap();
    assert_eq!(expect_report(&reports), "late");
    handle.send(ViewInput::Shutdown).unwrap();
}

#[test]
fn a_hibernated_view_keeps_working() {
    let rt = probe_runtime(RuntimeConfig {
        hibernate_after: Duration::from_millis(1),
        ..RuntimeConfig::default()
    });
    let reports = probe("phx-hib");
    let (transport, frames) = transport();
    let handle = rt.spawn(join(&rt, "Probe", "phx-hib", transport)).unwrap();
    let _ = expect_report(&reports);
    let mut client = Client::default();
    client.merge(&next_reply(&frames, "ok")["rendered"]);
    for n in 1..=3 {
        std::thread::sleep(Duration::from_millis(10));
        handle.send(click("phx-hib", &n.to_string(), "inc", json!({}))).unwrap();
        client.merge(&next_reply(&frames, "ok")["diff"]);
        assert_eq!(client.html(), format!("<b>{n}</b>"));
    }
    handle.send(ViewInput::Shutdown).unwrap();
}

/// A transport with a bug: it panics on every send.
struct PanickyTransport;
impl liveview_core::Transport for PanickyTransport {
    fn send(&self, _: String) -> Result<(), liveview_core::TransportError> {
        panic!("transport bug");
    }
    fn close(&self) {}
    fn kind(&self) -> &'static str {
        "websocket"
    }
}

#[test]
fn a_panic_outside_view_callbacks_still_frees_the_view() {
    let rt = probe_runtime(RuntimeConfig::default());
    let handle =
        rt.spawn(join(&rt, "Probe", "phx-buggy", std::sync::Arc::new(PanickyTransport))).unwrap();
    eventually("the view to end", || !handle.is_alive() && rt.live_views() == 0);
}
