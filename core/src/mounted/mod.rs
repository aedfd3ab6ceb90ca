//! `MountedView`: the pure per-view state machine (Phoenix's `channel.ex` without the
//! process). It takes a client frame or a message and leaves replies and pushes in its
//! outbox ([`Out`]); it touches neither threads nor sockets, so it is tested without any.
//!
//! Flow: mount (connected or static) → handle_params (router views) → render → resolve
//! `ComponentCall`s and `ChildCall`s → [`DiffTracker`] → wire JSON.

mod events;
mod render;

use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::component::Components;
use crate::diff::{Diff, DiffTracker};
use crate::on_mount::OnMount;
use crate::registry::{ErasedView, ViewDef};
use crate::rendered::{Cid, Rendered};
use crate::runtime::{Runtime, StaticError, StaticRender};
use crate::socket::{Command, ConnectInfo, Navigation, Socket};
use crate::view::{Message, MountParams, Params, Session, Template, TerminateReason, ViewResult};

/// The client version we speak, sent in every join reply.
pub const LIVEVIEW_VERSION: &str = "1.2.10";

/// Phoenix's limit of `push_patch` → `handle_params` → `push_patch` rounds in one step.
const MAX_PATCH_REDIRECTS: u32 = 20;

/// What a connected mount knows about its connection.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MountConnection {
    /// The join payload's `params` (`get_connect_params`).
    pub params: Params,
    /// Peer and headers (`get_connect_info`).
    pub info: ConnectInfo,
    /// Identifies the transport connection.
    pub transport_id: String,
    /// The client's tracked static assets changed.
    pub static_changed: bool,
}

/// Everything a mount needs.
#[derive(Debug)]
pub struct MountArgs {
    /// The view's DOM id.
    pub id: String,
    /// The view type.
    pub view: Arc<ViewDef>,
    /// Router params or not mounted at the router.
    pub params: MountParams,
    /// The user session.
    pub session: Session,
    /// Absolute URL (router views).
    pub uri: Option<String>,
    /// Initial flash.
    pub flash: Map<String, Value>,
    /// `Some` for a connected mount, `None` for the HTTP render.
    pub connection: Option<MountConnection>,
    /// Assigns `assign_new` may take (the HTTP request's or the parent view's).
    pub parent_assigns: Option<Map<String, Value>>,
    /// The parent view's id (children).
    pub parent_id: Option<String>,
    /// The root view's id (children).
    pub root_id: Option<String>,
    /// The live session of a routed view: its `on_mount` hooks run before `mount`.
    pub live_session: Option<String>,
}

/// A callback failed: returned `Err`, panicked, or its template did not render.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Crash {
    /// `mount`, `handle_event`, `render`, `update`, ...
    pub callback: &'static str,
    /// What happened.
    pub error: String,
}

impl Crash {
    pub(crate) fn new(callback: &'static str, error: impl fmt::Display) -> Crash {
        Crash { callback, error: error.to_string() }
    }
}

impl fmt::Display for Crash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {}", self.callback, self.error)
    }
}

impl std::error::Error for Crash {}

/// Runs one user callback, turning `Err` and panics into a [`Crash`].
pub(crate) fn guard<T>(
    callback: &'static str,
    f: impl FnOnce() -> ViewResult<T>,
) -> Result<T, Crash> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(Crash::new(callback, error)),
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".to_owned());
            Err(Crash { callback, error: format!("panicked: {text}") })
        }
    }
}

/// One frame the view wants sent, without topic and join ref (the shell adds them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Out {
    /// `phx_reply` to the client message `msg_ref`.
    Reply {
        /// The client message's ref.
        msg_ref: Option<String>,
        /// `ok` or `error`.
        ok: bool,
        /// The `response` object, serialized.
        response: String,
    },
    /// A server push: `diff`, `live_patch`, `live_redirect`, `redirect`.
    Push {
        /// The event name.
        event: &'static str,
        /// The payload object, serialized.
        payload: String,
    },
    /// `phx_close`: the view ends (after leave or redirect).
    Close,
}

impl Out {
    /// The V2 frame text on `topic` for a channel joined with `join_ref`, written into one
    /// string (this is the hot path of every event).
    pub fn encode(&self, topic: &str, join_ref: &str) -> String {
        let body = match self {
            Out::Reply { response, .. } => response.len() + 40,
            Out::Push { payload, .. } => payload.len() + 16,
            Out::Close => 16,
        };
        let mut out = String::with_capacity(body + topic.len() + 2 * join_ref.len() + 16);
        out.push('[');
        push_json_str(&mut out, join_ref);
        out.push(',');
        match self {
            Out::Reply { msg_ref, ok, response } => {
                match msg_ref {
                    Some(msg_ref) => push_json_str(&mut out, msg_ref),
                    None => out.push_str("null"),
                }
                out.push(',');
                push_json_str(&mut out, topic);
                out.push_str(if *ok {
                    r#","phx_reply",{"status":"ok","response":"#
                } else {
                    r#","phx_reply",{"status":"error","response":"#
                });
                out.push_str(response);
                out.push('}');
            }
            Out::Push { event, payload } => {
                out.push_str("null,");
                push_json_str(&mut out, topic);
                out.push(',');
                push_json_str(&mut out, event);
                out.push(',');
                out.push_str(payload);
            }
            Out::Close => {
                push_json_str(&mut out, join_ref);
                out.push(',');
                push_json_str(&mut out, topic);
                out.push_str(r#","phx_close",{}"#);
            }
        }
        out.push(']');
        out
    }
}

/// Appends `text` as a JSON string literal.
fn push_json_str(out: &mut String, text: &str) {
    out.push('"');
    if !text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(text);
    } else {
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
    }
    out.push('"');
}

/// Runs the live session's `on_mount` hooks of a routed root view; a halt must come with a
/// redirect or `push_navigate`.
fn run_on_mount(rt: &Runtime, args: &MountArgs, socket: &mut Socket) -> Result<OnMount, Crash> {
    if args.parent_id.is_some() || !matches!(args.params, MountParams::Router(_)) {
        return Ok(OnMount::Cont);
    }
    let Some(hooks) = rt.shared.on_mount.get(&args.live_session) else { return Ok(OnMount::Cont) };
    for hook in hooks {
        if guard("on_mount", || hook(&args.params, &args.session, socket))? == OnMount::Halt {
            return match socket.navigation() {
                Some(Navigation::Redirect { .. } | Navigation::Navigate { .. }) => {
                    Ok(OnMount::Halt)
                }
                _ => Err(Crash::new(
                    "on_mount",
                    "halted without a redirect (call socket.redirect or push_navigate)",
                )),
            };
        }
    }
    Ok(OnMount::Cont)
}

/// A child asks its parent for its assigns (`assign_new` in the child's connected mount);
/// answered by the runtime, not by `handle_call`.
pub(crate) struct AssignsRequest;

/// A child's `push_patch`, forwarded to its parent as a message.
struct ChildPatch {
    to: String,
    replace: bool,
}

/// The answer to a `phx_join`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinReply {
    /// `ok` (rendered) or `error` (mount redirected).
    pub ok: bool,
    /// The `response` object, serialized.
    pub response: String,
}

/// One mounted view: its instance, socket, components and what the client has.
pub struct MountedView {
    rt: Runtime,
    id: String,
    def: Arc<ViewDef>,
    view: Box<dyn ErasedView>,
    socket: Socket,
    tracker: DiffTracker,
    components: Components,
    connected: bool,
    uri: Option<String>,
    root_id: Option<String>,
    layout: Option<&'static dyn Template>,
    out: Vec<Out>,
    commands: Vec<Command>,
    /// Events and reply from component callbacks of the current step.
    events: Vec<(String, Value)>,
    reply: Option<Value>,
    /// Components changed outside a parent render (events, `send_update`).
    dirty: Vec<Cid>,
    /// `redirect`/`push_navigate` during mount: the join answers with an error reply.
    mount_navigation: Option<Navigation>,
    /// `push_patch` during mount: the join reply carries `live_patch`.
    join_patch: Option<(String, bool)>,
    /// A child's `push_patch`, for its parent.
    parent_patch: Option<(String, bool)>,
    is_child: bool,
    stopped: Option<TerminateReason>,
    /// HTTP render only: component renders by cid, and a child's redirect.
    static_components: Option<HashMap<Cid, Rendered>>,
    static_navigation: Option<Navigation>,
}

impl fmt::Debug for MountedView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MountedView")
            .field("id", &self.id)
            .field("view", &self.def.name())
            .field("connected", &self.connected)
            .field("components", &self.components.len())
            .finish_non_exhaustive()
    }
}

impl MountedView {
    /// Mounts a view: `mount`, then `handle_params` for router views, following
    /// `push_patch` requests. Nothing is rendered yet.
    ///
    /// # Errors
    /// [`Crash`] when a callback fails or the chosen layout is not registered.
    pub fn mount(rt: &Runtime, mut args: MountArgs) -> Result<MountedView, Crash> {
        let connected = args.connection.is_some();
        let mut socket = Socket::new(args.id.clone(), connected);
        socket.set_initial_flash(std::mem::take(&mut args.flash));
        if let Some(c) = args.connection.take() {
            socket.set_connection(c.params, c.info, c.transport_id, c.static_changed);
        }
        if let Some(parent) = args.parent_assigns.take() {
            socket.set_parent_assigns(parent);
        }
        let view = match run_on_mount(rt, &args, &mut socket)? {
            OnMount::Halt => Box::new(crate::on_mount::Halted) as Box<dyn ErasedView>,
            _ => guard("mount", || args.view.mount(&args.params, &args.session, &mut socket))?,
        };
        socket.finish_mount();
        let layout_name = match socket.layout() {
            Some(chosen) => chosen.map(str::to_owned),
            None => args.view.options().layout.clone(),
        };
        let layout = match layout_name {
            Some(name) => Some(*rt.shared.layouts.get(&name).ok_or_else(|| {
                Crash::new("mount", format!("layout {name:?} is not registered with the app"))
            })?),
            None => None,
        };
        let mut mv = MountedView {
            rt: rt.clone(),
            id: args.id,
            def: args.view,
            view,
            socket,
            tracker: DiffTracker::new(),
            components: Components::default(),
            connected,
            uri: args.uri,
            root_id: args.root_id,
            layout,
            out: Vec::new(),
            commands: Vec::new(),
            events: Vec::new(),
            reply: None,
            dirty: Vec::new(),
            mount_navigation: None,
            join_patch: None,
            parent_patch: None,
            is_child: args.parent_id.is_some(),
            stopped: None,
            static_components: None,
            static_navigation: None,
        };
        if let MountParams::Router(params) = &args.params {
            match mv.take_navigation()? {
                // A patch in mount replaces the first handle_params (settled below).
                Some(Navigation::Patch { to, replace }) => mv.socket.push_patch(to, replace),
                Some(nav) => mv.mount_navigation = Some(nav),
                None => {
                    let uri = mv.uri.clone().unwrap_or_default();
                    let (view, socket) = (&mut mv.view, &mut mv.socket);
                    guard("handle_params", || view.handle_params(params, &uri, socket))?;
                }
            }
        }
        mv.settle_mount_navigation()?;
        Ok(mv)
    }

    /// Follows `push_patch` during mount; remembers a redirect for the join reply.
    fn settle_mount_navigation(&mut self) -> Result<(), Crash> {
        if self.mount_navigation.is_some() {
            return Ok(());
        }
        let mut rounds = 0;
        while let Some(nav) = self.take_navigation()? {
            match nav {
                Navigation::Patch { to, replace } => {
                    rounds += 1;
                    self.patch_params(&to, rounds)?;
                    self.join_patch = Some((to, replace));
                }
                other => {
                    self.mount_navigation = Some(other);
                    break;
                }
            }
        }
        Ok(())
    }

    /// Renders the join reply: `{"rendered": .., "liveview_version": ..}` (+ `container`
    /// after live navigation, + `live_patch`), or the error reply of a mount redirect.
    ///
    /// # Errors
    /// [`Crash`] when rendering fails.
    pub fn render_join(&mut self, redirected: bool) -> Result<JoinReply, Crash> {
        if let Some(nav) = self.mount_navigation.take() {
            let (key, payload) = self.navigation_payload(&nav);
            let mut response = Map::new();
            response.insert(key.to_owned(), payload);
            let events = self.take_events();
            if !events.is_empty() {
                response.insert(
                    "events".into(),
                    events.into_iter().map(|(e, p)| json!([e, p])).collect(),
                );
            }
            self.stopped = Some(TerminateReason::Normal);
            return Ok(JoinReply { ok: false, response: Value::Object(response).to_string() });
        }
        let diff = self.render_diff()?;
        let rendered = diff.to_json();
        let mut response = String::with_capacity(rendered.len() + 64);
        response.push_str("{\"rendered\":");
        response.push_str(&rendered);
        response.push_str(",\"liveview_version\":\"");
        response.push_str(LIVEVIEW_VERSION);
        response.push('"');
        if redirected {
            let (tag, attrs) = self.def.container();
            let attrs: Map<String, Value> =
                attrs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            response.push_str(",\"container\":");
            response.push_str(&json!([tag, attrs]).to_string());
        }
        if let Some((to, replace)) = self.join_patch.take() {
            response.push_str(",\"live_patch\":");
            response.push_str(&json!({"to": to, "kind": kind(replace)}).to_string());
        }
        response.push('}');
        Ok(JoinReply { ok: true, response })
    }

    /// The HTTP ("dead") render of `args` (which must have no connection).
    pub(crate) fn static_render(
        rt: &Runtime,
        args: MountArgs,
    ) -> Result<StaticRender, StaticError> {
        let name = args.view.name().to_owned();
        let crash = |c: Crash| StaticError::Crash {
            view: name.clone(),
            callback: c.callback,
            error: c.error,
        };
        let mut mv = MountedView::mount(rt, args).map_err(crash)?;
        let assign_new = mv.socket.assign_new_keys().to_vec();
        let navigation = mv.mount_navigation.take().or_else(|| {
            mv.join_patch.take().map(|(to, replace)| Navigation::Patch { to, replace })
        });
        if navigation.is_some() {
            let flash = mv.socket.flash().clone();
            return Ok(StaticRender {
                html: String::new(),
                title: None,
                navigation,
                assign_new,
                flash,
            });
        }
        let title = mv.page_title();
        mv.static_components = Some(HashMap::new());
        mv.components.begin_pass();
        let mut pending = Vec::new();
        let rendered = mv.render_root(&mut pending).map_err(crash)?;
        mv.render_components(pending, &mut Diff::default()).map_err(crash)?;
        let mut html = String::new();
        crate::runtime::write_html(
            &rendered,
            mv.static_components.as_ref().unwrap_or(&HashMap::new()),
            &mut html,
        );
        Ok(StaticRender {
            html,
            title,
            navigation: mv.static_navigation.take(),
            assign_new,
            flash: mv.socket.flash().clone(),
        })
    }

    /// `handle_info`, then render and push the diff.
    ///
    /// # Errors
    /// [`Crash`] when a callback fails.
    pub fn handle_info(&mut self, message: Message) -> Result<(), Crash> {
        let message = match message.downcast::<ChildPatch>() {
            Ok(ChildPatch { to, replace }) => {
                self.socket.push_patch(to, replace);
                return self.handle_changed(None, 0, None);
            }
            Err(message) => message,
        };
        let message = match message.downcast::<crate::async_ops::AsyncDone>() {
            Ok(done) if done.cid.is_some() => return self.component_async(done),
            Ok(done) => {
                if let Some((name, result)) = self.socket.complete_async(done) {
                    let (view, socket) = (&mut self.view, &mut self.socket);
                    guard("handle_async", || view.handle_async(&name, result, socket))?;
                }
                return self.handle_changed(None, 0, None);
            }
            Err(message) => message,
        };
        let (view, socket) = (&mut self.view, &mut self.socket);
        guard("handle_info", || view.handle_info(message, socket))?;
        self.handle_changed(None, 0, None)
    }

    /// A finished async task of a component: its assigns or `handle_async`, then its render.
    fn component_async(&mut self, done: crate::async_ops::AsyncDone) -> Result<(), Crash> {
        let Some(cid) = done.cid else { return Ok(()) };
        // The component may be gone by now: then the result is dropped.
        let Some(state) = self.components.get_mut(cid) else { return Ok(()) };
        if let Some((name, result)) = state.socket.complete_async(done) {
            if let Some(instance) = state.instance.as_mut() {
                let socket = &mut state.socket;
                guard("handle_async", || instance.handle_async(&name, result, socket))?;
            }
        }
        self.drain_component(cid);
        self.dirty.push(cid);
        self.handle_changed(None, 0, None)
    }

    /// `handle_call`, then render and push the diff; returns the reply message.
    ///
    /// # Errors
    /// [`Crash`] when a callback fails.
    pub fn handle_call(&mut self, request: Message) -> Result<Message, Crash> {
        if request.is::<AssignsRequest>() {
            return Ok(Message::new(self.socket.assigns().map().clone()));
        }
        let (view, socket) = (&mut self.view, &mut self.socket);
        let reply = guard("handle_call", || view.handle_call(request, socket))?;
        self.handle_changed(None, 0, None)?;
        Ok(reply)
    }

    /// `send_update`: the component's `update` with `assigns`, then its render as a pushed
    /// diff. An unknown component is logged and ignored, as in Phoenix.
    ///
    /// # Errors
    /// [`Crash`] when a callback fails.
    pub fn send_update(
        &mut self,
        component: &str,
        id: &str,
        mut assigns: Params,
    ) -> Result<(), Crash> {
        let Some(cid) = self.components.find(component, id) else {
            log::warn!(
                "send_update to {component} with id {id:?} in view {}: no such component",
                self.id
            );
            return Ok(());
        };
        assigns.insert("id".into(), Value::String(id.to_owned()));
        self.update_component(cid, assigns)?;
        self.dirty.push(cid);
        self.handle_changed(None, 0, None)
    }

    /// Calls `terminate`; a failure there is only logged.
    pub fn terminate(&mut self, reason: &TerminateReason) {
        let (view, socket) = (&mut self.view, &mut self.socket);
        let result = guard("terminate", || {
            view.terminate(reason, socket);
            Ok(())
        });
        if let Err(crash) = result {
            log::error!("view {} ({}) {crash}", self.def.name(), self.id);
        }
    }

    /// Frames produced since the last drain, in order.
    pub fn drain_output(&mut self) -> std::vec::Drain<'_, Out> {
        self.out.drain(..)
    }

    /// Timers, updates and subscriptions requested since the last call.
    pub fn take_commands(&mut self) -> Vec<Command> {
        let mut commands = self.socket.take_commands();
        if !self.commands.is_empty() {
            commands.append(&mut self.commands);
        }
        commands
    }

    /// A `push_patch` of this child view, for its parent: children cannot change the URL
    /// themselves, so the shell forwards it (Phoenix sends it to the root view).
    pub fn take_parent_patch(&mut self) -> Option<Message> {
        self.parent_patch.take().map(|(to, replace)| Message::new(ChildPatch { to, replace }))
    }

    /// Set once the view must end (left, redirected); the shell then calls `terminate`.
    pub fn stopped(&self) -> Option<&TerminateReason> {
        self.stopped.as_ref()
    }

    /// The view's DOM id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The registered view name.
    pub fn view_name(&self) -> &str {
        self.def.name()
    }

    /// The view's socket (assigns, flash).
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// Number of live components.
    pub fn component_count(&self) -> usize {
        self.components.len()
    }

    /// Drops what can be rebuilt: spare capacity of buffers and maps. The diff tracker is
    /// kept, so the next diff stays minimal.
    pub fn hibernate(&mut self) {
        // Comprehension values are rebuilt by the next change (entries resent whole, statics
        // not): an idle view should not hold a copy of every row it ever sent.
        self.tracker.hibernate();
        self.out.shrink_to_fit();
        self.commands.shrink_to_fit();
        self.events.shrink_to_fit();
        self.dirty.shrink_to_fit();
        self.components.shrink();
    }

    fn page_title(&self) -> Option<String> {
        self.socket.assigns().get("page_title").and_then(Value::as_str).map(str::to_owned)
    }

    fn take_events(&mut self) -> Vec<(String, Value)> {
        let mut events = self.socket.take_events();
        if !self.events.is_empty() {
            events.append(&mut self.events);
        }
        events
    }

    /// Takes the socket's navigation, refusing unsafe targets as a crash of the view (Phoenix
    /// raises `ArgumentError` in `redirect/2`): `redirect` must be a local path
    /// ([`crate::html::valid_local_path`]: not `//evil.com`, `/\\evil.com`, `http://…`),
    /// `redirect_external` a URL of an allowed scheme ([`crate::html::valid_destination`]:
    /// not `javascript:`), a patch or navigation a path or `http(s)` URL.
    pub(crate) fn take_navigation(&mut self) -> Result<Option<Navigation>, Crash> {
        let Some(nav) = self.socket.take_navigation() else { return Ok(None) };
        let refused = match &nav {
            Navigation::Redirect { to, external: false } => {
                (!crate::html::valid_local_path(to)).then_some(("redirect", to))
            }
            Navigation::Redirect { to, external: true } => {
                (!crate::html::valid_destination(to)).then_some(("redirect_external", to))
            }
            Navigation::Navigate { to, .. } => {
                (!crate::html::valid_live_destination(to)).then_some(("push_navigate", to))
            }
            Navigation::Patch { to, .. } => {
                (!crate::html::valid_live_destination(to)).then_some(("push_patch", to))
            }
        };
        match refused {
            None => Ok(Some(nav)),
            Some(("redirect", to)) => Err(Crash::new(
                "redirect",
                format!(
                    "redirect expects a local path but was {to:?}; use redirect_external for other sites"
                ),
            )),
            Some((callback, to)) => {
                Err(Crash::new(callback, format!("unsafe destination {to:?} refused")))
            }
        }
    }

    /// The payload of a `redirect` / `live_redirect` (with the changed flash, signed).
    fn navigation_payload(&mut self, nav: &Navigation) -> (&'static str, Value) {
        let mut payload = Map::new();
        let key = match nav {
            Navigation::Redirect { to, .. } => {
                payload.insert("to".into(), Value::String(to.clone()));
                "redirect"
            }
            Navigation::Navigate { to, replace } | Navigation::Patch { to, replace } => {
                payload.insert("to".into(), Value::String(to.clone()));
                payload.insert("kind".into(), Value::String(kind(*replace).into()));
                "live_redirect"
            }
        };
        if self.socket.take_flash_changed() && !self.socket.flash().is_empty() {
            payload.insert(
                "flash".into(),
                Value::String(self.rt.shared.sessions.sign_flash(self.socket.flash())),
            );
        }
        (key, Value::Object(payload))
    }

    /// Runs `handle_params` for a `push_patch` to `to`.
    fn patch_params(&mut self, to: &str, rounds: u32) -> Result<(), Crash> {
        if rounds > MAX_PATCH_REDIRECTS {
            return Err(Crash::new(
                "handle_params",
                format!(
                    "too many redirects for {}: check handle_params for an infinite push_patch loop",
                    self.def.name()
                ),
            ));
        }
        let uri = absolute_url(self.uri.as_deref(), to);
        let Some(params) = self.route_params(&uri) else {
            return Err(Crash::new(
                "handle_params",
                format!(
                    "cannot push_patch to {to:?}: it does not point to the current view {}",
                    self.def.name()
                ),
            ));
        };
        self.uri = Some(uri.clone());
        let (view, socket) = (&mut self.view, &mut self.socket);
        guard("handle_params", || view.handle_params(&params, &uri, socket))
    }

    /// The params of `url` if it routes to this view.
    fn route_params(&self, url: &str) -> Option<Params> {
        match &self.rt.shared.router {
            Some(router) => match router.resolve(url) {
                Some((name, params)) if name == self.def.name() => Some(params),
                _ => None,
            },
            None => Some(crate::form::decode(query_of(url))),
        }
    }
}

fn kind(replace: bool) -> &'static str {
    if replace { "replace" } else { "push" }
}

/// The query string of a URL or path (without `?` and fragment).
fn query_of(url: &str) -> &str {
    let url = url.split('#').next().unwrap_or("");
    url.split_once('?').map_or("", |(_, q)| q)
}

/// `to` made absolute against the origin of `current` (`http://host`).
fn absolute_url(current: Option<&str>, to: &str) -> String {
    if to.starts_with("http://") || to.starts_with("https://") {
        return to.to_owned();
    }
    let origin = current
        .and_then(|c| {
            let scheme_end = c.find("://")? + 3;
            let path_start = c[scheme_end..].find('/').map_or(c.len(), |i| scheme_end + i);
            Some(&c[..path_start])
        })
        .unwrap_or("");
    format!("{origin}{to}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Frame;

    #[test]
    fn urls() {
        assert_eq!(absolute_url(Some("http://h:4/a/b?x=1"), "/c?y=2"), "http://h:4/c?y=2");
        assert_eq!(absolute_url(Some("https://h"), "/c"), "https://h/c");
        assert_eq!(absolute_url(None, "/c"), "/c");
        assert_eq!(query_of("http://h/a?x=1&y=2#frag"), "x=1&y=2");
        assert_eq!(query_of("/a"), "");
    }

    #[test]
    fn frames_are_encoded_like_the_codec() {
        let reply =
            Out::Reply { msg_ref: Some("5".into()), ok: true, response: r#"{"diff":{}}"#.into() };
        let expected = Frame::reply(Some("1"), Some("5"), "lv:a\"b", "ok", r#"{"diff":{}}"#);
        assert_eq!(reply.encode("lv:a\"b", "1"), expected);
        let error = Out::Reply { msg_ref: None, ok: false, response: "{}".into() };
        assert_eq!(error.encode("lv:x", "1"), Frame::reply(Some("1"), None, "lv:x", "error", "{}"));
        let push = Out::Push { event: "diff", payload: r#"{"0":"1"}"#.into() };
        assert_eq!(
            push.encode("lv:x", "1\n"),
            Frame::encode_raw(Some("1\n"), None, "lv:x", "diff", r#"{"0":"1"}"#)
        );
        assert_eq!(Out::Close.encode("lv:x", "3"), r#"["3","3","lv:x","phx_close",{}]"#);
        let decoded = Frame::decode(&push.encode("lv:\u{1}", "1")).unwrap();
        assert_eq!(decoded.topic, "lv:\u{1}");
    }

    #[test]
    fn guard_catches_panics_and_errors() {
        let crash = guard::<()>("handle_event", || panic!("boom")).unwrap_err();
        assert_eq!(crash, Crash { callback: "handle_event", error: "panicked: boom".into() });
        let crash = guard::<()>("mount", || Err("nope".into())).unwrap_err();
        assert_eq!(crash.to_string(), "mount failed: nope");
    }
}
