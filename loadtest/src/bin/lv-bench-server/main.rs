//! `lv-bench-server [ADDR] [--templates]`: liveview serving the benchmark views (default
//! address `127.0.0.1:4000`).
//!
//! - `/counter`: `inc` adds one; `broadcast` publishes on the `bench` topic, which every
//!   counter view subscribes to at connected mount, and each view then pushes a diff.
//! - `/table`: 1,000 rows; each `bump` adds one to the value of the next row (row n % 1000).
//!
//! The same views as `benches/peers/pyview_bench/`. By default their renders are written by
//! hand (`views.rs`); `--templates` (feature `templates`) serves handlebars versions compiled
//! by `liveview-templates` (`hbs.rs`) at the same paths.

#[cfg(feature = "templates")]
mod hbs;
mod views;

use std::sync::{Arc, OnceLock};

use liveview::{App, ConnectionLimits, LocalPubSub, PubSub};

/// The fan-out topic.
pub(crate) const TOPIC: &str = "bench";
/// Rows of the table view.
pub(crate) const ROWS: usize = 1000;

static PUBSUB: OnceLock<Arc<LocalPubSub>> = OnceLock::new();

/// The app's PubSub, reachable from views so `broadcast` can publish.
pub(crate) fn pubsub() -> &'static Arc<LocalPubSub> {
    PUBSUB.get_or_init(|| Arc::new(LocalPubSub::new()))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let templates = args.iter().any(|a| a == "--templates");
    let addr = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:4000".into());
    let builder = App::builder()
        .secret_key_base(
            "lv-bench-server: a fixed secret for benchmarks only, never for production",
        )
        .signing_salt("lv-bench")
        .pubsub(Arc::clone(pubsub()) as Arc<dyn PubSub>)
        // The default limit (1,000 frames/s per connection, burst 1,000) answers faster
        // clicks with `rate limited`; the back-to-back mode measures what one connection
        // can do, so the bench server lifts it. Everything else keeps the defaults.
        .connection_limits(
            ConnectionLimits::default().with_events_per_second(10_000_000, 10_000_000),
        );
    let builder = if templates {
        #[cfg(feature = "templates")]
        {
            builder.live::<hbs::Counter>("/counter").live::<hbs::Table>("/table")
        }
        #[cfg(not(feature = "templates"))]
        {
            eprintln!("lv-bench-server: --templates needs the `templates` feature");
            std::process::exit(2);
        }
    } else {
        builder.live::<views::Counter>("/counter").live::<views::Table>("/table")
    };
    let app = match builder.build() {
        Ok(app) => app,
        Err(e) => {
            eprintln!("lv-bench-server: {e}");
            std::process::exit(1);
        }
    };
    eprintln!(
        "lv-bench-server listening on http://{addr}{}",
        if templates { " (handlebars views)" } else { "" }
    );
    if let Err(e) = liveview_transports::serve(app, &addr) {
        eprintln!("lv-bench-server: {e}");
        std::process::exit(1);
    }
}
