//! `lv-load`: Phoenix-protocol load tool.
//!
//! ```text
//! lv-load run --url http://127.0.0.1:4000/counter --conns 1000 --mode rate --rate-per-conn 1 \
//!             --duration 10 --pid 1234 --server liveview --scenario counter --out r.json
//! lv-load report --results benches/results --criterion target/criterion --out BENCHMARKS.md \
//!             --plots benches/plots --plots-rel benches/plots
//! ```

use std::path::PathBuf;
use std::time::Duration;

use liveview_loadtest::driver::Mode;
use liveview_loadtest::report::{self, Inputs};
use liveview_loadtest::run::{self, RunConfig, RunResult};

const USAGE: &str = "usage:
  lv-load run --url URL [--conns N] [--mode rate|b2b|idle|fanout] [--rate EV_PER_S | --rate-per-conn EV_PER_S]
              [--event NAME] [--duration S] [--warmup S] [--ramp CONNS_PER_S] [--connect-threads N]
              [--workers N] [--pid PID] [--rounds N] [--interval-ms MS] [--timeout S]
              [--server NAME] [--scenario NAME] [--out FILE.json] [--quiet]
  lv-load report --results DIR [--criterion DIR] --out FILE.md [--plots DIR] [--plots-rel PATH]
              [--note TEXT]... [--quick] [--command TEXT] [--analysis FILE.md]";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => cmd_run(&args[1..]),
        Some("report") => cmd_report(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    if let Err(e) = result {
        eprintln!("lv-load: {e}");
        std::process::exit(2);
    }
}

/// `--name value` pairs and bare `--flag`s.
struct Args {
    pairs: Vec<(String, Option<String>)>,
}

impl Args {
    fn parse(raw: &[String], flags: &[&str]) -> Result<Args, String> {
        let mut pairs = Vec::new();
        let mut it = raw.iter();
        while let Some(a) = it.next() {
            let name = a
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument {a:?}\n{USAGE}"))?;
            if flags.contains(&name) {
                pairs.push((name.to_string(), None));
            } else {
                let v = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
                pairs.push((name.to_string(), Some(v.clone())));
            }
        }
        Ok(Args { pairs })
    }
    fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(n, _)| n == name).and_then(|(_, v)| v.as_deref())
    }
    fn all(&self, name: &str) -> Vec<String> {
        self.pairs.iter().filter(|(n, _)| n == name).filter_map(|(_, v)| v.clone()).collect()
    }
    fn flag(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, v)| n == name && v.is_none())
    }
    fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("--{name}: not a number: {v:?}")),
        }
    }
}

fn cmd_run(raw: &[String]) -> Result<(), String> {
    let a = Args::parse(raw, &["quiet"])?;
    let url = a.get("url").ok_or("--url is required")?.to_string();
    let conns: usize = a.num("conns", 1)?;
    let rate = match (a.get("rate"), a.get("rate-per-conn")) {
        (Some(_), _) => a.num("rate", 0.0)?,
        (None, Some(_)) => a.num::<f64>("rate-per-conn", 0.0)? * conns as f64,
        (None, None) => conns as f64,
    };
    let mode = match a.get("mode").unwrap_or("rate") {
        "rate" => Mode::Rate { total_per_sec: rate },
        "b2b" => Mode::BackToBack,
        "idle" => Mode::Idle,
        "fanout" => Mode::Fanout {
            rounds: a.num("rounds", 5)?,
            interval: Duration::from_millis(a.num("interval-ms", 1000)?),
        },
        other => return Err(format!("unknown --mode {other:?}")),
    };
    let default_event = if matches!(mode, Mode::Fanout { .. }) { "broadcast" } else { "inc" };
    let cfg = RunConfig {
        server: a.get("server").unwrap_or("server").into(),
        scenario: a.get("scenario").unwrap_or("counter").into(),
        url,
        conns,
        ramp_per_sec: a.num("ramp", 500.0)?,
        connect_threads: a.num("connect-threads", 8)?,
        workers: a.num("workers", 2)?,
        event: a.get("event").unwrap_or(default_event).into(),
        warmup: Duration::from_secs_f64(a.num("warmup", 1.0)?),
        duration: Duration::from_secs_f64(a.num("duration", 10.0)?),
        pid: a.get("pid").map(|p| p.parse().map_err(|_| format!("--pid: {p:?}"))).transpose()?,
        timeout: Duration::from_secs_f64(a.num("timeout", 10.0)?),
        progress: !a.flag("quiet"),
        mode,
    };
    let result = run::run(&cfg)?;
    println!("{}", summary_line(&result));
    if let Some(out) = a.get("out") {
        let json = serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?;
        std::fs::write(out, json + "\n").map_err(|e| format!("{out}: {e}"))?;
    }
    Ok(())
}

fn summary_line(r: &RunResult) -> String {
    let mut s = format!(
        "{} {} {} conns={}/{} p50={:.1}us p90={:.1}us p99={:.1}us max={:.1}us answered/s={:.0} errors={} unanswered={} diff_bytes={:.0}",
        r.server,
        r.scenario,
        r.mode,
        r.joined,
        r.conns,
        r.latency.p50_us,
        r.latency.p90_us,
        r.latency.p99_us,
        r.latency.max_us,
        r.throughput,
        r.errors + r.connect_errors as u64,
        r.unanswered,
        r.diff_bytes_mean
    );
    if let Some(p) = &r.server_proc {
        s += &format!(
            " rss_per_view={:.1}KiB server_cpu={:.2}cores ({:.1}us/event)",
            p.rss_per_view_kib, p.cpu_cores, p.cpu_us_per_event
        );
    }
    s += &format!(" client_cpu={:.2}cores", r.client.cpu_cores);
    if let Some(f) = &r.fanout {
        s += &format!(
            " fanout_last_p50={:.0}us fanout_last_max={:.0}us missed={}",
            f.last_delivery.p50_us, f.last_delivery.max_us, f.missed
        );
    }
    if let Some(e) = &r.first_error {
        s += &format!(" first_error={e:?}");
    }
    s
}

fn cmd_report(raw: &[String]) -> Result<(), String> {
    let a = Args::parse(raw, &["quick"])?;
    let results = PathBuf::from(a.get("results").ok_or("--results is required")?);
    let out = PathBuf::from(a.get("out").ok_or("--out is required")?);
    let plots = PathBuf::from(a.get("plots").unwrap_or("benches/plots"));
    let inputs = Inputs {
        runs: report::load_runs(&results),
        criterion: a
            .get("criterion")
            .map(|d| report::load_criterion(&PathBuf::from(d)))
            .unwrap_or_default(),
        notes: a.all("note"),
        quick: a.flag("quick"),
        command: a.get("command").unwrap_or("make bench").into(),
        analysis: match a.get("analysis") {
            Some(path) => Some(std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?),
            None => None,
        },
    };
    if inputs.runs.is_empty() {
        return Err(format!("no results in {}", results.display()));
    }
    let md = report::render(&inputs, &plots, a.get("plots-rel").unwrap_or("benches/plots"));
    std::fs::write(&out, md).map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!(
        "wrote {} ({} runs, {} criterion benches)",
        out.display(),
        inputs.runs.len(),
        inputs.criterion.len()
    );
    Ok(())
}
