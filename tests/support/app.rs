//! A real `liveview::App` with a small counter view, and a browser-like page loader over HTTP.

use std::net::SocketAddr;

use liveview::{
    App, Assigns, Broadcast, Dynamic, Fingerprint, LiveView, Message, MountParams, RenderError,
    Rendered, Session, Socket, Statics, Template, ViewResult,
};
use serde_json::Value;

use crate::support::http::HttpClient;

/// `<p>count: {{count}}</p><button phx-click="inc">+</button>`, by hand (no template engine).
struct CounterTemplate;

impl Template for CounterTemplate {
    fn prepare(&self) -> Result<(), RenderError> {
        Ok(())
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        let count = assigns.get("count").map(Value::to_string).unwrap_or_default();
        let statics = Statics::new(["<p>count: ", "</p><button phx-click=\"inc\">+</button>"]);
        let fingerprint = Fingerprint::of_statics(statics.parts());
        Ok(Rendered::new(statics, fingerprint, vec![Dynamic::escaped(&count)]))
    }
}

static COUNTER: CounterTemplate = CounterTemplate;

/// PubSub topic the counters listen on: a broadcast `set` with `{"count": n}` sets them all.
pub const COUNTER_TOPIC: &str = "counters";

/// Counts clicks; a broadcast sets the count from any thread (a server push).
pub struct CounterLive {
    count: i64,
}

impl LiveView for CounterLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        if socket.is_connected() {
            socket.subscribe(COUNTER_TOPIC);
        }
        socket.assign("count", 0)?;
        Ok(CounterLive { count: 0 })
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&COUNTER)
    }

    fn handle_event(&mut self, event: &str, _params: Value, socket: &mut Socket) -> ViewResult {
        if event == "inc" {
            self.count += 1;
            socket.assign("count", self.count)?;
        }
        Ok(())
    }

    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        if let Some(broadcast) = message.downcast_ref::<Broadcast>() {
            self.count = broadcast.payload["count"].as_i64().unwrap_or(self.count);
            socket.assign("count", self.count)?;
        }
        Ok(())
    }
}

pub fn counter_app() -> App {
    App::builder()
        .secret_key_base("a secret key base that is long enough for transport tests")
        .signing_salt("transport-salt")
        .live::<CounterLive>("/counter")
        .build()
        .expect("the counter app builds")
}

/// What a loaded page gives the JS client.
#[derive(Debug)]
pub struct LivePage {
    pub html: String,
    pub id: String,
    pub session: String,
    pub static_token: String,
    pub csrf: String,
    /// `name=value` of the session cookie.
    pub cookie: String,
}

impl LivePage {
    pub fn topic(&self) -> String {
        format!("lv:{}", self.id)
    }
}

/// GETs a live route over HTTP and reads what phoenix.js would read from it.
pub fn load_page(addr: SocketAddr, path: &str) -> LivePage {
    let response = HttpClient::connect(addr).get(path);
    assert_eq!(response.status, 200, "{}", response.text());
    let html = response.text();
    let cookie = response
        .headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| {
            v.split(';').next().filter(|c| c.starts_with("_liveview_key=")).map(str::to_string)
        })
        .expect("session cookie");
    let container = &html
        [html.find("data-phx-main").map(|i| html[..i].rfind('<').unwrap()).expect("main view")..];
    LivePage {
        id: attr(container, "id"),
        session: attr(container, "data-phx-session"),
        static_token: attr(container, "data-phx-static"),
        csrf: attr(&html[html.find("name=\"csrf-token\"").expect("csrf meta")..], "content"),
        cookie,
        html: html.clone(),
    }
}

fn attr(html: &str, name: &str) -> String {
    let needle = format!("{name}=\"");
    let start = html.find(&needle).unwrap_or_else(|| panic!("no {name} in {html}")) + needle.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end]
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
