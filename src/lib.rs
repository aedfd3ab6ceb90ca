//! Phoenix LiveView for Rust, without an async runtime.

#[doc(inline)]
pub use liveview_core::*;
#[doc(no_inline)]
pub use liveview_transports::tiny_http;
#[doc(inline)]
pub use liveview_transports::{
    CheckOrigin, Server, ServerConfig, ServerError, ServerHandle, TinyHttpAdapter, serve,
};
mod placeholder {}
