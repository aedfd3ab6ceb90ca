//! The `phx_join` half of the socket: which joins are accepted, and what a view starts with.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Channel, Connection, Delivery, deliver};
use crate::app::cookie as csrf;
use crate::protocol::Frame;
use crate::runtime::{JoinRequest, ViewInput};
use crate::session::{SessionPayload, StaticPayload};
use crate::view::MountParams;

/// Why a join was refused: the `reason` of the error reply.
type Refusal = &'static str;
const STALE: Refusal = "stale";
const UNAUTHORIZED: Refusal = "unauthorized";
const TOO_MANY_VIEWS: Refusal = "too many views";

impl Connection {
    pub(super) fn join(&mut self, frame: Frame) {
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
                let wait = self.limits().mailbox_wait;
                if let Delivery::Stuck = deliver(&old.handle, ViewInput::Shutdown, wait) {
                    log::warn!(
                        "connection {}: {} did not take Shutdown",
                        self.transport_id,
                        frame.topic
                    );
                }
                self.send(Frame::encode_raw(
                    Some(&old.join_ref),
                    Some(&old.join_ref),
                    &frame.topic,
                    "phx_close",
                    "{}",
                ));
            }
        }
        // Views that ended on their own (crash, redirect) no longer count.
        self.channels.retain(|_, channel| channel.handle.is_alive());
        if self.channels.len() >= self.limits().max_views_per_connection {
            log::warn!(
                "connection {}: join of {} refused: {} views joined (max_views_per_connection)",
                self.transport_id,
                frame.topic,
                self.channels.len()
            );
            self.refuse_join(&frame, TOO_MANY_VIEWS);
            return;
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
            if !main {
                log::warn!("navigation to {to:?} from a nested or sticky view refused");
                return Err(UNAUTHORIZED);
            }
            if route.live_session != verified.live_session {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn static_tracking() {
        let tracked = vec!["/assets/app.js?vsn=2".to_owned()];
        assert!(!static_changed(&tracked, Some(&json!(["http://h:4000/assets/app.js?vsn=2"]))));
        assert!(static_changed(&tracked, Some(&json!(["http://h:4000/assets/app.js?vsn=1"]))));
        assert!(!static_changed(&[], Some(&json!(["/x.js"]))));
        assert!(!static_changed(&tracked, None));
    }
}
