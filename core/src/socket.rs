//! The socket a view's callbacks receive: assigns plus everything a callback can ask for.
//!
//! The socket records requests (navigation, pushed events, timers, subscriptions) as plain
//! data; the runtime carries them out after the callback returns. This keeps the per-view
//! state machine free of threads, so it can be tested without any.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::assigns::Assigns;
use crate::view::{Message, Params, ViewResult};

/// Where a callback asked the client to go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Navigation {
    /// `push_patch`: same view, new URL, `handle_params` runs.
    Patch {
        /// Local path.
        to: String,
        /// Replace the history entry instead of pushing one.
        replace: bool,
    },
    /// `push_navigate` (`push_redirect`): another view of the same live session, no reload.
    Navigate {
        /// Local path.
        to: String,
        /// Replace the history entry instead of pushing one.
        replace: bool,
    },
    /// `redirect`: full page load.
    Redirect {
        /// Local path, or any URL when `external`.
        to: String,
        /// The target is an external URL.
        external: bool,
    },
}

/// What a connected view knows about its connection, available during mount only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectInfo {
    /// The peer's address.
    pub peer: Option<SocketAddr>,
    /// Request headers of the socket connection (names lower-case).
    pub headers: Vec<(String, String)>,
    /// `websocket` or `longpoll`.
    pub transport: String,
}

impl ConnectInfo {
    /// A header by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A request a callback made that the runtime carries out afterwards.
#[derive(Debug)]
#[non_exhaustive]
pub enum Command {
    /// Deliver `message` to this view's `handle_info` after `delay`.
    SendAfter {
        /// The message.
        message: Message,
        /// Delay.
        delay: Duration,
    },
    /// Deliver a message produced by `make` every `period` until the view ends.
    SendInterval {
        /// Produces each tick's message.
        make: fn() -> Message,
        /// Period.
        period: Duration,
    },
    /// Update a component of this view with new assigns (`send_update[_after]`).
    SendUpdate {
        /// Registered component name.
        component: String,
        /// The component's `id`.
        id: String,
        /// Assigns passed to its `update`.
        assigns: Params,
        /// Delay (zero for `send_update`).
        delay: Duration,
    },
    /// Subscribe this view to a PubSub topic.
    Subscribe(String),
    /// Unsubscribe this view from a PubSub topic.
    Unsubscribe(String),
    /// Broadcast on a PubSub topic (`Phoenix.PubSub.broadcast/3` from a view).
    Broadcast {
        /// The topic.
        topic: String,
        /// The event name.
        event: String,
        /// The payload.
        payload: Value,
    },
    /// Run async work on its own thread (`assign_async`, `start_async`).
    Async(crate::async_ops::AsyncTask),
}

/// The socket: assigns, flash, connection facts and pending requests of one view (or
/// component).
#[derive(Debug)]
pub struct Socket {
    id: String,
    assigns: Assigns,
    connected: bool,
    in_mount: bool,
    connect_params: Option<Params>,
    connect_info: Option<ConnectInfo>,
    static_changed: bool,
    transport_id: Option<String>,
    flash: Map<String, Value>,
    flash_changed: bool,
    events: Vec<(String, Value)>,
    navigation: Option<Navigation>,
    reply: Option<Value>,
    temporary: Vec<(String, Value)>,
    layout: Option<Option<String>>,
    commands: Vec<Command>,
    parent_assigns: Option<Map<String, Value>>,
    assign_new_keys: Vec<String>,
    streams: crate::stream::Streams,
    async_state: crate::async_ops::AsyncState,
    uploads: crate::upload::Uploads,
}

impl Socket {
    /// A socket for a view with DOM id `id`; `connected` is false for the HTTP render.
    pub fn new(id: impl Into<String>, connected: bool) -> Socket {
        Socket {
            id: id.into(),
            assigns: Assigns::new(),
            connected,
            in_mount: true,
            connect_params: None,
            connect_info: None,
            static_changed: false,
            transport_id: None,
            flash: Map::new(),
            flash_changed: false,
            events: Vec::new(),
            navigation: None,
            reply: None,
            temporary: Vec::new(),
            layout: None,
            commands: Vec::new(),
            parent_assigns: None,
            assign_new_keys: Vec::new(),
            streams: crate::stream::Streams::default(),
            async_state: crate::async_ops::AsyncState::default(),
            uploads: crate::upload::Uploads::default(),
        }
    }

    // ----- identity and connection -------------------------------------------------------

    /// The view's DOM id (`phx-...` for root views, the given id for children).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// True when the browser is connected (`connected?/1`); false during the HTTP render.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// Params the client sent when connecting (`_csrf_token`, `_mounts`, `_track_static`, and
    /// the app's own); `None` when not connected or after mount (`get_connect_params/1`).
    pub fn connect_params(&self) -> Option<&Params> {
        if self.in_mount { self.connect_params.as_ref() } else { None }
    }

    /// Peer address and headers of the connection; `None` when not connected or after mount
    /// (`get_connect_info/1`).
    pub fn connect_info(&self) -> Option<&ConnectInfo> {
        if self.in_mount { self.connect_info.as_ref() } else { None }
    }

    /// True when connected and the client's tracked static assets (`phx-track-static`)
    /// differ from the server's (`static_changed?/1`).
    pub fn static_changed(&self) -> bool {
        self.connected && self.static_changed
    }

    /// Identifier of the transport connection carrying this view (`transport_pid/1`);
    /// `None` when not connected.
    pub fn transport_id(&self) -> Option<&str> {
        self.transport_id.as_deref()
    }

    // ----- assigns -------------------------------------------------------------------------

    /// The assigns.
    pub fn assigns(&self) -> &Assigns {
        &self.assigns
    }

    /// The assigns, mutably.
    pub fn assigns_mut(&mut self) -> &mut Assigns {
        &mut self.assigns
    }

    /// Assigns one key (`assign/3`).
    ///
    /// # Errors
    /// When `value` cannot be serialized to JSON.
    pub fn assign(&mut self, key: &str, value: impl Serialize) -> ViewResult<&mut Socket> {
        self.assigns.set(key, value)?;
        Ok(self)
    }

    /// Assigns every key of a JSON object (`assign/2` with a map or keyword list).
    ///
    /// # Errors
    /// When `values` does not serialize to a JSON object.
    pub fn assign_many(&mut self, values: impl Serialize) -> ViewResult<&mut Socket> {
        match serde_json::to_value(values)? {
            Value::Object(map) => {
                for (key, value) in map {
                    self.assigns.put(key, value);
                }
                Ok(self)
            }
            other => Err(format!("assign_many expects an object, got {other}").into()),
        }
    }

    /// Assigns `key` only if absent (`assign_new/3`). On mount, a value shared by the parent
    /// view (or the HTTP request) under the same key is taken first.
    ///
    /// # Errors
    /// When the computed value cannot be serialized.
    pub fn assign_new<T: Serialize>(
        &mut self,
        key: &str,
        compute: impl FnOnce() -> T,
    ) -> ViewResult<&mut Socket> {
        if self.assigns.contains(key) {
            return Ok(self);
        }
        if let Some(shared) = self.parent_assigns.as_ref().and_then(|p| p.get(key)) {
            let shared = shared.clone();
            self.assigns.put(key, shared);
            self.assign_new_keys.push(key.to_owned());
            return Ok(self);
        }
        self.assigns.set(key, compute())?;
        Ok(self)
    }

    /// Replaces `key` with `update(current)` (`update/3`).
    ///
    /// # Errors
    /// When `key` is not assigned (Phoenix raises) or the new value cannot be serialized.
    pub fn update<T, U>(
        &mut self,
        key: &str,
        update: impl FnOnce(T) -> U,
    ) -> ViewResult<&mut Socket>
    where
        T: serde::de::DeserializeOwned,
        U: Serialize,
    {
        let current = self
            .assigns
            .get(key)
            .ok_or_else(|| format!("update: assign {key:?} does not exist"))?;
        let current: T = serde_json::from_value(current.clone())?;
        self.assigns.set(key, update(current))?;
        Ok(self)
    }

    /// Declares assigns reset to `default` after every render (mount option
    /// `temporary_assigns`).
    pub fn set_temporary_assigns(&mut self, defaults: impl IntoIterator<Item = (String, Value)>) {
        self.temporary = defaults.into_iter().collect();
    }

    /// The temporary assigns and their defaults.
    pub fn temporary_assigns(&self) -> &[(String, Value)] {
        &self.temporary
    }

    /// Chooses the layout for this mount (mount option `layout`; `None` disables it).
    pub fn set_layout(&mut self, layout: Option<String>) {
        self.layout = Some(layout);
    }

    /// The layout chosen at mount: `None` if not set, `Some(None)` if disabled.
    pub fn layout(&self) -> Option<Option<&str>> {
        self.layout.as_ref().map(Option::as_deref)
    }

    // ----- flash ----------------------------------------------------------------------------

    /// Adds a flash message (`put_flash/3`); also visible as the `flash` assign.
    pub fn put_flash(&mut self, kind: &str, message: impl Into<String>) {
        self.flash.insert(kind.to_owned(), Value::String(message.into()));
        self.sync_flash();
    }

    /// Clears every flash message (`clear_flash/1`).
    pub fn clear_flash(&mut self) {
        self.flash.clear();
        self.sync_flash();
    }

    /// Clears one kind of flash message (`clear_flash/2`).
    pub fn clear_flash_key(&mut self, kind: &str) {
        self.flash.remove(kind);
        self.sync_flash();
    }

    /// The current flash messages.
    pub fn flash(&self) -> &Map<String, Value> {
        &self.flash
    }

    fn sync_flash(&mut self) {
        self.flash_changed = true;
        self.assigns.put("flash", Value::Object(self.flash.clone()));
    }

    // ----- client requests -------------------------------------------------------------------

    /// Pushes an event to the client's hooks and `window` (`push_event/3`).
    ///
    /// # Errors
    /// When `payload` cannot be serialized.
    pub fn push_event(&mut self, event: &str, payload: impl Serialize) -> ViewResult<&mut Socket> {
        self.events.push((event.to_owned(), serde_json::to_value(payload)?));
        Ok(self)
    }

    /// Navigates within this view (`push_patch/2`); `handle_params` runs with the new URL.
    pub fn push_patch(&mut self, to: impl Into<String>, replace: bool) {
        self.navigation = Some(Navigation::Patch { to: to.into(), replace });
    }

    /// Navigates to another view without a page load (`push_navigate/2`).
    pub fn push_navigate(&mut self, to: impl Into<String>, replace: bool) {
        self.navigation = Some(Navigation::Navigate { to: to.into(), replace });
    }

    /// Alias of [`Socket::push_navigate`] (the seed's `push_redirect/2`).
    pub fn push_redirect(&mut self, to: impl Into<String>, replace: bool) {
        self.push_navigate(to, replace);
    }

    /// Full page redirect to a local path (`redirect(socket, to: ...)`).
    pub fn redirect(&mut self, to: impl Into<String>) {
        self.navigation = Some(Navigation::Redirect { to: to.into(), external: false });
    }

    /// Full page redirect to an external URL (`redirect(socket, external: ...)`).
    pub fn redirect_external(&mut self, url: impl Into<String>) {
        self.navigation = Some(Navigation::Redirect { to: url.into(), external: true });
    }

    /// Sets the reply of the current `handle_event` (`{:reply, map, socket}`); it reaches a
    /// hook's `pushEvent` callback.
    ///
    /// # Errors
    /// When `reply` cannot be serialized.
    pub fn reply(&mut self, reply: impl Serialize) -> ViewResult<&mut Socket> {
        self.reply = Some(serde_json::to_value(reply)?);
        Ok(self)
    }

    /// Sets the page title (the `page_title` assign, sent as `t`).
    pub fn set_page_title(&mut self, title: impl Into<String>) {
        self.assigns.put("page_title", Value::String(title.into()));
    }

    // ----- messages --------------------------------------------------------------------------

    /// Sends `message` to this view's `handle_info` after `delay` (`Process.send_after`).
    pub fn send_after(&mut self, message: Message, delay: Duration) {
        self.commands.push(Command::SendAfter { message, delay });
    }

    /// Sends `make()` to this view's `handle_info` every `period` (`:timer.send_interval`).
    pub fn send_interval(&mut self, period: Duration, make: fn() -> Message) {
        self.commands.push(Command::SendInterval { make, period });
    }

    /// Updates component `component` with id `id` (`send_update/2`).
    pub fn send_update(&mut self, component: &str, id: &str, assigns: Params) {
        self.send_update_after(component, id, assigns, Duration::ZERO);
    }

    /// Like [`Socket::send_update`], after `delay` (`send_update_after/3`).
    pub fn send_update_after(
        &mut self,
        component: &str,
        id: &str,
        assigns: Params,
        delay: Duration,
    ) {
        self.commands.push(Command::SendUpdate {
            component: component.to_owned(),
            id: id.to_owned(),
            assigns,
            delay,
        });
    }

    /// Subscribes this view to a PubSub topic; broadcasts arrive in `handle_info` as
    /// [`crate::Broadcast`].
    pub fn subscribe(&mut self, topic: &str) {
        self.commands.push(Command::Subscribe(topic.to_owned()));
    }

    /// Unsubscribes from a PubSub topic.
    pub fn unsubscribe(&mut self, topic: &str) {
        self.commands.push(Command::Unsubscribe(topic.to_owned()));
    }

    /// Broadcasts `payload` to every view subscribed to `topic` — on every node when the app
    /// uses a multi-node PubSub — including this one if it is subscribed
    /// (`Phoenix.PubSub.broadcast/3`). Sent after the callback returns.
    ///
    /// # Errors
    /// When `payload` cannot be serialized.
    pub fn broadcast(
        &mut self,
        topic: &str,
        event: &str,
        payload: impl Serialize,
    ) -> ViewResult<&mut Socket> {
        let payload = serde_json::to_value(payload)?;
        self.commands.push(Command::Broadcast {
            topic: topic.to_owned(),
            event: event.to_owned(),
            payload,
        });
        Ok(self)
    }

    // ----- runtime side ----------------------------------------------------------------------
    // Used by the runtime (and tests) to set up and drain the socket around callbacks.

    /// Sets what the runtime knows about the connection before a connected mount.
    pub fn set_connection(
        &mut self,
        params: Params,
        info: ConnectInfo,
        transport_id: String,
        static_changed: bool,
    ) {
        self.connect_params = Some(params);
        self.connect_info = Some(info);
        self.transport_id = Some(transport_id);
        self.static_changed = static_changed;
    }

    /// Assigns shared by the parent view or the HTTP request, used by `assign_new` on mount.
    pub fn set_parent_assigns(&mut self, assigns: Map<String, Value>) {
        self.parent_assigns = Some(assigns);
    }

    /// Keys `assign_new` took from the parent's (or the HTTP request's) assigns.
    pub fn assign_new_keys(&self) -> &[String] {
        &self.assign_new_keys
    }

    /// Sets the initial flash (from the page or a live redirect).
    pub fn set_initial_flash(&mut self, flash: Map<String, Value>) {
        self.flash = flash;
        self.assigns.put("flash", Value::Object(self.flash.clone()));
        self.flash_changed = false;
    }

    /// Ends the mount phase: connect params and info are no longer available.
    pub fn finish_mount(&mut self) {
        self.in_mount = false;
        self.connect_params = None;
        self.connect_info = None;
        self.parent_assigns = None;
    }

    /// True while `mount` runs.
    pub fn is_mounting(&self) -> bool {
        self.in_mount
    }

    /// Takes the pushed events.
    pub fn take_events(&mut self) -> Vec<(String, Value)> {
        std::mem::take(&mut self.events)
    }

    /// The pending navigation request, if any.
    pub(crate) fn navigation(&self) -> Option<&Navigation> {
        self.navigation.as_ref()
    }

    /// Takes the navigation request.
    pub fn take_navigation(&mut self) -> Option<Navigation> {
        self.navigation.take()
    }

    /// Takes the event reply.
    pub fn take_reply(&mut self) -> Option<Value> {
        self.reply.take()
    }

    /// Takes the runtime commands.
    pub fn take_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.commands)
    }

    /// True if the flash changed since the last call (then resets the flag).
    pub fn take_flash_changed(&mut self) -> bool {
        std::mem::take(&mut self.flash_changed)
    }

    // ----- uploads ------------------------------------------------------------------------

    /// Allows uploads under `name` (Phoenix's `allow_upload/3`); the template reads them as
    /// the `uploads.<name>` assign.
    pub fn allow_upload(&mut self, name: &str, config: crate::upload::UploadConfig) {
        self.uploads.allow(name, config);
        self.sync_uploads();
    }

    /// Cancels entry `entry_ref` of upload `name` (Phoenix's `cancel_upload/3`).
    ///
    /// # Errors
    /// [`crate::upload::UploadError::NotAllowed`] for an unknown name.
    pub fn cancel_upload(
        &mut self,
        name: &str,
        entry_ref: &str,
    ) -> Result<(), crate::upload::UploadError> {
        self.uploads.cancel(name, Some(entry_ref))?;
        self.sync_uploads();
        Ok(())
    }

    /// The entries of upload `name`: `(done, in progress)` (Phoenix's `uploaded_entries/2`).
    ///
    /// # Errors
    /// [`crate::upload::UploadError::NotAllowed`] for an unknown name.
    pub fn uploaded_entries(
        &self,
        name: &str,
    ) -> Result<
        (Vec<crate::upload::UploadEntry>, Vec<crate::upload::UploadEntry>),
        crate::upload::UploadError,
    > {
        let upload = self
            .uploads
            .get(name)
            .ok_or_else(|| crate::upload::UploadError::NotAllowed(name.into()))?;
        Ok(upload.entries().iter().cloned().partition(|e| e.done))
    }

    /// Hands every done entry of `name` and its temp file to `f`, then removes them
    /// (Phoenix's `consume_uploaded_entries/3`). Keep what you need: the file is deleted
    /// when `f` returns.
    ///
    /// # Errors
    /// [`crate::upload::UploadError::NotAllowed`] for an unknown name.
    pub fn consume_uploaded_entries<T>(
        &mut self,
        name: &str,
        f: impl FnMut(&std::path::Path, &crate::upload::UploadEntry) -> T,
    ) -> Result<Vec<T>, crate::upload::UploadError> {
        let results = self.uploads.consume(name, f)?;
        self.sync_uploads();
        Ok(results)
    }

    pub(crate) fn uploads_mut(&mut self) -> &mut crate::upload::Uploads {
        &mut self.uploads
    }

    /// Writes the `uploads` assign from the upload state.
    pub(crate) fn sync_uploads(&mut self) {
        let value = self.uploads.to_assign();
        self.assigns.put("uploads", value);
    }

    pub(crate) fn async_state_mut(&mut self) -> &mut crate::async_ops::AsyncState {
        &mut self.async_state
    }

    pub(crate) fn push_command(&mut self, command: Command) {
        self.commands.push(command);
    }

    pub(crate) fn streams(&self) -> &crate::stream::Streams {
        &self.streams
    }

    pub(crate) fn streams_mut(&mut self) -> &mut crate::stream::Streams {
        &mut self.streams
    }

    /// Resets temporary assigns to their defaults and prunes streams; called after each
    /// render.
    pub fn reset_temporary_assigns(&mut self) {
        self.prune_streams();
        for (key, default) in &self.temporary {
            // Direct write without marking: the reset value must not cause a re-render.
            let changed = self.assigns.is_changed(key);
            self.assigns.put(key.clone(), default.clone());
            if !changed && !self.assigns.is_all_changed() {
                self.assigns.clear_key_change(key);
            }
        }
    }
}

impl Assigns {
    /// Removes `key` from the changed set (used when resetting temporary assigns).
    pub(crate) fn clear_key_change(&mut self, key: &str) {
        self.unmark_changed(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn connect_params_only_during_mount() {
        let mut s = Socket::new("phx-1", true);
        s.set_connection(Params::new(), ConnectInfo::default(), "t1".into(), false);
        assert!(s.connect_params().is_some());
        s.finish_mount();
        assert!(s.connect_params().is_none());
        assert!(s.connect_info().is_none());
    }

    #[test]
    fn update_requires_existing_key() {
        let mut s = Socket::new("phx-1", false);
        assert!(s.update("count", |c: i64| c + 1).is_err());
        s.assign("count", 1).unwrap();
        s.update("count", |c: i64| c + 1).unwrap();
        assert_eq!(s.assigns().get("count"), Some(&json!(2)));
    }

    #[test]
    fn assign_new_prefers_parent() {
        let mut s = Socket::new("child", true);
        let mut parent = Map::new();
        parent.insert("user".into(), json!("ada"));
        s.set_parent_assigns(parent);
        s.assign_new("user", || "computed").unwrap();
        assert_eq!(s.assigns().get("user"), Some(&json!("ada")));
    }

    #[test]
    fn flash_is_an_assign() {
        let mut s = Socket::new("phx-1", true);
        s.put_flash("info", "saved");
        assert_eq!(s.assigns().get("flash"), Some(&json!({"info": "saved"})));
        s.clear_flash_key("info");
        assert_eq!(s.assigns().get("flash"), Some(&json!({})));
    }
}
