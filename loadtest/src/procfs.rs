//! Process figures from `/proc`: resident memory, CPU time, thread count, machine facts.

use std::fs;

/// Clock ticks per second of `/proc/<pid>/stat` times. `sysconf(_SC_CLK_TCK)` is 100 on every
/// Linux architecture this runs on, and reading it would need `libc`.
const CLOCK_TICKS_PER_SEC: f64 = 100.0;

/// A snapshot of one process.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProcSample {
    /// `VmRSS` in KiB.
    pub rss_kib: u64,
    /// `Threads`.
    pub threads: u64,
    /// User + system CPU time in seconds.
    pub cpu_secs: f64,
}

/// Reads `/proc/<pid>/status` and `/proc/<pid>/stat` (`pid` may be `"self"`).
pub fn sample(pid: &str) -> Option<ProcSample> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(ProcSample {
        rss_kib: status_field_kib(&status, "VmRSS").unwrap_or(0),
        threads: status_field_kib(&status, "Threads").unwrap_or(0),
        cpu_secs: stat_cpu_secs(&stat).unwrap_or(0.0),
    })
}

/// The number in a `Name:   123 kB` line of `/proc/<pid>/status`.
pub fn status_field_kib(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// utime + stime of a `/proc/<pid>/stat` line, in seconds.
pub fn stat_cpu_secs(stat: &str) -> Option<f64> {
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the name: state is field 3 of the whole line; utime is 14 and stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / CLOCK_TICKS_PER_SEC)
}

/// The machine line for reports: CPU model, `nproc`, kernel, memory.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Machine {
    /// `model name` from `/proc/cpuinfo`.
    pub cpu_model: String,
    /// Online CPUs.
    pub nproc: usize,
    /// `/proc/sys/kernel/osrelease`.
    pub kernel: String,
    /// `MemTotal` in MiB.
    pub mem_mib: u64,
}

/// Reads the machine facts.
pub fn machine() -> Machine {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    Machine {
        cpu_model,
        nproc: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        kernel: fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_string(),
        mem_mib: status_field_kib(&meminfo, "MemTotal").unwrap_or(0) / 1024,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields() {
        let status = "Name:\tlv\nVmPeak:\t  9000 kB\nVmRSS:\t    1234 kB\nThreads:\t7\n";
        assert_eq!(status_field_kib(status, "VmRSS"), Some(1234));
        assert_eq!(status_field_kib(status, "Threads"), Some(7));
        assert_eq!(status_field_kib(status, "VmSwap"), None);
    }

    #[test]
    fn stat_times_skip_odd_command_names() {
        let stat = "42 (lv (bench) x) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 1 2 3";
        assert_eq!(stat_cpu_secs(stat), Some(3.0));
        assert_eq!(stat_cpu_secs("garbage"), None);
    }

    #[test]
    fn own_process_is_readable() {
        let s = sample("self").unwrap();
        assert!(s.rss_kib > 0);
        assert!(s.threads >= 1);
    }
}
