//! The views with renders written by hand the way a compiled template renders: statics
//! shared, a slot evaluated only when the assign it reads changed (`None` otherwise), the
//! table as one comprehension.

use std::sync::OnceLock;

use liveview::{
    Assigns, Comprehension, Dynamic, Fingerprint, LiveView, Message, MountParams, PubSub,
    RenderError, Rendered, Session, Socket, Statics, ViewResult,
};
use serde_json::{Value, json};

use crate::{ROWS, TOPIC, pubsub};

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

pub(crate) fn int(assigns: &Assigns, key: &str) -> i64 {
    assigns.get(key).and_then(Value::as_i64).unwrap_or(0)
}

/// `/counter`.
pub struct Counter;

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

/// `/table`. Rows live in the view (not in assigns): the template reads them through `render`, and the
/// `bumps` assign marks them changed.
pub struct Table {
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
