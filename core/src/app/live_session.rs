//! `live_session` blocks: the routes live navigation may move between.

use std::any::TypeId;
use std::fmt;

use crate::registry::ViewDef;
use crate::view::{LiveView, Session, Template};

/// A `live` route before the app is built.
pub(super) struct RouteSpec {
    pub(super) path: String,
    pub(super) view: String,
    pub(super) session: Session,
    pub(super) live_session: Option<String>,
    pub(super) root_layout: Option<&'static dyn Template>,
}

/// A registered type before the app is built.
pub(super) struct Registered<T> {
    pub(super) name: String,
    pub(super) type_id: TypeId,
    pub(super) def: T,
}

/// The routes of one live session, given to the closure of [`AppBuilder::live_session`](crate::AppBuilder::live_session).
///
/// Live navigation (`push_navigate`, `<a data-phx-link="redirect">`) stays inside one live
/// session; navigating to a route of another one reloads the page, as in Phoenix.
pub struct LiveSession {
    pub(super) name: Option<String>,
    pub(super) routes: Vec<RouteSpec>,
    pub(super) views: Vec<Registered<ViewDef>>,
    pub(super) session: Session,
    pub(super) root_layout: Option<&'static dyn Template>,
}

impl LiveSession {
    pub(super) fn new(name: Option<String>) -> LiveSession {
        LiveSession {
            name,
            routes: Vec::new(),
            views: Vec::new(),
            session: Session::new(),
            root_layout: None,
        }
    }

    /// A session every route of this live session passes to `mount` (Phoenix's
    /// `live_session :name, session: %{...}`); a route's own session wins on equal keys.
    pub fn session(mut self, session: Session) -> LiveSession {
        self.session = session;
        self
    }

    /// A root layout for the pages of this live session instead of the app's.
    pub fn root_layout(mut self, layout: &'static dyn Template) -> LiveSession {
        self.root_layout = Some(layout);
        self
    }

    /// Mounts `V` at `path` (`/users/:id`); path and query params reach `mount` and
    /// `handle_params`.
    pub fn live<V: LiveView>(self, path: &str) -> LiveSession {
        self.live_with_session::<V>(path, Session::new())
    }

    /// Like [`LiveSession::live`], passing `session` to `mount` (over the cookie session).
    pub fn live_with_session<V: LiveView>(mut self, path: &str, session: Session) -> LiveSession {
        let name = std::any::type_name::<V>().to_owned();
        self.views.push(Registered {
            name: name.clone(),
            type_id: TypeId::of::<V>(),
            def: ViewDef::new::<V>(&name),
        });
        self.routes.push(RouteSpec {
            path: path.to_owned(),
            view: name,
            session,
            live_session: self.name.clone(),
            root_layout: None,
        });
        self
    }
}

impl fmt::Debug for LiveSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let paths: Vec<&str> = self.routes.iter().map(|r| r.path.as_str()).collect();
        f.debug_struct("LiveSession").field("name", &self.name).field("routes", &paths).finish()
    }
}
