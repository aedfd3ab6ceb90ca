//! A compiled template: implements core's `Template`.

use std::sync::Arc;

use liveview_core::{Assigns, Dynamic, RenderError, Rendered, Template};

use crate::eval::{Cx, Scope};
use crate::node::Fragment;
use crate::registry::Shared;

/// The compiled form, shared by every render.
pub(crate) struct Compiled {
    pub(crate) name: String,
    pub(crate) root: Fragment,
    pub(crate) shared: Arc<Shared>,
    pub(crate) has_inner_content: bool,
    /// Handlebars' AST, for [`CompiledTemplate::render_handlebars`].
    pub(crate) parsed: handlebars::template::Template,
}

/// A handlebars template compiled once into statics and dynamic slots that know which
/// assigns they read.
///
/// Cheap to clone. Build one with [`crate::TemplateRegistry::compile`], or colocate it with
/// [`crate::template!`].
///
/// # Examples
/// ```
/// use liveview_core::{Assigns, Template};
/// use liveview_templates::{TemplateRegistry, to_html};
///
/// let template = TemplateRegistry::new().compile("hello", "<p>Hello {{name}}!</p>")?;
/// let mut assigns = Assigns::new();
/// assigns.set("name", "Ada").unwrap();
/// let rendered = template.render(&assigns).unwrap();
/// assert_eq!(to_html(&rendered).as_deref(), Some("<p>Hello Ada!</p>"));
/// # Ok::<(), liveview_templates::TemplateError>(())
/// ```
#[derive(Clone)]
pub struct CompiledTemplate {
    inner: Arc<Compiled>,
}

impl std::fmt::Debug for CompiledTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledTemplate")
            .field("name", &self.inner.name)
            .field("slots", &self.inner.root.slots.len())
            .finish()
    }
}

impl CompiledTemplate {
    pub(crate) fn new(compiled: Compiled) -> CompiledTemplate {
        CompiledTemplate { inner: Arc::new(compiled) }
    }

    /// The template's name (file name for colocated templates).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    #[cfg(test)]
    pub(crate) fn root_fragment(&self) -> &Fragment {
        &self.inner.root
    }

    /// True when the template has a `{{{inner_content}}}` slot (it can be a layout).
    pub fn is_layout(&self) -> bool {
        self.inner.has_inner_content
    }

    /// Renders with handlebars' own renderer (no splitting, no change tracking): the
    /// reference the compiled render's HTML equals, and the baseline of `benches/render.rs`.
    ///
    /// # Errors
    /// Handlebars' render error.
    pub fn render_handlebars(&self, data: &handlebars::Context) -> Result<String, RenderError> {
        use handlebars::Renderable;
        let mut rc = handlebars::RenderContext::new(None);
        self.inner
            .parsed
            .renders(&self.inner.shared.hb, data, &mut rc)
            .map_err(|e| RenderError::new(e.to_string()))
    }

    fn render_with(
        &self,
        assigns: &Assigns,
        inner: Option<Rendered>,
    ) -> Result<Rendered, RenderError> {
        let cx = Cx::new(&self.inner, assigns, inner);
        let scope = Scope::root(assigns.as_value());
        cx.fragment(&self.inner.root, &scope, assigns.is_all_changed())
            .map_err(|e| RenderError::new(e.message))
    }
}

impl Template for CompiledTemplate {
    fn prepare(&self) -> Result<(), RenderError> {
        Ok(())
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        self.render_with(assigns, None)
    }

    fn render_layout(&self, assigns: &Assigns, inner: Rendered) -> Result<Rendered, RenderError> {
        if !self.inner.has_inner_content {
            return Err(RenderError::new(format!(
                "{}: a layout needs a {{{{{{inner_content}}}}}} slot",
                self.inner.name
            )));
        }
        self.render_with(assigns, Some(inner))
    }
}

/// The HTML of a full render: statics interleaved with rendered slots.
///
/// `None` when a slot is unchanged (`None`) or not resolved yet (component and child calls).
pub fn to_html(rendered: &Rendered) -> Option<String> {
    let mut out = String::new();
    write_html(rendered, &mut out).then_some(out)
}

fn write_html(rendered: &Rendered, out: &mut String) -> bool {
    let statics = rendered.statics.parts();
    for (i, s) in statics.iter().enumerate() {
        out.push_str(s);
        if i + 1 < statics.len() {
            let ok = match rendered.dynamics.get(i) {
                Some(Some(d)) => write_dynamic(d, out),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

fn write_dynamic(d: &Dynamic, out: &mut String) -> bool {
    match d {
        Dynamic::Text(t) => {
            out.push_str(t);
            true
        }
        Dynamic::Nested(r) => write_html(r, out),
        Dynamic::Comprehension(c) => c.entries.iter().all(|entry| {
            let statics = c.statics.parts();
            statics.iter().enumerate().all(|(i, s)| {
                out.push_str(s);
                i + 1 == statics.len() || entry.get(i).is_some_and(|d| write_dynamic(d, out))
            })
        }),
        _ => false,
    }
}
