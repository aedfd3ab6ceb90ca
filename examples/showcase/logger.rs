//! A minimal stderr logger for the demo (`RUST_LOG=debug|info|warn|error`, default `info`), so
//! the library's log lines (a crashed view, a refused join) show in the terminal.

use log::{LevelFilter, Log, Metadata, Record};

struct StderrLogger;

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            eprintln!("[{:<5} {}] {}", record.level(), record.target(), record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger;

/// Installs the logger; the level comes from `RUST_LOG`.
pub fn init() {
    let level = match std::env::var("RUST_LOG").as_deref().map(str::to_ascii_lowercase).as_deref() {
        Ok("trace") => LevelFilter::Trace,
        Ok("debug") => LevelFilter::Debug,
        Ok("warn") => LevelFilter::Warn,
        Ok("error") => LevelFilter::Error,
        Ok("off") => LevelFilter::Off,
        _ => LevelFilter::Info,
    };
    // Fails only if a logger is already installed, which keeps that one.
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}
