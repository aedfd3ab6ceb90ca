//! `lv-bench-server [ADDR]`: liveview serving the benchmark views (default `127.0.0.1:4000`).
//!
//! - `/counter`: `inc` adds one; `broadcast` publishes on the `bench` topic, which every
//!   counter view subscribes to at connected mount, and each view then pushes a diff.
//! - `/table`: 1,000 rows; each `bump` adds one to the value of the next row (row n % 1000).
//!
//! The same views as `benches/peers/pyview_bench/`. Renders are written by hand the way a
//! compiled template renders: statics shared, a slot evaluated only when the assign it reads
//! changed (`None` otherwise), the table as one comprehension.

use std::sync::{Arc, OnceLock};

use liveview::{
    App, Assigns, Comprehension, Dynamic, Fingerprint, LiveView, LocalPubSub, Message, MountParams,
    PubSub, RenderError, Rendered, Session, Socket, Statics, ViewResult,
};
use serde_json::{Value, json};

/// The fan-out topic.
const TOPIC: &str = "bench";
const ROWS: usize = 1000;

static PUBSUB: OnceLock<Arc<LocalPubSub>> = OnceLock::new();

fn pubsub() -> &'static Arc<LocalPubSub> {
    PUBSUB.get_or_init(|| Arc::new(LocalPubSub::new()))
}

/// Statics with their fingerprint, built once.
struct Shape {
    statics: Statics,
    fingerprint: Fingerprint,
}

impl Shape {
    fn new(parts: &[&str]) -> Shape {
        Shape {
            statics: Statics::new(parts.iter().copied()),
            fingerprint: Fingerprint::of_statics(parts),
        }
    }
}

fn slot(assigns: &Assigns, key: &str, render: impl FnOnce() -> String) -> Option<Dynamic> {
    (assigns.is_all_changed() || assigns.is_changed(key)).then(|| Dynamic::Text(render()))
}

fn int(assigns: &Assigns, key: &str) -> i64 {
    assigns.get(key).and_then(Value::as_i64).unwrap_or(0)
}

struct Counter;

impl LiveView for Counter {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("count", 0)?.assign("ticks", 0)?;
        if socket.is_connected() {
            socket.subscribe(TOPIC);
        }
        Ok(Counter)
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        static SHAPE: OnceLock<Shape> = OnceLock::new();
        let shape = SHAPE.get_or_init(|| {
            Shape::new(&[
                "<div class=\"counter\"><h1>Counter</h1><p>Count: <span id=\"count\">",
                "</span></p><button phx-click=\"inc\">+</button><button phx-click=\"broadcast\">broadcast</button>\
                 <p>Broadcasts seen: <span id=\"ticks\">",
                "</span></p></div>",
            ])
        });
        Ok(Rendered {
            statics: shape.statics.clone(),
            fingerprint: shape.fingerprint,
            dynamics: vec![
                slot(assigns, "count", || int(assigns, "count").to_string()),
                slot(assigns, "ticks", || int(assigns, "ticks").to_string()),
            ],
            root: true,
        })
    }

    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc" => {
                socket.update("count", |n: i64| n + 1)?;
            }
            "broadcast" => {
                pubsub().broadcast(TOPIC, "tick", json!({}));
            }
            other => return Err(format!("unknown event {other:?}").into()),
        }
        Ok(())
    }

    fn handle_info(&mut self, _: Message, socket: &mut Socket) -> ViewResult {
        socket.update("ticks", |n: i64| n + 1)?;
        Ok(())
    }
}

/// Rows live in the view (not in assigns): the template reads them through `render`, and the
/// `bumps` assign marks them changed.
struct Table {
    values: Vec<u64>,
}

impl LiveView for Table {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("bumps", 0)?;
        Ok(Table { values: vec![0; ROWS] })
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        static SHAPE: OnceLock<(Shape, Shape)> = OnceLock::new();
        let (outer, row) = SHAPE.get_or_init(|| {
            (
                Shape::new(&[
                    "<div class=\"table\"><button phx-click=\"bump\">bump</button><table><tbody>",
                    "</tbody></table></div>",
                ]),
                Shape::new(&[
                    "<tr id=\"row-",
                    "\"><td>",
                    "</td><td>row ",
                    "</td><td>",
                    "</td></tr>",
                ]),
            )
        });
        let rows = (assigns.is_all_changed() || assigns.is_changed("bumps")).then(|| {
            let entries = self
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let id = i.to_string();
                    vec![
                        Dynamic::Text(id.clone()),
                        Dynamic::Text(id.clone()),
                        Dynamic::Text(id),
                        Dynamic::Text(v.to_string()),
                    ]
                })
                .collect();
            Dynamic::Comprehension(Box::new(Comprehension {
                statics: row.statics.clone(),
                fingerprint: row.fingerprint,
                entries,
                stream: None,
            }))
        });
        Ok(Rendered {
            statics: outer.statics.clone(),
            fingerprint: outer.fingerprint,
            dynamics: vec![rows],
            root: true,
        })
    }

    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        if event != "bump" {
            return Err(format!("unknown event {event:?}").into());
        }
        let bumps = int(socket.assigns(), "bumps");
        self.values[bumps as usize % ROWS] += 1;
        socket.assign("bumps", bumps + 1)?;
        Ok(())
    }
}

fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:4000".into());
    let app = App::builder()
        .secret_key_base(
            "lv-bench-server: a fixed secret for benchmarks only, never for production",
        )
        .signing_salt("lv-bench")
        .pubsub(Arc::clone(pubsub()) as Arc<dyn PubSub>)
        .live::<Counter>("/counter")
        .live::<Table>("/table")
        .build();
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("lv-bench-server: {e}");
            std::process::exit(1);
        }
    };
    eprintln!("lv-bench-server listening on http://{addr}");
    if let Err(e) = liveview_transports::serve(app, &addr) {
        eprintln!("lv-bench-server: {e}");
        std::process::exit(1);
    }
}
