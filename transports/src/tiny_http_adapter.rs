//! Serving live pages and the long-poll transport from a program's own tiny_http loop.
//!
//! WebSocket is not available here: tiny_http's `Request::upgrade` hands back a
//! `Box<dyn ReadWrite + Send>` that can be neither split (`try_clone`) nor given a read
//! timeout, so a socket on it could answer the client but never push a diff from a view
//! thread while a read is pending (design.md §2.2, `prototypes/ws_tiny_http_upgrade.rs`).
//! LiveView must push at any moment, so WebSocket requests get `404`; pages served this way
//! should let the JS client fall back to long-poll (`longPollFallbackMs`, or
//! `transport: Phoenix.LongPoll`). For WebSocket, use the standalone [`Server`](crate::Server).

use std::io::{Cursor, Read};
use std::sync::Arc;
use std::thread;

use liveview_core::{Endpoint, HttpRequest, HttpResponse};

use crate::config::ServerConfig;
use crate::front::Front;

/// Serves live pages, the client's assets and long-poll from a tiny_http request loop.
///
/// ```no_run
/// use std::sync::Arc;
/// use liveview_transports::{ServerConfig, TinyHttpAdapter};
/// # fn endpoint() -> Arc<dyn liveview_core::Endpoint> { unimplemented!() }
///
/// let adapter = TinyHttpAdapter::new(endpoint(), ServerConfig::default());
/// let server = tiny_http::Server::http("127.0.0.1:4000").unwrap();
/// for request in server.incoming_requests() {
///     if let Some(request) = adapter.handle(request) {
///         // Not a live route: the program's own routes.
///         let _ = request.respond(tiny_http::Response::from_string("hello"));
///     }
/// }
/// ```
#[derive(Clone, Debug)]
pub struct TinyHttpAdapter {
    front: Arc<Front>,
}

impl TinyHttpAdapter {
    /// An adapter serving `endpoint` (a `liveview::App`) with `config`'s paths and limits.
    /// Head limits and timeouts are tiny_http's own (it has none for heads: put a proxy in
    /// front of an exposed tiny_http server).
    pub fn new(endpoint: Arc<dyn Endpoint>, config: ServerConfig) -> TinyHttpAdapter {
        TinyHttpAdapter { front: Arc::new(Front::new(endpoint, config)) }
    }

    /// Answers `request` if it is ours (long-poll, assets, a route of the endpoint) and gives
    /// it back otherwise. Returns at once: a long-poll `GET` that must wait for messages is
    /// answered from a thread of its own.
    ///
    /// A request given back has its body already read when it is not `GET` or `HEAD` (the
    /// endpoint needed it to decide).
    pub fn handle(&self, mut request: tiny_http::Request) -> Option<tiny_http::Request> {
        let mut converted = convert(&request);
        if converted.method != "GET" && converted.method != "HEAD" {
            match read_body(&mut request, self.front.config.max_body_size) {
                Ok(body) => converted.body = body,
                Err(response) => {
                    respond(request, &response);
                    return None;
                }
            }
        }
        if self.front.is_websocket(&converted) {
            let body = b"websocket is not available on this server; use long-poll".to_vec();
            respond(request, &HttpResponse::new(404, "text/plain; charset=utf-8", body));
            return None;
        }
        if self.front.is_parking_poll(&converted) {
            self.poll_on_thread(request, converted);
            return None;
        }
        match self.front.route(&converted) {
            Some(response) => {
                respond(request, &response);
                None
            }
            None => Some(request),
        }
    }

    fn poll_on_thread(&self, request: tiny_http::Request, converted: HttpRequest) {
        // The request travels through a channel so that it can still be answered here if no
        // thread can be started.
        let (handoff, receive) = crossbeam_channel::bounded::<tiny_http::Request>(1);
        let front = self.front.clone();
        let poll = converted.clone();
        let spawned = thread::Builder::new()
            .name("lv-longpoll-get".into())
            .stack_size(128 * 1024)
            .spawn(move || {
                if let Ok(request) = receive.recv() {
                    respond(request, &front.respond(&poll));
                }
            });
        match spawned {
            Ok(_) => {
                let _ = handoff.send(request);
            }
            Err(_) => respond(request, &self.front.respond(&converted)),
        }
    }
}

fn convert(request: &tiny_http::Request) -> HttpRequest {
    let url = request.url();
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    HttpRequest {
        method: request.method().as_str().to_ascii_uppercase(),
        path: path.to_string(),
        query: query.to_string(),
        headers: request
            .headers()
            .iter()
            .map(|h| (h.field.as_str().as_str().to_ascii_lowercase(), h.value.as_str().to_string()))
            .collect(),
        body: Vec::new(),
        peer: request.remote_addr().copied(),
    }
}

fn read_body(request: &mut tiny_http::Request, limit: usize) -> Result<Vec<u8>, HttpResponse> {
    let too_large =
        || HttpResponse::new(413, "text/plain; charset=utf-8", b"request body too large".to_vec());
    if request.body_length().is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    let read = request.as_reader().take(limit as u64 + 1).read_to_end(&mut body);
    match read {
        Ok(_) if body.len() > limit => Err(too_large()),
        Ok(_) => Ok(body),
        Err(_) => Err(HttpResponse::new(
            400,
            "text/plain; charset=utf-8",
            b"cannot read the body".to_vec(),
        )),
    }
}

fn respond(request: tiny_http::Request, response: &HttpResponse) {
    let headers = response
        .headers
        .iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length"))
        .filter_map(|(name, value)| {
            tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
        })
        .collect();
    let body = response.body.clone();
    let length = body.len();
    // The length is known: send it rather than tiny_http's chunked encoding above 32 KiB.
    let reply = tiny_http::Response::new(
        response.status.into(),
        headers,
        Cursor::new(body),
        Some(length),
        None,
    )
    .with_chunked_threshold(usize::MAX);
    if let Err(e) = request.respond(reply) {
        log::debug!("tiny_http adapter: writing the response failed: {e}");
    }
}
