//! The measuring loop: a few worker threads, each polling its share of the (non-blocking)
//! connections with epoll through mio, sending events on schedule and timing the replies.
//!
//! Why not a thread per connection: at 5,000 connections the load tool's own threads would
//! compete with the server for the 2 cores and add wake-up latency to every sample.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::io::ErrorKind;
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use tungstenite::{Message, WebSocket};

use crate::connect::{JOIN_REF, Joined};
use crate::frame::{self, Incoming};

/// What the connections do during the measurement.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    /// Open loop: events at a fixed total rate, spread evenly over the connections.
    Rate {
        /// Events per second over all connections.
        total_per_sec: f64,
    },
    /// Closed loop: each connection sends its next event as soon as the reply arrives.
    BackToBack,
    /// Connected and silent (heartbeats only).
    Idle,
    /// Connection 0 triggers a broadcast every `interval`; all others time the pushed diff.
    Fanout {
        /// Number of broadcasts.
        rounds: usize,
        /// Time between broadcasts.
        interval: Duration,
    },
}

/// The schedule every worker shares.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The measurement mode.
    pub mode: Mode,
    /// Event name sent by clicks (and by the fan-out trigger).
    pub event: String,
    /// When sending starts.
    pub start: Instant,
    /// Samples of events sent before this are discarded.
    pub warmup_end: Instant,
    /// When sending stops.
    pub end: Instant,
    /// Longest wait for outstanding replies after `end`.
    pub drain: Duration,
    /// Heartbeat period (the JS client's is 30 s).
    pub heartbeat: Duration,
    /// Total connections over all workers (for spacing rate-mode sends).
    pub total_conns: usize,
}

/// Live counters for progress lines.
#[derive(Debug, Default)]
pub struct Progress {
    /// Events sent.
    pub sent: AtomicU64,
    /// Replies received.
    pub replies: AtomicU64,
    /// Errors (error replies, dead connections).
    pub errors: AtomicU64,
}

/// What one worker measured.
#[derive(Debug, Default)]
pub struct WorkerResult {
    /// Round trips (ns) of events sent in the measurement window.
    pub latencies_ns: Vec<u64>,
    /// Events sent in the window.
    pub sent: u64,
    /// `ok` replies to events sent in the window.
    pub replies_ok: u64,
    /// Error replies plus connections that died.
    pub errors: u64,
    /// Events never answered.
    pub unanswered: u64,
    /// Sum of reply frame sizes (window).
    pub reply_bytes: u64,
    /// Sum of diff sizes inside replies (window).
    pub diff_bytes: u64,
    /// Largest diff inside a reply.
    pub diff_bytes_max: u64,
    /// Fan-out: when the trigger fired (worker holding connection 0 only).
    pub triggers: Vec<Instant>,
    /// Fan-out: per receiving connection, when each pushed diff arrived.
    pub pushes: Vec<Vec<Instant>>,
    /// Fan-out: bytes of the pushed diffs.
    pub push_bytes: u64,
    /// First error text seen, for the report.
    pub first_error: Option<String>,
}

struct Conn {
    ws: WebSocket<TcpStream>,
    topic: String,
    next_ref: u64,
    pending: VecDeque<(u64, Instant)>,
    alive: bool,
    pushes: Vec<Instant>,
}

/// Runs one worker over its connections until the plan ends.
///
/// `first_global` is the global index of `joined[0]` (connection 0 is the fan-out trigger).
pub fn run_worker(
    joined: Vec<Joined>,
    first_global: usize,
    plan: &Plan,
    progress: &Arc<Progress>,
) -> WorkerResult {
    let mut result = WorkerResult::default();
    let mut poll = match Poll::new() {
        Ok(p) => p,
        Err(e) => {
            result.first_error = Some(format!("epoll: {e}"));
            return result;
        }
    };
    let mut conns: Vec<Conn> = Vec::with_capacity(joined.len());
    for (i, j) in joined.into_iter().enumerate() {
        let fd = j.ws.get_ref().as_raw_fd();
        let ok = j.ws.get_ref().set_nonblocking(true).is_ok()
            && poll
                .registry()
                .register(&mut SourceFd(&fd), Token(i), Interest::READABLE | Interest::WRITABLE)
                .is_ok();
        conns.push(Conn {
            ws: j.ws,
            topic: j.topic,
            next_ref: JOIN_REF + 1,
            pending: VecDeque::new(),
            alive: ok,
            pushes: Vec::new(),
        });
    }

    let trigger_here =
        matches!(plan.mode, Mode::Fanout { .. }) && first_global == 0 && !conns.is_empty();
    let mut due: BinaryHeap<Reverse<(Instant, usize)>> = BinaryHeap::new();
    let interval = match plan.mode {
        Mode::Rate { total_per_sec } if total_per_sec > 0.0 => {
            Some(Duration::from_secs_f64(plan.total_conns as f64 / total_per_sec))
        }
        Mode::Fanout { interval, .. } => Some(interval),
        _ => None,
    };
    match (&plan.mode, interval) {
        (Mode::Rate { .. }, Some(iv)) => {
            // Even phases: connection g starts at g/total of an interval, so the total rate is smooth.
            for i in 0..conns.len() {
                let phase = iv.mul_f64((first_global + i) as f64 / plan.total_conns.max(1) as f64);
                due.push(Reverse((plan.start + phase, i)));
            }
        }
        (Mode::BackToBack, _) => (0..conns.len()).for_each(|i| due.push(Reverse((plan.start, i)))),
        (Mode::Fanout { .. }, Some(_)) if trigger_here => due.push(Reverse((plan.warmup_end, 0))),
        _ => {}
    }
    let mut rounds_left = match plan.mode {
        Mode::Fanout { rounds, .. } => rounds,
        _ => usize::MAX,
    };
    let mut next_heartbeat = plan.start + plan.heartbeat;
    let mut hb_ref = 1_000_000_000u64;
    let mut events = Events::with_capacity(1024);
    let hard_end = plan.end + plan.drain;

    loop {
        let now = Instant::now();
        let draining = now >= plan.end;
        if now >= hard_end || (draining && conns.iter().all(|c| c.pending.is_empty())) {
            break;
        }
        while let Some(&Reverse((t, i))) = due.peek() {
            if draining || t > now {
                break;
            }
            due.pop();
            if trigger_here && i == 0 {
                if rounds_left == 0 {
                    continue;
                }
                rounds_left -= 1;
                result.triggers.push(Instant::now());
            }
            send_event(&mut conns[i], &plan.event, plan, &mut result, progress);
            if let Some(iv) = interval {
                due.push(Reverse((t + iv, i)));
            }
        }
        if now >= next_heartbeat {
            next_heartbeat = now + plan.heartbeat;
            for c in conns.iter_mut().filter(|c| c.alive) {
                hb_ref += 1;
                let _ = write(c, frame::heartbeat(hb_ref));
            }
        }
        let mut wake = hard_end.min(next_heartbeat);
        if !draining {
            wake = wake.min(plan.end);
            if let Some(&Reverse((t, _))) = due.peek() {
                wake = wake.min(t);
            }
        }
        let timeout = wake.saturating_duration_since(Instant::now());
        if let Err(e) = poll.poll(&mut events, Some(timeout)) {
            if e.kind() != ErrorKind::Interrupted {
                result.first_error.get_or_insert_with(|| format!("epoll: {e}"));
                break;
            }
        }
        for ev in events.iter() {
            let i = ev.token().0;
            if ev.is_writable() {
                let _ = conns[i].ws.flush();
            }
            if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                read_all(i, &mut conns, plan, &mut result, progress, &mut due);
            }
        }
    }

    for c in &conns {
        result.unanswered += c.pending.iter().filter(|(_, t)| *t >= plan.warmup_end).count() as u64;
    }
    if matches!(plan.mode, Mode::Fanout { .. }) {
        let skip = usize::from(trigger_here);
        result.pushes =
            conns.iter_mut().skip(skip).map(|c| std::mem::take(&mut c.pushes)).collect();
    }
    for c in &mut conns {
        let _ = c.ws.close(None);
        let _ = c.ws.flush();
    }
    result
}

fn send_event(
    c: &mut Conn,
    event: &str,
    plan: &Plan,
    result: &mut WorkerResult,
    progress: &Progress,
) {
    if !c.alive {
        return;
    }
    let r = c.next_ref;
    c.next_ref += 1;
    let text = frame::click(JOIN_REF, r, &c.topic, event);
    let sent_at = Instant::now();
    if write(c, text) {
        c.pending.push_back((r, sent_at));
        if sent_at >= plan.warmup_end {
            result.sent += 1;
        }
        progress.sent.fetch_add(1, Ordering::Relaxed);
    } else {
        result.errors += 1;
        progress.errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// Sends a text frame; a full socket buffer is fine (tungstenite keeps the frame and the
/// writable event flushes it). Returns false when the connection is dead.
fn write(c: &mut Conn, text: String) -> bool {
    match c.ws.send(Message::text(text)) {
        Ok(()) => true,
        Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => true,
        Err(_) => {
            c.alive = false;
            false
        }
    }
}

fn read_all(
    i: usize,
    conns: &mut [Conn],
    plan: &Plan,
    result: &mut WorkerResult,
    progress: &Progress,
    due: &mut BinaryHeap<Reverse<(Instant, usize)>>,
) {
    loop {
        let c = &mut conns[i];
        if !c.alive {
            return;
        }
        let msg = match c.ws.read() {
            Ok(m) => m,
            Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => return,
            Err(e) => {
                c.alive = false;
                result.errors += 1;
                progress.errors.fetch_add(1, Ordering::Relaxed);
                result.first_error.get_or_insert_with(|| format!("connection lost: {e}"));
                return;
            }
        };
        let now = Instant::now();
        let Message::Text(text) = msg else { continue };
        let Ok(f) = Incoming::parse(&text) else {
            result.errors += 1;
            continue;
        };
        if f.event == "diff" {
            c.pushes.push(now);
            result.push_bytes += f.diff_bytes() as u64;
            continue;
        }
        if f.event != "phx_reply" || f.topic != c.topic {
            if f.event == "phx_error" || f.event == "phx_close" {
                c.alive = false;
                result.errors += 1;
                result.first_error.get_or_insert_with(|| format!("server sent {}", f.event));
            }
            continue;
        }
        let Some(r) = f.ref_number() else { continue };
        // Replies come in order on one channel; anything older than `r` was lost.
        let Some(pos) = c.pending.iter().position(|(p, _)| *p == r) else { continue };
        let sent_at = c.pending[pos].1;
        c.pending.drain(..=pos);
        progress.replies.fetch_add(1, Ordering::Relaxed);
        let in_window = sent_at >= plan.warmup_end;
        if f.reply_status().as_deref() == Some("ok") {
            if in_window {
                result.replies_ok += 1;
                result.latencies_ns.push(now.duration_since(sent_at).as_nanos() as u64);
                let diff = f.diff_bytes() as u64;
                result.reply_bytes += text.len() as u64;
                result.diff_bytes += diff;
                result.diff_bytes_max = result.diff_bytes_max.max(diff);
            }
        } else {
            result.errors += 1;
            progress.errors.fetch_add(1, Ordering::Relaxed);
            result.first_error.get_or_insert_with(|| format!("error reply: {}", f.payload.get()));
        }
        if plan.mode == Mode::BackToBack && now < plan.end {
            due.push(Reverse((now, i)));
        }
    }
}
