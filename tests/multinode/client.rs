//! Just enough of a browser for the multi-node test: fetch a page (its cookie, CSRF token and
//! session tokens) and speak the Phoenix V2 protocol over a WebSocket with that cookie.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

use super::redis_support::TIMEOUT;

/// A plain `GET` over a fresh connection: status, headers, body.
pub fn get(port: u16, path: &str) -> (u16, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("read timeout");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let text = String::from_utf8(raw).expect("UTF-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("a response head");
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok());
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status.expect("a status code"), headers, body.to_owned())
}

/// What a rendered page gives the JS client.
#[derive(Clone, Debug)]
pub struct Page {
    pub id: String,
    pub session: String,
    pub static_token: String,
    pub csrf: String,
    /// `name=value` of the session cookie.
    pub cookie: String,
    /// The page's URL (what the browser's address bar shows).
    pub url: String,
}

impl Page {
    pub fn fetch(port: u16, path: &str) -> Page {
        let (status, headers, html) = get(port, path);
        assert_eq!(status, 200, "GET {path}: {html}");
        let cookie = headers
            .iter()
            .find(|(k, v)| k == "set-cookie" && v.starts_with("_liveview_key="))
            .and_then(|(_, v)| v.split(';').next())
            .expect("the session cookie")
            .to_owned();
        let container = &html[html.find("data-phx-main").expect("a main view") - 30..];
        Page {
            id: attr(container, "id"),
            session: attr(container, "data-phx-session"),
            static_token: attr(container, "data-phx-static"),
            csrf: attr(&html[html.find("csrf-token").expect("csrf meta")..], "content"),
            cookie,
            url: format!("http://127.0.0.1:{port}{path}"),
        }
    }

    pub fn topic(&self) -> String {
        format!("lv:{}", self.id)
    }
}

fn attr(html: &str, name: &str) -> String {
    let needle = format!("{name}=\"");
    let start = html.find(&needle).unwrap_or_else(|| panic!("no {name} in {html}")) + needle.len();
    let end = start + html[start..].find('"').expect("closing quote");
    html[start..end].replace("&quot;", "\"").replace("&amp;", "&")
}

/// A Phoenix socket over a WebSocket, as phoenix.js opens it.
pub struct Socket {
    ws: WebSocket<TcpStream>,
    next_ref: u64,
    inbox: VecDeque<Value>,
}

impl Socket {
    /// Connects to the node on `port` with the page's CSRF token and cookie.
    pub fn connect(port: u16, page: &Page) -> Socket {
        let url =
            format!("ws://127.0.0.1:{port}/live/websocket?_csrf_token={}&vsn=2.0.0", page.csrf);
        let mut request = url.into_client_request().expect("request");
        let headers = request.headers_mut();
        headers.insert("origin", format!("http://127.0.0.1:{port}").parse().expect("origin"));
        headers.insert("cookie", page.cookie.parse().expect("cookie"));
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let (ws, _) = tungstenite::client(request, stream).expect("WebSocket handshake");
        Socket { ws, next_ref: 0, inbox: VecDeque::new() }
    }

    /// Joins the page's main view with its tokens; returns the join ref and the reply payload.
    pub fn join(&mut self, page: &Page) -> (String, Value) {
        self.next_ref += 1;
        let join_ref = self.next_ref.to_string();
        let payload = json!({
            "url": page.url,
            "params": {"_csrf_token": page.csrf, "_mounts": 0, "_mount_attempts": 0},
            "session": page.session,
            "static": page.static_token,
            "sticky": false,
        });
        self.send(json!([join_ref, join_ref, page.topic(), "phx_join", payload]));
        let topic = page.topic();
        let reply = self.expect("the join reply", |f| {
            f[2] == topic.as_str() && f[1] == join_ref.as_str() && f[3] == "phx_reply"
        });
        (join_ref, reply[4].clone())
    }

    /// Submits a `phx-submit` form with the URL-encoded `value`.
    pub fn submit(&mut self, page: &Page, join_ref: &str, event: &str, value: &str) {
        self.next_ref += 1;
        let payload = json!({"type": "form", "event": event, "value": value, "meta": {}});
        self.send(json!([join_ref, self.next_ref.to_string(), page.topic(), "event", payload]));
    }

    fn send(&mut self, frame: Value) {
        self.ws.send(Message::text(frame.to_string())).expect("send a frame");
    }

    /// The first frame matching `matches` (earlier ones stay queued); panics after the timeout.
    pub fn expect(&mut self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.inbox.iter().position(&matches) {
            return self.inbox.remove(i).expect("queued frame");
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for {what}; got {:?}", self.inbox);
            match self.read(left) {
                Incoming::Frame(frame) if matches(&frame) => return frame,
                Incoming::Frame(frame) => self.inbox.push_back(frame),
                Incoming::Nothing => {}
                Incoming::Closed => panic!("the connection closed while waiting for {what}"),
            }
        }
    }

    /// Waits until the server side is gone.
    pub fn wait_closed(&mut self) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "the connection did not close");
            if let Incoming::Closed = self.read(left) {
                return;
            }
        }
    }

    fn read(&mut self, timeout: Duration) -> Incoming {
        let _ = self.ws.get_mut().set_read_timeout(Some(timeout.max(Duration::from_millis(1))));
        match self.ws.read() {
            Ok(Message::Text(text)) => {
                Incoming::Frame(serde_json::from_str(text.as_str()).expect("a JSON frame"))
            }
            Ok(Message::Close(_)) => Incoming::Closed,
            Ok(_) => Incoming::Nothing,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Incoming::Nothing
            }
            Err(_) => Incoming::Closed,
        }
    }
}

enum Incoming {
    Frame(Value),
    Nothing,
    Closed,
}
