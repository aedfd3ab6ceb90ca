//! `App::builder()`: secret, salt, routes, views, components, layouts and settings.

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::http::{HttpRequest, HttpResponse};
use crate::pubsub::{LocalPubSub, PubSub};
use crate::registry::{ComponentDef, ViewDef};
use crate::router::{PathPattern, Router};
use crate::runtime::Runtime;
use crate::session::Sessions;
use crate::token::{Signer, SignerError};
use crate::view::{LiveComponent, LiveView, Session, Template};

use super::cookie::CookieStore;
use super::error::BuildError;
use super::layout::DEFAULT_ROOT_LAYOUT;
use super::live_session::{LiveSession, Registered};
use super::routes::{Handler, HttpRoutes, LiveRoute, LiveRouter};
use super::{App, AppConfig, AppInner};

/// Builds an [`App`]; see [`App::builder`].
pub struct AppBuilder {
    secret: Option<Vec<u8>>,
    salt: Option<String>,
    default_session: LiveSession,
    live_sessions: Vec<LiveSession>,
    views: Vec<Registered<ViewDef>>,
    components: Vec<Registered<ComponentDef>>,
    http: Vec<(&'static str, String, Handler)>,
    root_layout: &'static dyn Template,
    layouts: HashMap<String, &'static dyn Template>,
    pubsub: Option<Arc<dyn PubSub>>,
    config: AppConfig,
}

impl fmt::Debug for AppBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppBuilder")
            .field("salt_set", &self.salt.is_some())
            .field("default_session", &self.default_session)
            .field("live_sessions", &self.live_sessions)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppBuilder {
    pub(super) fn new() -> AppBuilder {
        AppBuilder {
            secret: None,
            salt: None,
            default_session: LiveSession::new(None),
            live_sessions: Vec::new(),
            views: Vec::new(),
            components: Vec::new(),
            http: Vec::new(),
            root_layout: &DEFAULT_ROOT_LAYOUT,
            layouts: HashMap::new(),
            pubsub: None,
            config: AppConfig::default(),
        }
    }

    /// The secret every token and the cookie session are signed with (at least 32 bytes;
    /// keep it out of the source, e.g. in an environment variable).
    pub fn secret_key_base(mut self, secret: impl AsRef<[u8]>) -> AppBuilder {
        self.secret = Some(secret.as_ref().to_vec());
        self
    }

    /// Reads the secret from environment variable `var`. When it is unset, a random key is
    /// generated for this process with a warning: pages rendered before a restart then
    /// stop verifying (clients reload), and several nodes cannot share sessions.
    pub fn secret_key_base_from_env(mut self, var: &str) -> AppBuilder {
        match std::env::var(var) {
            Ok(secret) => self.secret = Some(secret.into_bytes()),
            Err(_) => {
                log::warn!("{var} is not set: using a random secret_key_base for this process only")
            }
        }
        self
    }

    /// The salt tokens are signed with (required, at least 8 bytes; Phoenix's
    /// `live_view: [signing_salt: ...]`).
    pub fn signing_salt(mut self, salt: &str) -> AppBuilder {
        self.salt = Some(salt.to_owned());
        self
    }

    /// Mounts `V` at `path` in the default live session.
    pub fn live<V: LiveView>(mut self, path: &str) -> AppBuilder {
        self.default_session = self.default_session.live::<V>(path);
        self
    }

    /// Mounts `V` at `path` in the default live session, passing `session` to `mount`
    /// (`live "/thermostat", ThermostatLive, session: %{...}`).
    pub fn live_with_session<V: LiveView>(mut self, path: &str, session: Session) -> AppBuilder {
        self.default_session = self.default_session.live_with_session::<V>(path, session);
        self
    }

    /// A named live session: live navigation is allowed only between its routes.
    pub fn live_session(
        mut self,
        name: &str,
        routes: impl FnOnce(LiveSession) -> LiveSession,
    ) -> AppBuilder {
        self.live_sessions.push(routes(LiveSession::new(Some(name.to_owned()))));
        self
    }

    /// Registers `V` under `name` for `live_render` (nested child views).
    pub fn view<V: LiveView>(mut self, name: &str) -> AppBuilder {
        self.views.push(Registered {
            name: name.to_owned(),
            type_id: TypeId::of::<V>(),
            def: ViewDef::new::<V>(name),
        });
        self
    }

    /// Registers component `C` under `name` for `live_component`.
    pub fn component<C: LiveComponent>(mut self, name: &str) -> AppBuilder {
        let def = ComponentDef::new::<C>(name);
        self.components.push(Registered { name: name.to_owned(), type_id: TypeId::of::<C>(), def });
        self
    }

    /// Replaces the built-in root layout (the HTML document around every live page). It is
    /// rendered with `render_layout`, the page body as `inner`, and the assigns
    /// `csrf_token` (put it in `<meta name="csrf-token">`), `page_title` and `flash`.
    pub fn root_layout(mut self, layout: &'static dyn Template) -> AppBuilder {
        self.root_layout = layout;
        self
    }

    /// Registers a layout views can choose by name (`ViewOptions::layout`,
    /// `Socket::set_layout`).
    pub fn layout(mut self, name: &str, layout: &'static dyn Template) -> AppBuilder {
        self.layouts.insert(name.to_owned(), layout);
        self
    }

    /// Answers `GET` (and `HEAD`) requests to `path` with `handler`.
    pub fn get(
        mut self,
        path: &str,
        handler: impl Fn(&HttpRequest) -> HttpResponse + Send + Sync + 'static,
    ) -> AppBuilder {
        self.http.push(("GET", path.to_owned(), Arc::new(handler)));
        self
    }

    /// Answers `POST` requests to `path` with `handler`.
    pub fn post(
        mut self,
        path: &str,
        handler: impl Fn(&HttpRequest) -> HttpResponse + Send + Sync + 'static,
    ) -> AppBuilder {
        self.http.push(("POST", path.to_owned(), Arc::new(handler)));
        self
    }

    /// The PubSub views subscribe through (default: in-process [`LocalPubSub`]).
    pub fn pubsub(mut self, pubsub: Arc<dyn PubSub>) -> AppBuilder {
        self.pubsub = Some(pubsub);
        self
    }

    /// Idle time after which a view hibernates (default 15 s).
    pub fn hibernate_after(mut self, after: Duration) -> AppBuilder {
        self.config.runtime.hibernate_after = after;
        self
    }

    /// Most connected views at once; more joins are refused (see `RuntimeConfig::max_views`).
    pub fn max_views(mut self, max: usize) -> AppBuilder {
        self.config.runtime.max_views = max;
        self
    }

    /// Capacity of each view's mailbox (see `RuntimeConfig::mailbox_capacity`, default 8).
    /// A client frame waits for room at most `ConnectionLimits::mailbox_wait`, then the
    /// connection is closed: a view that cannot keep up is never buffered for without bound.
    pub fn mailbox_capacity(mut self, capacity: usize) -> AppBuilder {
        self.config.runtime.mailbox_capacity = capacity.max(1);
        self
    }

    /// Limits of each socket: views joined, frames per second, mailbox wait (see
    /// [`ConnectionLimits`](crate::ConnectionLimits) for the defaults).
    pub fn connection_limits(mut self, limits: crate::ConnectionLimits) -> AppBuilder {
        self.config.limits = limits;
        self
    }

    /// Origins allowed to open a socket (`https://example.com`, or a bare host
    /// `example.com`; `"*"` allows any). Default: the request's own `Host`.
    pub fn check_origin(mut self, origins: Vec<String>) -> AppBuilder {
        self.config.check_origin = origins;
        self
    }

    /// Static asset paths the pages track with `phx-track-static`; a client that reports
    /// others gets `static_changed() == true` (a new deploy).
    pub fn track_static(mut self, paths: Vec<String>) -> AppBuilder {
        self.config.tracked_static = paths;
        self
    }

    /// The name of the signed session cookie (default `_liveview_key`; Phoenix apps use
    /// `_<app>_key`).
    pub fn session_cookie(mut self, name: &str) -> AppBuilder {
        self.config.session_cookie = name.to_owned();
        self
    }

    /// Builds the app, checking every route and template.
    ///
    /// # Errors
    /// The first [`BuildError`] found.
    pub fn build(self) -> Result<App, BuildError> {
        let salt = self.salt.ok_or(BuildError::MissingSalt)?;
        if salt.len() < 8 {
            return Err(BuildError::WeakSalt);
        }
        let secret = self.secret.unwrap_or_else(|| {
            log::warn!("no secret_key_base set: using a random one for this process only");
            rand::random::<[u8; 48]>().to_vec()
        });
        if secret.len() < 32 {
            return Err(BuildError::WeakSecret);
        }
        let signer =
            |suffix: &str| Signer::new(&secret, &format!("{salt}{suffix}")).map_err(signer_error);
        let sessions = Sessions::new(signer("")?, signer("/flash")?);
        let cookies = CookieStore::new(signer("/cookie")?, self.config.session_cookie.clone());

        let mut live_session_names: Vec<&str> = Vec::new();
        for session in &self.live_sessions {
            let name = session.name.as_deref().unwrap_or_default();
            if live_session_names.contains(&name) {
                return Err(BuildError::DuplicateLiveSession { name: name.to_owned() });
            }
            live_session_names.push(name);
        }

        let sessions_iter = std::iter::once(self.default_session).chain(self.live_sessions);
        let mut specs = Vec::new();
        let mut views = self.views;
        for session in sessions_iter {
            if let Some(layout) = session.root_layout {
                let name = session.name.as_deref().unwrap_or_default();
                layout.prepare().map_err(|e| BuildError::Template {
                    view: format!("root layout of live_session {name}"),
                    message: e.to_string(),
                })?;
            }
            for mut spec in session.routes {
                let mut merged = session.session.clone();
                merged.extend(spec.session);
                spec.session = merged;
                spec.root_layout = session.root_layout;
                specs.push(spec);
            }
            views.extend(session.views);
        }
        let views = dedupe(views)?;
        for view in &views {
            view.prepare().map_err(|e| BuildError::Template {
                view: view.name().to_owned(),
                message: e.to_string(),
            })?;
            if let Some(layout) = &view.options().layout {
                if !self.layouts.contains_key(layout) {
                    return Err(BuildError::UnknownLayout {
                        view: view.name().to_owned(),
                        layout: layout.clone(),
                    });
                }
            }
        }
        let components = dedupe(self.components)?;
        for component in &components {
            component.prepare().map_err(|e| BuildError::Template {
                view: component.name().to_owned(),
                message: e.to_string(),
            })?;
        }
        self.root_layout.prepare().map_err(|e| BuildError::Template {
            view: "root layout".to_owned(),
            message: e.to_string(),
        })?;
        for (name, layout) in &self.layouts {
            layout.prepare().map_err(|e| BuildError::Template {
                view: format!("layout {name}"),
                message: e.to_string(),
            })?;
        }

        let pubsub = self.pubsub.unwrap_or_else(|| Arc::new(LocalPubSub::new()));
        let runtime = Runtime::new(
            self.config.runtime.clone(),
            views,
            components,
            self.layouts,
            pubsub,
            sessions.clone(),
        );

        let mut live = LiveRouter::default();
        for spec in specs {
            let pattern = parse(&spec.path)?;
            let Some(view) = runtime.view(&spec.view) else { continue };
            let route = LiveRoute {
                view,
                session: spec.session,
                live_session: spec.live_session,
                root_layout: spec.root_layout,
            };
            if !live.routes.add(pattern, route) {
                return Err(BuildError::DuplicateRoute { path: spec.path });
            }
        }
        let mut http = HttpRoutes::default();
        for (method, path, handler) in self.http {
            let pattern = parse(&path)?;
            let clashes_live =
                method == "GET" && live.routes.routes().any(|(p, _)| p.same_shape(&pattern));
            let router: &mut Router<Handler> =
                if method == "GET" { &mut http.get } else { &mut http.post };
            if clashes_live || !router.add(pattern, handler) {
                return Err(BuildError::DuplicateRoute { path });
            }
        }
        let live = Arc::new(live);
        let runtime = runtime.with_router(live.clone());

        Ok(App {
            inner: Arc::new(AppInner {
                runtime,
                sessions,
                cookies,
                live,
                http,
                root_layout: self.root_layout,
                config: self.config,
                next_transport: std::sync::atomic::AtomicU64::new(1),
            }),
        })
    }
}

fn parse(path: &str) -> Result<PathPattern, BuildError> {
    PathPattern::parse(path)
        .map_err(|e| BuildError::InvalidRoute { path: path.to_owned(), message: e.to_string() })
}

fn signer_error(e: SignerError) -> BuildError {
    match e {
        SignerError::WeakSalt => BuildError::WeakSalt,
        _ => BuildError::WeakSecret,
    }
}

/// One definition per name; the same type registered twice under one name is kept once.
fn dedupe<T>(registered: Vec<Registered<T>>) -> Result<Vec<T>, BuildError> {
    let mut seen: HashMap<String, TypeId> = HashMap::new();
    let mut out = Vec::new();
    for r in registered {
        match seen.get(&r.name) {
            Some(type_id) if *type_id == r.type_id => {}
            Some(_) => return Err(BuildError::DuplicateName { name: r.name }),
            None => {
                seen.insert(r.name, r.type_id);
                out.push(r.def);
            }
        }
    }
    Ok(out)
}
