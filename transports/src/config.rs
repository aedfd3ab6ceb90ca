//! Server settings: limits, timeouts, paths. Every default is documented on its field.

use std::path::PathBuf;
use std::time::Duration;

use liveview_core::App;

use crate::origin::CheckOrigin;

/// Settings of the standalone [`Server`](crate::Server) and the
/// [`TinyHttpAdapter`](crate::TinyHttpAdapter).
///
/// Limits exist so that one bad client costs one connection, never the process: a head larger
/// than `max_head_size` gets `431`, a body larger than `max_body_size` gets `413`, a head that
/// does not arrive within `request_timeout` (slowloris) gets the connection closed.
///
/// ```
/// use std::time::Duration;
/// use liveview_transports::ServerConfig;
///
/// let config = ServerConfig::default().with_request_timeout(Duration::from_secs(5));
/// assert_eq!(config.max_headers, 64);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Where the socket endpoints live: `<socket_path>/websocket` and `<socket_path>/longpoll`.
    /// Default `/live` (what `new LiveSocket("/live", ...)` connects to).
    pub socket_path: String,
    /// The npm `node_modules` folder holding `phoenix` and `phoenix_live_view`.
    /// Default: env `LIVEVIEW_NODE_MODULES`, else `node_modules` under the current directory.
    pub assets_dir: PathBuf,
    /// Which `Origin` may open a socket (WebSocket handshake and long-poll connect).
    /// Default [`CheckOrigin::SameHost`].
    pub check_origin: CheckOrigin,
    /// Largest request head (request line + headers) in bytes. Default 16 KiB.
    pub max_head_size: usize,
    /// Most headers in one request. Default 64.
    pub max_headers: usize,
    /// Largest request body in bytes. Default 8 MiB (long-poll upload chunks arrive base64 in
    /// batches of up to 100 messages).
    pub max_body_size: usize,
    /// Time for a whole request (head and body) to arrive once its first byte came. Default 10 s.
    pub request_timeout: Duration,
    /// How long a kept-alive connection may sit idle between requests. Default 15 s.
    pub keep_alive_timeout: Duration,
    /// A write that blocks longer than this disconnects the client (it does not keep up; nothing
    /// is buffered for it). Default 10 s.
    pub write_timeout: Duration,
    /// Open connections (HTTP and WebSocket) beyond which new ones are refused with `503`.
    /// Default 8,000: below the ~16k threads a process gets here, with room for view threads.
    pub max_connections: usize,
    /// Stack of the thread that serves one HTTP connection (it runs static renders). Default
    /// 512 KiB; only touched pages cost memory.
    pub http_stack_size: usize,
    /// Stack of each WebSocket reader thread. Default 128 KiB: room for the core's handling
    /// of one frame, which the transports allow to nest at most 32 levels (deeper frames
    /// close the connection with 1008, or get `{"status":400}` over long-poll), with a 2×
    /// margin even in debug builds.
    pub ws_stack_size: usize,
    /// Largest incoming WebSocket message and frame in bytes (`1009` close beyond). Default 1 MiB.
    pub ws_max_message_size: usize,
    /// tungstenite's read buffer per WebSocket. Default 1 KiB: idle views dominate memory,
    /// Phoenix frames (join included) fit, and a bigger frame grows the buffer to its size.
    pub ws_read_buffer_size: usize,
    /// A WebSocket without any frame (heartbeats included) for this long is closed. Default
    /// 60 s, like Phoenix; the JS client sends a heartbeat every 30 s.
    pub ws_idle_timeout: Duration,
    /// How long a long-poll GET waits for messages before answering `204`. Default 10 s.
    pub longpoll_window: Duration,
    /// A long-poll session without a poll for this long is closed. Default 15 s (1.5 × window).
    pub longpoll_session_timeout: Duration,
    /// Messages queued for one long-poll session before it is closed as too slow. Default 1,024.
    pub longpoll_max_buffer: usize,
    /// Most messages in one long-poll POST. Default 100, like Phoenix and phoenix.js.
    pub longpoll_max_batch: usize,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        let assets_dir = std::env::var_os("LIVEVIEW_NODE_MODULES")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("node_modules"));
        ServerConfig {
            socket_path: "/live".into(),
            assets_dir,
            check_origin: CheckOrigin::SameHost,
            max_head_size: 16 * 1024,
            max_headers: 64,
            max_body_size: 8 * 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(15),
            write_timeout: Duration::from_secs(10),
            max_connections: 8_000,
            http_stack_size: 512 * 1024,
            ws_stack_size: 128 * 1024,
            ws_max_message_size: 1024 * 1024,
            ws_read_buffer_size: 1024,
            ws_idle_timeout: Duration::from_secs(60),
            longpoll_window: Duration::from_secs(10),
            longpoll_session_timeout: Duration::from_secs(15),
            longpoll_max_buffer: 1024,
            longpoll_max_batch: 100,
        }
    }
}

impl ServerConfig {
    /// The defaults, with `check_origin` taken from the app's (`AppBuilder::check_origin`):
    /// an empty list is [`CheckOrigin::SameHost`], `"*"` is [`CheckOrigin::Off`], anything
    /// else an allow-list.
    pub fn for_app(app: &App) -> ServerConfig {
        let origins = &app.config().check_origin;
        let check_origin = if origins.is_empty() {
            CheckOrigin::SameHost
        } else if origins.iter().any(|o| o == "*") {
            CheckOrigin::Off
        } else {
            CheckOrigin::AllowList(origins.clone())
        };
        ServerConfig { check_origin, ..ServerConfig::default() }
    }

    /// Sets [`ServerConfig::socket_path`].
    pub fn with_socket_path(mut self, path: &str) -> ServerConfig {
        self.socket_path = path.trim_end_matches('/').to_string();
        self
    }

    /// Sets [`ServerConfig::assets_dir`].
    pub fn with_assets_dir(mut self, dir: impl Into<PathBuf>) -> ServerConfig {
        self.assets_dir = dir.into();
        self
    }

    /// Sets [`ServerConfig::check_origin`].
    pub fn with_check_origin(mut self, check: CheckOrigin) -> ServerConfig {
        self.check_origin = check;
        self
    }

    /// Sets [`ServerConfig::max_head_size`].
    pub fn with_max_head_size(mut self, bytes: usize) -> ServerConfig {
        self.max_head_size = bytes;
        self
    }

    /// Sets [`ServerConfig::max_headers`].
    pub fn with_max_headers(mut self, count: usize) -> ServerConfig {
        self.max_headers = count;
        self
    }

    /// Sets [`ServerConfig::max_body_size`].
    pub fn with_max_body_size(mut self, bytes: usize) -> ServerConfig {
        self.max_body_size = bytes;
        self
    }

    /// Sets [`ServerConfig::request_timeout`].
    pub fn with_request_timeout(mut self, timeout: Duration) -> ServerConfig {
        self.request_timeout = timeout;
        self
    }

    /// Sets [`ServerConfig::keep_alive_timeout`].
    pub fn with_keep_alive_timeout(mut self, timeout: Duration) -> ServerConfig {
        self.keep_alive_timeout = timeout;
        self
    }

    /// Sets [`ServerConfig::write_timeout`].
    pub fn with_write_timeout(mut self, timeout: Duration) -> ServerConfig {
        self.write_timeout = timeout;
        self
    }

    /// Sets [`ServerConfig::max_connections`].
    pub fn with_max_connections(mut self, count: usize) -> ServerConfig {
        self.max_connections = count;
        self
    }

    /// Sets [`ServerConfig::http_stack_size`].
    pub fn with_http_stack_size(mut self, bytes: usize) -> ServerConfig {
        self.http_stack_size = bytes;
        self
    }

    /// Sets [`ServerConfig::ws_stack_size`].
    pub fn with_ws_stack_size(mut self, bytes: usize) -> ServerConfig {
        self.ws_stack_size = bytes;
        self
    }

    /// Sets [`ServerConfig::ws_max_message_size`].
    pub fn with_ws_max_message_size(mut self, bytes: usize) -> ServerConfig {
        self.ws_max_message_size = bytes;
        self
    }

    /// Sets [`ServerConfig::ws_idle_timeout`].
    pub fn with_ws_idle_timeout(mut self, timeout: Duration) -> ServerConfig {
        self.ws_idle_timeout = timeout;
        self
    }

    /// Sets [`ServerConfig::longpoll_window`].
    pub fn with_longpoll_window(mut self, window: Duration) -> ServerConfig {
        self.longpoll_window = window;
        self
    }

    /// Sets [`ServerConfig::longpoll_session_timeout`].
    pub fn with_longpoll_session_timeout(mut self, timeout: Duration) -> ServerConfig {
        self.longpoll_session_timeout = timeout;
        self
    }

    /// Sets [`ServerConfig::longpoll_max_buffer`].
    pub fn with_longpoll_max_buffer(mut self, messages: usize) -> ServerConfig {
        self.longpoll_max_buffer = messages;
        self
    }

    pub(crate) fn websocket_path(&self) -> String {
        format!("{}/websocket", self.socket_path)
    }

    pub(crate) fn longpoll_path(&self) -> String {
        format!("{}/longpoll", self.socket_path)
    }
}
