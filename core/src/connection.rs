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
//!   the old join ref before joining anew.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::app::AppInner;
use crate::app::cookie as csrf;
use crate::protocol::Frame;
use crate::runtime::{JoinRequest, ViewHandle, ViewInput};
use crate::session::{SessionPayload, StaticPayload};
use crate::socket::ConnectInfo;
use crate::transport::{ClientConnection, Transport};
use crate::view::{MountParams, Params, Session};

/// How long a frame may wait for room in a busy view's mailbox before the connection is
/// closed (the reader thread waits, so the client is slowed down by TCP meanwhile).
const MAILBOX_WAIT: Duration = Duration::from_secs(5);

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

/// Why a join was refused: the `reason` of the error reply.
type Refusal = &'static str;
const STALE: Refusal = "stale";
const UNAUTHORIZED: Refusal = "unauthorized";

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
        Connection {
            app,
            transport,
            transport_id,
            session,
            socket_params,
            info,
            channels: HashMap::new(),
        }
    }

    /// Number of joined LiveView topics.
    pub fn joined(&self) -> usize {
        self.channels.len()
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

    fn handle_frame(&mut self, frame: Frame) {
        if frame.topic == "phoenix" {
            if frame.event == "heartbeat" {
                self.reply(&frame, None, "ok", "{}");
            } else {
                self.unmatched_topic(&frame);
            }
            return;
        }
        if frame.event == "phx_join" {
            self.join(frame);
            return;
        }
        self.route(frame);
    }

    /// Hands a frame to the view of its topic (no allocation on this path).
    fn route(&mut self, frame: Frame) {
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
            Some(handle) => deliver(handle, ViewInput::Client(frame)),
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
                    "connection {}: a view did not take a frame for {MAILBOX_WAIT:?}; closing the connection",
                    self.transport_id
                );
                self.transport.close();
            }
        }
    }

    fn join(&mut self, frame: Frame) {
        let Some(id) = frame.topic.strip_prefix("lv:") else {
            self.refuse_join(&frame, "unmatched topic");
            return;
        };
        let Some(join_ref) = frame.msg_ref.clone().or_else(|| frame.join_ref.clone()) else {
            log::warn!(
                "connection {}: phx_join on {} without a ref ignored",
                self.transport_id,
                frame.topic
            );
            return;
        };
        if let Some(old) = self.channels.remove(&frame.topic) {
            if old.handle.is_alive() {
                let _ = old.handle.send(ViewInput::Shutdown);
                self.send(Frame::encode_raw(
                    Some(&old.join_ref),
                    Some(&old.join_ref),
                    &frame.topic,
                    "phx_close",
                    "{}",
                ));
            }
        }
        let id = id.to_owned();
        let request = match self.authorize(&frame, id, join_ref.clone()) {
            Ok(request) => request,
            Err(reason) => {
                self.refuse_join(&frame, reason);
                return;
            }
        };
        let topic = request.topic.clone();
        match self.app.runtime.spawn(request) {
            Ok(handle) => {
                self.channels.insert(topic, Channel { handle, join_ref });
            }
            Err(e) => {
                log::error!("connection {}: join of {topic} refused: {e}", self.transport_id);
                self.refuse_join(&frame, "overloaded");
            }
        }
    }

    /// Checks a join against the rules in the module docs and builds the view's start.
    fn authorize(
        &self,
        frame: &Frame,
        id: String,
        join_ref: String,
    ) -> Result<JoinRequest, Refusal> {
        let payload = frame.payload.as_object().ok_or(STALE)?;
        let join_params =
            payload.get("params").and_then(Value::as_object).cloned().unwrap_or_default();
        let cookie_session = self.session.as_ref().ok_or(STALE)?;
        let secret = csrf::secret_of(cookie_session).ok_or(STALE)?;
        let join_csrf = join_params.get(csrf::CSRF_KEY).and_then(Value::as_str).unwrap_or_default();
        if !csrf::verify(join_csrf, secret) {
            log::debug!("join of {}: stale CSRF token", frame.topic);
            return Err(STALE);
        }

        let sessions = &self.app.sessions;
        let token = payload.get("session").and_then(Value::as_str).ok_or(STALE)?;
        let verified: SessionPayload = sessions.verify_session(token, &id).map_err(|e| {
            log::debug!("join of {}: {e}", frame.topic);
            STALE
        })?;
        let static_payload: Option<StaticPayload> = match payload.get("static") {
            Some(Value::String(token)) if !token.is_empty() => {
                Some(sessions.verify_static(token, &id).map_err(|e| {
                    log::debug!("join of {}: static token: {e}", frame.topic);
                    STALE
                })?)
            }
            _ => None,
        };

        let main = verified.router && verified.parent_id.is_none();
        let redirect = payload.get("redirect").and_then(Value::as_str);
        let url = payload.get("url").and_then(Value::as_str);
        let (view, params, uri, route_session, live_session) = if let Some(to) = redirect {
            let (route, params) = self.app.live.resolve_url(to).ok_or_else(|| {
                log::warn!("navigation to {to:?} failed: the URL does not point to a LiveView; reloading the page");
                UNAUTHORIZED
            })?;
            if !main || route.live_session != verified.live_session {
                log::warn!("navigation to {to:?} crosses live sessions; reloading the page");
                return Err(UNAUTHORIZED);
            }
            (
                route.view.clone(),
                MountParams::Router(params),
                Some(to),
                route.session.clone(),
                route.live_session.clone(),
            )
        } else if let (Some(url), true) = (url, main) {
            let (route, params) = self.app.live.resolve_url(url).ok_or(UNAUTHORIZED)?;
            if route.view.name() != verified.view || route.live_session != verified.live_session {
                return Err(UNAUTHORIZED);
            }
            (
                route.view.clone(),
                MountParams::Router(params),
                Some(url),
                verified.session,
                verified.live_session,
            )
        } else {
            // A renamed or removed view: the page is from an older deploy.
            let view = self.app.runtime.view(&verified.view).ok_or(STALE)?;
            (view, MountParams::NotMountedAtRouter, None, verified.session, verified.live_session)
        };

        let parent = match &verified.parent_id {
            Some(parent_id) => {
                let parent =
                    self.channels.get(&format!("lv:{parent_id}")).map(|c| c.handle.clone());
                match parent {
                    Some(handle) if handle.is_alive() => Some(handle),
                    _ => {
                        log::debug!(
                            "join of {}: parent {parent_id} is not joined on this connection",
                            frame.topic
                        );
                        return Err(STALE);
                    }
                }
            }
            None => None,
        };

        let redirected = redirect.is_some();
        let flash = match payload.get("flash").and_then(Value::as_str) {
            Some(token) => sessions.verify_flash(token).unwrap_or_default(),
            None if !redirected
                && join_params.get("_mounts").and_then(Value::as_u64) == Some(0) =>
            {
                static_payload.map(|s| s.flash).unwrap_or_default()
            }
            None => Map::new(),
        };
        let static_changed =
            static_changed(&self.app.config.tracked_static, join_params.get("_track_static"));

        let mut session = cookie_session.clone();
        session.extend(route_session);
        let mut connect_params = self.socket_params.clone();
        connect_params.remove("vsn");
        connect_params.extend(join_params);

        Ok(JoinRequest {
            topic: frame.topic.clone(),
            join_ref,
            view,
            id,
            params,
            session,
            connect_params,
            connect_info: self.info.clone(),
            uri: uri.map(str::to_owned),
            flash,
            static_changed,
            redirected,
            parent,
            live_session,
            transport: Arc::clone(&self.transport),
            transport_id: self.transport_id.clone(),
        })
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
        // Binary pushes carry upload chunks for `lvu:` topics, which no view here has joined.
        match decode_binary_push(data) {
            Some((join_ref, msg_ref, topic, event)) => {
                let frame = Frame {
                    join_ref: Some(join_ref.to_owned()),
                    msg_ref: Some(msg_ref.to_owned()),
                    topic: topic.to_owned(),
                    event: event.to_owned(),
                    payload: Value::Object(Map::new()),
                };
                self.unmatched_topic(&frame);
            }
            None => log::warn!("connection {}: ignoring malformed binary frame", self.transport_id),
        }
    }

    fn closed(&mut self) {
        for (_, channel) in self.channels.drain() {
            let _ = channel.handle.send(ViewInput::TransportClosed);
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
    /// The mailbox stayed full for [`MAILBOX_WAIT`].
    Stuck,
}

/// Puts `input` in a view's mailbox, waiting (with backoff) while it is full.
fn deliver(handle: &ViewHandle, input: ViewInput) -> Delivery {
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
        if start.elapsed() > MAILBOX_WAIT {
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

/// True when the client tracks a static asset that is not among the app's current ones
/// (compared by path, so `http://host/app.js?vsn=d` matches `/app.js?vsn=d`).
fn static_changed(tracked: &[String], client: Option<&Value>) -> bool {
    let Some(Value::Array(urls)) = client else { return false };
    if tracked.is_empty() {
        return false;
    }
    urls.iter().filter_map(Value::as_str).any(|url| {
        let parts = crate::router::split_url(url);
        let path_and_query = if parts.origin.is_empty() { url } else { &url[parts.origin.len()..] };
        !tracked.iter().any(|t| t == path_and_query || t == parts.path)
    })
}

/// Header of a client binary push: `[0][len jr][len ref][len topic][len event] …`.
fn decode_binary_push(data: &[u8]) -> Option<(&str, &str, &str, &str)> {
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
    Some((take(lens[0])?, take(lens[1])?, take(lens[2])?, take(lens[3])?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn binary_push_header() {
        let mut data = vec![0u8, 1, 2, 5, 5];
        data.extend_from_slice(b"112lvu:0chunkBYTES");
        assert_eq!(decode_binary_push(&data), Some(("1", "12", "lvu:0", "chunk")));
        assert_eq!(decode_binary_push(&[0, 9, 9, 9, 9]), None);
        assert_eq!(decode_binary_push(&[1]), None);
        assert_eq!(decode_binary_push(&[]), None);
    }

    #[test]
    fn static_tracking() {
        let tracked = vec!["/assets/app.js?vsn=2".to_owned()];
        assert!(!static_changed(&tracked, Some(&json!(["http://h:4000/assets/app.js?vsn=2"]))));
        assert!(static_changed(&tracked, Some(&json!(["http://h:4000/assets/app.js?vsn=1"]))));
        assert!(!static_changed(&[], Some(&json!(["/x.js"]))));
        assert!(!static_changed(&tracked, None));
    }
}
