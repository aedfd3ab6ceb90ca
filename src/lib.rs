//! Phoenix LiveView for Rust, without an async runtime.

#[doc(inline)]
pub use liveview_core::*;
