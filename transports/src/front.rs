//! Routing shared by the standalone server and the tiny_http adapter: long-poll, assets, then
//! the endpoint's own routes.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use liveview_core::{Endpoint, HttpRequest, HttpResponse};

use crate::assets::Assets;
use crate::config::ServerConfig;
use crate::longpoll::LongPoll;

/// What serves requests: the endpoint plus our own routes.
pub(crate) struct Front {
    pub(crate) endpoint: Arc<dyn Endpoint>,
    pub(crate) config: ServerConfig,
    assets: Assets,
    longpoll: LongPoll,
    websocket_path: String,
    longpoll_path: String,
}

impl std::fmt::Debug for Front {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Front").field("config", &self.config).finish_non_exhaustive()
    }
}

impl Front {
    pub(crate) fn new(endpoint: Arc<dyn Endpoint>, config: ServerConfig) -> Front {
        Front {
            endpoint,
            assets: Assets::new(config.assets_dir.clone()),
            longpoll: LongPoll::new(&config),
            websocket_path: config.websocket_path(),
            longpoll_path: config.longpoll_path(),
            config,
        }
    }

    pub(crate) fn is_websocket(&self, request: &HttpRequest) -> bool {
        request.path == self.websocket_path
    }

    /// A long-poll `GET` that parks until messages arrive or the window ends.
    pub(crate) fn is_parking_poll(&self, request: &HttpRequest) -> bool {
        request.path == self.longpoll_path && LongPoll::blocks(request)
    }

    /// The response for a request, `None` when no route matches.
    pub(crate) fn route(&self, request: &HttpRequest) -> Option<HttpResponse> {
        // A panic in an app route or in the core costs that request a 500, not the
        // connection's thread (or, under the tiny_http adapter, the caller's request loop).
        catch_unwind(AssertUnwindSafe(|| self.route_unguarded(request))).unwrap_or_else(|_| {
            log::error!("panic while answering {} {}", request.method, request.path);
            Some(HttpResponse::new(
                500,
                "text/plain; charset=utf-8",
                b"internal server error".to_vec(),
            ))
        })
    }

    fn route_unguarded(&self, request: &HttpRequest) -> Option<HttpResponse> {
        if request.path == self.longpoll_path {
            return Some(self.longpoll.handle(self.endpoint.as_ref(), &self.config, request));
        }
        if self.is_websocket(request) {
            return Some(HttpResponse::new(
                400,
                "text/plain; charset=utf-8",
                b"expected a websocket upgrade".to_vec(),
            ));
        }
        if let Some(response) = self.assets.serve(request) {
            return Some(response);
        }
        self.endpoint.handle_http(request)
    }

    /// The response for a request, `404` when no route matches.
    pub(crate) fn respond(&self, request: &HttpRequest) -> HttpResponse {
        self.route(request).unwrap_or_else(|| {
            HttpResponse::new(404, "text/plain; charset=utf-8", b"not found".to_vec())
        })
    }
}
