//! Handlebars templates compiled into liveview's statics and dynamics, with change tracking.
//!
//! # Brief overview
//! - [`TemplateRegistry`]: helpers and partials; [`TemplateRegistry::compile`] turns a
//!   handlebars source into a [`CompiledTemplate`], which implements core's `Template`.
//! - [`template!`]: a template colocated with the view's `.rs` file (or inline), compiled
//!   lazily, checked at the app's build, reloaded from disk in dev mode.
//! - [`TemplateError`]: file, line, column and what is wrong.
//!
//! # How a template becomes a `Rendered`
//! Raw text becomes statics; every `{{...}}` is a slot that knows the root assigns it reads.
//! `{{#if}}`/`{{#unless}}`/`{{#with}}` and partials become nested trees, `{{#each}}` a
//! comprehension. A render evaluates only the slots whose assigns changed and reports the
//! others as `None`; a changed condition sends its whole branch again. Anything the compiler
//! cannot split (user block helpers, inline partials) is rendered by handlebars itself as
//! text and re-rendered after every change.
//!
//! LiveView helpers: `live_component`, `live_render` (session from `session=` and
//! `session_<key>=` arguments), `live_patch`, `live_redirect`, `live_title`, `csrf_meta`, and
//! form helpers (`text_input`, `email_input`, `password_input`, `hidden_input`,
//! `number_input`, `textarea`, `checkbox`, `select`, `submit`, `label`, `error_tag`).
//! Components get a `myself` assign, so `phx-target="{{myself}}"` works.
//!
//! ```
//! use liveview_core::{Assigns, Template};
//! use liveview_templates::{TemplateRegistry, to_html};
//!
//! let template = TemplateRegistry::new().compile("list", "<ul>{{#each items}}<li>{{this}}</li>{{/each}}</ul>")?;
//! let mut assigns = Assigns::new();
//! assigns.set("items", ["a", "b"]).unwrap();
//! assert_eq!(to_html(&template.render(&assigns).unwrap()).unwrap(), "<ul><li>a</li><li>b</li></ul>");
//! # Ok::<(), liveview_templates::TemplateError>(())
//! ```

mod colocated;
mod compile;
mod error;
mod eval;
mod live;
mod node;
mod registry;
mod template;

pub use colocated::{DEV_RELOAD_ENV, StaticTemplate, is_dev_reload, set_dev_reload};
pub use error::{TemplateError, TemplateErrorKind};
pub use registry::TemplateRegistry;
pub use template::{CompiledTemplate, to_html};

/// The handlebars crate, for writing helpers (`handlebars::HelperDef`, `handlebars_helper!`).
pub use handlebars;

/// The assign a LiveComponent's template reads its own cid from (`phx-target="{{myself}}"`).
pub const MYSELF: &str = "myself";
