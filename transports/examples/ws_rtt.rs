//! Measures the WebSocket transport against a raw tungstenite echo (design.md §4), and the
//! memory of idle connections. A measurement, not a test:
//!
//! ```text
//! cargo run --release -p liveview-transports --example ws_rtt [round_trips] [idle_connections]
//! ```
//!
//! - Round trip: one client sends an 86-byte frame and waits for the echo, over (a) a raw
//!   tungstenite server (read and write on one thread) and (b) our [`Server`], where the reader
//!   thread hands the frame to a `ClientConnection` that answers through `Transport::send`.
//! - Idle memory: a child process serves, the parent opens N WebSocket connections that stay
//!   idle, and reads the child's RSS before and after.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use liveview_core::{
    ClientConnection, ConnectError, Endpoint, HttpRequest, HttpResponse, Transport,
};
use liveview_transports::{Server, ServerConfig};
use tungstenite::{Message, WebSocket};

struct Echo;

impl Endpoint for Echo {
    fn handle_http(&self, _: &HttpRequest) -> Option<HttpResponse> {
        None
    }

    fn connect(
        &self,
        _: &HttpRequest,
        transport: Arc<dyn Transport>,
    ) -> Result<Box<dyn ClientConnection>, ConnectError> {
        Ok(Box::new(EchoConnection(transport)))
    }
}

struct EchoConnection(Arc<dyn Transport>);

impl ClientConnection for EchoConnection {
    fn handle_text(&mut self, text: &str) {
        let _ = self.0.send(text.to_string());
    }

    fn handle_binary(&mut self, _: &[u8]) {}

    fn closed(&mut self) {}
}

fn raw_echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || {
                stream.set_nodelay(true).unwrap();
                let mut ws = tungstenite::accept(stream).unwrap();
                while let Ok(message) = ws.read() {
                    if message.is_text() && ws.send(message).is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

fn our_server() -> SocketAddr {
    let server = Server::bind("127.0.0.1:0", ServerConfig::default()).unwrap();
    let addr = server.local_addr();
    let handle = server.spawn(Arc::new(Echo)).unwrap();
    std::mem::forget(handle);
    addr
}

fn client(addr: SocketAddr) -> WebSocket<TcpStream> {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_nodelay(true).unwrap();
    tungstenite::client(format!("ws://{addr}/live/websocket?vsn=2.0.0"), stream).unwrap().0
}

fn round_trips(addr: SocketAddr, count: usize) -> Vec<Duration> {
    let mut ws = client(addr);
    let frame =
        r#"["4","5","lv:phx-GBsi_6M7paYhySQj","event",{"type":"click","event":"inc","value":{}}]"#;
    let mut samples = Vec::with_capacity(count);
    for i in 0..count + count / 10 {
        let start = Instant::now();
        ws.send(Message::text(frame)).unwrap();
        while !ws.read().unwrap().is_text() {}
        if i >= count / 10 {
            samples.push(start.elapsed());
        }
    }
    samples.sort();
    samples
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)]
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    if first.as_deref() == Some("serve") {
        let server = Server::bind("127.0.0.1:0", ServerConfig::default()).unwrap();
        println!("{}", server.local_addr());
        server.serve(Arc::new(Echo)).unwrap();
        return;
    }
    let count: usize = first.and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let idle: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000);

    // Interleave runs so both servers see the same machine noise.
    let (raw, ours) = (raw_echo_server(), our_server());
    for run in 0..3 {
        let raw_samples = round_trips(raw, count);
        let our_samples = round_trips(ours, count);
        println!(
            "run {run}: raw tungstenite p50 {:?} p99 {:?} | liveview ws p50 {:?} p99 {:?} | ratio p50 {:.2}",
            percentile(&raw_samples, 0.5),
            percentile(&raw_samples, 0.99),
            percentile(&our_samples, 0.5),
            percentile(&our_samples, 0.99),
            percentile(&our_samples, 0.5).as_secs_f64()
                / percentile(&raw_samples, 0.5).as_secs_f64()
        );
    }

    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("serve")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr: SocketAddr = line.trim().parse().unwrap();
    // Warm up thread creation paths, then measure.
    drop((0..10).map(|_| client(addr)).collect::<Vec<_>>());
    thread::sleep(Duration::from_millis(300));
    let before = rss_kib(child.id());
    let clients: Vec<_> = (0..idle)
        .map(|_| {
            let mut ws = client(addr);
            ws.send(Message::text("[null,\"1\",\"phoenix\",\"heartbeat\",{}]")).unwrap();
            ws.read().unwrap();
            ws
        })
        .collect();
    thread::sleep(Duration::from_millis(500));
    let after = rss_kib(child.id());
    println!(
        "{idle} idle websocket connections: server RSS {before} KiB -> {after} KiB = {:.1} KiB per connection (user space; kernel stack and socket buffers not included)",
        (after.saturating_sub(before)) as f64 / idle as f64
    );
    drop(clients);
    let _ = child.kill();
    let _ = child.wait();
}
