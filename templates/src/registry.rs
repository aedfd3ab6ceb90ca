//! The registry users add helpers and partials to, and the global one colocated templates use.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use handlebars::template::Template as HbTemplate;
use handlebars::{Handlebars, HelperDef};

use crate::compile;
use crate::error::{self, TemplateError};
use crate::live::{HELPERS, HbLiveHelper};
use crate::template::CompiledTemplate;

/// Helpers and partials shared by the templates compiled from it.
///
/// Cheap to clone (copy-on-write): a compiled template keeps the registry as it was when it
/// was compiled.
///
/// # Examples
/// ```
/// use liveview_templates::TemplateRegistry;
/// let mut registry = TemplateRegistry::new();
/// registry.register_partial("greeting", "<b>{{name}}</b>")?;
/// let template = registry.compile("page", "<p>{{> greeting}}</p>")?;
/// # Ok::<(), liveview_templates::TemplateError>(())
/// ```
#[derive(Clone)]
pub struct TemplateRegistry {
    shared: Arc<Shared>,
}

/// What compiled templates and renders read.
#[derive(Clone)]
pub(crate) struct Shared {
    /// Handlebars with our escape function, helpers and partials: renders text fallbacks.
    pub(crate) hb: Handlebars<'static>,
    /// Parsed partials, inlined by the compiler.
    pub(crate) partials: HashMap<String, HbTemplate>,
    /// Helpers registered by the user (they win over built-ins of the same name).
    pub(crate) user_helpers: HashSet<String>,
    /// Every helper name handlebars knows (it does not expose that list itself).
    pub(crate) helpers: HashSet<String>,
}

/// The helpers `Handlebars::new()` registers.
const HANDLEBARS_BUILTINS: &[&str] = &[
    "if", "unless", "each", "with", "lookup", "raw", "log", "eq", "ne", "gt", "gte", "lt", "lte",
    "and", "or", "not", "len",
];

impl std::fmt::Debug for TemplateRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut partials: Vec<&String> = self.shared.partials.keys().collect();
        partials.sort();
        f.debug_struct("TemplateRegistry")
            .field("partials", &partials)
            .field("helpers", &self.shared.user_helpers)
            .finish()
    }
}

impl Default for TemplateRegistry {
    fn default() -> Self {
        TemplateRegistry::new()
    }
}

static GLOBAL: RwLock<Option<TemplateRegistry>> = RwLock::new(None);

impl TemplateRegistry {
    /// A registry with handlebars' built-in helpers and the LiveView helpers.
    pub fn new() -> TemplateRegistry {
        let mut hb = Handlebars::new();
        hb.register_escape_fn(liveview_core::html::escape);
        // HTML does not care about indentation; handlebars' partial re-indenting would tie
        // every line of a partial to the call site's whitespace.
        hb.set_prevent_indent(true);
        let mut helpers: HashSet<String> =
            HANDLEBARS_BUILTINS.iter().map(|h| (*h).to_owned()).collect();
        for (name, helper) in HELPERS {
            hb.register_helper(name, Box::new(HbLiveHelper { name, helper: *helper }));
            helpers.insert((*name).to_owned());
        }
        let shared = Shared { hb, partials: HashMap::new(), user_helpers: HashSet::new(), helpers };
        TemplateRegistry { shared: Arc::new(shared) }
    }

    /// Adds a helper (a `handlebars::HelperDef`, e.g. a closure or `handlebars_helper!`).
    ///
    /// Helper expressions are re-rendered when an assign named in their arguments changes;
    /// a helper without such arguments is re-rendered after every change.
    pub fn register_helper(&mut self, name: &str, helper: impl HelperDef + Send + Sync + 'static) {
        let shared = Arc::make_mut(&mut self.shared);
        shared.hb.register_helper(name, Box::new(helper));
        shared.user_helpers.insert(name.to_owned());
        shared.helpers.insert(name.to_owned());
    }

    /// Adds a partial (`{{> name}}`). Templates compiled afterwards inline it.
    ///
    /// # Errors
    /// The partial's syntax error, with line and column.
    pub fn register_partial(&mut self, name: &str, source: &str) -> Result<(), TemplateError> {
        let parsed = parse(name, source)?;
        let shared = Arc::make_mut(&mut self.shared);
        shared.hb.register_template(name, parsed.clone());
        shared.partials.insert(name.to_owned(), parsed);
        Ok(())
    }

    /// Compiles a template against this registry's helpers and partials.
    ///
    /// # Errors
    /// Syntax errors, unbalanced blocks and unknown helpers, with line and column.
    pub fn compile(&self, name: &str, source: &str) -> Result<CompiledTemplate, TemplateError> {
        self.compile_generation(name, source, 0)
    }

    /// [`TemplateRegistry::compile`] for the `generation`-th version of a reloaded file.
    pub(crate) fn compile_generation(
        &self,
        name: &str,
        source: &str,
        generation: u64,
    ) -> Result<CompiledTemplate, TemplateError> {
        let parsed = parse(name, source)?;
        compile::compile(name, &parsed, Arc::clone(&self.shared), generation)
    }

    /// A copy of the global registry (what `template!` compiles against).
    pub fn global() -> TemplateRegistry {
        let guard = GLOBAL.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.clone().unwrap_or_default()
    }

    /// Changes the global registry, e.g. to add helpers and partials before the app is built.
    ///
    /// # Examples
    /// ```
    /// liveview_templates::TemplateRegistry::update_global(|r| r.register_partial("nav", "<nav></nav>"))?;
    /// # Ok::<(), liveview_templates::TemplateError>(())
    /// ```
    pub fn update_global<R>(change: impl FnOnce(&mut TemplateRegistry) -> R) -> R {
        let mut guard = GLOBAL.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        change(guard.get_or_insert_with(TemplateRegistry::new))
    }

    /// Renders `source` with handlebars' own renderer (no splitting, no change tracking):
    /// the reference a compiled render's HTML equals.
    ///
    /// # Errors
    /// Syntax errors as [`TemplateError`]; render errors as their message.
    pub fn render_reference(
        &self,
        name: &str,
        source: &str,
        data: &serde_json::Value,
    ) -> Result<String, String> {
        let parsed = parse(name, source).map_err(|e| e.to_string())?;
        let mut hb = self.shared.hb.clone();
        hb.register_template(name, parsed);
        hb.render(name, data).map_err(|e| e.to_string())
    }
}

/// Parses like the registry does (same options), keeping handlebars' AST.
fn parse(name: &str, source: &str) -> Result<HbTemplate, TemplateError> {
    let mut parser = Handlebars::new();
    parser.set_prevent_indent(true);
    match parser.register_template_string(name, source) {
        Ok(()) => Ok(parser.get_template(name).cloned().unwrap_or_default()),
        Err(e) => Err(error::from_parse(name, source, &e)),
    }
}
