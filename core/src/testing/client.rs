//! The harness's client side: an in-memory transport, the Phoenix socket it feeds, and the
//! rendered tree of every joined view, kept exactly as the JS client keeps it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, unbounded};
use serde_json::{Map, Value, json};

use super::error::{Redirect, TestError};
use crate::app::App;
use crate::connection::Connection;
use crate::merge::ClientRendered;
use crate::protocol::Frame;
use crate::transport::{ClientConnection, Transport, TransportError};

/// Frames the server sends, collected in memory instead of written to a socket.
#[derive(Debug)]
pub(crate) struct MemoryTransport {
    frames: Sender<String>,
    closed: AtomicBool,
}

impl Transport for MemoryTransport {
    fn send(&self, frame: String) -> Result<(), TransportError> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(TransportError::Closed);
        }
        self.frames.send(frame).map_err(|_| TransportError::Closed)
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    fn kind(&self) -> &'static str {
        "websocket"
    }
}

/// One joined view as the client sees it.
#[derive(Debug)]
pub(crate) struct ClientView {
    pub(crate) topic: String,
    pub(crate) join_ref: String,
    pub(crate) tree: ClientRendered,
    pub(crate) parent: Option<String>,
    /// `None` while running; why it stopped otherwise.
    pub(crate) down: Option<String>,
    /// A merged diff carried stream entries not rendered yet.
    pub(crate) stream_pending: bool,
    /// Stream renders (HTML and operations) the DOM has not applied yet, oldest first: the
    /// JS patches the DOM after every diff, so entries overwritten by a later diff must be
    /// applied first.
    pub(crate) pending_renders: Vec<crate::merge::Rendering>,
}

/// The socket, the views joined on it, and what the server pushed besides diffs.
pub(crate) struct ClientSocket {
    pub(crate) app: App,
    connection: Connection,
    frames: Receiver<String>,
    next_ref: u64,
    pub(crate) timeout: Duration,
    pub(crate) views: HashMap<String, ClientView>,
    /// Replies that arrived while waiting for another ref.
    replies: HashMap<String, Value>,
    pub(crate) title: Option<String>,
    pub(crate) events: Vec<(String, Value)>,
    pub(crate) patches: Vec<String>,
    pub(crate) redirect: Option<Redirect>,
    pub(crate) last_reply: Option<Value>,
}

impl std::fmt::Debug for ClientSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSocket").field("views", &self.views.keys()).finish_non_exhaustive()
    }
}

impl ClientSocket {
    /// Connects like `new LiveSocket(...).connect()` with the page's cookie and CSRF token.
    pub(crate) fn connect(app: &App, cookie: &str, csrf: &str) -> Result<ClientSocket, TestError> {
        let (tx, frames) = unbounded();
        let transport = Arc::new(MemoryTransport { frames: tx, closed: AtomicBool::new(false) });
        let request = crate::http::HttpRequest {
            method: "GET".into(),
            path: "/live/websocket".into(),
            query: format!("_csrf_token={csrf}&vsn=2.0.0"),
            headers: vec![("cookie".into(), cookie.into())],
            ..Default::default()
        };
        let connection =
            app.connect_socket(&request, transport).map_err(|e| TestError::Mount(e.to_string()))?;
        Ok(ClientSocket {
            app: app.clone(),
            connection,
            frames,
            next_ref: 0,
            timeout: Duration::from_secs(5),
            views: HashMap::new(),
            replies: HashMap::new(),
            title: None,
            events: Vec::new(),
            patches: Vec::new(),
            redirect: None,
            last_reply: None,
        })
    }

    fn make_ref(&mut self) -> String {
        self.next_ref += 1;
        self.next_ref.to_string()
    }

    /// The running view's handle, to message it from the test.
    pub(crate) fn handle(&self, id: &str) -> Option<crate::runtime::ViewHandle> {
        self.connection.view_handle(&format!("lv:{id}"))
    }

    /// Joins `lv:<id>` with `payload`; on success the view's tree is built from the reply.
    pub(crate) fn join(
        &mut self,
        id: &str,
        payload: Value,
        parent: Option<&str>,
    ) -> Result<(), TestError> {
        let join_ref = self.make_ref();
        let topic = format!("lv:{id}");
        let frame = Frame {
            join_ref: Some(join_ref.clone()),
            msg_ref: Some(join_ref.clone()),
            topic: topic.clone(),
            event: "phx_join".into(),
            payload,
        };
        self.connection.handle_text(&frame.encode());
        let reply = self.await_reply(&topic, &join_ref)?;
        let response = reply.get("response").cloned().unwrap_or(Value::Null);
        if reply.get("status").and_then(Value::as_str) != Some("ok") {
            if let Some(redirect) = self.redirect_in(&response) {
                return Err(TestError::Redirected(redirect));
            }
            return Err(TestError::Mount(format!("join of {topic} refused: {response}")));
        }
        let rendered = response.get("rendered").cloned().unwrap_or(Value::Null);
        let (tree, extracted) =
            ClientRendered::join(id, rendered).map_err(|e| TestError::Merge(e.to_string()))?;
        self.absorb(extracted);
        if let Some(patch) =
            response.get("live_patch").and_then(|p| p.get("to")).and_then(Value::as_str)
        {
            self.patches.push(patch.to_owned());
        }
        self.views.insert(
            id.to_owned(),
            ClientView {
                topic,
                join_ref,
                tree,
                parent: parent.map(str::to_owned),
                down: None,
                stream_pending: true,
                pending_renders: Vec::new(),
            },
        );
        Ok(())
    }

    /// Pushes `event` with `payload` to view `id` and waits for its reply, applying every
    /// frame that arrives meanwhile. Returns the reply's `response`.
    pub(crate) fn push(
        &mut self,
        id: &str,
        event: &str,
        payload: Value,
    ) -> Result<Value, TestError> {
        let view =
            self.views.get(id).ok_or_else(|| TestError::ViewDown(format!("no view {id:?}")))?;
        if let Some(why) = &view.down {
            return Err(TestError::ViewDown(why.clone()));
        }
        let (topic, join_ref) = (view.topic.clone(), view.join_ref.clone());
        let msg_ref = self.make_ref();
        let frame = Frame {
            join_ref: Some(join_ref),
            msg_ref: Some(msg_ref.clone()),
            topic: topic.clone(),
            event: event.into(),
            payload,
        };
        self.redirect = None;
        self.connection.handle_text(&frame.encode());
        let reply = self.await_reply(&topic, &msg_ref)?;
        let response = reply.get("response").cloned().unwrap_or(Value::Null);
        if reply.get("status").and_then(Value::as_str) != Some("ok") {
            return Err(TestError::ErrorReply(response));
        }
        if let Some(diff) = response.get("diff") {
            self.merge(id, diff.clone())?;
        }
        if let Some(redirect) = self.redirect_in(&response) {
            self.redirect = Some(redirect);
        }
        if let Some(redirect) = self.redirect.clone() {
            return Err(TestError::Redirected(redirect));
        }
        Ok(response)
    }

    /// Joins upload channel `topic` (`lvu:<entry ref>`) with an entry token; returns the
    /// reply (`{"status", "response"}`) and the join ref.
    pub(crate) fn join_upload(
        &mut self,
        topic: &str,
        token: &str,
    ) -> Result<(Value, String), TestError> {
        let join_ref = self.make_ref();
        let frame = Frame {
            join_ref: Some(join_ref.clone()),
            msg_ref: Some(join_ref.clone()),
            topic: topic.to_owned(),
            event: "phx_join".into(),
            payload: json!({ "token": token }),
        };
        self.connection.handle_text(&frame.encode());
        Ok((self.await_reply(topic, &join_ref)?, join_ref))
    }

    /// Sends one binary `chunk` push on `topic`, as the JS client does, and returns the
    /// reply (`{"status", "response"}`).
    pub(crate) fn push_chunk(
        &mut self,
        topic: &str,
        join_ref: &str,
        bytes: &[u8],
    ) -> Result<Value, TestError> {
        let msg_ref = self.make_ref();
        let mut data = vec![0u8];
        for part in [join_ref, &msg_ref, topic, "chunk"] {
            data.push(u8::try_from(part.len()).map_err(|_| TestError::Merge("long".into()))?);
        }
        for part in [join_ref, &msg_ref, topic, "chunk"] {
            data.extend_from_slice(part.as_bytes());
        }
        data.extend_from_slice(bytes);
        self.connection.handle_binary(&data);
        self.await_reply(topic, &msg_ref)
    }

    /// Reads frames until the reply to `msg_ref` on `topic` arrives.
    fn await_reply(&mut self, topic: &str, msg_ref: &str) -> Result<Value, TestError> {
        let key = format!("{topic}/{msg_ref}");
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(reply) = self.replies.remove(&key) {
                return Ok(reply);
            }
            if let Some(why) =
                self.views.values().find(|v| v.topic == topic).and_then(|v| v.down.clone())
            {
                return Err(TestError::ViewDown(why));
            }
            let wait = deadline.saturating_duration_since(Instant::now());
            match self.frames.recv_timeout(wait) {
                Ok(text) => self.apply(&text)?,
                Err(RecvTimeoutError::Timeout) => {
                    return Err(TestError::Timeout(format!("the reply to {msg_ref} on {topic}")));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(TestError::ViewDown("connection closed".into()));
                }
            }
        }
    }

    /// Waits until `deadline` for one frame and applies it; false on timeout.
    pub(crate) fn wait_frame(&mut self, deadline: Instant) -> Result<bool, TestError> {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.frames.recv_timeout(wait) {
            Ok(text) => self.apply(&text).map(|()| true),
            Err(RecvTimeoutError::Timeout) => Ok(false),
            Err(RecvTimeoutError::Disconnected) => {
                Err(TestError::ViewDown("connection closed".into()))
            }
        }
    }

    /// Applies every frame already sent by the server, without waiting.
    pub(crate) fn drain(&mut self) -> Result<(), TestError> {
        while let Ok(text) = self.frames.try_recv() {
            self.apply(&text)?;
        }
        Ok(())
    }

    fn view_by_topic(&mut self, topic: &str) -> Option<&mut ClientView> {
        self.views.values_mut().find(|v| v.topic == topic)
    }

    fn apply(&mut self, text: &str) -> Result<(), TestError> {
        let frame = Frame::decode(text).map_err(TestError::Merge)?;
        let id = frame.topic.strip_prefix("lv:").unwrap_or(&frame.topic).to_owned();
        let current = self.view_by_topic(&frame.topic).map(|v| v.join_ref.clone());
        // The client drops messages of an older join of the same topic.
        if frame.join_ref.is_some()
            && current.is_some()
            && frame.join_ref != current
            && frame.event != "phx_reply"
        {
            return Ok(());
        }
        match frame.event.as_str() {
            "phx_reply" => {
                let key = format!("{}/{}", frame.topic, frame.msg_ref.unwrap_or_default());
                self.replies.insert(key, frame.payload);
            }
            "diff" => self.merge(&id, frame.payload)?,
            "live_patch" => {
                if let Some(to) = frame.payload.get("to").and_then(Value::as_str) {
                    self.patches.push(to.to_owned());
                }
            }
            "redirect" | "live_redirect" => {
                let payload = json!({ frame.event.clone(): frame.payload });
                self.redirect = self.redirect_in(&payload);
            }
            "phx_close" | "phx_error" => {
                let why = if frame.event == "phx_error" {
                    "crashed (phx_error)"
                } else {
                    "closed (phx_close)"
                };
                if let Some(view) = self.view_by_topic(&frame.topic) {
                    view.down = Some(format!("view {id} {why}"));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn merge(&mut self, id: &str, diff: Value) -> Result<(), TestError> {
        let Some(view) = self.views.get_mut(id) else { return Ok(()) };
        if view.stream_pending {
            let rendering = view.tree.to_html().map_err(|e| TestError::Merge(e.to_string()))?;
            view.pending_renders.push(rendering);
        }
        view.stream_pending = has_stream(&diff);
        let extracted = view.tree.merge(diff).map_err(|e| TestError::Merge(e.to_string()))?;
        self.absorb(extracted);
        Ok(())
    }

    fn absorb(&mut self, extracted: crate::merge::Extracted) {
        if let Some(title) = extracted.title {
            self.title = Some(title);
        }
        for event in extracted.events {
            if let Some([name, payload, ..]) = event.as_array().map(Vec::as_slice) {
                self.events.push((name.as_str().unwrap_or_default().to_owned(), payload.clone()));
            }
        }
        if extracted.reply.is_some() {
            self.last_reply = extracted.reply;
        }
    }

    /// A `redirect` / `live_redirect` found in a reply or join-error response.
    fn redirect_in(&self, response: &Value) -> Option<Redirect> {
        let (payload, live) = match (response.get("redirect"), response.get("live_redirect")) {
            (Some(p), _) => (p, false),
            (None, Some(p)) => (p, true),
            (None, None) => return None,
        };
        let to = payload.get("to").and_then(Value::as_str)?.to_owned();
        let flash = payload
            .get("flash")
            .and_then(Value::as_str)
            .and_then(|token| self.app.inner.sessions.verify_flash(token).ok())
            .unwrap_or_else(Map::new);
        let replace = payload.get("kind").and_then(Value::as_str) == Some("replace");
        Some(Redirect { to, live, replace, flash })
    }

    /// Leaves every view and closes the socket, so view threads end (`terminate(Closed)`).
    pub(crate) fn close(&mut self) {
        self.connection.closed();
    }
}

/// True when a diff carries stream operations anywhere.
fn has_stream(diff: &Value) -> bool {
    match diff {
        Value::Object(map) => map.contains_key(crate::wire::STREAM) || map.values().any(has_stream),
        Value::Array(list) => list.iter().any(has_stream),
        _ => false,
    }
}
