//! The bench views with handlebars templates (`liveview-templates`), as an app would write
//! them: everything the template reads is in assigns, and each change re-assigns it.

use liveview::{LiveView, Message, MountParams, PubSub, Session, Socket, Template, ViewResult};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{ROWS, TOPIC, pubsub};

/// `/counter`, templated.
pub struct Counter;

impl LiveView for Counter {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("count", 0)?.assign("ticks", 0)?;
        if socket.is_connected() {
            socket.subscribe(TOPIC);
        }
        Ok(Counter)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!(
            inline: "<div class=\"counter\"><h1>Counter</h1><p>Count: <span id=\"count\">{{count}}</span></p>\
        <button phx-click=\"inc\">+</button><button phx-click=\"broadcast\">broadcast</button>\
        <p>Broadcasts seen: <span id=\"ticks\">{{ticks}}</span></p></div>"
        ))
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

#[derive(Serialize)]
struct Row {
    id: usize,
    name: String,
    value: u64,
}

/// `/table`, templated: the rows are kept in the view and re-assigned after each bump.
pub struct Table {
    rows: Vec<Row>,
    bumps: usize,
}

impl LiveView for Table {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let rows = (0..ROWS).map(|id| Row { id, name: format!("row {id}"), value: 0 }).collect();
        let table = Table { rows, bumps: 0 };
        socket.assign("rows", &table.rows)?;
        Ok(table)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!(
            inline: "<div class=\"table\"><button phx-click=\"bump\">bump</button><table><tbody>\
        {{#each rows}}<tr id=\"row-{{id}}\"><td>{{id}}</td><td>{{name}}</td><td>{{value}}</td></tr>{{/each}}\
        </tbody></table></div>"
        ))
    }

    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        if event != "bump" {
            return Err(format!("unknown event {event:?}").into());
        }
        self.rows[self.bumps % ROWS].value += 1;
        self.bumps += 1;
        socket.assign("rows", &self.rows)?;
        Ok(())
    }
}
