//! A Phoenix-protocol test client (V2 JSON frames) over a real WebSocket (tungstenite client)
//! or long-poll (plain HTTP, a poller thread like phoenix.js's), so the same scenario can run
//! over each transport.

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, unbounded};
use serde_json::{Value, json};
use tungstenite::client::IntoClientRequest;
use tungstenite::protocol::CloseFrame;
use tungstenite::{Message, WebSocket};

use super::TIMEOUT;
use super::http::HttpClient;

/// Which transport a client speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    WebSocket,
    LongPoll,
}

pub struct PhxClient {
    wire: Wire,
    next_ref: u64,
    inbox: VecDeque<Value>,
}

enum Wire {
    Ws(Box<WebSocket<TcpStream>>),
    Lp(LongPollWire),
}

impl PhxClient {
    pub fn connect(kind: Kind, addr: SocketAddr) -> PhxClient {
        match kind {
            Kind::WebSocket => {
                PhxClient::websocket(addr, "vsn=2.0.0", Some(&format!("http://{addr}")))
                    .expect("websocket connect")
            }
            Kind::LongPoll => PhxClient::longpoll(addr, "vsn=2.0.0").expect("long-poll connect"),
        }
    }

    /// A WebSocket client; the handshake error (e.g. HTTP 403) when refused.
    pub fn websocket(
        addr: SocketAddr,
        query: &str,
        origin: Option<&str>,
    ) -> Result<PhxClient, tungstenite::Error> {
        let origin_header = origin.map(|o| ("origin", o));
        PhxClient::websocket_with(addr, query, origin_header.as_slice())
    }

    /// Connects with extra request headers (cookie, origin), as a browser would send them.
    pub fn connect_with(
        kind: Kind,
        addr: SocketAddr,
        query: &str,
        headers: &[(&str, &str)],
    ) -> PhxClient {
        match kind {
            Kind::WebSocket => {
                PhxClient::websocket_with(addr, query, headers).expect("websocket connect")
            }
            Kind::LongPoll => {
                PhxClient::longpoll_with(addr, query, headers).expect("long-poll connect")
            }
        }
    }

    fn websocket_with(
        addr: SocketAddr,
        query: &str,
        headers: &[(&str, &str)],
    ) -> Result<PhxClient, tungstenite::Error> {
        let mut request = format!("ws://{addr}/live/websocket?{query}").into_client_request()?;
        for (name, value) in headers {
            let name: tungstenite::http::HeaderName = name.parse().expect("header name");
            request.headers_mut().insert(name, value.parse().expect("header value"));
        }
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        let (ws, _) = tungstenite::client(request, stream).map_err(|e| match e {
            tungstenite::HandshakeError::Failure(e) => e,
            tungstenite::HandshakeError::Interrupted(_) => tungstenite::Error::ConnectionClosed,
        })?;
        Ok(PhxClient::over(Wire::Ws(Box::new(ws))))
    }

    /// A long-poll client; the JSON `status` when the server refuses the connection.
    pub fn longpoll(addr: SocketAddr, query: &str) -> Result<PhxClient, u16> {
        PhxClient::longpoll_with(addr, query, &[])
    }

    fn longpoll_with(
        addr: SocketAddr,
        query: &str,
        headers: &[(&str, &str)],
    ) -> Result<PhxClient, u16> {
        let base = format!("/live/longpoll?{query}");
        let headers: Vec<(String, String)> =
            headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut http = HttpClient::connect(addr);
        let mut first_headers = vec![("accept", "application/json")];
        first_headers.extend(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let first = http.request("GET", &base, &first_headers, b"").expect("long-poll GET").json();
        if first["status"] != 410 {
            return Err(first["status"].as_u64().unwrap_or(0) as u16);
        }
        let token = first["token"].as_str().expect("token").to_string();
        let (events, incoming) = unbounded();
        let stop = Arc::new(AtomicBool::new(false));
        let poller =
            Poller { addr, base: base.clone(), token: token.clone(), events, stop: stop.clone() };
        thread::spawn(move || poller.run());
        Ok(PhxClient::over(Wire::Lp(LongPollWire { base, token, post: http, incoming, stop })))
    }

    fn over(wire: Wire) -> PhxClient {
        PhxClient { wire, next_ref: 0, inbox: VecDeque::new() }
    }

    pub fn kind(&self) -> Kind {
        match self.wire {
            Wire::Ws(_) => Kind::WebSocket,
            Wire::Lp(_) => Kind::LongPoll,
        }
    }

    /// Sends `[join_ref, ref, topic, event, payload]` with a fresh ref; returns the ref.
    pub fn push(
        &mut self,
        join_ref: Option<&str>,
        topic: &str,
        event: &str,
        payload: Value,
    ) -> String {
        self.next_ref += 1;
        let msg_ref = self.next_ref.to_string();
        self.send_text(&json!([join_ref, msg_ref, topic, event, payload]).to_string());
        msg_ref
    }

    pub fn send_text(&mut self, text: &str) {
        match &mut self.wire {
            Wire::Ws(ws) => ws.send(Message::text(text)).expect("websocket send"),
            Wire::Lp(lp) => lp.post(text),
        }
    }

    /// Long-poll only: POSTs `text` and expects a refusal (any status but 200).
    pub fn expect_refused_post(&mut self, text: &str) {
        let Wire::Lp(lp) = &mut self.wire else { panic!("long-poll only") };
        let target = format!("{}&token={}", lp.base, lp.token);
        let headers = [("content-type", "application/x-ndjson")];
        let response = lp.post.request("POST", &target, &headers, text.as_bytes()).expect("POST");
        assert_ne!(response.json()["status"], 200, "POST should be refused");
    }

    pub fn send_binary(&mut self, data: &[u8]) {
        match &mut self.wire {
            Wire::Ws(ws) => ws.send(Message::binary(data.to_vec())).expect("websocket send"),
            Wire::Lp(lp) => lp.post(&super::base64(data)),
        }
    }

    /// Joins `topic` and checks the `ok` reply; returns the join ref.
    pub fn join(&mut self, topic: &str) -> String {
        self.next_ref += 1;
        let join_ref = self.next_ref.to_string();
        self.send_text(&json!([join_ref, join_ref, topic, "phx_join", {}]).to_string());
        let reply = self.reply(&join_ref);
        assert_eq!(reply["status"], "ok", "join reply: {reply}");
        join_ref
    }

    /// Joins `topic` with a join payload; returns the join ref and the reply payload.
    pub fn join_with(&mut self, topic: &str, payload: Value) -> (String, Value) {
        self.next_ref += 1;
        let join_ref = self.next_ref.to_string();
        self.send_text(&json!([join_ref, join_ref, topic, "phx_join", payload]).to_string());
        let reply = self.reply(&join_ref);
        (join_ref, reply)
    }

    /// The payload of the `phx_reply` to `msg_ref`.
    pub fn reply(&mut self, msg_ref: &str) -> Value {
        let frame =
            self.expect(&format!("reply to {msg_ref}"), |f| f[1] == msg_ref && f[3] == "phx_reply");
        frame[4].clone()
    }

    /// The first incoming frame matching `matches` (others stay queued for later expects).
    pub fn expect(&mut self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.inbox.iter().position(&matches) {
            return self.inbox.remove(i).expect("queued frame");
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for {what}; queued: {:?}", self.inbox);
            match self.receive(left) {
                Received::Frame(frame) if matches(&frame) => return frame,
                Received::Frame(frame) => self.inbox.push_back(frame),
                Received::Nothing => {}
                Received::Closed(code) => {
                    panic!("connection closed ({code}) while waiting for {what}")
                }
            }
        }
    }

    /// Waits for the server to end the connection; the WebSocket close code (1006 without a
    /// Close frame), or 3410 when the long-poll session is gone (phoenix.js's code).
    pub fn wait_closed(&mut self) -> u16 {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for the server to close");
            if let Received::Closed(code) = self.receive(left) {
                return code;
            }
        }
    }

    fn receive(&mut self, timeout: Duration) -> Received {
        match &mut self.wire {
            Wire::Ws(ws) => {
                let _ = ws.get_mut().set_read_timeout(Some(timeout.max(Duration::from_millis(1))));
                match ws.read() {
                    Ok(Message::Text(text)) => Received::Frame(parse(text.as_str())),
                    Ok(Message::Close(frame)) => {
                        Received::Closed(frame.map_or(1005, |f: CloseFrame| f.code.into()))
                    }
                    Ok(_) => Received::Nothing,
                    Err(tungstenite::Error::Io(e))
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) =>
                    {
                        Received::Nothing
                    }
                    Err(_) => Received::Closed(1006),
                }
            }
            Wire::Lp(lp) => match lp.incoming.recv_timeout(timeout) {
                Ok(Event::Message(text)) => Received::Frame(parse(&text)),
                Ok(Event::Gone(code)) => Received::Closed(code),
                Err(RecvTimeoutError::Timeout) => Received::Nothing,
                Err(RecvTimeoutError::Disconnected) => Received::Closed(1006),
            },
        }
    }
}

impl Drop for PhxClient {
    fn drop(&mut self) {
        if let Wire::Lp(lp) = &self.wire {
            lp.stop.store(true, Ordering::SeqCst);
        }
    }
}

enum Received {
    Frame(Value),
    Nothing,
    Closed(u16),
}

fn parse(text: &str) -> Value {
    let frame: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("server sent non-JSON ({e}): {text}"));
    assert!(frame.as_array().is_some_and(|a| a.len() == 5), "not a V2 frame: {text}");
    frame
}

struct LongPollWire {
    base: String,
    token: String,
    post: HttpClient,
    incoming: Receiver<Event>,
    stop: Arc<AtomicBool>,
}

impl LongPollWire {
    fn post(&mut self, body: &str) {
        let target = format!("{}&token={}", self.base, self.token);
        let headers = [("content-type", "application/x-ndjson")];
        let response =
            self.post.request("POST", &target, &headers, body.as_bytes()).expect("long-poll POST");
        assert_eq!(response.json()["status"], 200, "POST answer");
    }
}

enum Event {
    Message(String),
    Gone(u16),
}

/// Polls like phoenix.js: GET with token, again and again, forwarding messages.
struct Poller {
    addr: SocketAddr,
    base: String,
    token: String,
    events: Sender<Event>,
    stop: Arc<AtomicBool>,
}

impl Poller {
    fn run(mut self) {
        let mut http = HttpClient::connect(self.addr);
        while !self.stop.load(Ordering::SeqCst) {
            let target = format!("{}&token={}", self.base, self.token);
            let Ok(response) = http.request("GET", &target, &[("accept", "application/json")], b"")
            else {
                let _ = self.events.send(Event::Gone(1006));
                return;
            };
            let body = response.json();
            if let Some(token) = body["token"].as_str() {
                self.token = token.to_string();
            }
            match body["status"].as_u64() {
                Some(200) => {
                    for message in body["messages"].as_array().into_iter().flatten() {
                        let _ = self.events.send(Event::Message(
                            message.as_str().expect("message string").to_string(),
                        ));
                    }
                }
                Some(204) => {}
                Some(410) => {
                    let _ = self.events.send(Event::Gone(3410));
                    return;
                }
                other => {
                    let _ = self.events.send(Event::Gone(other.unwrap_or(0) as u16));
                    return;
                }
            }
        }
    }
}
