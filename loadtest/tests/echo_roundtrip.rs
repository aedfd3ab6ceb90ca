//! The load tool against the echo floor, end to end over loopback: every step of the client
//! (GET, upgrade, join, events, replies, fan-out) must work. Correctness only, no timings.

use std::time::Duration;

use liveview_loadtest::driver::Mode;
use liveview_loadtest::echo;
use liveview_loadtest::run::{RunConfig, run};

fn config(addr: std::net::SocketAddr, conns: usize, mode: Mode) -> RunConfig {
    RunConfig {
        url: format!("http://{addr}/counter"),
        server: "echo".into(),
        scenario: "test".into(),
        conns,
        ramp_per_sec: 1000.0,
        connect_threads: 2,
        workers: 2,
        event: if matches!(mode, Mode::Fanout { .. }) {
            echo::BROADCAST_EVENT.into()
        } else {
            "inc".into()
        },
        mode,
        warmup: Duration::from_millis(50),
        duration: Duration::from_millis(300),
        pid: Some(std::process::id()),
        timeout: Duration::from_secs(5),
        progress: false,
    }
}

#[test]
fn back_to_back_and_paced_clicks_are_answered() {
    let addr = echo::spawn("127.0.0.1:0").unwrap();
    let r = run(&config(addr, 3, Mode::BackToBack)).unwrap();
    assert_eq!(r.joined, 3);
    assert_eq!(r.errors, 0, "{:?}", r.first_error);
    assert!(r.replies_ok > 0);
    assert_eq!(r.latency.count as u64, r.replies_ok);
    assert!(r.diff_bytes_mean > 0.0);
    assert!(r.server_proc.is_some());

    let r = run(&config(addr, 4, Mode::Rate { total_per_sec: 200.0 })).unwrap();
    assert_eq!(r.errors, 0, "{:?}", r.first_error);
    assert!(r.replies_ok > 0);
    assert_eq!(r.unanswered, 0);
}

#[test]
fn fanout_reaches_every_other_connection() {
    let addr = echo::spawn("127.0.0.1:0").unwrap();
    let mode = Mode::Fanout { rounds: 3, interval: Duration::from_millis(100) };
    let r = run(&config(addr, 5, mode)).unwrap();
    let f = r.fanout.unwrap();
    assert_eq!(f.rounds, 3);
    assert_eq!(f.receivers, 4);
    assert_eq!(f.missed, 0);
    assert_eq!(f.delivery.count, 12);
}

#[test]
fn a_server_that_is_not_there_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = run(&config(addr, 1, Mode::Idle)).unwrap_err();
    assert!(err.contains("no connection joined"), "{err}");
}
