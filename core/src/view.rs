//! The `LiveView` and `LiveComponent` traits and the values their callbacks receive.
//!
//! Phoenix's `Phoenix.LiveView` behaviour: `mount/3`, `render/1`, `handle_event/3`,
//! `handle_info/2`, `handle_params/3`, `handle_call/3`, `terminate/2`.

use std::any::Any;
use std::fmt;

use serde_json::{Map, Value};

use crate::assigns::Assigns;
use crate::rendered::Rendered;
use crate::socket::Socket;

/// The error a view callback returns. Any error converts with `?`; returning `Err` ends this
/// view only (the client gets `phx_error`, rejoins, and the view mounts again).
pub type ViewError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Result of a view callback.
pub type ViewResult<T = ()> = Result<T, ViewError>;

/// String-keyed parameters (query string, path parameters, event values, form data).
pub type Params = Map<String, Value>;

/// The session a view is mounted with (string keys, signed into the page).
pub type Session = Map<String, Value>;

/// The first argument of `mount`: router params, or not mounted at the router.
#[derive(Clone, Debug, PartialEq)]
pub enum MountParams {
    /// Mounted from a live route: query string and path parameters.
    Router(Params),
    /// Rendered with `live_render` from a template or controller (`:not_mounted_at_router`).
    NotMountedAtRouter,
}

impl MountParams {
    /// The params, or an empty map when not mounted at the router.
    pub fn params(&self) -> Params {
        match self {
            MountParams::Router(p) => p.clone(),
            MountParams::NotMountedAtRouter => Params::new(),
        }
    }

    /// A parameter by name (`None` when absent or not mounted at the router).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            MountParams::Router(p) => p.get(key),
            MountParams::NotMountedAtRouter => None,
        }
    }
}

/// A message for `handle_info` / `handle_call`: any `Send` value, as in Elixir.
pub struct Message(Box<dyn Any + Send>);

impl Message {
    /// Wraps a value.
    pub fn new<T: Any + Send>(value: T) -> Message {
        Message(Box::new(value))
    }

    /// True if the message holds a `T`.
    pub fn is<T: Any>(&self) -> bool {
        self.0.is::<T>()
    }

    /// Borrows the value if it is a `T`.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }

    /// Takes the value out if it is a `T`, or gives the message back.
    ///
    /// # Errors
    /// Returns the message unchanged when it does not hold a `T`.
    pub fn downcast<T: Any>(self) -> Result<T, Message> {
        self.0.downcast().map(|b| *b).map_err(Message)
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Message(..)")
    }
}

/// A PubSub broadcast delivered to `handle_info` (downcast the [`Message`] to this type).
#[derive(Clone, Debug, PartialEq)]
pub struct Broadcast {
    /// The topic it was published on.
    pub topic: String,
    /// An event name chosen by the publisher.
    pub event: String,
    /// The payload (serializable so it can cross nodes).
    pub payload: Value,
}

/// Why a view ends (`terminate/2`'s reason).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TerminateReason {
    /// Normal end (e.g. after a redirect).
    Normal,
    /// The server shuts down, or the parent view ended.
    Shutdown,
    /// The client left the channel (`phx_leave`, live navigation).
    Left,
    /// The connection closed.
    Closed,
    /// A callback returned an error or panicked; the text says what happened.
    Crash(String),
}

/// The error of rendering a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderError {
    message: String,
}

impl RenderError {
    /// An error with a message saying what went wrong and where.
    pub fn new(message: impl Into<String>) -> RenderError {
        RenderError { message: message.into() }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RenderError {}

/// A compiled template that renders assigns into a [`Rendered`] tree.
///
/// `liveview-templates` implements it for handlebars; the core knows no template engine.
pub trait Template: Send + Sync {
    /// Compiles (or checks) the template; called once by the app's `build()` so template
    /// errors surface at start-up with file, line and column.
    ///
    /// # Errors
    /// A message naming the file, line, column and what is wrong.
    fn prepare(&self) -> Result<(), RenderError>;

    /// Renders `assigns`, evaluating only slots that read a changed key.
    ///
    /// # Errors
    /// A render error of this view only.
    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError>;

    /// Renders this template as a layout around `inner` (the view's own render), which takes
    /// the place of `{{{inner_content}}}`.
    ///
    /// # Errors
    /// A render error, or a template that is not a layout.
    fn render_layout(&self, assigns: &Assigns, inner: Rendered) -> Result<Rendered, RenderError> {
        let _ = (assigns, inner);
        Err(RenderError::new("this template cannot be used as a layout"))
    }
}

/// Options a view declares once (`use Phoenix.LiveView, container: ..., layout: ...`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ViewOptions {
    /// Container tag and attributes (default `div` with no attributes).
    pub container: Option<(String, Vec<(String, String)>)>,
    /// Name of the layout the view renders in (a registered layout template).
    pub layout: Option<String>,
}

/// A server-rendered view. Its state lives in the [`Socket`]'s assigns (what the template
/// reads) and in `Self` (anything else: handles, caches).
///
/// `mount` runs twice: once for the plain HTTP render, and again on the view's own thread when
/// the browser connects ([`Socket::is_connected`]).
pub trait LiveView: Sized + Send + 'static {
    /// The entry point: builds the view and assigns what the template needs.
    ///
    /// # Errors
    /// Ends the mount; the page (or join) reports the error.
    fn mount(params: &MountParams, session: &Session, socket: &mut Socket) -> ViewResult<Self>;

    /// Renders the assigns. The default renders [`LiveView::template`].
    ///
    /// # Errors
    /// A render error ends this view only.
    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        match Self::template() {
            Some(template) => template.render(assigns),
            None => Err(RenderError::new(format!(
                "render was not implemented for {}: implement `render` or return a colocated \
                 template from `template()` (liveview::template!(\"name.html.hbs\"))",
                std::any::type_name::<Self>()
            ))),
        }
    }

    /// The view's template (colocated or inline); checked at app build.
    fn template() -> Option<&'static dyn Template> {
        None
    }

    /// Container and layout options.
    fn options() -> ViewOptions {
        ViewOptions::default()
    }

    /// A browser event (`phx-click`, `phx-submit`, hook `pushEvent`, ...). Set a reply with
    /// [`Socket::reply`] (Phoenix's `{:reply, map, socket}`).
    ///
    /// # Errors
    /// Ends this view; the client remounts it.
    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        let _ = (params, socket);
        Err(format!("unhandled event {event:?}: implement handle_event").into())
    }

    /// An internal message (timers, PubSub broadcasts, messages from other threads).
    ///
    /// # Errors
    /// Ends this view; the client remounts it.
    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        let _ = (message, socket);
        Ok(())
    }

    /// Called after mount (router views) and on every `live_patch` with the URL's params.
    ///
    /// # Errors
    /// Ends this view; the client remounts it.
    fn handle_params(&mut self, params: &Params, uri: &str, socket: &mut Socket) -> ViewResult {
        let _ = (params, uri, socket);
        Ok(())
    }

    /// A synchronous request from another thread ([`crate::ViewHandle::call`]); the returned
    /// message is the reply.
    ///
    /// # Errors
    /// Ends this view; the caller gets an error.
    fn handle_call(&mut self, request: Message, socket: &mut Socket) -> ViewResult<Message> {
        let _ = (request, socket);
        Err("unhandled call: implement handle_call".into())
    }

    /// Called once when the view ends, with the reason.
    fn terminate(&mut self, reason: &TerminateReason, socket: &mut Socket) {
        let _ = (reason, socket);
    }

    /// The result of [`Socket::start_async`] work `name`: `Ok(value)` or `Err(reason)` (a
    /// failure or panic). The default logs and ignores it.
    ///
    /// # Errors
    /// Ends the view, like any callback error.
    fn handle_async(
        &mut self,
        name: &str,
        result: Result<Value, String>,
        socket: &mut Socket,
    ) -> ViewResult {
        let _ = socket;
        log_unhandled_async::<Self>(name, &result);
        Ok(())
    }
}

/// A stateful component living inside a view's thread (`Phoenix.LiveComponent`).
///
/// Rendered from a template with `{{live_component "Name" id="..." key=value}}`.
pub trait LiveComponent: Sized + Send + 'static {
    /// Creates the component the first time its `id` is rendered.
    ///
    /// # Errors
    /// Ends the parent view, as in Phoenix.
    fn mount(socket: &mut Socket) -> ViewResult<Self>;

    /// Batch hook run before `update` for every component of this type rendered together.
    fn preload(list_of_assigns: Vec<Params>) -> Vec<Params> {
        list_of_assigns
    }

    /// Receives the assigns from the parent's template (or `send_update`). The default
    /// assigns each one.
    ///
    /// # Errors
    /// Ends the parent view.
    fn update(&mut self, assigns: Params, socket: &mut Socket) -> ViewResult {
        for (key, value) in assigns {
            socket.assigns_mut().put(key, value);
        }
        Ok(())
    }

    /// Renders the component; its root must be a single HTML element.
    ///
    /// # Errors
    /// Ends the parent view.
    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        match Self::template() {
            Some(template) => template.render(assigns),
            None => Err(RenderError::new(format!(
                "render was not implemented for component {}",
                std::any::type_name::<Self>()
            ))),
        }
    }

    /// The component's template; checked at app build.
    fn template() -> Option<&'static dyn Template> {
        None
    }

    /// An event targeted at this component (`phx-target={{myself}}`).
    ///
    /// # Errors
    /// Ends the parent view.
    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        let _ = (params, socket);
        Err(format!("unhandled component event {event:?}: implement handle_event").into())
    }

    /// The result of [`Socket::start_async`] work `name` started by this component. The
    /// default logs and ignores it.
    ///
    /// # Errors
    /// Ends the parent view.
    fn handle_async(
        &mut self,
        name: &str,
        result: Result<Value, String>,
        socket: &mut Socket,
    ) -> ViewResult {
        let _ = socket;
        log_unhandled_async::<Self>(name, &result);
        Ok(())
    }
}

/// The default `handle_async` of views and components: the result is logged, not lost
/// silently.
fn log_unhandled_async<T>(name: &str, result: &Result<Value, String>) {
    log::warn!(
        "{}: handle_async not implemented for {name:?} ({result:?})",
        std::any::type_name::<T>()
    );
}

/// Decodes event params into a typed value (serde), for views that prefer typed events.
///
/// # Errors
/// serde's message, e.g. ``missing field `amount` ``.
pub fn decode_params<T: serde::de::DeserializeOwned>(params: &Value) -> ViewResult<T> {
    Ok(serde::Deserialize::deserialize(params)?)
}
