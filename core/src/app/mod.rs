//! The app: routes, views, components, layouts and secrets, served by every transport.
//!
//! [`App`] implements [`Endpoint`]: a live route's HTTP request gets the static render inside
//! the root layout; `/live/websocket` and `/live/longpoll` connections get a
//! [`crate::Connection`] (the Phoenix socket).

mod builder;
pub(crate) mod cookie;
mod error;
mod layout;
mod live_session;
mod routes;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::connection::{Connection, ConnectionLimits};
use crate::http::{HttpRequest, HttpResponse};
use crate::runtime::{Runtime, RuntimeConfig};
use crate::session::Sessions;
use crate::socket::ConnectInfo;
use crate::static_render;
use crate::transport::{ClientConnection, ConnectError, Endpoint, Transport};
use crate::view::{Session, Template};

pub use builder::AppBuilder;
pub use error::BuildError;
pub use live_session::LiveSession;

pub(crate) use cookie::CookieStore;
pub(crate) use routes::{LiveRoute, LiveRouter};

/// Settings of an app (everything but secrets and registrations).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppConfig {
    /// View threads, mailboxes, hibernation, admission control.
    pub runtime: RuntimeConfig,
    /// Origins allowed to open a socket; empty means "same host as the request".
    pub check_origin: Vec<String>,
    /// Static asset paths tracked with `phx-track-static`.
    pub tracked_static: Vec<String>,
    /// Name of the signed session cookie (default `_liveview_key`).
    pub session_cookie: String,
    /// Views per socket, frame rate, mailbox wait (see [`ConnectionLimits`]).
    pub limits: ConnectionLimits,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            runtime: RuntimeConfig::default(),
            check_origin: Vec::new(),
            tracked_static: Vec::new(),
            session_cookie: "_liveview_key".to_owned(),
            limits: ConnectionLimits::default(),
        }
    }
}

pub(crate) struct AppInner {
    pub(crate) runtime: Runtime,
    pub(crate) sessions: Sessions,
    pub(crate) cookies: CookieStore,
    pub(crate) live: Arc<LiveRouter>,
    pub(crate) http: routes::HttpRoutes,
    pub(crate) root_layout: &'static dyn Template,
    pub(crate) config: AppConfig,
    pub(crate) next_transport: AtomicU64,
}

/// A built app; cheap to clone (an `Arc` inside) and shared by every transport thread.
///
/// ```
/// use liveview_core::{
///     App, Assigns, Endpoint, HttpRequest, LiveView, MountParams, RenderError, Rendered,
///     Session, Socket, Template, ViewResult,
/// };
///
/// struct HelloTemplate;
/// impl Template for HelloTemplate {
///     fn prepare(&self) -> Result<(), RenderError> {
///         Ok(())
///     }
///     fn render(&self, _: &Assigns) -> Result<Rendered, RenderError> {
///         Ok(Rendered::from_static("<p>hello</p>"))
///     }
/// }
/// static TEMPLATE: HelloTemplate = HelloTemplate;
///
/// struct HelloLive;
/// impl LiveView for HelloLive {
///     fn mount(_: &MountParams, _: &Session, _: &mut Socket) -> ViewResult<Self> {
///         Ok(HelloLive)
///     }
///     fn template() -> Option<&'static dyn Template> {
///         Some(&TEMPLATE)
///     }
/// }
///
/// let app = App::builder()
///     .secret_key_base("a secret key base of at least 32 bytes")
///     .signing_salt("k3Jd9xQa")
///     .live::<HelloLive>("/")
///     .build()?;
/// let page = app.handle_http(&HttpRequest { method: "GET".into(), path: "/".into(), ..Default::default() });
/// assert!(String::from_utf8(page.unwrap().body).unwrap().contains("<p>hello</p>"));
/// # Ok::<(), liveview_core::BuildError>(())
/// ```
#[derive(Clone)]
pub struct App {
    pub(crate) inner: Arc<AppInner>,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("config", &self.inner.config)
            .field("live_routes", &self.inner.live.routes.len())
            .field("http", &self.inner.http)
            .finish_non_exhaustive()
    }
}

impl App {
    /// Starts building an app.
    pub fn builder() -> AppBuilder {
        AppBuilder::new()
    }

    /// The settings.
    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }

    /// The runtime running the connected views.
    pub fn runtime(&self) -> &Runtime {
        &self.inner.runtime
    }

    /// Number of connected views running now.
    pub fn live_views(&self) -> usize {
        self.inner.runtime.live_views()
    }

    /// The verified cookie session of a request (empty when absent or invalid), for app
    /// routes that read what views see as their session.
    pub fn session(&self, request: &HttpRequest) -> Session {
        self.inner.cookies.read(request).unwrap_or_default()
    }

    /// Stores `session` in the signed session cookie of `response` (e.g. after a login
    /// form). The CSRF secret of the request's session is kept, so open pages stay valid.
    pub fn put_session(
        &self,
        request: &HttpRequest,
        response: HttpResponse,
        session: &Session,
    ) -> HttpResponse {
        let mut session = session.clone();
        if let Some(secret) = self.inner.cookies.read(request).as_ref().and_then(cookie::secret_of)
        {
            session.insert(cookie::CSRF_KEY.to_owned(), secret.into());
        }
        response.with_header("set-cookie", self.inner.cookies.set_cookie(&session, request))
    }
}

impl App {
    /// Accepts a socket connection like [`Endpoint::connect`], returning the concrete
    /// [`Connection`] (the in-process test harness uses it to reach running views).
    ///
    /// # Errors
    /// [`ConnectError`] when the origin is refused.
    pub fn connect_socket(
        &self,
        request: &HttpRequest,
        transport: Arc<dyn Transport>,
    ) -> Result<Connection, ConnectError> {
        let inner = &self.inner;
        check_origin(&inner.config.check_origin, request)?;
        let params = crate::form::decode(&request.query);
        // As Phoenix: a socket whose `_csrf_token` does not match the cookie session connects,
        // but without a session, so every LiveView join answers "stale" (page reload).
        let session = inner.cookies.read(request).filter(|session| {
            let masked = params.get(cookie::CSRF_KEY).and_then(|v| v.as_str());
            matches!((masked, cookie::secret_of(session)), (Some(m), Some(s)) if cookie::verify(m, s))
        });
        if session.is_none() {
            log::debug!(
                "socket connected without a valid CSRF token: LiveView joins will be answered \"stale\""
            );
        }
        let info = ConnectInfo {
            peer: request.peer,
            headers: request.headers.clone(),
            transport: transport.kind().to_owned(),
        };
        Ok(Connection::new(Arc::clone(inner), transport, session, params, info))
    }
}

impl Endpoint for App {
    fn handle_http(&self, request: &HttpRequest) -> Option<HttpResponse> {
        let inner = &*self.inner;
        if matches!(request.method.as_str(), "GET" | "HEAD") {
            if let Some((route, path_params)) = inner.live.find(&request.path) {
                return Some(static_render::render_page(inner, route, path_params, request));
            }
        }
        inner.http.find(request).map(|handler| handler(request))
    }

    fn connect(
        &self,
        request: &HttpRequest,
        transport: Arc<dyn Transport>,
    ) -> Result<Box<dyn ClientConnection>, ConnectError> {
        Ok(Box::new(self.connect_socket(request, transport)?))
    }
}

/// Refuses a cross-site socket (Phoenix's `check_origin`): the `Origin` header must be one
/// of `allowed`, or the request's own host when `allowed` is empty. Requests without an
/// `Origin` (not from a browser) pass.
fn check_origin(allowed: &[String], request: &HttpRequest) -> Result<(), ConnectError> {
    let Some(origin) = request.header("origin") else { return Ok(()) };
    let host_of = |url: &str| {
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        rest.split('/').next().unwrap_or_default().to_ascii_lowercase()
    };
    let ok = if allowed.is_empty() {
        request.header("host").is_some_and(|host| host.eq_ignore_ascii_case(&host_of(origin)))
    } else {
        let host = host_of(origin);
        allowed.iter().any(|a| {
            let a = a.to_ascii_lowercase();
            a == "*"
                || a.eq_ignore_ascii_case(origin)
                || (!a.contains("://") && (host == a || host_name(&host) == a))
                // `*.example.com`, as the transports' `CheckOrigin` reads it; the dot is part
                // of the suffix, so `evilexample.com` does not match (CVE-2022-42975's class).
                || a.strip_prefix("*.").is_some_and(|domain| {
                    let name = host_name(&host);
                    name.len() > domain.len() + 1
                        && name.ends_with(domain)
                        && name.as_bytes()[name.len() - domain.len() - 1] == b'.'
                })
        })
    };
    if ok {
        Ok(())
    } else {
        Err(ConnectError::Forbidden(format!("origin {origin:?} is not allowed (check_origin)")))
    }
}

/// `host:port` → `host`.
fn host_name(host: &str) -> &str {
    host.rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(h, _)| h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(origin: &str, host: &str) -> HttpRequest {
        HttpRequest {
            headers: vec![("origin".into(), origin.into()), ("host".into(), host.into())],
            ..HttpRequest::default()
        }
    }

    #[test]
    fn origin_rules() {
        assert!(check_origin(&[], &request("http://localhost:4000", "localhost:4000")).is_ok());
        assert!(check_origin(&[], &request("http://evil.com", "localhost:4000")).is_err());
        let allowed = vec!["https://app.example.com".to_owned(), "other.org".to_owned()];
        assert!(check_origin(&allowed, &request("https://app.example.com", "x")).is_ok());
        assert!(check_origin(&allowed, &request("http://other.org:8080", "x")).is_ok());
        assert!(check_origin(&allowed, &request("http://evil.com", "x")).is_err());
        assert!(check_origin(&["*".to_owned()], &request("http://evil.com", "x")).is_ok());
        assert!(check_origin(&[], &HttpRequest::default()).is_ok());
    }

    #[test]
    fn origin_lookalikes_are_refused() {
        let host = "localhost:4000";
        for evil in [
            "http://localhost:4000.evil.com",
            "http://localhost:4000@evil.com",
            "http://evil.com/localhost:4000",
            "http://evil.com?localhost:4000",
            "null",
            "",
        ] {
            assert!(check_origin(&[], &request(evil, host)).is_err(), "{evil}");
        }
        let wildcard = vec!["*.example.com".to_owned()];
        assert!(check_origin(&wildcard, &request("https://app.example.com", "x")).is_ok());
        assert!(check_origin(&wildcard, &request("https://a.b.example.com:8443", "x")).is_ok());
        for evil in
            ["https://evilexample.com", "https://example.com", "https://example.com.evil.org"]
        {
            assert!(check_origin(&wildcard, &request(evil, "x")).is_err(), "{evil}");
        }
    }
}
