//! One measurement: ramp up the connections, run the driver, read `/proc`, and summarise.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::connect::{self, Joined};
use crate::driver::{self, Mode, Plan, Progress, WorkerResult};
use crate::page::HttpUrl;
use crate::procfs::{self, Machine, ProcSample};
use crate::stats::{self, Summary};

/// Everything a run needs.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Page URL of the view to load (`http://127.0.0.1:4000/counter`).
    pub url: String,
    /// Server under test, for the report (`liveview`, `echo`, `pyview`).
    pub server: String,
    /// Scenario name, for the report (`counter`, `table`, `idle`, `fanout`).
    pub scenario: String,
    /// Connections to open.
    pub conns: usize,
    /// New connections per second during the ramp.
    pub ramp_per_sec: f64,
    /// Threads opening connections.
    pub connect_threads: usize,
    /// Threads polling connections during the measurement.
    pub workers: usize,
    /// What the connections do.
    pub mode: Mode,
    /// Event name to send.
    pub event: String,
    /// Discarded start of the measurement.
    pub warmup: Duration,
    /// Measured time (after the warm-up).
    pub duration: Duration,
    /// Server process to read RSS and CPU from.
    pub pid: Option<u32>,
    /// Timeout of each connect step and of the final drain.
    pub timeout: Duration,
    /// Print progress lines to stderr.
    pub progress: bool,
}

/// The server's figures from `/proc`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerFigures {
    /// Pid read.
    pub pid: u32,
    /// RSS before the first connection (KiB).
    pub rss_baseline_kib: u64,
    /// RSS with all connections joined (KiB).
    pub rss_connected_kib: u64,
    /// RSS at the end of the measurement (KiB).
    pub rss_end_kib: u64,
    /// (end RSS − baseline) / joined connections, in KiB.
    pub rss_per_view_kib: f64,
    /// Threads with all connections joined.
    pub threads_connected: u64,
    /// CPU seconds used in the measurement window.
    pub cpu_secs: f64,
    /// CPU used in the window as a fraction of one core.
    pub cpu_cores: f64,
    /// Server CPU per answered event (µs).
    pub cpu_us_per_event: f64,
}

/// The load tool's own cost.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientFigures {
    /// CPU in the measurement window as a fraction of one core.
    pub cpu_cores: f64,
    /// RSS at the end (KiB).
    pub rss_kib: u64,
    /// Worker threads polling the connections.
    pub workers: usize,
}

/// Fan-out figures: one broadcast, time until each view has its diff.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FanoutFigures {
    /// Broadcasts sent.
    pub rounds: usize,
    /// Views expected to receive each broadcast.
    pub receivers: usize,
    /// Per round: trigger → last view's diff.
    pub last_delivery: Summary,
    /// All deliveries: trigger → each view's diff.
    pub delivery: Summary,
    /// Deliveries that never arrived.
    pub missed: usize,
    /// Mean bytes of a pushed diff.
    pub push_bytes_mean: f64,
}

/// The result of one run (one server, one scenario, one connection count).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// Server under test.
    pub server: String,
    /// Scenario.
    pub scenario: String,
    /// `rate`, `b2b`, `idle` or `fanout`.
    pub mode: String,
    /// Target total event rate (rate mode).
    pub target_rate: f64,
    /// URL loaded.
    pub url: String,
    /// Connections asked for.
    pub conns: usize,
    /// Connections joined.
    pub joined: usize,
    /// Connections that failed to join.
    pub connect_errors: usize,
    /// GET → join reply, per connection.
    pub connect_join: Summary,
    /// Seconds the ramp took.
    pub ramp_secs: f64,
    /// Mean join reply size (the full first render).
    pub join_reply_bytes: f64,
    /// Page body size.
    pub page_bytes: usize,
    /// Measured window (s).
    pub window_secs: f64,
    /// Events sent in the window.
    pub sent: u64,
    /// `ok` replies.
    pub replies_ok: u64,
    /// Error replies, dead connections.
    pub errors: u64,
    /// Events never answered.
    pub unanswered: u64,
    /// Answered events per second.
    pub throughput: f64,
    /// Event round trip.
    pub latency: Summary,
    /// Mean reply frame size.
    pub reply_bytes_mean: f64,
    /// Mean diff size inside replies.
    pub diff_bytes_mean: f64,
    /// Largest diff inside a reply.
    pub diff_bytes_max: u64,
    /// Fan-out figures (fan-out mode).
    pub fanout: Option<FanoutFigures>,
    /// Server figures (when a pid was given).
    pub server_proc: Option<ServerFigures>,
    /// The tool's own cost.
    pub client: ClientFigures,
    /// First error seen, if any.
    pub first_error: Option<String>,
    /// The machine.
    pub machine: Machine,
}

/// Runs one measurement.
pub fn run(cfg: &RunConfig) -> Result<RunResult, String> {
    let url = HttpUrl::parse(&cfg.url)?;
    let pid_s = cfg.pid.map(|p| p.to_string());
    let server_sample = || pid_s.as_deref().and_then(procfs::sample);
    let baseline = server_sample();
    let progress = Arc::new(Progress::default());

    let ramp_start = Instant::now();
    let (joined, connect_errors, first_connect_error) = ramp(cfg, &url);
    let ramp_secs = ramp_start.elapsed().as_secs_f64();
    if joined.is_empty() {
        return Err(format!(
            "no connection joined {}: {}",
            cfg.url,
            first_connect_error.unwrap_or_else(|| "no connections requested".into())
        ));
    }
    let mut connect_ns: Vec<u64> =
        joined.iter().map(|j| j.connect_join.as_nanos() as u64).collect();
    let join_reply_bytes =
        stats::mean(&joined.iter().map(|j| j.join_reply_bytes as f64).collect::<Vec<_>>());
    let page_bytes = joined[0].page_bytes;
    let n_joined = joined.len();
    let connected = server_sample();

    let start = Instant::now() + Duration::from_millis(50);
    let (warmup_end, end) = match cfg.mode {
        Mode::Fanout { rounds, interval } => {
            (start + cfg.warmup, start + cfg.warmup + interval * rounds as u32)
        }
        _ => (start + cfg.warmup, start + cfg.warmup + cfg.duration),
    };
    let plan = Plan {
        mode: cfg.mode.clone(),
        event: cfg.event.clone(),
        start,
        warmup_end,
        end,
        drain: cfg.timeout,
        heartbeat: Duration::from_secs(30),
        total_conns: n_joined,
    };

    let workers = cfg.workers.clamp(1, n_joined);
    let mut shares: Vec<Vec<Joined>> = (0..workers).map(|_| Vec::new()).collect();
    // Contiguous shares so that global connection 0 (the fan-out trigger) is worker 0's first.
    let per = n_joined.div_ceil(workers);
    for (i, j) in joined.into_iter().enumerate() {
        shares[i / per].push(j);
    }
    let handles: Vec<_> = shares
        .into_iter()
        .enumerate()
        .map(|(w, share)| {
            let plan = plan.clone();
            let progress = Arc::clone(&progress);
            thread::Builder::new()
                .name(format!("lv-load-{w}"))
                .spawn(move || driver::run_worker(share, w * per, &plan, &progress))
                .map_err(|e| format!("spawn worker: {e}"))
        })
        .collect::<Result<_, _>>()?;

    // Sample CPU over exactly the window, from this (otherwise idle) thread.
    sleep_until(warmup_end, cfg, &progress, "warm-up");
    let (srv_a, cli_a, t_a) = (server_sample(), procfs::sample("self"), Instant::now());
    sleep_until(end, cfg, &progress, "measuring");
    let (srv_b, cli_b, t_b) = (server_sample(), procfs::sample("self"), Instant::now());
    let results: Vec<WorkerResult> =
        handles.into_iter().map(|h| h.join().unwrap_or_default()).collect();
    let window_secs = t_b.duration_since(t_a).as_secs_f64().max(1e-9);

    let mut merged = WorkerResult::default();
    let mut pushes = Vec::new();
    for mut r in results {
        merged.latencies_ns.append(&mut r.latencies_ns);
        merged.sent += r.sent;
        merged.replies_ok += r.replies_ok;
        merged.errors += r.errors;
        merged.unanswered += r.unanswered;
        merged.reply_bytes += r.reply_bytes;
        merged.diff_bytes += r.diff_bytes;
        merged.diff_bytes_max = merged.diff_bytes_max.max(r.diff_bytes_max);
        merged.push_bytes += r.push_bytes;
        merged.triggers.append(&mut r.triggers);
        pushes.append(&mut r.pushes);
        if merged.first_error.is_none() {
            merged.first_error = r.first_error;
        }
    }
    let fanout = match cfg.mode {
        Mode::Fanout { .. } => Some(fanout_figures(&merged.triggers, &pushes, merged.push_bytes)),
        _ => None,
    };
    let answered = merged.replies_ok.max(1) as f64;
    let server_proc = cfg.pid.map(|pid| {
        let base = baseline.unwrap_or_default();
        let conn = connected.unwrap_or_default();
        let endp = srv_b.unwrap_or_default();
        let cpu = (endp.cpu_secs - srv_a.unwrap_or_default().cpu_secs).max(0.0);
        ServerFigures {
            pid,
            rss_baseline_kib: base.rss_kib,
            rss_connected_kib: conn.rss_kib,
            rss_end_kib: endp.rss_kib,
            rss_per_view_kib: endp.rss_kib.saturating_sub(base.rss_kib) as f64 / n_joined as f64,
            threads_connected: conn.threads,
            cpu_secs: cpu,
            cpu_cores: cpu / window_secs,
            cpu_us_per_event: if merged.replies_ok > 0 { cpu * 1e6 / answered } else { 0.0 },
        }
    });
    let cli_cpu = cli_b.unwrap_or_default().cpu_secs - cli_a.unwrap_or_default().cpu_secs;

    Ok(RunResult {
        server: cfg.server.clone(),
        scenario: cfg.scenario.clone(),
        mode: mode_name(&cfg.mode).into(),
        target_rate: match cfg.mode {
            Mode::Rate { total_per_sec } => total_per_sec,
            _ => 0.0,
        },
        url: cfg.url.clone(),
        conns: cfg.conns,
        joined: n_joined,
        connect_errors,
        connect_join: Summary::from_nanos(&mut connect_ns),
        ramp_secs,
        join_reply_bytes,
        page_bytes,
        window_secs,
        sent: merged.sent,
        replies_ok: merged.replies_ok,
        errors: merged.errors,
        unanswered: merged.unanswered,
        throughput: merged.replies_ok as f64 / window_secs,
        latency: Summary::from_nanos(&mut merged.latencies_ns),
        reply_bytes_mean: merged.reply_bytes as f64 / answered,
        diff_bytes_mean: merged.diff_bytes as f64 / answered,
        diff_bytes_max: merged.diff_bytes_max,
        fanout,
        server_proc,
        client: ClientFigures {
            cpu_cores: cli_cpu.max(0.0) / window_secs,
            rss_kib: cli_b.map_or(0, |s: ProcSample| s.rss_kib),
            workers,
        },
        first_error: merged.first_error.or(first_connect_error),
        machine: procfs::machine(),
    })
}

/// The mode's short name.
pub fn mode_name(mode: &Mode) -> &'static str {
    match mode {
        Mode::Rate { .. } => "rate",
        Mode::BackToBack => "b2b",
        Mode::Idle => "idle",
        Mode::Fanout { .. } => "fanout",
    }
}

/// Per-round last delivery and all deliveries, from trigger instants and per-view arrivals
/// (the k-th push a view gets belongs to the k-th broadcast).
pub fn fanout_figures(
    triggers: &[Instant],
    pushes: &[Vec<Instant>],
    push_bytes: u64,
) -> FanoutFigures {
    let mut last = Vec::new();
    let mut all = Vec::new();
    let mut missed = 0;
    for (k, t) in triggers.iter().enumerate() {
        let mut worst = 0u64;
        for view in pushes {
            match view.get(k) {
                Some(at) => {
                    let d = at.saturating_duration_since(*t).as_nanos() as u64;
                    worst = worst.max(d);
                    all.push(d);
                }
                None => missed += 1,
            }
        }
        last.push(worst);
    }
    let delivered = all.len().max(1) as f64;
    FanoutFigures {
        rounds: triggers.len(),
        receivers: pushes.len(),
        last_delivery: Summary::from_nanos(&mut last),
        delivery: Summary::from_nanos(&mut all),
        missed,
        push_bytes_mean: push_bytes as f64 / delivered,
    }
}

fn sleep_until(t: Instant, cfg: &RunConfig, progress: &Progress, phase: &str) {
    loop {
        let now = Instant::now();
        if now >= t {
            return;
        }
        thread::sleep((t - now).min(Duration::from_secs(1)));
        if cfg.progress && Instant::now() < t {
            eprintln!(
                "  [{}/{} {} conns] {phase}: sent {} replies {} errors {} ({:.0} s left)",
                cfg.server,
                cfg.scenario,
                cfg.conns,
                progress.sent.load(Ordering::Relaxed),
                progress.replies.load(Ordering::Relaxed),
                progress.errors.load(Ordering::Relaxed),
                t.saturating_duration_since(Instant::now()).as_secs_f64()
            );
        }
    }
}

/// Opens `cfg.conns` connections at `cfg.ramp_per_sec` from `cfg.connect_threads` threads.
fn ramp(cfg: &RunConfig, url: &HttpUrl) -> (Vec<Joined>, usize, Option<String>) {
    let next = AtomicUsize::new(0);
    let joined = Mutex::new(Vec::with_capacity(cfg.conns));
    let failed = AtomicUsize::new(0);
    let first_error = Mutex::new(None::<String>);
    let start = Instant::now();
    let step = Duration::from_secs_f64(1.0 / cfg.ramp_per_sec.max(1e-3));
    thread::scope(|s| {
        for _ in 0..cfg.connect_threads.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= cfg.conns {
                        return;
                    }
                    let at = start + step.mul_f64(i as f64);
                    let now = Instant::now();
                    if at > now {
                        thread::sleep(at - now);
                    }
                    match connect::open(url, &cfg.url, cfg.timeout) {
                        Ok(j) => lock(&joined).push((i, j)),
                        Err(e) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            lock(&first_error).get_or_insert_with(|| e.to_string());
                        }
                    }
                }
            });
        }
        if cfg.progress && cfg.conns >= 500 {
            while next.load(Ordering::Relaxed) < cfg.conns {
                thread::sleep(Duration::from_secs(1));
                eprintln!(
                    "  [{}/{}] connecting: {} joined, {} failed of {}",
                    cfg.server,
                    cfg.scenario,
                    lock(&joined).len(),
                    failed.load(Ordering::Relaxed),
                    cfg.conns
                );
            }
        }
    });
    let mut joined = joined.into_inner().unwrap_or_else(|p| p.into_inner());
    joined.sort_by_key(|(i, _)| *i);
    let first_error = first_error.into_inner().unwrap_or_else(|p| p.into_inner());
    (joined.into_iter().map(|(_, j)| j).collect(), failed.into_inner(), first_error)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fanout_last_delivery_and_misses() {
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_millis(100);
        let triggers = [t0, t1];
        let pushes = vec![
            vec![t0 + Duration::from_micros(10), t1 + Duration::from_micros(30)],
            vec![t0 + Duration::from_micros(50)],
        ];
        let f = fanout_figures(&triggers, &pushes, 30);
        assert_eq!(f.rounds, 2);
        assert_eq!(f.receivers, 2);
        assert_eq!(f.missed, 1);
        assert_eq!(f.last_delivery.max_us, 50.0);
        assert_eq!(f.delivery.count, 3);
        assert_eq!(f.push_bytes_mean, 10.0);
    }
}
