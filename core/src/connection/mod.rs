//! The Phoenix socket of one client connection: heartbeats, LiveView joins, and routing of
//! every other frame to the view that owns its topic.
//!
//! Phoenix's `Phoenix.Socket` plus the join half of `Phoenix.LiveView.Channel`. A transport
//! feeds it the client's frames ([`ClientConnection`]); replies to joins and events are
//! written by the view threads themselves, so this object only answers what no view can:
//! heartbeats, refused joins, unknown topics.
//!
//! Join rules (Phoenix's `channel.ex` `mount/3` and `authorize_session/3`):
//! - the socket's `_csrf_token` and the join's `params._csrf_token` must match the cookie
//!   session's secret, and the session token must verify for the topic's id (the static
//!   token too, when given) — else `{"reason":"stale"}`;
//! - `redirect` (live navigation): the URL must route to a view of the same live session
//!   as the token's view, else `{"reason":"unauthorized"}`; that routed view is mounted
//!   under the same id;
//! - `url` on a router-mounted root view: the URL must still route to the same view and
//!   live session, else `{"reason":"unauthorized"}`;
//! - no URL: a nested child (its parent must be joined on this connection) or a sticky view;
//! - joining a topic that is already joined stops the old view and sends `phx_close` with
//!   the old join ref before joining anew;
//! - at most [`ConnectionLimits::max_views_per_connection`] views per socket, else
//!   `{"reason":"too many views"}`.
//!
//! Rate limit: every client frame but heartbeats and leaves takes a token from a bucket of
//! [`ConnectionLimits::event_burst`] refilled at [`ConnectionLimits::events_per_second`].
//! A frame without a token is not delivered; it is answered `phx_reply` with status
//! `error` and `{"reason":"rate limited"}` (the JS client logs it and stays connected, as
//! for any refused push). The connection stays open: a client that floods and does not
//! read its replies is disconnected by the transport's write timeout.

mod join;
mod limits;
mod upload;

pub use limits::ConnectionLimits;
use limits::TokenBucket;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::app::AppInner;
use crate::protocol::Frame;
use crate::runtime::{ViewHandle, ViewInput};
use crate::socket::ConnectInfo;
use crate::transport::{ClientConnection, Transport};
use crate::view::{Params, Session};

/// One joined LiveView channel.
struct Channel {
    handle: ViewHandle,
    join_ref: String,
}

/// The Phoenix socket of one client connection (see the module docs).
pub struct Connection {
    app: Arc<AppInner>,
    transport: Arc<dyn Transport>,
    transport_id: String,
    /// The cookie session, only when the socket's CSRF token matched it.
    session: Option<Session>,
    /// The socket's query params (`_csrf_token`, `vsn`, the app's own).
    socket_params: Params,
    info: ConnectInfo,
    channels: HashMap<String, Channel>,
    /// Joined `lvu:` upload channels by topic.
    uploads: HashMap<String, upload::UploadChannel>,
    /// Frames the client may still send now (the rate limit).
    bucket: TokenBucket,
    /// Set while frames are being refused, so a flood logs one line, not one per frame.
    rate_limited: bool,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("transport_id", &self.transport_id)
            .field("session", &self.session.is_some())
            .field("topics", &self.channels.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Connection {
    pub(crate) fn new(
        app: Arc<AppInner>,
        transport: Arc<dyn Transport>,
        session: Option<Session>,
        socket_params: Params,
        info: ConnectInfo,
    ) -> Connection {
        let n = app.next_transport.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let transport_id = format!("{}-{n}", transport.kind());
        let limits = &app.config.limits;
        let bucket = TokenBucket::new(limits.events_per_second, limits.event_burst);
        Connection {
            app,
            transport,
            transport_id,
            session,
            socket_params,
            info,
            channels: HashMap::new(),
            uploads: HashMap::new(),
            bucket,
            rate_limited: false,
        }
    }

    /// Number of joined LiveView topics.
    pub fn joined(&self) -> usize {
        self.channels.len()
    }

    /// The running view joined on `topic` (`lv:<id>`), for in-process tests that message it.
    pub fn view_handle(&self, topic: &str) -> Option<ViewHandle> {
        self.channels.get(topic).map(|c| c.handle.clone())
    }

    fn send(&self, frame: String) {
        if let Err(e) = self.transport.send(frame) {
            log::debug!("connection {}: {e}", self.transport_id);
        }
    }

    fn reply(&self, frame: &Frame, join_ref: Option<&str>, status: &str, response: &str) {
        self.send(Frame::reply(join_ref, frame.msg_ref.as_deref(), &frame.topic, status, response));
    }

    fn refuse_join(&self, frame: &Frame, reason: &str) {
        let response = format!(r#"{{"reason":{}}}"#, Value::String(reason.to_owned()));
        self.reply(
            frame,
            frame.join_ref.as_deref().or(frame.msg_ref.as_deref()),
            "error",
            &response,
        );
    }

    fn unmatched_topic(&self, frame: &Frame) {
        self.reply(frame, None, "error", r#"{"reason":"unmatched topic"}"#);
    }

    fn limits(&self) -> &ConnectionLimits {
        &self.app.config.limits
    }

    /// Takes a token for `frame`; false (and the frame answered) when over the rate limit.
    fn admit(&mut self, frame: &Frame) -> bool {
        // Heartbeats keep the socket alive and leaves free resources: never refused.
        if frame.topic == "phoenix" || frame.event == "phx_leave" {
            return true;
        }
        if self.bucket.take() {
            self.rate_limited = false;
            return true;
        }
        if !self.rate_limited {
            self.rate_limited = true;
            log::warn!(
                "connection {}: more than {} frames/s (burst {}); refusing frames until the rate drops",
                self.transport_id,
                self.limits().events_per_second,
                self.limits().event_burst
            );
        }
        if frame.msg_ref.is_some() {
            self.reply(frame, frame.join_ref.as_deref(), "error", r#"{"reason":"rate limited"}"#);
        }
        false
    }

    fn handle_frame(&mut self, frame: Frame) {
        if !self.admit(&frame) {
            return;
        }
        self.end_stale_uploads();
        if frame.topic == "phoenix" {
            if frame.event == "heartbeat" {
                self.reply(&frame, None, "ok", "{}");
            } else {
                self.unmatched_topic(&frame);
            }
            return;
        }
        if frame.topic.starts_with("lvu:") {
            if frame.event == "phx_join" {
                self.join_upload(&frame);
            } else {
                self.upload_text(&frame);
            }
            return;
        }
        if frame.event == "phx_join" {
            self.join(frame);
            return;
        }
        self.route(frame);
        // A leave ends the view at once; its upload channels go with it.
        self.end_stale_uploads();
    }

    /// Hands a frame to the view of its topic (no allocation on this path).
    fn route(&mut self, frame: Frame) {
        let wait = self.limits().mailbox_wait;
        let leaving = frame.event == "phx_leave";
        // The view answers a leave and closes; a join on this topic may follow at once (live
        // navigation), which must not count as a duplicate join.
        let removed = if leaving { self.channels.remove(&frame.topic) } else { None };
        let handle = match &removed {
            Some(channel) => Some(&channel.handle),
            None if !leaving => self.channels.get(&frame.topic).map(|c| &c.handle),
            None => None,
        };
        let delivery = match handle {
            Some(handle) => deliver(handle, ViewInput::Client(frame), wait),
            None => Delivery::Gone(ViewInput::Client(frame)),
        };
        match delivery {
            Delivery::Done => {}
            Delivery::Gone(ViewInput::Client(frame)) => {
                if leaving {
                    self.reply(&frame, frame.join_ref.as_deref(), "ok", "{}");
                } else {
                    // Unknown topic, or the view ended (crash, redirect) and left its entry.
                    self.channels.remove(&frame.topic);
                    self.unmatched_topic(&frame);
                }
            }
            Delivery::Gone(_) => {}
            Delivery::Stuck => {
                log::warn!(
                    "connection {}: a view did not take a frame for {wait:?}; closing the connection",
                    self.transport_id
                );
                self.transport.close();
            }
        }
    }
}

impl ClientConnection for Connection {
    fn handle_text(&mut self, text: &str) {
        match Frame::decode(text) {
            Ok(frame) => self.handle_frame(frame),
            Err(e) => log::warn!("connection {}: ignoring frame: {e}", self.transport_id),
        }
    }

    fn handle_binary(&mut self, data: &[u8]) {
        // Binary pushes carry upload chunks for `lvu:` topics.
        match decode_binary_push(data) {
            Some((join_ref, msg_ref, topic, event, bytes)) => {
                let frame = Frame {
                    join_ref: Some(join_ref.to_owned()),
                    msg_ref: Some(msg_ref.to_owned()),
                    topic: topic.to_owned(),
                    event: event.to_owned(),
                    payload: Value::Object(Map::new()),
                };
                self.upload_chunk(&frame, bytes);
            }
            None => log::warn!("connection {}: ignoring malformed binary frame", self.transport_id),
        }
    }

    fn closed(&mut self) {
        self.uploads.clear();
        let wait = self.limits().mailbox_wait;
        for (topic, channel) in self.channels.drain() {
            // Waits for room in a busy mailbox: a view that missed this would outlive its
            // connection (its writes to a closed transport fail silently).
            if let Delivery::Stuck = deliver(&channel.handle, ViewInput::TransportClosed, wait) {
                log::warn!(
                    "connection {}: {topic} did not take TransportClosed within {wait:?}",
                    self.transport_id
                );
            }
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // A transport that forgets `closed()` must not leave views running.
        self.closed();
    }
}

enum Delivery {
    Done,
    /// The view has ended; the input comes back.
    Gone(ViewInput),
    /// The mailbox stayed full for [`ConnectionLimits::mailbox_wait`].
    Stuck,
}

/// Puts `input` in a view's mailbox, waiting (with backoff) up to `wait` while it is full.
fn deliver(handle: &ViewHandle, input: ViewInput, wait: Duration) -> Delivery {
    let mut input = match handle.send(input) {
        Ok(()) => return Delivery::Done,
        Err(e) => e.0,
    };
    let start = Instant::now();
    let mut pause = Duration::from_micros(50);
    loop {
        if !handle.is_alive() {
            return Delivery::Gone(input);
        }
        if start.elapsed() > wait {
            return Delivery::Stuck;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
        input = match handle.send(input) {
            Ok(()) => return Delivery::Done,
            Err(e) => e.0,
        };
    }
}

/// A client binary push: `[0][len jr][len ref][len topic][len event] jr ref topic event
/// payload` → its header strings and payload.
fn decode_binary_push(data: &[u8]) -> Option<(&str, &str, &str, &str, &[u8])> {
    let (&kind, rest) = data.split_first()?;
    if kind != 0 || rest.len() < 4 {
        return None;
    }
    let lens = [rest[0], rest[1], rest[2], rest[3]].map(usize::from);
    let mut body = &rest[4..];
    let mut take = |len: usize| -> Option<&str> {
        let (head, tail) = (body.get(..len)?, body.get(len..)?);
        body = tail;
        std::str::from_utf8(head).ok()
    };
    let header = (take(lens[0])?, take(lens[1])?, take(lens[2])?, take(lens[3])?);
    Some((header.0, header.1, header.2, header.3, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_push_header() {
        let mut data = vec![0u8, 1, 2, 5, 5];
        data.extend_from_slice(b"112lvu:0chunkBYTES");
        assert_eq!(decode_binary_push(&data), Some(("1", "12", "lvu:0", "chunk", &b"BYTES"[..])));
        assert_eq!(decode_binary_push(&[0, 9, 9, 9, 9]), None);
        assert_eq!(decode_binary_push(&[1]), None);
        assert_eq!(decode_binary_push(&[]), None);
    }
}
