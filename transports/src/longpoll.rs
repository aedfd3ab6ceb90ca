//! The long-poll transport, exactly as phoenix.js 1.8 speaks it (phoenix-protocol.md §1.6).
//!
//! Every answer is HTTP 200 with a JSON body whose `status` field is the logical status:
//! - `GET` without token: the endpoint accepts the connection, a session is created →
//!   `{"status":410,"token":..,"messages":[]}` (refused → `{"status":403}`).
//! - `GET` with token (query `token` or header `X-Phoenix-Longpoll-Token`): waits up to the
//!   poll window → `200` with `messages` (each one serialized V2 frame, as a string), `204`
//!   without, `410` for an unknown, expired or closed session.
//! - `POST` with token: ndjson, at most `longpoll_max_batch` lines, dispatched in order →
//!   `{"status":200}`. Lines starting with `[` are text frames, others base64 binary frames.
//!
//! A session is a bounded queue of outgoing frames (overflow closes it: the client does not
//! keep up) plus the core's connection; it ends after `longpoll_session_timeout` without a
//! poll. No thread per session: polls park the HTTP thread that carries them, and one
//! janitor thread per server expires sessions.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once, Weak};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use liveview_core::{
    ClientConnection, Endpoint, HttpRequest, HttpResponse, Transport, TransportError,
};
use parking_lot::{Condvar, Mutex};

use crate::config::ServerConfig;
use crate::depth::too_deep;
use crate::http::query_param;

/// All long-poll sessions of one server.
#[derive(Debug)]
pub(crate) struct LongPoll {
    registry: Arc<Registry>,
}

#[derive(Debug)]
struct Registry {
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    window: Duration,
    session_timeout: Duration,
    max_buffer: usize,
    max_batch: usize,
    janitor: Once,
}

struct Session {
    connection: Mutex<Option<Box<dyn ClientConnection>>>,
    outbox: Arc<Outbox>,
    last_poll: Mutex<Instant>,
    /// Polls in progress: a session being polled is never expired.
    polls: AtomicUsize,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("outbox", &self.outbox).finish_non_exhaustive()
    }
}

impl Session {
    /// Tells the core the connection is gone, once.
    fn end(&self) {
        self.outbox.state.lock().closed = true;
        self.outbox.ready.notify_all();
        if let Some(mut connection) = self.connection.lock().take() {
            connection.closed();
        }
    }
}

/// Frames waiting for the next poll.
#[derive(Debug)]
struct Outbox {
    state: Mutex<Queue>,
    ready: Condvar,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Queue {
    messages: VecDeque<String>,
    closed: bool,
}

/// [`Transport`] of one long-poll session.
#[derive(Debug)]
struct LongPollTransport(Arc<Outbox>);

impl Transport for LongPollTransport {
    fn send(&self, frame: String) -> Result<(), TransportError> {
        let mut queue = self.0.state.lock();
        if queue.closed {
            return Err(TransportError::Closed);
        }
        if queue.messages.len() >= self.0.capacity {
            // The client does not poll fast enough: drop the session rather than grow.
            queue.messages.clear();
            queue.closed = true;
            self.0.ready.notify_all();
            return Err(TransportError::Full);
        }
        queue.messages.push_back(frame);
        self.0.ready.notify_all();
        Ok(())
    }

    fn close(&self) {
        self.0.state.lock().closed = true;
        self.0.ready.notify_all();
    }

    fn kind(&self) -> &'static str {
        "longpoll"
    }
}

impl LongPoll {
    pub(crate) fn new(config: &ServerConfig) -> LongPoll {
        LongPoll {
            registry: Arc::new(Registry {
                sessions: Mutex::new(HashMap::new()),
                window: config.longpoll_window,
                session_timeout: config.longpoll_session_timeout,
                max_buffer: config.longpoll_max_buffer.max(1),
                max_batch: config.longpoll_max_batch,
                janitor: Once::new(),
            }),
        }
    }

    /// Answers one long-poll request (blocks up to the poll window for a `GET` with token).
    pub(crate) fn handle(
        &self,
        endpoint: &dyn Endpoint,
        config: &ServerConfig,
        request: &HttpRequest,
    ) -> HttpResponse {
        let token = token(request);
        match (request.method.as_str(), token) {
            ("OPTIONS", _) => preflight(),
            ("GET", None) => self.connect(endpoint, config, request),
            ("GET", Some(token)) => self.poll(&token),
            ("POST", Some(token)) => self.publish(&token, &request.body),
            ("POST", None) => status(410),
            _ => {
                HttpResponse::new(405, "text/plain; charset=utf-8", b"method not allowed".to_vec())
                    .with_header("allow", "GET, POST, OPTIONS")
            }
        }
    }

    /// Whether this request parks until messages arrive (callers may give it its own thread).
    pub(crate) fn blocks(request: &HttpRequest) -> bool {
        request.method == "GET" && token(request).is_some()
    }

    fn connect(
        &self,
        endpoint: &dyn Endpoint,
        config: &ServerConfig,
        request: &HttpRequest,
    ) -> HttpResponse {
        if !config.check_origin.allows(request.header("origin"), request.header("host")) {
            return status(403);
        }
        let outbox = Arc::new(Outbox {
            state: Mutex::new(Queue::default()),
            ready: Condvar::new(),
            capacity: self.registry.max_buffer,
        });
        let connection =
            match endpoint.connect(request, Arc::new(LongPollTransport(outbox.clone()))) {
                Ok(connection) => connection,
                Err(e) => {
                    log::debug!("long-poll connect refused: {e}");
                    return status(403);
                }
            };
        let token = new_token();
        let session = Arc::new(Session {
            connection: Mutex::new(Some(connection)),
            outbox,
            last_poll: Mutex::new(Instant::now()),
            polls: AtomicUsize::new(0),
        });
        self.registry.sessions.lock().insert(token.clone(), session);
        self.start_janitor();
        messages(410, &token, &[])
    }

    fn poll(&self, token: &str) -> HttpResponse {
        let Some(session) = self.registry.get(token) else { return messages(410, token, &[]) };
        session.polls.fetch_add(1, Ordering::AcqRel);
        let deadline = Instant::now() + self.registry.window;
        let (batch, closed) = {
            let mut queue = session.outbox.state.lock();
            while queue.messages.is_empty() && !queue.closed {
                if session.outbox.ready.wait_until(&mut queue, deadline).timed_out() {
                    break;
                }
            }
            (queue.messages.drain(..).collect::<Vec<_>>(), queue.closed)
        };
        *session.last_poll.lock() = Instant::now();
        session.polls.fetch_sub(1, Ordering::AcqRel);
        if !batch.is_empty() {
            messages(200, token, &batch)
        } else if closed {
            self.registry.remove(token);
            messages(410, token, &[])
        } else {
            messages(204, token, &[])
        }
    }

    fn publish(&self, token: &str, body: &[u8]) -> HttpResponse {
        let Some(session) = self.registry.get(token) else { return status(410) };
        let Ok(body) = std::str::from_utf8(body) else { return status(400) };
        let lines: Vec<&str> = body
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line))
            .filter(|l| !l.is_empty())
            .collect();
        if lines.len() > self.registry.max_batch {
            return status(413);
        }
        if lines.iter().any(|line| too_deep(line)) {
            return status(400);
        }
        *session.last_poll.lock() = Instant::now();
        let mut connection = session.connection.lock();
        let Some(connection) = connection.as_mut() else { return status(410) };
        for line in lines {
            if line.starts_with('[') {
                connection.handle_text(line);
            } else {
                match STANDARD.decode(line) {
                    Ok(data) => connection.handle_binary(&data),
                    Err(e) => log::debug!(
                        "long-poll: dropping a line that is neither JSON nor base64: {e}"
                    ),
                }
            }
        }
        status(200)
    }

    fn start_janitor(&self) {
        self.registry.janitor.call_once(|| {
            let registry = Arc::downgrade(&self.registry);
            let tick = (self.registry.session_timeout / 3)
                .clamp(Duration::from_millis(10), Duration::from_secs(1));
            let spawned = thread::Builder::new()
                .name("lv-longpoll".into())
                .stack_size(128 * 1024)
                .spawn(move || janitor(registry, tick));
            if let Err(e) = spawned {
                log::error!(
                    "cannot start the long-poll janitor; sessions expire only when polled: {e}"
                );
            }
        });
    }
}

fn janitor(registry: Weak<Registry>, tick: Duration) {
    loop {
        thread::sleep(tick);
        let Some(registry) = registry.upgrade() else { return };
        registry.sweep();
    }
}

impl Drop for Registry {
    /// The server is gone: tell the core every session ended, so their views stop.
    fn drop(&mut self) {
        for (_, session) in self.sessions.get_mut().drain() {
            session.end();
        }
    }
}

impl Registry {
    fn get(&self, token: &str) -> Option<Arc<Session>> {
        self.sessions.lock().get(token).cloned()
    }

    fn remove(&self, token: &str) {
        let removed = self.sessions.lock().remove(token);
        if let Some(session) = removed {
            session.end();
        }
    }

    /// Ends sessions nobody polled for `session_timeout`, and closed ones with nothing left to
    /// deliver.
    fn sweep(&self) {
        let expired: Vec<Arc<Session>> = {
            let mut sessions = self.sessions.lock();
            let dead: Vec<String> = sessions
                .iter()
                .filter(|(_, s)| {
                    s.polls.load(Ordering::Acquire) == 0
                        && (s.last_poll.lock().elapsed() >= self.session_timeout || {
                            let queue = s.outbox.state.lock();
                            queue.closed && queue.messages.is_empty()
                        })
                })
                .map(|(token, _)| token.clone())
                .collect();
            dead.iter().filter_map(|token| sessions.remove(token)).collect()
        };
        // Outside the map's lock: `closed()` runs core code.
        for session in expired {
            session.end();
        }
    }
}

/// The session token of a request: query `token` (phoenix.js 1.8) or header
/// `X-Phoenix-Longpoll-Token` (newer clients).
fn token(request: &HttpRequest) -> Option<String> {
    query_param(&request.query, "token")
        .or_else(|| request.header("x-phoenix-longpoll-token").map(str::to_string))
        .filter(|t| !t.is_empty() && t != "null" && t != "undefined")
}

/// 192 random bits from the thread's CSPRNG: unguessable, URL-safe.
fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>())
}

fn json(body: String) -> HttpResponse {
    HttpResponse::new(200, "application/json; charset=utf-8", body.into_bytes())
        .with_header("cache-control", "no-store")
        .with_header("access-control-allow-origin", "*")
}

fn status(code: u16) -> HttpResponse {
    json(format!("{{\"status\":{code}}}"))
}

fn messages(code: u16, token: &str, messages: &[String]) -> HttpResponse {
    let token = serde_json::to_string(token).unwrap_or_else(|_| "null".into());
    let messages = serde_json::to_string(messages).unwrap_or_else(|_| "[]".into());
    json(format!("{{\"status\":{code},\"token\":{token},\"messages\":{messages}}}"))
}

fn preflight() -> HttpResponse {
    HttpResponse::new(200, "text/plain; charset=utf-8", Vec::new())
        .with_header("access-control-allow-origin", "*")
        .with_header("access-control-allow-methods", "GET, POST, OPTIONS")
        .with_header(
            "access-control-allow-headers",
            "accept, content-type, x-requested-with, x-phoenix-authtoken, x-phoenix-longpoll-token",
        )
        .with_header("access-control-max-age", "86400")
        .with_header("cache-control", "no-store")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_url_safe() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }

    #[test]
    fn reads_token_from_query_or_header() {
        let mut request = HttpRequest {
            query: "_csrf_token=x&vsn=2.0.0&token=abc".into(),
            ..HttpRequest::default()
        };
        assert_eq!(token(&request).as_deref(), Some("abc"));
        request.query = "vsn=2.0.0&".into();
        assert_eq!(token(&request), None);
        request.headers.push(("x-phoenix-longpoll-token".into(), "def".into()));
        assert_eq!(token(&request).as_deref(), Some("def"));
    }

    #[test]
    fn outbox_overflow_closes() {
        let outbox = Arc::new(Outbox {
            state: Mutex::new(Queue::default()),
            ready: Condvar::new(),
            capacity: 2,
        });
        let transport = LongPollTransport(outbox.clone());
        assert!(transport.send("a".into()).is_ok());
        assert!(transport.send("b".into()).is_ok());
        assert_eq!(transport.send("c".into()), Err(TransportError::Full));
        assert_eq!(transport.send("d".into()), Err(TransportError::Closed));
        assert!(outbox.state.lock().messages.is_empty());
    }

    #[test]
    fn messages_are_json_strings() {
        let response = messages(200, "t", &["[null,\"1\",\"phoenix\",\"phx_reply\",{}]".into()]);
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(body["messages"][0], "[null,\"1\",\"phoenix\",\"phx_reply\",{}]");
        assert_eq!(body["token"], "t");
    }
}
