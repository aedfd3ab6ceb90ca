//! `on_mount` hooks (`live_session :name, on_mount: ...`): functions run before every mount
//! of the views routed in a live session, in the HTTP render and again when connected.
//!
//! A hook may assign (say, the current user), continue ([`OnMount::Cont`]) or stop the mount
//! with a redirect ([`OnMount::Halt`], Phoenix's `{:halt, socket}`): it must then have called
//! [`Socket::redirect`] or [`Socket::push_navigate`]; the view's own `mount` does not run.
//! Views rendered with `live_render` (children) run no live-session hooks, as in Phoenix.

use std::sync::Arc;

use crate::assigns::Assigns;
use crate::rendered::Rendered;
use crate::socket::Socket;
use crate::view::{LiveView, MountParams, RenderError, Session, ViewResult};

/// What a hook decided (`{:cont, socket}` / `{:halt, socket}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OnMount {
    /// Go on with the next hook, then the view's `mount`.
    Cont,
    /// Stop mounting; the socket must carry a redirect or `push_navigate`.
    Halt,
}

/// An `on_mount` hook.
pub type OnMountHook =
    Arc<dyn Fn(&MountParams, &Session, &mut Socket) -> ViewResult<OnMount> + Send + Sync>;

/// Stands in for a view whose mount a hook halted; it is never shown (the client is
/// redirected), so it renders nothing.
pub(crate) struct Halted;

impl LiveView for Halted {
    fn mount(_: &MountParams, _: &Session, _: &mut Socket) -> ViewResult<Self> {
        Ok(Halted)
    }

    fn render(&self, _: &Assigns) -> Result<Rendered, RenderError> {
        Ok(Rendered::from_static(""))
    }
}
