//! The runtime: one OS thread per connected view, bounded crossbeam mailboxes, timers,
//! PubSub, admission control.
//!
//! [`Runtime`] holds what every view shares (registries, layouts, PubSub, the token signer,
//! settings). [`Runtime::static_render`] runs the HTTP ("dead") render without a thread;
//! [`Runtime::spawn`] starts a connected view on its own thread, which answers the join and
//! then every frame of its topic. The per-view logic lives in [`crate::MountedView`]; this
//! module is the thin shell around it.

mod handle;
mod thread;
mod timers;
mod to_html;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::mounted::{MountArgs, MountedView};
use crate::pubsub::PubSub;
use crate::registry::{ComponentDef, ViewDef};
use crate::session::Sessions;
use crate::socket::{ConnectInfo, Navigation};
use crate::transport::Transport;
use crate::view::{MountParams, Params, Session, Template};

pub use handle::{CallError, ViewHandle, ViewInput};
pub(crate) use to_html::write_html;

/// Runtime settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// Capacity of each view's bounded mailbox (default 8). crossbeam allocates a bounded
    /// channel's slots up front (136 bytes each), so capacity is memory per view: with 8, an
    /// idle view measured about 23 KiB resident, 10.7 KiB of it the bare OS thread. A full
    /// mailbox is backpressure, not loss: the connection waits before delivering client
    /// frames, and PubSub waits briefly ([`crate::Subscriber::deliver`]).
    pub mailbox_capacity: usize,
    /// Idle time after which a view drops what it can rebuild (default 15 s, as Phoenix).
    pub hibernate_after: Duration,
    /// Most view threads at once (default 7,000); above it [`Runtime::spawn`] refuses with
    /// [`SpawnError::Full`]. The kernel here allows about 16k threads per process and every
    /// connection also has a reader thread, so this stays well below half of that.
    pub max_views: usize,
    /// Stack size of each view thread (default 256 KiB); threads are named `lv-view-<id>`.
    pub thread_stack_size: usize,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            mailbox_capacity: 8,
            hibernate_after: Duration::from_secs(15),
            max_views: 7_000,
            thread_stack_size: 256 * 1024,
        }
    }
}

/// Maps a URL to the live route it belongs to, for `live_patch` and `push_patch`.
pub trait RouteResolver: Send + Sync + 'static {
    /// The registered view name and the params (path + query) of `url` (absolute or a local
    /// path); `None` when no live route matches.
    fn resolve(&self, url: &str) -> Option<(String, Params)>;
}

pub(crate) struct Shared {
    pub(crate) config: RuntimeConfig,
    pub(crate) views: HashMap<String, Arc<ViewDef>>,
    pub(crate) components: HashMap<String, Arc<ComponentDef>>,
    pub(crate) layouts: HashMap<String, &'static dyn Template>,
    pub(crate) pubsub: Arc<dyn PubSub>,
    pub(crate) sessions: Sessions,
    pub(crate) router: Option<Arc<dyn RouteResolver>>,
    pub(crate) live: AtomicUsize,
}

/// Shared runtime state; cheap to clone (an `Arc` inside).
#[derive(Clone)]
pub struct Runtime {
    pub(crate) shared: Arc<Shared>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("config", &self.shared.config)
            .field("views", &self.shared.views.len())
            .field("components", &self.shared.components.len())
            .field("live_views", &self.live_views())
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A runtime with registered views, components and layouts.
    pub fn new(
        config: RuntimeConfig,
        views: Vec<ViewDef>,
        components: Vec<ComponentDef>,
        layouts: HashMap<String, &'static dyn Template>,
        pubsub: Arc<dyn PubSub>,
        sessions: Sessions,
    ) -> Runtime {
        let views = views.into_iter().map(|v| (v.name().to_owned(), Arc::new(v))).collect();
        let components =
            components.into_iter().map(|c| (c.name().to_owned(), Arc::new(c))).collect();
        Runtime {
            shared: Arc::new(Shared {
                config,
                views,
                components,
                layouts,
                pubsub,
                sessions,
                router: None,
                live: AtomicUsize::new(0),
            }),
        }
    }

    /// Sets how `live_patch` / `push_patch` URLs map to params. Without one, a patch keeps
    /// the view and passes the URL's query params only. Call before cloning the runtime.
    pub fn with_router(mut self, router: Arc<dyn RouteResolver>) -> Runtime {
        match Arc::get_mut(&mut self.shared) {
            Some(shared) => shared.router = Some(router),
            None => log::error!(
                "Runtime::with_router called after the runtime was shared; router ignored"
            ),
        }
        self
    }

    /// A registered view by name.
    pub fn view(&self, name: &str) -> Option<Arc<ViewDef>> {
        self.shared.views.get(name).cloned()
    }

    /// The PubSub views subscribe through.
    pub fn pubsub(&self) -> &Arc<dyn PubSub> {
        &self.shared.pubsub
    }

    /// The settings.
    pub fn config(&self) -> &RuntimeConfig {
        &self.shared.config
    }

    /// Number of view threads running now.
    pub fn live_views(&self) -> usize {
        self.shared.live.load(Ordering::Acquire)
    }

    /// The HTTP ("dead") render: mount (not connected) → handle_params (router views) →
    /// HTML, with children rendered statically inside and components inline. No thread.
    ///
    /// # Errors
    /// [`StaticError`] when a callback fails or a template does not render.
    pub fn static_render(&self, req: StaticRequest) -> Result<StaticRender, StaticError> {
        let args = MountArgs {
            id: req.id,
            view: req.view,
            params: req.params,
            session: req.session,
            uri: Some(req.uri),
            flash: req.flash,
            connection: None,
            parent_assigns: Some(req.conn_assigns),
            parent_id: None,
            root_id: None,
        };
        MountedView::static_render(self, args)
    }

    /// Starts a connected view on its own thread; the thread answers the join, then every
    /// later frame of its topic.
    ///
    /// # Errors
    /// [`SpawnError::Full`] when `max_views` views run already; [`SpawnError::Thread`] when
    /// the OS refuses a thread.
    pub fn spawn(&self, join: JoinRequest) -> Result<ViewHandle, SpawnError> {
        thread::spawn(self, join)
    }
}

/// What the HTTP render of a live route needs.
#[derive(Debug)]
pub struct StaticRequest {
    /// The view to render.
    pub view: Arc<ViewDef>,
    /// Its DOM id (`phx-...`).
    pub id: String,
    /// Router params, or not mounted at the router.
    pub params: MountParams,
    /// The user session.
    pub session: Session,
    /// The request's absolute URL (for `handle_params`).
    pub uri: String,
    /// Flash from the cookie.
    pub flash: Map<String, Value>,
    /// Assigns of the HTTP request, for `assign_new`.
    pub conn_assigns: Map<String, Value>,
}

/// The result of the HTTP render.
#[derive(Debug, PartialEq)]
pub struct StaticRender {
    /// Inner HTML of the view (without its container).
    pub html: String,
    /// The `page_title` assign.
    pub title: Option<String>,
    /// Set when mount or handle_params redirected (answer with a 302).
    pub navigation: Option<Navigation>,
    /// Keys `assign_new` took from the request's assigns.
    pub assign_new: Vec<String>,
    /// The flash after mount.
    pub flash: Map<String, Value>,
}

/// Why the HTTP render failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StaticError {
    /// A callback returned `Err` or panicked.
    Crash {
        /// The view's name.
        view: String,
        /// The callback (`mount`, `handle_params`, `render`, ...).
        callback: &'static str,
        /// What went wrong.
        error: String,
    },
}

impl fmt::Display for StaticError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StaticError::Crash { view, callback, error } => {
                write!(f, "{view}.{callback} failed: {error}")
            }
        }
    }
}

impl std::error::Error for StaticError {}

/// A `phx_join` the channel layer accepted, to start a connected view.
pub struct JoinRequest {
    /// `lv:<id>`.
    pub topic: String,
    /// Ref of the `phx_join` (also its message ref).
    pub join_ref: String,
    /// The view to mount.
    pub view: Arc<ViewDef>,
    /// Its DOM id.
    pub id: String,
    /// Router params (from `url`/`redirect`) or not mounted at the router.
    pub params: MountParams,
    /// The user session from the token.
    pub session: Session,
    /// The join payload's `params` (`_csrf_token`, `_mounts`, `_track_static`, ...).
    pub connect_params: Params,
    /// Peer and headers of the socket connection.
    pub connect_info: ConnectInfo,
    /// Absolute URL for `handle_params` (router views).
    pub uri: Option<String>,
    /// Flash to mount with.
    pub flash: Map<String, Value>,
    /// The client's tracked static assets differ from the server's.
    pub static_changed: bool,
    /// Joined through live navigation (`redirect`): the reply carries `container`.
    pub redirected: bool,
    /// The parent's handle for children; the parent's end ends the child.
    pub parent: Option<ViewHandle>,
    /// The live session of the view.
    pub live_session: Option<String>,
    /// Where frames go.
    pub transport: Arc<dyn Transport>,
    /// Identifies the connection (`transport_pid`).
    pub transport_id: String,
}

impl fmt::Debug for JoinRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinRequest")
            .field("topic", &self.topic)
            .field("join_ref", &self.join_ref)
            .field("view", &self.view.name())
            .field("redirected", &self.redirected)
            .finish_non_exhaustive()
    }
}

/// Why a view could not be started.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpawnError {
    /// Admission control: `max` views run already.
    Full {
        /// The configured `max_views`.
        max: usize,
    },
    /// The OS refused a new thread; the text is its error.
    Thread(String),
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Full { max } => write!(
                f,
                "view refused: {max} views are running (RuntimeConfig::max_views); raise the limit only if the \
                 process may run that many more threads"
            ),
            SpawnError::Thread(why) => {
                write!(f, "view refused: the OS could not start its thread: {why}")
            }
        }
    }
}

impl std::error::Error for SpawnError {}
