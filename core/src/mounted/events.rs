//! Client frames of a joined view (`event`, `live_patch`, `cids_will_destroy`,
//! `cids_destroyed`, `phx_leave`) and what follows every callback: navigation, render, reply.

use serde_json::{Map, Value, json};

use super::{Crash, MountedView, Out, guard, kind};
use crate::diff::Diff;
use crate::form::decode_form_event;
use crate::protocol::Frame;
use crate::rendered::Cid;
use crate::socket::Navigation;
use crate::view::TerminateReason;

impl MountedView {
    /// Handles one client frame of this view's topic (anything but `phx_join`).
    ///
    /// Malformed frames get an error reply; only user code can crash the view.
    ///
    /// # Errors
    /// [`Crash`] when a callback fails.
    pub fn handle_client(&mut self, frame: Frame) -> Result<(), Crash> {
        let Frame { msg_ref, event, payload, .. } = frame;
        match event.as_str() {
            "event" => self.client_event(msg_ref, payload),
            "live_patch" => self.live_patch(msg_ref, &payload),
            "cids_will_destroy" => {
                let Some(cids) = cids(&payload) else {
                    return self.malformed(msg_ref, "cids_will_destroy");
                };
                for cid in cids {
                    self.components.mark_for_deletion(cid);
                }
                self.reply_ok(msg_ref, "{}".into());
                Ok(())
            }
            "cids_destroyed" => {
                let Some(cids) = cids(&payload) else {
                    return self.malformed(msg_ref, "cids_destroyed");
                };
                let deleted = self.components.delete_marked(&cids);
                for &cid in &deleted {
                    self.tracker.forget_component(cid);
                }
                self.reply_ok(msg_ref, json!({ "cids": deleted }).to_string());
                Ok(())
            }
            "allow_upload" => self.allow_upload(msg_ref, &payload),
            "progress" if !payload.get("ref").is_some_and(Value::is_string) => {
                self.malformed(msg_ref, "progress")
            }
            "progress" => {
                self.with_upload_socket(&payload, |socket| {
                    if socket.uploads_mut().progress(&payload) {
                        socket.sync_uploads();
                    }
                });
                self.handle_changed(msg_ref, 0, None)
            }
            "phx_leave" => {
                self.reply_ok(msg_ref, "{}".into());
                self.out.push(Out::Close);
                self.stopped = Some(TerminateReason::Left);
                Ok(())
            }
            other => {
                log::warn!("view {} ({}): {other:?} is not supported", self.def.name(), self.id);
                self.out.push(Out::Reply {
                    msg_ref,
                    ok: false,
                    response: json!({ "reason": format!("{other} is not supported") }).to_string(),
                });
                Ok(())
            }
        }
    }

    /// `event`: `{"type", "event", "value", "cid"?, "meta"?}`.
    fn client_event(&mut self, msg_ref: Option<String>, payload: Value) -> Result<(), Crash> {
        let Value::Object(mut payload) = payload else { return self.malformed(msg_ref, "event") };
        let Some(Value::String(event)) = payload.remove("event") else {
            return self.malformed(msg_ref, "event");
        };
        let value = payload.remove("value").unwrap_or(Value::Null);
        let value = match (payload.get("type").and_then(Value::as_str), value) {
            (Some("form"), Value::String(encoded)) => Value::Object(decode_form_event(
                &encoded,
                payload.get("meta").and_then(Value::as_object),
            )),
            (_, value) => value,
        };
        if let Some(uploads) = payload.get("uploads") {
            self.with_upload_socket(&Value::Object(payload.clone()), |socket| {
                if socket.uploads_mut().register(uploads) {
                    socket.sync_uploads();
                }
            });
        }
        if event == "lv:clear-flash" {
            match value.get("key").and_then(Value::as_str) {
                Some(key) => self.socket.clear_flash_key(key),
                None => self.socket.clear_flash(),
            }
            return self.handle_changed(msg_ref, 0, None);
        }
        if event.starts_with("lv:") {
            return Err(Crash::new("handle_event", format!("unknown internal event {event:?}")));
        }
        match payload.get("cid").and_then(Value::as_u64) {
            Some(cid) => {
                let cid = Cid::try_from(cid).unwrap_or(Cid::MAX);
                let Some(state) = self.components.get_mut(cid) else {
                    log::debug!(
                        "view {}: event {event:?} for unknown component {cid} ignored",
                        self.id
                    );
                    self.reply_ok(msg_ref, "{}".into());
                    return Ok(());
                };
                let Some(instance) = state.instance.as_mut() else {
                    self.reply_ok(msg_ref, "{}".into());
                    return Ok(());
                };
                let socket = &mut state.socket;
                guard("handle_event", || instance.handle_event(&event, value, socket))?;
                self.drain_component(cid);
                self.dirty.push(cid);
            }
            None => {
                let (view, socket) = (&mut self.view, &mut self.socket);
                guard("handle_event", || view.handle_event(&event, value, socket))?;
            }
        }
        self.handle_changed(msg_ref, 0, None)
    }

    /// `allow_upload` (preflight): entry tokens, config and errors, plus the diff of the
    /// entries now marked preflighted. Always status `ok`, as Phoenix.
    fn allow_upload(&mut self, msg_ref: Option<String>, payload: &Value) -> Result<(), Crash> {
        if !payload.get("ref").is_some_and(Value::is_string) {
            return self.malformed(msg_ref, "allow_upload");
        }
        let topic = format!("lv:{}", self.id);
        let mut reply = self
            .with_upload_socket(payload, |socket| {
                let reply = socket.uploads_mut().preflight(&topic, payload);
                socket.sync_uploads();
                reply
            })
            .unwrap_or_else(|| {
                let upload_ref = payload.get("ref").cloned().unwrap_or(Value::Null);
                json!({ "ref": upload_ref, "error": [[upload_ref, "disallowed"]] })
            });
        let diff = self.render_diff()?;
        if !diff.is_empty() {
            let diff: Value =
                serde_json::from_str(&diff.to_json()).map_err(|e| Crash::new("allow_upload", e))?;
            reply["diff"] = diff;
        }
        self.reply_ok(msg_ref, reply.to_string());
        Ok(())
    }

    /// Runs `f` on the socket that owns the uploads of `payload`: the component of its
    /// `cid` (then marked for re-render), else the view's. `None` for an unknown component.
    fn with_upload_socket<T>(
        &mut self,
        payload: &Value,
        f: impl FnOnce(&mut crate::socket::Socket) -> T,
    ) -> Option<T> {
        match payload.get("cid").and_then(Value::as_u64) {
            Some(cid) => {
                let cid = Cid::try_from(cid).ok()?;
                let result = f(&mut self.components.get_mut(cid)?.socket);
                self.dirty.push(cid);
                Some(result)
            }
            None => Some(f(&mut self.socket)),
        }
    }

    /// `live_patch`: `handle_params` with the new URL, or `link_redirect` when it belongs to
    /// another view.
    fn live_patch(&mut self, msg_ref: Option<String>, payload: &Value) -> Result<(), Crash> {
        let Some(url) = payload.get("url").and_then(Value::as_str) else {
            return self.malformed(msg_ref, "live_patch");
        };
        let Some(params) = self.route_params(url) else {
            self.reply_ok(msg_ref, r#"{"link_redirect":true}"#.into());
            return Ok(());
        };
        self.socket.clear_flash();
        self.uri = Some(url.to_owned());
        let (view, socket) = (&mut self.view, &mut self.socket);
        guard("handle_params", || view.handle_params(&params, url, socket))?;
        self.handle_changed(msg_ref, 0, None)
    }

    /// After a callback: follow its navigation, or render and reply (`msg_ref`) / push the
    /// diff. `patch` is the `push_patch` that led here (pushed as `live_patch` first).
    pub(super) fn handle_changed(
        &mut self,
        msg_ref: Option<String>,
        rounds: u32,
        patch: Option<(String, bool)>,
    ) -> Result<(), Crash> {
        match self.take_navigation()? {
            None => {
                let diff = self.render_diff()?;
                if let Some((to, replace)) = patch {
                    let payload = json!({ "to": to, "kind": kind(replace) }).to_string();
                    self.out.push(Out::Push { event: "live_patch", payload });
                }
                self.send_diff(msg_ref, &diff);
                Ok(())
            }
            Some(Navigation::Patch { to, replace }) if self.is_child => {
                self.parent_patch = Some((to, replace));
                self.handle_changed(msg_ref, rounds, patch)
            }
            Some(Navigation::Patch { to, replace }) => {
                self.patch_params(&to, rounds + 1)?;
                self.handle_changed(msg_ref, rounds + 1, Some((to, replace)))
            }
            Some(navigation) => {
                self.redirect(msg_ref, &navigation);
                Ok(())
            }
        }
    }

    /// `redirect` / `push_navigate`: pending events first, then the redirect (as the reply
    /// when answering a client message), then `phx_close`; the view ends.
    fn redirect(&mut self, msg_ref: Option<String>, navigation: &Navigation) {
        let events = self.take_events();
        if !events.is_empty() {
            let diff = Diff { events, ..Diff::default() };
            self.out.push(Out::Push { event: "diff", payload: diff.to_json() });
        }
        let (key, payload) = self.navigation_payload(navigation);
        match msg_ref {
            Some(msg_ref) => {
                let mut response = Map::new();
                response.insert(key.to_owned(), payload);
                self.out.push(Out::Reply {
                    msg_ref: Some(msg_ref),
                    ok: true,
                    response: Value::Object(response).to_string(),
                });
            }
            None => self.out.push(Out::Push { event: key, payload: payload.to_string() }),
        }
        self.out.push(Out::Close);
        self.stopped = Some(TerminateReason::Normal);
    }

    fn send_diff(&mut self, msg_ref: Option<String>, diff: &Diff) {
        match msg_ref {
            Some(msg_ref) => {
                let response = if diff.is_empty() {
                    "{}".to_owned()
                } else {
                    let json = diff.to_json();
                    let mut response = String::with_capacity(json.len() + 9);
                    response.push_str("{\"diff\":");
                    response.push_str(&json);
                    response.push('}');
                    response
                };
                self.out.push(Out::Reply { msg_ref: Some(msg_ref), ok: true, response });
            }
            None if !diff.is_empty() => {
                self.out.push(Out::Push { event: "diff", payload: diff.to_json() })
            }
            None => {}
        }
    }

    fn reply_ok(&mut self, msg_ref: Option<String>, response: String) {
        self.out.push(Out::Reply { msg_ref, ok: true, response });
    }

    fn malformed(&mut self, msg_ref: Option<String>, what: &str) -> Result<(), Crash> {
        log::warn!("view {} ({}): malformed {what} payload", self.def.name(), self.id);
        self.out.push(Out::Reply {
            msg_ref,
            ok: false,
            response: json!({ "reason": format!("malformed {what} payload") }).to_string(),
        });
        Ok(())
    }
}

/// `{"cids": [1, 2]}` → the cids; `None` when malformed.
fn cids(payload: &Value) -> Option<Vec<Cid>> {
    payload
        .get("cids")?
        .as_array()?
        .iter()
        .map(|c| c.as_u64().and_then(|c| Cid::try_from(c).ok()))
        .collect()
}
