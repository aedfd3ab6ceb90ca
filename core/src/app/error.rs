//! Why an app could not be built.

use std::fmt;

/// Why [`crate::AppBuilder::build`] refused the app. Every problem is found at start-up, so
/// a running app never meets it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// `signing_salt` was not set (it is required, as in Phoenix).
    MissingSalt,
    /// `signing_salt` is shorter than 8 bytes.
    WeakSalt,
    /// `secret_key_base` is shorter than 32 bytes.
    WeakSecret,
    /// A route path could not be parsed.
    InvalidRoute {
        /// The path as written.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// Two routes of the same method match the same paths.
    DuplicateRoute {
        /// The second route's path.
        path: String,
    },
    /// Two different view or component types registered under one name.
    DuplicateName {
        /// The name.
        name: String,
    },
    /// Two `live_session` blocks with the same name.
    DuplicateLiveSession {
        /// The name.
        name: String,
    },
    /// A view uses a layout that was never registered with `layout(name, ...)`.
    UnknownLayout {
        /// The view's name.
        view: String,
        /// The missing layout's name.
        layout: String,
    },
    /// A template failed to compile.
    Template {
        /// The view, component or layout it belongs to.
        view: String,
        /// The template's error (file, line, column, what is wrong).
        message: String,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::MissingSalt => {
                f.write_str("signing_salt is required: call .signing_salt(\"at least 8 random bytes\")")
            }
            BuildError::WeakSalt => f.write_str("signing_salt must have at least 8 bytes"),
            BuildError::WeakSecret => f.write_str(
                "secret_key_base must have at least 32 bytes (generate one with `openssl rand -base64 48`)",
            ),
            BuildError::InvalidRoute { path, message } => write!(f, "route {path:?}: {message}"),
            BuildError::DuplicateRoute { path } => {
                write!(f, "route {path:?} matches the same paths as an earlier route")
            }
            BuildError::DuplicateName { name } => {
                write!(f, "two different types are registered under the name {name:?}")
            }
            BuildError::DuplicateLiveSession { name } => write!(f, "live_session {name:?} is declared twice"),
            BuildError::UnknownLayout { view, layout } => {
                write!(f, "view {view} uses layout {layout:?}, which was not registered with .layout({layout:?}, ...)")
            }
            BuildError::Template { view, message } => write!(f, "template of {view}: {message}"),
        }
    }
}

impl std::error::Error for BuildError {}
