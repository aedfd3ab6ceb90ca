//! The app's route tables: live routes (grouped in live sessions) and plain HTTP routes.

use std::fmt;
use std::sync::Arc;

use crate::http::{HttpRequest, HttpResponse};
use crate::registry::ViewDef;
use crate::router::{Router, parse_query, split_url};
use crate::runtime::RouteResolver;
use crate::view::{Params, Session, Template};

/// One `live` route: the view it mounts, the session it passes to mount, its live session.
pub(crate) struct LiveRoute {
    pub(crate) view: Arc<ViewDef>,
    pub(crate) session: Session,
    /// `None` is the default live session (routes outside any `live_session`).
    pub(crate) live_session: Option<String>,
    /// The live session's own root layout, if it has one.
    pub(crate) root_layout: Option<&'static dyn Template>,
}

impl fmt::Debug for LiveRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveRoute")
            .field("view", &self.view.name())
            .field("live_session", &self.live_session)
            .field("own_root_layout", &self.root_layout.is_some())
            .finish_non_exhaustive()
    }
}

/// Every live route, tried in the order they were declared.
#[derive(Debug, Default)]
pub(crate) struct LiveRouter {
    pub(crate) routes: Router<LiveRoute>,
}

impl LiveRouter {
    /// The route of a local path and its path params.
    pub(crate) fn find(&self, path: &str) -> Option<(&LiveRoute, Params)> {
        self.routes.find(path)
    }

    /// The route of a URL (absolute or local) with its params: query params, then path
    /// params on top (path params win, as in Phoenix).
    pub(crate) fn resolve_url(&self, url: &str) -> Option<(&LiveRoute, Params)> {
        let parts = split_url(url);
        let (route, path_params) = self.find(parts.path)?;
        let mut params = parse_query(parts.query);
        params.extend(path_params);
        Some((route, params))
    }
}

impl RouteResolver for LiveRouter {
    fn resolve(&self, url: &str) -> Option<(String, Params)> {
        self.resolve_url(url).map(|(route, params)| (route.view.name().to_owned(), params))
    }
}

/// A handler of an app route (`AppBuilder::get` / `AppBuilder::post`).
pub(crate) type Handler = Arc<dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync + 'static>;

/// Plain HTTP routes by method.
#[derive(Default)]
pub(crate) struct HttpRoutes {
    pub(crate) get: Router<Handler>,
    pub(crate) post: Router<Handler>,
}

impl HttpRoutes {
    /// The handler for a request (`HEAD` is served by `GET` routes).
    pub(crate) fn find(&self, request: &HttpRequest) -> Option<&Handler> {
        let router = match request.method.as_str() {
            "GET" | "HEAD" => &self.get,
            "POST" => &self.post,
            _ => return None,
        };
        router.find(&request.path).map(|(handler, _)| handler)
    }
}

impl fmt::Debug for HttpRoutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let paths = |r: &Router<Handler>| {
            r.routes().map(|(p, _)| p.as_str().to_owned()).collect::<Vec<_>>()
        };
        f.debug_struct("HttpRoutes")
            .field("get", &paths(&self.get))
            .field("post", &paths(&self.post))
            .finish()
    }
}
