//! A fake endpoint speaking just enough of the Phoenix socket protocol to exercise the
//! transports: heartbeats, joins, echo events, server pushes from other threads, floods,
//! server-side close, binary frames.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use liveview::protocol::Frame;
use liveview::{
    ClientConnection, ConnectError, Endpoint, HttpRequest, HttpResponse, Transport, TransportError,
};
use serde_json::{Value, json};
use std::sync::Mutex;

/// What the endpoint saw.
#[derive(Default, Debug)]
pub struct Stats {
    pub connects: AtomicUsize,
    pub closed: AtomicUsize,
    pub malformed: AtomicUsize,
    /// The first error a flood got from `Transport::send`.
    pub flood_error: Mutex<Option<TransportError>>,
    /// `Transport::kind` of the last connection.
    pub kind: Mutex<Option<&'static str>>,
}

#[derive(Default, Debug)]
pub struct EchoEndpoint {
    pub stats: Arc<Stats>,
}

impl Endpoint for EchoEndpoint {
    fn handle_http(&self, request: &HttpRequest) -> Option<HttpResponse> {
        match (request.method.as_str(), request.path.as_str()) {
            ("GET" | "HEAD", "/hello") => Some(HttpResponse::html("<h1>hello</h1>")),
            ("POST", "/echo") => {
                Some(HttpResponse::new(200, "application/octet-stream", request.body.clone()))
            }
            ("GET", "/panic") => panic!("handler panicked on purpose"),
            _ => None,
        }
    }

    fn connect(
        &self,
        request: &HttpRequest,
        transport: Arc<dyn Transport>,
    ) -> Result<Box<dyn ClientConnection>, ConnectError> {
        if request.query.split('&').any(|pair| pair == "refuse=1") {
            return Err(ConnectError::Forbidden("refused by the test endpoint".into()));
        }
        self.stats.connects.fetch_add(1, Ordering::SeqCst);
        if request.query.split('&').any(|pair| pair == "greet=1") {
            // Sent from inside `connect`, before the transport has answered the handshake.
            let _ = transport.send(Frame::encode_raw(None, None, "phoenix", "hello", "{}"));
        }
        *self.stats.kind.lock().unwrap() = Some(transport.kind());
        Ok(Box::new(EchoConnection { transport, stats: self.stats.clone() }))
    }
}

struct EchoConnection {
    transport: Arc<dyn Transport>,
    stats: Arc<Stats>,
}

impl EchoConnection {
    fn reply(&self, frame: &Frame, status: &str, response: &Value) {
        let text = Frame::reply(
            frame.join_ref.as_deref(),
            frame.msg_ref.as_deref(),
            &frame.topic,
            status,
            &response.to_string(),
        );
        let _ = self.transport.send(text);
    }

    /// Sends `count` pushes `[join_ref, null, topic, event, {"n": i, "pad": ...}]` from a new
    /// thread, after `delay`.
    fn push_from_thread(
        &self,
        frame: &Frame,
        event: &'static str,
        count: u64,
        size: usize,
        delay: Duration,
    ) {
        let transport = self.transport.clone();
        let stats = self.stats.clone();
        let join_ref = frame.join_ref.clone();
        let topic = frame.topic.clone();
        thread::spawn(move || {
            thread::sleep(delay);
            let pad = "x".repeat(size);
            for n in 0..count {
                let payload = json!({"n": n, "pad": pad}).to_string();
                let text = Frame::encode_raw(join_ref.as_deref(), None, &topic, event, &payload);
                if let Err(e) = transport.send(text) {
                    stats.flood_error.lock().unwrap().get_or_insert(e);
                    return;
                }
            }
        });
    }
}

impl ClientConnection for EchoConnection {
    fn handle_text(&mut self, text: &str) {
        let Ok(frame) = Frame::decode(text) else {
            self.stats.malformed.fetch_add(1, Ordering::SeqCst);
            return;
        };
        let count = frame.payload["count"].as_u64().unwrap_or(1);
        let size = frame.payload["size"].as_u64().unwrap_or(0) as usize;
        match (frame.topic.as_str(), frame.event.as_str()) {
            ("phoenix", "heartbeat") => self.reply(&frame, "ok", &json!({})),
            (_, "phx_join") => self.reply(&frame, "ok", &json!({"joined": frame.topic})),
            (_, "phx_leave") => {
                self.reply(&frame, "ok", &json!({}));
                let join_ref = frame.join_ref.as_deref();
                let _ = self.transport.send(Frame::encode_raw(
                    join_ref,
                    join_ref,
                    &frame.topic,
                    "phx_close",
                    "{}",
                ));
            }
            (_, "echo") => self.reply(&frame, "ok", &frame.payload),
            (_, "push_later") => {
                self.reply(&frame, "ok", &json!({}));
                self.push_from_thread(&frame, "tick", count, 0, Duration::from_millis(100));
            }
            (_, "push_now") => {
                self.reply(&frame, "ok", &json!({}));
                self.push_from_thread(&frame, "tick", count, size, Duration::ZERO);
            }
            (_, "close") => self.transport.close(),
            _ => self.reply(&frame, "error", &json!({"reason": "unmatched topic"})),
        }
    }

    fn handle_binary(&mut self, data: &[u8]) {
        let payload = json!({"len": data.len(), "first": data.first()}).to_string();
        let _ = self.transport.send(Frame::encode_raw(None, None, "binary", "received", &payload));
    }

    fn closed(&mut self) {
        self.stats.closed.fetch_add(1, Ordering::SeqCst);
    }
}
