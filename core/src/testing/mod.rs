//! In-process testing of live views, like `Phoenix.LiveViewTest` (feature `testing`).
//!
//! [`LiveViewTest::live`] loads a page through the app exactly as a browser would: the
//! static ("dead") render over HTTP, then a socket connection and a join. The socket is in
//! memory — no ports, no browser — but everything behind it is the real thing: token and CSRF
//! checks, the view's own thread, the diff engine, and the JS client's merge (ported to Rust
//! in [`crate::merge`]), so [`LiveViewTest::render`] returns the HTML the browser would show.
//!
//! Steps act on elements the way a user would: [`LiveViewTest::element`] finds an element by
//! CSS selector and [`Element::click`] sends the event its `phx-click` names, with its own
//! `phx-value-*` and `phx-target`. Navigation comes back as a value:
//! `Err(TestError::Redirected(..))` for `push_navigate`/`redirect`, and
//! [`LiveViewTest::take_patch`] for `push_patch`.
//!
//! ```
//! use liveview_core::testing::LiveViewTest;
//! use liveview_core::{
//!     App, Assigns, Dynamic, Fingerprint, LiveView, MountParams, RenderError, Rendered,
//!     Session, Socket, Statics, ViewResult,
//! };
//! use serde_json::Value;
//!
//! struct Counter;
//!
//! impl LiveView for Counter {
//!     fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
//!         socket.assign("count", 0)?;
//!         Ok(Counter)
//!     }
//!
//!     // A hand-written render; real apps use `liveview::template!("counter.html.hbs")`.
//!     fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
//!         let statics = Statics::new([r#"<p id="count">"#, r#"</p><button id="inc" phx-click="inc">+</button>"#]);
//!         let fingerprint = Fingerprint::of_statics(statics.parts());
//!         let count = assigns.get("count").map(Value::to_string).unwrap_or_default();
//!         Ok(Rendered::new(statics, fingerprint, vec![Dynamic::escaped(&count)]))
//!     }
//!
//!     fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
//!         if event == "inc" {
//!             socket.update("count", |n: i64| n + 1)?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let app = App::builder()
//!     .secret_key_base([7u8; 64])
//!     .signing_salt("doc-test-salt")
//!     .live::<Counter>("/counter")
//!     .build()?;
//!
//! let mut view = LiveViewTest::live(&app, "/counter")?;
//! assert!(view.dead_html().contains(r#"<p id="count">0</p>"#)); // works with JS off
//! let html = view.element("#inc").click()?;
//! assert!(html.contains(r#"<p id="count">1</p>"#));
//! assert!(view.has_element_with_text("#count", "1"));
//! # Ok(())
//! # }
//! ```

mod client;
mod dom;
mod element;
mod error;
mod stream_dom;
mod upload;
mod view;

pub use element::{Element, Form};
pub use error::{Redirect, TestError};
pub use upload::UploadFile;
pub use view::{ChildView, LiveOptions, LiveViewTest};
