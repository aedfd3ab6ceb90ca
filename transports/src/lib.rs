//! The transports of [liveview](https://docs.rs/liveview): the one-port HTTP/1.1 front door,
//! WebSocket (tungstenite on the owned `TcpStream`), long-poll, and a tiny_http adapter.
//!
//! Everything a transport does with the app goes through [`liveview_core::Endpoint`]: plain
//! requests to `handle_http`, socket connections to `connect`, which returns the core's
//! `ClientConnection` and receives a [`liveview_core::Transport`] (the sending half, callable
//! from any thread at any moment).
//!
//! # One port
//! [`Server`] owns its `TcpListener` and serves, on one host:port:
//! - `GET <socket_path>/websocket`: WebSocket upgrade (`Sec-WebSocket-Protocol: phoenix` when
//!   offered, no permessage-deflate, [`CheckOrigin`] on the handshake);
//! - `GET|POST|OPTIONS <socket_path>/longpoll`: the long-poll transport of phoenix.js;
//! - `/assets/phoenix/…`, `/assets/phoenix_live_view/…` from the npm packages and
//!   `/assets/liveview/{app,compat}.js` embedded;
//! - everything else: `Endpoint::handle_http`, else `404`.
//!
//! A thread serves each connection (HTTP/1.1 keep-alive); a WebSocket gets its own reader
//! thread with a small stack. [`ServerConfig`] documents every limit and timeout.
//!
//! ```no_run
//! # fn app() -> liveview_core::App { unimplemented!() }
//! liveview_transports::serve(app(), "127.0.0.1:4000")?;
//! # Ok::<(), liveview_transports::ServerError>(())
//! ```

mod assets;
mod config;
mod depth;
mod error;
mod front;
mod http;
mod longpoll;
mod origin;
mod server;
mod tiny_http_adapter;
mod websocket;

pub use config::ServerConfig;
pub use error::ServerError;
pub use origin::CheckOrigin;
pub use server::{Server, ServerHandle, serve};
pub use tiny_http_adapter::TinyHttpAdapter;

/// The tiny_http version [`TinyHttpAdapter`] is built against, for programs that need the
/// same one.
#[doc(no_inline)]
pub use tiny_http;
