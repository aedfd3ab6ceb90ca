//! Just enough of a browser for the multi-node test: fetch a page (its cookie, CSRF token and
//! session tokens); the Phoenix protocol itself is the shared test client's.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use serde_json::{Value, json};

use crate::support::PhxClient;
use crate::support::client::Kind;

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

/// Opens a Phoenix WebSocket to the node on `port` as phoenix.js does for `page`: its CSRF
/// token in the query, its session cookie and the page's origin in the headers.
pub fn connect(port: u16, page: &Page) -> PhxClient {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let origin = format!("http://127.0.0.1:{port}");
    let query = format!("_csrf_token={}&vsn=2.0.0", page.csrf);
    PhxClient::connect_with(
        Kind::WebSocket,
        addr,
        &query,
        &[("origin", origin.as_str()), ("cookie", page.cookie.as_str())],
    )
}

/// Joins the page's main view with its tokens; returns the join ref and the reply payload.
pub fn join(client: &mut PhxClient, page: &Page) -> (String, Value) {
    let payload = json!({
        "url": page.url,
        "params": {"_csrf_token": page.csrf, "_mounts": 0, "_mount_attempts": 0},
        "session": page.session,
        "static": page.static_token,
        "sticky": false,
    });
    client.join_with(&page.topic(), payload)
}

/// Submits a `phx-submit` form with the URL-encoded `value`.
pub fn submit(client: &mut PhxClient, page: &Page, join_ref: &str, event: &str, value: &str) {
    let payload = json!({"type": "form", "event": event, "value": value, "meta": {}});
    client.push(Some(join_ref), &page.topic(), "event", payload);
}
