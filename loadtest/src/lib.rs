//! Benchmarks for liveview: a Phoenix Channels V2 load tool (`lv-load`), the raw tungstenite
//! echo floor (`lv-echo`), and the report writer that turns results into `BENCHMARKS.md`.
//!
//! The tool does what the official JS client does for each connection: GET the page, read the
//! CSRF token and the main view's `data-phx-session`/`data-phx-static`, upgrade
//! `/live/websocket?_csrf_token=..&vsn=2.0.0`, `phx_join` the view, then send `phx-click`
//! events and time each reply.

pub mod connect;
pub mod driver;
pub mod echo;
pub mod frame;
pub mod page;
pub mod procfs;
pub mod report;
pub mod run;
pub mod stats;
pub mod svg;
