//! Colocated and inline templates (`template!`), compiled lazily, with a dev mode that
//! re-reads a changed file without a restart.

use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::SystemTime;

use liveview_core::{Assigns, RenderError, Rendered, Template};

use crate::error::{TemplateError, TemplateErrorKind};
use crate::registry::TemplateRegistry;
use crate::template::CompiledTemplate;

/// Environment variable that turns on dev reload (`LIVEVIEW_DEV_RELOAD=1`).
pub const DEV_RELOAD_ENV: &str = "LIVEVIEW_DEV_RELOAD";

/// 0: not decided yet (read the environment), 1: off, 2: on.
static DEV_RELOAD: AtomicU8 = AtomicU8::new(0);

/// Turns dev reload on or off for every colocated template (overrides the environment).
pub fn set_dev_reload(enabled: bool) {
    DEV_RELOAD.store(if enabled { 2 } else { 1 }, Ordering::Relaxed);
}

/// True when colocated templates re-read their file when its modification time changed.
pub fn is_dev_reload() -> bool {
    match DEV_RELOAD.load(Ordering::Relaxed) {
        0 => {
            let on = std::env::var(DEV_RELOAD_ENV)
                .is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
            DEV_RELOAD.store(if on { 2 } else { 1 }, Ordering::Relaxed);
            on
        }
        state => state == 2,
    }
}

/// A template embedded in the binary by [`crate::template!`], compiled on first use against
/// the global [`TemplateRegistry`].
///
/// [`Template::prepare`] compiles it, so the app's `build()` reports template errors.
#[derive(Debug)]
pub struct StaticTemplate {
    name: &'static str,
    source: &'static str,
    /// `file!()` of the caller and its crate's manifest directory: where to find the file
    /// again in dev mode. `None` for inline templates.
    origin: Option<(&'static str, &'static str)>,
    state: RwLock<Option<Loaded>>,
    reloads: AtomicU64,
}

#[derive(Debug)]
struct Loaded {
    template: Result<CompiledTemplate, TemplateError>,
    modified: Option<SystemTime>,
}

impl StaticTemplate {
    /// A colocated template (use [`crate::template!`]).
    #[doc(hidden)]
    pub const fn file(
        path: &'static str,
        source: &'static str,
        caller: &'static str,
        manifest_dir: &'static str,
    ) -> StaticTemplate {
        StaticTemplate {
            name: path,
            source,
            origin: Some((caller, manifest_dir)),
            state: RwLock::new(None),
            reloads: AtomicU64::new(0),
        }
    }

    /// An inline template (use `template!(inline: "...")`).
    #[doc(hidden)]
    pub const fn inline(name: &'static str, source: &'static str) -> StaticTemplate {
        StaticTemplate {
            name,
            source,
            origin: None,
            state: RwLock::new(None),
            reloads: AtomicU64::new(0),
        }
    }

    /// The compiled template (compiling or reloading it first when needed).
    ///
    /// # Errors
    /// The template's compile error.
    pub fn compiled(&self) -> Result<CompiledTemplate, TemplateError> {
        let file = if is_dev_reload() { self.file_path() } else { None };
        let modified =
            file.as_deref().and_then(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok());
        {
            let state = self.state.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(loaded) = state.as_ref() {
                if file.is_none() || loaded.modified == modified {
                    return loaded.template.clone();
                }
            }
        }
        let template = match &file {
            Some(path) if modified.is_some() => match std::fs::read_to_string(path) {
                // A new generation gives the reloaded template new fingerprints: the diff
                // engine then asks for a full render instead of trusting stale `None`s.
                Ok(source) => {
                    let generation = self.reloads.fetch_add(1, Ordering::Relaxed) + 1;
                    TemplateRegistry::global().compile_generation(self.name, &source, generation)
                }
                Err(e) => {
                    Err(TemplateError::new(self.name, (1, 1), TemplateErrorKind::Io(e.to_string())))
                }
            },
            _ => TemplateRegistry::global().compile(self.name, self.source),
        };
        if let Err(e) = &template {
            log::warn!("template {}: {e}", self.name);
        }
        let mut state = self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *state = Some(Loaded { template: template.clone(), modified });
        template
    }

    /// Where the file is on disk: next to the calling `.rs` file. `file!()` is relative to
    /// the workspace root, which is the manifest directory or one of its ancestors.
    fn file_path(&self) -> Option<PathBuf> {
        let (caller, manifest_dir) = self.origin?;
        let relative = Path::new(caller).parent()?.join(self.name);
        Path::new(manifest_dir).ancestors().map(|dir| dir.join(&relative)).find(|p| p.is_file())
    }
}

impl Template for StaticTemplate {
    fn prepare(&self) -> Result<(), RenderError> {
        self.compiled().map(|_| ()).map_err(Into::into)
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        self.compiled()?.render(assigns)
    }

    fn render_layout(&self, assigns: &Assigns, inner: Rendered) -> Result<Rendered, RenderError> {
        self.compiled()?.render_layout(assigns, inner)
    }
}

/// A template colocated with the calling `.rs` file, or inline; returns
/// `&'static StaticTemplate` (a core `Template`).
///
/// - `template!("counter_live.html.hbs")`: the file next to the calling `.rs` file, embedded
///   with `include_str!`; with dev reload on ([`set_dev_reload`], `LIVEVIEW_DEV_RELOAD=1`)
///   it is re-read when its modification time changes.
/// - `template!(inline: "<p>{{count}}</p>")`: an inline source.
///
/// Compiled on first use against [`TemplateRegistry::global`]; the app's `build()` calls
/// `prepare()`, which reports compile errors with file, line and column.
///
/// # Examples
/// ```
/// use liveview_core::Template;
/// let template: &'static liveview_templates::StaticTemplate = liveview_templates::template!(inline: "<p>{{count}}</p>");
/// template.prepare().unwrap();
/// ```
#[macro_export]
macro_rules! template {
    (inline: $source:expr) => {{
        static TEMPLATE: $crate::StaticTemplate = $crate::StaticTemplate::inline(
            concat!("inline template at ", file!(), ":", line!()),
            $source,
        );
        &TEMPLATE
    }};
    ($path:literal) => {{
        static TEMPLATE: $crate::StaticTemplate = $crate::StaticTemplate::file(
            $path,
            include_str!($path),
            file!(),
            env!("CARGO_MANIFEST_DIR"),
        );
        &TEMPLATE
    }};
}

/// An inline template: `inline_template!("<p>{{count}}</p>")` is `template!(inline: ...)`.
#[macro_export]
macro_rules! inline_template {
    ($source:expr) => {
        $crate::template!(inline: $source)
    };
}
