//! What a test step can end with besides new HTML: errors and navigation.

use std::fmt;

use serde_json::{Map, Value};

/// A navigation the server asked for (`push_navigate`, `redirect`, a mount redirect).
///
/// Phoenix's `render_click` returns `{:error, {:redirect | :live_redirect, %{to: ...}}}`;
/// here the step returns `Err(TestError::Redirected(..))` carrying this value.
#[derive(Clone, Debug, PartialEq)]
pub struct Redirect {
    /// The target path or URL.
    pub to: String,
    /// True for `push_navigate` (`live_redirect`): another view of the same live session,
    /// no page load. False for `redirect` (a full page load).
    pub live: bool,
    /// `replace` history instead of `push` (live redirects).
    pub replace: bool,
    /// The flash handed to the next page, verified and decoded.
    pub flash: Map<String, Value>,
}

/// Why a test step failed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum TestError {
    /// The page could not be loaded or joined; the text says why (HTTP status, join reply).
    Mount(String),
    /// The view navigated away; follow it with [`super::LiveViewTest::follow_redirect`].
    Redirected(Redirect),
    /// No element matches the selector.
    NoElement(String),
    /// The element has no binding for this event (e.g. no `phx-click`).
    NoBinding {
        /// The selector used.
        selector: String,
        /// The attribute that was looked for.
        binding: &'static str,
    },
    /// The selector is not valid CSS.
    BadSelector(String),
    /// The view crashed (the server sent `phx_error`) or closed.
    ViewDown(String),
    /// The server answered an event with an error reply.
    ErrorReply(Value),
    /// No reply within the harness timeout.
    Timeout(String),
    /// The client-side merge failed (a server bug: the diff does not fit the tree).
    Merge(String),
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestError::Mount(why) => write!(f, "mount failed: {why}"),
            TestError::Redirected(r) => {
                let kind = if r.live { "live redirect" } else { "redirect" };
                write!(f, "view navigated away ({kind} to {})", r.to)
            }
            TestError::NoElement(sel) => write!(f, "no element matches {sel:?}"),
            TestError::NoBinding { selector, binding } => {
                write!(f, "element {selector:?} has no {binding} attribute")
            }
            TestError::BadSelector(sel) => write!(f, "invalid CSS selector {sel:?}"),
            TestError::ViewDown(why) => write!(f, "view is down: {why}"),
            TestError::ErrorReply(reply) => write!(f, "server replied with an error: {reply}"),
            TestError::Timeout(what) => write!(f, "timed out waiting for {what}"),
            TestError::Merge(why) => write!(f, "diff could not be merged: {why}"),
        }
    }
}

impl std::error::Error for TestError {}
