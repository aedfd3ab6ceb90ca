//! The built-in root layout: the HTML document around every live page.
//!
//! It loads the official client (`phoenix.min.js`, `phoenix_live_view.min.js`), our compat
//! script and the app script that connects the `LiveSocket`, and carries the CSRF token in
//! `<meta name="csrf-token">` where the app script reads it. Apps replace it with
//! `AppBuilder::root_layout`; a replacement receives the same assigns (`csrf_token`,
//! `page_title`, `flash`) and the page body as `inner`.

use crate::assigns::Assigns;
use crate::rendered::{Dynamic, Fingerprint, Rendered, Statics};
use crate::view::{RenderError, Template};

const HEAD: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"csrf-token\" content=\"";
const TITLE: &str = "\">\n<title>";
const SCRIPTS: &str = "</title>\n\
<script defer phx-track-static src=\"/assets/phoenix/phoenix.min.js\"></script>\n\
<script defer phx-track-static src=\"/assets/phoenix_live_view/phoenix_live_view.min.js\"></script>\n\
<script defer phx-track-static src=\"/assets/liveview/compat.js\"></script>\n\
<script defer phx-track-static src=\"/assets/liveview/app.js\"></script>\n\
</head>\n<body>\n";
const TAIL: &str = "\n</body>\n</html>\n";

/// The default root layout (see the module docs).
#[derive(Debug)]
pub(crate) struct DefaultRootLayout;

/// The one instance, usable as `&'static dyn Template`.
pub(crate) static DEFAULT_ROOT_LAYOUT: DefaultRootLayout = DefaultRootLayout;

impl Template for DefaultRootLayout {
    fn prepare(&self) -> Result<(), RenderError> {
        Ok(())
    }

    fn render(&self, _assigns: &Assigns) -> Result<Rendered, RenderError> {
        Err(RenderError::new("the default root layout renders only around a page (render_layout)"))
    }

    fn render_layout(&self, assigns: &Assigns, inner: Rendered) -> Result<Rendered, RenderError> {
        let text = |key: &str| assigns.get(key).and_then(|v| v.as_str()).unwrap_or_default();
        let statics = Statics::new([HEAD, TITLE, SCRIPTS, TAIL]);
        let fingerprint = Fingerprint::of_statics(statics.parts());
        Ok(Rendered::new(
            statics,
            fingerprint,
            vec![
                Dynamic::escaped(text("csrf_token")),
                Dynamic::escaped(text("page_title")),
                Dynamic::Nested(Box::new(inner)),
            ],
        ))
    }
}
