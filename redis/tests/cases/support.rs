//! A throwaway `redis-server`, and mailboxes standing in for views.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, bounded};
use liveview_core::{Broadcast, Subscriber, SubscriberId, ViewInput};

/// Every blocking wait in these tests gives up after this long.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A `redis-server --port N --save '' --appendonly no` child, killed on drop.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
}

impl RedisServer {
    /// Starts one on a free port; `None` (after saying why) when `redis-server` is missing.
    pub fn start() -> Option<RedisServer> {
        if Command::new("redis-server").arg("--version").output().is_err() {
            eprintln!(
                "SKIPPED: redis-server is not installed (apt-get install -y redis-server); \
                 the Redis tests did not run"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut server = RedisServer { child: None, port };
        server.spawn();
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        wait_until("redis-server answers PING", || self.ping());
    }

    fn ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        if stream.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("+PONG")
    }

    /// Kills the server (SIGKILL: connections drop without a goodbye, as in a crash).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Polls `condition` every 10 ms until it holds; panics with `what` after [`TIMEOUT`].
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A view's mailbox: the subscriber to hand to PubSub and the receiving end.
pub fn mailbox() -> (Subscriber, Receiver<ViewInput>) {
    let (tx, rx) = bounded(64);
    (Subscriber::new(SubscriberId::next(), tx), rx)
}

/// The next broadcast in `rx`; panics after [`TIMEOUT`].
pub fn next_broadcast(rx: &Receiver<ViewInput>) -> Broadcast {
    match rx.recv_timeout(TIMEOUT) {
        Ok(ViewInput::Info(message)) => *message
            .downcast::<Broadcast>()
            .map(Box::new)
            .unwrap_or_else(|_| panic!("not a Broadcast")),
        Ok(_) => panic!("not an info message"),
        Err(e) => panic!("no broadcast within {TIMEOUT:?}: {e}"),
    }
}

/// Next broadcast with `event`, skipping others (e.g. presence diffs of earlier steps).
pub fn next_event(rx: &Receiver<ViewInput>, event: &str) -> Broadcast {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        assert!(Instant::now() < deadline, "no {event} broadcast within {TIMEOUT:?}");
        let broadcast = next_broadcast(rx);
        if broadcast.event == event {
            return broadcast;
        }
    }
}
