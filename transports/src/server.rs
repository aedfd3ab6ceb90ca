//! The standalone server: one `TcpListener` for pages, assets, WebSocket and long-poll
//! (design.md §2.2), a thread per connection, HTTP/1.1 keep-alive.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use liveview_core::{App, Endpoint, HttpResponse};

use crate::config::ServerConfig;
use crate::error::ServerError;
use crate::front::Front;
use crate::http::{HttpConn, has_token, linger_close, write_response};
use crate::websocket;

/// A bound, not yet serving, HTTP + WebSocket + long-poll server.
///
/// ```no_run
/// use std::sync::Arc;
/// use liveview_transports::{Server, ServerConfig};
/// # fn endpoint() -> Arc<dyn liveview_core::Endpoint> { unimplemented!() }
///
/// let server = Server::bind("127.0.0.1:4000", ServerConfig::default())?;
/// println!("listening on http://{}", server.local_addr());
/// server.serve(endpoint())?; // blocks
/// # Ok::<(), liveview_transports::ServerError>(())
/// ```
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    config: ServerConfig,
}

impl Server {
    /// Binds the listening socket (use port `0` for any free port, then [`Server::port`]).
    ///
    /// # Errors
    /// [`ServerError::Bind`] when the address cannot be bound.
    pub fn bind(addr: impl ToSocketAddrs, config: ServerConfig) -> Result<Server, ServerError> {
        let listener = TcpListener::bind(addr).map_err(ServerError::Bind)?;
        let local_addr = listener.local_addr().map_err(ServerError::Bind)?;
        Ok(Server { listener, local_addr, config })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// Serves `endpoint` on the calling thread, forever.
    ///
    /// # Errors
    /// Does not return errors today; the `Result` leaves room for fatal listener failures.
    pub fn serve(self, endpoint: Arc<dyn Endpoint>) -> Result<(), ServerError> {
        let front = Arc::new(Front::new(endpoint, self.config));
        accept_loop(&self.listener, &front, &AtomicBool::new(false));
        Ok(())
    }

    /// Serves `endpoint` on a background thread; the handle stops it.
    ///
    /// # Errors
    /// [`ServerError::Spawn`] when the accept thread cannot be started.
    pub fn spawn(self, endpoint: Arc<dyn Endpoint>) -> Result<ServerHandle, ServerError> {
        let front = Arc::new(Front::new(endpoint, self.config));
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        let listener = self.listener;
        let thread = thread::Builder::new()
            .name("lv-accept".into())
            .spawn(move || accept_loop(&listener, &front, &stop_flag))
            .map_err(ServerError::Spawn)?;
        Ok(ServerHandle { local_addr: self.local_addr, stop, thread: Some(thread) })
    }
}

/// Serves `app` on `addr` with the default [`ServerConfig`], forever (on the calling thread).
///
/// The app's `check_origin` list becomes the server's ([`ServerConfig::for_app`]), so origins
/// are configured in one place.
///
/// # Errors
/// [`ServerError::Bind`] when the address cannot be bound.
pub fn serve(app: App, addr: impl ToSocketAddrs) -> Result<(), ServerError> {
    let config = ServerConfig::for_app(&app);
    Server::bind(addr, config)?.serve(Arc::new(app))
}

/// A server running on a background thread ([`Server::spawn`]).
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// Stops accepting connections and waits for the accept thread; open connections live on
    /// until their clients leave.
    pub fn shutdown(mut self) {
        self.stop.store(true, Ordering::Release);
        // Wake the blocked `accept`.
        let mut wake = self.local_addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Counts one open connection for `max_connections`, until dropped (with the HTTP thread,
/// or with the WebSocket reader that took it over).
#[derive(Debug)]
pub(crate) struct ConnectionGuard(Arc<AtomicUsize>);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn accept_loop(listener: &TcpListener, front: &Arc<Front>, stop: &AtomicBool) {
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        if stop.load(Ordering::Acquire) {
            break;
        }
        let mut stream = match stream {
            Ok(stream) => stream,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                log::warn!("accept failed: {e}");
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if open.fetch_add(1, Ordering::AcqRel) >= front.config.max_connections {
            open.fetch_sub(1, Ordering::AcqRel);
            let _ = stream.set_nonblocking(true);
            let _ = stream.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
            continue;
        }
        let guard = ConnectionGuard(open.clone());
        let front = front.clone();
        let spawned = thread::Builder::new()
            .name("lv-http".into())
            .stack_size(front.config.http_stack_size)
            .spawn(move || serve_connection(&front, stream, guard));
        if let Err(e) = spawned {
            log::warn!("cannot start a connection thread, dropping the connection: {e}");
        }
    }
}

fn serve_connection(front: &Front, stream: TcpStream, guard: ConnectionGuard) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(front.config.write_timeout));
    let mut conn = HttpConn::new(stream);
    loop {
        let incoming = match conn.read_request(&front.config) {
            Ok(incoming) => incoming,
            Err(e) => {
                if let Some(status) = e.status() {
                    let body = e.to_string().into_bytes();
                    let response = HttpResponse::new(status, "text/plain; charset=utf-8", body);
                    let _ = write_response(&mut conn.stream, &response, false, false);
                    linger_close(&mut conn.stream);
                }
                return;
            }
        };
        let request = incoming.request;
        if front.is_websocket(&request) && has_token(&request, "upgrade", "websocket") {
            return websocket::upgrade(front, conn, request, guard);
        }
        let response = front.respond(&request);
        let head_only = request.method == "HEAD";
        let written = write_response(&mut conn.stream, &response, incoming.keep_alive, head_only);
        if written.is_err() || !incoming.keep_alive {
            return;
        }
    }
}
