//! Shared pieces of the app/connection/join tests: a fake transport that collects frames,
//! tiny hand-made templates, small views, and helpers to fetch a page and connect to it.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, unbounded};
use liveview_core::{
    App, Assigns, ChildCall, ClientConnection, Dynamic, Endpoint, Fingerprint, HttpRequest,
    HttpResponse, LiveView, MountParams, RenderError, Rendered, Session, Socket, Statics, Template,
    TerminateReason, Transport, TransportError, ViewOptions, ViewResult,
};
use serde_json::{Value, json};

pub const SECRET: &str = "a secret key base that is long enough for tests 0123456789";
pub const SALT: &str = "test salt 1234";
pub const WAIT: Duration = Duration::from_secs(5);

// ----- transport ------------------------------------------------------------------------

/// Collects every frame a connection or view sends.
pub struct FakeTransport {
    tx: Sender<String>,
    closed: Mutex<bool>,
}

impl FakeTransport {
    pub fn new() -> (Arc<FakeTransport>, Receiver<String>) {
        let (tx, rx) = unbounded();
        (Arc::new(FakeTransport { tx, closed: Mutex::new(false) }), rx)
    }

    pub fn is_closed(&self) -> bool {
        *self.closed.lock().unwrap()
    }
}

impl Transport for FakeTransport {
    fn send(&self, frame: String) -> Result<(), TransportError> {
        self.tx.send(frame).map_err(|_| TransportError::Closed)
    }

    fn close(&self) {
        *self.closed.lock().unwrap() = true;
    }

    fn kind(&self) -> &'static str {
        "websocket"
    }
}

/// The next frame as JSON `[join_ref, ref, topic, event, payload]`; panics after [`WAIT`].
pub fn next_frame(rx: &Receiver<String>) -> Value {
    let text = rx.recv_timeout(WAIT).expect("no frame within the timeout");
    serde_json::from_str(&text).expect("frames are JSON")
}

/// Skips frames until a `phx_reply` on `topic` with ref `msg_ref`; returns the whole frame.
pub fn reply_to(rx: &Receiver<String>, topic: &str, msg_ref: &str) -> Value {
    loop {
        let frame = next_frame(rx);
        if frame[2] == topic && frame[3] == "phx_reply" && frame[1] == msg_ref {
            return frame;
        }
    }
}

/// Asserts no frame arrives for a short while (used only where a frame would be a bug).
pub fn assert_quiet(rx: &Receiver<String>) {
    if let Ok(frame) = rx.recv_timeout(Duration::from_millis(100)) {
        panic!("unexpected frame {frame}");
    }
}

// ----- templates ------------------------------------------------------------------------

/// `prefix{{key}}suffix`, escaped.
pub struct Tpl {
    pub prefix: &'static str,
    pub key: &'static str,
    pub suffix: &'static str,
}

impl Template for Tpl {
    fn prepare(&self) -> Result<(), RenderError> {
        Ok(())
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        let value = match assigns.get(self.key) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let statics = Statics::new([self.prefix, self.suffix]);
        let fp = Fingerprint::of_statics(statics.parts());
        Ok(Rendered::new(statics, fp, vec![Dynamic::escaped(&value)]))
    }
}

/// A template that fails to compile.
pub struct BrokenTpl;

impl Template for BrokenTpl {
    fn prepare(&self) -> Result<(), RenderError> {
        Err(RenderError::new("broken.html.hbs:1:5: unclosed {{#if}}"))
    }

    fn render(&self, _assigns: &Assigns) -> Result<Rendered, RenderError> {
        Err(RenderError::new("broken"))
    }
}

/// A root layout: `<html><meta name="csrf-token" content="{{csrf_token}}"><title>{{page_title}}</title>{{{inner}}}</html>`.
pub struct TestRootLayout;

impl Template for TestRootLayout {
    fn prepare(&self) -> Result<(), RenderError> {
        Ok(())
    }

    fn render(&self, _assigns: &Assigns) -> Result<Rendered, RenderError> {
        Err(RenderError::new("layout only"))
    }

    fn render_layout(&self, assigns: &Assigns, inner: Rendered) -> Result<Rendered, RenderError> {
        let text = |k: &str| assigns.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        let statics = Statics::new([
            "<html><meta name=\"csrf-token\" content=\"",
            "\"><title>",
            "</title>",
            "</html>",
        ]);
        let fp = Fingerprint::of_statics(statics.parts());
        Ok(Rendered::new(
            statics,
            fp,
            vec![
                Dynamic::escaped(&text("csrf_token")),
                Dynamic::escaped(&text("page_title")),
                Dynamic::Nested(Box::new(inner)),
            ],
        ))
    }
}

// ----- views ----------------------------------------------------------------------------

static COUNTER_TPL: Tpl = Tpl { prefix: "<p>count: ", key: "count", suffix: "</p>" };
static INFO_TPL: Tpl = Tpl { prefix: "<p>info: ", key: "info", suffix: "</p>" };
static BROKEN_TPL: BrokenTpl = BrokenTpl;

/// Where every test view reports `terminate` (view id, reason).
pub fn terminations() -> &'static Mutex<Vec<(String, TerminateReason)>> {
    static LOG: OnceLock<Mutex<Vec<(String, TerminateReason)>>> = OnceLock::new();
    LOG.get_or_init(|| Mutex::new(Vec::new()))
}

/// Waits until view `id` terminated; returns the reason.
pub fn wait_terminated(id: &str) -> TerminateReason {
    let start = std::time::Instant::now();
    loop {
        if let Some((_, reason)) = terminations().lock().unwrap().iter().find(|(v, _)| v == id) {
            return reason.clone();
        }
        assert!(start.elapsed() < WAIT, "view {id} did not terminate");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `count` from the `start` param; the session's `user` and the flash go into `info`.
pub struct CounterLive {
    count: i64,
}

impl LiveView for CounterLive {
    fn mount(params: &MountParams, session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let count =
            params.get("start").and_then(Value::as_str).and_then(|s| s.parse().ok()).unwrap_or(0);
        socket.assign("count", count)?;
        let user = session.get("user").and_then(Value::as_str).unwrap_or("nobody");
        socket.set_page_title(format!("Counter of {user}"));
        Ok(CounterLive { count })
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&COUNTER_TPL)
    }

    fn handle_event(&mut self, event: &str, _params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc" => {
                self.count += 1;
                socket.assign("count", self.count)?;
                Ok(())
            }
            "crash" => Err("crashed on purpose".into()),
            _ => Ok(()),
        }
    }

    fn terminate(&mut self, reason: &TerminateReason, socket: &mut Socket) {
        terminations().lock().unwrap().push((socket.id().to_owned(), reason.clone()));
    }
}

/// Shows everything mount received: params, session, flash, connect params.
pub struct InfoLive;

impl LiveView for InfoLive {
    fn mount(params: &MountParams, session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let info = json!({
            "params": params.params(),
            "router": matches!(params, MountParams::Router(_)),
            "session": session,
            "flash": socket.flash().clone(),
            "connect_params": socket.connect_params().cloned(),
            "static_changed": socket.static_changed(),
            "peer": socket.connect_info().and_then(|i| i.peer).map(|p| p.to_string()),
        });
        socket.assign("info", info.to_string())?;
        Ok(InfoLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&INFO_TPL)
    }

    fn terminate(&mut self, reason: &TerminateReason, socket: &mut Socket) {
        terminations().lock().unwrap().push((socket.id().to_owned(), reason.clone()));
    }
}

/// Another view in the default live session (navigation target).
pub struct OtherLive;

impl LiveView for OtherLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("count", "other")?;
        Ok(OtherLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&COUNTER_TPL)
    }
}

/// A view in the `admin` live session.
pub struct AdminLive;

impl LiveView for AdminLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("count", "admin")?;
        Ok(AdminLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&COUNTER_TPL)
    }
}

/// Redirects during the HTTP render, with a flash.
pub struct RedirectLive;

impl LiveView for RedirectLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.put_flash("info", "moved");
        socket.redirect("/counter");
        Ok(RedirectLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&COUNTER_TPL)
    }
}

/// A view whose template does not compile.
pub struct BrokenLive;

impl LiveView for BrokenLive {
    fn mount(_params: &MountParams, _session: &Session, _socket: &mut Socket) -> ViewResult<Self> {
        Ok(BrokenLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&BROKEN_TPL)
    }
}

// ----- app and page ---------------------------------------------------------------------

/// The app most tests use.
pub fn app() -> App {
    let mut route_session = Session::new();
    route_session.insert("user".into(), json!("ada"));
    App::builder()
        .secret_key_base(SECRET)
        .signing_salt(SALT)
        .live::<CounterLive>("/counter")
        .live::<OtherLive>("/other")
        .live_with_session::<InfoLive>("/info/:id", route_session)
        .live::<RedirectLive>("/redirect")
        .live::<ParentLive>("/parent")
        .live::<SectionLive>("/section")
        .live_session("admin", |routes| {
            routes.live::<AdminLive>("/admin").live::<InfoLive>("/admin/info")
        })
        .view::<InfoLive>("Info")
        .track_static(vec!["/assets/app.js?vsn=1".into()])
        .get("/health", |_req| HttpResponse::new(200, "text/plain", "OK"))
        .post("/echo", |req| HttpResponse::new(200, "text/plain", req.body.clone()))
        .build()
        .expect("the test app builds")
}

pub fn get(app: &App, path_and_query: &str, cookie: Option<&str>) -> Option<HttpResponse> {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut headers = vec![("host".to_owned(), "localhost:4000".to_owned())];
    if let Some(cookie) = cookie {
        headers.push(("cookie".to_owned(), cookie.to_owned()));
    }
    app.handle_http(&HttpRequest {
        method: "GET".into(),
        path: path.into(),
        query: query.into(),
        headers,
        body: Vec::new(),
        peer: Some("127.0.0.1:5555".parse().unwrap()),
    })
}

/// What a page gives the client.
#[derive(Clone, Debug)]
pub struct Page {
    pub html: String,
    pub id: String,
    pub session: String,
    pub static_token: String,
    pub csrf: String,
    /// `name=value` of the session cookie.
    pub cookie: String,
}

/// The value of the first `attr="..."` in `html`, unescaped as a browser would.
pub fn attr(html: &str, attr: &str) -> String {
    let needle = format!("{attr}=\"");
    let start = html.find(&needle).unwrap_or_else(|| panic!("no {attr} in {html}")) + needle.len();
    let end = html[start..].find('"').unwrap() + start;
    unescape(&html[start..end])
}

pub fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub fn set_cookies(response: &HttpResponse) -> Vec<String> {
    response.headers.iter().filter(|(k, _)| k == "set-cookie").map(|(_, v)| v.clone()).collect()
}

pub fn page(app: &App, path: &str) -> Page {
    let response = get(app, path, None).expect("a live route");
    assert_eq!(response.status, 200);
    let html = String::from_utf8(response.body.clone()).unwrap();
    let cookie = set_cookies(&response)
        .into_iter()
        .find(|c| c.starts_with("_liveview_key="))
        .expect("session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let marker = "name=\"csrf-token\" content=\"";
    let csrf_start = html.find(marker).expect("csrf meta") + marker.len();
    let csrf = unescape(&html[csrf_start..html[csrf_start..].find('"').unwrap() + csrf_start]);
    let container = &html[html.find("<div id=\"phx-").expect("main container")..];
    assert!(container.contains("data-phx-main"));
    Page {
        id: attr(container, "id"),
        session: attr(container, "data-phx-session"),
        static_token: attr(container, "data-phx-static"),
        csrf,
        html: html.clone(),
        cookie,
    }
}

impl Page {
    pub fn topic(&self) -> String {
        format!("lv:{}", self.id)
    }
}

/// Connects a socket the way the JS client does (`?_csrf_token=…&vsn=2.0.0` + cookie).
pub fn connect(
    app: &App,
    csrf: &str,
    cookie: &str,
) -> (Box<dyn ClientConnection>, Receiver<String>, Arc<FakeTransport>) {
    let (transport, rx) = FakeTransport::new();
    let request = HttpRequest {
        method: "GET".into(),
        path: "/live/websocket".into(),
        query: format!("_csrf_token={csrf}&vsn=2.0.0&locale=fr"),
        headers: vec![
            ("host".into(), "localhost:4000".into()),
            ("origin".into(), "http://localhost:4000".into()),
            ("cookie".into(), cookie.into()),
        ],
        body: Vec::new(),
        peer: Some("127.0.0.1:5555".parse().unwrap()),
    };
    let conn = app.connect(&request, transport.clone()).expect("connect accepted");
    (conn, rx, transport)
}

/// A `phx_join` frame for a page's main view.
pub fn join_frame(join_ref: &str, page: &Page, url_key: &str, url: &str, csrf: &str) -> String {
    let payload = json!({
        url_key: url,
        "params": {"_csrf_token": csrf, "_mounts": 0, "_mount_attempts": 0},
        "session": page.session,
        "static": page.static_token,
        "sticky": false,
    });
    json!([join_ref, join_ref, page.topic(), "phx_join", payload]).to_string()
}

/// Fetches `path`, connects and joins its main view; returns the connection and the reply.
pub fn join(app: &App, path: &str) -> (Page, Box<dyn ClientConnection>, Receiver<String>, Value) {
    let page = page(app, path);
    let (mut conn, rx, _t) = connect(app, &page.csrf, &page.cookie);
    conn.handle_text(&join_frame(
        "1",
        &page,
        "url",
        &format!("http://localhost:4000{path}"),
        &page.csrf,
    ));
    let reply = reply_to(&rx, &page.topic(), "1");
    (page, conn, rx, reply)
}

pub fn status(reply: &Value) -> &str {
    reply[4]["status"].as_str().unwrap_or_default()
}

// ----- nested and custom containers -----------------------------------------------------

/// `<main>` + `live_render "Info" id="kid"` + `</main>`.
pub struct ParentTpl;

impl Template for ParentTpl {
    fn prepare(&self) -> Result<(), RenderError> {
        Ok(())
    }

    fn render(&self, _assigns: &Assigns) -> Result<Rendered, RenderError> {
        let statics = Statics::new(["<main>", "</main>"]);
        let fp = Fingerprint::of_statics(statics.parts());
        let mut session = Session::new();
        session.insert("from".into(), json!("parent"));
        let call = ChildCall { view: "Info".into(), id: "kid".into(), session, container: None };
        Ok(Rendered::new(statics, fp, vec![Dynamic::ChildCall(Box::new(call))]))
    }
}

static PARENT_TPL: ParentTpl = ParentTpl;

/// Renders the `Info` view as a nested child.
pub struct ParentLive;

impl LiveView for ParentLive {
    fn mount(_params: &MountParams, _session: &Session, _socket: &mut Socket) -> ViewResult<Self> {
        Ok(ParentLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&PARENT_TPL)
    }
}

/// A view with its own container: `<section class="wide">`.
pub struct SectionLive;

impl LiveView for SectionLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("count", 1)?;
        Ok(SectionLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(&COUNTER_TPL)
    }

    fn options() -> ViewOptions {
        ViewOptions {
            container: Some((
                "section".into(),
                vec![("class".into(), "wide".into()), ("id".into(), "nope".into())],
            )),
            ..ViewOptions::default()
        }
    }
}
