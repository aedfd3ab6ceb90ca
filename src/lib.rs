//! Phoenix LiveView for Rust, without an async runtime.

#[doc(inline)]
pub use liveview_core::*;

// The app every transport serves, named here so the facade's docs list it first.
pub use liveview_core::{App, AppBuilder, AppConfig, BuildError, LiveSession};

#[doc(no_inline)]
pub use liveview_transports::tiny_http;
#[doc(inline)]
pub use liveview_transports::{
    CheckOrigin, Server, ServerConfig, ServerError, ServerHandle, TinyHttpAdapter, serve,
};

#[doc(inline)]
pub use liveview_templates::{
    CompiledTemplate, DEV_RELOAD_ENV, MYSELF, StaticTemplate, TemplateError, TemplateErrorKind,
    TemplateRegistry, inline_template, is_dev_reload, set_dev_reload, template, to_html,
};

/// Several nodes behind a load balancer: Redis PubSub and presence (feature `redis`).
#[cfg(feature = "redis")]
pub use liveview_redis as redis;
