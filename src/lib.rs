//! Phoenix LiveView for Rust, without an async runtime.

#[doc(inline)]
pub use liveview_core::*;

#[doc(inline)]
pub use liveview_templates::{
    CompiledTemplate, DEV_RELOAD_ENV, MYSELF, StaticTemplate, TemplateError, TemplateErrorKind,
    TemplateRegistry, inline_template, is_dev_reload, set_dev_reload, template, to_html,
};
